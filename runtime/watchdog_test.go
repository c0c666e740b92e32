package runtime

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// busyOpts is a smoke option set with a short busy budget.
func busyOpts(budget time.Duration) Options {
	o := opts(1)
	o.Limits.BusyWall = budget
	return o
}

// spin uses the CPU for d of real time.
func spin(d time.Duration) {
	start := time.Now()
	for time.Since(start) < d {
	}
}

// spinCPU uses d of the process's CPU time.
func spinCPU(d time.Duration) {
	cpu := func() time.Duration {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	start := cpu()
	for cpu()-start < d {
	}
}

// The accounting with an injected clock (defect 7): a stop of the process
// (no tick for 11s) is not charged to the goroutine that runs; a goroutine
// that really runs without switching is still flagged, then reported.
func TestBusyClockIgnoresStops(t *testing.T) {
	const ms = int64(time.Millisecond)
	budget, period := 200*time.Millisecond, 50*time.Millisecond
	b := newBusyClock(budget, period, 0, 1)
	now, sw := int64(0), uint64(1)
	step := func(d int64, switched bool) busyVerdict {
		now += d
		if switched {
			sw++
		}
		return b.tick(now, sw, false)
	}
	// The goroutine switches for a while, then the process is stopped for
	// 11s in the middle of a stretch without switches, then goes on
	// switching.
	for i := 0; i < 10; i++ {
		if v := step(50*ms, true); v != busyOK {
			t.Fatalf("switching goroutine flagged: %v", v)
		}
	}
	if v := step(30*ms, false); v != busyOK {
		t.Fatal("flagged after 30ms")
	}
	if v := step(11_000*ms, false); v != busyOK {
		t.Fatalf("a stopped process was charged to the goroutine: verdict %v after the stop", v)
	}
	if v := step(20*ms, true); v != busyOK {
		t.Fatal("flagged after it switched")
	}

	// A goroutine that does not switch for the budget is flagged, and
	// reported after a second budget; a stop in the middle is not charged.
	var verdicts []busyVerdict
	for i := 0; i < 4; i++ {
		verdicts = append(verdicts, step(50*ms, false))
	}
	if verdicts[3] != busyFlag {
		t.Fatalf("200ms without a switch in 50ms ticks: verdicts %v, want a flag at the 4th", verdicts)
	}
	if v := step(11_000*ms, false); v != busyOK {
		t.Fatalf("the stop completed the second budget: %v", v)
	}
	// 100ms of the stop were charged (two periods: the watchdog cannot
	// tell a stop from a late tick); 100ms more complete the second budget.
	if v := step(50*ms, false); v != busyOK {
		t.Fatalf("reported early: %v", v)
	}
	if v := step(50*ms, false); v != busyExit {
		t.Fatalf("a goroutine busy for two budgets not reported: %v", v)
	}
	// Exempt time (simulator work) is progress.
	b = newBusyClock(budget, period, now, sw)
	for i := 0; i < 20; i++ {
		now += 50 * ms
		if v := b.tick(now, sw, true); v != busyOK {
			t.Fatalf("exempt time charged: %v", v)
		}
	}
}

// TestWatchdogSkipsSimulatorWork: defect 7. The simulator's own long work
// (a heal at the liveness transition, an event callback) is not the user's
// code being stuck.
func TestWatchdogSkipsSimulatorWork(t *testing.T) {
	budget := 100 * time.Millisecond
	long := 3 * budget / 2 // past one budget, short of the second (which exits)
	r := NewWorld(busyOpts(budget)).Run(func() {
		g := Current()
		w := g.World()
		w.OnLiveness("slow heal", func([]string) { spin(long) })
		w.Schedule(time.Second, "slow event", func() { spin(long) })
		g.Sleep(2 * time.Second)
		Current() // the call that would fail a flagged goroutine
		Liveness(LivenessSpec{Name: "always", Progress: func() bool { return true }})
		Current()
	})
	if r.Failure != nil {
		t.Fatalf("the simulator's work was charged to user code:\n%s", r.Failure.Report())
	}
}

// The watchdog still stops user code that runs past its budget.
func TestWatchdogStopsBusyUserCode(t *testing.T) {
	budget := 100 * time.Millisecond
	r := NewWorld(busyOpts(budget)).Run(func() {
		// Busy until flagged (bounded: a starved watchdog charges less
		// than the time that passes), then reach a shim.
		w := Current().World()
		for start := time.Now(); !w.busy.Load() && time.Since(start) < 10*time.Second; {
			spin(10 * time.Millisecond)
		}
		Current()
	})
	if r.Failure == nil || r.Failure.Kind != KindStuck {
		t.Fatalf("busy user code not reported as stuck: %+v", r.Failure)
	}
}

const envStopChild = "MARIONETTE_TEST_WATCHDOG_STOP_CHILD"

// TestWatchdogStoppedProcess: defect 7, with the real clock and a real stop.
// A child process runs a world whose root goroutine works for about 200ms
// without a yield (its budget is 1s) and, in the middle of it, stops its own
// process with SIGSTOP; the test continues it 1.5s later. The run
// must pass: the stop is not time the goroutine ran.
func TestWatchdogStoppedProcess(t *testing.T) {
	if os.Getenv(envStopChild) != "" {
		stoppedChild(t)
		return
	}
	if testing.Short() {
		t.Skip("runs a child process for about 2s")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestWatchdogStoppedProcess$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), envStopChild+"=1")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	stat := fmt.Sprintf("/proc/%d/stat", cmd.Process.Pid)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		b, err := os.ReadFile(stat)
		if err != nil {
			t.Fatalf("reading %s: %v\n%s", stat, err, out.String())
		}
		// pid (comm) state ...: the state follows the last ')'.
		if f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:])); len(f) > 0 && f[0] == "T" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the child never stopped itself:\n%s", out.String())
		}
	}
	time.Sleep(1500 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil || !strings.Contains(out.String(), "stopped-child ok") {
		t.Fatalf("a stopped and continued process failed its run (%v):\n%s", err, out.String())
	}
}

func stoppedChild(t *testing.T) {
	r := NewWorld(busyOpts(time.Second)).Run(func() {
		Current().Yield()
		// Longer than a watchdog period (100ms), so that it ticks between
		// the yield and the stop.
		spin(150 * time.Millisecond)
		syscall.Kill(os.Getpid(), syscall.SIGSTOP)
		// CPU time, so that the stop does not shorten it: the watchdog
		// ticks after the stop, before the next yield point.
		spinCPU(20 * time.Millisecond)
		Current() // fails a goroutine the watchdog flagged
		Current().Yield()
	})
	if r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
	t.Log("stopped-child ok")
}

// A goroutine that yields with nothing else to run reaches a yield point
// each time (the scheduler hands control straight back to it): it is not
// stuck, however long it goes on.
func TestWatchdogCountsLoneYields(t *testing.T) {
	budget := 100 * time.Millisecond
	r := NewWorld(busyOpts(budget)).Run(func() {
		start := time.Now()
		for time.Since(start) < 3*budget {
			spin(5 * time.Millisecond)
			Current().Yield()
		}
	})
	if r.Failure != nil {
		t.Fatalf("a goroutine yielding alone was reported:\n%s", r.Failure.Report())
	}
}
