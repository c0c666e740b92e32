// Package history records client operations in the Jepsen model and checks
// them for linearizability with porcupine (github.com/anishathalye/porcupine).
//
// Each operation is an invocation followed by one completion:
//
//	ok    the operation took effect, with this output;
//	fail  the operation definitely did not take effect (it is dropped
//	      before checking);
//	info  the outcome is unknown: it may or may not have taken effect. The
//	      operation stays open to the end of the history, concurrent with
//	      everything after its invocation, and its output is Unknown.
//
// An operation never completed by the end of the run counts as info. After
// an info completion the client's next operation belongs to a new process,
// as in Jepsen (a client that lost track of an operation cannot be trusted
// to have its operations ordered after it).
//
// Under simulation, operations carry the simulated time and every
// invocation and completion is a trace event ("history.invoke",
// "history.ok", "history.fail", "history.info") whose payload is the Event,
// so checkers can watch operations complete. Operation order in the history
// is the order of these calls, which the simulator makes total; it, not the
// clock, is what the linearizability check uses (many operations share a
// simulated instant).
package history

import (
	"fmt"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/marionette-dst/marionette/runtime"
)

// Kind is the kind of a history event.
type Kind string

const (
	Invoke Kind = "invoke"
	Ok     Kind = "ok"
	Fail   Kind = "fail"
	Info   Kind = "info"
)

// Event is one entry of a history.
type Event struct {
	Index  int           // position in the history, from 0
	Kind   Kind          //
	Op     int           // operation number: links a completion to its invocation
	Client int           // the client that invoked it
	Time   time.Duration // simulated time (natively: since the recorder was made)
	Value  any           // invoke: the input; ok: the output; fail, info: nil
	Note   string        // fail, info: why (an error text)
}

func (e Event) String() string {
	s := fmt.Sprintf("%d %v client %d %s op %d %v", e.Index, e.Time, e.Client, e.Kind, e.Op, e.Value)
	if e.Note != "" {
		s += " (" + e.Note + ")"
	}
	return s
}

// Unknown is the output porcupine sees for an operation whose outcome is
// unknown (info, or never completed). Models must accept any state
// transition the operation's input allows when the output is Unknown,
// without comparing outputs; the KV model does.
type Unknown struct{}

func (Unknown) String() string { return "?" }

// IsUnknown reports whether an output is Unknown.
func IsUnknown(output any) bool {
	_, ok := output.(Unknown)
	return ok
}

// Recorder records a history. It is safe for concurrent use (natively);
// under simulation it never blocks.
type Recorder struct {
	mu     sync.Mutex
	start  time.Time
	events []Event
	ops    int
}

// NewRecorder returns an empty recorder.
func NewRecorder() *Recorder { return &Recorder{start: time.Now()} }

// Op is an invoked operation, to be completed once with Ok, Fail or Info.
type Op struct {
	r      *Recorder
	id     int
	client int
	done   bool
}

// Invoke records the invocation of an operation by a client with an input
// (for the KV model, a KVInput).
func (r *Recorder) Invoke(client int, input any) *Op {
	r.mu.Lock()
	op := &Op{r: r, id: r.ops, client: client}
	r.ops++
	r.mu.Unlock()
	r.add(Event{Kind: Invoke, Op: op.id, Client: client, Value: input})
	return op
}

// Ok records that the operation took effect with this output.
func (o *Op) Ok(output any) { o.complete(Ok, output, "") }

// Fail records that the operation definitely did not take effect.
func (o *Op) Fail(reason string) { o.complete(Fail, nil, reason) }

// Info records that the outcome of the operation is unknown (a timeout, a
// lost connection): it may or may not have taken effect.
func (o *Op) Info(reason string) { o.complete(Info, nil, reason) }

func (o *Op) complete(k Kind, v any, note string) {
	o.r.mu.Lock()
	done := o.done
	o.done = true
	o.r.mu.Unlock()
	if done {
		panic(fmt.Sprintf("history: operation %d completed twice", o.id))
	}
	o.r.add(Event{Kind: k, Op: o.id, Client: o.client, Value: v, Note: note})
}

func (r *Recorder) add(e Event) {
	var w *runtime.World
	g := runtime.Lookup()
	if g != nil {
		w = g.World()
		e.Time = w.Now()
	} else {
		e.Time = time.Since(r.start)
	}
	r.mu.Lock()
	e.Index = len(r.events)
	r.events = append(r.events, e)
	r.mu.Unlock()
	if w != nil {
		var cur *runtime.G
		if g.ID() != 0 { // not the scheduler
			cur = g
		}
		w.Emit("history."+string(e.Kind), cur, int64(e.Op), describe(e), e)
	}
}

// Events returns the history so far.
func (r *Recorder) Events() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}

// Operations turns the history into porcupine operations: ok operations
// with their output, info and never-completed operations with output
// Unknown and a return after every other event, and fail operations
// dropped. Timestamps are history positions. Clients become processes,
// numbered from 0 in order of appearance; a client gets a new process after
// each operation whose outcome is unknown.
func (r *Recorder) Operations() []porcupine.Operation {
	events := r.Events()
	end := int64(len(events)) + 1
	type open struct {
		call  int64
		input any
		proc  int
		meta  string
	}
	opened := map[int]*open{}
	procOf := map[int]int{} // client -> current process
	nprocs := 0
	var order []int
	done := map[int]porcupine.Operation{}
	dropped := map[int]bool{}
	for _, e := range events {
		switch e.Kind {
		case Invoke:
			p, ok := procOf[e.Client]
			if !ok {
				p = nprocs
				nprocs++
				procOf[e.Client] = p
			}
			opened[e.Op] = &open{call: int64(e.Index), input: e.Value, proc: p, meta: fmt.Sprintf("client %d, invoked at %v", e.Client, e.Time)}
			order = append(order, e.Op)
		case Ok:
			o := opened[e.Op]
			done[e.Op] = porcupine.Operation{ClientId: o.proc, Input: o.input, Call: o.call, Output: e.Value, Return: int64(e.Index),
				Metadata: o.meta + fmt.Sprintf(", ok at %v", e.Time)}
		case Fail:
			dropped[e.Op] = true
		case Info:
			o := opened[e.Op]
			done[e.Op] = porcupine.Operation{ClientId: o.proc, Input: o.input, Call: o.call, Output: Unknown{}, Return: end,
				Metadata: o.meta + fmt.Sprintf(", unknown outcome at %v: %s", e.Time, e.Note)}
			delete(procOf, e.Client) // the client's next operation is a new process
		}
	}
	var ops []porcupine.Operation
	for _, id := range order {
		if dropped[id] {
			continue
		}
		op, ok := done[id]
		if !ok {
			o := opened[id]
			op = porcupine.Operation{ClientId: o.proc, Input: o.input, Call: o.call, Output: Unknown{}, Return: end,
				Metadata: o.meta + ", never completed"}
		}
		ops = append(ops, op)
	}
	return ops
}

// describe renders an event for the trace. Only values whose text cannot
// depend on memory addresses are shown (the trace is hashed): strings,
// numbers, booleans and fmt.Stringers.
func describe(e Event) string {
	s := fmt.Sprintf("client %d", e.Client)
	switch v := e.Value.(type) {
	case nil:
	case fmt.Stringer:
		s += " " + v.String()
	case string, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		s += fmt.Sprintf(" %v", v)
	}
	if e.Note != "" {
		s += " (" + e.Note + ")"
	}
	return s
}
