// This file defines the channel and goroutine operations for code that
// cannot instantiate the runtime's generics: the standard library, built
// with Marionette's overlay, reaches the simulator only through a bottom
// package that imports nothing (marionette/hooks). That package's generic
// functions pass the channel as a pointer, values as pointers, and the
// element type as an ElemOps value; runtime/stdhooks wires these functions
// to it. They serve simulated goroutines with the same core as rewritten
// code (chan.go, select.go); for any other caller they report that they did
// nothing (except Select, which also runs native selects), and the bottom
// package does the operation natively.

package runtime

import (
	"reflect"
	goruntime "runtime"
	"slices"
	"strconv"
	"unsafe"
)

// ElemOps is what the channel core needs to know about an element type,
// supplied as methods by the bottom package's generic type. key is the
// channel's runtime pointer; v, dst and src point at element values.
type ElemOps interface {
	TrySend(key, v unsafe.Pointer) bool
	TryRecv(key, dst unsafe.Pointer) (ok, done bool)
	Copy(dst, src unsafe.Pointer)
	Zero(p unsafe.Pointer)
	Close(key unsafe.Pointer)
	Chan(key unsafe.Pointer) any // the channel as a typed value, for native selects
}

// extOps adapts an ElemOps to the core.
type extOps struct{ o ElemOps }

func (e extOps) trySend(key, v unsafe.Pointer) bool { return e.o.TrySend(key, v) }
func (e extOps) tryRecv(key, dst unsafe.Pointer) (ok, done bool) {
	return e.o.TryRecv(key, dst)
}
func (e extOps) copy(dst, src unsafe.Pointer) { e.o.Copy(dst, src) }
func (e extOps) zero(p unsafe.Pointer)        { e.o.Zero(p) }
func (e extOps) close(key unsafe.Pointer)     { e.o.Close(key) }

// simulated returns the simulated goroutine calling, or nil for any other
// caller (native code, or the scheduler running an event callback, which
// cannot park).
func simulated() *G {
	g := lookup(getg())
	if g == nil || g.driver {
		return nil
	}
	return g
}

// ErasedGo starts f in a new simulated goroutine when a simulated goroutine
// or an event callback calls it, and reports false otherwise.
func ErasedGo(f func()) bool {
	g := lookup(getg())
	if g == nil {
		return false
	}
	w := g.w
	parent := g
	if g.driver {
		parent = w.cur
	}
	w.spawn(funcName(f), f, parent)
	if !g.driver {
		w.maybePreempt(g)
	}
	return true
}

// ErasedSend is c <- *v (ops is an ElemOps).
func ErasedSend(key, v unsafe.Pointer, ops any) bool {
	g := simulated()
	if g == nil {
		return false
	}
	sendOn(g, key, v, extOps{ops.(ElemOps)})
	return true
}

// ErasedRecv is *dst, ok = <-c.
func ErasedRecv(key, dst unsafe.Pointer, ops any) (ok, handled bool) {
	g := simulated()
	if g == nil {
		return false, false
	}
	return recvOn(g, key, dst, extOps{ops.(ElemOps)}), true
}

// ErasedClose is close(c); an event callback may close too.
func ErasedClose(key unsafe.Pointer, ops any) bool {
	g := lookup(getg())
	if g == nil {
		return false
	}
	closeIn(g.w, key, extOps{ops.(ElemOps)})
	return true
}

// ErasedGosched is runtime.Gosched.
func ErasedGosched() {
	if g := simulated(); g != nil {
		g.Yield()
		return
	}
	goruntime.Gosched()
}

// ErasedCase is one case of a select in the bottom package's layout
// (its SelectCase has the same fields). After ErasedSelect chose a receive
// case, *Elem holds the value and OK says whether it was sent.
type ErasedCase struct {
	Key, Elem unsafe.Pointer
	Send      bool
	Ops       any // an ElemOps
	OK        bool
}

