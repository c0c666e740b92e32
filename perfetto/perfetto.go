// Package perfetto exports Marionette traces in the Chrome trace event
// format (JSON object form), which ui.perfetto.dev, chrome://tracing and
// other trace viewers open.
//
// Layout: one process per run (per run and node when the trace says which
// node a goroutine runs on), one thread track per goroutine plus a
// "scheduler" track. On a goroutine's track, slices show when it ran and
// what it waited on while parked. Arrows (flow events) go from the
// goroutine that spawned or woke another to the slice where that one next
// runs, and from a message's send to its delivery. Subsystem and user
// events are instant events on the track of the goroutine that recorded
// them; faults and environment changes (DefaultFaults: node crashes and
// restarts, partitions, clogs, disk faults, buggify, phase changes) are
// process-wide instant events, and a run's failure is a global one.
//
// Time: many events share one simulated instant (time moves only when
// nothing can run), so the default clock stretches simulated time: each
// event is placed at its simulated time, or one Step after the previous
// event if that is later. Arguments of every event keep the exact simulated
// time and the event number. ClockSeq places event N at N microseconds
// instead, for looking at ordering alone.
package perfetto

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/marionette-dst/marionette/runtime"
)

// Clock chooses the time axis.
type Clock string

const (
	ClockSim Clock = "sim" // simulated time, stretched to keep events at one instant apart
	ClockSeq Clock = "seq" // event N at N microseconds
)

// Options configure a conversion.
type Options struct {
	Clock Clock
	// Step is the stretch between events at the same simulated instant
	// (ClockSim; default 1ns).
	Step time.Duration
	// NodeOf names the node goroutine g of a run belongs to; goroutines of
	// one node share a process. Nil: the node recorded in the trace events
	// (worlds with several nodes record it), else one process per run.
	NodeOf func(run *runtime.TraceRun, g int64) string
	// Flows maps the kind of a sending event to the kind of its delivery;
	// a send and a delivery with the same Arg (the message id) are joined
	// by an arrow. Default: net.send -> net.deliver.
	Flows map[string]string
	// Faults lists the event kinds shown as process-wide instants (exact,
	// or prefixes ending in "."). Default: DefaultFaults.
	Faults []string
	// Describe, if set, names and annotates subsystem and user events (a
	// domain renderer): it returns the instant event's name and extra
	// arguments; an empty name keeps the default (the kind).
	Describe func(ev runtime.TraceEvent) (name string, args map[string]any)
}

// Trace is a trace in the JSON object format.
type Trace struct {
	TraceEvents     []Event        `json:"traceEvents"`
	DisplayTimeUnit string         `json:"displayTimeUnit"`
	OtherData       map[string]any `json:"otherData,omitempty"`
}

// Event is one trace event. Ts and Dur are in microseconds.
type Event struct {
	Name string         `json:"name"`
	Cat  string         `json:"cat"` // Chrome DevTools' parser needs it on every event
	Ph   string         `json:"ph"`
	Ts   float64        `json:"ts"`
	Dur  *float64       `json:"dur,omitempty"`
	Pid  int            `json:"pid"`
	Tid  int64          `json:"tid"`
	ID   string         `json:"id,omitempty"`
	Bp   string         `json:"bp,omitempty"`
	S    string         `json:"s,omitempty"`
	Args map[string]any `json:"args"` // also required by DevTools' parser
}

// DefaultFaults are the event kinds shown as process-wide instants: faults
// and environment changes. An entry ending in "." is a prefix.
var DefaultFaults = []string{
	"fault.", "buggify.", "phase.",
	"node", // node life cycle: crash, restart, stop, pause, resume
	"net.partition", "net.heal", "net.clog", "net.unclog", "net.isolate", "net.rejoin", "net.pause", "net.resume",
	"disk.fault", "disk.crash",
}

// matchKind reports whether kind is one of kinds (exact, or by a prefix
// ending in ".").
func matchKind(kinds []string, kind string) bool {
	for _, k := range kinds {
		if k == kind || strings.HasSuffix(k, ".") && strings.HasPrefix(kind, k) {
			return true
		}
	}
	return false
}

