package simtest

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/marionette-dst/marionette/runtime"
	simos "github.com/marionette-dst/marionette/shims/os"
)

func TestRunSharesWorldWithSubtests(t *testing.T) {
	Run(t, func(t *testing.T) {
		c := make(chan int)
		runtime.Go(func() {
			for i := 0; i < 3; i++ {
				runtime.Send(c, i)
			}
		})
		got := 0
		for _, name := range []string{"a", "b", "c"} {
			RunSub(t, name, func(t *testing.T) {
				v := runtime.Recv(c)
				runtime.Current().Sleep(time.Second)
				got += v
			})
		}
		if got != 3 {
			t.Fatalf("subtests received %d, want 3", got)
		}
		if now := runtime.Current().World().Now(); now != 3*time.Second {
			t.Fatalf("simulated time %v, want 3s", now)
		}
	})
}

// Flags of this package, which the helpers' replay commands must repeat.
var (
	helperWord = flag.String("simtest.word", "", "a word the fatal helper prints")
	helperLoud = flag.Bool("simtest.loud", false, "the fatal helper shouts")
)

// The helper tests below fail on purpose; they run in a child process.
func TestHelperFailures(t *testing.T) {
	switch os.Getenv("SIMTEST_HELPER") {
	case "fatal":
		Run(t, func(t *testing.T) {
			runtime.Go(func() { runtime.Select(false) })
			runtime.Current().Sleep(time.Minute)
			msg := "user failure " + *helperWord
			if *helperLoud {
				msg = strings.ToUpper(msg)
			}
			t.Fatal(msg)
		})
	case "deadlock":
		Run(t, func(t *testing.T) {
			c := make(chan int)
			runtime.Recv(c)
		})
	case "busy":
		Run(t, func(t *testing.T) {
			for {
				runtime.Current() // a loop that only calls into the simulator without yielding
			}
		})
	case "goexit":
		Run(t, func(t *testing.T) {
			runtime.Current().Sleep(time.Second)
			goruntime.Goexit()
		})
	case "subgoexit":
		Run(t, func(t *testing.T) {
			RunSub(t, "sub", func(t *testing.T) { goruntime.Goexit() })
		})
	case "exit":
		Run(t, func(t *testing.T) {
			simos.Exit(3)
		})
	case "skip":
		Run(t, func(t *testing.T) {
			t.Skip("skipped on purpose")
		})
		t.Fatal("fail the helper so that runHelper accepts it")
	default:
		t.Skip("helper")
	}
}

func runHelper(t *testing.T, name string, env ...string) string {
	return runHelperArgs(t, name, []string{"-test.run=^TestHelperFailures$", "-test.v"}, env...)
}

// runHelperArgs runs the helper in a child test binary with these
// arguments, for at most a minute.
func runHelperArgs(t *testing.T, name string, args []string, env ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(cleanEnv(), "SIMTEST_HELPER="+name, "MARIONETTE_SEED=42")
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("helper %s did not end within a minute:\n%s", name, out)
	}
	if err == nil {
		t.Fatalf("helper %s passed, want failure:\n%s", name, out)
	}
	return string(out)
}

// cleanEnv is the environment without the variables that choose options.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MARIONETTE_") {
			env = append(env, kv)
		}
	}
	return env
}

func TestFailureOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("runs child processes")
	}
	out := runHelper(t, "fatal")
	for _, want := range []string{"user failure", "failed under simulation with seed 42", "MARIONETTE_SEED=42 MARIONETTE_PROFILE=smoke go test -run '^TestHelperFailures$' -v ./runtime/simtest\n", "result=ok"} {
		if !strings.Contains(out, want) {
			t.Errorf("fatal: output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "runtime.Goexit") {
		t.Errorf("fatal: t.Fatal reported as a raw Goexit:\n%s", out)
	}
	out = runHelper(t, "deadlock")
	for _, want := range []string{"FAIL deadlock", "chan receive", "simtest_test.go:", "result=deadlock"} {
		if !strings.Contains(out, want) {
			t.Errorf("deadlock: output lacks %q:\n%s", want, out)
		}
	}
	o, _ := runtime.Expand(42, runtime.Smoke)
	o.Limits.BusyWall = 200 * time.Millisecond
	out = runHelper(t, "busy", "MARIONETTE_PROFILE=replay", "MARIONETTE_OPTIONS="+o.JSON())
	for _, want := range []string{"FAIL stuck", "busy_wall", "simtest_test.go:", "MARIONETTE_PROFILE=replay MARIONETTE_OPTIONS="} {
		if !strings.Contains(out, want) {
			t.Errorf("busy: output lacks %q:\n%s", want, out)
		}
	}
}

// Defect 11: a partial option set ran with busy_wall 0, so no watchdog
// stopped a busy loop and the test hung until it was killed. Now the
// option set is refused, naming what it lacks.
func TestPartialOptionSetFailsFast(t *testing.T) {
	if testing.Short() {
		t.Skip("runs child processes")
	}
	out := runHelper(t, "busy", `MARIONETTE_OPTIONS={"seed":42,"profile":"smoke","limits":{"sim_time":1000000000000,"events":1000000,"goroutines":100,"report_events":8}}`)
	want := "marionette: $MARIONETTE_OPTIONS: incomplete option set: missing scheduler, preempt_probability, epoch, buggify, disk, network, clocks, nodes, limits.busy_wall"
	if !strings.Contains(out, want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
}

var summaryRE = regexp.MustCompile(`(?m)^marionette: run=TestHelperFailures .* hash=([0-9a-f]+) result=\w+$`)

// Defect 12: the replay command of a test binary given space-separated
// flag values (-test.run X, -test.timeout 30s) kept the values as package
// arguments and go test failed with "malformed import path". The command
// printed must replay the run: run it and compare.
func TestPrintedReplayCommandReplays(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test")
	}
	out := runHelperArgs(t, "fatal", []string{"-test.run", "^TestHelperFailures$", "-test.timeout", "30s", "-test.v",
		"-simtest.word", "ab cd", "-simtest.loud"})
	m := regexp.MustCompile(`(?m)^\s*replay: (.*)$`).FindStringSubmatch(out)
	sum := summaryRE.FindStringSubmatch(out)
	if m == nil || sum == nil || !strings.Contains(out, "USER FAILURE AB CD") {
		t.Fatalf("no replay command, summary or user failure:\n%s", out)
	}
	want := `MARIONETTE_SEED=42 MARIONETTE_PROFILE=smoke go test -run '^TestHelperFailures$' -timeout=30s -v ./runtime/simtest -simtest.word 'ab cd' -simtest.loud`
	if m[1] != want {
		t.Errorf("replay command\n%s\nwant\n%s", m[1], want)
	}
	wd, _ := os.Getwd()
	cmd := exec.Command("sh", "-c", m[1])
	cmd.Dir = filepath.Dir(filepath.Dir(wd)) // the module root
	cmd.Env = append(cleanEnv(), "SIMTEST_HELPER=fatal")
	again, err := cmd.CombinedOutput()
	sum2 := summaryRE.FindStringSubmatch(string(again))
	if err == nil || sum2 == nil || sum2[1] != sum[1] || !strings.Contains(string(again), "USER FAILURE AB CD") || !strings.Contains(string(again), "replay: "+want+"\n") {
		t.Errorf("the replay did not reproduce the run (%v): want hash %s, the user failure and the same replay command in\n%s", err, sum[1], again)
	}
}

// Issue 12, defect 10: runtime.Goexit in a test body fails the test, as
// natively ("test executed panic(nil) or runtime.Goexit"); t.SkipNow does
// not; os.Exit's summary line does not say result=ok.
func TestEndsAsNatively(t *testing.T) {
	if testing.Short() {
		t.Skip("runs child processes")
	}
	for _, name := range []string{"goexit", "subgoexit"} {
		out := runHelper(t, name)
		if !strings.Contains(out, "test executed panic(nil) or runtime.Goexit") {
			t.Errorf("%s: output lacks the Goexit failure:\n%s", name, out)
		}
	}
	out := runHelper(t, "exit")
	if !strings.Contains(out, "os.Exit(3) ended the simulated run") || !strings.Contains(out, "result=exit") || strings.Contains(out, "result=ok") {
		t.Errorf("exit: want the os.Exit failure and result=exit:\n%s", out)
	}
	out = runHelper(t, "skip")
	if strings.Contains(out, "runtime.Goexit") || !strings.Contains(out, "skipped on purpose") {
		t.Errorf("skip: t.Skip reported as a raw Goexit:\n%s", out)
	}
}

func TestTempDirIsOnTheSimulatedDisk(t *testing.T) {
	Run(t, func(t *testing.T) {
		dir := TempDir(t)
		p := filepath.Join(dir, "f")
		if err := simos.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatalf("writing in TempDir under simulation: %v", err)
		}
		if b, err := simos.ReadFile(p); err != nil || string(b) != "x" {
			t.Fatalf("read back %q %v", b, err)
		}
		if _, err := os.Stat(dir); err == nil {
			t.Fatalf("%s exists on the real disk", dir)
		}
	})
}
