// This file defines simulated goroutines: coroutines (iter.Pull) that run one
// at a time under the world's scheduler, park and wake through it, and are
// released (killed) when their node's process ends or the world ends.

package runtime

import (
	"fmt"
	"iter"
	goruntime "runtime"
	"runtime/debug"
	"sync/atomic"
	"time"
)

type gState uint8

const (
	gRunnable gState = iota
	gRunning
	gParked
	gDone
)

func (s gState) String() string {
	return [...]string{"runnable", "running", "parked", "done"}[s]
}

type gCmd uint8

const (
	cmdNone  gCmd = iota
	cmdStack      // record your stack and park again
	cmdKill       // unwind: the goroutine is killed
)

// killSentinel is the panic value that unwinds a killed goroutine (its node's
// process ended, or its world ended) so that its coroutine, and the memory
// it holds, are released. Rewritten code never sees it: every deferred call
// of rewritten code starts with Deferred, which skips the call while the
// goroutine is killed, so no user deferred call runs and no user recover
// catches the sentinel. Code that is not rewritten may recover it; the
// goroutine is unwound again at its next call into the simulator.
type killSentinel struct{}

func (killSentinel) String() string {
	return "marionette: goroutine killed (its process or its simulated run ended); this is not a panic of the program"
}

// unwinding counts killed goroutines whose coroutine has not finished yet,
// in every world of the process: while it is 0, Deferred costs one atomic
// load.
var unwinding atomic.Int32

// Deferred is called first by every deferred call of rewritten code (mgen
// inserts it). While the calling goroutine is being killed it panics with
// the kill sentinel instead of returning, so the deferred call does not run
// and the unwinding goes on to the next one: a crashed node's goroutines, or
// the goroutines left when a run ends, end without running user deferred
// calls, as a real process's goroutines do when it dies. Otherwise it does
// nothing.
func Deferred() {
	if unwinding.Load() != 0 {
		deferredSlow()
	}
}

func deferredSlow() {
	if g := lookup(getg()); g != nil && g.killed {
		panic(killSentinel{})
	}
}

// G is a simulated goroutine.
type G struct {
	id     int64
	parent int64
	w      *World
	node   *Node
	name   string
	fn     func()

	next    func() (struct{}, bool)
	stop    func()
	yield   func(struct{}) bool
	started bool
	driver  bool // the scheduler's own goroutine: not a simulated goroutine
	gp      uintptr
	onStack bool // its coroutine is running (it, or a goroutine it resumed, runs)
	killed  bool // being released: it has left the world and must not run user code

	state      gState
	cmd        gCmd
	waitReason string
	waitDetail string
	waitChan   int64
	parkedAt   int64
	stack      string

	depth int // 1 when resumed by the scheduler, 2 when by a hosting goroutine

	// channel operation in progress (see chan.go)
	waiters    []*waiter
	op         *waiter
	slot       any // a *T reused for the value of a parked plain channel operation (chan.go)
	inChanWait bool
	pollReady  func() bool // set while parked in ParkUntil (poll.go)
	inPolled   bool        // in World.polled
	outside    int         // > 0 while the simulator does its own real I/O for it (escape.go)

	// Local is free for shims to hang per-goroutine state on (for example
	// the node a goroutine belongs to).
	Local any
}

// ID returns the goroutine's number in its world (the root goroutine is 1).
func (g *G) ID() int64 { return g.id }

// World returns the world the goroutine belongs to.
func (g *G) World() *World { return g.w }

// Killed reports whether the simulator killed the goroutine (its node's
// process ended, os.Exit, or the end of its run), as opposed to it
// returning, panicking or calling runtime.Goexit.
func (g *G) Killed() bool { return g.killed }

// Name returns a label for the goroutine (the function it started with).
func (g *G) Name() string { return g.name }

func (w *World) spawn(name string, f func(), parent *G) *G {
	w.nextID++
	g := &G{id: w.nextID, w: w, name: name, fn: f, state: gParked}
	g.node = w.nodes[0]
	if parent != nil {
		g.parent = parent.id
		g.Local = parent.Local
		g.node = parent.node
	}
	g.next, g.stop = iter.Pull(func(yield func(struct{}) bool) {
		g.yield = yield
		g.run()
	})
	w.all[g.id] = g
	w.spawned++
	if lim := w.opts.Limits.Goroutines; lim > 0 && len(w.all) > lim && w.failure == nil {
		w.fail(KindLimit, fmt.Sprintf("goroutine limit exceeded: %d live goroutines (limits.goroutines)", len(w.all)), nil)
	}
	w.record(evSpawn, g.parent, g.id, name)
	w.makeRunnable(g)
	return g
}

