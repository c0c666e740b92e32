// This file defines channel operations for rewritten code. Channels keep
// their native Go types; the world keeps its own wait queues per channel and
// performs every blocking operation itself:
//   - a send to a channel with a parked receiver hands the value over
//     directly and wakes the receiver;
//   - otherwise a non-blocking native operation uses the channel's buffer
//     (or a native peer outside the simulation);
//   - otherwise the goroutine parks in the world's queue for that channel.
// Closing wakes every parked receiver (zero value, ok=false) and makes every
// parked sender panic, in queue order. Outside a simulation, the operations
// are the native ones.

package runtime

import (
	"iter"
	"unsafe"
)

type chanState struct {
	id    int64
	recvq []*waiter
	sendq []*waiter
	ops   elemOps // the channel's element type, for polling
}

// elemOps is what the channel core needs to know about a channel's element
// type: everything else (wait queues, hand-over, polling, close) works on
// unsafe pointers, so one implementation serves every element type.
// key is the channel (its runtime pointer, see chanKey); v, dst and src
// point at values of the element type.
type elemOps interface {
	trySend(key, v unsafe.Pointer) bool              // native non-blocking send of *v (panics if closed)
	tryRecv(key, dst unsafe.Pointer) (ok, done bool) // native non-blocking receive into *dst
	copy(dst, src unsafe.Pointer)
	zero(p unsafe.Pointer)
	close(key unsafe.Pointer) // native close (panics on nil or closed)
}

// typedOps is elemOps for element type T. It is zero-size, so storing one
// in an interface does not allocate.
type typedOps[T any] struct{}

func (typedOps[T]) trySend(key, v unsafe.Pointer) bool {
	select {
	case *(*chan T)(unsafe.Pointer(&key)) <- *(*T)(v):
		return true
	default:
		return false
	}
}

func (typedOps[T]) tryRecv(key, dst unsafe.Pointer) (ok, done bool) {
	select {
	case v, ok := <-*(*chan T)(unsafe.Pointer(&key)):
		*(*T)(dst) = v
		return ok, true
	default:
		return false, false
	}
}

func (typedOps[T]) copy(dst, src unsafe.Pointer) { *(*T)(dst) = *(*T)(src) }

func (typedOps[T]) zero(p unsafe.Pointer) {
	var zero T
	*(*T)(p) = zero
}

func (typedOps[T]) close(key unsafe.Pointer) { close(*(*chan T)(unsafe.Pointer(&key))) }

// waiter is one parked channel operation (a plain op, or one case of a select).
type waiter struct {
	g      *G
	cs     *chanState
	key    unsafe.Pointer
	sel    *selState // nil for a plain send or receive
	idx    int       // case index within the select
	elem   unsafe.Pointer
	send   bool
	ok     bool // receive: a value (not a close) was delivered
	closed bool // send: the channel was closed under it
}

// poll retries the operation non-blockingly, to catch activity made outside
// the simulation; it completes the waiter if it succeeds.
func (wt *waiter) poll(w *World) bool {
	if wt.send {
		return pollSend(w, wt)
	}
	return pollRecv(w, wt)
}

type selState struct {
	done    bool
	fired   int
	waiters []*waiter
}

func chanKey[C any](c C) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&c)) }

func (w *World) chanState(key unsafe.Pointer, ops elemOps) *chanState {
	cs := w.chans[key]
	if cs == nil {
		w.chanIDs++
		cs = &chanState{id: w.chanIDs, ops: ops}
		w.chans[key] = cs
	}
	return cs
}

// dropIfIdle notes that a channel's queues may have emptied. Idle entries
// are swept in batches rather than deleted one by one: a channel in steady
// use parks and wakes goroutines constantly, and re-creating its entry each
// time would dominate the cost of a handoff.
func (w *World) dropIfIdle(key unsafe.Pointer, cs *chanState) {
	if len(cs.recvq) == 0 && len(cs.sendq) == 0 {
		w.idleChans++
		if w.idleChans > 256 && w.idleChans > len(w.chans)/2 {
			for k, s := range w.chans {
				if len(s.recvq) == 0 && len(s.sendq) == 0 {
					delete(w.chans, k)
				}
			}
			w.idleChans = 0
		}
	}
}

// opWaiter returns the goroutine's reusable waiter for a plain send or
// receive (a goroutine waits on at most one such operation at a time).
func (g *G) opWaiter() *waiter {
	if g.op == nil {
		g.op = new(waiter)
	}
	return g.op
}

// popWaiter removes and returns the first live waiter of a queue. It copies
// the rest down rather than reslicing, so a queue's array is reused instead
// of reallocated as the queue moves (queues are short).
func popWaiter(q *[]*waiter) *waiter {
	for len(*q) > 0 {
		wt := (*q)[0]
		n := copy(*q, (*q)[1:])
		(*q)[n] = nil
		*q = (*q)[:n]
		if wt.sel == nil || !wt.sel.done {
			return wt
		}
	}
	return nil
}

