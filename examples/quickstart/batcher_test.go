package quickstart

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"
)

func TestBatcherFlushesWhenFull(t *testing.T) {
	var mu sync.Mutex
	var got [][]string
	b := &Batcher{MaxItems: 3, Interval: time.Hour, Flush: func(batch []string) {
		mu.Lock()
		got = append(got, batch)
		mu.Unlock()
	}}
	b.Start()
	for _, s := range []string{"a", "b", "c", "d"} {
		b.Add(s)
	}
	b.Close()
	want := [][]string{{"a", "b", "c"}, {"d"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("batches %v, want %v", got, want)
	}
}

func TestBatcherFlushesOnInterval(t *testing.T) {
	flushed := make(chan []string, 10)
	b := &Batcher{MaxItems: 100, Interval: 2 * time.Second, Flush: func(batch []string) { flushed <- batch }}
	b.Start()
	defer b.Close()
	start := time.Now()
	b.Add("x")
	b.Add("y")
	batch := <-flushed
	if waited := time.Since(start); waited < 2*time.Second || waited > 3*time.Second {
		t.Fatalf("flushed after %v, want about 2s", waited)
	}
	if !reflect.DeepEqual(batch, []string{"x", "y"}) {
		t.Fatalf("batch %v", batch)
	}
}

func TestPoolTimesOutSlowJobs(t *testing.T) {
	p := &Pool{Workers: 3, Timeout: 5 * time.Second}
	jobs := map[string]func(context.Context) error{}
	for _, name := range []string{"fast", "slow", "medium", "glacial"} {
		d := map[string]time.Duration{"fast": time.Second, "medium": 4 * time.Second, "slow": 6 * time.Second, "glacial": time.Hour}[name]
		jobs[name] = func(ctx context.Context) error { return Sleep(ctx, d) }
	}
	start := time.Now()
	failed := p.Run(context.Background(), jobs)
	if want := []string{"glacial", "slow"}; !reflect.DeepEqual(failed, want) {
		t.Fatalf("failed jobs %v, want %v", failed, want)
	}
	if el := time.Since(start); el > 15*time.Second {
		t.Fatalf("pool took %v", el)
	}
}