// run is the body of the coroutine.
func (g *G) run() {
	g.gp = getg()
	register(g.gp, g)
	normal := false
	defer func() {
		r := recover()
		unregister(g.gp)
		if g.killed {
			// Killed (World.kill): whatever ended the unwinding (the
			// sentinel, a panic of code that is not rewritten, or such code
			// recovering and returning) ends the coroutine; the goroutine
			// left the world when it was killed.
			unwinding.Add(-1)
			if r == nil && !normal {
				// runtime.Goexit while unwinding cannot be stopped, and
				// the coroutine must not finish with it.
				for {
					g.yield(struct{}{})
				}
			}
			return
		}
		if r == nil && !normal {
			// runtime.Goexit (t.FailNow, t.SkipNow). The coroutine must not
			// finish, or iter.Pull would carry the Goexit into the scheduler;
			// it exits from the world's point of view and stays parked forever.
			g.w.exit(g, "goexit")
			for {
				g.yield(struct{}{})
			}
		}
		if r != nil {
			if _, ok := r.(killSentinel); !ok {
				if b, ok := r.(*busyAbort); ok {
					g.w.failStuck(g, b.op, stackText(debug.Stack()))
				} else {
					g.w.failPanic(g, r, stackText(debug.Stack()))
				}
			}
		}
		g.w.exit(g, "return")
	}()
	g.fn()
	normal = true
}

// switchOut hands control back to the scheduler and handles the command
// given when control comes back.
//
// A goroutine the scheduler itself resumed (depth 1) first runs the ready
// queue on the scheduler's behalf, making exactly the choices the scheduler
// would, in the same order, until it picks this goroutine again (then it
// just carries on: one coroutine switch per handoff instead of two) or
// nothing is ready now (then control goes back to the scheduler, which fires
// events, polls and advances time).
func (g *G) switchOut() {
	if g.killed {
		panic(killSentinel{})
	}
	if g.depth == 1 && g.cmd == cmdNone && g.w.host(g) {
		return
	}
	if g.killed {
		panic(killSentinel{}) // killed by a goroutine it ran
	}
	for {
		g.yield(struct{}{})
		switch g.cmd {
		case cmdStack:
			g.cmd = cmdNone
			g.stack = currentStack()
			continue
		case cmdKill:
			panic(killSentinel{})
		}
		return
	}
}

// Park blocks the goroutine until another party calls World.Ready on it.
// reason is what it waits on ("chan receive", "sleep", "sync.Mutex.Lock"...),
// detail a free-form addition shown in deadlock reports.
func (g *G) Park(reason, detail string) { g.park(reason, detail, 0) }

func (g *G) park(reason, detail string, chanID int64) {
	w := g.w
	if w.tearingDown || g.killed {
		panic(killSentinel{})
	}
	g.state = gParked
	g.waitReason = reason
	g.waitDetail = detail
	g.parkedAt = w.now
	g.waitChan = chanID
	w.record(evPark, g.id, 0, reason)
	g.switchOut()
}

// Ready makes a parked goroutine runnable. It is how every wake-up happens,
// in a recorded, reproducible order.
func (w *World) Ready(g *G) {
	if g.state == gDone {
		// Abandoned with its node (a crash) while a shim still held it in
		// a wait queue: there is no one left to wake.
		w.record(evWake, g.id, -1, "abandoned")
		return
	}
	if g.state != gParked {
		panic(fmt.Sprintf("marionette: internal error: Ready on %s goroutine g%d", g.state, g.id))
	}
	w.record(evWake, g.id, 0, "")
	w.makeRunnable(g)
}

func (w *World) makeRunnable(g *G) {
	g.state = gRunnable
	g.waitReason, g.waitDetail = "", ""
	if w.heldIfPaused(g) {
		return
	}
	w.runq = append(w.runq, g)
}

