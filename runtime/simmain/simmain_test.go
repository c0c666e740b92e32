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
			for range 4 { // goroutines whose interleaving the seed decides
				runtime.Go(func() { runtime.Current().Yield(); runtime.Current().Yield() })
			}
			if len(args) > 1 && args[1] == "panic" {
				g.Sleep(time.Millisecond) // after the goroutines ran
				panic("boom")
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

// Defect 11: test binaries and simulated binaries resolved the same
// environment differently (an option set of seed 42 with MARIONETTE_SEED=7
// was seed 42 in one, seed 7 in the other). Both use
// runtime.ResolveOptions now: the conflict is the same error in both.
func TestResolvesTheEnvironmentLikeTestBinaries(t *testing.T) {
	o, _ := runtime.Expand(42, runtime.Swarm)
	t.Setenv(runtime.EnvSeed, "7")
	t.Setenv(runtime.EnvProfile, "")
	t.Setenv(runtime.EnvOptions, o.JSON())
	_, envErr := runtime.OptionsFromEnv()
	code, out, errs := run(t, program(map[string][]string{}), "-duration", "1s")
	if envErr == nil || code != 2 || !strings.Contains(errs, envErr.Error()) || out != "" {
		t.Errorf("exit %d, stderr %q; test binaries say %v", code, errs, envErr)
	}
	// A flag replaces its own variable; the rest must still agree.
	t.Setenv(runtime.EnvSeed, "")
	if code, _, errs := run(t, program(map[string][]string{}), "-seed", "7", "-duration", "1s"); code != 2 || !strings.Contains(errs, "-seed=7 conflicts with $MARIONETTE_OPTIONS, whose seed is 42") {
		t.Errorf("-seed 7 with an option set of seed 42: exit %d %s", code, errs)
	}
	if code, out, _ := run(t, program(map[string][]string{}), "-seed", "42", "-duration", "1s"); code != 0 || !strings.Contains(out, "seed 42, profile swarm") {
		t.Errorf("-seed 42 with the option set of seed 42: exit %d %s", code, out)
	}
	if code, _, errs := run(t, program(map[string][]string{}), "-runs", "3"); code != 2 || !strings.Contains(errs, "-runs and -seeds do not go with an option set") {
		t.Errorf("-runs with an option set: exit %d %s", code, errs)
	}
}

// Defect 11: partial, invalid and missing option sets are errors (exit 2)
// that say which field and why, before anything runs.
func TestBadOptionSetsExit2(t *testing.T) {
	t.Setenv(runtime.EnvSeed, "")
	t.Setenv(runtime.EnvProfile, "")
	t.Setenv(runtime.EnvOptions, "")
	neg, _ := runtime.Expand(1, runtime.Smoke)
	neg.Limits.Events = -1
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-options", "{}"}, "-options: incomplete option set: missing seed, profile,"},
		{[]string{"-options", "null"}, "-options: bad option set: want a JSON object"},
		{[]string{"-profile", "replay", "-options", `{"limits":{"busy_wall":0}}`}, "limits.sim_time, limits.events"},
		{[]string{"-options", neg.JSON()}, "-options: invalid option set: limits.events: must be positive (got -1)"},
		{[]string{"-profile", "replay"}, "-profile: the replay profile needs the option set to replay (-options or $MARIONETTE_OPTIONS"},
		{[]string{"-profile", "bogus"}, `-profile: unknown profile "bogus"`},
	} {
		code, out, errs := run(t, program(map[string][]string{}), c.args...)
		if code != 2 || !strings.Contains(errs, c.want) || out != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want 2 and %q", c.args, code, out, errs, c.want)
		}
	}
}

// Defect 12: the replay command a run prints must replay it. Each run
// fails (a node panics) and prints its replay command; running that
// command line gives the same hash.
func TestPrintedReplayCommandReplays(t *testing.T) {
	t.Setenv(runtime.EnvSeed, "")
	t.Setenv(runtime.EnvProfile, "")
	t.Setenv(runtime.EnvOptions, "")
	edited, _ := runtime.Expand(5, runtime.Swarm)
	edited.Limits.ReportEvents = 3
	edited.PreemptProbability = 0.5
	replayRE := regexp.MustCompile(`(?m)^\s*replay: (.*)$`)
	for _, args := range [][]string{
		{"-seed", "3", "-profile", "swarm", "-nodes", "2", "-duration", "1s", "-args", "panic now"},
		{"--seed=4", "-faults=false", "-v", "-args", "panic", "-node-args", "node2: panic 'a b'"},
		{"-options", edited.JSON(), "-args", "panic"},
	} {
		p := program(map[string][]string{})
		code, out, errs := run(t, p, args...)
		m, sum := replayRE.FindStringSubmatch(errs), summary.FindStringSubmatch(out)
		if code != runtime.KindPanic.ExitCode() || m == nil || sum == nil {
			t.Fatalf("%q: exit %d, no replay command or summary:\n%s%s", args, code, out, errs)
		}
		argv, err := SplitArgs(m[1])
		if err != nil || argv[0] != "./srv" {
			t.Fatalf("%q: replay command %s: %v", args, m[1], err)
		}
		code2, out2, _ := run(t, p, argv[1:]...)
		sum2 := summary.FindStringSubmatch(out2)
		if code2 != code || sum2 == nil || sum2[1] != sum[1] || sum2[2] != sum[2] || sum2[3] != sum[3] {
			t.Errorf("%q: replay %s gave exit %d, summary %q; want %d, %q", args, m[1], code2, sum2, code, sum[0])
		}
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