func removeWaiter(q *[]*waiter, wt *waiter) {
	for i, x := range *q {
		if x == wt {
			copy((*q)[i:], (*q)[i+1:])
			(*q)[len(*q)-1] = nil
			*q = (*q)[:len(*q)-1]
			return
		}
	}
}

// complete finishes a parked operation: it detaches every waiter of the
// goroutine's operation from its queues and makes the goroutine runnable.
func (w *World) complete(wt *waiter) {
	g := wt.g
	if wt.sel != nil {
		wt.sel.done = true
		wt.sel.fired = wt.idx
	}
	for _, o := range g.waiters {
		if o == wt {
			continue
		}
		if o.send {
			removeWaiter(&o.cs.sendq, o)
		} else {
			removeWaiter(&o.cs.recvq, o)
		}
		w.dropIfIdle(o.key, o.cs)
	}
	w.dropIfIdle(wt.key, wt.cs)
	g.waiters = g.waiters[:0]
	w.Ready(g)
}

func (w *World) enqueue(g *G, key unsafe.Pointer, ops elemOps, wt *waiter) {
	cs := w.chanState(key, ops)
	wt.g, wt.cs, wt.key = g, cs, key
	if wt.send {
		cs.sendq = append(cs.sendq, wt)
	} else {
		cs.recvq = append(cs.recvq, wt)
	}
	if len(g.waiters) == 0 && !g.inChanWait {
		g.inChanWait = true
		w.chanWait = append(w.chanWait, g)
		if len(w.chanWait) > 2*len(w.all)+64 {
			w.compactChanWait()
		}
	}
	g.waiters = append(g.waiters, wt)
}

// trySend attempts a send of *v on the channel key without blocking: to a
// parked receiver, or into the buffer (or to a native receiver).
func trySend(w *World, key, v unsafe.Pointer, ops elemOps) bool {
	if key == nil {
		return false
	}
	if cs := w.chans[key]; cs != nil {
		if r := popWaiter(&cs.recvq); r != nil {
			ops.copy(r.elem, v)
			r.ok = true
			w.complete(r)
			return true
		}
	}
	return ops.trySend(key, v)
}

// tryRecv attempts a receive into *dst without blocking. done reports
// whether it completed; ok is false when it completed because the channel
// is closed.
func tryRecv(w *World, key, dst unsafe.Pointer, ops elemOps) (ok, done bool) {
	if key == nil {
		return false, false
	}
	if ok, done := ops.tryRecv(key, dst); done {
		if ok {
			refill(w, key, ops)
		}
		return ok, true
	}
	if cs := w.chans[key]; cs != nil {
		if s := popWaiter(&cs.sendq); s != nil {
			ops.copy(dst, s.elem)
			w.complete(s)
			return true, true
		}
	}
	return false, false
}

// refill moves the first parked sender's value into the buffer slot a
// receive just freed, as the Go runtime does.
func refill(w *World, key unsafe.Pointer, ops elemOps) {
	cs := w.chans[key]
	if cs == nil {
		return
	}
	s := popWaiter(&cs.sendq)
	if s == nil {
		return
	}
	if ops.trySend(key, s.elem) {
		w.complete(s)
	} else {
		cs.sendq = append([]*waiter{s}, cs.sendq...)
	}
}

func bidi[T any, C ~chan<- T | ~<-chan T](c C) chan T { return *(*chan T)(unsafe.Pointer(&c)) }

// Send is the statement c <- v.
func Send[T any](c chan<- T, v T) {
	g := Current()
	if g == nil {
		c <- v
		return
	}
	send(g, bidi[T](c), v)
}

// Sender is the send side of a channel whose element type is T. Rewritten
// code writes `c <- v` as To(c).Send(v) when v's type is not T itself (a
// concrete value into a channel of interfaces, a bidirectional channel into
// a channel of receive-only channels): T is then inferred from the channel
// alone and v is assigned to T as the send statement assigns it, which
// Send(c, v) cannot do because inference would also unify T with v's type.
type Sender[T any] struct{ c chan<- T }

// To returns the send side of c.
func To[T any](c chan<- T) Sender[T] { return Sender[T]{c} }

// Send is the statement c <- v.
func (s Sender[T]) Send(v T) { Send(s.c, v) }

// SendCase makes the send case `c <- v` of a select.
func (s Sender[T]) SendCase(v T) *SendOp[T] { return SendCase(s.c, v) }

