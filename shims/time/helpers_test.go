package time_test

import (
	"testing"
	stdtime "time"

	"github.com/marionette-dst/marionette/internal/parity"
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

// smoke, simulate and both are the shared parity harness
// (internal/parity) at this package's test epoch.
func smoke(seed uint64) runtime.Options { return parity.Smoke(seed, testEpoch) }

func simulate(t *testing.T, seed uint64, main func()) *runtime.Result {
	t.Helper()
	return parity.Simulate(t, smoke(seed), main)
}

func both(t *testing.T, scenario func(log func(format string, args ...any))) {
	t.Helper()
	parity.Both(t, testEpoch, scenario)
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
