package runtime

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func opts(seed uint64) Options {
	o, err := Expand(seed, Smoke)
	if err != nil {
		panic(err)
	}
	return o
}

// program exercises goroutines, buffered and unbuffered channels, select and
// sleeps, and returns what it observed.
func program(out *[]string) func() {
	return func() {
		g := Current()
		results := make(chan string)
		buf := make(chan int, 2)
		done := make(chan struct{})
		for i := 0; i < 4; i++ {
			i := i
			Go(func() {
				Current().Sleep(time.Duration(i%2) * time.Millisecond)
				Send(results, fmt.Sprintf("w%d", i))
			})
		}
		Go(func() {
			for v := range Range(buf) {
				Send(results, fmt.Sprintf("b%d", v))
			}
			Close(done)
		})
		Send(buf, 1)
		Send(buf, 2)
		Send(buf, 3)
		Close(buf)
		for n := 0; n < 7; {
			a, b := RecvCase(results), RecvCase(done)
			switch Select(false, a, b) {
			case 0:
				*out = append(*out, a.V)
				n++
			case 1:
				*out = append(*out, "done")
				done = nil
			}
		}
		g.Sleep(time.Second)
		*out = append(*out, g.World().Now().String())
	}
}

func TestSameSeedSameTrace(t *testing.T) {
	var o1, o2 []string
	r1 := NewWorld(opts(7)).Run(program(&o1))
	r2 := NewWorld(opts(7)).Run(program(&o2))
	if r1.Failure != nil {
		t.Fatal(r1.Failure.Report())
	}
	if r1.Hash != r2.Hash || strings.Join(o1, ",") != strings.Join(o2, ",") {
		t.Fatalf("same seed differs:\n%v %x\n%v %x", o1, r1.Hash, o2, r2.Hash)
	}
	if len(o1) != 9 || o1[len(o1)-1] != "1.001s" {
		t.Fatalf("unexpected observations %v", o1)
	}
	t.Log(r1.Summary())
}

func TestDifferentSeedsDifferentInterleavings(t *testing.T) {
	seen := map[string]bool{}
	hashes := map[uint64]bool{}
	for seed := uint64(1); seed <= 20; seed++ {
		var o []string
		r := NewWorld(opts(seed)).Run(program(&o))
		if r.Failure != nil {
			t.Fatal(r.Failure.Report())
		}
		seen[strings.Join(o, ",")] = true
		hashes[r.Hash] = true
	}
	if len(seen) < 5 || len(hashes) < 5 {
		t.Fatalf("20 seeds gave only %d orders and %d hashes", len(seen), len(hashes))
	}
}

func TestDeadlockReport(t *testing.T) {
	r := NewWorld(opts(1)).Run(func() {
		c := make(chan int)
		Go(func() { Recv(c) })
		Recv(c)
	})
	f := r.Failure
	if f == nil || f.Kind != KindDeadlock {
		t.Fatalf("want deadlock, got %v", f)
	}
	rep := f.Report()
	for _, want := range []string{"chan receive", "world_test.go", "goroutine 1", "goroutine 2", "seed: 1"} {
		if !strings.Contains(rep, want) {
			t.Errorf("report lacks %q:\n%s", want, rep)
		}
	}
}

func TestPanicReport(t *testing.T) {
	r := NewWorld(opts(1)).Run(func() {
		Go(func() { panic("boom") })
		Current().Sleep(time.Second)
	})
	if r.Failure == nil || r.Failure.Kind != KindPanic || !strings.Contains(r.Failure.Report(), "boom") ||
		!strings.Contains(r.Failure.Report(), "world_test.go") {
		t.Fatalf("bad panic failure: %v", r.Failure)
	}
}

func TestLongSleepIsFast(t *testing.T) {
	start := time.Now()
	r := NewWorld(opts(1)).Run(func() {
		g := Current()
		for i := 0; i < 24*60; i++ {
			g.Sleep(time.Minute)
		}
	})
	if r.Failure != nil || r.SimElapsed != 24*time.Hour {
		t.Fatalf("%v %v", r.Failure, r.SimElapsed)
	}
	if el := time.Since(start); el > time.Second {
		t.Fatalf("24h of sleeps took %v", el)
	}
}
