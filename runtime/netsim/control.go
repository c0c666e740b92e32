// This file defines the hand-driven controls that act on many paths at
// once: manual partitions (compiled down to path blocks), node-level
// isolation, pause and reset, and replaying recorded packets.

package netsim

import (
	"fmt"
	"slices"
	"syscall"
	"time"

	"github.com/marionette-dst/marionette/runtime"
)

// Partition blocks every path between nodes of different groups, in both
// directions. Nodes in no group are not affected.
// Like every control acting on many paths, it is the simulator's work for
// the busy-loop watchdog (runtime.World.SimWork), however many paths.
func (n *Network) Partition(groups ...[]*runtime.Node) {
	n.w.SimWork(func() {
		for i, a := range groups {
			for j, b := range groups {
				if i != j {
					n.block(a, b)
				}
			}
		}
	})
}

// PartitionOneWay blocks every path from a node of from to a node of to;
// the other direction still delivers.
func (n *Network) PartitionOneWay(from, to []*runtime.Node) {
	n.w.SimWork(func() { n.block(from, to) })
}

func (n *Network) block(from, to []*runtime.Node) {
	for _, a := range from {
		for _, b := range to {
			if a != b {
				n.Path(a, b).Block()
			}
		}
	}
}

// HealOneWay unblocks every path from a node of from to a node of to.
func (n *Network) HealOneWay(from, to []*runtime.Node) {
	n.w.SimWork(func() {
		for _, a := range from {
			for _, b := range to {
				n.Path(a, b).Unblock()
			}
		}
	})
}

// Heal removes every manual filter: path blocks and node isolation. (The
// random partition process is separate: see SetRandomFaults.)
func (n *Network) Heal() {
	n.w.SimWork(func() {
		for _, row := range n.paths {
			for _, p := range row {
				if p != nil {
					p.Unblock()
				}
			}
		}
		for _, s := range n.Stacks() {
			n.Rejoin(s.node)
		}
	})
}

// Isolate blocks every path into and out of node (its loopback still works).
func (n *Network) Isolate(node *runtime.Node) {
	s := n.Stack(node)
	if !s.isolated {
		s.isolated = true
		n.trace("net.isolate", int64(s.id), node.Name())
	}
}

// Rejoin ends Isolate.
func (n *Network) Rejoin(node *runtime.Node) {
	s := n.Stack(node)
	if s.isolated {
		s.isolated = false
		n.trace("net.rejoin", int64(s.id), node.Name())
	}
}

// Pause makes node silent: packets into and out of it are held at the end
// of their paths until Resume (a paused machine neither sends nor
// receives). runtime.Node.Pause calls it through a hook and also freezes
// the node's goroutines and its connections' timers; called alone, it only
// silences the network.
func (n *Network) Pause(node *runtime.Node) {
	s := n.Stack(node)
	if !s.paused {
		s.paused = true
		n.trace("net.pause", int64(s.id), node.Name())
	}
}

// Resume ends Pause and delivers what it held, path by path in node order,
// each path's packets in arrival order.
func (n *Network) Resume(node *runtime.Node) {
	s := n.Stack(node)
	if !s.paused {
		return
	}
	s.paused = false
	n.trace("net.resume", int64(s.id), node.Name())
	for _, row := range n.paths {
		for _, p := range row {
			if p != nil && (p.src == s || p.dst == s) && !p.isHolding() {
				p.flushHeld()
			}
		}
	}
}

// resetErrno is what a program's handle on a reset node's connection reports.
const resetErrno = syscall.ECONNRESET

// ResetNode drops every socket of node at once and silently, as a crash
// does: connections, listeners and datagram sockets vanish; the program's
// handles report ECONNRESET (connections) or net.ErrClosed; peers learn by
// an RST when they next send. Packets already travelling are not affected.
func (n *Network) ResetNode(node *runtime.Node) {
	s := n.Stack(node)
	n.trace("net.reset.node", int64(s.id), node.Name())
	for _, c := range s.sortedConns() {
		if !c.appClosed {
			c.soErr = resetErrno
		}
		if c.state == stSynSent {
			c.failDial(resetErrno)
			continue
		}
		c.finish()
	}
	for _, l := range slices.Clone(s.listeners) {
		l.embryos, l.queue = nil, nil
		l.Close()
	}
	for _, u := range slices.Clone(s.udps) {
		u.Close()
	}
	if s.paused {
		n.Resume(node) // a crash ends a pause; what was held meets the empty stack
	}
}

// CloseNode closes every socket of node as the kernel does when a process
// exits: connections are closed (a FIN after their buffered data, or an RST
// if data was left unread), listeners and datagram sockets go away.
func (n *Network) CloseNode(node *runtime.Node) {
	s := n.Stack(node)
	n.trace("net.close.node", int64(s.id), node.Name())
	for _, c := range s.sortedConns() {
		if !c.appClosed {
			c.Close()
		}
	}
	for _, l := range slices.Clone(s.listeners) {
		l.Close()
	}
	for _, u := range slices.Clone(s.udps) {
		u.Close()
	}
	if s.paused {
		n.Resume(node)
	}
}

// Inject sends a copy of p into the path from the node owning p.Src to the
// node owning p.Dst, now, as if that node had sent it.
func (n *Network) Inject(p Packet) error {
	src := n.w.NodeByAddr(p.Src.Addr().Unmap())
	if src == nil {
		if p.Src.Addr().IsLoopback() {
			src = n.w.DefaultNode()
		} else {
			return fmt.Errorf("netsim: no node has the source address of %v", &p)
		}
	}
	q := p
	n.send(n.Stack(src), &q)
	return nil
}

// Replay injects recorded packets again, keeping their relative timing:
// the first is sent now, each next one as long after it as it was
// originally.
func (n *Network) Replay(pkts []Packet) error {
	if len(pkts) == 0 {
		return nil
	}
	for _, p := range pkts {
		if n.w.NodeByAddr(p.Src.Addr().Unmap()) == nil && !p.Src.Addr().IsLoopback() {
			return fmt.Errorf("netsim: no node has the source address of %v", &p)
		}
	}
	t0 := pkts[0].Sent
	n.trace("net.replay", int64(len(pkts)), "")
	for _, p := range pkts {
		p := p
		d := max(p.Sent-t0, time.Duration(0))
		n.w.ScheduleGlobal(d, "net.replay", func() { _ = n.Inject(p) })
	}
	return nil
}
