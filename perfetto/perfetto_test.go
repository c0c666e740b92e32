package perfetto_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/marionette-dst/marionette/perfetto"
	"github.com/marionette-dst/marionette/runtime"
)

// sample runs a small simulated program (with the trace file on) and reads
// the trace back: goroutines handing values over channels, timers, messages
// between two "nodes" recorded as net.send/net.deliver events, a fault, and
// a failure at the end.
func sample(t *testing.T) []runtime.TraceRun {
	t.Helper()
	path := filepath.Join(t.TempDir(), "trace.jsonl")
	t.Setenv(runtime.EnvTrace, path)
	o, _ := runtime.Expand(3, runtime.Smoke)
	w := runtime.NewWorld(o)
	w.SetName("TestSample")
	w.Run(func() {
		g := runtime.Current()
		c := make(chan int)
		done := make(chan struct{})
		for i := 0; i < 3; i++ {
			i := i
			runtime.Go(func() {
				me := runtime.Current()
				for j := 0; j < 3; j++ {
					me.Sleep(time.Duration(i+1) * time.Millisecond)
					runtime.Send(c, j)
					if j == 1 {
						w.Trace("net.send", me, int64(10*i+j), fmt.Sprintf("msg %d", 10*i+j))
						id := int64(10*i + j)
						w.Schedule(3*time.Millisecond, "deliver", func() { w.Trace("net.deliver", nil, id, "") })
					}
				}
			})
		}
		runtime.Go(func() {
			for k := 0; k < 9; k++ {
				runtime.Recv(c)
			}
			runtime.Close(done)
		})
		w.Schedule(2*time.Millisecond, "partition", func() { w.Trace("fault.partition", nil, 0, "a|b") })
		runtime.Recv(done)
		g.Sleep(time.Second)
		w.Fail(runtime.KindCheck, "sample failure")
	})
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	runs, err := runtime.ReadTrace(f)
	if err != nil {
		t.Fatal(err)
	}
	return runs
}

func TestExportValidates(t *testing.T) {
	runs := sample(t)
	for _, clock := range []perfetto.Clock{perfetto.ClockSim, perfetto.ClockSeq} {
		var buf bytes.Buffer
		if err := perfetto.Write(&buf, runs, perfetto.Options{Clock: clock}); err != nil {
			t.Fatal(err)
		}
		stats := validate(t, buf.Bytes())
		// What a person should see: one track per goroutine (5 + the
		// scheduler), arrows for spawns, wakes and messages, the fault and
		// the failure as instants.
		if stats.threads < 6 || stats.flows["spawn"] < 4 || stats.flows["wake"] < 5 || stats.flows["message"] != 3 {
			t.Errorf("%s: threads %d flows %v", clock, stats.threads, stats.flows)
		}
		if !stats.instants["fault.partition"] || !stats.instants["FAIL check"] {
			t.Errorf("%s: instants %v", clock, stats.instants)
		}
	}
}

func TestNodesAreProcesses(t *testing.T) {
	runs := sample(t)
	var buf bytes.Buffer
	err := perfetto.Write(&buf, runs, perfetto.Options{NodeOf: func(_ *runtime.TraceRun, g int64) string {
		if g%2 == 0 {
			return "even"
		}
		return "odd"
	}})
	if err != nil {
		t.Fatal(err)
	}
	validate(t, buf.Bytes())
	var tr struct{ TraceEvents []perfetto.Event }
	json.Unmarshal(buf.Bytes(), &tr)
	names := map[string]bool{}
	for _, e := range tr.TraceEvents {
		if e.Name == "process_name" {
			names[e.Args["name"].(string)] = true
		}
	}
	if !names["TestSample seed 3 even"] || !names["TestSample seed 3 odd"] {
		t.Fatalf("process names %v", names)
	}
}

