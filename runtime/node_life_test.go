package runtime

import (
	"strings"
	"testing"
	"time"
)

func runWorld(t *testing.T, main func()) *Result {
	t.Helper()
	r := NewWorld(opts(1)).Run(main)
	if r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
	return r
}

func TestCrashAbandonsGoroutinesAndTimers(t *testing.T) {
	var log []string
	runWorld(t, func() {
		w := Current().World()
		b := w.NewNode("b")
		b.On(HookCrash, func(n *Node) { log = append(log, "crash hook "+n.Name()) })
		b.Start(func() {
			Go(func() {
				// Deferred() is what mgen puts first in every deferred call
				// of rewritten code.
				defer func() { Deferred(); log = append(log, "deferred ran") }() // must not run on a crash
				Current().Sleep(time.Hour)
				log = append(log, "timer fired") // must not happen
			})
			Select(false)
		})
		Current().Sleep(time.Second)
		b.Crash()
		if b.State() != NodeCrashed {
			t.Errorf("state %s", b.State())
		}
		Current().Sleep(2 * time.Hour)
	})
	if strings.Join(log, ",") != "crash hook b" {
		t.Fatalf("log: %v", log)
	}
}

func TestRestartRunsMainAgain(t *testing.T) {
	starts := 0
	runWorld(t, func() {
		w := Current().World()
		b := w.NewNode("b")
		b.On(HookRestart, func(*Node) { starts += 100 })
		b.Start(func() {
			starts++
			Select(false)
		})
		Current().Sleep(time.Second)
		b.Crash()
		b.Restart()
		Current().Sleep(time.Second)
		if b.Incarnation() != 2 || b.State() != NodeRunning {
			t.Errorf("incarnation %d state %s", b.Incarnation(), b.State())
		}
	})
	if starts != 102 {
		t.Fatalf("starts %d, want 102 (two mains and one restart hook)", starts)
	}
}

func TestMainReturnEndsTheProcess(t *testing.T) {
	var log []string
	runWorld(t, func() {
		w := Current().World()
		b := w.NewNode("b")
		b.On(HookExit, func(*Node) { log = append(log, "exit") })
		b.Start(func() {
			Go(func() {
				Current().Sleep(time.Hour)
				log = append(log, "survived main") // the process is gone
			})
			Current().Sleep(time.Second)
		})
		Current().Sleep(3 * time.Hour)
		if b.State() != NodeExited || b.ExitCode() != 0 {
			t.Errorf("state %s code %d", b.State(), b.ExitCode())
		}
	})
	if strings.Join(log, ",") != "exit" {
		t.Fatalf("log %v", log)
	}
}

func TestNodeExitFromInside(t *testing.T) {
	runWorld(t, func() {
		w := Current().World()
		b := w.NewNode("b")
		after := false
		b.Start(func() {
			defer func() { Deferred(); after = true }()
			Current().Node().Exit(3)
			after = true
		})
		Current().Sleep(time.Second)
		if b.State() != NodeExited || b.ExitCode() != 3 || after {
			t.Errorf("state %s code %d after %v", b.State(), b.ExitCode(), after)
		}
	})
}

func TestPauseFreezesGoroutinesAndTimers(t *testing.T) {
	var wokeAt, gotAt time.Duration
	runWorld(t, func() {
		w := Current().World()
		b := w.NewNode("b")
		c := make(chan int)
		b.Start(func() {
			Go(func() {
				Current().Sleep(time.Second)
				wokeAt = w.Now()
			})
			Recv(c)
			gotAt = w.Now()
			Select(false)
		})
		g := Current()
		g.Sleep(500 * time.Millisecond)
		b.Pause()
		Send(c, 1) // delivered, but the receiver runs only after Resume
		g.Sleep(2 * time.Second)
		if wokeAt != 0 || gotAt != 0 {
			t.Errorf("paused node ran: woke %v got %v", wokeAt, gotAt)
		}
		b.Resume()
		g.Sleep(time.Hour)
	})
	if gotAt != 2500*time.Millisecond {
		t.Errorf("receiver ran at %v, want 2.5s (on resume)", gotAt)
	}
	if wokeAt != 3*time.Second {
		t.Errorf("sleeper woke at %v, want 3s (0.5s left when paused)", wokeAt)
	}
}

func TestStopIsGraceful(t *testing.T) {
	var log []string
	runWorld(t, func() {
		w := Current().World()
		polite, rude := w.NewNode("polite"), w.NewNode("rude")
		polite.Start(func() {
			defer func() { Deferred(); log = append(log, "polite cleaned up") }()
			Recv(Current().Node().StopRequested())
		})
		rude.Start(func() {
			defer func() { Deferred(); log = append(log, "rude cleaned up") }()
			Select(false)
		})
		Current().Sleep(time.Second)
		polite.Stop(5 * time.Second)
		rude.Stop(5 * time.Second)
		Current().Sleep(time.Second)
		if polite.State() != NodeExited || rude.State() != NodeRunning {
			t.Errorf("after 1s: polite %s rude %s", polite.State(), rude.State())
		}
		Current().Sleep(10 * time.Second)
		if rude.State() != NodeExited {
			t.Errorf("rude still %s after its grace", rude.State())
		}
	})
	if strings.Join(log, ",") != "polite cleaned up" {
		t.Fatalf("log %v", log)
	}
}