func send[T any](g *G, c chan T, v T) {
	w := g.w
	w.maybePreempt(g)
	// The ready cases, typed: trySend without its interface calls (the
	// hot path of a handoff).
	key := chanKey(c)
	if cs := w.chans[key]; cs != nil {
		if r := popWaiter(&cs.recvq); r != nil {
			*(*T)(r.elem) = v
			r.ok = true
			w.complete(r)
			return
		}
	}
	if c != nil {
		select {
		case c <- v:
			return
		default:
		}
	}
	// The value waits in the goroutine's reusable slot for T, which the
	// core may hand to a receiver while the goroutine is parked.
	slot := opSlot[T](g)
	*slot = v
	parkSend(g, key, unsafe.Pointer(slot), typedOps[T]{})
	var zero T
	*slot = zero // do not keep the value alive
}

// sendOn is the statement c <- *v for a simulated goroutine; *v must stay
// valid while it is parked.
func sendOn(g *G, key, v unsafe.Pointer, ops elemOps) {
	w := g.w
	w.maybePreempt(g)
	if trySend(w, key, v, ops) {
		return
	}
	parkSend(g, key, v, ops)
}

// parkSend parks g until the send of *v completes (trySend failed).
func parkSend(g *G, key, v unsafe.Pointer, ops elemOps) {
	if key == nil {
		g.Park("chan send (nil chan)", "")
		panic("unreachable: nil channel send resumed")
	}
	w := g.w
	wt := g.opWaiter()
	*wt = waiter{send: true, elem: v}
	w.enqueue(g, key, ops, wt)
	g.parkChan("chan send", wt.cs)
	if wt.closed {
		panic(plainError("send on closed channel"))
	}
}

// Recv is the expression <-c.
func Recv[T any](c <-chan T) T {
	v, _ := Recv2(c)
	return v
}

// Recv2 is the expression v, ok := <-c.
func Recv2[T any](c <-chan T) (T, bool) {
	g := Current()
	if g == nil {
		v, ok := <-c
		return v, ok
	}
	return recv(g, bidi[T](c))
}

// Recv2Ok is the expression v, ok = <-c where ok has a boolean type other
// than bool (type B ~bool; the receive's ok is an untyped boolean, which
// Recv2's bool result is not assignable to). The argument ok only gives B.
func Recv2Ok[T any, B ~bool](c <-chan T, ok B) (T, B) {
	v, got := Recv2(c)
	return v, B(got)
}

func recv[T any](g *G, c chan T) (T, bool) {
	w := g.w
	w.maybePreempt(g)
	// The ready cases, typed: tryRecv without its interface calls.
	key := chanKey(c)
	if c != nil {
		select {
		case v, ok := <-c:
			if ok {
				refill(w, key, typedOps[T]{})
			}
			return v, ok
		default:
		}
		if cs := w.chans[key]; cs != nil {
			if s := popWaiter(&cs.sendq); s != nil {
				v := *(*T)(s.elem)
				w.complete(s)
				return v, true
			}
		}
	}
	// The value is delivered into the goroutine's reusable slot for T
	// rather than into a fresh heap variable.
	slot := opSlot[T](g)
	ok := parkRecv(g, key, unsafe.Pointer(slot), typedOps[T]{})
	v := *slot
	var zero T
	*slot = zero // do not keep the value alive
	return v, ok
}

// recvOn is v, ok := <-c for a simulated goroutine, delivering into *dst,
// which must stay valid while it is parked.
func recvOn(g *G, key, dst unsafe.Pointer, ops elemOps) bool {
	w := g.w
	w.maybePreempt(g)
	if ok, done := tryRecv(w, key, dst, ops); done {
		return ok
	}
	return parkRecv(g, key, dst, ops)
}

// parkRecv parks g until a receive into *dst completes (tryRecv failed).
func parkRecv(g *G, key, dst unsafe.Pointer, ops elemOps) bool {
	if key == nil {
		g.Park("chan receive (nil chan)", "")
		panic("unreachable: nil channel receive resumed")
	}
	w := g.w
	wt := g.opWaiter()
	*wt = waiter{elem: dst}
	w.enqueue(g, key, ops, wt)
	g.parkChan("chan receive", wt.cs)
	return wt.ok
}

// opSlot returns the goroutine's reusable slot for a value of type T (a
// goroutine has at most one plain channel operation parked at a time).
func opSlot[T any](g *G) *T {
	if s, ok := g.slot.(*T); ok {
		return s
	}
	s := new(T)
	g.slot = s
	return s
}

// Close is close(c).
func Close[T any](c chan<- T) {
	g := Current()
	if g == nil {
		close(c)
		return
	}
	CloseIn(g.w, c)
}

// CloseIn closes c on behalf of world w (from a goroutine or an event
// callback) and wakes its parked goroutines.
func CloseIn[T any](w *World, c chan<- T) { closeIn(w, chanKey(c), typedOps[T]{}) }

