//go:build ignore

// The operations the rewriter writes into std code for goroutines,
// channels and select (the same names and shapes as Marionette's runtime
// offers rewritten user code). Each passes the channel as a pointer, values
// as pointers and the element type as an elem[T], so that the simulator's
// runtime, which std cannot import, serves them through the hooks below; a
// caller the simulator does not run gets the native operation.

package hooks

import "unsafe"

var (
	// GoHook starts f in a new simulated goroutine.
	GoHook func(f func()) bool
	// SendHook, RecvHook and CloseHook are c <- *v, *dst, ok = <-c and
	// close(c) for the channel key; ops is an elem[T].
	SendHook  func(key, v unsafe.Pointer, ops any) bool
	RecvHook  func(key, dst unsafe.Pointer, ops any) (ok, handled bool)
	CloseHook func(key unsafe.Pointer, ops any) bool
	// SelectHook runs a select for any caller and returns the chosen case
	// (-1: default).
	SelectHook func(hasDefault bool, cases []*SelectCase) int
	// GoschedHook is runtime.Gosched.
	GoschedHook func()
	// MapOrderHook orders the keys (a *[]K) of a range over a map in the
	// caller's world; MapKeyHook numbers the identities of a key written
	// to a map (a *K).
	MapOrderHook func(keys any) bool
	MapKeyHook   func(key any)
	// DeferredHook stops a deferred function of a goroutine the simulator
	// is killing (see Deferred).
	DeferredHook func()
)

// Deferred starts every function of rewritten std code that calls recover:
// while the simulator kills the goroutine (its node crashed, its run
// ended), it panics again with the simulator's sentinel, so the recover is
// never reached and the unwinding stays invisible to std.
func Deferred() {
	if h := DeferredHook; h != nil {
		h()
	}
}

// elem is the element type of a channel, as methods on pointers.
type elem[T any] struct{}

func (elem[T]) TrySend(key, v unsafe.Pointer) bool {
	select {
	case *(*chan T)(unsafe.Pointer(&key)) <- *(*T)(v):
		return true
	default:
		return false
	}
}

func (elem[T]) TryRecv(key, dst unsafe.Pointer) (ok, done bool) {
	select {
	case v, ok := <-*(*chan T)(unsafe.Pointer(&key)):
		*(*T)(dst) = v
		return ok, true
	default:
		return false, false
	}
}

func (elem[T]) Copy(dst, src unsafe.Pointer) { *(*T)(dst) = *(*T)(src) }

func (elem[T]) Zero(p unsafe.Pointer) {
	var zero T
	*(*T)(p) = zero
}

func (elem[T]) Close(key unsafe.Pointer) { close(*(*chan T)(unsafe.Pointer(&key))) }

func (elem[T]) Chan(key unsafe.Pointer) any { return *(*chan T)(unsafe.Pointer(&key)) }

func chanKey[C any](c C) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&c)) }

// Go is the statement go f().
func Go(f func()) {
	if h := GoHook; h != nil && h(f) {
		return
	}
	go f()
}

// Send is the statement c <- v.
func Send[T any](c chan<- T, v T) {
	if h := SendHook; h != nil && h(chanKey(c), unsafe.Pointer(&v), elem[T]{}) {
		return
	}
	c <- v
}

// Sender is the send side of a channel whose element type is T: the
// rewriter writes c <- v as To(c).Send(v) when v is only assignable to T.
type Sender[T any] struct{ c chan<- T }

// To returns the send side of c.
func To[T any](c chan<- T) Sender[T] { return Sender[T]{c} }

// Send is the statement c <- v.
func (s Sender[T]) Send(v T) { Send(s.c, v) }

// SendCase makes the send case c <- v of a select.
func (s Sender[T]) SendCase(v T) *SendOp[T] { return SendCase(s.c, v) }

// Recv2Ok is v, ok = <-c where ok has a named boolean type.
func Recv2Ok[T any, B ~bool](c <-chan T, ok B) (T, B) {
	v, got := Recv2(c)
	return v, B(got)
}

// Recv is the expression <-c.
func Recv[T any](c <-chan T) T {
	v, _ := Recv2(c)
	return v
}

// Recv2 is v, ok := <-c.
func Recv2[T any](c <-chan T) (T, bool) {
	if h := RecvHook; h != nil {
		var v T
		if ok, handled := h(chanKey(c), unsafe.Pointer(&v), elem[T]{}); handled {
			return v, ok
		}
	}
	v, ok := <-c
	return v, ok
}

// Close is close(c).
func Close[T any](c chan<- T) {
	if h := CloseHook; h != nil && h(chanKey(c), elem[T]{}) {
		return
	}
	close(c)
}

// Range is for v := range c.
func Range[T any](c <-chan T) func(yield func(T) bool) {
	return func(yield func(T) bool) {
		for {
			v, ok := Recv2(c)
			if !ok || !yield(v) {
				return
			}
		}
	}
}

// Gosched is runtime.Gosched (natively a no-op here: the hint is only
// skipped before the simulator's hooks are set).
func Gosched() {
	if h := GoschedHook; h != nil {
		h()
	}
}

