// Package pipeline is a sample user package built from goroutines,
// channels, select and mutexes.
package pipeline

import (
	"sort"
	"sync"
)

// Squares squares xs with n workers and returns the results sorted.
func Squares(xs []int, n int) []int {
	jobs := make(chan int)
	results := make(chan int)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for x := range jobs {
				results <- x * x
			}
		}()
	}
	go func() {
		for _, x := range xs {
			jobs <- x
		}
		close(jobs)
	}()
	go func() {
		wg.Wait()
		close(results)
	}()
	var out []int
	for r := range results {
		out = append(out, r)
	}
	sort.Ints(out)
	return out
}

// Counter counts events by name, safely for concurrent use.
type Counter struct {
	mu sync.Mutex
	m  map[string]int
}

// Inc counts one event.
func (c *Counter) Inc(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]int{}
	}
	c.m[name]++
}

// Total sums all counts.
func (c *Counter) Total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := 0
	for _, v := range c.m {
		t += v
	}
	return t
}

// First returns the first value received from any of cs, and its index.
func First(cs ...chan int) (int, int) {
	for {
		for i, c := range cs {
			select {
			case v := <-c:
				return v, i
			default:
			}
		}
		select {
		case v := <-cs[0]:
			return v, 0
		case v := <-cs[len(cs)-1]:
			return v, len(cs) - 1
		}
	}
}