func closeIn(w *World, key unsafe.Pointer, ops elemOps) {
	ops.close(key) // panics as Go does on a nil or closed channel
	cs := w.chans[key]
	if cs == nil {
		return
	}
	for {
		r := popWaiter(&cs.recvq)
		if r == nil {
			break
		}
		ops.zero(r.elem)
		r.ok = false
		w.complete(r)
	}
	for {
		s := popWaiter(&cs.sendq)
		if s == nil {
			break
		}
		s.closed = true
		w.complete(s)
	}
	delete(w.chans, key)
}

// TrySendIn sends v on c without blocking on behalf of world w (timer
// callbacks use it). It reports whether the value was delivered.
func TrySendIn[T any](w *World, c chan<- T, v T) bool {
	return trySend(w, chanKey(c), unsafe.Pointer(&v), typedOps[T]{})
}

// TryRecvIn receives from c without blocking on behalf of world w.
func TryRecvIn[T any](w *World, c <-chan T) (v T, ok, done bool) {
	ok, done = tryRecv(w, chanKey(c), unsafe.Pointer(&v), typedOps[T]{})
	return
}

// Range is for v := range c.
func Range[T any](c <-chan T) iter.Seq[T] {
	return func(yield func(T) bool) {
		for {
			v, ok := Recv2(c)
			if !ok || !yield(v) {
				return
			}
		}
	}
}

// ChanLoop is a range over a channel for files compiled at a language
// version without range-over-func (before go1.23), where Range cannot be
// used:
//
//	for v := range c  ->  for it, v, ok := RecvLoop(c); ok; ok = it.Next(&v) {
//
// The loop variable is the user's own, declared by the for statement, so it
// is per loop or per iteration exactly as the file's language version says.
type ChanLoop[T any] struct{ c <-chan T }

// RecvLoop starts the loop: it receives the first value (ok false when the
// channel is closed).
func RecvLoop[T any](c <-chan T) (it ChanLoop[T], v T, ok bool) {
	v, ok = Recv2(c)
	return ChanLoop[T]{c}, v, ok
}

// Next receives the next value into *v (v may be nil) and reports whether
// there was one; when the channel is closed *v is left as it was, as a range
// loop leaves its variable.
func (it ChanLoop[T]) Next(v *T) bool {
	x, ok := Recv2(it.c)
	if ok && v != nil {
		*v = x
	}
	return ok
}

// Gosched is runtime.Gosched.
func Gosched() {
	if g := Current(); g != nil {
		g.Yield()
		return
	}
	goschedNative()
}

func pollRecv(w *World, wt *waiter) bool {
	ok, done := wt.cs.ops.tryRecv(wt.key, wt.elem)
	if !done {
		return false
	}
	wt.ok = ok
	removeWaiter(&wt.cs.recvq, wt)
	w.complete(wt)
	return true
}

func pollSend(w *World, wt *waiter) (sent bool) {
	defer func() {
		if recover() != nil { // closed outside the simulation
			wt.closed = true
			removeWaiter(&wt.cs.sendq, wt)
			w.complete(wt)
			sent = true
		}
	}()
	if !wt.cs.ops.trySend(wt.key, wt.elem) {
		return false
	}
	removeWaiter(&wt.cs.sendq, wt)
	w.complete(wt)
	return true
}

// pollChans retries, in park order, every parked channel operation, so that
// sends and closes made outside the simulation (library code closing a
// context's Done channel) are seen deterministically before time advances.
func (w *World) pollChans() bool {
	progressed := false
	kept := w.chanWait[:0]
	for _, g := range w.chanWait {
		if g.state != gParked || len(g.waiters) == 0 {
			g.inChanWait = false
			continue
		}
		if progressed {
			kept = append(kept, g)
			continue
		}
		for _, wt := range g.waiters {
			if wt.poll(w) {
				w.record(evPoll, g.id, wt.cs.id, "")
				progressed = true
				break
			}
		}
		if !progressed {
			kept = append(kept, g)
		}
	}
	for i := len(kept); i < len(w.chanWait); i++ {
		w.chanWait[i] = nil
	}
	w.chanWait = kept
	return progressed
}

func (w *World) compactChanWait() {
	kept := w.chanWait[:0]
	for _, g := range w.chanWait {
		if len(g.waiters) > 0 && g.state != gDone {
			kept = append(kept, g)
		} else {
			g.inChanWait = false
		}
	}
	for i := len(kept); i < len(w.chanWait); i++ {
		w.chanWait[i] = nil
	}
	w.chanWait = kept
}

// parkChan parks on a channel operation; the channel's number is shown in
// deadlock reports.
func (g *G) parkChan(reason string, cs *chanState) {
	g.park(reason, "", cs.id)
}

type plainError string

func (e plainError) Error() string { return string(e) }
