// Package parity runs a shim's behaviour scenario natively and under
// simulation and requires the same observations, the check every shim gets
// against the real thing. Scenarios are written as the rewriter's output
// would be (channel operations and go statements through the runtime), so
// the same function runs natively (shims forward to std, runtime calls are
// plain Go) and simulated.
//
// Native runs use real time: scenarios log durations in whole units,
// rounded down (a real timer fires late, never early), and keep events at
// least one unit apart. Tests using it must not call t.Parallel: a native
// scenario calling into the runtime while a world runs would be a foreign
// goroutine.
package parity

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/marionette-dst/marionette/runtime"
)

// Logger collects a scenario's observations.
type Logger struct {
	mu    sync.Mutex
	lines []string
}

// Printf records one observation.
func (l *Logger) Printf(format string, args ...any) {
	l.mu.Lock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
	l.mu.Unlock()
}

// String returns the observations, one per line.
func (l *Logger) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// Smoke returns the smoke option set of seed starting at epoch.
func Smoke(seed uint64, epoch time.Time) runtime.Options {
	o, err := runtime.Expand(seed, runtime.Smoke)
	if err != nil {
		panic(err)
	}
	o.Epoch = epoch
	return o
}

// Simulate runs main as the root goroutine of a fresh world and fails the
// test on a run failure.
func Simulate(t testing.TB, o runtime.Options, main func()) *runtime.Result {
	t.Helper()
	r := runtime.NewWorld(o).Run(main)
	if r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
	return r
}

// Both runs scenario under simulation with seeds 1 to 3, which must all log
// the same lines, and natively, which must log them too. A native run is
// tried up to three times: on a loaded machine a real timer can fire more
// than a unit late.
func Both(t testing.TB, epoch time.Time, scenario func(log func(format string, args ...any))) {
	t.Helper()
	var want string
	for seed := uint64(1); seed <= 3; seed++ {
		var sim Logger
		Simulate(t, Smoke(seed, epoch), func() { scenario(sim.Printf) })
		got := sim.String()
		if seed > 1 && got != want {
			t.Fatalf("seeds 1 and %d log differently\nseed 1:\n%s\n\nseed %d:\n%s", seed, want, seed, got)
		}
		want = got
	}
	var native string
	for try := 1; try <= 3; try++ {
		var l Logger
		scenario(l.Printf)
		native = l.String()
		if native == want {
			t.Logf("native and simulated runs agree:\n%s", want)
			return
		}
		t.Logf("native try %d differs:\n%s", try, native)
	}
	t.Fatalf("native and simulated runs differ\nnative:\n%s\n\nsimulated:\n%s", native, want)
}
