// This file defines the life cycle of a node: start its main function,
// exit (main returned or os.Exit: a process exit), stop (graceful: a stop
// request, then exit), crash (a machine crash: goroutines abandoned without
// running deferred calls, timers gone), restart (the node's main again on
// what survived), and pause/resume (goroutines and timers frozen; peers see
// silence). Subsystems attach per-node behaviour with hooks: the disk
// resolves pending writes on a crash, the network resets connections, the
// package state of rewritten code is renewed on restart.

package runtime

import (
	"fmt"
	"sort"
	"time"
)

// NodeState is where a node is in its life cycle.
type NodeState string

const (
	NodeIdle    NodeState = "idle"    // created, main not started (the default node runs tests)
	NodeRunning NodeState = "running" // main started
	NodeExited  NodeState = "exited"  // main returned, os.Exit, or a graceful stop finished
	NodeCrashed NodeState = "crashed" // machine crash
)

// Hook events.
const (
	HookStart   = "start"   // before main starts (first start and every restart)
	HookExit    = "exit"    // the process ended cleanly: its goroutines are gone, the machine is up
	HookCrash   = "crash"   // the machine crashed: unsynced state is lost
	HookRestart = "restart" // before main starts again after an exit or crash
	HookPause   = "pause"
	HookResume  = "resume"
)

type nodeLife struct {
	state       NodeState
	main        func()
	incarnation int
	exitCode    int
	paused      bool
	pausedAt    int64
	held        []*G     // goroutines woken while paused, in wake order
	stashed     []*Event // the node's events that came due while paused
	hooks       map[string][]func(*Node)
	stopReq     chan struct{}
	changedAt   int64 // simulated time of the last start, exit or crash
}

// State returns the node's life-cycle state.
func (n *Node) State() NodeState {
	if n.life.state == "" {
		return NodeIdle
	}
	return n.life.state
}

// Paused reports whether the node is paused.
func (n *Node) Paused() bool { return n.life.paused }

// Incarnation counts the starts of the node's main (1 after the first).
func (n *Node) Incarnation() int { return n.life.incarnation }

// ExitCode is the code of the node's last process exit (os.Exit, or 0 when
// main returned).
func (n *Node) ExitCode() int { return n.life.exitCode }

// On registers f to run on a life-cycle event of the node (HookCrash...).
// Hooks run in registration order, in the scheduler or in the goroutine
// that caused the event; they must not block.
func (n *Node) On(event string, f func(*Node)) {
	if n.life.hooks == nil {
		n.life.hooks = map[string][]func(*Node){}
	}
	n.life.hooks[event] = append(n.life.hooks[event], f)
}

// OnAll registers f for a life-cycle event of every node of the world,
// present and future.
func (w *World) OnAll(event string, f func(*Node)) {
	w.nodeHooks = append(w.nodeHooks, nodeHook{event, f})
	for _, n := range w.nodes {
		n.On(event, f)
	}
}

type nodeHook struct {
	event string
	f     func(*Node)
}

func (n *Node) run(event string) {
	n.w.record(evNodeLife, 0, int64(n.id), event+" "+n.name)
	for _, f := range n.life.hooks[event] {
		f(n)
	}
}

// Start runs main as the node's main goroutine: the node's process. When main
// returns the process exits (its other goroutines end with it, as in Go).
func (n *Node) Start(main func()) {
	if n.life.state == NodeRunning {
		panic(fmt.Sprintf("marionette: node %s is already running", n.name))
	}
	n.life.main = main
	n.life.state = NodeRunning
	n.life.incarnation++
	n.life.exitCode = 0
	n.life.changedAt = n.w.now
	n.life.stopReq = make(chan struct{})
	n.run(HookStart)
	inc := n.life.incarnation
	n.Go(n.name+" main", func() {
		main()
		if n.life.state == NodeRunning && n.life.incarnation == inc {
			n.endProcess(NodeExited, 0, "main returned")
		}
	})
}

// Restart starts the node's main again after an exit or a crash, on what
// survived (the disk's durable state); package state starts fresh.
func (n *Node) Restart() {
	if n.life.main == nil {
		panic(fmt.Sprintf("marionette: node %s was never started", n.name))
	}
	if n.life.state == NodeRunning {
		panic(fmt.Sprintf("marionette: node %s is running; crash or stop it first", n.name))
	}
	n.run(HookRestart)
	n.Start(n.life.main)
}

// Exit ends the node's process with code, as os.Exit does: every goroutine of
// the node stops at once without running deferred calls. Called from one of
// the node's goroutines, it does not return.
func (n *Node) Exit(code int) {
	n.endProcess(NodeExited, code, fmt.Sprintf("os.Exit(%d)", code))
}

// Crash crashes the node's machine: its goroutines are abandoned without
// running deferred calls, its timers vanish, and the crash hooks run (the
// disk keeps only what the durability model allows; peers' connections are
// reset). Called from one of the node's goroutines, it does not return.
func (n *Node) Crash() {
	if n.life.state == NodeCrashed {
		return
	}
	n.endProcess(NodeCrashed, -1, "crash")
}

