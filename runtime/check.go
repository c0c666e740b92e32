// This file defines checkers: components registered with a world under a
// name that observe every trace event as it happens, and may fail the run at
// the first bad event (kind "check", naming the checker, the event and the
// time) or judge at the end of the run. It also defines typed event payloads
// (World.Emit), the extra sections failure reports carry (domain renderers,
// the last events of each node) and where runs write artifacts.
//
// The hot path: every trace event passes through appendEvent (trace.go). In a
// one-node world that never used a checker, assertion, buggify site or phase,
// the only cost there is a nil pointer test and a length test; the checker
// state is allocated on first use.

package runtime

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// CheckEvent is what a checker observes: one trace event and, for events recorded
// with World.Emit, its typed payload.
type CheckEvent struct {
	TraceEvent
	// Payload is the value passed to World.Emit (a subsystem's own struct:
	// the message delivered, the file synced...), nil for other events.
	Payload any
}

// A Checker observes a run's events as they happen. Observe is called in
// the scheduler or in the goroutine that caused the event, one event at a
// time, in trace order; it must not block or call into the simulator in a
// way that blocks (it may record events and read state). A non-nil error
// fails the run with kind "check" at that event.
type Checker interface {
	Observe(ev CheckEvent) error
}

// CheckerFunc adapts a function to a Checker.
type CheckerFunc func(ev CheckEvent) error

// Observe calls f.
func (f CheckerFunc) Observe(ev CheckEvent) error { return f(ev) }

// A Finisher is a checker that also judges at the end of the run: Finish is
// called once, after the root goroutine returned and before the remaining
// goroutines are unwound, if the run has not failed already. A non-nil
// error fails the run with kind "check". Finish runs in the scheduler; the
// busy-loop watchdog does not count its wall time (a linearizability check
// may take seconds).
type Finisher interface {
	Finish() error
}

// FinishFunc adapts a function to a checker that only judges at the end.
type FinishFunc func() error

// Observe ignores events.
func (f FinishFunc) Observe(CheckEvent) error { return nil }

// Finish calls f.
func (f FinishFunc) Finish() error { return f() }

// ReportSection is a titled block of a failure report, after the stacks.
type ReportSection struct {
	Title string
	Body  string
}

type checkEntry struct {
	name  string
	c     Checker
	kinds []string
}

type renderer struct {
	title string
	f     func() string
}

// checks is a world's checker state, nil until a checker, assertion,
// buggify site, phase or report hook is first used.
type checks struct {
	list []*checkEntry

	dispatching bool
	pending     []CheckEvent
	payload     any // payload of the event being recorded by Emit

	renderers []renderer
	artifacts []string

	nodeRings map[*Node]*eventRing
	lastNode  *Node
	lastRing  *eventRing

	asserts map[assertKey]*assertState
	buggify map[string]bool // site -> active for this run

	phase       Phase
	phaseAt     int64
	core        []string
	transitions []transition
}

func (w *World) checks() *checks {
	if w.chk == nil {
		w.chk = &checks{}
	}
	return w.chk
}

// Active reports whether any world is running in this process. Assertions
// and buggify test it first, so outside a simulation they cost one atomic
// load.
func Active() bool { return activeWorlds.Load() > 0 }

// AddChecker registers a checker under a name. kinds, if given, restrict
// the events it observes: an entry ending in "." is a prefix ("net."), any
// other an exact kind ("go.spawn"). Checkers observe events in registration
// order; events recorded while a checker runs are delivered after it, in
// order. A checker registered during the run sees events from then on.
func (w *World) AddChecker(name string, c Checker, kinds ...string) {
	ch := w.checks()
	for _, e := range ch.list {
		if e.name == name {
			panic(fmt.Sprintf("marionette: checker %q registered twice", name))
		}
	}
	ch.list = append(ch.list, &checkEntry{name: name, c: c, kinds: kinds})
}

// Checkers returns the names of the registered checkers, in order.
func (w *World) Checkers() []string {
	if w.chk == nil {
		return nil
	}
	var names []string
	for _, e := range w.chk.list {
		names = append(names, e.name)
	}
	return names
}

