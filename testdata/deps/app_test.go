package app

import (
	"fmt"
	"testing"
	"time"

	"example.com/dep"
)

func TestEventually(t *testing.T) {
	start := time.Now()
	if !WaitReady(50 * time.Millisecond) {
		t.Fatal("never ready")
	}
	if el := time.Since(start); el < 50*time.Millisecond || el > 200*time.Millisecond {
		t.Fatalf("ready after %v", el)
	}
}

func TestPool(t *testing.T) {
	jobs := make([]*dep.Job, 6)
	for i := range jobs {
		jobs[i] = &dep.Job{ID: i}
	}
	order, perWorker := dep.Pool(3, jobs, func(j *dep.Job) { time.Sleep(time.Duration(6-j.ID) * time.Millisecond) })
	if len(order) != 6 || len(perWorker) != 6 {
		t.Fatalf("order %v, per worker %v", order, perWorker)
	}
	t.Log(fmt.Sprint("finish order ", order, ", map order ", perWorker))
}