// builtin kinds are drawn as slices and arrows, not instant events.
var builtin = map[string]bool{
	"go.spawn": true, "go.run": true, "go.park": true, "go.wake": true, "go.exit": true, "go.yield": true,
	"timer.set": true, "timer.stop": true, "clock.advance": true, "select": true, "chan.poll": true, "map.range": true,
}

// Convert converts the runs of a trace file.
func Convert(runs []runtime.TraceRun, o Options) *Trace {
	if o.Clock == "" {
		o.Clock = ClockSim
	}
	if o.Step <= 0 {
		o.Step = time.Nanosecond
	}
	if o.Faults == nil {
		o.Faults = DefaultFaults
	}
	if o.Flows == nil {
		o.Flows = map[string]string{"net.send": "net.deliver"}
	}
	t := &Trace{DisplayTimeUnit: "ns", OtherData: map[string]any{"generator": "marionette", "clock": string(o.Clock)}}
	pids := 0
	for i := range runs {
		c := &converter{o: o, run: &runs[i], t: t, pidBase: pids}
		c.convert()
		pids += len(c.pids)
	}
	t.TraceEvents = dropDangling(t.TraceEvents)
	return t
}

// dropDangling removes arrows that never arrived (a message lost, a
// goroutine woken but never run before the end).
func dropDangling(evs []Event) []Event {
	ends := map[string]bool{}
	for _, e := range evs {
		if e.Ph == "f" {
			ends[e.Cat+"/"+e.ID] = true
		}
	}
	out := evs[:0]
	for _, e := range evs {
		if e.Ph == "s" && !ends[e.Cat+"/"+e.ID] {
			continue
		}
		out = append(out, e)
	}
	return out
}

// Write converts runs and writes the JSON.
func Write(w io.Writer, runs []runtime.TraceRun, o Options) error {
	enc := json.NewEncoder(w)
	return enc.Encode(Convert(runs, o))
}

type gState struct {
	id       int64
	name     string
	pid      int
	running  bool
	runStart float64
	parked   bool
	parkAt   float64
	parkWhy  string
	flowsIn  [][2]string // arrows (id, category) waiting for the goroutine's next run slice
}

type converter struct {
	o       Options
	run     *runtime.TraceRun
	t       *Trace
	pidBase int
	pids    map[string]int // node -> pid
	gs      map[int64]*gState
	cur     *gState // the goroutine running
	last    float64 // display time of the previous event, µs
	seen    bool
	flowID  int
	sends   map[string]string // flow kind + arg -> flow id waiting for delivery
	schedOn bool
}

func (c *converter) pidOf(g int64) int {
	node := ""
	if c.o.NodeOf != nil && g != 0 {
		node = c.o.NodeOf(c.run, g)
	}
	pid, ok := c.pids[node]
	if !ok {
		pid = c.pidBase + len(c.pids) + 1
		c.pids[node] = pid
		name := fmt.Sprintf("%s seed %d", runName(c.run), c.run.Seed)
		if node != "" {
			name += " " + node
		}
		c.emit(Event{Name: "process_name", Ph: "M", Pid: pid, Args: map[string]any{"name": name}})
		c.emit(Event{Name: "process_sort_index", Ph: "M", Pid: pid, Args: map[string]any{"sort_index": pid}})
		c.emit(Event{Name: "thread_name", Ph: "M", Pid: pid, Tid: 0, Args: map[string]any{"name": "scheduler"}})
	}
	return pid
}

func runName(r *runtime.TraceRun) string {
	if r.Name == "" {
		return "run"
	}
	return r.Name
}

func (c *converter) emit(e Event) {
	if e.Ph == "M" {
		e.Cat = "__metadata"
	}
	if e.Args == nil {
		e.Args = map[string]any{}
	}
	c.t.TraceEvents = append(c.t.TraceEvents, e)
}

