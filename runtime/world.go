// This file defines the World: one simulation run's clock, event queue,
// scheduler, randomness authority and trace, and the loop that drives them.
//
// The loop alternates two phases, as the design memo asks:
//   - step: run every runnable goroutine, and fire every event due at the
//     current instant, until nothing is ready now;
//   - tick: advance the clock to the next scheduled event.
// At one instant, runnable goroutines run before due events; due events fire
// in (time, sequence) order, one at a time, with runnable goroutines drained
// after each. Which runnable goroutine runs next is a seeded choice (or FIFO).

package runtime

import (
	"container/heap"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"sync/atomic"
	"time"
	"unsafe"
)

// World is one simulation run. Worlds share nothing, so many run in parallel
// in one process.
type World struct {
	opts Options
	name string

	now    int64 // simulated nanoseconds since the run began
	seq    uint64
	events eventHeap

	runq    []*G
	all     map[int64]*G
	nextID  int64
	spawned int64
	cur     *G
	root    *G

	rootDone    bool
	tearingDown bool
	failure     *Failure

	sched   *rand.Rand
	selRand *rand.Rand
	streams map[string]*rand.Rand

	chans     map[unsafe.Pointer]*chanState
	chanIDs   int64
	idleChans int
	chanWait  []*G // goroutines parked on channel operations, in park order
	polled    []*G // goroutines parked in ParkUntil, in park order (poll.go)

	tr tracer

	wallStart   time.Time
	switches    atomic.Uint64 // counts resumes and returns; the watchdog sees a goroutine that stops switching
	busy        atomic.Bool   // set by the watchdog: the running goroutine exceeded its budget
	nativeBlock atomic.Int32  // >0 while a goroutine legitimately blocks outside the simulation
	simWork     atomic.Int32  // >0 while the simulator does its own work (SimWork)
	foreign     atomic.Pointer[foreignCall]

	replay string

	// Checkers and subsystems hang per-world state here by key.
	locals map[any]any
	onEnd  []func()

	nodes      []*Node
	nodeByName map[string]*Node
	nodeHooks  []nodeHook

	faultEvents int // pending fault-schedule events (scheduleFault)
	endEvents   int // pending run-end events (ScheduleRunEnd)

	depth      int         // nesting of resumes (see G.switchOut)
	done       func() bool // the running loop's end condition
	nodeFaults nodeFaults

	maps *mapOrder // identity numbers for map iteration order (maps.go); nil until used

	chk *checks // checkers, assertions, buggify, phases (check.go); nil until used
}

// NewWorld creates a world for one run with the given options.
func NewWorld(o Options) *World {
	if o.Limits == (Limits{}) {
		o.Limits = defaultLimits()
	}
	if o.Epoch.IsZero() {
		o.Epoch = DefaultEpoch
	}
	if o.Scheduler == "" {
		o.Scheduler = SchedRandom
	}
	w := &World{
		opts:    o,
		all:     make(map[int64]*G),
		streams: make(map[string]*rand.Rand),
		chans:   make(map[unsafe.Pointer]*chanState),
		locals:  make(map[any]any),

		nodeByName: make(map[string]*Node),
	}
	w.sched = w.Rand(StreamScheduler)
	w.selRand = w.Rand(StreamSelect)
	n := o.Limits.ReportEvents
	if n <= 0 {
		n = 24
	}
	w.tr.ring = make([]TraceEvent, n)
	w.tr.hash = fnvOffset
	if os.Getenv(EnvTrace) != "" {
		w.tr.all = true
	}
	w.NewNode(DefaultNodeName)
	return w
}

// Options returns the world's option set.
func (w *World) Options() Options { return w.opts }

// SetName labels the run (a test name) in summaries and reports.
func (w *World) SetName(name string) { w.name = name }

// SetReplayCommand sets the command a failure report tells the user to run
// to replay this run.
func (w *World) SetReplayCommand(cmd string) { w.replay = cmd }

// RecordAll keeps every trace event in memory (used by the determinism check).
func (w *World) RecordAll() { w.tr.all = true }

// Events returns every recorded event (only with RecordAll or a trace file).
func (w *World) Events() []TraceEvent { return w.tr.keep }