// ErasedSelect runs a select over cases and returns the chosen index, or -1
// for the default case, for any caller: a simulated goroutine's select is
// the world's, any other a native one.
func ErasedSelect(hasDefault bool, cases []*ErasedCase) int {
	cs := make([]Case, len(cases))
	for i, c := range cases {
		cs[i] = c
	}
	if g := simulated(); g != nil {
		return selectOn(g, hasDefault, cs)
	}
	return nativeSelect(hasDefault, cs)
}

func (c *ErasedCase) ops() extOps { return extOps{c.Ops.(ElemOps)} }

func (c *ErasedCase) try(w *World, g *G) bool {
	if c.Send {
		return trySend(w, c.Key, c.Elem, c.ops())
	}
	ok, done := tryRecv(w, c.Key, c.Elem, c.ops())
	c.OK = ok
	return done
}

func (c *ErasedCase) park(w *World, g *G, sel *selState, idx int) bool {
	if c.Key == nil {
		return false
	}
	wt := &waiter{send: c.Send, elem: c.Elem, sel: sel, idx: idx}
	w.enqueue(g, c.Key, c.ops(), wt)
	sel.waiters = append(sel.waiters, wt)
	return true
}

func (c *ErasedCase) finish(wt *waiter) {
	if c.Send {
		if wt.closed {
			panic(plainError("send on closed channel"))
		}
		return
	}
	c.OK = wt.ok
}

func (c *ErasedCase) native() reflect.SelectCase {
	ch := reflect.ValueOf(c.Ops.(ElemOps).Chan(c.Key))
	if c.Send {
		return reflect.SelectCase{Dir: reflect.SelectSend, Chan: ch, Send: reflect.NewAt(ch.Type().Elem(), c.Elem).Elem()}
	}
	return reflect.SelectCase{Dir: reflect.SelectRecv, Chan: ch}
}

func (c *ErasedCase) nativeDone(v reflect.Value, ok bool) {
	if !c.Send && ok {
		reflect.NewAt(v.Type(), c.Elem).Elem().Set(v)
	}
	c.OK = ok
}

// erasedWorld is mapWorld for calls from code that is not rewritten: the
// running simulated goroutine's world, or the world's driver for an event
// callback; nil for anything else (never a foreign-goroutine report).
func erasedWorld() (*World, int64) {
	g := lookup(getg())
	switch {
	case g == nil:
		return nil, 0
	case g.driver:
		return g.w, 0
	}
	return g.w, g.id
}

// ErasedMapOrder puts the keys a range over a map collected (keysPtr is a
// *[]K; none of the keys may be unequal to itself) in the order of a range
// in the caller's world: the canonical order of MapRange, then the
// permutation of one draw from the maps stream, recorded as a map.range
// event. It reports false outside a world (the keys are left as they are).
func ErasedMapOrder(keysPtr any) bool {
	w, gid := erasedWorld()
	if w == nil {
		return false
	}
	keys := reflect.ValueOf(keysPtr).Elem()
	n := keys.Len()
	if n < 2 {
		return true // no choice to make: no draw, no event
	}
	mo := w.mapOrder()
	if hasIdentity(keys.Type().Elem()) {
		for i := range n {
			mo.collect(keys.Index(i))
		}
		mo.number()
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return mo.compare(keys.Index(a), keys.Index(b)) })
	draw := w.Rand(StreamMaps).Uint64()
	w.record(evMapRange, gid, int64(n), strconv.FormatUint(draw, 16))
	perm := permutation(n, draw)
	ordered := reflect.MakeSlice(keys.Type(), n, n)
	for i, p := range perm {
		ordered.Index(i).Set(keys.Index(idx[p]))
	}
	reflect.Copy(keys, ordered)
	return true
}

// ErasedMapKey is MapKey for a key written by code that is not rewritten
// (keyPtr is a *K): it numbers the key's identities in the caller's world.
func ErasedMapKey(keyPtr any) {
	if w, _ := erasedWorld(); w != nil {
		if k := reflect.ValueOf(keyPtr).Elem(); hasIdentity(k.Type()) {
			w.mapOrder().note(k)
		}
	}
}
