package simmain

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/marionette-dst/marionette/runtime"
)

// A program written against the runtime directly (what rewritten code
// calls): it records its arguments and sleeps, or exits as its arguments say.
func program(seen map[string][]string) Program {
	return Program{
		Path: "example.com/m/cmd/srv",
		Main: func() {
			g := runtime.Current()
			args := *runtime.Args()
			seen[g.Node().Name()] = args
			if len(args) > 1 && args[1] == "exit" {
				g.Node().Exit(len(args) - 1)
			}
			if len(args) > 1 && args[1] == "panic" {
				panic("boom")
			}
			for range 4 { // goroutines whose interleaving the seed decides
				runtime.Go(func() { runtime.Current().Yield(); runtime.Current().Yield() })
			}
			g.Sleep(time.Hour)
		},
	}
}

func run(t *testing.T, p Program, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = Run(p, append([]string{"./srv"}, args...), &o, &e)
	return code, o.String(), e.String()
}

var summary = regexp.MustCompile(`(?m)^marionette: run=example.com/m/cmd/srv seed=(\d+) profile=(\w+) .* hash=([0-9a-f]{16}) result=(\w+)$`)

func TestArgsAndPlaceholders(t *testing.T) {
	seen := map[string][]string{}
	code, out, errs := run(t, program(seen), "-seed", "7", "-nodes", "3", "-duration", "2s",
		"-args", `-id {id} -self {addr} -peers {peers} -all {nodes} 'two words'`, "-node-args", "node3: solo \"x y\"")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	want := map[string][]string{
		"node1": {"srv", "-id", "1", "-self", "10.0.0.2", "-peers", "10.0.0.3,10.0.0.4", "-all", "10.0.0.2,10.0.0.3,10.0.0.4", "two words"},
		"node2": {"srv", "-id", "2", "-self", "10.0.0.3", "-peers", "10.0.0.2,10.0.0.4", "-all", "10.0.0.2,10.0.0.3,10.0.0.4", "two words"},
		"node3": {"srv", "solo", "x y"},
	}
	for n, w := range want {
		if !slices.Equal(seen[n], w) {
			t.Errorf("%s args %q, want %q", n, seen[n], w)
		}
	}
	if !strings.HasPrefix(out, "marionette: simulating example.com/m/cmd/srv: 3 nodes, seed 7, profile smoke\noptions:\n  seed = 7\n") {
		t.Errorf("output does not start with the option set:\n%s", out)
	}
	m := summary.FindStringSubmatch(out)
	if m == nil || m[1] != "7" || m[4] != "ok" {
		t.Fatalf("no summary line:\n%s", out)
	}
	if !strings.Contains(out, " sim=2s ") {
		t.Errorf("the run did not last -duration:\n%s", m[0])
	}
}

func TestSameSeedSameHash(t *testing.T) {
	hash := func(seed string) string {
		_, out, _ := run(t, program(map[string][]string{}), "-seed", seed, "-nodes", "5", "-duration", "1s")
		m := summary.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no summary:\n%s", out)
		}
		return m[3]
	}
	a, b, c := hash("3"), hash("3"), hash("4")
	if a != b {
		t.Errorf("seed 3 gave hashes %s and %s", a, b)
	}
	if a == c {
		t.Errorf("seeds 3 and 4 gave the same hash %s", a)
	}
}

func TestExitCodes(t *testing.T) {
	p := program(map[string][]string{})
	// Every node exits: the run ends early; a non-zero code is status 1.
	code, out, errs := run(t, p, "-args", "exit now", "-faults=false")
	if code != 1 || !strings.Contains(errs, "node1 exited with code 2") || !strings.Contains(out, " sim=0s ") {
		t.Errorf("exit %d, stderr %q\n%s", code, errs, out)
	}
	code, _, errs = run(t, p, "-args", "panic", "-duration", "1s")
	if code != runtime.KindPanic.ExitCode() || !strings.Contains(errs, "FAIL panic") {
		t.Errorf("panic: exit %d\n%s", code, errs)
	}
	wl := p
	wl.Workload = func(w *runtime.World) error { return errWorkload }
	code, _, errs = run(t, wl)
	if code != runtime.KindCheck.ExitCode() || !strings.Contains(errs, "workload: the cluster lost a write") {
		t.Errorf("workload error: exit %d\n%s", code, errs)
	}
	for _, bad := range [][]string{{"-nodes", "0"}, {"-node-args", "node9: x"}, {"stray"}, {"-args", "'open"}, {"-profile", "nope"}} {
		if code, _, _ := run(t, p, bad...); code != 2 {
			t.Errorf("%q: exit %d, want 2", bad, code)
		}
	}
}

