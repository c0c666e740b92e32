// This file finds the simulated goroutine a call is made from, detects
// foreign goroutines (not started by the simulator) calling into shims while
// worlds run, and runs the busy-loop watchdog.

package runtime

import (
	"fmt"
	"os"
	goruntime "runtime"
	"strings"
	"time"
)

// Current returns the simulated goroutine the caller runs on, or nil when the
// caller is not in a simulation (package initialisation, TestMain, a program
// run natively): shims then behave as the standard library does.
//
// A call from a goroutine no world owns while worlds are running is a foreign
// call: the run fails with a report naming the call, and the foreign
// goroutine is parked forever so it cannot act nondeterministically.
func Current() *G {
	g := lookup(getg())
	if g == nil {
		if activeWorlds.Load() > 0 {
			foreignCall := callerName(2)
			reportForeign(foreignCall)
		}
		return nil
	}
	if g.driver {
		return nil // an event callback, run by the scheduler itself
	}
	if g.killed {
		// A killed goroutine (World.kill) whose unwinding was stopped by a
		// recover in code that is not rewritten: it has no world to act
		// in any more, so its unwinding goes on.
		panic(killSentinel{})
	}
	if g.w.busy.Load() && g.w.cur == g {
		panic(&busyAbort{op: callerName(2)})
	}
	return g
}

// Lookup is Current without foreign-goroutine detection: it returns nil for
// any goroutine outside a simulation.
func Lookup() *G { return lookup(getg()) }

func callerName(skip int) string {
	pc, file, line, ok := goruntime.Caller(skip)
	if !ok {
		return "?"
	}
	name := "?"
	if f := goruntime.FuncForPC(pc); f != nil {
		name = f.Name()
	}
	return fmt.Sprintf("%s (%s:%d)", name, file, line)
}

type foreignCall struct {
	call    string
	stack   string
	creator string // the function whose go statement started the goroutine
}

// creatorOf returns the function named by the "created by" line of a
// goroutine's stack.
func creatorOf(stack string) string {
	for _, line := range strings.Split(stack, "\n") {
		if rest, ok := strings.CutPrefix(line, "created by "); ok {
			if i := strings.Index(rest, " in goroutine"); i >= 0 {
				rest = rest[:i]
			}
			return rest
		}
	}
	return ""
}

func (fc *foreignCall) message() string {
	msg := fmt.Sprintf("a goroutine the simulator did not start called %s", fc.call)
	if fc.creator != "" {
		msg += fmt.Sprintf("; it was started by %s, which is not rewritten. If that package belongs to another module, rewrite it too with mgen gen -include <module>", fc.creator)
	}
	return msg
}

func reportForeign(call string) {
	buf := make([]byte, 64<<10)
	raw := buf[:goruntime.Stack(buf, false)]
	fc := &foreignCall{call: call, stack: stackText(raw), creator: creatorOf(string(raw))}
	// Name the simulator entry point the user's code called (the first
	// frame left after trimming), not a shim's internal helper.
	if lines := strings.SplitN(fc.stack, "\n", 3); len(lines) >= 2 {
		fn := lines[0]
		if i := strings.LastIndexByte(fn, '('); i > 0 {
			fn = fn[:i]
		}
		fc.call = fmt.Sprintf("%s (%s)", fn, strings.TrimSpace(lines[1]))
	}
	// Attribute the call to every running world: we cannot tell which one
	// started the goroutine. In the usual case there is one.
	forEachActiveWorld(func(w *World) { w.foreign.CompareAndSwap(nil, fc) })
	select {} // never return into the simulation
}

func indent(s, pre string) string {
	return pre + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+pre)
}

func (w *World) failForeign(fc *foreignCall) {
	gs := []GoroutineInfo{{ID: 0, Name: "foreign goroutine", State: "running", Stack: fc.stack}}
	if g := w.cur; g != nil {
		gs = append(gs, GoroutineInfo{ID: g.id, Name: g.name, State: "running", Stack: w.stackOf(g)})
	}
	w.fail(KindForeign, fc.message(), gs)
}

type busyAbort struct{ op string }

func (b *busyAbort) String() string {
	return "marionette: goroutine stopped: busy past limits.busy_wall at " + b.op
}

// NativeBlock marks the calling goroutine as legitimately blocked outside
// the simulation while f runs (t.Parallel, waiting for a subtest), so the
// busy-loop watchdog does not count that time.
func (w *World) NativeBlock(f func()) {
	w.nativeBlock.Add(1)
	defer w.nativeBlock.Add(-1)
	f()
}

// SimWork marks f as the simulator's own work (healing a network's paths at
// the liveness transition, firing an event): the busy-loop watchdog does not
// charge its time to the goroutine that runs, however long it takes.
// Subsystems wrap work that is long and makes no yield in it.
func (w *World) SimWork(f func()) {
	w.simWork.Add(1)
	defer w.simWork.Add(-1)
	f()
}

