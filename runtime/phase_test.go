package runtime

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// The toy below is a small replicated register: three replicas elect a
// leader with randomized timeouts, a client's write commits once the leader
// and one follower have it, and the client retries elsewhere when a request
// goes unanswered. Its network and crashes are simulated here, by the test:
// in the safety phase the leader crashes and the two others are
// partitioned; the test's transition hook heals the core's partitions and
// restarts the core's crashed replicas (the old leader, outside the core,
// stays down).

type toyMsg struct {
	kind     string // heartbeat, vote, granted, put, notleader, append, ack, ok
	from, to int    // replicas 0..2, client 3
	term, id int
	hint     int
}

type toyReplica struct {
	role      string // follower, candidate, leader
	term      int
	votedFor  int
	votes     int
	lastHeard time.Duration
	lastBeat  time.Duration
	timeout   time.Duration
	pending   map[int]int // leader: write id -> acks
}

type toyCluster struct {
	w       *World
	reelect bool // followers elect a new leader when the leader goes quiet
	retry   bool // the client retries unanswered requests elsewhere

	up    [4]bool
	cut   map[[2]int]bool
	inbox [4][]toyMsg
	rep   [3]toyReplica

	acked int // writes the client saw committed
}

const (
	toyClient = 3
	toyTick   = 10 * time.Millisecond
)

func toyName(i int) string { return fmt.Sprintf("r%d", i) }

func (c *toyCluster) send(m toyMsg) {
	if !c.up[m.from] || c.cut[[2]int{min(m.from, m.to), max(m.from, m.to)}] {
		return
	}
	d := time.Millisecond + time.Duration(c.w.Rand("toy").IntN(4))*time.Millisecond
	c.w.Schedule(d, "toy.deliver", func() {
		if c.up[m.to] && !c.cut[[2]int{min(m.from, m.to), max(m.from, m.to)}] {
			c.inbox[m.to] = append(c.inbox[m.to], m)
		}
	})
}

func (c *toyCluster) broadcast(from int, m toyMsg) {
	for to := 0; to < 3; to++ {
		if to != from {
			m.from, m.to = from, to
			c.send(m)
		}
	}
}

func (c *toyCluster) newTimeout() time.Duration {
	return 300*time.Millisecond + time.Duration(c.w.Rand("toy").IntN(300))*time.Millisecond
}

func (c *toyCluster) replica(i int) {
	g := Current()
	r := &c.rep[i]
	for {
		g.Sleep(toyTick)
		if !c.up[i] {
			continue
		}
		now := c.w.Now()
		msgs := c.inbox[i]
		c.inbox[i] = nil
		for _, m := range msgs {
			c.handle(i, m, now)
		}
		switch {
		case r.role == "leader" && now-r.lastBeat >= 50*time.Millisecond:
			r.lastBeat = now
			c.broadcast(i, toyMsg{kind: "heartbeat", term: r.term})
		case r.role != "leader" && c.reelect && now-r.lastHeard > r.timeout:
			r.role, r.term, r.votedFor, r.votes = "candidate", r.term+1, i, 1
			r.lastHeard, r.timeout = now, c.newTimeout()
			c.broadcast(i, toyMsg{kind: "vote", term: r.term})
		}
	}
}

func (c *toyCluster) handle(i int, m toyMsg, now time.Duration) {
	r := &c.rep[i]
	if m.term > r.term && m.kind != "put" {
		r.term, r.role, r.votedFor = m.term, "follower", -1
	}
	switch m.kind {
	case "heartbeat", "append":
		if m.term == r.term {
			r.role, r.lastHeard = "follower", now
			if m.kind == "append" {
				c.send(toyMsg{kind: "ack", from: i, to: m.from, term: r.term, id: m.id})
			}
		}
	case "vote":
		if m.term == r.term && r.votedFor == -1 {
			r.votedFor, r.lastHeard = m.from, now
			c.send(toyMsg{kind: "granted", from: i, to: m.from, term: r.term})
		}
	case "granted":
		if r.role == "candidate" && m.term == r.term {
			if r.votes++; r.votes >= 2 {
				r.role, r.lastBeat, r.pending = "leader", -time.Hour, map[int]int{}
				c.w.Emit("toy.leader", Current(), int64(r.term), toyName(i), [2]int{r.term, i})
			}
		}
	case "put":
		if r.role != "leader" {
			hint := -1
			c.send(toyMsg{kind: "notleader", from: i, to: toyClient, id: m.id, hint: hint})
			return
		}
		r.pending[m.id] = 1
		c.broadcast(i, toyMsg{kind: "append", term: r.term, id: m.id})
	case "ack":
		if r.role == "leader" && m.term == r.term {
			if n, ok := r.pending[m.id]; ok {
				delete(r.pending, m.id)
				if n+1 >= 2 {
					c.send(toyMsg{kind: "ok", from: i, to: toyClient, id: m.id})
				}
			}
		}
	}
}

