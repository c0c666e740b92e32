// This file defines the Network: one world's simulated network, its node
// stacks and directed paths, and how a packet is sent into a path.

package netsim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/marionette-dst/marionette/runtime"
)

// Network is the simulated network of one world. It is created on first
// use and lives as long as the world.
type Network struct {
	w   *runtime.World
	o   runtime.NetworkOptions
	rnd *rand.Rand // per-packet draws: loss, replay, delay, capacity drops

	stacks []*Stack // by node ID
	paths  [][]*Path

	nextID     uint64
	connSerial int64
	random     bool // the random fault processes run
	part       partitionProc
	ended      bool

	// onDeliver, when set, sees every packet handed to a stack (tests).
	onDeliver func(*Packet)
}

type networkKey struct{}

// Of returns the network of world w, creating it on first use.
func Of(w *runtime.World) *Network {
	return w.Local(networkKey{}, func() any { return newNetwork(w) }).(*Network)
}

// Current returns the network of the calling goroutine's world, or nil
// outside a simulation.
func Current() *Network {
	g := runtime.Current()
	if g == nil {
		if g = runtime.Lookup(); g == nil {
			return nil
		}
	}
	return Of(g.World())
}

func newNetwork(w *runtime.World) *Network {
	n := &Network{
		w:      w,
		o:      w.Options().Network.WithDefaults(),
		rnd:    w.Rand(runtime.StreamNetwork),
		random: true,
	}
	n.part.init(n)
	w.OnEnd(func() { n.ended = true })
	// A node's life cycle reaches its stack: a crash drops every socket
	// silently, a process exit closes them as the kernel does, a pause
	// makes the node silent.
	w.OnAll(runtime.HookCrash, n.ResetNode)
	w.OnAll(runtime.HookExit, n.CloseNode)
	w.OnAll(runtime.HookPause, n.Pause)
	w.OnAll(runtime.HookResume, n.Resume)
	w.OnLiveness("network", n.healCore)
	return n
}

// World returns the network's world.
func (n *Network) World() *runtime.World { return n.w }

// Options returns the network's parameters (the world's network options
// with defaults filled in).
func (n *Network) Options() runtime.NetworkOptions { return n.o }

// Ended reports whether the network's world has finished its run.
func (n *Network) Ended() bool { return n.ended }

// Stack returns the network stack of a node.
func (n *Network) Stack(node *runtime.Node) *Stack {
	id := node.ID()
	for len(n.stacks) <= id {
		n.stacks = append(n.stacks, nil)
	}
	s := n.stacks[id]
	if s == nil {
		s = newStack(n, node)
		n.stacks[id] = s
	}
	return s
}

// Path returns the directed path from src to dst.
func (n *Network) Path(src, dst *runtime.Node) *Path {
	return n.path(n.Stack(src), n.Stack(dst))
}

func (n *Network) path(src, dst *Stack) *Path {
	for len(n.paths) <= src.id {
		n.paths = append(n.paths, nil)
	}
	row := n.paths[src.id]
	for len(row) <= dst.id {
		row = append(row, nil)
	}
	n.paths[src.id] = row
	p := row[dst.id]
	if p == nil {
		p = newPath(n, src, dst)
		row[dst.id] = p
	}
	return p
}

// route returns the stack that owns address a as seen from src: src
// itself for loopback and its own address, the node with that address, or
// nil when no node has it.
func (n *Network) route(src *Stack, a netip.Addr) *Stack {
	a = a.Unmap()
	if a.IsLoopback() || a.IsUnspecified() || a == src.addr {
		return src
	}
	node := n.w.NodeByAddr(a)
	if node == nil {
		return nil
	}
	return n.Stack(node)
}

func (n *Network) now() time.Duration { return n.w.Now() }

func (n *Network) trace(kind string, arg int64, detail string) {
	n.w.Trace(kind, nil, arg, detail)
}

// send hands p from stack src into the path to the stack owning p.Dst. It
// reports false when no node owns the destination (the packet is dropped).
func (n *Network) send(src *Stack, p *Packet) bool {
	dst := n.route(src, p.Dst.Addr())
	if dst == nil {
		n.trace("net.drop", int64(len(p.Data)), "noroute "+src.addr.String()+"->"+p.Dst.Addr().String())
		return false
	}
	n.path(src, dst).enter(p)
	return true
}

// exp draws an exponential duration with the given mean.
func (n *Network) exp(r *rand.Rand, mean time.Duration) time.Duration {
	if mean <= 0 {
		return 0
	}
	d := r.ExpFloat64() * float64(mean)
	if d > float64(math.MaxInt64/4) {
		d = float64(math.MaxInt64 / 4)
	}
	return time.Duration(d)
}

// InFlight returns a copy of every packet inside a path (travelling or
// held), ordered by path and then by packet ID.
func (n *Network) InFlight() []Packet {
	var out []Packet
	for _, row := range n.paths {
		for _, p := range row {
			if p != nil {
				out = append(out, p.InFlight()...)
			}
		}
	}
	return out
}

// Stacks returns the stacks created so far, in node order.
func (n *Network) Stacks() []*Stack {
	var out []*Stack
	for _, s := range n.stacks {
		if s != nil {
			out = append(out, s)
		}
	}
	return out
}

// OnDeliver registers f to see every packet delivered to a stack, after the
// path and before the protocol (for tests and custom checkers).
func (n *Network) OnDeliver(f func(*Packet)) { n.onDeliver = f }

func (n *Network) String() string { return fmt.Sprintf("network of %d stacks", len(n.Stacks())) }
