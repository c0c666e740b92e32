package time_test

import (
	"slices"
	"testing"
	stdtime "time"

	"github.com/marionette-dst/marionette/runtime"
	"github.com/marionette-dst/marionette/shims/time"
)

func TestTimerOrdering(t *testing.T) {
	both(t, func(log func(string, ...any)) {
		start := time.Now()
		fired := make(chan int)
		for _, n := range []int{3, 1, 4, 2} {
			tm := time.NewTimer(time.Duration(n) * u)
			runtime.Go(func() {
				runtime.Recv(tm.C)
				runtime.Send(fired, n)
			})
		}
		for range 4 {
			n := runtime.Recv(fired)
			log("timer %d fired after %d units", n, units(time.Since(start)))
		}
	})
}

func TestTimerStopReset(t *testing.T) {
	both(t, func(log func(string, ...any)) {
		tm := time.NewTimer(u)
		time.Sleep(2 * u)
		log("stop after firing, value not received: %v, then C has %s", tm.Stop(), poll(tm.C))
		log("second stop: %v", tm.Stop())
		log("reset of a stopped timer: %v", tm.Reset(u))
		runtime.Recv(tm.C)
		log("received after reset")

		tm = time.NewTimer(u)
		time.Sleep(2 * u)
		log("reset after firing, value not received: %v, then C has %s", tm.Reset(2*u), poll(tm.C))
		start := time.Now()
		runtime.Recv(tm.C)
		log("fired %d units after reset", units(time.Since(start)))
		log("stop after receive: %v, reset after receive: %v", tm.Stop(), tm.Reset(u))
		log("stop while pending: %v, again: %v", tm.Stop(), tm.Stop())
		time.Sleep(2 * u)
		log("stopped timer's C has %s", poll(tm.C))

		tm = time.NewTimer(u)
		runtime.Recv(tm.C)
		log("reset after receive: %v", tm.Reset(u))
		time.Sleep(2 * u)
		log("C has %s after firing", poll(tm.C))
		log("C has %s after receiving", poll(tm.C))

		tm = time.NewTimer(stdtime.Hour)
		log("reset(0) of a pending timer: %v", tm.Reset(0))
		start = time.Now()
		runtime.Recv(tm.C)
		log("reset(0) fired after %d units", units(time.Since(start)))
		tm = time.NewTimer(-stdtime.Second)
		runtime.Recv(tm.C)
		log("negative timer fired")

		v := runtime.Recv(time.After(u))
		log("After's value is %d units after start", units(v.Sub(start)))
	})
}

func TestTimerValueIsFiringTime(t *testing.T) {
	both(t, func(log func(string, ...any)) {
		start := time.Now()
		tm := time.NewTimer(u)
		time.Sleep(3 * u)
		v := runtime.Recv(tm.C)
		log("value %d units after start, received %d units after start", units(v.Sub(start)), units(time.Since(start)))
	})
}

func TestAfterFunc(t *testing.T) {
	both(t, func(log func(string, ...any)) {
		ran := make(chan int, 4)
		n := 0
		tm := time.AfterFunc(u, func() { n++; runtime.Send(ran, n) })
		log("C is nil: %v", tm.C == nil)
		log("f ran: %d", runtime.Recv(ran))
		log("stop after f started: %v", tm.Stop())
		log("reset after f started: %v", tm.Reset(u))
		log("f ran again: %d", runtime.Recv(ran))

		tm = time.AfterFunc(3*u, func() { n++; runtime.Send(ran, n) })
		log("stop while pending: %v, again: %v", tm.Stop(), tm.Stop())
		log("reset of a stopped AfterFunc: %v", tm.Reset(u))
		log("reset while pending: %v", tm.Reset(2*u))
		start := time.Now()
		log("f ran: %d, %d units after the last reset", runtime.Recv(ran), units(time.Since(start)))
	})
}

func TestTicker(t *testing.T) {
	both(t, func(log func(string, ...any)) {
		start := time.Now()
		tk := time.NewTicker(u)
		// A slow receiver: ticks at 2u and 3u are dropped; the one at u waits.
		time.Sleep(3*u + u/2)
		v := runtime.Recv(tk.C)
		log("first tick's value: %d units", units(v.Sub(start)))
		v = runtime.Recv(tk.C)
		log("next tick's value: %d units, received at %d", units(v.Sub(start)), units(time.Since(start)))
		time.Sleep(u + u/2)
		tk.Stop()
		log("after stop C has %s", poll(tk.C))
		time.Sleep(2 * u)
		log("stopped ticker: C has %s", poll(tk.C))
		tk.Reset(u)
		restart := time.Now()
		runtime.Recv(tk.C)
		log("reset of a stopped ticker ticks after %d units", units(time.Since(restart)))
		time.Sleep(u + u/2)
		tk.Reset(2 * u)
		log("after reset C has %s", poll(tk.C))
		restart = time.Now()
		runtime.Recv(tk.C)
		runtime.Recv(tk.C)
		log("two ticks of the new period took %d units", units(time.Since(restart)))
		tk.Stop()

		c := time.Tick(u)
		runtime.Recv(c)
		log("Tick ticks; Tick(0) is nil: %v", time.Tick(0) == nil)
	})
}

