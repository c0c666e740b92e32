package runtime

import (
	goruntime "runtime"
	"testing"
	"time"
)

// Deferred() is what mgen puts first in every deferred call of rewritten
// code; the tests below call it where rewritten code would.

// Issue 12, defect 8: a crashed node's goroutines were kept as parked
// coroutines forever. Across many crash/restart cycles the number of native
// goroutines must stay flat, and no deferred call of the crashed goroutines
// may run.
func TestCrashReleasesGoroutines(t *testing.T) {
	const cycles, perIncarnation = 200, 12
	before := goruntime.NumGoroutine()
	var during int
	runWorld(t, func() {
		w := Current().World()
		b := w.NewNode("b")
		b.Start(func() {
			c := make(chan int)
			for range perIncarnation - 2 {
				Go(func() {
					defer func() { Deferred(); panic("a deferred call ran on a crash") }()
					Recv(c)
				})
			}
			Go(func() { Current().Sleep(time.Hour) })
			Select(false)
		})
		for range cycles {
			Current().Sleep(time.Second)
			b.Crash()
			b.Restart()
		}
		Current().Sleep(time.Second)
		during = goruntime.NumGoroutine()
	})
	// One incarnation's goroutines, the root and the watchdog remain.
	if grown := during - before; grown > 2*perIncarnation+8 {
		t.Fatalf("%d native goroutines more after %d crashes (%d per incarnation): crashed goroutines are not released", grown, cycles, perIncarnation)
	}
}

// A node exiting from inside (os.Exit) releases its goroutines, including
// the caller, without running their deferred calls.
func TestNodeExitReleasesGoroutines(t *testing.T) {
	before := goruntime.NumGoroutine()
	var during int
	runWorld(t, func() {
		w := Current().World()
		b := w.NewNode("b")
		for range 100 {
			b.Start(func() {
				for range 5 {
					Go(func() {
						defer func() { Deferred(); panic("a deferred call ran on os.Exit") }()
						Select(false)
					})
				}
				defer func() { Deferred(); panic("the caller's deferred call ran on os.Exit") }()
				Current().Sleep(time.Millisecond)
				Current().Node().Exit(1)
			})
			Current().Sleep(time.Second)
		}
		during = goruntime.NumGoroutine()
	})
	if grown := during - before; grown > 10 {
		t.Fatalf("%d native goroutines more after 100 process exits: exited goroutines are not released", grown)
	}
}

// Issue 12, defect 10: the end of a run abandons leftover goroutines as the
// end of a native test does: their deferred calls do not run, so a
// recover-and-retry loop does not spin (it hung the binary and exited with
// code 12), a deferred panic is no failure, and recover never sees the
// unwinding. Their coroutines are released.
func TestRunEndRunsNoUserDeferredCalls(t *testing.T) {
	before := goruntime.NumGoroutine()
	recovered := 0
	o := opts(1)
	o.Limits.BusyWall = 2 * time.Second
	for range 100 {
		r := NewWorld(o).Run(func() {
			Go(func() { // retries after every panic, as servers do
				for {
					func() {
						defer func() {
							Deferred()
							if recover() != nil {
								recovered++
							}
						}()
						Recv(make(chan int))
					}()
				}
			})
			Go(func() {
				defer func() { Deferred(); panic("deferred panic of a leftover goroutine") }()
				Select(false)
			})
			Go(func() { Current().Sleep(time.Hour) })
			Current().Sleep(time.Second)
		})
		if r.Failure != nil {
			t.Fatal(r.Failure.Report())
		}
	}
	if recovered != 0 {
		t.Errorf("user recover() saw the end of the run %d times", recovered)
	}
	if grown := settled(before, 30); grown > 30 {
		t.Errorf("%d native goroutines more after 100 runs with 3 leftover goroutines each", grown)
	}
}

// os.Exit in a run (World.Exit) releases the caller too.
func TestWorldExitReleasesCaller(t *testing.T) {
	before := goruntime.NumGoroutine()
	o := opts(1)
	o.Limits.BusyWall = 0 // no watchdog goroutine to count
	for range 200 {
		w := NewWorld(o)
		w.Run(func() {
			defer func() { Deferred(); panic("deferred call ran on os.Exit") }()
			Go(func() { Select(false) })
			Current().Sleep(time.Second)
			w.Exit(2)
		})
		if c, ok := w.ExitCode(); !ok || c != 2 {
			t.Fatalf("exit code %d %v", c, ok)
		}
	}
	if grown := settled(before, 20); grown > 20 {
		t.Errorf("%d native goroutines more after 200 runs ended by os.Exit", grown)
	}
}

// settled returns how many native goroutines more than before there are,
// giving goroutines that are ending (watchdogs of ended runs) up to a
// second to go once the count is above limit.
func settled(before, limit int) int {
	grown := goruntime.NumGoroutine() - before
	for i := 0; i < 100 && grown > limit; i++ {
		time.Sleep(10 * time.Millisecond)
		grown = goruntime.NumGoroutine() - before
	}
	return grown
}