// client writes one value after another, each until it is acknowledged.
func (c *toyCluster) client() {
	g := Current()
	target := 0
	for id := 1; ; id++ {
		for acked := false; !acked; {
			c.send(toyMsg{kind: "put", from: toyClient, to: target, id: id})
			deadline := c.w.Now() + 200*time.Millisecond
			answered := false
			for !answered && c.w.Now() < deadline {
				g.Sleep(toyTick)
				msgs := c.inbox[toyClient]
				c.inbox[toyClient] = nil
				for _, m := range msgs {
					if m.id != id {
						continue
					}
					answered = true
					if m.kind == "ok" {
						acked = true
						c.acked++
					}
				}
			}
			if acked {
				break
			}
			if !c.retry && !answered {
				g.Park("reply that never comes", fmt.Sprintf("write %d", id))
			}
			target = (target + 1) % 3
		}
	}
}

// toyRun runs the toy: a safety phase of two seconds in which the leader r0
// crashes at 0.5s and r1, r2 are partitioned from each other, then the
// liveness phase with core {r1, r2} and a bound of 5s.
func toyRun(seed uint64, reelect, retry bool) (*Result, *toyCluster, []string) {
	w := NewWorld(opts(seed))
	w.SetName("toy")
	c := &toyCluster{w: w, reelect: reelect, retry: retry, cut: map[[2]int]bool{}}
	for i := range c.up {
		c.up[i] = true
	}
	for i := range c.rep {
		c.rep[i] = toyReplica{role: "follower", term: 1, votedFor: -1, timeout: c.newTimeout()}
	}
	c.rep[0].role = "leader"
	c.rep[0].pending = map[int]int{}
	leaders := map[int]int{1: 0}
	w.AddChecker("one leader per term", CheckerFunc(func(ev CheckEvent) error {
		p := ev.Payload.([2]int)
		if prev, ok := leaders[p[0]]; ok && prev != p[1] {
			return fmt.Errorf("term %d has two leaders: r%d and r%d", p[0], prev, p[1])
		}
		leaders[p[0]] = p[1]
		return nil
	}), "toy.leader")
	var healed []string
	w.OnLiveness("toy network", func(core []string) {
		healed = core
		for k := range c.cut {
			if slices.Contains(core, toyName(k[0])) && slices.Contains(core, toyName(k[1])) {
				delete(c.cut, k)
			}
		}
		for i := 0; i < 3; i++ {
			if slices.Contains(core, toyName(i)) && !c.up[i] {
				c.up[i] = true
			}
		}
	})
	r := w.Run(func() {
		g := Current()
		for i := 0; i < 3; i++ {
			i := i
			Go(func() { c.replica(i) })
		}
		Go(c.client)
		w.Schedule(500*time.Millisecond, "toy.faults", func() {
			c.up[0] = false
			c.cut[[2]int{1, 2}] = true
		})
		g.Sleep(2 * time.Second)
		before := c.acked
		err := Liveness(LivenessSpec{
			Name:     "a new write is acknowledged",
			Nodes:    []string{"r0", "r1", "r2"},
			Core:     []string{"r1", "r2"},
			Within:   5 * time.Second,
			Progress: func() bool { return c.acked > before },
		})
		if err != nil {
			panic(err)
		}
	})
	return r, c, healed
}

