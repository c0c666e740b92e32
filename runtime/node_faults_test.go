package runtime

import (
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
