package simtest

import (
	"os"
	"os/exec"
	"path/filepath"
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

// The helper tests below fail on purpose; they run in a child process.
func TestHelperFailures(t *testing.T) {
	switch os.Getenv("SIMTEST_HELPER") {
	case "fatal":
		Run(t, func(t *testing.T) {
			runtime.Go(func() { runtime.Select(false) })
			runtime.Current().Sleep(time.Minute)
			t.Fatal("user failure")
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
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperFailures$", "-test.v")
	cmd.Env = append(append(os.Environ(), "SIMTEST_HELPER="+name, "MARIONETTE_SEED=42"), env...)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("helper %s passed, want failure:\n%s", name, out)
	}
	return string(out)
}

func TestFailureOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("runs child processes")
	}
	out := runHelper(t, "fatal")
	for _, want := range []string{"user failure", "failed under simulation with seed 42", "MARIONETTE_SEED=42 MARIONETTE_PROFILE=smoke go test -run '^TestHelperFailures$' ./runtime/simtest", "result=ok"} {
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
	out = runHelper(t, "busy", "MARIONETTE_PROFILE=replay", `MARIONETTE_OPTIONS={"seed":42,"profile":"replay","scheduler":"random","epoch":"2025-01-01T00:00:00Z","limits":{"sim_time":1000000000000,"events":1000000,"goroutines":100,"busy_wall":200000000,"report_events":8}}`)
	for _, want := range []string{"FAIL stuck", "busy_wall", "simtest_test.go:", "MARIONETTE_PROFILE=replay MARIONETTE_OPTIONS="} {
		if !strings.Contains(out, want) {
			t.Errorf("busy: output lacks %q:\n%s", want, out)
		}
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
