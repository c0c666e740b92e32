// Package quickstart is the example Marionette runs in the README: ordinary Go
// code (goroutines, channels, select, timers, contexts, a mutex and a map)
// with an ordinary test suite. `mgen test` runs that suite under simulation:
// the timers below wait seconds of simulated time in microseconds, and every
// interleaving is chosen by the seed.
package quickstart

import (
	"context"
	"errors"
	"sort"
	"sync"
	"time"
)

// Batcher groups items and hands them to Flush when MaxItems are waiting or
// Interval has passed since the first item of the batch arrived.
type Batcher struct {
	MaxItems int
	Interval time.Duration
	Flush    func(batch []string)

	in   chan string
	stop chan struct{}
	done chan struct{}
}

// Start starts the batcher's goroutine.
func (b *Batcher) Start() {
	b.in = make(chan string)
	b.stop = make(chan struct{})
	b.done = make(chan struct{})
	go b.loop()
}

// Add queues an item.
func (b *Batcher) Add(item string) { b.in <- item }

// Close flushes what is pending and stops the batcher.
func (b *Batcher) Close() {
	close(b.stop)
	<-b.done
}

func (b *Batcher) loop() {
	defer close(b.done)
	var batch []string
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	flush := func() {
		if len(batch) > 0 {
			b.Flush(batch)
			batch = nil
		}
		timer.Stop()
	}
	for {
		select {
		case item := <-b.in:
			batch = append(batch, item)
			if len(batch) == 1 {
				timer.Reset(b.Interval)
			}
			if len(batch) >= b.MaxItems {
				flush()
			}
		case <-timer.C:
			flush()
		case <-b.stop:
			flush()
			return
		}
	}
}

// Pool runs jobs on a fixed number of workers, each job bounded by a timeout.
type Pool struct {
	Workers int
	Timeout time.Duration

	mu      sync.Mutex
	results map[string]error
}

// ErrTooSlow is what a job that overran its timeout reports.
var ErrTooSlow = errors.New("job too slow")

// Run runs every job and returns the names of the jobs that failed, sorted.
func (p *Pool) Run(ctx context.Context, jobs map[string]func(context.Context) error) []string {
	p.results = make(map[string]error)
	work := make(chan string)
	var wg sync.WaitGroup
	for i := 0; i < p.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for name := range work {
				jctx, cancel := context.WithTimeout(ctx, p.Timeout)
				err := jobs[name](jctx)
				if errors.Is(jctx.Err(), context.DeadlineExceeded) {
					err = ErrTooSlow
				}
				cancel()
				p.mu.Lock()
				p.results[name] = err
				p.mu.Unlock()
			}
		}()
	}
	for name := range jobs {
		work <- name
	}
	close(work)
	wg.Wait()
	var failed []string
	for name, err := range p.results {
		if err != nil {
			failed = append(failed, name)
		}
	}
	sort.Strings(failed)
	return failed
}

// Sleep waits for d or until ctx is done, whichever comes first.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
