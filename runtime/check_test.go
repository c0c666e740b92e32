package runtime

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// transfer is the typed payload of the bank events below.
type transfer struct {
	From, To string
	Amount   int
}

// bank moves money between two accounts every millisecond and emits each
// transfer with its payload. With overdraw, the fifth transfer overdraws.
func bank(overdraw bool, emitted *int) func() {
	return func() {
		g := Current()
		w := g.World()
		for i := 1; i <= 10; i++ {
			g.Sleep(time.Millisecond)
			amount := 10
			if overdraw && i >= 5 {
				amount = 1000
			}
			*emitted = i
			w.Emit("bank.transfer", g, int64(amount), "a->b", transfer{From: "a", To: "b", Amount: amount})
		}
	}
}

// balanceChecker fails when account a would go negative.
func balanceChecker(seen *[]int64) Checker {
	balance := 100
	return CheckerFunc(func(ev CheckEvent) error {
		*seen = append(*seen, ev.N)
		t, ok := ev.Payload.(transfer)
		if !ok {
			return fmt.Errorf("event %s has payload %T, want transfer", ev.Kind, ev.Payload)
		}
		balance -= t.Amount
		if balance < 0 {
			return fmt.Errorf("account %s overdrawn: balance %d after transfer of %d", t.From, balance, t.Amount)
		}
		return nil
	})
}

func TestCheckerFailsAtFirstBadEvent(t *testing.T) {
	var seen []int64
	emitted := 0
	w := NewWorld(opts(3))
	w.SetName("bank")
	w.AddChecker("balance", balanceChecker(&seen), "bank.")
	r := w.Run(bank(true, &emitted))
	f := r.Failure
	if f == nil {
		t.Fatal("overdraft not detected")
	}
	if f.Kind != KindCheck || f.Kind.ExitCode() != 14 || f.Checker != "balance" || f.Phase != PhaseSafety {
		t.Fatalf("failure kind %s checker %q phase %q, want check/balance/safety", f.Kind, f.Checker, f.Phase)
	}
	// 40 was left after four transfers of 10: the fifth (1000) is the first bad one.
	if f.Event == nil || f.Event.Kind != "bank.transfer" || f.Event.Arg != 1000 || f.SimTime != 5*time.Millisecond {
		t.Fatalf("failed at event %v at %v, want the fifth transfer at 5ms", f.Event, f.SimTime)
	}
	if f.Event.N != seen[len(seen)-1] || len(seen) != 5 {
		t.Fatalf("checker saw events %v; the failure names #%d", seen, f.Event.N)
	}
	// The goroutine that emitted it stops at its next yield point: no
	// further transfer happens.
	if emitted != 5 {
		t.Fatalf("the program went on to transfer %d after the failure", emitted)
	}
	rep := f.Report()
	for _, want := range []string{"FAIL check in bank at simulated 5ms in the safety phase", `checker "balance" failed at event #`,
		"account a overdrawn", "checker: balance", "event: #", "bank.transfer", "check_test.go:", "buggify.activate = "} {
		if !strings.Contains(rep, want) {
			t.Errorf("report lacks %q:\n%s", want, rep)
		}
	}
}

func TestCheckerPassesGoodRunAndKeepsTheHash(t *testing.T) {
	var seen []int64
	emitted := 0
	plain := NewWorld(opts(3)).Run(bank(false, &emitted))
	w := NewWorld(opts(3))
	w.AddChecker("balance", balanceChecker(&seen), "bank.")
	checked := w.Run(bank(false, &emitted))
	if checked.Failure != nil {
		t.Fatal(checked.Failure.Report())
	}
	if len(seen) != 10 {
		t.Fatalf("checker saw %d transfers, want 10", len(seen))
	}
	// Observing changes nothing: the trace is the same with and without.
	if plain.Hash != checked.Hash || plain.Events != checked.Events {
		t.Fatalf("a checker changed the run: hash %x/%x events %d/%d", plain.Hash, checked.Hash, plain.Events, checked.Events)
	}
}

