// This file defines the shim's timers: Timer and Ticker are new types with
// std's exported shape (a C field, Stop and Reset). Under simulation they are
// events of the world's queue; outside a simulation they wrap a real timer.
//
// A simulated timer's channel has a one-slot buffer, as std's has internally.
// When the timer fires, its time is handed to a goroutine parked on the
// channel or else put in the slot (a ticker drops the tick when the slot is
// still full); Stop and Reset empty the slot, so no stale value is received
// after they return and their results are those of Go 1.23+: true if the
// timer was pending or had fired without its value being received.

package time

import (
	stdtime "time"

	"github.com/marionette-dst/marionette/runtime"
)

// The Timer type represents a single event. When the Timer expires, the
// current time will be sent on C, unless the Timer was created by
// [AfterFunc]. A Timer must be created with [NewTimer] or AfterFunc.
//
// Under simulation the time is the simulated time at which the timer fired.
type Timer struct {
	C <-chan Time

	real *stdtime.Timer // outside a simulation
	sim  simTimer
}

// The Ticker type holds a channel that delivers "ticks" of a clock at
// intervals. A Ticker must be created with [NewTicker].
type Ticker struct {
	C <-chan Time // The channel on which the ticks are delivered.

	real *stdtime.Ticker // outside a simulation
	sim  simTimer
}

// simTimer is a timer of one world: a scheduled event that sends on c, starts
// f in a new goroutine (AfterFunc) or, with a period, sends and reschedules
// itself (a ticker).
type simTimer struct {
	w      *runtime.World // nil: not a simulated timer
	c      chan Time      // nil for an AfterFunc timer
	f      func()
	period Duration
	name   string // the event's label in the trace
	ev     *runtime.Event
	fireFn func()
}

// Event labels in the trace.
const (
	evTimer     = "time.Timer"
	evAfterFunc = "time.AfterFunc"
	evTicker    = "time.Ticker"
	evTickDrop  = "time.tick.drop"
)

func (s *simTimer) init(w *runtime.World, name string, c chan Time, f func(), period Duration) {
	s.w, s.name, s.c, s.f, s.period = w, name, c, f, period
	s.fireFn = s.fire
}

// fire runs in the scheduler at the timer's instant.
func (s *simTimer) fire() {
	switch {
	case s.f != nil:
		s.w.Go(evAfterFunc, s.f)
	case s.period > 0:
		if !runtime.TrySendIn(s.w, s.c, s.w.Wall()) {
			s.w.Trace(evTickDrop, nil, int64(s.period), "")
		}
		s.ev = s.w.Schedule(s.period, s.name, s.fireFn)
	default:
		// The slot is empty: Stop and Reset empty it and a one-shot timer
		// fires once per (re)start, so this send never fails.
		runtime.TrySendIn(s.w, s.c, s.w.Wall())
	}
}

func (s *simTimer) start(d Duration) {
	s.ev = s.w.Schedule(d, s.name, s.fireFn)
}

// stop cancels the pending event and empties the channel's slot. It reports
// whether either prevented a delivery.
func (s *simTimer) stop() bool {
	pending := s.ev.Cancel()
	if s.c != nil {
		select {
		case <-s.c:
			pending = true
		default:
		}
	}
	return pending
}

// live reports whether the timer's world is the caller's, so its event queue
// may be touched; called from a goroutine, it is a preemption point. It is
// false once the world has ended (nothing of it fires again); using a timer
// from inside another world is a bug and panics.
func (s *simTimer) live(op string) bool {
	var cur *runtime.World
	if g := runtime.Current(); g != nil {
		cur = g.World()
		if cur == s.w {
			g.Preempt() // a synchronisation point, as std's timer lock is
			return true
		}
	} else if g := runtime.Lookup(); g != nil {
		cur = g.World() // an event callback
	}
	if cur == s.w {
		return true
	}
	if cur == nil {
		return false
	}
	panic("marionette: " + op + " called on a timer created in another simulation run")
}

// NewTimer creates a new Timer that will send the current time on its
// channel after at least duration d.
func NewTimer(d Duration) *Timer {
	w := simWorld()
	if w == nil {
		rt := stdtime.NewTimer(d)
		return &Timer{C: rt.C, real: rt}
	}
	c := make(chan Time, 1)
	t := &Timer{C: c}
	t.sim.init(w, evTimer, c, nil, 0)
	t.sim.start(d)
	return t
}

