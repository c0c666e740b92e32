package time_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	stdtime "time"

	"github.com/marionette-dst/marionette/runtime"
	"github.com/marionette-dst/marionette/shims/time"
)

// The tests here are written as the rewriter's output would be: channel
// operations and go statements go through the runtime, so the same scenario
// runs natively (the shim forwards to std, the runtime calls are plain Go)
// and under simulation, and both runs must log the same lines.
//
// Native runs use real time, so scenarios log durations in whole units of
// u, rounded down (a real timer fires late, never early), and keep events
// at least one unit apart. Tests in this package must not call t.Parallel:
// a native scenario calling into the runtime while a world runs would be a
// foreign goroutine.

const u = 25 * stdtime.Millisecond

type logger struct {
	mu    sync.Mutex
	lines []string
}

func (l *logger) printf(format string, args ...any) {
	l.mu.Lock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
	l.mu.Unlock()
}

func smoke(seed uint64) runtime.Options {
	o, err := runtime.Expand(seed, runtime.Smoke)
	if err != nil {
		panic(err)
	}
	o.Epoch = testEpoch // the expected strings are written for this epoch
	return o
}

// simulate runs main as the root goroutine of a fresh world.
func simulate(t *testing.T, seed uint64, main func()) *runtime.Result {
	t.Helper()
	r := runtime.NewWorld(smoke(seed)).Run(main)
	if r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
	return r
}

// both runs scenario under simulation with a few seeds, which must all log
// the same lines, and natively, which must log them too. A native run is
// tried up to three times: on a loaded machine a real timer can fire more
// than a unit late.
func both(t *testing.T, scenario func(log func(format string, args ...any))) {
	t.Helper()
	var want string
	for seed := uint64(1); seed <= 3; seed++ {
		var sim logger
		simulate(t, seed, func() { scenario(sim.printf) })
		got := strings.Join(sim.lines, "\n")
		if seed > 1 && got != want {
			t.Fatalf("seeds 1 and %d log differently\nseed 1:\n%s\n\nseed %d:\n%s", seed, want, seed, got)
		}
		want = got
	}
	var native string
	for try := 1; try <= 3; try++ {
		var l logger
		scenario(l.printf)
		native = strings.Join(l.lines, "\n")
		if native == want {
			t.Logf("native and simulated runs agree:\n%s", want)
			return
		}
		t.Logf("native try %d differs:\n%s", try, native)
	}
	t.Fatalf("native and simulated runs differ\nnative:\n%s\n\nsimulated:\n%s", native, want)
}

// units is d in whole units of u, rounded down.
func units(d time.Duration) int { return int(d / u) }

// poll receives from c without blocking.
func poll(c <-chan time.Time) string {
	r := runtime.RecvCase(c)
	if runtime.Select(true, r) == 0 {
		return "value"
	}
	return "none"
}

// panicOf returns what f panics with.
func panicOf(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

// testEpoch is the epoch these tests run at: their expected strings name it.
var testEpoch = stdtime.Date(2025, stdtime.January, 1, 0, 0, 0, 0, stdtime.UTC)