// Now returns the simulated time elapsed since the run began.
func (w *World) Now() time.Duration { return time.Duration(w.now) }

// Wall returns the simulated wall clock: the epoch plus Now.
func (w *World) Wall() time.Time { return w.opts.Epoch.Add(time.Duration(w.now)) }

// Rand returns the named sub-stream of the run's seed.
func (w *World) Rand(stream string) *rand.Rand {
	r, ok := w.streams[stream]
	if !ok {
		r = NewStream(w.opts.Seed, stream)
		w.streams[stream] = r
	}
	return r
}

// Local returns per-world state stored under key, creating it with mk.
func (w *World) Local(key any, mk func() any) any {
	v, ok := w.locals[key]
	if !ok {
		v = mk()
		w.locals[key] = v
	}
	return v
}

// OnEnd registers f to run when the run is over, after every goroutine has
// been unwound (subsystems release what unwound goroutines held). Callbacks
// run in registration order, outside any goroutine.
func (w *World) OnEnd(f func()) { w.onEnd = append(w.onEnd, f) }

// Go spawns a simulated goroutine running f. It may be called from a
// simulated goroutine or from an event callback.
func (w *World) Go(name string, f func()) *G {
	return w.spawn(name, f, w.cur)
}

// Current returns the running goroutine, or nil from an event callback.
func (w *World) Current() *G { return w.cur }

// Failure returns the run's failure so far, if any.
func (w *World) Failure() *Failure { return w.failure }

// Result is the outcome of a run.
type Result struct {
	Name       string
	Seed       uint64
	Profile    Profile
	Options    Options
	SimElapsed time.Duration
	Wall       time.Duration
	Events     int64
	Goroutines int64
	Hash       uint64
	Failure    *Failure
	// Exited reports that os.Exit (World.Exit) ended the run, with
	// ExitCode; a run that failed reports the failure instead.
	Exited   bool
	ExitCode int
}

// Summary is the one line every run ends with.
func (r *Result) Summary() string {
	outcome := r.outcome()
	name := ""
	if r.Name != "" {
		name = " run=" + r.Name
	}
	return fmt.Sprintf("marionette:%s seed=%d profile=%s sim=%v wall=%v events=%d goroutines=%d hash=%016x result=%s",
		name, r.Seed, r.Profile, r.SimElapsed, r.Wall.Round(time.Microsecond), r.Events, r.Goroutines, r.Hash, outcome)
}

func (r *Result) outcome() string {
	if r.Failure != nil {
		return string(r.Failure.Kind)
	}
	if r.Exited {
		return "exit"
	}
	return "ok"
}

// Run runs main as the root goroutine (goroutine 1) until it returns or the
// run fails, then unwinds every goroutine left. A world runs once.
func (w *World) Run(main func()) *Result {
	if w.wallStart != (time.Time{}) {
		panic("marionette: World.Run called twice")
	}
	tracePath := os.Getenv(EnvTrace)
	w.wallStart = time.Now()
	activeWorlds.Add(1)
	registerActive(w)
	stopWatch := w.startWatchdog()
	w.root = w.spawn("main", main, nil)
	w.drive(func() bool { return w.rootDone })
	if w.failure == nil {
		w.finishChecks()
	}
	w.teardown()
	for _, f := range w.onEnd {
		f()
	}
	stopWatch()
	unregisterActive(w)
	activeWorlds.Add(-1)
	r := &Result{
		Name:       w.name,
		Seed:       w.opts.Seed,
		Profile:    w.opts.Profile,
		Options:    w.opts,
		SimElapsed: time.Duration(w.now),
		Wall:       time.Since(w.wallStart),
		Events:     w.tr.n,
		Goroutines: w.spawned,
		Hash:       w.tr.hash,
		Failure:    w.failure,
	}
	r.ExitCode, r.Exited = w.ExitCode()
	if tracePath != "" {
		if err := writeTraceFile(tracePath, r, w.tr.keep); err != nil {
			fmt.Fprintf(os.Stderr, "marionette: writing trace: %v\n", err)
		}
	}
	return r
}

