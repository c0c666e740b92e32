package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/marionette-dst/marionette/internal/testmod"
)

// TestStdOverlay runs testdata/stdsync with the std overlay (the default),
// each seed twice for determinism. Its tests use the standard library the
// way real code does, and each was stuck or escaped to the real machine
// without the overlay:
//   - a TLS echo whose one tls.Conn is read and written by two goroutines
//     from the first byte (crypto/tls's own mutexes park in the simulator;
//     the certificate, made at simulated time, verifies against std's
//     clock, which is the simulated one);
//   - io.Pipe, net/rpc over net.Pipe, database/sql with a fake driver
//     (goroutines, channels and selects inside std, rewritten);
//   - an http.Server on net.Listen with the default client, Shutdown,
//     httptest.NewServer and HTTP/2 over TLS (std's net dials and listens on
//     the simulated network, net/http's goroutines are simulated).
//
// The handshake's randomness comes from the seed: the go test line that
// `mgen gen` prints replays a seed with the same keys, and another seed
// gives other keys.
func TestStdOverlay(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end: builds std with the overlay")
	}
	dir := testmod.Copy(t, "stdsync")
	stdout, stderr, err := mgen(t, dir, "test", "-std", "-runs", "3", "-check-determinism", ".")
	if err != nil {
		t.Fatalf("mgen test -std: %v\n%s", err, stderr)
	}
	if !strings.Contains(stdout+stderr, "3 passed, 0 failed") {
		t.Fatalf("mgen test -std:\n%s%s", stdout, stderr)
	}

	_, stderr, err = mgen(t, dir, "gen", "-std", ".")
	if err != nil {
		t.Fatalf("mgen gen -std: %v\n%s", err, stderr)
	}
	m := regexp.MustCompile(`\n  go test (-overlay=\S+) (-vet=off) (\S+)\n`).FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("mgen gen -std did not print the go test line:\n%s", stderr)
	}
	keys := regexp.MustCompile(`keying material [0-9a-f]+`)
	run := func(seed string) string {
		cmd := exec.Command("go", "test", "-count=1", "-v", "-run", "TLS", m[1], m[2], m[3])
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "MARIONETTE_SEED="+seed)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("seed %s: %v\n%s", seed, err, out)
		}
		k := keys.FindString(string(out))
		if k == "" {
			t.Fatalf("seed %s: no keying material in the output:\n%s", seed, out)
		}
		return k
	}
	a, b, c := run("1"), run("1"), run("2")
	if a != b {
		t.Errorf("seed 1 twice gave different TLS keys: %s, %s", a, b)
	}
	if a == c {
		t.Errorf("seeds 1 and 2 gave the same TLS keys: %s", a)
	}
}

// TestExamplesDoNotEscape runs the shipped examples with -std, where a real
// system call that changes the machine or opens a socket, made by simulated
// code anywhere (std and dependencies included), fails the run with kind
// escape (internal/overlay's TestEscapeFailsTheRun shows it does). Every
// seed passing means the examples' simulated code never reached the real
// disk or network.
func TestExamplesDoNotEscape(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end: builds std with the overlay")
	}
	// A tree of its own below the module (ignored by ./..., as _ext is),
	// removed afterwards.
	out := filepath.Join(repoRoot(), "_mgen_stdtest")
	t.Cleanup(func() { os.RemoveAll(out) })
	for _, pkg := range []string{"./examples/kvstore", "./examples/quickstart"} {
		stdout, stderr, err := mgen(t, repoRoot(), "test", "-std", "-runs", "5", "-o", out, pkg)
		if err != nil || !strings.Contains(stdout+stderr, "5 passed, 0 failed") {
			t.Fatalf("%s under -std: %v\n%s%s", pkg, err, stdout, stderr)
		}
	}
	dir := testmod.Copy(t, "wal")
	stdout, stderr, err := mgen(t, dir, "test", "-std", "-runs", "5", ".")
	if err != nil || !strings.Contains(stdout+stderr, "5 passed, 0 failed") {
		t.Fatalf("testdata/wal under -std: %v\n%s%s", err, stdout, stderr)
	}
}

// TestDependenciesRewrittenInPlace runs testdata/deps, whose tests call a
// dependency module (testdata/deps/dep, a replace) that starts goroutines,
// selects on channels and timers (a copy of testify's Eventually) and
// ranges over a pointer-keyed map. Without -include the overlay rewrites
// that module in place, keeping its import path: its goroutines are
// simulated (Eventually waits 50ms of simulated time), its map order comes
// from the seed, and every seed replays. Without the overlay its goroutines
// are foreign.
func TestDependenciesRewrittenInPlace(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end: builds std with the overlay")
	}
	dir := testmod.Copy(t, "deps")
	stdout, stderr, err := mgen(t, dir, "test", "-runs", "5", "-check-determinism", "-v", ".", "--", "-v")
	if err != nil || !strings.Contains(stdout+stderr, "5 passed, 0 failed") {
		t.Fatalf("mgen test: %v\n%s%s", err, stdout, stderr)
	}
	if !strings.Contains(stdout+stderr, "run=TestEventually seed=1 profile=smoke sim=50ms ") {
		t.Errorf("Eventually did not wait 50ms of simulated time:\n%s", stdout)
	}
	orders := map[string]bool{}
	for _, m := range regexp.MustCompile(`map order \[[0-9 ]+\]`).FindAllString(stdout, -1) {
		orders[m] = true
	}
	if len(orders) < 2 {
		t.Errorf("5 seeds gave %d map orders, want the seed to choose:\n%s", len(orders), stdout)
	}
	stdout, stderr, err = mgen(t, dir, "test", "-std=false", "-runs", "1", ".", "--", "-run", "TestPool")
	if err == nil || !strings.Contains(stdout+stderr, "kind=foreign") {
		t.Errorf("without the overlay the dependency's goroutines should be foreign: %v\n%s%s", err, stdout, stderr)
	}
}

// TestGRPC runs testdata/grpc, a gRPC health service and client (the
// default dialer, keepalive on both sides) over net.Listen, with no flags:
// gRPC, protobuf and x/net are rewritten in place by the overlay, std's net
// listens and dials on the simulated network, and every seed replays. It
// needs the gRPC modules from the module proxy, so it runs only with
// MARIONETTE_E2E=1.
func TestGRPC(t *testing.T) {
	if testing.Short() || os.Getenv("MARIONETTE_E2E") == "" {
		t.Skip("downloads gRPC from the module proxy: set MARIONETTE_E2E=1")
	}
	dir := testmod.Copy(t, "grpc")
	stdout, stderr, err := mgen(t, dir, "test", "-runs", "5", "-check-determinism", ".")
	if err != nil || !strings.Contains(stdout+stderr, "5 passed, 0 failed") {
		t.Fatalf("mgen test: %v\n%s%s", err, stdout, stderr)
	}
}