func TestCheckerKindsAndOrder(t *testing.T) {
	var all, spawns []string
	w := NewWorld(opts(1))
	w.AddChecker("all", CheckerFunc(func(ev CheckEvent) error {
		all = append(all, ev.Kind)
		if ev.Kind == "user.ping" {
			// An event recorded by a checker is delivered after this one.
			w.Trace("user.pong", nil, 0, "")
		}
		return nil
	}))
	w.AddChecker("spawns", CheckerFunc(func(ev CheckEvent) error {
		spawns = append(spawns, ev.Kind)
		return nil
	}), "go.spawn")
	before := w.tr.n // NewWorld records the default node
	r := w.Run(func() {
		Go(func() {})
		w.Trace("user.ping", Current(), 0, "")
		w.Trace("user.after", Current(), 0, "")
	})
	if r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
	if strings.Join(spawns, " ") != "go.spawn go.spawn" { // the root and one goroutine
		t.Fatalf("filtered checker saw %v", spawns)
	}
	got := strings.Join(all, " ")
	if !strings.Contains(got, "user.ping user.pong user.after") {
		t.Fatalf("events out of order: %s", got)
	}
	// The checker sees every event from its registration on.
	if int64(len(all)) != r.Events-before {
		t.Fatalf("checker saw %d of %d events", len(all), r.Events)
	}
}

func TestFinisherJudgesAtEnd(t *testing.T) {
	ops := 0
	w := NewWorld(opts(2))
	w.AddChecker("exactly-three", FinishFunc(func() error {
		if ops != 3 {
			return fmt.Errorf("%d operations completed, want 3", ops)
		}
		return nil
	}))
	r := w.Run(func() {
		for i := 0; i < 2; i++ {
			Current().Sleep(time.Second)
			ops++
		}
	})
	f := r.Failure
	if f == nil || f.Kind != KindCheck || f.Checker != "exactly-three" || f.Event != nil {
		t.Fatalf("want a check failure at the end, got %+v", f)
	}
	if !strings.Contains(f.Message, "at the end of the run: 2 operations completed") {
		t.Fatalf("message: %s", f.Message)
	}

	ok := NewWorld(opts(2))
	ok.AddChecker("exactly-three", FinishFunc(func() error { return nil }))
	if r := ok.Run(func() {}); r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
}

// A finisher does not run after a failure: the first failure stands.
func TestFinisherSkippedAfterFailure(t *testing.T) {
	called := false
	w := NewWorld(opts(2))
	w.AddChecker("end", FinishFunc(func() error { called = true; return errors.New("no") }))
	r := w.Run(func() { w.Fail(KindCheck, "first") })
	if called || r.Failure == nil || r.Failure.Message != "first" {
		t.Fatalf("finisher called=%v failure=%v", called, r.Failure)
	}
}

type sectionErr struct{}

func (sectionErr) Error() string { return "bad state" }
func (sectionErr) ReportSections() []ReportSection {
	return []ReportSection{{Title: "checker detail", Body: "line one\nline two"}}
}

func TestReportSectionsAndNodes(t *testing.T) {
	w := NewWorld(opts(5))
	w.AddReportSection("replicas", func() string { return "r1: leader term 3\nr2: follower" })
	r := w.Run(func() {
		g := Current()
		a, b := w.NewNode("alpha"), w.NewNode("beta")
		done := make(chan int)
		a.Go("server", func() { Current().Sleep(time.Millisecond); Send(done, 1) })
		b.Go("client", func() { Current().Sleep(2 * time.Millisecond); Send(done, 2) })
		Recv(done)
		Recv(done)
		w.AddChecker("detail", CheckerFunc(func(ev CheckEvent) error {
			if ev.Kind == "user.boom" {
				return sectionErr{}
			}
			return nil
		}))
		w.Trace("user.boom", g, 0, "")
	})
	f := r.Failure
	if f == nil {
		t.Fatal("no failure")
	}
	rep := f.Report()
	for _, want := range []string{"checker detail:\n  line one\n  line two", "replicas:\n  r1: leader term 3",
		"last events per node:", "alpha(10.0.0.2):", "beta(10.0.0.3):", "node0(10.0.0.1):"} {
		if !strings.Contains(rep, want) {
			t.Errorf("report lacks %q:\n%s", want, rep)
		}
	}
	// The checker section comes first: it explains the failure.
	if strings.Index(rep, "checker detail:") > strings.Index(rep, "replicas:") {
		t.Errorf("checker section after the renderer's:\n%s", rep)
	}
}