func TestSelectTimer(t *testing.T) {
	both(t, func(log func(string, ...any)) {
		c := make(chan string)
		runtime.Go(func() {
			time.Sleep(u)
			runtime.Send(c, "message")
		})
		a, b := runtime.RecvCase(c), runtime.RecvCase(time.After(3*u))
		switch runtime.Select(false, a, b) {
		case 0:
			log("select: %s before the timeout", a.V)
		case 1:
			log("select: timeout first")
		}
		a, b = runtime.RecvCase(c), runtime.RecvCase(time.After(u))
		switch runtime.Select(false, a, b) {
		case 0:
			log("select: unexpected message")
		case 1:
			log("select: timeout with no sender")
		}
	})
}

func TestMisuse(t *testing.T) {
	both(t, func(log func(string, ...any)) {
		log("zero Timer Stop: %v", panicOf(func() { new(time.Timer).Stop() }))
		log("zero Timer Reset: %v", panicOf(func() { new(time.Timer).Reset(1) }))
		log("zero Ticker Stop: %v", panicOf(func() { new(time.Ticker).Stop() }))
		log("zero Ticker Reset: %v", panicOf(func() { new(time.Ticker).Reset(1) }))
		log("NewTicker(0): %v", panicOf(func() { time.NewTicker(0) }))
		log("Ticker.Reset(0): %v", panicOf(func() {
			tk := time.NewTicker(stdtime.Hour)
			defer tk.Stop()
			tk.Reset(0)
		}))
	})
}

// Under simulation the clock is exact.
func TestSimulatedClockIsExact(t *testing.T) {
	simulate(t, 1, func() {
		epoch := testEpoch
		start := time.Now()
		if !start.Equal(epoch) || start.Location() != stdtime.UTC {
			t.Errorf("Now at the start of a run = %v, want the epoch %v", start, epoch)
		}
		// Now carries a monotonic reading of the ideal clock (runtime/clock.go),
		// so durations between readings ignore node clock offsets.
		if s := start.String(); s != "2025-01-01 00:00:00 +0000 UTC m=+0.000000000" {
			t.Errorf("Now has no monotonic reading or an unexpected zone: %q", s)
		}
		time.Sleep(1500 * stdtime.Millisecond)
		if d := time.Since(start); d != 1500*stdtime.Millisecond {
			t.Errorf("Since after Sleep(1.5s) = %v, want exactly 1.5s", d)
		}
		if d := time.Until(start.Add(2 * stdtime.Second)); d != 500*stdtime.Millisecond {
			t.Errorf("Until = %v, want 500ms", d)
		}
		tm := time.NewTimer(stdtime.Minute)
		v := runtime.Recv(tm.C)
		if !v.Equal(epoch.Add(stdtime.Minute+1500*stdtime.Millisecond)) || time.Since(start) != stdtime.Minute+1500*stdtime.Millisecond {
			t.Errorf("timer value %v at %v", v, time.Since(start))
		}
		time.Sleep(0)
		time.Sleep(-stdtime.Second)
		if time.Since(start) != stdtime.Minute+1500*stdtime.Millisecond {
			t.Errorf("Sleep(<=0) moved the clock")
		}
	})
}

// The documented difference: a simulated timer channel has a one-slot
// buffer, where std reports cap 0.
func TestChannelCapacity(t *testing.T) {
	if c := stdtime.NewTimer(stdtime.Hour).C; cap(c) != 0 {
		t.Errorf("std timer cap %d; update doc.go", cap(c))
	}
	simulate(t, 1, func() {
		if c := time.NewTimer(stdtime.Hour).C; cap(c) != 1 {
			t.Errorf("simulated timer cap %d; update doc.go", cap(c))
		}
	})
}

// Timers due at the same instant fire in the order they were set, and every
// goroutine woken at an instant sees the same Now.
func TestSameInstant(t *testing.T) {
	w := runtime.NewWorld(smoke(1))
	w.RecordAll()
	r := w.Run(func() {
		done := make(chan bool)
		for i := range 5 {
			time.AfterFunc(stdtime.Second, func() {
				if d := time.Since(testEpoch); d != stdtime.Second {
					t.Errorf("AfterFunc %d runs at %v", i, d)
				}
				runtime.Send(done, true)
			})
		}
		for range 5 {
			runtime.Recv(done)
		}
	})
	if r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
	var fired []int64
	for _, e := range w.Events() {
		if e.Kind == "timer.fire" && e.Detail == "time.AfterFunc" {
			fired = append(fired, e.Arg)
		}
	}
	if len(fired) != 5 || !slices.IsSorted(fired) {
		t.Errorf("AfterFunc events fired in sequence order %v", fired)
	}
}

// Outside a simulation, timers are real ones.
func TestNativeForwarding(t *testing.T) {
	tm := time.NewTimer(stdtime.Hour)
	if !tm.Stop() {
		t.Error("Stop of a pending real timer returned false")
	}
	start := time.Now()
	time.Sleep(u)
	if d := time.Since(start); d < u {
		t.Errorf("native Sleep(%v) took %v", u, d)
	}
	if time.Now().Sub(stdtime.Now()) > stdtime.Second {
		t.Error("native Now is not the real clock")
	}
}

// A timer made in one run cannot be used in another.
func TestTimerOfAnotherRun(t *testing.T) {
	var tm *time.Timer
	simulate(t, 1, func() { tm = time.NewTimer(stdtime.Hour) })
	r := runtime.NewWorld(smoke(1)).Run(func() { tm.Stop() })
	if r.Failure == nil || r.Failure.Kind != runtime.KindPanic {
		t.Fatalf("using a timer of another run: %v", r.Failure)
	}
	// After its run, Stop touches nothing but the channel.
	if tm.Stop() {
		t.Error("Stop after the run reported a pending timer")
	}
}