// AfterFunc waits for the duration to elapse and then calls f in its own
// goroutine (under simulation, a new simulated goroutine). It returns a Timer
// that can be used to cancel the call using its Stop method. The returned
// Timer's C field is not used and will be nil.
func AfterFunc(d Duration, f func()) *Timer {
	w := simWorld()
	if w == nil {
		return &Timer{real: stdtime.AfterFunc(d, f)}
	}
	t := &Timer{}
	t.sim.init(w, evAfterFunc, nil, f, 0)
	t.sim.start(d)
	return t
}

// After waits for the duration to elapse and then sends the current time on
// the returned channel. It is equivalent to [NewTimer](d).C.
func After(d Duration) <-chan Time {
	return NewTimer(d).C
}

// Stop prevents the Timer from firing. It returns true if the call stops the
// timer, false if the timer has already expired or been stopped.
//
// As in Go 1.23 and later, any receive from t.C after Stop has returned
// blocks rather than receive a stale time value; if the program has not
// received from t.C already and the timer is running (or has fired without
// its value being received), Stop returns true. For a timer created with
// AfterFunc, false means f has been started in its own goroutine.
func (t *Timer) Stop() bool {
	if t.real != nil {
		return t.real.Stop()
	}
	if t.sim.w == nil {
		panic("time: Stop called on uninitialized Timer")
	}
	if !t.sim.live("time.Timer.Stop") {
		return t.sim.drain()
	}
	return t.sim.stop()
}

// Reset changes the timer to expire after duration d. It returns true if the
// timer had been active (or had fired without its value being received),
// false if the timer had expired or been stopped. Any receive from t.C after
// Reset has returned does not receive a value from the previous setting.
func (t *Timer) Reset(d Duration) bool {
	if t.real != nil {
		return t.real.Reset(d)
	}
	if t.sim.w == nil {
		panic("time: Reset called on uninitialized Timer")
	}
	if !t.sim.live("time.Timer.Reset") {
		return t.sim.drain()
	}
	pending := t.sim.stop()
	t.sim.start(d)
	return pending
}

// drain empties the slot of a timer whose world has ended.
func (s *simTimer) drain() bool {
	if s.c == nil {
		return false
	}
	select {
	case <-s.c:
		return true
	default:
		return false
	}
}

// NewTicker returns a new Ticker containing a channel that will send the
// current time on the channel after each tick. The period of the ticks is
// specified by the duration argument. The ticker will adjust the time
// interval or drop ticks to make up for slow receivers. The duration d must
// be greater than zero; if not, NewTicker will panic.
func NewTicker(d Duration) *Ticker {
	if d <= 0 {
		panic("non-positive interval for NewTicker")
	}
	w := simWorld()
	if w == nil {
		rt := stdtime.NewTicker(d)
		return &Ticker{C: rt.C, real: rt}
	}
	c := make(chan Time, 1)
	t := &Ticker{C: c}
	t.sim.init(w, evTicker, c, nil, d)
	t.sim.start(d)
	return t
}

// Tick is a convenience wrapper for NewTicker providing access to the
// ticking channel only. Unlike NewTicker, Tick will return nil if d <= 0.
func Tick(d Duration) <-chan Time {
	if d <= 0 {
		return nil
	}
	return NewTicker(d).C
}

// Stop turns off a ticker. After Stop, no more ticks will be sent, and no
// tick sent before Stop will be received.
func (t *Ticker) Stop() {
	if t.real != nil {
		t.real.Stop()
		return
	}
	if t.sim.w == nil {
		return // std tolerates this misuse too
	}
	if !t.sim.live("time.Ticker.Stop") {
		t.sim.drain()
		return
	}
	t.sim.stop()
}

// Reset stops a ticker and resets its period to the specified duration. The
// next tick will arrive after the new period elapses. The duration d must be
// greater than zero; if not, Reset will panic.
func (t *Ticker) Reset(d Duration) {
	if d <= 0 {
		panic("non-positive interval for Ticker.Reset")
	}
	if t.real != nil {
		t.real.Reset(d)
		return
	}
	if t.sim.w == nil {
		panic("time: Reset called on uninitialized Ticker")
	}
	if !t.sim.live("time.Ticker.Reset") {
		t.sim.drain()
		return
	}
	t.sim.stop()
	t.sim.period = d
	t.sim.start(d)
}
