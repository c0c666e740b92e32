// Package time is the simulation shim of the standard library's time
// package. The rewriter swaps the import path "time" for this package; the
// user's code is otherwise unchanged.
//
// Pure API (Time, Duration, Month, Weekday, Location, Parse, Date, Unix, the
// layout and unit constants...) is forwarded: the types are aliases of std's,
// so values cross freely between rewritten and non-rewritten code. The clock
// and timers are simulated: Now, Since, Until, Sleep, After, AfterFunc, Tick,
// NewTimer, NewTicker, and the types Timer and Ticker, which are new types
// with std's exported shape (a C field of type <-chan Time, Stop and Reset).
//
// # Outside a simulation
//
// Called from a goroutine that no world owns while no world runs (package
// initialisation, TestMain, a program run natively), every function forwards
// to std: Now is the real clock, and a Timer or Ticker wraps a real one (its
// C is the real channel, its methods are the real methods).
//
// # Under simulation
//
//   - Now returns the caller's node's wall clock: the world's epoch
//     (Options.Epoch: by default 2025-06-15 13:37:42.123456789 UTC; the
//     swarm profile draws one per seed) plus the simulated time elapsed
//     since the run began, plus the node's clock offset (none
//     unless the option set's clocks section gives nodes skew, drift or
//     steps). The value is in the epoch's location and carries a monotonic
//     reading of the world's ideal clock, so Since(t), Until(t) and Sub
//     between two readings measure ideal time, as with Go's monotonic clock:
//     after Sleep(d), Since(start) is exactly d even on a skewed node.
//   - Sleep parks the goroutine until the clock has advanced by d. Simulated
//     time only moves when no goroutine can run and no event is due, and then
//     jumps straight to the next event: a day of timers costs no wall time.
//   - A timer is an event of the world's queue. Events due at the same instant
//     fire in the order they were scheduled (the runtime's stable tie-break);
//     goroutines runnable at an instant run before the events due then. When
//     a timer fires, the simulated time is handed to a goroutine parked on C
//     or stored in C's one-slot buffer; a ticker drops the tick if the slot is
//     still full (a slow receiver), like std's, and keeps its period grid.
//   - Stop and Reset have Go 1.23+ semantics: after they return no stale value
//     is received from C, and they return true if the timer was pending or
//     had fired without its value being received yet (false once the value
//     was received, the timer was stopped, or an AfterFunc's f started).
//   - AfterFunc's f runs in a new simulated goroutine.
//   - Timer events are in the run's trace: timer.set, timer.fire and
//     timer.stop records labelled time.Timer, time.Ticker or time.AfterFunc,
//     and a time.tick.drop record for each dropped tick. They are part of the
//     trace hash, so the same seed gives the same timer history.
//
// # Differences from std that remain
//
//   - A simulated timer's channel has a one-slot buffer: cap(t.C) is 1 and
//     len(t.C) is 1 while a fired value waits, where std (1.23+) reports 0
//     for both. Receives, selects, Stop and Reset behave as std's.
//   - A fired value sits in the slot from the instant the timer fires. std
//     delivers lazily; the only observable difference is at one instant: a
//     goroutine that runs at instant T before the events due at T (the
//     runtime runs runnable goroutines first) sees an empty C even though
//     Now() already equals the timer's deadline.
//   - GODEBUG=asynctimerchan=1 (the pre-1.23 buffered semantics) is ignored
//     under simulation.
//   - Timers and tickers are not garbage collected while pending: an
//     unstopped ticker keeps firing until the run ends (it also keeps the run
//     from being reported as a deadlock, as a real ticker keeps a real
//     program alive).
//   - A Timer or Ticker made outside a simulation is a real one even when
//     used inside a simulation, and one made in a run belongs to that run:
//     using it from another run panics, and once its run has ended Stop and
//     Reset only empty its channel (nothing of an ended run fires again).
//   - Sleep, a blocking receive from C and the like must be called from
//     simulated goroutines; the simulator's event callbacks must not block
//     (Sleep panics there).
package time