func TestDescribe(t *testing.T) {
	runs := sample(t)
	tr := perfetto.Convert(runs, perfetto.Options{Describe: func(ev runtime.TraceEvent) (string, map[string]any) {
		if ev.Kind == "net.send" {
			return "send " + ev.Detail, map[string]any{"bytes": 42}
		}
		return "", nil
	}})
	found := false
	for _, e := range tr.TraceEvents {
		if e.Name == "send msg 1" && e.Args["bytes"] == 42 {
			found = true
		}
	}
	if !found {
		t.Fatal("domain renderer not applied")
	}
}

type stats struct {
	threads  int
	flows    map[string]int
	instants map[string]bool
}

// validate checks a trace against the Trace Event Format (the JSON object
// form read by chrome://tracing and ui.perfetto.dev): required fields and
// their types per phase, microsecond timestamps, metadata events, complete
// events properly nested per thread, flow starts and ends matched by
// category and id and bound to an enclosing slice, and instant scopes.
func validate(t *testing.T, data []byte) stats {
	t.Helper()
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		t.Fatalf("not a JSON object: %v", err)
	}
	var unit string
	if err := json.Unmarshal(top["displayTimeUnit"], &unit); err != nil || (unit != "ns" && unit != "ms") {
		t.Errorf("displayTimeUnit %q", unit)
	}
	var evs []map[string]any
	if err := json.Unmarshal(top["traceEvents"], &evs); err != nil {
		t.Fatalf("traceEvents: %v", err)
	}
	if len(evs) == 0 {
		t.Fatal("no events")
	}
	type track struct{ pid, tid float64 }
	type span struct{ start, end float64 }
	slices := map[track][]span{}
	starts := map[string]map[string]any{}
	ends := map[string]map[string]any{}
	st := stats{flows: map[string]int{}, instants: map[string]bool{}}
	named := map[track]bool{}
	num := func(e map[string]any, k string) (float64, bool) {
		v, ok := e[k].(float64)
		return v, ok
	}
	for i, e := range evs {
		where := fmt.Sprintf("event %d %v", i, e)
		name, ok := e["name"].(string)
		if !ok {
			t.Fatalf("%s: name missing or not a string", where)
		}
		ph, ok := e["ph"].(string)
		if !ok {
			t.Fatalf("%s: ph missing", where)
		}
		pid, ok1 := num(e, "pid")
		tid, ok2 := num(e, "tid")
		if !ok1 || !ok2 || pid != float64(int64(pid)) || tid != float64(int64(tid)) {
			t.Fatalf("%s: pid and tid must be integers", where)
		}
		if ph == "M" {
			args, _ := e["args"].(map[string]any)
			switch name {
			case "process_name", "thread_name":
				if _, ok := args["name"].(string); !ok {
					t.Fatalf("%s: metadata without args.name", where)
				}
				if name == "thread_name" {
					named[track{pid, tid}] = true
					st.threads++
				}
			case "process_sort_index", "thread_sort_index":
				if _, ok := args["sort_index"].(float64); !ok {
					t.Fatalf("%s: sort index missing", where)
				}
			default:
				t.Fatalf("%s: unknown metadata event", where)
			}
			continue
		}
		ts, ok := num(e, "ts")
		if !ok || ts < 0 {
			t.Fatalf("%s: ts missing or negative", where)
		}
		switch ph {
		case "X":
			d, ok := num(e, "dur")
			if !ok || d < 0 {
				t.Fatalf("%s: complete event without a non-negative dur", where)
			}
			k := track{pid, tid}
			slices[k] = append(slices[k], span{ts, ts + d})
		case "i", "I":
			if s, _ := e["s"].(string); s != "g" && s != "p" && s != "t" {
				t.Fatalf("%s: instant scope %q", where, s)
			}
			st.instants[name] = true
		case "s", "f":
			id, _ := e["id"].(string)
			cat, _ := e["cat"].(string)
			if id == "" || cat == "" {
				t.Fatalf("%s: flow without id or cat", where)
			}
			key := cat + "/" + id
			m := starts
			if ph == "f" {
				m = ends
				if e["bp"] != "e" {
					t.Fatalf("%s: flow end must bind to the enclosing slice (bp e)", where)
				}
			}
			if m[key] != nil {
				t.Fatalf("%s: flow %s %s twice", where, ph, key)
			}
			m[key] = e
		default:
			t.Fatalf("%s: unexpected phase %q", where, ph)
		}
	}
	// Complete events on one thread nest: no partial overlaps.
	for k, ss := range slices {
		sort.Slice(ss, func(i, j int) bool {
			if ss[i].start != ss[j].start {
				return ss[i].start < ss[j].start
			}
			return ss[i].end > ss[j].end
		})
		var stack []span
		for _, s := range ss {
			for len(stack) > 0 && stack[len(stack)-1].end <= s.start {
				stack = stack[:len(stack)-1]
			}
			if len(stack) > 0 && s.end > stack[len(stack)-1].end+1e-9 {
				t.Fatalf("track %v: slice %v overlaps %v without nesting", k, s, stack[len(stack)-1])
			}
			stack = append(stack, s)
		}
		if k.tid != 0 && !named[k] {
			t.Errorf("track %v has slices but no thread_name", k)
		}
	}
	enclosed := func(e map[string]any) bool {
		ts := e["ts"].(float64)
		for _, s := range slices[track{e["pid"].(float64), e["tid"].(float64)}] {
			if s.start <= ts && ts <= s.end {
				return true
			}
		}
		return false
	}
	for key, s := range starts {
		f := ends[key]
		if f == nil {
			t.Fatalf("flow %s starts but never ends", key)
		}
		if f["ts"].(float64) < s["ts"].(float64) {
			t.Fatalf("flow %s ends before it starts", key)
		}
		if !enclosed(s) || !enclosed(f) {
			t.Fatalf("flow %s is not bound to slices: %v -> %v", key, s, f)
		}
		st.flows[strings.Split(key, "/")[0]]++
	}
	for key := range ends {
		if starts[key] == nil {
			t.Fatalf("flow %s ends but never starts", key)
		}
	}
	return st
}

