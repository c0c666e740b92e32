package time_test

import (
	"testing"
	stdtime "time"

	"github.com/marionette-dst/marionette/runtime"
	"github.com/marionette-dst/marionette/shims/time"
)

// busy is a program with sleeps, timers, tickers, AfterFunc and selects
// over them, running for the given simulated duration.
func busy(span time.Duration) func() {
	return func() {
		done := make(chan bool)
		// A ticker with a slow receiver.
		runtime.Go(func() {
			tk := time.NewTicker(10 * stdtime.Second)
			defer tk.Stop()
			n := 0
			for range runtime.Range(tk.C) {
				n++
				if n%7 == 0 {
					time.Sleep(25 * stdtime.Second) // drops ticks
				}
				if time.Since(testEpoch) >= span {
					break
				}
			}
			runtime.Send(done, true)
		})
		// Timeouts racing messages.
		msgs := make(chan int)
		runtime.Go(func() {
			for i := 0; time.Since(testEpoch) < span; i++ {
				time.Sleep(time.Duration(1+i%5) * stdtime.Minute)
				runtime.Send(msgs, i)
			}
			runtime.Close(msgs)
		})
		runtime.Go(func() {
			tm := time.NewTimer(3 * stdtime.Minute)
			for {
				m, to := runtime.RecvCase(msgs), runtime.RecvCase(tm.C)
				if runtime.Select(false, m, to) == 0 {
					if !m.OK {
						break
					}
					tm.Reset(3 * stdtime.Minute)
				} else {
					tm.Reset(3 * stdtime.Minute)
				}
			}
			tm.Stop()
			runtime.Send(done, true)
		})
		// A periodic job rescheduling itself with AfterFunc.
		var job func()
		job = func() {
			if time.Since(testEpoch) >= span {
				runtime.Send(done, true)
				return
			}
			time.AfterFunc(stdtime.Hour, job)
		}
		time.AfterFunc(stdtime.Hour, job)
		for range 3 {
			runtime.Recv(done)
		}
	}
}

func TestDeterminism(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		if err := runtime.CheckDeterminism(smoke(seed), busy(6*stdtime.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	r1 := simulate(t, 1, busy(6*stdtime.Hour))
	r2 := simulate(t, 1, busy(6*stdtime.Hour))
	if r1.Hash != r2.Hash {
		t.Fatalf("same seed, different hashes: %016x %016x", r1.Hash, r2.Hash)
	}
	r3 := simulate(t, 2, busy(6*stdtime.Hour))
	if r3.Hash == r1.Hash {
		t.Errorf("seeds 1 and 2 gave the same hash %016x", r1.Hash)
	}
}

func TestDayOfTimersIsFast(t *testing.T) {
	start := stdtime.Now()
	r := simulate(t, 1, busy(24*stdtime.Hour))
	wall := stdtime.Since(start)
	t.Logf("%s", r.Summary())
	if r.SimElapsed < 24*stdtime.Hour {
		t.Fatalf("simulated %v, want at least 24h", r.SimElapsed)
	}
	if !raceEnabled && wall > 500*stdtime.Millisecond {
		t.Errorf("24 simulated hours took %v of wall time", wall)
	}
}