// monoStart anchors monotime.
var monoStart = time.Now()

// monotime reads the monotonic clock (nanoseconds since the process
// started); unlike the wall clock, it does not jump when the system time is
// set.
func monotime() int64 { return int64(time.Since(monoStart)) }

// busyClock is the watchdog's accounting, separate from its clock and timer
// so that it can be tested with an injected clock. The watchdog calls tick
// every period with the monotonic time, the world's switch counter, and
// whether the time since the last tick is exempt (simulator work, a native
// block).
//
// It charges the running goroutine only for time the watchdog itself saw
// pass: at most maxGap per tick. A longer gap between two ticks means the
// watchdog thread did not run, so nothing says the goroutine did: the
// process was stopped (SIGSTOP, a debugger, a suspended machine or
// container) or starved of CPU. Measuring the running thread's CPU time
// instead would also ignore stops, but a goroutine blocked outside the
// simulation (a lock or I/O in code that is not rewritten) uses no CPU and
// would never be reported: the process would hang instead of failing.
type busyClock struct {
	budget, maxGap int64

	last    uint64 // switch counter at the last progress
	prev    int64  // time of the previous tick
	charged int64  // time charged since the last progress
	flagged int64  // charged when the busy flag was set, or -1
}

type busyVerdict uint8

const (
	busyOK   busyVerdict = iota
	busyFlag             // set the busy flag: the next shim call fails the run
	busyExit             // a second budget passed: report and exit
)

func newBusyClock(budget, period time.Duration, now int64, switches uint64) *busyClock {
	return &busyClock{budget: int64(budget), maxGap: 2 * int64(period), last: switches, prev: now, flagged: -1}
}

func (b *busyClock) tick(now int64, switches uint64, exempt bool) busyVerdict {
	gap := now - b.prev
	b.prev = now
	if switches != b.last || exempt {
		b.last, b.charged, b.flagged = switches, 0, -1
		return busyOK
	}
	b.charged += max(0, min(gap, b.maxGap))
	switch {
	case b.flagged < 0 && b.charged >= b.budget:
		b.flagged = b.charged
		return busyFlag
	case b.flagged >= 0 && b.charged-b.flagged >= b.budget:
		return busyExit
	}
	return busyOK
}

// stalled reports whether nothing switched for at least d of charged time.
func (b *busyClock) stalled(d time.Duration) bool { return b.charged >= int64(d) }

// startWatchdog watches for a goroutine that runs past the budget
// (limits.busy_wall) without reaching a yield point. Only time the
// goroutine could have run counts: monotonic time, not the wall clock;
// stretches in which the process was stopped do not count (busyClock), nor
// the simulator's own work (SimWork, events firing) or native blocks
// (NativeBlock). It first sets w.busy, which makes the goroutine's next shim
// call panic with a report. A goroutine that never calls into the simulator
// again (a pure CPU loop) cannot be stopped from outside: after a second
// budget the watchdog prints the report and exits the process with the
// "stuck" exit code rather than hang forever.
func (w *World) startWatchdog() (stop func()) {
	budget := w.opts.Limits.BusyWall
	if budget <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		period := min(budget/4, 100*time.Millisecond)
		if period < time.Millisecond {
			period = time.Millisecond
		}
		t := time.NewTicker(period)
		defer t.Stop()
		bc := newBusyClock(budget, period, monotime(), w.switches.Load())
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			exempt := w.nativeBlock.Load() > 0 || w.simWork.Load() > 0
			v := bc.tick(monotime(), w.switches.Load(), exempt)
			if fc := w.foreign.Load(); fc != nil && bc.stalled(period) {
				// A foreign goroutine called in while the simulated
				// goroutine that runs is blocked outside the simulation
				// (typically on the same non-rewritten code): the loop
				// cannot report it, so the watchdog does.
				fmt.Fprintf(os.Stderr, "marionette: FAIL %s in %s\n  %s\n  seed: %d  profile: %s\n  replay: %s\nforeign goroutine:\n%s\n",
					KindForeign, w.name, fc.message(), w.opts.Seed, w.opts.Profile, w.replay, indent(fc.stack, "    "))
				os.Exit(KindForeign.ExitCode())
			}
			switch v {
			case busyFlag:
				w.busy.Store(true)
			case busyExit:
				buf := make([]byte, 1<<20)
				n := goruntime.Stack(buf, true)
				fmt.Fprintf(os.Stderr, "marionette: FAIL %s in %s: a goroutine has run for more than %v without reaching any yield point and cannot be stopped: it is either in a loop that never calls into the simulator, or blocked outside the simulation (a channel operation, lock or I/O in code that is not rewritten; see mgen gen -include)\n  seed: %d  profile: %s\n  replay: %s\nall goroutines:\n%s\n",
					KindStuck, w.name, 2*budget, w.opts.Seed, w.opts.Profile, w.replay, buf[:n])
				os.Exit(KindStuck.ExitCode())
			}
		}
	}()
	return func() { close(done) }
}
