package sync_test

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/marionette-dst/marionette/runtime"
	"github.com/marionette-dst/marionette/shims/sync"
)

func TestMutexExclusion(t *testing.T) {
	both(t, func(t *testing.T) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		inside, total := 0, 0
		for i := 0; i < 8; i++ {
			wg.Add(1)
			runtime.Go(func() {
				defer wg.Done()
				for j := 0; j < 50; j++ {
					mu.Lock()
					inside++
					if inside != 1 {
						t.Errorf("%d goroutines inside the critical section", inside)
					}
					runtime.Gosched() // invite another goroutine in
					total++
					inside--
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if total != 400 {
			t.Errorf("total %d, want 400", total)
		}
	})
}

func TestTryLock(t *testing.T) {
	both(t, func(t *testing.T) {
		var mu sync.Mutex
		if !mu.TryLock() {
			t.Error("TryLock on an unlocked mutex failed")
		}
		if mu.TryLock() {
			t.Error("TryLock on a locked mutex succeeded")
		}
		var wg sync.WaitGroup
		wg.Go(func() {
			if mu.TryLock() {
				t.Error("TryLock from another goroutine on a locked mutex succeeded")
			}
		})
		wg.Wait()
		mu.Unlock()
		if !mu.TryLock() {
			t.Error("TryLock after Unlock failed")
		}
		mu.Unlock()
	})
}

func TestMutexUnlockOfUnlocked(t *testing.T) {
	// Natively this is std's unrecoverable fatal error; under simulation a
	// panic with the same text.
	r := simRun(1, runtime.Smoke, func() {
		var mu sync.Mutex
		wantPanic(t, "sync: unlock of unlocked mutex", mu.Unlock)
		var rw sync.RWMutex
		wantPanic(t, "sync: Unlock of unlocked RWMutex", rw.Unlock)
		wantPanic(t, "sync: RUnlock of unlocked RWMutex", rw.RUnlock)
		rw.Lock()
		wantPanic(t, "sync: RUnlock of unlocked RWMutex", rw.RUnlock)
		rw.Unlock()
		rw.RLock()
		wantPanic(t, "sync: Unlock of unlocked RWMutex", rw.Unlock)
		rw.RUnlock()
		if !rw.TryLock() {
			t.Error("state damaged by the failed unlocks")
		}
	})
	if r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
}

func TestRWMutexReadersShare(t *testing.T) {
	both(t, func(t *testing.T) {
		var rw sync.RWMutex
		var wg sync.WaitGroup
		readers, maxReaders, writers := 0, 0, 0
		var mu sync.Mutex // guards the counters natively
		for i := 0; i < 4; i++ {
			wg.Go(func() {
				rw.RLock()
				mu.Lock()
				readers++
				maxReaders = max(maxReaders, readers)
				if writers != 0 {
					t.Error("reader inside with a writer")
				}
				mu.Unlock()
				sleep(20 * time.Millisecond)
				mu.Lock()
				readers--
				mu.Unlock()
				rw.RUnlock()
			})
			wg.Go(func() {
				rw.Lock()
				mu.Lock()
				writers++
				if writers != 1 || readers != 0 {
					t.Errorf("writer inside with %d writers and %d readers", writers, readers)
				}
				mu.Unlock()
				sleep(time.Millisecond)
				mu.Lock()
				writers--
				mu.Unlock()
				rw.Unlock()
			})
		}
		wg.Wait()
		if maxReaders < 2 {
			t.Errorf("readers never shared the lock (max %d at once)", maxReaders)
		}
	})
}

// A reader holds the lock, a writer waits: a new reader must wait behind the
// writer (TryRLock fails, RLock blocks until the writer is done).
func TestRWMutexWriterPreference(t *testing.T) {
	both(t, func(t *testing.T) {
		var rw sync.RWMutex
		var wg sync.WaitGroup
		log := newLog()
		rw.RLock()
		wg.Go(func() {
			rw.Lock()
			log.add("writer")
			rw.Unlock()
		})
		sleep(20 * time.Millisecond) // the writer is waiting now
		if rw.TryRLock() {
			t.Error("TryRLock succeeded while a writer waits")
			rw.RUnlock()
		}
		if rw.TryLock() {
			t.Error("TryLock succeeded while read-locked")
		}
		wg.Go(func() {
			rw.RLock()
			log.add("reader2")
			rw.RUnlock()
		})
		sleep(20 * time.Millisecond)
		log.add("reader1 leaves")
		rw.RUnlock()
		wg.Wait()
		if got := log.String(); got != "reader1 leaves writer reader2" {
			t.Errorf("order %q", got)
		}
	})
}

func TestRLocker(t *testing.T) {
	both(t, func(t *testing.T) {
		var rw sync.RWMutex
		l := rw.RLocker()
		l.Lock()
		l.Lock() // two read locks
		if rw.TryLock() {
			t.Error("TryLock succeeded under RLocker locks")
		}
		l.Unlock()
		l.Unlock()
		if !rw.TryLock() {
			t.Error("TryLock failed after RLocker unlocks")
		}
		rw.Unlock()
	})
}

func TestWaitGroup(t *testing.T) {
	both(t, func(t *testing.T) {
		var wg sync.WaitGroup
		wg.Wait() // zero counter: returns at once
		done := make([]bool, 5)
		for i := range done {
			wg.Add(1)
			runtime.Go(func() {
				sleep(time.Duration(i) * time.Millisecond)
				done[i] = true
				wg.Done()
			})
		}
		var waiters sync.WaitGroup
		for i := 0; i < 3; i++ { // several goroutines may wait
			waiters.Go(func() {
				wg.Wait()
				for i, d := range done {
					if !d {
						t.Errorf("Wait returned before task %d was done", i)
					}
				}
			})
		}
		waiters.Wait()
		wantPanic(t, "sync: negative WaitGroup counter", wg.Done)
	})
}

func TestWaitGroupGo(t *testing.T) {
	both(t, func(t *testing.T) {
		var wg sync.WaitGroup
		parent := runtime.Current()
		n := 0
		var mu sync.Mutex
		for i := 0; i < 10; i++ {
			wg.Go(func() {
				g := runtime.Current()
				if (g != nil) != (parent != nil) {
					t.Errorf("WaitGroup.Go goroutine simulated=%v, parent simulated=%v", g != nil, parent != nil)
				}
				if g != nil && g == parent {
					t.Error("WaitGroup.Go ran f on the calling goroutine")
				}
				if g != nil && !strings.Contains(g.Name(), "TestWaitGroupGo") {
					t.Errorf("goroutine named %q, want f's name", g.Name())
				}
				sleep(time.Millisecond)
				mu.Lock()
				n++
				mu.Unlock()
			})
		}
		wg.Wait()
		if n != 10 {
			t.Errorf("n = %d after Wait, want 10", n)
		}
	})
}

// A panic in a goroutine started by WaitGroup.Go fails the run with the
// panic and f's position, and does not let Wait return.
func TestWaitGroupGoPanic(t *testing.T) {
	waitReturned := false
	r := simRun(1, runtime.Smoke, func() {
		var wg sync.WaitGroup
		wg.Go(func() {
			regexp.MustCompile("boom in task (") // panics
		})
		wg.Wait()
		waitReturned = true
	})
	if r.Failure == nil || r.Failure.Kind != runtime.KindPanic {
		t.Fatalf("want a panic failure, got %v", r.Failure)
	}
	// The stack still shows where f panicked (a std frame here: the
	// runtime trims frames of files under shims/, this test file included).
	rep := r.Failure.Report()
	for _, want := range []string{"boom in task", "TestWaitGroupGoPanic", "regexp.MustCompile"} {
		if !strings.Contains(rep, want) {
			t.Errorf("report lacks %q:\n%s", want, rep)
		}
	}
	if waitReturned {
		t.Error("Wait returned although the task panicked")
	}
}

func TestWaitGroupReuse(t *testing.T) {
	// A new Add between the release of a waiter and its return is misuse:
	// std detects it with a race, the simulation deterministically.
	r := simRun(1, runtime.Performance, func() {
		var wg sync.WaitGroup
		wg.Add(1)
		var got string
		var done sync.WaitGroup
		done.Go(func() { got = panicText(wg.Wait) })
		sleep(time.Millisecond)
		wg.Done()   // releases the waiter (runnable, not yet running)
		wg.Add(1)   // reuse before its Wait returned
		done.Wait() // the FIFO scheduler runs the waiter now
		if !strings.Contains(got, "sync: WaitGroup is reused before previous Wait has returned") {
			t.Errorf("waiter panic %q", got)
		}
	})
	if r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
}

func TestOnce(t *testing.T) {
	both(t, func(t *testing.T) {
		var once sync.Once
		var wg sync.WaitGroup
		calls := 0
		for i := 0; i < 5; i++ {
			wg.Go(func() {
				once.Do(func() {
					sleep(5 * time.Millisecond) // others wait in Do meanwhile
					calls++
				})
				if calls != 1 {
					t.Errorf("Do returned before f finished (calls %d)", calls)
				}
			})
		}
		wg.Wait()
		if calls != 1 {
			t.Errorf("f called %d times", calls)
		}

		var p sync.Once
		wantPanic(t, "first", func() { p.Do(func() { panic("first") }) })
		p.Do(func() { t.Error("Do called f again after a panic") })
	})
}

func TestOnceFuncs(t *testing.T) {
	both(t, func(t *testing.T) {
		n := 0
		f := sync.OnceFunc(func() { n++ })
		f()
		f()
		if n != 1 {
			t.Errorf("OnceFunc ran f %d times", n)
		}

		k := 0
		pf := sync.OnceFunc(func() { k++; panic("pf") })
		wantPanic(t, "pf", pf)
		wantPanic(t, "pf", pf) // the same panic on every call
		if k != 1 {
			t.Errorf("panicking OnceFunc ran f %d times", k)
		}

		v := sync.OnceValue(func() int { n++; return 42 })
		if a, b := v(), v(); a != 42 || b != 42 || n != 2 {
			t.Errorf("OnceValue: n=%d", n)
		}
		pv := sync.OnceValue(func() int { panic(errors.New("pv")) })
		wantPanic(t, "pv", func() { pv() })
		wantPanic(t, "pv", func() { pv() })

		vs := sync.OnceValues(func() (string, error) { n++; return "x", errors.New("e") })
		for i := 0; i < 2; i++ {
			s, err := vs()
			if s != "x" || err == nil || err.Error() != "e" {
				t.Errorf("OnceValues = %q, %v", s, err)
			}
		}
		if n != 3 {
			t.Errorf("OnceValues ran f %d times", n-2)
		}

		// Concurrent first calls: one runs f, the others wait for it.
		m := 0
		slow := sync.OnceValue(func() int { sleep(5 * time.Millisecond); m++; return m })
		var wg sync.WaitGroup
		for i := 0; i < 4; i++ {
			wg.Go(func() {
				if got := slow(); got != 1 {
					t.Errorf("OnceValue returned %d", got)
				}
			})
		}
		wg.Wait()
	})
}

func TestCond(t *testing.T) {
	both(t, func(t *testing.T) {
		var mu sync.Mutex
		c := sync.NewCond(&mu)
		ready, woken := false, 0
		var wg sync.WaitGroup
		for i := 0; i < 4; i++ {
			wg.Go(func() {
				mu.Lock()
				for !ready {
					c.Wait()
				}
				woken++
				mu.Unlock()
			})
		}
		sleep(20 * time.Millisecond)
		mu.Lock()
		ready = true
		mu.Unlock()
		c.Broadcast()
		wg.Wait()
		if woken != 4 {
			t.Errorf("woken %d, want 4", woken)
		}
		c.Signal() // nobody waits: no effect
	})
}

// Signal wakes the longest waiter; Broadcast wakes the rest in wait order.
// With the FIFO scheduler the order goroutines run in is the wake order.
func TestCondOrder(t *testing.T) {
	r := simRun(3, runtime.Performance, func() {
		var mu sync.Mutex
		c := sync.NewCond(&mu)
		log := newLog()
		var wg sync.WaitGroup
		for i := 0; i < 4; i++ {
			wg.Go(func() {
				mu.Lock()
				c.Wait()
				log.add("w%d", i)
				mu.Unlock()
			})
			sleep(time.Millisecond) // fix the order they start waiting in
		}
		c.Signal()
		sleep(time.Millisecond)
		log.add("|")
		c.Broadcast()
		wg.Wait()
		if got := log.String(); got != "w0 | w1 w2 w3" {
			t.Errorf("wake order %q", got)
		}
	})
	if r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
}

func TestCondCopied(t *testing.T) {
	var mu sync.Mutex
	c := sync.NewCond(&mu)
	c.Signal()
	c2 := new(sync.Cond)
	copyCond(c2, c)
	wantPanic(t, "sync.Cond is copied", c2.Signal)
}

func TestDeadlockNamesMutexLock(t *testing.T) {
	r := simRun(1, runtime.Smoke, func() {
		var a, b sync.Mutex
		var wg sync.WaitGroup
		wg.Go(func() {
			a.Lock()
			sleep(time.Millisecond)
			b.Lock()
		})
		wg.Go(func() {
			b.Lock()
			sleep(time.Millisecond)
			a.Lock()
		})
		wg.Wait()
	})
	f := r.Failure
	if f == nil || f.Kind != runtime.KindDeadlock {
		t.Fatalf("want a deadlock failure, got %v", f)
	}
	rep := f.Report()
	for _, want := range []string{"sync.Mutex.Lock (held by goroutine", "sync.WaitGroup.Wait", "sync_test.go"} {
		if !strings.Contains(rep, want) {
			t.Errorf("report lacks %q:\n%s", want, rep)
		}
	}
}

func TestDeadlockOnceRecursion(t *testing.T) {
	r := simRun(1, runtime.Smoke, func() {
		var once sync.Once
		once.Do(func() { once.Do(func() {}) })
	})
	if r.Failure == nil || r.Failure.Kind != runtime.KindDeadlock || !strings.Contains(r.Failure.Report(), "sync.Once.Do") {
		t.Fatalf("want a deadlock naming sync.Once.Do, got %v", r.Failure)
	}
}

// contention makes goroutines compete for one mutex and returns the order
// in which they got it.
func contention(log *logBook) func() {
	return func() {
		var mu sync.Mutex
		var wg sync.WaitGroup
		for i := 0; i < 5; i++ {
			wg.Go(func() {
				for j := 0; j < 3; j++ {
					mu.Lock()
					log.add("%d", i)
					runtime.Gosched()
					mu.Unlock()
				}
			})
		}
		wg.Wait()
	}
}

func TestLockOrderDeterminism(t *testing.T) {
	orders := map[string]bool{}
	for seed := uint64(1); seed <= 20; seed++ {
		l1, l2 := newLog(), newLog()
		r1 := simRun(seed, runtime.Smoke, contention(l1))
		r2 := simRun(seed, runtime.Smoke, contention(l2))
		if r1.Failure != nil {
			t.Fatal(r1.Failure.Report())
		}
		if r1.Hash != r2.Hash || l1.String() != l2.String() {
			t.Fatalf("seed %d: runs differ: %x %q / %x %q", seed, r1.Hash, l1, r2.Hash, l2)
		}
		orders[l1.String()] = true
	}
	t.Logf("%d distinct lock acquisition orders over 20 seeds", len(orders))
	if len(orders) < 10 {
		t.Errorf("20 seeds gave only %d lock acquisition orders", len(orders))
	}
	o, _ := runtime.Expand(5, runtime.Swarm)
	if err := runtime.CheckDeterminism(o, contention(newLog())); err != nil {
		t.Error(err)
	}
}

// A woken waiter that loses the race for the mutex is handed it at the next
// Unlock, so a goroutine that re-locks in a loop cannot starve it.
func TestMutexNoStarvation(t *testing.T) {
	r := simRun(1, runtime.Performance, func() {
		var mu sync.Mutex
		log := newLog()
		mu.Lock()
		var wg sync.WaitGroup
		wg.Go(func() {
			mu.Lock()
			log.add("waiter")
			mu.Unlock()
		})
		sleep(time.Millisecond) // the waiter parks in Lock
		mu.Unlock()             // wakes it and releases the lock...
		mu.Lock()               // ...which we take again before it runs
		runtime.Gosched()       // it runs, loses, and waits again, starving
		mu.Unlock()             // hands the lock to it
		if mu.TryLock() {
			t.Error("TryLock succeeded after a handoff")
		}
		mu.Lock()
		log.add("main")
		mu.Unlock()
		wg.Wait()
		if got := log.String(); got != "waiter main" {
			t.Errorf("order %q", got)
		}
	})
	if r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
}

func TestNativeLockedThenSimulated(t *testing.T) {
	var mu sync.Mutex
	mu.Lock() // as in package initialisation
	r := simRun(1, runtime.Smoke, func() { mu.Lock() })
	if r.Failure == nil || r.Failure.Kind != runtime.KindDeadlock ||
		!strings.Contains(r.Failure.Report(), "held by code outside the simulation") {
		t.Fatalf("want a deadlock on a natively held mutex, got %v", r.Failure)
	}

	// A simulated goroutine may unlock it: a mutex has no owner.
	var mu2 sync.Mutex
	mu2.Lock()
	got := false
	r = simRun(1, runtime.Smoke, func() {
		var wg sync.WaitGroup
		wg.Go(func() {
			mu2.Lock()
			got = true
			mu2.Unlock()
		})
		sleep(time.Millisecond)
		mu2.Unlock()
		wg.Wait()
	})
	if r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
	if !got || !mu2.TryLock() {
		t.Fatalf("waiter got the mutex: %v; mutex left locked", got)
	}

	var once sync.Once
	n := 0
	once.Do(func() { n++ })
	simRun(1, runtime.Smoke, func() { once.Do(func() { n++ }) })
	if n != 1 {
		t.Fatalf("a Once done natively ran again under simulation")
	}
}

// A run that ends while holding a lock leaves it held; a later run that
// waits for it is told so rather than deadlocking silently.
func TestLockHeldAcrossRuns(t *testing.T) {
	var mu sync.Mutex
	if r := simRun(1, runtime.Smoke, func() { mu.Lock() }); r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
	r := simRun(2, runtime.Smoke, func() { mu.Lock() })
	if r.Failure == nil || r.Failure.Kind != runtime.KindPanic || !strings.Contains(r.Failure.Message, "two simulation runs") {
		t.Fatalf("want a cross-run panic, got %v", r.Failure)
	}
}

// Goroutines unwound at the end of a run leave no trace in the queues, and
// a lock handed to a goroutine that never ran again is released.
func TestUnwoundWaiters(t *testing.T) {
	var mu sync.Mutex
	var rw sync.RWMutex
	var wg sync.WaitGroup
	r := simRun(1, runtime.Performance, func() {
		mu.Lock()
		runtime.Go(func() { mu.Lock() }) // parks in Lock
		wg.Add(1)
		runtime.Go(func() { wg.Wait() })
		runtime.Go(func() {
			var m2 sync.Mutex
			c2 := sync.NewCond(&m2)
			m2.Lock()
			c2.Wait()
		})
		rw.Lock()
		runtime.Go(func() { rw.RLock() }) // granted by the Unlock below, never runs again
		sleep(time.Millisecond)
		rw.Unlock()
		// return while holding mu: the run ends, waiters are unwound
	})
	if r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
	mu.Unlock() // native unlock: no simulated waiter left
	if !mu.TryLock() {
		t.Error("mutex still locked")
	}
	if !rw.TryLock() {
		t.Error("read lock granted to an unwound goroutine was not released")
	}
	wg.Done() // no waiter left to wake
}

func TestMapRangeOrder(t *testing.T) {
	fill := func(m *sync.Map) {
		for i := 0; i < 20; i++ {
			m.Store(fmt.Sprint("k", i), i)
		}
	}
	order := func(seed uint64) string {
		var m sync.Map
		fill(&m)
		var keys []string
		r := simRun(seed, runtime.Smoke, func() {
			m.Range(func(k, v any) bool {
				keys = append(keys, k.(string))
				if k == "k3" {
					m.Delete("k4") // deleted before it is reached: not visited
				}
				return true
			})
		})
		if r.Failure != nil {
			t.Fatal(r.Failure.Report())
		}
		return strings.Join(keys, ",")
	}
	a, b := order(1), order(1)
	if a != b {
		t.Fatalf("same seed, different orders:\n%s\n%s", a, b)
	}
	seen := map[string]bool{a: true}
	for seed := uint64(2); seed <= 6; seed++ {
		seen[order(seed)] = true
	}
	if len(seen) < 3 {
		t.Errorf("6 seeds gave %d orders", len(seen))
	}

	var m sync.Map // natively: std
	fill(&m)
	n := 0
	m.Range(func(k, v any) bool { n++; return true })
	if n != 20 {
		t.Errorf("native Range visited %d keys", n)
	}
	if v, ok := m.Load("k7"); !ok || v != 7 {
		t.Errorf("Load = %v, %v", v, ok)
	}
	if prev, loaded := m.Swap("k7", 70); !loaded || prev != 7 || !m.CompareAndSwap("k7", 70, 700) || !m.CompareAndDelete("k7", 700) {
		t.Error("Swap/CompareAndSwap/CompareAndDelete")
	}
	m.Clear()
	if _, ok := m.Load("k1"); ok {
		t.Error("Clear left keys")
	}
}