// Emit records a subsystem event carrying a typed payload. The event is
// traced as Trace traces it (kind, goroutine, arg and detail are part of the
// trace hash; the payload is not) and checkers receive the payload with it.
func (w *World) Emit(kind string, g *G, arg int64, detail string, payload any) {
	c := w.chk
	if c == nil || len(c.list) == 0 {
		w.Trace(kind, g, arg, detail)
		return
	}
	c.payload = payload
	w.Trace(kind, g, arg, detail)
	c.payload = nil
}

// observe is called by appendEvent for every event once the checker state
// exists or the world has more than one node.
func (w *World) observe(te TraceEvent) {
	c := w.checks()
	ev := CheckEvent{TraceEvent: te, Payload: c.payload}
	c.payload = nil
	if len(w.nodes) > 1 {
		c.noteNode(w, te)
	}
	if w.failure != nil || len(c.list) == 0 {
		return
	}
	if c.dispatching {
		c.pending = append(c.pending, ev)
		return
	}
	c.dispatching = true
	defer func() { c.dispatching = false }()
	for {
		c.deliver(w, ev)
		if len(c.pending) == 0 || w.failure != nil {
			c.pending = c.pending[:0]
			return
		}
		ev = c.pending[0]
		c.pending = c.pending[1:]
	}
}

func (c *checks) deliver(w *World, ev CheckEvent) {
	for _, e := range c.list {
		if !e.wants(ev.Kind) {
			continue
		}
		if err := e.c.Observe(ev); err != nil {
			w.failCheck(e.name, &ev.TraceEvent, err)
			return
		}
	}
}

func (e *checkEntry) wants(kind string) bool {
	if len(e.kinds) == 0 {
		return true
	}
	for _, k := range e.kinds {
		if k == kind || strings.HasSuffix(k, ".") && strings.HasPrefix(kind, k) {
			return true
		}
	}
	return false
}

// failCheck fails the run on behalf of a checker; ev is nil for a judgement
// at the end of the run.
func (w *World) failCheck(name string, ev *TraceEvent, err error) {
	var msg string
	if ev != nil {
		msg = fmt.Sprintf("checker %q failed at event #%d (%s) at simulated %v: %v", name, ev.N, ev.Kind, time.Duration(ev.T), err)
	} else {
		msg = fmt.Sprintf("checker %q failed at the end of the run: %v", name, err)
	}
	w.failAs(KindCheck, msg, func(f *Failure) {
		f.Checker = name
		if ev != nil {
			e := *ev
			f.Event = &e
		}
		var s interface{ ReportSections() []ReportSection }
		if errors.As(err, &s) {
			f.Sections = append(s.ReportSections(), f.Sections...)
		}
	})
}

// failAs fails the run (if it has not failed yet) naming the running
// goroutine, and lets edit complete the failure.
func (w *World) failAs(kind Kind, msg string, edit func(f *Failure)) {
	if w.failure != nil {
		return
	}
	w.Fail(kind, msg)
	if w.failure != nil && edit != nil {
		edit(w.failure)
	}
}

// finishChecks runs the Finish methods of the checkers at the end of a run
// that has not failed.
func (w *World) finishChecks() {
	c := w.chk
	if c == nil {
		return
	}
	w.NativeBlock(func() {
		for _, e := range c.list {
			if w.failure != nil {
				return
			}
			if f, ok := e.c.(Finisher); ok {
				if err := f.Finish(); err != nil {
					w.failCheck(e.name, nil, err)
				}
			}
		}
	})
}

// AddReportSection registers a domain renderer: when the run fails, f is
// called (in the scheduler or the failing goroutine; it must not block) and
// its text is shown in the report under title. Examples plug in a summary
// of their own state (replica roles, terms, commit indexes) this way.
func (w *World) AddReportSection(title string, f func() string) {
	c := w.checks()
	c.renderers = append(c.renderers, renderer{title: title, f: f})
}

// eventRing keeps the last events of one node for failure reports.
type eventRing struct {
	ev   []TraceEvent
	next int
	full bool
}

func (r *eventRing) add(e TraceEvent) {
	r.ev[r.next] = e
	r.next++
	if r.next == len(r.ev) {
		r.next, r.full = 0, true
	}
}

func (r *eventRing) events() []TraceEvent {
	if !r.full {
		return append([]TraceEvent(nil), r.ev[:r.next]...)
	}
	return append(append([]TraceEvent(nil), r.ev[r.next:]...), r.ev[:r.next]...)
}

