package history_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/marionette-dst/marionette/history"
	"github.com/marionette-dst/marionette/runtime"
)

// Hand-written histories, recorded natively.

func TestIndefiniteAcceptedEitherWay(t *testing.T) {
	for _, read := range []string{"1", ""} {
		r := history.NewRecorder()
		w := r.Invoke(0, history.Put("x", "1"))
		w.Info("timeout") // may or may not have taken effect
		g := r.Invoke(1, history.Get("x"))
		g.Ok(history.KVOutput{Value: read})
		if v := r.Check(history.KVModel, 0); v.Result != porcupine.Ok {
			t.Errorf("put info, then get %q: %s, want Ok", read, v.Result)
		}
	}
	// It stays open to the end: a read long after may still see it...
	r := history.NewRecorder()
	r.Invoke(0, history.Put("x", "1")).Info("lost")
	for i := 0; i < 3; i++ {
		r.Invoke(1, history.Get("x")).Ok(history.KVOutput{Value: ""})
	}
	r.Invoke(1, history.Get("x")).Ok(history.KVOutput{Value: "1"})
	if v := r.Check(history.KVModel, 0); v.Result != porcupine.Ok {
		t.Errorf("late effect of an info put: %s", v.Result)
	}
	// ...but once seen it cannot be unseen.
	r.Invoke(1, history.Get("x")).Ok(history.KVOutput{Value: ""})
	if v := r.Check(history.KVModel, 0); v.Result != porcupine.Illegal {
		t.Errorf("value seen then unseen: %s, want Illegal", v.Result)
	}
	// A never-completed operation is indefinite too.
	r = history.NewRecorder()
	r.Invoke(0, history.Cas("x", "", "2")) // no completion
	r.Invoke(1, history.Get("x")).Ok(history.KVOutput{Value: "2"})
	if v := r.Check(history.KVModel, 0); v.Result != porcupine.Ok {
		t.Errorf("open cas, then get 2: %s", v.Result)
	}
}

func TestFailIsDefinite(t *testing.T) {
	r := history.NewRecorder()
	r.Invoke(0, history.Put("x", "1")).Fail("rejected")
	r.Invoke(1, history.Get("x")).Ok(history.KVOutput{Value: "1"})
	if v := r.Check(history.KVModel, 0); v.Result != porcupine.Illegal || v.Operations != 1 {
		t.Errorf("a failed put observed: %s over %d operations, want Illegal over 1", v.Result, v.Operations)
	}
}

func TestKVModelSequential(t *testing.T) {
	for _, tc := range []struct {
		ops  [][2]any
		want porcupine.CheckResult
	}{
		{[][2]any{{history.Put("k", "a"), history.KVOutput{}}, {history.Get("k"), history.KVOutput{Value: "a"}}}, porcupine.Ok},
		{[][2]any{{history.Put("k", "a"), history.KVOutput{}}, {history.Get("k"), history.KVOutput{Value: ""}}}, porcupine.Illegal},
		{[][2]any{{history.Put("k", "a"), history.KVOutput{}}, {history.Cas("k", "a", "b"), history.KVOutput{OK: true}}, {history.Get("k"), history.KVOutput{Value: "b"}}}, porcupine.Ok},
		{[][2]any{{history.Cas("k", "a", "b"), history.KVOutput{OK: true}}}, porcupine.Illegal},
		{[][2]any{{history.Cas("k", "a", "b"), history.KVOutput{OK: false}}, {history.Get("k"), history.KVOutput{Value: ""}}}, porcupine.Ok},
		// Keys are independent partitions.
		{[][2]any{{history.Put("k", "a"), history.KVOutput{}}, {history.Get("j"), history.KVOutput{Value: ""}}}, porcupine.Ok},
	} {
		r := history.NewRecorder()
		for _, op := range tc.ops {
			r.Invoke(0, op[0]).Ok(op[1])
		}
		if v := r.Check(history.KVModel, 0); v.Result != tc.want {
			t.Errorf("%v: %s, want %s", tc.ops, v.Result, tc.want)
		}
	}
}

