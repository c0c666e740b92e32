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

func TestLimits(t *testing.T) {
	o := opts(1)
	o.Limits.SimTime = time.Hour
	r := NewWorld(o).Run(func() { Current().Sleep(2 * time.Hour) })
	if r.Failure == nil || r.Failure.Kind != KindLimit || !strings.Contains(r.Failure.Message, "sim_time") {
		t.Fatalf("sim time: %v", r.Failure)
	}
	o = opts(1)
	o.Limits.Events = 100
	r = NewWorld(o).Run(func() {
		for {
			Current().Yield()
		}
	})
	if r.Failure == nil || r.Failure.Kind != KindLimit || !strings.Contains(r.Failure.Message, "limits.events") {
		t.Fatalf("events: %v", r.Failure)
	}
	o = opts(1)
	o.Limits.Goroutines = 10
	r = NewWorld(o).Run(func() {
		for i := 0; i < 20; i++ {
			Go(func() { Select(false) })
		}
		Current().Sleep(time.Second)
	})
	if r.Failure == nil || r.Failure.Kind != KindLimit || !strings.Contains(r.Failure.Message, "limits.goroutines") {
		t.Fatalf("goroutines: %v", r.Failure)
	}
}

func TestSeedsAndOptions(t *testing.T) {
	s, err := ParseSeed("0123456789abcdef0123456789abcdef01234567")
	if err != nil || s != 0x0123456789abcdef {
		t.Fatalf("git seed: %x %v", s, err)
	}
	if _, err := ParseSeed("12x"); err == nil {
		t.Fatal("bad seed accepted")
	}
	for _, p := range []Profile{Smoke, Swarm, Performance} {
		o, err := Expand(99, p)
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseOptions(o.JSON())
		if err != nil || back.JSON() != o.JSON() || back.Text() != o.Text() {
			t.Fatalf("%s: options do not round-trip: %v\n%s\n%s", p, err, o.JSON(), back.JSON())
		}
	}
	varied := map[string]bool{}
	for seed := uint64(0); seed < 40; seed++ {
		o, _ := Expand(seed, Swarm)
		varied[o.Text()] = true
	}
	if len(varied) < 4 {
		t.Fatalf("swarm gave only %d option sets over 40 seeds", len(varied))
	}
	if _, err := Expand(1, Replay); err == nil {
		t.Fatal("replay without options accepted")
	}
}

func TestCheckDeterminism(t *testing.T) {
	var sink []string
	if err := CheckDeterminism(opts(3), program(&sink)); err != nil {
		t.Fatal(err)
	}
	// A program whose schedule depends on something outside the seed.
	flip := 0
	err := CheckDeterminism(opts(3), func() {
		flip++
		if flip == 2 {
			Current().Yield()
		}
		Current().Sleep(time.Second)
	})
	if err == nil || !strings.Contains(err.Error(), "first divergence at event") {
		t.Fatalf("nondeterminism not reported: %v", err)
	}
}

func TestMapRangeDeterministic(t *testing.T) {
	run := func(seed uint64) (order string) {
		NewWorld(opts(seed)).Run(func() {
			m := map[string]int{}
			for i := 0; i < 20; i++ {
				m[fmt.Sprint("k", i)] = i
			}
			gone := map[string]bool{}
			for k, v := range MapRange(m) {
				if gone[k] {
					t.Errorf("key %s produced after it was deleted", k)
				}
				if v%3 == 0 {
					d := fmt.Sprint("k", v+1)
					delete(m, d) // deleted before reached: must not appear
					gone[d] = true
				}
				order += k + ","
			}
		})
		return order
	}
	if run(5) != run(5) {
		t.Fatal("same seed, different map order")
	}
	if run(5) == run(6) && run(6) == run(7) {
		t.Fatal("map order does not depend on the seed")
	}
}

// Goroutines unwound at the end of a run leave their channel queues: a
// deferred close during teardown must not wake them.
func TestTeardownCloseDoesNotWakeUnwound(t *testing.T) {
	r := NewWorld(opts(1)).Run(func() {
		c := make(chan int)
		Go(func() { Recv(c) }) // parked when the run ends
		Go(func() {
			defer Close(c) // runs during teardown, after the receiver was unwound
			Select(false)
		})
		Current().Sleep(time.Second)
	})
	if r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
}