// ts maps an event to display time in microseconds.
func (c *converter) ts(e runtime.TraceEvent) float64 {
	if c.o.Clock == ClockSeq {
		return float64(e.N)
	}
	d := float64(e.T) / 1e3
	step := float64(c.o.Step) / 1e3
	if c.seen && d < c.last+step {
		d = c.last + step
	}
	return d
}

func (c *converter) g(id int64) *gState {
	g := c.gs[id]
	if g == nil {
		g = &gState{id: id, name: fmt.Sprintf("g%d", id), pid: c.pidOf(id)}
		c.gs[id] = g
	}
	return g
}

func (c *converter) nameThread(g *gState, fn string) {
	g.name = fmt.Sprintf("g%d %s", g.id, fn)
	c.emit(Event{Name: "thread_name", Ph: "M", Pid: g.pid, Tid: g.id, Args: map[string]any{"name": g.name}})
	c.emit(Event{Name: "thread_sort_index", Ph: "M", Pid: g.pid, Tid: g.id, Args: map[string]any{"sort_index": g.id}})
}

func dur(d float64) *float64 {
	if d < 0 {
		d = 0
	}
	return &d
}

func (c *converter) endRun(g *gState, at float64, why string) {
	if !g.running {
		return
	}
	g.running = false
	c.emit(Event{Name: "run", Cat: "run", Ph: "X", Ts: g.runStart, Dur: dur(at - g.runStart), Pid: g.pid, Tid: g.id,
		Args: map[string]any{"goroutine": g.name, "until": why}})
	if c.cur == g {
		c.cur = nil
	}
}

func (c *converter) endPark(g *gState, at float64) {
	if !g.parked {
		return
	}
	g.parked = false
	c.emit(Event{Name: "wait: " + g.parkWhy, Cat: "wait", Ph: "X", Ts: g.parkAt, Dur: dur(at - g.parkAt), Pid: g.pid, Tid: g.id})
}

// flowFrom starts an arrow at the current position of the running
// goroutine (or the scheduler) and returns its id.
func (c *converter) flowFrom(at float64, cat string) string {
	c.flowID++
	id := fmt.Sprintf("%d.%d", c.pidBase, c.flowID)
	pid, tid := c.pidOf(0), int64(0)
	if c.cur != nil {
		pid, tid = c.cur.pid, c.cur.id
	}
	c.anchor(pid, tid, at)
	c.emit(Event{Name: cat, Cat: cat, Ph: "s", Ts: at, Pid: pid, Tid: tid, ID: id})
	return id
}

func (c *converter) convert() {
	c.pids = map[string]int{}
	c.gs = map[int64]*gState{}
	c.sends = map[string]string{}
	if c.o.NodeOf == nil {
		nodes := map[int64]string{}
		for _, e := range c.run.Events {
			if e.Node != "" && e.G != 0 {
				if _, ok := nodes[e.G]; !ok {
					nodes[e.G] = e.Node
				}
			}
		}
		if len(nodes) > 0 {
			c.o.NodeOf = func(_ *runtime.TraceRun, g int64) string { return nodes[g] }
		}
	}
	c.pidOf(0)
	for _, e := range c.run.Events {
		at := c.ts(e)
		c.last, c.seen = at, true
		c.event(e, at)
	}
	// Close what is open at the end.
	ids := make([]int64, 0, len(c.gs))
	for id := range c.gs {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		g := c.gs[id]
		c.endRun(g, c.last, "end of trace")
		c.endPark(g, c.last)
	}
}

func (c *converter) args(e runtime.TraceEvent) map[string]any {
	a := map[string]any{"n": e.N, "sim": time.Duration(e.T).String(), "arg": e.Arg}
	if e.Detail != "" {
		a["detail"] = e.Detail
	}
	return a
}