// SelectCase is one case of a select, in the layout of the runtime's
// ErasedCase.
type SelectCase struct {
	Key, Elem unsafe.Pointer
	Send      bool
	Ops       any
	OK        bool
}

// Case is a *RecvOp or a *SendOp.
type Case interface{ selectCase() *SelectCase }

// RecvOp is a receive case; after Select chose it, V and OK hold what
// v, ok := <-c would.
type RecvOp[T any] struct {
	V  T
	OK bool
	sc SelectCase
}

func (r *RecvOp[T]) selectCase() *SelectCase { return &r.sc }

// SendOp is a send case.
type SendOp[T any] struct {
	v  T
	sc SelectCase
}

func (s *SendOp[T]) selectCase() *SelectCase { return &s.sc }

// RecvCase makes the receive case <-c.
func RecvCase[T any](c <-chan T) *RecvOp[T] {
	r := &RecvOp[T]{}
	r.sc = SelectCase{Key: chanKey(c), Elem: unsafe.Pointer(&r.V), Ops: elem[T]{}}
	return r
}

// SendCase makes the send case c <- v.
func SendCase[T any](c chan<- T, v T) *SendOp[T] {
	s := &SendOp[T]{v: v}
	s.sc = SelectCase{Key: chanKey(c), Elem: unsafe.Pointer(&s.v), Send: true, Ops: elem[T]{}}
	return s
}

// Select runs a select statement and returns the chosen case's index, or
// -1 for the default case.
func Select(hasDefault bool, cases ...Case) int {
	h := SelectHook
	if h == nil {
		panic("marionette: a select in the standard library ran before the simulator set its hooks (package initialisation)")
	}
	scs := make([]*SelectCase, len(cases))
	for i, c := range cases {
		scs[i] = c.selectCase()
	}
	i := h(hasDefault, scs)
	if i >= 0 {
		if r, ok := cases[i].(interface{ setOK() }); ok {
			r.setOK()
		}
	}
	return i
}

func (r *RecvOp[T]) setOK() { r.OK = r.sc.OK }

// MapRange is for k, v := range m: in a world, the keys in an order drawn
// from the seed (entries deleted before they are reached are skipped, and
// keys unequal to themselves, NaNs, are produced at the end).
func MapRange[M ~map[K]V, K comparable, V any](m M) func(yield func(K, V) bool) {
	return func(yield func(K, V) bool) {
		h := MapOrderHook
		if h == nil {
			for k, v := range m {
				if !yield(k, v) {
					return
				}
			}
			return
		}
		keys := make([]K, 0, len(m))
		var odd []K
		var oddV []V
		for k, v := range m {
			if k != k {
				odd, oddV = append(odd, k), append(oddV, v)
				continue
			}
			keys = append(keys, k)
		}
		if !h(&keys) {
			for k, v := range m {
				if !yield(k, v) {
					return
				}
			}
			return
		}
		for _, k := range keys {
			if v, ok := m[k]; ok && !yield(k, v) {
				return
			}
		}
		for i, k := range odd {
			if !yield(k, oddV[i]) {
				return
			}
		}
	}
}

// MapKey is the key of a map write (m[k] = v, map literals) whose type
// can hold a pointer, a channel or an interface: in a world, its
// identities get their numbers in program order, so ranges order them by
// when they were first stored, not by address.
func MapKey[K comparable](k K) K {
	if h := MapKeyHook; h != nil {
		h(&k)
	}
	return k
}

// ChanLoop and MapIter are the loops the rewriter writes for ranges in
// files older than go1.23 (no range-over-func):
//
//	for v := range c     ->  for it, v, ok := RecvLoop(c); ok; ok = it.Next(&v) {
//	for k, v := range m  ->  for it, k, v, ok := MapLoop(m); ok; ok = it.Next(&k, &v) {
type ChanLoop[T any] struct{ c <-chan T }

// RecvLoop starts a loop over a channel: it receives the first value.
func RecvLoop[T any](c <-chan T) (it ChanLoop[T], v T, ok bool) {
	v, ok = Recv2(c)
	return ChanLoop[T]{c}, v, ok
}

// Next receives the next value into *v (v may be nil); at the close *v is
// left as it was, as a range loop leaves its variable.
func (it ChanLoop[T]) Next(v *T) bool {
	x, ok := Recv2(it.c)
	if ok && v != nil {
		*v = x
	}
	return ok
}

// MapIter is a loop over a map, in MapRange's order.
type MapIter[K comparable, V any] struct {
	keys []K
	vals []V
	i    int
}

// MapLoop starts a loop over a map: it returns the first entry.
func MapLoop[M ~map[K]V, K comparable, V any](m M) (it *MapIter[K, V], k K, v V, ok bool) {
	it = &MapIter[K, V]{}
	for k, v := range MapRange(m) {
		it.keys, it.vals = append(it.keys, k), append(it.vals, v)
	}
	ok = it.Next(&k, &v)
	return it, k, v, ok
}

// Next stores the next entry in *k and *v (either may be nil).
func (it *MapIter[K, V]) Next(k *K, v *V) bool {
	if it.i >= len(it.keys) {
		return false
	}
	if k != nil {
		*k = it.keys[it.i]
	}
	if v != nil {
		*v = it.vals[it.i]
	}
	it.i++
	return true
}