type workloadError string

func (e workloadError) Error() string { return string(e) }

const errWorkload = workloadError("the cluster lost a write")

func TestHelpDocumentsEveryFlag(t *testing.T) {
	code, out, _ := run(t, program(nil), "-h")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, f := range []string{"-seed", "-profile", "-options", "-nodes", "-args", "-node-args", "-duration", "-faults", "-v", "-h", "{peers}", "Exit status"} {
		if !strings.Contains(out, f) {
			t.Errorf("-h does not mention %s", f)
		}
	}
}

func TestReplayOptions(t *testing.T) {
	o, _ := runtime.Expand(5, runtime.Swarm)
	_, out, _ := run(t, program(map[string][]string{}), "-profile", "replay", "-options", o.JSON(), "-duration", "1s")
	_, out2, _ := run(t, program(map[string][]string{}), "-seed", "5", "-profile", "swarm", "-duration", "1s")
	a, b := summary.FindStringSubmatch(out), summary.FindStringSubmatch(out2)
	if a == nil || b == nil || a[3] != b[3] {
		t.Errorf("replay of the printed option set differs:\n%s\n%s", out, out2)
	}
}

func TestSplitArgs(t *testing.T) {
	for in, want := range map[string][]string{
		``:                     nil,
		`a  b`:                 {"a", "b"},
		`'a b' "c \"d\"" e\ f`: {"a b", `c "d"`, "e f"},
		`x''y ""`:              {"xy", ""},
	} {
		got, err := SplitArgs(in)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("SplitArgs(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := SplitArgs(`"open`); err == nil {
		t.Error("unterminated quote accepted")
	}
}

// Issue 12, defect 9: a simulated binary whose nodes are deadlocked ended
// with result=ok and exit 0 once -duration was over. A node process whose
// goroutines all wait on channels or locks, while nothing but fault checks
// and the end of the run is scheduled, is deadlocked (natively its runtime
// would say "all goroutines are asleep"). A node waiting on the network
// (an idle server) is not.
func TestDeadlockedCluster(t *testing.T) {
	deadlocked := Program{
		Path: "example.com/m/cmd/srv",
		Main: func() {
			c := make(chan int)
			runtime.Go(func() { runtime.Recv(c) })
			runtime.Recv(c)
		},
	}
	for _, faults := range []string{"-faults=true", "-faults=false"} {
		code, out, errs := run(t, deadlocked, "-nodes", "2", "-duration", "1h", faults)
		m := summary.FindStringSubmatch(out)
		if code != runtime.KindDeadlock.ExitCode() || m == nil || m[4] != "deadlock" ||
			!strings.Contains(errs, "all 2 goroutines of node node1 are blocked") || !strings.Contains(errs, "chan receive") {
			t.Errorf("%s: exit %d\n%s\n%s", faults, code, out, errs)
		}
	}
	idle := Program{
		Path: "example.com/m/cmd/srv",
		Main: func() {
			runtime.Go(func() { runtime.Current().Park("net accept", "") })
			runtime.Current().Park("net read", "")
		},
	}
	code, out, errs := run(t, idle, "-nodes", "2", "-duration", "1h")
	if m := summary.FindStringSubmatch(out); code != 0 || m == nil || m[4] != "ok" || !strings.Contains(out, " sim=1h0m0s ") {
		t.Errorf("idle servers: exit %d\n%s\n%s", code, out, errs)
	}
}