// StopRequested returns a channel closed when Stop asks the node's process
// to shut down (what SIGTERM is to a real process).
func (n *Node) StopRequested() <-chan struct{} {
	if n.life.stopReq == nil {
		n.life.stopReq = make(chan struct{})
	}
	return n.life.stopReq
}

// Stop shuts the node down gracefully: it closes StopRequested and lets the
// process finish on its own; if it is still running after grace, it exits
// (a clean process exit, not a crash).
func (n *Node) Stop(grace time.Duration) {
	if n.life.state != NodeRunning {
		return
	}
	w := n.w
	inc := n.life.incarnation
	w.record(evNodeLife, 0, int64(n.id), "stop "+n.name)
	select {
	case <-n.life.stopReq:
	default:
		CloseIn(w, n.life.stopReq)
	}
	w.ScheduleGlobal(grace, "node.stop.grace", func() {
		if n.life.state == NodeRunning && n.life.incarnation == inc {
			n.endProcess(NodeExited, 0, "stopped after grace")
		}
	})
}

// endProcess ends every goroutine of the node without running deferred
// calls, drops its timers, runs the exit or crash hooks, then releases the
// goroutines (World.kill).
func (n *Node) endProcess(state NodeState, code int, how string) {
	w := n.w
	if n.life.state != NodeRunning && n.life.state != NodeIdle {
		return
	}
	self := w.cur
	if self != nil && (self.driver || self.node != n) {
		self = nil
	}
	// Goroutines in id order.
	var gs []*G
	for _, g := range w.all {
		if g.node == n {
			gs = append(gs, g)
		}
	}
	sort.Slice(gs, func(i, j int) bool { return gs[i].id < gs[j].id })
	dead := map[*G]bool{}
	for _, g := range gs {
		dead[g] = true
		w.abandon(g, how)
	}
	if len(dead) > 0 {
		kept := w.runq[:0]
		for _, g := range w.runq {
			if !dead[g] {
				kept = append(kept, g)
			}
		}
		for i := len(kept); i < len(w.runq); i++ {
			w.runq[i] = nil
		}
		w.runq = kept
	}
	// The node's timers die with its process.
	for i := 0; i < len(w.events); {
		if w.events[i].node == n {
			w.events[i].Cancel()
			continue
		}
		i++
	}
	n.life.held, n.life.stashed, n.life.paused = nil, nil, false
	n.life.state = state
	n.life.exitCode = code
	n.life.changedAt = w.now
	if state == NodeCrashed {
		n.run(HookCrash)
	} else {
		n.run(HookExit)
	}
	// Release the goroutines, in id order, now that the hooks have seen
	// the node's state at the instant it ended.
	for _, g := range gs {
		w.kill(g)
	}
	if self != nil {
		// The calling goroutine was one of the node's: it never runs
		// again, and unwinds from here (kill only marked it).
		panic(killSentinel{})
	}
}

// abandon removes g from the world; World.kill then releases it without
// running its deferred calls.
func (w *World) abandon(g *G, how string) {
	w.exit(g, how)
}

// Pause freezes the node: its goroutines stop being scheduled and its timers
// stop counting until Resume; peers see silence.
func (n *Node) Pause() {
	if n.life.paused {
		return
	}
	w := n.w
	n.life.paused = true
	n.life.pausedAt = w.now
	kept := w.runq[:0]
	for _, g := range w.runq {
		if g.node == n {
			n.life.held = append(n.life.held, g)
		} else {
			kept = append(kept, g)
		}
	}
	for i := len(kept); i < len(w.runq); i++ {
		w.runq[i] = nil
	}
	w.runq = kept
	n.run(HookPause)
	if g := w.cur; g != nil && !g.driver && g.node == n {
		// A node pausing itself stops here until resumed.
		n.life.held = append(n.life.held, g)
		g.state = gRunnable
		g.switchOut()
	}
}

// Resume unfreezes a paused node: goroutines woken meanwhile become
// runnable in wake order, and its timers resume with the time they had
// left.
func (n *Node) Resume() {
	if !n.life.paused {
		return
	}
	w := n.w
	n.life.paused = false
	for _, g := range n.life.held {
		w.runq = append(w.runq, g)
	}
	n.life.held = nil
	shift := w.now - n.life.pausedAt
	for _, e := range n.life.stashed {
		e.when += shift
		if e.when < w.now {
			e.when = w.now
		}
		heapPush(&w.events, e)
	}
	n.life.stashed = nil
	n.run(HookResume)
}

// heldIfPaused keeps a goroutine of a paused node out of the run queue.
func (w *World) heldIfPaused(g *G) bool {
	if n := g.node; n != nil && n.life.paused {
		n.life.held = append(n.life.held, g)
		return true
	}
	return false
}

// stashIfPaused keeps an event of a paused node until it resumes.
func (w *World) stashIfPaused(e *Event) bool {
	if n := e.node; n != nil && n.life.paused {
		n.life.stashed = append(n.life.stashed, e)
		return true
	}
	return false
}
