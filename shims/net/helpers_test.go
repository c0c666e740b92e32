package net_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	stdtime "time"

	"github.com/marionette-dst/marionette/runtime"
	"github.com/marionette-dst/marionette/shims/net"
)

// The parity tests are written as the rewriter's output would be: go
// statements and channel operations go through the runtime, so the same
// scenario runs natively on real loopback sockets (the shim forwards to
// std, the runtime calls are plain Go) and under simulation, and both runs
// must log the same lines. Tests in this package do not call t.Parallel: a
// native scenario calling into the runtime while a world runs would be a
// foreign goroutine.

// u is the unit of time scenarios wait in: long enough for loopback to
// settle natively, a few simulated round trips.
const u = 50 * stdtime.Millisecond

type logger struct {
	mu    sync.Mutex
	lines []string
}

func (l *logger) printf(format string, args ...any) {
	l.mu.Lock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
	l.mu.Unlock()
}

// quiet returns the smoke option set of a seed with every network fault
// turned off: the parity suite compares against a loopback that loses
// nothing.
func quiet(seed uint64) runtime.Options {
	o, err := runtime.Expand(seed, runtime.Smoke)
	if err != nil {
		panic(err)
	}
	o.Network.LossProbability = 0
	o.Network.ReplayProbability = 0
	o.Network.ClogProbability = 0
	return o
}

func expand(seed uint64, p runtime.Profile) runtime.Options {
	o, err := runtime.Expand(seed, p)
	if err != nil {
		panic(err)
	}
	return o
}

// simulate runs main as the root goroutine of a fresh world.
func simulate(t testing.TB, o runtime.Options, main func()) *runtime.Result {
	t.Helper()
	r := runtime.NewWorld(o).Run(main)
	if r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
	return r
}

// both runs scenario under simulation with a few seeds, which must all log
// the same lines, and natively on loopback, which must log them too. A
// native run is tried up to three times: on a loaded machine real timing
// can exceed a unit.
func both(t *testing.T, scenario func(log func(format string, args ...any))) {
	t.Helper()
	var want string
	for seed := uint64(1); seed <= 3; seed++ {
		var sim logger
		simulate(t, quiet(seed), func() { scenario(sim.printf) })
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

var portRE = regexp.MustCompile(`:\d+`)

// describe renders an error portably: its message with port numbers
// replaced, and what programs check about it.
func describe(err error) string {
	if err == nil {
		return "<nil>"
	}
	msg := portRE.ReplaceAllString(err.Error(), ":P")
	var marks []string
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		marks = append(marks, "timeout")
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		marks = append(marks, "op="+oe.Op)
	}
	for _, e := range []struct {
		err  error
		name string
	}{
		{io.EOF, "EOF"}, {net.ErrClosed, "ErrClosed"}, {os.ErrDeadlineExceeded, "deadline"},
		{syscall.ECONNREFUSED, "ECONNREFUSED"}, {syscall.ECONNRESET, "ECONNRESET"},
		{syscall.EPIPE, "EPIPE"}, {syscall.EADDRINUSE, "EADDRINUSE"}, {syscall.EMSGSIZE, "EMSGSIZE"},
		{syscall.ETIMEDOUT, "ETIMEDOUT"}, {syscall.EHOSTUNREACH, "EHOSTUNREACH"},
		{net.ErrWriteToConnected, "ErrWriteToConnected"}, {io.ErrClosedPipe, "ErrClosedPipe"},
	} {
		if errors.Is(err, e.err) {
			marks = append(marks, e.name)
		}
	}
	var se *os.SyscallError
	if errors.As(err, &se) {
		marks = append(marks, "syscall="+se.Syscall)
	}
	return fmt.Sprintf("%s [%s]", msg, strings.Join(marks, " "))
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
