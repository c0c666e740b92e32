// This file defines the trace: every scheduling decision and event of a run,
// folded into a running hash, kept in a ring for failure reports, and
// optionally written as JSON lines (MARIONETTE_TRACE=<file>).

package runtime

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"
)

type evKind uint8

const (
	evSpawn evKind = iota + 1
	evRun
	evPark
	evWake
	evExit
	evYield
	evTimerSet
	evTimerFire
	evTimerStop
	evAdvance
	evSelect
	evPoll
	evFail
	evUser
	evNode
	evNodeLife
	evPollReady
	evEscape
	evMapRange
)

var evNames = [...]string{
	evSpawn:     "go.spawn",
	evRun:       "go.run",
	evPark:      "go.park",
	evWake:      "go.wake",
	evExit:      "go.exit",
	evYield:     "go.yield",
	evTimerSet:  "timer.set",
	evTimerFire: "timer.fire",
	evTimerStop: "timer.stop",
	evAdvance:   "clock.advance",
	evSelect:    "select",
	evPoll:      "chan.poll",
	evFail:      "fail",
	evUser:      "user",
	evNode:      "node.new",
	evNodeLife:  "node",
	evPollReady: "poll.ready",
	evEscape:    "escape",
	evMapRange:  "map.range",
}

// TraceEvent is one entry of a run's trace.
type TraceEvent struct {
	N      int64  `json:"n"`      // index in the run, from 1
	T      int64  `json:"t"`      // simulated nanoseconds since the run began
	Kind   string `json:"kind"`   // e.g. go.run, timer.fire, net.send
	G      int64  `json:"g"`      // goroutine concerned, 0 for the scheduler
	Arg    int64  `json:"arg"`    // kind-specific number (choice index, event seq, delay...)
	Detail string `json:"detail"` // kind-specific text
	// Node is the node of goroutine G, in recorded traces of worlds with
	// several nodes (for per-node tracks; not part of the hash).
	Node string `json:"node,omitempty"`
}

func (e TraceEvent) String() string {
	s := fmt.Sprintf("#%d %v %s g%d %d", e.N, time.Duration(e.T), e.Kind, e.G, e.Arg)
	if e.Detail != "" {
		s += " " + e.Detail
	}
	return s
}

