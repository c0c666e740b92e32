package runtime

import (
	"strings"
	"testing"
	"time"
)

type faultStats struct {
	crashes, restarts, pauses int
	maxDown                   int
	minDownSeen               time.Duration
	crashesOf                 map[string]int
	hash                      uint64
}

func runFaults(t *testing.T, seed uint64, pending map[string]bool) faultStats {
	t.Helper()
	o := opts(seed)
	o.Nodes = NodeFaultOptions{CheckInterval: 100 * time.Millisecond, CrashProbability: 0.01, PendingWritesFactor: 10,
		RestartProbability: 0.2, PauseProbability: 0.005, ResumeProbability: 0.3,
		MinUp: time.Second, MinDown: 2 * time.Second, MaxDown: 1}
	st := faultStats{minDownSeen: time.Hour, crashesOf: map[string]int{}}
	r := NewWorld(o).Run(func() {
		w := Current().World()
		var nodes []*Node
		downSince := map[*Node]time.Duration{}
		count := func() {
			d := 0
			for _, n := range nodes {
				if n.State() != NodeRunning || n.Paused() {
					d++
				}
			}
			st.maxDown = max(st.maxDown, d)
		}
		for _, name := range []string{"a", "b", "c"} {
			n := w.NewNode(name)
			n.On(HookCrash, func(n *Node) { st.crashes++; st.crashesOf[n.Name()]++; downSince[n] = w.Now(); count() })
			n.On(HookPause, func(n *Node) { st.pauses++; downSince[n] = w.Now(); count() })
			n.On(HookRestart, func(n *Node) {
				st.restarts++
				st.minDownSeen = min(st.minDownSeen, w.Now()-downSince[n])
			})
			n.On(HookResume, func(n *Node) { st.minDownSeen = min(st.minDownSeen, w.Now()-downSince[n]) })
			if pending[name] {
				n.SetPendingWrites(func() bool { return true })
			}
			n.Start(func() {
				for {
					Current().Sleep(10 * time.Millisecond)
				}
			})
			n.SetFaulty(true)
			nodes = append(nodes, n)
		}
		Current().Sleep(20 * time.Minute)
	})
	if r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
	st.hash = r.Hash
	return st
}

func TestNodeFaultsRecurWithStabilityAndBudget(t *testing.T) {
	a := runFaults(t, 5, nil)
	if a.crashes == 0 || a.restarts == 0 || a.pauses == 0 {
		t.Fatalf("no faults in 20 minutes: %+v", a)
	}
	if a.maxDown > 1 {
		t.Errorf("%d nodes down at once, budget is 1", a.maxDown)
	}
	if a.minDownSeen < 2*time.Second {
		t.Errorf("a node came back after %v, min_down is 2s", a.minDownSeen)
	}
	if b := runFaults(t, 5, nil); b.hash != a.hash || b.crashes != a.crashes {
		t.Errorf("same seed, different faults: %+v vs %+v", a, b)
	}
}

func TestPendingWritesRaiseCrashes(t *testing.T) {
	total := map[string]int{}
	for seed := uint64(1); seed <= 4; seed++ {
		st := runFaults(t, seed, map[string]bool{"b": true})
		for n, c := range st.crashesOf {
			total[n] += c
		}
	}
	if total["b"] <= total["a"]+total["c"] {
		t.Fatalf("crashes with pending writes not weighted up: %v", total)
	}
}

// The liveness transition stops node faults and brings the core back: a
// core node crashed by a fault is restarted; a node outside the core stays
// down.
func TestLivenessHealsCrashedCoreNodes(t *testing.T) {
	o := opts(2)
	o.Nodes = NodeFaultOptions{CheckInterval: 100 * time.Millisecond, CrashProbability: 0.5,
		RestartProbability: 0, MinUp: 100 * time.Millisecond, MaxDown: 3}
	r := NewWorld(o).Run(func() {
		w := Current().World()
		alive := map[string]int{}
		for _, name := range []string{"a", "b", "c"} {
			n := w.NewNode(name)
			n.Start(func() {
				for {
					alive[n.Name()]++
					Current().Sleep(10 * time.Millisecond)
				}
			})
			n.SetFaulty(true)
		}
		Current().Sleep(5 * time.Second) // crash probability 0.5 per check: all go down, none restarts
		for _, n := range w.Nodes()[1:] {
			if n.State() != NodeCrashed {
				t.Fatalf("%s is %s before the transition", n.Name(), n.State())
			}
		}
		mark := map[string]int{"a": alive["a"], "b": alive["b"], "c": alive["c"]}
		Current().Liveness(LivenessSpec{
			Name: "a and b run again", Core: []string{"a", "b"}, Within: 10 * time.Second,
			Progress: func() bool { return alive["a"] > mark["a"]+10 && alive["b"] > mark["b"]+10 },
		})
		Current().Sleep(10 * time.Second)
		if w.Node("c").State() != NodeCrashed || alive["c"] != mark["c"] {
			t.Errorf("c outside the core came back: %s", w.Node("c").State())
		}
		if w.Node("a").State() != NodeRunning {
			t.Errorf("a crashed again after the transition: %s", w.Node("a").State())
		}
	})
	if r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
}

// Issue 12, defect 9: with node faults on, the recurring fault check kept
// a deadlocked world running to the event limit. Every goroutine blocked
// while only fault checks are pending, and no node down or paused by a
// fault, is a deadlock, reported with the wait-for list.
func TestDeadlockWhileNodeFaultsAreOn(t *testing.T) {
	o := opts(1)
	o.Limits.Events = 200000 // before the fix: a limit failure, soon
	r := NewWorld(o).Run(func() {
		b := Current().World().NewNode("b")
		b.SetFaulty(true)
		b.Start(func() { Select(false) })
		Recv(make(chan int))
	})
	f := r.Failure
	if f == nil || f.Kind != KindDeadlock {
		t.Fatalf("want a deadlock, got %v", f)
	}
	if !strings.Contains(f.Message, "only node fault checks") || len(f.Goroutines) != 2 || f.Goroutines[0].Wait != "chan receive" {
		t.Fatalf("report:\n%s", f.Report())
	}
	if f.SimTime > time.Second {
		t.Errorf("found at %v: the fault checks ran on", f.SimTime)
	}
}

// A node down by a fault will be restarted by the fault schedule: until
// then the world is not deadlocked, since the restart runs its main again.
func TestNoDeadlockWhileARestartIsPending(t *testing.T) {
	o := opts(1)
	o.Nodes = NodeFaultOptions{CheckInterval: 100 * time.Millisecond, CrashProbability: 1, RestartProbability: 0.05,
		MinUp: time.Second, MinDown: 500 * time.Millisecond, MaxDown: 1}
	got := 0
	r := NewWorld(o).Run(func() {
		b := Current().World().NewNode("b")
		b.SetFaulty(true)
		c := make(chan int)
		b.Start(func() { Send(c, b.Incarnation()) })
		Current().Sleep(1500 * time.Millisecond) // b crashes by a fault meanwhile, blocked in its send
		got = Recv(c)                            // blocked until b restarts
	})
	if r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
	if got != 2 {
		t.Fatalf("got incarnation %d, want 2", got)
	}
}