// Yield lets other runnable goroutines run (runtime.Gosched).
func (g *G) Yield() {
	w := g.w
	if w.tearingDown || g.killed {
		return
	}
	w.record(evYield, g.id, 0, "")
	w.makeRunnable(g)
	g.switchOut()
}

// Sleep parks the goroutine for d of simulated time.
func (g *G) Sleep(d time.Duration) {
	if d <= 0 {
		g.w.maybePreempt(g)
		return
	}
	w := g.w
	w.Schedule(d, "sleep", func() { w.Ready(g) })
	g.Park("sleep", d.String())
}

func (w *World) exit(g *G, how string) {
	if g.state == gDone {
		return
	}
	g.state = gDone
	// A goroutine unwound while parked on channels leaves the queues, so a
	// later close or send does not wake a goroutine that no longer exists.
	for _, wt := range g.waiters {
		if wt.send {
			removeWaiter(&wt.cs.sendq, wt)
		} else {
			removeWaiter(&wt.cs.recvq, wt)
		}
	}
	g.waiters = nil
	w.record(evExit, g.id, 0, how) // while g is in w.all: the trace names its node
	delete(w.all, g.id)
	if g == w.root {
		w.rootDone = true
	}
}

// resume runs g until it parks, yields or exits.
func (w *World) resume(g *G) {
	prev := w.cur
	w.cur = g
	g.state = gRunning
	g.started = true
	w.depth++
	g.depth = w.depth
	w.switches.Add(1) // odd: a goroutine runs
	g.onStack = true
	g.next()
	g.onStack = false
	w.switches.Add(1)
	w.depth--
	w.cur = prev
}

// markKilled marks g as being released. It must already have left the
// world (exit).
func (g *G) markKilled() {
	if !g.killed {
		g.killed = true
		unwinding.Add(1)
	}
}

// kill releases a goroutine that has left the world (exit): a goroutine that
// never ran is dropped, one suspended at a yield point is resumed once and
// unwinds with the kill sentinel (skipping every deferred call of rewritten
// code, see Deferred) until its coroutine ends. Nothing is recorded in the
// trace by kill itself. A goroutine whose coroutine is running (the caller
// itself, or a goroutine hosting the caller) cannot be resumed: it is only
// marked, and unwinds when control comes back to it.
func (w *World) kill(g *G) {
	if g.killed || g.driver {
		return
	}
	if !g.started {
		g.killed = true
		g.stop() // the coroutine never ran: no code runs
		return
	}
	g.markKilled()
	if g.onStack {
		return
	}
	g.cmd = cmdKill
	prev := w.cur
	w.cur = g
	w.depth++
	g.depth = w.depth
	w.switches.Add(1)
	g.onStack = true
	g.next()
	g.onStack = false
	w.switches.Add(1)
	w.depth--
	w.cur = prev
}

// host runs runnable goroutines from within g, which is parking or
// yielding, as the scheduler's loop would: it reports true when it picked g
// itself (g keeps running).
func (w *World) host(g *G) bool {
	for len(w.runq) > 0 && w.failure == nil && !w.tearingDown && !g.killed && w.foreign.Load() == nil && !w.loopDone() {
		next := w.pick()
		if next == g {
			g.state = gRunning
			// A yield point reached, as a resume would count it: the
			// watchdog must see a goroutine that yields with nothing else
			// to run as making progress.
			w.switches.Add(2)
			return true
		}
		w.resume(next)
	}
	return false
}

// stackOf returns the current stack of a parked goroutine by briefly resuming
// it with a request to record its stack.
func (w *World) stackOf(g *G) string {
	if g == w.cur {
		return currentStack()
	}
	if g.state != gParked && g.state != gRunnable || !g.started {
		return ""
	}
	st := g.state
	g.cmd = cmdStack
	prev := w.cur
	w.cur = g
	g.onStack = true
	g.next()
	g.onStack = false
	w.cur = prev
	g.state = st
	return g.stack
}

func currentStack() string {
	buf := make([]byte, 64<<10)
	return stackText(buf[:goruntime.Stack(buf, false)])
}

// Preempt marks a synchronisation point (a lock, an unlock, a channel
// operation): with the options' preemption probability the goroutine yields
// here, to perturb interleavings beyond what blocking alone produces.
func (g *G) Preempt() { g.w.maybePreempt(g) }