// nodeNameOf names the node of goroutine id for recorded traces: "" in a
// one-node world, for the scheduler, and for a goroutine already gone.
func (w *World) nodeNameOf(id int64) string {
	if len(w.nodes) < 2 || id == 0 {
		return ""
	}
	g := w.cur
	if g == nil || g.id != id {
		if g = w.all[id]; g == nil {
			return ""
		}
	}
	if g.node == nil {
		return ""
	}
	return g.node.name
}

// noteNode keeps the event in the ring of the node its goroutine belongs to
// (scheduler events, G 0, belong to no node).
func (c *checks) noteNode(w *World, te TraceEvent) {
	if te.G == 0 {
		return
	}
	g := w.cur
	if g == nil || g.id != te.G {
		if g = w.all[te.G]; g == nil {
			return
		}
	}
	n := g.node
	if n == nil {
		return
	}
	r := c.lastRing
	if n != c.lastNode {
		r = c.nodeRings[n]
		if r == nil {
			size := w.opts.Limits.ReportEvents
			if size <= 0 {
				size = 24
			}
			r = &eventRing{ev: make([]TraceEvent, size)}
			if c.nodeRings == nil {
				c.nodeRings = map[*Node]*eventRing{}
			}
			c.nodeRings[n] = r
		}
		c.lastNode, c.lastRing = n, r
	}
	r.add(te)
}

// completeFailure adds what the checker state knows to a new failure: the
// phase, the last events of each node, the buggify sites active, and the
// domain renderers' sections. It is called by fail.
func (w *World) completeFailure(f *Failure) {
	f.Phase = PhaseSafety
	c := w.chk
	if c == nil {
		return
	}
	if c.phase != "" {
		f.Phase = c.phase
	}
	if c.phase == PhaseLiveness {
		f.Sections = append(f.Sections, ReportSection{Title: "liveness phase",
			Body: fmt.Sprintf("entered at simulated %v; core: %s", time.Duration(c.phaseAt), strings.Join(c.core, ", "))})
	}
	if len(c.nodeRings) > 0 {
		nodes := make([]*Node, 0, len(c.nodeRings))
		for n := range c.nodeRings {
			nodes = append(nodes, n)
		}
		sort.Slice(nodes, func(i, j int) bool { return nodes[i].id < nodes[j].id })
		var b strings.Builder
		for _, n := range nodes {
			fmt.Fprintf(&b, "%s:\n", n)
			for _, e := range c.nodeRings[n].events() {
				fmt.Fprintf(&b, "  %s\n", e)
			}
		}
		f.Sections = append(f.Sections, ReportSection{Title: "last events per node", Body: b.String()})
	}
	if active := w.BuggifyActive(); len(active) > 0 {
		f.Sections = append(f.Sections, ReportSection{Title: "buggify sites active", Body: strings.Join(active, "\n")})
	}
	for _, r := range c.renderers {
		f.Sections = append(f.Sections, ReportSection{Title: r.title, Body: r.f()})
	}
	if len(c.artifacts) > 0 {
		f.Sections = append(f.Sections, ReportSection{Title: "artifacts", Body: strings.Join(c.artifacts, "\n")})
	}
}

// EnvArtifacts names the directory runs write artifacts to (linearizability
// visualizations...). Default: <temp dir>/marionette-artifacts.
const EnvArtifacts = "MARIONETTE_ARTIFACTS"

// ArtifactPath returns a path for an artifact of this run named by suffix
// ("linearizability.html"), creating its directory. The file name holds the
// run name and seed. Failure reports list every artifact path handed out.
func (w *World) ArtifactPath(suffix string) (string, error) {
	dir := os.Getenv(EnvArtifacts)
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "marionette-artifacts")
	}
	var err error
	Outside(func() { err = os.MkdirAll(dir, 0o777) }) // the simulator's own directory
	if err != nil {
		return "", err
	}
	name := w.name
	if name == "" {
		name = "run"
	}
	name = strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ' ' || r == ':' || r == '*' || r == '?' {
			return '_'
		}
		return r
	}, name)
	p := filepath.Join(dir, fmt.Sprintf("%s-seed%d-%s", name, w.opts.Seed, suffix))
	c := w.checks()
	c.artifacts = append(c.artifacts, p)
	return p, nil
}