func (c *converter) event(e runtime.TraceEvent, at float64) {
	switch e.Kind {
	case "go.spawn":
		child := c.g(e.Arg)
		c.nameThread(child, e.Detail)
		if e.G != 0 {
			child.flowsIn = append(child.flowsIn, [2]string{c.flowFrom(at, "spawn"), "spawn"})
		}
	case "go.run":
		g := c.g(e.G)
		if c.cur != nil && c.cur != g {
			c.endRun(c.cur, at, "switch")
		}
		c.endPark(g, at)
		g.running, g.runStart = true, at
		c.cur = g
		for _, f := range g.flowsIn {
			c.emit(Event{Name: f[1], Cat: f[1], Ph: "f", Bp: "e", Ts: at, Pid: g.pid, Tid: g.id, ID: f[0]})
		}
		g.flowsIn = g.flowsIn[:0]
	case "go.park":
		g := c.g(e.G)
		c.endRun(g, at, "park: "+e.Detail)
		g.parked, g.parkAt, g.parkWhy = true, at, e.Detail
	case "go.yield":
		c.endRun(c.g(e.G), at, "yield")
	case "go.exit":
		g := c.g(e.G)
		c.endRun(g, at, "exit: "+e.Detail)
		c.endPark(g, at)
	case "go.wake":
		g := c.g(e.G)
		if c.cur != g {
			g.flowsIn = append(g.flowsIn, [2]string{c.flowFrom(at, "wake"), "wake"})
		}
	case "timer.fire":
		if c.cur != nil {
			c.endRun(c.cur, at, "switch")
		}
		c.emit(Event{Name: "timer: " + e.Detail, Cat: "timer", Ph: "i", S: "t", Ts: at, Pid: c.pidOf(0), Tid: 0, Args: c.args(e)})
	case "fail":
		c.emit(Event{Name: "FAIL " + e.Detail, Cat: "fail", Ph: "i", S: "g", Ts: at, Pid: c.pidOf(0), Tid: 0, Args: c.args(e)})
	default:
		if builtin[e.Kind] {
			return
		}
		c.instant(e, at)
	}
}

func (c *converter) instant(e runtime.TraceEvent, at float64) {
	name, args := e.Kind, c.args(e)
	if c.o.Describe != nil {
		n, extra := c.o.Describe(e)
		if n != "" {
			name = n
		}
		for k, v := range extra {
			args[k] = v
		}
	}
	pid, tid := c.pidOf(0), int64(0)
	if e.G != 0 {
		g := c.g(e.G)
		pid, tid = g.pid, g.id
	}
	ev := Event{Name: name, Cat: category(e.Kind), Ph: "i", S: "t", Ts: at, Pid: pid, Tid: tid, Args: args}
	if matchKind(c.o.Faults, e.Kind) {
		ev.S = "p"
	}
	c.emit(ev)
	// Message arrows, from the track of the send to the track of the delivery.
	if recv, ok := c.o.Flows[e.Kind]; ok {
		c.flowID++
		id := fmt.Sprintf("%d.%d", c.pidBase, c.flowID)
		c.sends[fmt.Sprintf("%s/%d", recv, e.Arg)] = id
		c.anchor(pid, tid, at)
		c.emit(Event{Name: "message", Cat: "message", Ph: "s", Ts: at, Pid: pid, Tid: tid, ID: id})
		return
	}
	key := fmt.Sprintf("%s/%d", e.Kind, e.Arg)
	if id, ok := c.sends[key]; ok {
		delete(c.sends, key)
		c.anchor(pid, tid, at)
		c.emit(Event{Name: "message", Cat: "message", Ph: "f", Bp: "e", Ts: at, Pid: pid, Tid: tid, ID: id})
	}
}

// anchor makes sure a slice encloses time at on a track, for an arrow to
// bind to: the running goroutine's run slice does; elsewhere a short marker
// slice is added.
func (c *converter) anchor(pid int, tid int64, at float64) {
	if tid != 0 && c.cur != nil && c.cur.id == tid {
		return
	}
	c.emit(Event{Name: "marker", Cat: "marker", Ph: "X", Ts: at, Dur: dur(float64(c.o.Step) / 1e3), Pid: pid, Tid: tid})
}

func category(kind string) string {
	if i := strings.IndexByte(kind, '.'); i > 0 {
		return kind[:i]
	}
	return kind
}
