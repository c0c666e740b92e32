// This file defines the world's event queue: timed callbacks ordered by
// (time, sequence number). The sequence number is assigned when an event is
// scheduled, so simultaneous events fire in the order they were scheduled.
// That is the documented, stable tie-break rule.

package runtime

import (
	"container/heap"
	"time"
)

// Event is a callback scheduled at a simulated instant. Callbacks run in the
// scheduler, not in a goroutine: they must not block (they may wake
// goroutines, spawn goroutines, or do non-blocking channel sends).
type Event struct {
	when  int64
	seq   uint64
	name  string
	fn    func()
	index int // position in the heap, -1 once fired or cancelled
	w     *World
	node  *Node // the node whose timer this is (nil: the world's own)
	fault bool  // a fault-schedule event: it can wake no goroutine (scheduleFault)
	end   bool  // the end of the run's duration (ScheduleRunEnd)
}

// When returns the simulated instant (since the run began) the event fires at.
func (e *Event) When() time.Duration { return time.Duration(e.when) }

// Pending reports whether the event has neither fired nor been cancelled.
func (e *Event) Pending() bool { return e != nil && e.index >= 0 }

// Cancel removes the event from the queue. It reports whether the event was
// still pending.
func (e *Event) Cancel() bool {
	if e == nil || e.index < 0 {
		return false
	}
	heap.Remove(&e.w.events, e.index)
	e.w.unscheduled(e)
	e.w.record(evTimerStop, 0, int64(e.seq), e.name)
	return true
}

type eventHeap []*Event

func (h eventHeap) Len() int { return len(h) }
func (h eventHeap) Less(i, j int) bool {
	if h[i].when != h[j].when {
		return h[i].when < h[j].when
	}
	return h[i].seq < h[j].seq
}
func (h eventHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *eventHeap) Push(x any) {
	e := x.(*Event)
	e.index = len(*h)
	*h = append(*h, e)
}
func (h *eventHeap) Pop() any {
	old := *h
	n := len(old)
	e := old[n-1]
	old[n-1] = nil
	e.index = -1
	*h = old[:n-1]
	return e
}

// Schedule runs f in the scheduler at now+d (d <= 0 means at the current
// instant, after the goroutines that are runnable now). name labels the
// event in the trace. Called from a goroutine, the event is a timer of that
// goroutine's node: it freezes while the node is paused and vanishes when
// the node's process ends. Subsystems schedule world events (packets in
// flight, fault changes) with ScheduleGlobal.
func (w *World) Schedule(d time.Duration, name string, f func()) *Event {
	var n *Node
	if g := w.cur; g != nil && !g.driver {
		n = g.node
	}
	return w.scheduleFor(n, d, name, f)
}

// ScheduleGlobal is Schedule for an event that belongs to the world, not to
// a node.
func (w *World) ScheduleGlobal(d time.Duration, name string, f func()) *Event {
	return w.scheduleFor(nil, d, name, f)
}

func (w *World) scheduleFor(n *Node, d time.Duration, name string, f func()) *Event {
	if d < 0 {
		d = 0
	}
	when := w.now + int64(d)
	if when < w.now { // overflow: effectively never
		when = 1<<63 - 1
	}
	w.seq++
	e := &Event{when: when, seq: w.seq, name: name, fn: f, w: w, node: n}
	heap.Push(&w.events, e)
	w.record(evTimerSet, 0, int64(e.seq), name)
	return e
}

// scheduleFault schedules an event of the fault schedule: it changes
// faults (crashes, restarts, pauses) but by itself wakes no goroutine. A
// world whose goroutines are all blocked while only such events are
// pending is deadlocked, unless a node is down or paused by a fault (its
// restart or resume runs goroutines again): see World.onlyFaultsPending.
func (w *World) scheduleFault(d time.Duration, name string, f func()) *Event {
	e := w.scheduleFor(nil, d, name, f)
	e.fault = true
	w.faultEvents++
	return e
}

// ScheduleRunEnd schedules the end of a run that lasts a set time while
// its nodes run (simulated binaries: -duration). The world then treats
// its nodes as processes: when all its goroutines are blocked and nothing
// but this event and fault checks is pending, a running node all of whose
// goroutines wait on channels or locks is deadlocked, as its Go runtime
// would find natively ("all goroutines are asleep"); nodes waiting on the
// network are idle servers, not deadlocked.
func (w *World) ScheduleRunEnd(d time.Duration, name string, f func()) *Event {
	e := w.scheduleFor(nil, d, name, f)
	e.end = true
	w.endEvents++
	return e
}

// unscheduled keeps the counts of special events when e leaves the queue.
func (w *World) unscheduled(e *Event) {
	if e.fault {
		w.faultEvents--
	}
	if e.end {
		w.endEvents--
	}
}

func heapPush(h *eventHeap, e *Event) { heap.Push(h, e) }