type tracer struct {
	n    int64
	hash uint64
	ring []TraceEvent
	keep []TraceEvent // every event, when recording all (trace file, determinism check)
	all  bool
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// mix folds one word into the running hash (a multiply-xorshift step).
func mix(h, x uint64) uint64 {
	h ^= x
	h *= 0x9e3779b97f4a7c15
	return h ^ h>>29
}

func mixString(h uint64, s string) uint64 {
	for len(s) >= 8 {
		h = mix(h, uint64(s[0])|uint64(s[1])<<8|uint64(s[2])<<16|uint64(s[3])<<24|
			uint64(s[4])<<32|uint64(s[5])<<40|uint64(s[6])<<48|uint64(s[7])<<56)
		s = s[8:]
	}
	var x uint64
	for i := 0; i < len(s); i++ {
		x |= uint64(s[i]) << (8 * i)
	}
	return mix(h, x^uint64(len(s))<<56)
}

// record appends a built-in event to the trace.
func (w *World) record(k evKind, g int64, arg int64, detail string) {
	h := mix(w.tr.hash, uint64(k))
	if k != evSpawn && detail != "" {
		// Spawn details are function names, which depend on how the
		// compiler named closures; they are shown but not hashed.
		h = mixString(h, detail)
	}
	w.appendEvent(h, evNames[k], g, arg, detail)
}

// recordKind appends an event of a named (subsystem or user) kind.
func (w *World) recordKind(kind string, g int64, arg int64, detail string) {
	h := mixString(mix(w.tr.hash, 0xff), kind)
	w.appendEvent(mixString(h, detail), kind, g, arg, detail)
}

func (w *World) appendEvent(h uint64, kind string, g, arg int64, detail string) {
	w.appendEventHashed(h, kind, g, arg, arg, detail)
}

// appendEventHashed appends an event whose argument is arg but whose hash
// covers hashArg instead (output events hash no byte count).
func (w *World) appendEventHashed(h uint64, kind string, g, arg, hashArg int64, detail string) {
	t := &w.tr
	t.n++
	h = mix(h, uint64(w.now))
	h = mix(h, uint64(g))
	t.hash = mix(h, uint64(hashArg))
	if len(t.ring) > 0 {
		e := &t.ring[t.n%int64(len(t.ring))]
		e.N, e.T, e.Kind, e.G, e.Arg, e.Detail = t.n, w.now, kind, g, arg, detail
	}
	// The rest is rare; it lives in its own function so this one keeps a
	// small frame (it runs on every new goroutine's first, small stack).
	if t.all || w.chk != nil || len(w.nodes) > 1 || w.opts.Limits.Events > 0 && t.n > w.opts.Limits.Events {
		w.appendEventSlow(kind, g, arg, detail)
	}
}

//go:noinline
func (w *World) appendEventSlow(kind string, g, arg int64, detail string) {
	t := &w.tr
	if t.all {
		t.keep = append(t.keep, TraceEvent{N: t.n, T: w.now, Kind: kind, G: g, Arg: arg, Detail: detail, Node: w.nodeNameOf(g)})
	}
	if w.chk != nil || len(w.nodes) > 1 { // checkers, per-node report rings (check.go)
		w.observe(TraceEvent{N: t.n, T: w.now, Kind: kind, G: g, Arg: arg, Detail: detail})
	}
	if w.opts.Limits.Events > 0 && t.n > w.opts.Limits.Events && w.failure == nil {
		w.fail(KindLimit, fmt.Sprintf("event limit exceeded: %d events (limits.events)", w.opts.Limits.Events), nil)
	}
}

// Trace records a subsystem or user event (network, disk, checker...). It is
// part of the trace hash.
func (w *World) Trace(kind string, g *G, arg int64, detail string) {
	var id int64
	if g != nil {
		id = g.id
	}
	w.recordKind(kind, id, arg, detail)
}

// Output events: what simulated code writes to its standard streams. Their
// text stays in the trace, for people, but the hash covers it with every
// hexadecimal number of 8 digits or more (a heap address, as %p and %v
// print them) replaced, and not its byte count: an address differs between
// two runs of one seed without anything in the run differing.
const (
	KindStdout = "os.stdout"
	KindStderr = "os.stderr"
)

// OutputText is how much of a write to a standard stream an output event
// keeps in its detail.
const OutputText = 256

// IsOutputKind reports whether events of kind are output events.
func IsOutputKind(kind string) bool { return kind == KindStdout || kind == KindStderr }

// TraceOutput records an output event: b, written by g (nil from an event
// callback) to the stream of kind (KindStdout, KindStderr). The event's
// argument is len(b) and its detail prefix followed by the first OutputText
// bytes of b; the hash covers prefix and all of b, addresses normalised.
func (w *World) TraceOutput(kind string, g *G, prefix string, b []byte) {
	if !IsOutputKind(kind) {
		panic("marionette: TraceOutput of a kind that is not an output kind: " + kind)
	}
	var id int64
	if g != nil {
		id = g.id
	}
	text := b
	if len(text) > OutputText {
		text = text[:OutputText]
	}
	h := mixString(mix(w.tr.hash, 0xfe), kind)
	h = mixString(h, prefix)
	h = mixString(h, NormalizeOutput(string(b)))
	w.appendEventHashed(h, kind, id, int64(len(b)), 0, prefix+string(text))
}

// NormalizeOutput replaces every hexadecimal number of 8 digits or more
// written with a 0x prefix (at the start of a word) by "0x?".
func NormalizeOutput(s string) string {
	var out []byte // nil while nothing was replaced
	last := 0
	for i := 0; i+1 < len(s); i++ {
		if s[i] != '0' || s[i+1] != 'x' && s[i+1] != 'X' || i > 0 && isWordByte(s[i-1]) {
			continue
		}
		j := i + 2
		for j < len(s) && isHexDigit(s[j]) {
			j++
		}
		if j-(i+2) < 8 {
			continue
		}
		out = append(out, s[last:i]...)
		out = append(out, "0x?"...)
		last = j
		i = j - 1
	}
	if out == nil {
		return s
	}
	return string(append(out, s[last:]...))
}

func isWordByte(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_'
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// lastEvents returns the trailing events of the ring, oldest first.
func (t *tracer) lastEvents() []TraceEvent {
	var out []TraceEvent
	n := int64(len(t.ring))
	for i := t.n - n + 1; i <= t.n; i++ {
		if i < 1 {
			continue
		}
		out = append(out, t.ring[i%n])
	}
	return out
}

// traceFileMu serialises whole-run appends to the shared trace file when
// several worlds run in one process.
var traceFileMu sync.Mutex

func writeTraceFile(path string, r *Result, events []TraceEvent) error {
	traceFileMu.Lock()
	defer traceFileMu.Unlock()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	head, _ := json.Marshal(map[string]any{
		"run": r.Name, "seed": r.Seed, "profile": r.Profile, "options": r.Options,
	})
	bw.Write(head)
	bw.WriteByte('\n')
	enc := json.NewEncoder(bw)
	for _, e := range events {
		enc.Encode(e)
	}
	// The tail leaves out wall time, so two runs of a seed write
	// byte-identical traces.
	tail, _ := json.Marshal(map[string]any{
		"events": r.Events, "sim": r.SimElapsed.String(), "goroutines": r.Goroutines,
		"hash": fmt.Sprintf("%016x", r.Hash), "result": r.outcome(),
	})
	bw.Write(tail)
	bw.WriteByte('\n')
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