func TestLivenessConverges(t *testing.T) {
	for seed := uint64(1); seed <= 8; seed++ {
		r, c, healed := toyRun(seed, true, true)
		if r.Failure != nil {
			t.Fatalf("seed %d: %s", seed, r.Failure.Report())
		}
		if strings.Join(healed, ",") != "r1,r2" {
			t.Fatalf("transition hook got core %v", healed)
		}
		if c.up[0] {
			t.Fatalf("seed %d: r0, outside the core, was restarted", seed)
		}
		if c.acked == 0 {
			t.Fatalf("seed %d: no write acknowledged", seed)
		}
	}
}

func TestLivenessFailureNotSafety(t *testing.T) {
	for _, tc := range []struct {
		name           string
		reelect, retry bool
		wait           string
	}{
		{"never re-elects", false, true, ""},
		{"never retries", true, false, "reply that never comes"},
	} {
		for seed := uint64(1); seed <= 3; seed++ {
			r, _, _ := toyRun(seed, tc.reelect, tc.retry)
			f := r.Failure
			if f == nil {
				t.Fatalf("%s, seed %d: converged", tc.name, seed)
			}
			if f.Kind != KindLiveness || f.Kind.ExitCode() != 16 || f.Phase != PhaseLiveness {
				t.Fatalf("%s, seed %d: failure %s in phase %s, want liveness:\n%s", tc.name, seed, f.Kind, f.Phase, f.Report())
			}
			if f.SimTime != 7*time.Second {
				t.Fatalf("%s: failed at %v, want at the bound (2s + 5s)", tc.name, f.SimTime)
			}
			rep := f.Report()
			for _, want := range []string{"FAIL liveness in toy at simulated 7s in the liveness phase",
				"a new write is acknowledged did not hold within 5s of simulated time after the transition at 2s (core: r1, r2)",
				"liveness phase:\n  entered at simulated 2s; core: r1, r2", "phase_test.go:", tc.wait} {
				if !strings.Contains(rep, want) {
					t.Errorf("%s: report lacks %q:\n%s", tc.name, want, rep)
				}
			}
		}
	}
}

// A safety failure in the liveness phase is still a safety failure (kind
// check), and the report says it happened in the liveness phase.
func TestSafetyFailureInLivenessPhase(t *testing.T) {
	w := NewWorld(opts(1))
	w.AddChecker("no-bad", CheckerFunc(func(ev CheckEvent) error {
		if ev.Kind == "user.bad" {
			return fmt.Errorf("bad")
		}
		return nil
	}))
	r := w.Run(func() {
		Liveness(LivenessSpec{Progress: func() bool {
			w.Trace("user.bad", Current(), 0, "")
			return true
		}})
	})
	if f := r.Failure; f == nil || f.Kind != KindCheck || f.Phase != PhaseLiveness {
		t.Fatalf("want a check failure in the liveness phase, got %+v", f)
	}
}

func TestCoreChoice(t *testing.T) {
	cores := map[string]bool{}
	for seed := uint64(1); seed <= 20; seed++ {
		w := NewWorld(opts(seed))
		var got []string
		w.OnLiveness("record", func(core []string) { got = core })
		r := w.Run(func() {
			Liveness(LivenessSpec{Nodes: []string{"a", "b", "c", "d", "e"}, CoreSize: 3, Progress: func() bool { return true }})
			if w.Phase() != PhaseLiveness || !w.InCore(got[0]) || len(w.Core()) != 3 {
				panic("phase state")
			}
		})
		if r.Failure != nil {
			t.Fatal(r.Failure.Report())
		}
		if len(got) != 3 || !slices.IsSorted(got) {
			t.Fatalf("core %v", got)
		}
		cores[strings.Join(got, ",")] = true
	}
	if len(cores) < 4 {
		t.Fatalf("the core barely varies with the seed: %v", cores)
	}
}

func TestLivenessNative(t *testing.T) {
	n := 0
	if err := Liveness(LivenessSpec{Within: time.Second, Every: time.Millisecond, Progress: func() bool { n++; return n > 3 }}); err != nil {
		t.Fatal(err)
	}
	err := Liveness(LivenessSpec{Name: "never", Within: 5 * time.Millisecond, Every: time.Millisecond, Progress: func() bool { return false }})
	if err == nil || !strings.Contains(err.Error(), "never did not hold within 5ms") {
		t.Fatalf("native liveness error %v", err)
	}
}
