package assert_test

import (
	"strings"
	"testing"
	"time"

	"github.com/marionette-dst/marionette/assert"
	"github.com/marionette-dst/marionette/runtime"
)

func run(t *testing.T, seed uint64, body func()) (*runtime.World, *runtime.Result) {
	t.Helper()
	o, err := runtime.Expand(seed, runtime.Smoke)
	if err != nil {
		t.Fatal(err)
	}
	w := runtime.NewWorld(o)
	w.SetName(t.Name())
	return w, w.Run(body)
}

func stat(w *runtime.World, kind runtime.AssertKind, msg string) (runtime.AssertionStat, bool) {
	for _, s := range w.Assertions() {
		if s.Kind == kind && s.Message == msg {
			return s, true
		}
	}
	return runtime.AssertionStat{}, false
}

func TestAlwaysFailsTheRun(t *testing.T) {
	after := false
	_, r := run(t, 1, func() {
		for i := 0; i < 3; i++ {
			assert.Always(i < 2, "i stays below 2", map[string]any{"i": i})
			runtime.Current().Sleep(time.Second)
		}
		after = true
	})
	f := r.Failure
	if f == nil || f.Kind != runtime.KindCheck || f.Assertion != "i stays below 2" {
		t.Fatalf("want a check failure naming the assertion, got %+v", f)
	}
	if f.SimTime != 2*time.Second || after {
		t.Fatalf("failed at %v (after=%v), want at the third evaluation, 2s", f.SimTime, after)
	}
	rep := f.Report()
	for _, want := range []string{`assertion failed: always "i stays below 2" at assert/assert_test.go:`, `details: {"i":2}`,
		`assertion: "i stays below 2"`, "TestAlwaysFailsTheRun"} {
		if !strings.Contains(rep, want) {
			t.Errorf("report lacks %q:\n%s", want, rep)
		}
	}
}

func TestUnreachableReachedFailsTheRun(t *testing.T) {
	_, r := run(t, 1, func() {
		c := make(chan int, 1)
		runtime.Send(c, 1)
		if runtime.Recv(c) == 1 {
			assert.Unreachable("a value came back", nil)
		}
	})
	if f := r.Failure; f == nil || f.Kind != runtime.KindCheck || !strings.Contains(f.Message, `assertion reached: unreachable "a value came back"`) {
		t.Fatalf("want the unreachable assertion to fail the run, got %+v", f)
	}
}

func TestSometimesAndReachableCounted(t *testing.T) {
	w, r := run(t, 1, func() {
		for i := 0; i < 10; i++ {
			assert.Sometimes(i == 7, "i reaches 7", nil)
			assert.Sometimes(i > 100, "i exceeds 100", nil)
			assert.AlwaysOrUnreachable(i >= 0, "i is not negative", nil)
			if i < 0 {
				assert.Reachable("negative i", nil)
			}
		}
		assert.Reachable("loop done", nil)
	})
	if r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
	if s, _ := stat(w, runtime.AssertSometimes, "i reaches 7"); s.Reached != 10 || s.Satisfied != 1 || !s.Met() {
		t.Fatalf("sometimes stat %+v", s)
	}
	if s, _ := stat(w, runtime.AssertReachable, "loop done"); s.Reached != 1 || !s.Met() || !strings.HasPrefix(s.Pos, "assert/assert_test.go:") {
		t.Fatalf("reachable stat %+v", s)
	}
	unmet := runtime.Unmet(w.Assertions())
	var names []string
	for _, s := range unmet {
		names = append(names, s.Describe())
	}
	got := strings.Join(names, "; ")
	// "negative i" was never executed, so only the catalog could know it: see
	// TestCatalogReportsUnexecutedSites.
	if !strings.Contains(got, `sometimes "i exceeds 100"`) || strings.Contains(got, "i reaches 7") || strings.Contains(got, "not negative") {
		t.Fatalf("unmet assertions: %s", got)
	}
}

func TestCatalogReportsUnexecutedSites(t *testing.T) {
	// What the generated zz_mgen_assertions.go of a package does at init.
	assert.Site("reachable", "leader steps down", "raft/node.go:88")
	assert.Site("unreachable", "two leaders", "raft/node.go:99")
	w, r := run(t, 1, func() {})
	if r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
	s, ok := stat(w, runtime.AssertReachable, "leader steps down")
	if !ok || s.Reached != 0 || s.Met() || s.Pos != "raft/node.go:88" {
		t.Fatalf("catalogued reachable: %+v %v", s, ok)
	}
	if s, _ := stat(w, runtime.AssertUnreachable, "two leaders"); !s.Met() {
		t.Fatalf("an unreached Unreachable is met: %+v", s)
	}
	line := runtime.AssertionsLine{Run: "TestX", Seed: 3, Assertions: w.Assertions()}.String()
	back, ok := runtime.ParseAssertionsLine(line)
	if !ok || back.Run != "TestX" || len(back.Assertions) != len(w.Assertions()) {
		t.Fatalf("line does not round-trip: %s", line)
	}
}

func TestOutsideSimulationDoesNothing(t *testing.T) {
	assert.Always(false, "native always", nil)
	assert.Unreachable("native unreachable", nil)
	assert.Sometimes(true, "native sometimes", nil)
	assert.Reachable("native reachable", nil)
	assert.AlwaysOrUnreachable(false, "native aou", nil)
	w, _ := run(t, 1, func() {})
	for _, s := range w.Assertions() {
		if strings.HasPrefix(s.Message, "native") {
			t.Fatalf("a native assertion was recorded: %+v", s)
		}
	}
}

func BenchmarkAlwaysNative(b *testing.B) {
	for i := 0; i < b.N; i++ {
		assert.Always(true, "native", nil)
	}
}
