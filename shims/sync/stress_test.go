package sync_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/marionette-dst/marionette/runtime"
	"github.com/marionette-dst/marionette/shims/sync"
)

// workload mixes every primitive, checks their invariants as it goes, and
// returns a summary of what happened (in the order it happened).
func workload(t *testing.T) func() string {
	return func() string {
		var (
			mu      sync.Mutex
			rw      sync.RWMutex
			cond    = sync.NewCond(&mu)
			wg      sync.WaitGroup
			once    sync.Once
			queue   []int
			readers int
			writer  bool
			events  []string
		)
		for p := 0; p < 3; p++ { // producers
			wg.Go(func() {
				for i := 0; i < 5; i++ {
					mu.Lock()
					queue = append(queue, p*10+i)
					events = append(events, fmt.Sprint("p", p))
					cond.Signal()
					mu.Unlock()
					if i%2 == 0 {
						sleep(time.Duration(p+1) * time.Microsecond)
					}
				}
			})
		}
		got := 0
		for c := 0; c < 2; c++ { // consumers
			wg.Go(func() {
				for {
					mu.Lock()
					for len(queue) == 0 && got < 15 {
						cond.Wait()
					}
					if got == 15 {
						cond.Broadcast()
						mu.Unlock()
						return
					}
					queue = queue[1:]
					got++
					events = append(events, fmt.Sprint("c", c))
					mu.Unlock()
					once.Do(func() { events = append(events, "once") })
				}
			})
		}
		for r := 0; r < 4; r++ { // readers and writers
			wg.Go(func() {
				for i := 0; i < 4; i++ {
					if (r+i)%3 == 0 {
						rw.Lock()
						if writer || readers != 0 {
							t.Errorf("writer with writer=%v readers=%d", writer, readers)
						}
						writer = true
						runtime.Gosched()
						writer = false
						events = append(events, fmt.Sprint("w", r))
						rw.Unlock()
					} else {
						rw.RLock()
						if writer {
							t.Error("reader with a writer")
						}
						readers++
						runtime.Gosched()
						readers--
						rw.RUnlock()
						if !rw.TryRLock() {
							events = append(events, "try-fail")
						} else {
							rw.RUnlock()
						}
					}
				}
			})
		}
		wg.Wait()
		if got != 15 {
			t.Errorf("consumed %d of 15", got)
		}
		return strings.Join(events, " ")
	}
}

// Many seeds under the swarm profile (up to 50% preemption at every sync
// point, sometimes FIFO): no invariant breaks, no run fails, each seed is
// reproducible, and seeds explore different interleavings.
func TestStressSeeds(t *testing.T) {
	seen := map[string]bool{}
	for seed := uint64(1); seed <= 60; seed++ {
		o, _ := runtime.Expand(seed, runtime.Swarm)
		var s1, s2 string
		w := workload(t)
		r1 := runtime.NewWorld(o).Run(func() { s1 = w() })
		r2 := runtime.NewWorld(o).Run(func() { s2 = w() })
		if r1.Failure != nil {
			t.Fatalf("seed %d: %s", seed, r1.Failure.Report())
		}
		if r1.Hash != r2.Hash || s1 != s2 {
			t.Fatalf("seed %d not reproducible", seed)
		}
		seen[s1] = true
	}
	t.Logf("%d distinct histories over 60 seeds", len(seen))
	if len(seen) < 30 {
		t.Errorf("60 seeds gave %d distinct histories", len(seen))
	}
}

// Two worlds running in parallel that share a mutex either stay out of each
// other's way or fail with the cross-run message; nothing else happens (the
// race detector watches the shim's own state).
func TestParallelWorldsSharingAMutex(t *testing.T) {
	var mu sync.Mutex
	results := make(chan *runtime.Result, 2)
	for seed := uint64(1); seed <= 2; seed++ {
		go func() {
			results <- simRun(seed, runtime.Smoke, func() {
				for i := 0; i < 200; i++ {
					mu.Lock()
					runtime.Gosched()
					mu.Unlock()
				}
			})
		}()
	}
	for i := 0; i < 2; i++ {
		r := <-results
		if f := r.Failure; f != nil && !strings.Contains(f.Message, "two simulation runs") {
			t.Errorf("unexpected failure: %s", f.Report())
		}
	}
}
