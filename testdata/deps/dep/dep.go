// Package dep is a dependency module of example.com/app, written the way
// test helpers and libraries are (testify's Eventually, a worker pool): it
// starts goroutines, selects on channels and timers, and ranges over a map.
package dep

import (
	"sort"
	"sync"
	"time"
)

// Eventually reports whether cond returns true within waitFor, checking it
// every tick in a goroutine of its own.
func Eventually(cond func() bool, waitFor, tick time.Duration) bool {
	ch := make(chan bool, 1)
	timer := time.NewTimer(waitFor)
	defer timer.Stop()
	ticker := time.NewTicker(tick)
	defer ticker.Stop()
	for tick := ticker.C; ; {
		select {
		case <-timer.C:
			return false
		case <-tick:
			tick = nil
			go func() { ch <- cond() }()
		case v := <-ch:
			if v {
				return true
			}
			tick = ticker.C
		}
	}
}

// Job is a unit of work for Pool.
type Job struct{ ID int }

// Pool runs jobs on n workers and returns the order in which workers
// finished them, and the jobs each worker ran, listed by ranging over a
// map keyed by pointers.
func Pool(n int, jobs []*Job, work func(*Job)) (order []int, perWorker []int) {
	in := make(chan *Job)
	var mu sync.Mutex
	byJob := map[*Job]int{}
	var wg sync.WaitGroup
	for w := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range in {
				work(j)
				mu.Lock()
				order = append(order, j.ID)
				byJob[j] = w
				mu.Unlock()
			}
		}()
	}
	for _, j := range jobs {
		in <- j
	}
	close(in)
	wg.Wait()
	counts := make([]int, n)
	for _, w := range byJob {
		counts[w]++
	}
	for j := range byJob { // the order of a pointer-keyed map
		perWorker = append(perWorker, j.ID)
	}
	sort.Ints(counts)
	return order, perWorker
}
