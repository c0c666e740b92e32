// This file defines select for rewritten code. The cases are evaluated by
// the caller (in source order, once); Select tries them one at a time in a
// seeded random order (nothing else runs in between), takes the default if
// none is ready, and otherwise parks on all of them until one completes.

package runtime

import (
	"reflect"
	"unsafe"
)

// Case is one case of a select: a *RecvOp or a *SendOp.
type Case interface {
	try(w *World, g *G) bool
	park(w *World, g *G, sel *selState, idx int) bool // false for a nil channel
	finish(wt *waiter)
	native() reflect.SelectCase
	nativeDone(v reflect.Value, ok bool)
}

// RecvOp is a receive case. After Select chose it, V and OK hold what
// `v, ok := <-c` would.
type RecvOp[T any] struct {
	V  T
	OK bool
	c  chan T
}

// SendOp is a send case.
type SendOp[T any] struct {
	v T
	c chan T
}

// RecvCase makes the receive case `<-c`.
func RecvCase[T any](c <-chan T) *RecvOp[T] { return &RecvOp[T]{c: bidi[T](c)} }

// SendCase makes the send case `c <- v`.
func SendCase[T any](c chan<- T, v T) *SendOp[T] { return &SendOp[T]{c: bidi[T](c), v: v} }

func (r *RecvOp[T]) try(w *World, g *G) bool {
	ok, done := tryRecv(w, chanKey(r.c), unsafe.Pointer(&r.V), typedOps[T]{})
	r.OK = ok
	return done
}

func (r *RecvOp[T]) park(w *World, g *G, sel *selState, idx int) bool {
	if r.c == nil {
		return false
	}
	wt := &waiter{elem: unsafe.Pointer(&r.V), sel: sel, idx: idx}
	w.enqueue(g, chanKey(r.c), typedOps[T]{}, wt)
	sel.waiters = append(sel.waiters, wt)
	return true
}

func (r *RecvOp[T]) finish(wt *waiter) { r.OK = wt.ok }

func (r *RecvOp[T]) native() reflect.SelectCase {
	return reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(r.c)}
}

func (r *RecvOp[T]) nativeDone(v reflect.Value, ok bool) {
	if ok {
		r.V = v.Interface().(T)
	}
	r.OK = ok
}

func (s *SendOp[T]) try(w *World, g *G) bool {
	return trySend(w, chanKey(s.c), unsafe.Pointer(&s.v), typedOps[T]{})
}

func (s *SendOp[T]) park(w *World, g *G, sel *selState, idx int) bool {
	if s.c == nil {
		return false
	}
	wt := &waiter{send: true, elem: unsafe.Pointer(&s.v), sel: sel, idx: idx}
	w.enqueue(g, chanKey(s.c), typedOps[T]{}, wt)
	sel.waiters = append(sel.waiters, wt)
	return true
}

func (s *SendOp[T]) finish(wt *waiter) {
	if wt.closed {
		panic(plainError("send on closed channel"))
	}
}

func (s *SendOp[T]) native() reflect.SelectCase {
	return reflect.SelectCase{Dir: reflect.SelectSend, Chan: reflect.ValueOf(s.c), Send: reflect.ValueOf(&s.v).Elem()}
}

func (s *SendOp[T]) nativeDone(reflect.Value, bool) {}

// Select runs a select statement over cases and returns the index of the
// chosen case, or -1 for the default case.
func Select(hasDefault bool, cases ...Case) int {
	g := Current()
	if g == nil {
		return nativeSelect(hasDefault, cases)
	}
	return selectOn(g, hasDefault, cases)
}

func selectOn(g *G, hasDefault bool, cases []Case) int {
	w := g.w
	w.maybePreempt(g)
	n := len(cases)
	var orderBuf [8]int
	order := orderBuf[:0]
	for i := 0; i < n; i++ {
		order = append(order, i)
	}
	for i := n - 1; i > 0; i-- {
		j := w.selRand.IntN(i + 1)
		order[i], order[j] = order[j], order[i]
	}
	for _, i := range order {
		if cases[i].try(w, g) {
			w.record(evSelect, g.id, int64(i), "")
			return i
		}
	}
	if hasDefault {
		w.record(evSelect, g.id, -1, "default")
		return -1
	}
	sel := &selState{fired: -2}
	for i, c := range cases {
		c.park(w, g, sel, i)
	}
	if len(sel.waiters) == 0 {
		g.Park("select (no cases)", "")
		panic("unreachable: empty select resumed")
	}
	g.Park("select", "")
	i := sel.fired
	cases[i].finish(sel.waiters[indexOfCase(sel, i)])
	w.record(evSelect, g.id, int64(i), "")
	return i
}

func indexOfCase(sel *selState, idx int) int {
	for i, wt := range sel.waiters {
		if wt.idx == idx {
			return i
		}
	}
	panic("marionette: internal error: select case without waiter")
}

func nativeSelect(hasDefault bool, cases []Case) int {
	rc := make([]reflect.SelectCase, 0, len(cases)+1)
	for _, c := range cases {
		rc = append(rc, c.native())
	}
	if hasDefault {
		rc = append(rc, reflect.SelectCase{Dir: reflect.SelectDefault})
	}
	i, v, ok := reflect.Select(rc)
	if i == len(cases) {
		return -1
	}
	cases[i].nativeDone(v, ok)
	return i
}