func TestArtifactPath(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(EnvArtifacts, dir)
	w := NewWorld(opts(9))
	w.SetName("TestX/sub case")
	var p string
	r := w.Run(func() {
		var err error
		p, err = w.ArtifactPath("lin.html")
		if err != nil {
			t.Error(err)
		}
		w.Fail(KindCheck, "x")
	})
	if want := dir + "/TestX_sub_case-seed9-lin.html"; p != want {
		t.Fatalf("artifact path %q, want %q", p, want)
	}
	if !strings.Contains(r.Failure.Report(), "artifacts:\n  "+p) {
		t.Fatalf("report does not list the artifact:\n%s", r.Failure.Report())
	}
}

func TestBuggifyOptionsPerProfile(t *testing.T) {
	perf, _ := Expand(1, Performance)
	smoke, _ := Expand(1, Smoke)
	if perf.Buggify != (BuggifyOptions{}) {
		t.Fatalf("performance profile has buggify %+v", perf.Buggify)
	}
	if smoke.Buggify.Activate <= 0 || smoke.Buggify.Activate > 0.25 {
		t.Fatalf("smoke buggify %+v: want low but on", smoke.Buggify)
	}
	seen := map[BuggifyOptions]bool{}
	for s := uint64(0); s < 64; s++ {
		o, _ := Expand(s, Swarm)
		seen[o.Buggify] = true
		back, err := ParseOptions(o.JSON())
		if err != nil || back.Buggify != o.Buggify {
			t.Fatalf("buggify options do not round-trip: %v %+v", err, back.Buggify)
		}
	}
	if len(seen) < 6 {
		t.Fatalf("swarm varies buggify over only %d combinations", len(seen))
	}
	if !strings.Contains(smoke.Text(), "buggify.activate = 0.1\nbuggify.fire = 0.25\n") {
		t.Fatalf("option text:\n%s", smoke.Text())
	}
}

func TestBuggifyCore(t *testing.T) {
	o := opts(1)
	o.Buggify = BuggifyOptions{Activate: 0.5, Fire: 0.5}
	activeIn := func(seed uint64) []string {
		o.Seed = seed
		w := NewWorld(o)
		w.RecordAll()
		r := w.Run(func() {
			for i := 0; i < 20; i++ {
				for s := 0; s < 8; s++ {
					w.Buggify(fmt.Sprintf("f.go:%d", s), 1)
				}
			}
		})
		if r.Failure != nil {
			t.Fatal(r.Failure.Report())
		}
		var traced []string
		for _, e := range w.Events() {
			if e.Kind == "buggify.activate" {
				traced = append(traced, e.Detail)
			}
		}
		if strings.Join(traced, ",") != strings.Join(w.BuggifyActive(), ",") {
			t.Fatalf("traced activations %v, active %v", traced, w.BuggifyActive())
		}
		return w.BuggifyActive()
	}
	a1, a2 := activeIn(11), activeIn(11)
	if strings.Join(a1, ",") != strings.Join(a2, ",") {
		t.Fatalf("same seed, different activations: %v %v", a1, a2)
	}
	distinct := map[string]bool{}
	for s := uint64(1); s <= 10; s++ {
		distinct[strings.Join(activeIn(s), ",")] = true
	}
	if len(distinct) < 5 {
		t.Fatalf("activation barely varies across seeds: %v", distinct)
	}
}