func TestClientsBecomeNewProcessesAfterInfo(t *testing.T) {
	r := history.NewRecorder()
	r.Invoke(7, history.Put("x", "1")).Info("timeout")
	r.Invoke(7, history.Get("x")).Ok(history.KVOutput{Value: "1"})
	r.Invoke(9, history.Get("x")).Ok(history.KVOutput{Value: "1"})
	ops := r.Operations()
	if len(ops) != 3 || ops[0].ClientId != 0 || ops[1].ClientId != 1 || ops[2].ClientId != 2 {
		t.Fatalf("processes %+v", ops)
	}
	if !history.IsUnknown(ops[0].Output) || ops[0].Return <= ops[2].Return {
		t.Fatalf("the info op does not stay open to the end: %+v", ops[0])
	}
}

// A simulated register service reached over a lossy network.

type request struct {
	op    *history.Op
	in    history.KVInput
	reply chan history.KVOutput
}

type service struct {
	w     *runtime.World
	stale bool // reads are served by a lagging follower
	data  map[string]string
	copy  map[string]string // the follower's copy
}

// serve handles one delivered request on the primary.
func (s *service) apply(in history.KVInput) history.KVOutput {
	switch in.Op {
	case "get":
		if s.stale {
			return history.KVOutput{Value: s.copy[in.Key]}
		}
		return history.KVOutput{Value: s.data[in.Key]}
	case "put":
		s.data[in.Key] = in.Value
	case "cas":
		if s.data[in.Key] != in.Old {
			return history.KVOutput{OK: false}
		}
		s.data[in.Key] = in.Value
	}
	// Replicate to the follower after a lag.
	k, v := in.Key, s.data[in.Key]
	lag := time.Duration(5+s.w.Rand("lag").IntN(45)) * time.Millisecond
	s.w.Schedule(lag, "replicate", func() { s.copy[k] = v })
	return history.KVOutput{OK: true}
}

// workload runs three clients of twenty operations each against the
// service. The network loses 10% of requests and 10% of replies (the client
// times out: info), and the service rejects 5% of requests without applying
// them (fail).
func workload(s *service, rec *history.Recorder) func() {
	return func() {
		w := s.w
		net := w.Rand(runtime.StreamNetwork)
		done := make(chan bool)
		for c := 0; c < 3; c++ {
			c := c
			runtime.Go(func() {
				g := runtime.Current()
				keys := []string{"x", "y"}
				for i := 0; i < 20; i++ {
					key := keys[net.IntN(2)]
					val := fmt.Sprintf("c%d-%d", c, i)
					var in history.KVInput
					switch net.IntN(3) {
					case 0:
						in = history.Get(key)
					case 1:
						in = history.Put(key, val)
					default:
						in = history.Cas(key, s.data[key], val) // often, but not always, current
					}
					op := rec.Invoke(c, in)
					reply := make(chan history.KVOutput, 1)
					rejected := make(chan struct{}, 1)
					delay := time.Duration(1+net.IntN(5)) * time.Millisecond
					switch p := net.Float64(); {
					case p < 0.1: // request lost
					case p < 0.15:
						w.Schedule(delay, "reject", func() { runtime.TrySendIn(w, rejected, struct{}{}) })
					default:
						replyLost := net.Float64() < 0.1
						w.Schedule(delay, "deliver", func() {
							out := s.apply(in)
							if !replyLost {
								w.Schedule(delay, "reply", func() { runtime.TrySendIn(w, reply, out) })
							}
						})
					}
					timeout := make(chan struct{}, 1)
					tm := w.Schedule(50*time.Millisecond, "timeout", func() { runtime.TrySendIn(w, timeout, struct{}{}) })
					a, b, d := runtime.RecvCase(reply), runtime.RecvCase(rejected), runtime.RecvCase(timeout)
					switch runtime.Select(false, a, b, d) {
					case 0:
						tm.Cancel()
						op.Ok(a.V)
					case 1:
						tm.Cancel()
						op.Fail("rejected")
					case 2:
						op.Info("timeout")
					}
					g.Sleep(time.Duration(net.IntN(10)) * time.Millisecond)
				}
				runtime.Send(done, true)
			})
		}
		for c := 0; c < 3; c++ {
			runtime.Recv(done)
		}
	}
}

