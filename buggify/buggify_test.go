package buggify_test

import (
	"strings"
	"testing"

	"github.com/marionette-dst/marionette/buggify"
	"github.com/marionette-dst/marionette/runtime"
)

// program evaluates three buggify sites 50 times each and counts firings.
func program(fired map[string]int) func() {
	return func() {
		for i := 0; i < 50; i++ {
			if buggify.Enabled() {
				fired["a"]++
			}
			if buggify.Enabled() {
				fired["b"]++
			}
			if buggify.Weighted(0) {
				fired["never"]++
			}
			runtime.Gosched()
		}
	}
}

func runSeed(t *testing.T, o runtime.Options) (active []string, fired map[string]int, events []runtime.TraceEvent) {
	t.Helper()
	fired = map[string]int{}
	w := runtime.NewWorld(o)
	w.RecordAll()
	r := w.Run(program(fired))
	if r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
	return w.BuggifyActive(), fired, w.Events()
}

func TestActivationPerSeed(t *testing.T) {
	patterns := map[string]bool{}
	for seed := uint64(1); seed <= 16; seed++ {
		o, _ := runtime.Expand(seed, runtime.Smoke)
		o.Buggify = runtime.BuggifyOptions{Activate: 0.5, Fire: 0.25}
		a1, f1, ev1 := runSeed(t, o)
		a2, f2, _ := runSeed(t, o)
		if strings.Join(a1, ",") != strings.Join(a2, ",") || f1["a"] != f2["a"] || f1["b"] != f2["b"] {
			t.Fatalf("seed %d: same seed, different buggify: %v %v / %v %v", seed, a1, f1, a2, f2)
		}
		for _, s := range a1 {
			if !strings.HasPrefix(s, "buggify/buggify_test.go:") {
				t.Fatalf("site key %q is not dir/file:line", s)
			}
		}
		if f1["never"] != 0 {
			t.Fatalf("a site with weight 0 fired")
		}
		// Activations and firings are in the trace.
		acts, fires := 0, 0
		for _, e := range ev1 {
			switch e.Kind {
			case "buggify.activate":
				acts++
			case "buggify.fire":
				fires++
			}
		}
		if acts != len(a1) || fires != f1["a"]+f1["b"] {
			t.Fatalf("trace has %d activations and %d firings; active %v fired %v", acts, fires, a1, f1)
		}
		// An active site fires at about the fire probability; an inactive never.
		n := 0
		for _, s := range a1 {
			if strings.HasSuffix(s, ":15") {
				n = f1["a"]
			}
		}
		if n > 30 {
			t.Fatalf("site a fired %d of 50 times at p=0.25", n)
		}
		patterns[strings.Join(a1, ",")] = true
	}
	// Two sites plus the weight-0 one: activation varies across seeds.
	if len(patterns) < 4 {
		t.Fatalf("activation patterns across 16 seeds: %v", patterns)
	}
}

func TestOffInPerformanceAndNatively(t *testing.T) {
	o, _ := runtime.Expand(1, runtime.Performance)
	active, fired, _ := runSeed(t, o)
	if len(active) != 0 || len(fired) != 0 {
		t.Fatalf("performance profile: active %v fired %v", active, fired)
	}
	for i := 0; i < 100; i++ {
		if buggify.Enabled() || buggify.Weighted(100) {
			t.Fatal("buggify fired outside a simulation")
		}
	}
}

func TestWeightRaisesFiring(t *testing.T) {
	o, _ := runtime.Expand(1, runtime.Smoke)
	o.Buggify = runtime.BuggifyOptions{Activate: 1, Fire: 0.05}
	count := func(weight float64) int {
		n := 0
		w := runtime.NewWorld(o)
		w.Run(func() {
			for i := 0; i < 400; i++ {
				if buggify.Weighted(weight) {
					n++
				}
			}
		})
		return n
	}
	low, high := count(1), count(10)
	if low > 45 || high < 140 || high > 260 {
		t.Fatalf("fired %d times at weight 1 and %d at weight 10 (400 tries, p=0.05)", low, high)
	}
}

func BenchmarkEnabledNative(b *testing.B) {
	for i := 0; i < b.N; i++ {
		buggify.Enabled()
	}
}
