package runtime

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A channel closed by code that is not rewritten (a native close, as std
// context does) still wakes simulated waiters, deterministically.
func TestNativeCloseWakesWaiters(t *testing.T) {
	run := func() *Result {
		return NewWorld(opts(9)).Run(func() {
			done := make(chan struct{})
			woke := 0
			for i := 0; i < 3; i++ {
				Go(func() {
					Recv(done)
					woke++
				})
			}
			Current().Sleep(time.Millisecond)
			close(done) // native close, invisible to the world's queues
			Current().Sleep(time.Millisecond)
			if woke != 3 {
				panic("waiters did not wake")
			}
		})
	}
	r1, r2 := run(), run()
	if r1.Failure != nil {
		t.Fatal(r1.Failure.Report())
	}
	if r1.Hash != r2.Hash {
		t.Fatal("nondeterministic")
	}
}

func TestForeignGoroutineFails(t *testing.T) {
	r := NewWorld(opts(1)).Run(func() {
		go func() { Gosched() }() // a native goroutine calling into the simulation
		for i := 0; i < 1000; i++ {
			Current().Sleep(time.Millisecond)
			time.Sleep(10 * time.Microsecond) // give the native goroutine real time to run
		}
	})
	if r.Failure == nil || r.Failure.Kind != KindForeign || !strings.Contains(r.Failure.Report(), "boundary_test.go") {
		t.Fatalf("want a foreign failure naming the call site, got %v", r.Failure)
	}
}

func TestTraceFile(t *testing.T) {
	dir := t.TempDir()
	var r *Result
	for _, name := range []string{"a", "b"} {
		t.Setenv(EnvTrace, filepath.Join(dir, name))
		w := NewWorld(opts(4))
		w.SetName("traced")
		r = w.Run(func() {
			c := make(chan int, 1)
			Go(func() { Send(c, 1) })
			Recv(c)
			Current().Sleep(time.Second)
		})
	}
	a, _ := os.ReadFile(filepath.Join(dir, "a"))
	b, _ := os.ReadFile(filepath.Join(dir, "b"))
	if len(a) == 0 || string(a) != string(b) {
		t.Fatalf("traces of the same seed differ:\n%s\n%s", a, b)
	}
	path := filepath.Join(dir, "a")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if int64(len(lines)) != r.Events+2 {
		t.Fatalf("%d lines for %d events", len(lines), r.Events)
	}
	var ev TraceEvent
	if err := json.Unmarshal([]byte(lines[1]), &ev); err != nil || ev.Kind != "node.new" || ev.N != 1 {
		t.Fatalf("first event %q: %v", lines[1], err)
	}
	if !strings.Contains(lines[len(lines)-1], "hash") || !strings.Contains(lines[0], `"run":"traced"`) {
		t.Fatalf("bad header or summary: %s / %s", lines[0], lines[len(lines)-1])
	}
}

func TestReadTrace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.jsonl")
	t.Setenv(EnvTrace, path)
	var results []*Result
	for i, seed := range []uint64{1, 2} {
		w := NewWorld(opts(seed))
		w.SetName(fmt.Sprint("run", i))
		results = append(results, w.Run(program(new([]string)))) // two runs appended to one file
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	runs, err := ReadTrace(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[1].Name != "run1" || runs[1].Seed != 2 || int64(len(runs[0].Events)) != results[0].Events ||
		runs[0].Hash != fmt.Sprintf("%016x", results[0].Hash) || runs[0].Result != "ok" {
		t.Fatalf("bad runs: %+v", runs)
	}
	if i, _, _ := FirstDivergence(runs[0].Events, runs[1].Events); i < 0 {
		t.Fatal("different seeds, no divergence")
	}
}
