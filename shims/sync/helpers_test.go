package sync_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/marionette-dst/marionette/runtime"
	"github.com/marionette-dst/marionette/shims/sync"
)

// A behaviour test body runs twice: natively (plain goroutines, real time)
// and as goroutine 1 of a simulated world. Test code is not rewritten, so it
// starts goroutines with runtime.Go and sleeps with sleep, which do the
// right thing in each mode.
func both(t *testing.T, body func(t *testing.T)) {
	t.Helper()
	t.Run("native", body)
	t.Run("sim", func(t *testing.T) {
		r := simRun(1, runtime.Smoke, func() { body(t) })
		if r.Failure != nil {
			t.Fatal(r.Failure.Report())
		}
	})
}

func simRun(seed uint64, p runtime.Profile, body func()) *runtime.Result {
	o, err := runtime.Expand(seed, p)
	if err != nil {
		panic(err)
	}
	return runtime.NewWorld(o).Run(body)
}

func sleep(d time.Duration) {
	if g := runtime.Current(); g != nil {
		g.Sleep(d)
		return
	}
	time.Sleep(d)
}

// panicText runs f and returns what it panicked with, "" if it did not.
func panicText(f func()) (s string) {
	defer func() {
		if r := recover(); r != nil {
			s = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}

func wantPanic(t *testing.T, want string, f func()) {
	t.Helper()
	if got := panicText(f); !strings.Contains(got, want) || got == "" {
		t.Errorf("panic %q, want %q", got, want)
	}
}

// logBook is an append-only record of observations. Under simulation only
// one goroutine runs at a time; natively it is guarded.
type logBook struct {
	mu    chanMutex
	lines []string
}

func (l *logBook) add(format string, args ...any) {
	l.mu.lock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
	l.mu.unlock()
}

func (l *logBook) String() string { return strings.Join(l.lines, " ") }

// chanMutex is a lock that is not the one under test: a simulated goroutine
// never blocks on it (only one runs at a time), and natively it is a channel.
type chanMutex struct{ c chan struct{} }

func (m *chanMutex) lock() {
	if runtime.Current() != nil {
		return
	}
	if m.c == nil {
		panic("chanMutex not initialised")
	}
	m.c <- struct{}{}
}

func (m *chanMutex) unlock() {
	if runtime.Current() != nil {
		return
	}
	<-m.c
}

func newLog() *logBook { return &logBook{mu: chanMutex{c: make(chan struct{}, 1)}} }

// copyCond copies a Cond byte for byte, as a careless assignment would
// (written with unsafe so that vet does not flag the test itself).
func copyCond(dst, src *sync.Cond) {
	n := unsafe.Sizeof(*src)
	copy(unsafe.Slice((*byte)(unsafe.Pointer(dst)), n), unsafe.Slice((*byte)(unsafe.Pointer(src)), n))
}