// RunUntil drives the world from another native goroutine while the
// goroutine that was running is blocked outside the simulation (t.Run runs a
// subtest body this way). It returns when done reports true or the run fails.
func (w *World) RunUntil(done func() bool) {
	w.drive(done)
}

// drive runs the loop on the calling native goroutine, registered as the
// world's driver so event callbacks that reach a shim are not mistaken for
// foreign goroutines.
func (w *World) drive(done func() bool) {
	gp := getg()
	prev := lookup(gp)
	register(gp, &G{w: w, driver: true})
	defer func() {
		if prev != nil {
			register(gp, prev)
		} else {
			unregister(gp)
		}
	}()
	w.loop(done)
}

func (w *World) loop(done func() bool) {
	prevDone := w.done
	w.done = done
	defer func() { w.done = prevDone }()
	for w.failure == nil && !done() {
		if fc := w.foreign.Load(); fc != nil {
			w.failForeign(fc)
			return
		}
		// step: goroutines first, then events due now.
		if len(w.runq) > 0 {
			w.resume(w.pick())
			continue
		}
		if len(w.events) > 0 && w.events[0].when <= w.now {
			w.simWork.Add(1) // an event callback is the simulator's work
			w.fire()
			w.simWork.Add(-1)
			continue
		}
		// Before time moves, look for channel activity made outside the
		// simulation (a context cancelled by library code).
		w.simWork.Add(1)
		polled := w.pollChans() || w.pollParked()
		w.simWork.Add(-1)
		if polled {
			continue
		}
		// tick
		if len(w.events) == 0 {
			w.failDeadlock("no event is scheduled")
			return
		}
		if w.onlyFaultsPending() {
			if w.endEvents == 0 {
				w.failDeadlock("only node fault checks are scheduled, and no node is down or paused by a fault")
				return
			}
			if n := w.asleepNode(); n != nil {
				w.failProcessDeadlock(n)
				return
			}
		}
		next := w.events[0].when
		if lim := int64(w.opts.Limits.SimTime); lim > 0 && next > lim {
			w.fail(KindLimit, fmt.Sprintf("simulated time limit exceeded: next event at %v is past limits.sim_time %v",
				time.Duration(next), w.opts.Limits.SimTime), nil)
			return
		}
		w.record(evAdvance, 0, next-w.now, "")
		w.now = next
	}
}

func (w *World) pick() *G {
	i := 0
	if w.opts.Scheduler != SchedFIFO && len(w.runq) > 1 {
		i = w.sched.IntN(len(w.runq))
	}
	g := w.runq[i]
	copy(w.runq[i:], w.runq[i+1:])
	w.runq[len(w.runq)-1] = nil
	w.runq = w.runq[:len(w.runq)-1]
	w.record(evRun, g.id, int64(i), "")
	return g
}

func (w *World) fire() {
	e := heap.Pop(&w.events).(*Event)
	w.unscheduled(e)
	if w.stashIfPaused(e) {
		return
	}
	w.record(evTimerFire, 0, int64(e.seq), e.name)
	e.fn()
}

// maybePreempt is called at every synchronisation point: with the
// configured probability the goroutine yields to the scheduler.
func (w *World) maybePreempt(g *G) {
	if p := w.opts.PreemptProbability; p > 0 && !w.tearingDown && !g.killed && w.sched.Float64() < p {
		g.Yield()
	}
}

// teardown releases every goroutine still alive, in id order: each leaves
// the world (its exit is traced) and is killed (World.kill): as when a
// process ends, its deferred calls in rewritten code do not run, and nothing
// it does while unwinding can fail the run.
func (w *World) teardown() {
	w.tearingDown = true
	w.runq = nil
	for len(w.all) > 0 {
		ids := make([]int64, 0, len(w.all))
		for id := range w.all {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		for _, id := range ids {
			g := w.all[id]
			if g == nil {
				continue
			}
			if !g.started {
				w.kill(g) // the coroutine never ran: no code runs
				w.exit(g, "never ran")
				continue
			}
			w.kill(g)
			w.exit(g, "return")
		}
	}
	w.events = nil
	w.chans = nil
	w.chanWait = nil
	w.polled = nil
}

// loopDone reports whether the running loop's end condition holds.
func (w *World) loopDone() bool { return w.done != nil && w.done() }