func runService(t *testing.T, seed uint64, stale bool) (*runtime.Result, *history.Recorder) {
	t.Helper()
	o, _ := runtime.Expand(seed, runtime.Smoke)
	w := runtime.NewWorld(o)
	w.SetName(t.Name())
	s := &service{w: w, stale: stale, data: map[string]string{}, copy: map[string]string{}}
	rec := history.NewRecorder()
	rec.Linearizable(w, "kv", history.KVModel, 0)
	return w.Run(workload(s, rec)), rec
}

func TestCorrectRegisterLinearizableUnderFaults(t *testing.T) {
	t.Setenv(runtime.EnvArtifacts, t.TempDir())
	kinds := map[history.Kind]int{}
	for seed := uint64(1); seed <= 5; seed++ {
		r, rec := runService(t, seed, false)
		if r.Failure != nil {
			t.Fatalf("seed %d: %s", seed, r.Failure.Report())
		}
		for _, e := range rec.Events() {
			kinds[e.Kind]++
		}
	}
	// The faults produced every kind of completion.
	if kinds[history.Ok] == 0 || kinds[history.Fail] == 0 || kinds[history.Info] == 0 || kinds[history.Invoke] != 300 {
		t.Fatalf("completions %v", kinds)
	}
}

func TestStaleReadsNotLinearizable(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(runtime.EnvArtifacts, dir)
	for seed := uint64(1); seed <= 3; seed++ {
		r, _ := runService(t, seed, true)
		f := r.Failure
		if f == nil {
			t.Fatalf("seed %d: stale reads passed the linearizability check", seed)
		}
		if f.Kind != runtime.KindCheck || f.Checker != "linearizable/kv" {
			t.Fatalf("seed %d: failure %s by %q", seed, f.Kind, f.Checker)
		}
		path := fmt.Sprintf("%s/%s-seed%d-linearizability-kv.html", dir, t.Name(), seed)
		html, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("seed %d: no visualization: %v\n%s", seed, err, f.Report())
		}
		if !strings.Contains(string(html), "<html") || !strings.Contains(string(html), "get(") {
			t.Fatalf("visualization does not look like porcupine's: %.200s", html)
		}
		rep := f.Report()
		for _, want := range []string{"not linearizable against the kv model", "visualization: " + path, "linearizability:\n  open " + path, "artifacts:"} {
			if !strings.Contains(rep, want) {
				t.Errorf("report lacks %q:\n%s", want, rep)
			}
		}
	}
}

func TestHistoryEventsAreTraced(t *testing.T) {
	o, _ := runtime.Expand(1, runtime.Smoke)
	w := runtime.NewWorld(o)
	var seen []history.Event
	w.AddChecker("ops", runtime.CheckerFunc(func(ev runtime.CheckEvent) error {
		seen = append(seen, ev.Payload.(history.Event))
		return nil
	}), "history.")
	rec := history.NewRecorder()
	r := w.Run(func() {
		runtime.Current().Sleep(time.Second)
		rec.Invoke(0, history.Put("x", "1")).Ok(history.KVOutput{OK: true})
	})
	if r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
	if len(seen) != 2 || seen[0].Kind != history.Invoke || seen[1].Kind != history.Ok || seen[1].Time != time.Second {
		t.Fatalf("checker saw %v", seen)
	}
}