// In a world with several nodes the trace records each event's node, and
// the export makes a process per node.
func TestRecordedNodes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trace.jsonl")
	t.Setenv(runtime.EnvTrace, path)
	o, _ := runtime.Expand(1, runtime.Smoke)
	w := runtime.NewWorld(o)
	w.SetName("TestNodes")
	w.Run(func() {
		done := make(chan int)
		for _, name := range []string{"alpha", "beta"} {
			n := w.NewNode(name)
			n.Go("server", func() {
				runtime.Current().Sleep(time.Millisecond)
				runtime.Send(done, 1)
			})
		}
		runtime.Recv(done)
		runtime.Recv(done)
	})
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	runs, err := runtime.ReadTrace(f)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := perfetto.Write(&buf, runs, perfetto.Options{}); err != nil {
		t.Fatal(err)
	}
	validate(t, buf.Bytes())
	var tr struct{ TraceEvents []perfetto.Event }
	json.Unmarshal(buf.Bytes(), &tr)
	threadsOf := map[string][]string{}
	procName := map[int]string{}
	for _, e := range tr.TraceEvents {
		if e.Name == "process_name" {
			procName[e.Pid] = e.Args["name"].(string)
		}
	}
	for _, e := range tr.TraceEvents {
		if e.Name == "thread_name" && e.Tid != 0 {
			threadsOf[procName[e.Pid]] = append(threadsOf[procName[e.Pid]], e.Args["name"].(string))
		}
	}
	if len(threadsOf["TestNodes seed 1 alpha"]) != 1 || len(threadsOf["TestNodes seed 1 beta"]) != 1 || len(threadsOf["TestNodes seed 1 node0"]) != 1 {
		t.Fatalf("threads per process: %v", threadsOf)
	}
}
