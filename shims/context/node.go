// This file defines the shim's context types and the cancellation tree that
// links them.
//
// A cancelCtx is a node of the tree: WithCancel, WithCancelCause and the
// deadline constructors make one. A node keeps, in registration order, the
// hooks to run when it is canceled: its children's cancellations, AfterFunc
// registrations, and std children registered through the AfterFunc method
// (std's afterFuncer protocol). Cancelling a node closes its Done channel in
// the world (waking parked goroutines in park order), then runs its hooks in
// order, depth first: the same order every run.
//
// A context of another type (std, or a library's) is watched rather than
// linked: a node whose parent is not ours registers through the parent's
// AfterFunc method if it has one (as std does), and otherwise a simulated
// goroutine waits on the parent's Done channel. Library code closes such a
// channel natively; the world's channel poll sees it before time moves, so
// the watcher wakes deterministically. No real goroutine and no real timer
// is ever started under simulation.

package context

import (
	stdcontext "context"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/marionette-dst/marionette/runtime"
)

// Labels of the shim's events, goroutines and trace records.
const (
	evDeadline  = "context.deadline"
	evAfterFunc = "context.AfterFunc"
	evWatch     = "context.watch"
	evCancel    = "context.cancel"
)

// nodeKey is the private Value key for which the shim's contexts return
// their nearest cancellation node. It passes through std wrappers
// (WithValue, WithoutCancel) like any key; nodeOf checks that the node's
// Done channel is the context's before trusting it, as std does with its own
// key.
var nodeKey = new(int)

// afterFuncer is std's unexported protocol: a parent with an AfterFunc
// method is told about children instead of being watched by a goroutine.
type afterFuncer interface {
	AfterFunc(func()) func() bool
}

// simContext marks the shim's own context types.
type simContext interface {
	simContext()
}

// cancelCtx is a cancellation node, with an optional deadline.
type cancelCtx struct {
	parent Context
	w      *runtime.World // the world it was made in; its deadline event lives there
	done   chan struct{}

	deadline    time.Time
	hasDeadline bool

	mu     sync.Mutex
	err    error
	cause  error
	shadow Context // a canceled std context holding cause, made on demand for std.Cause
	hooks  hookList
	timer  *runtime.Event
	detach func() bool // unregisters from the parent
}

func newCancelCtx(w *runtime.World, parent Context) *cancelCtx {
	if parent == nil {
		panic(nilParent)
	}
	return &cancelCtx{parent: parent, w: w, done: make(chan struct{})}
}

func (*cancelCtx) simContext() {}

// propagate arranges for c to be canceled when its parent is.
func (c *cancelCtx) propagate() {
	if c.parent.Done() == nil {
		return // the parent is never canceled
	}
	stop := onCancel(c.parent, c.cancel)
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		stop()
		return
	}
	c.detach = stop
	c.mu.Unlock()
}

// cancel closes c.done, records err and cause (cause defaults to err), runs
// c's hooks and unregisters c from its parent. Only the first call acts.
func (c *cancelCtx) cancel(err, cause error) {
	if cause == nil {
		cause = err
	}
	w := simWorld()
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return // already canceled
	}
	c.err, c.cause = err, cause
	if c.timer != nil {
		if w == c.w {
			c.timer.Cancel()
		}
		c.timer = nil
	}
	if w != nil {
		w.Trace(evCancel, w.Current(), 0, err.Error())
		runtime.CloseIn(w, c.done)
	} else {
		close(c.done) // the world has ended
	}
	hooks := c.hooks.takeAll()
	detach := c.detach
	c.detach = nil
	c.mu.Unlock()

	for _, h := range hooks {
		h.f(err, cause)
	}
	if detach != nil {
		detach()
	}
}

// addHook arranges for f to be called with c's error and cause when c is
// canceled (at once if it already is). stop unregisters f and reports
// whether that prevented the call.
func (c *cancelCtx) addHook(f func(err, cause error)) (stop func() bool) {
	c.mu.Lock()
	if err := c.err; err != nil {
		cause := c.cause
		c.mu.Unlock()
		f(err, cause)
		return stopped
	}
	h := &hook{f: f}
	c.hooks.push(h)
	c.mu.Unlock()
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		if h.claimed {
			return false
		}
		c.hooks.remove(h)
		return true
	}
}

func stopped() bool { return false }

func (c *cancelCtx) Deadline() (deadline time.Time, ok bool) {
	if c.hasDeadline {
		return c.deadline, true
	}
	return c.parent.Deadline()
}

func (c *cancelCtx) Done() <-chan struct{} { return c.done }

func (c *cancelCtx) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func (c *cancelCtx) Value(key any) any {
	switch {
	case key == nodeKey:
		return c
	case stdCancelKey != nil && key == stdCancelKey:
		return c.stdNode()
	}
	return c.parent.Value(key)
}

// stdNode answers std's own lookup key: nil while c is not canceled (std's
// Cause then falls back to Err, which is nil), afterwards a canceled std
// context holding c's cause, so std.Cause(c) and the causes std gives to its
// children of c are exact. Its Done channel is not c's, so std never takes it
// for c's node.
func (c *cancelCtx) stdNode() any {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		return nil
	}
	if c.shadow == nil {
		s, cancel := stdcontext.WithCancelCause(stdcontext.Background())
		cancel(c.cause)
		c.shadow = s
	}
	return c.shadow.Value(stdCancelKey)
}

// AfterFunc implements std's afterFuncer protocol: std calls it instead of
// starting a goroutine when it derives a context from c. f runs in the
// goroutine or event that cancels c, right after c's Done channel is closed;
// it must not block (std's f cancels its child).
func (c *cancelCtx) AfterFunc(f func()) func() bool {
	return c.addHook(func(error, error) { f() })
}

func (c *cancelCtx) String() string {
	if c.hasDeadline {
		return contextName(c.parent) + ".WithDeadline(" +
			c.deadline.String() + " [" + until(c.deadline).String() + "])"
	}
	return contextName(c.parent) + ".WithCancel"
}

// until is time.Until on the caller's clock. String may be called by
// goroutines outside any simulation (a logger), so it does not report them.
func until(t time.Time) time.Duration {
	if g := runtime.Lookup(); g != nil {
		return t.Sub(g.World().Wall())
	}
	return time.Until(t)
}

// valueCtx carries a key-value pair. Unlike std's, it implements the
// afterFuncer protocol, so std contexts derived from it do not need a
// goroutine.
type valueCtx struct {
	Context
	key, val any
}

func (*valueCtx) simContext() {}

func (c *valueCtx) Value(key any) any {
	if c.key == key {
		return c.val
	}
	return c.Context.Value(key)
}

func (c *valueCtx) AfterFunc(f func()) func() bool {
	return onCancel(c, func(error, error) { f() })
}

func (c *valueCtx) String() string {
	return contextName(c.Context) + ".WithValue(" +
		stringify(c.key) + ", " + stringify(c.val) + ")"
}

type stringer interface {
	String() string
}

func contextName(c Context) string {
	if s, ok := c.(stringer); ok {
		return s.String()
	}
	return reflect.TypeOf(c).String()
}

func stringify(v any) string {
	switch s := v.(type) {
	case stringer:
		return s.String()
	case string:
		return s
	case nil:
		return "<nil>"
	}
	return reflect.TypeOf(v).String()
}

// nodeOf returns the shim node whose Done channel ctx reports, if any.
func nodeOf(ctx Context, done <-chan struct{}) *cancelCtx {
	if done == nil {
		return nil
	}
	p, _ := ctx.Value(nodeKey).(*cancelCtx)
	if p == nil || (<-chan struct{})(p.done) != done {
		return nil
	}
	return p
}

// onCancel arranges for f to be called with ctx's error and cause once ctx is
// done, and returns a stop function reporting whether it prevented the call.
// ctx.Done() must not be nil. f runs synchronously in whatever cancels a shim
// node, at once if ctx is already done, or in a watcher goroutine.
func onCancel(ctx Context, f func(err, cause error)) (stop func() bool) {
	done := ctx.Done()
	if p := nodeOf(ctx, done); p != nil {
		return p.addHook(f)
	}
	select {
	case <-done:
		f(ctx.Err(), Cause(ctx))
		return stopped
	default:
	}
	notify := func() { f(ctx.Err(), Cause(ctx)) }
	if _, ours := ctx.(simContext); !ours {
		if a, ok := ctx.(afterFuncer); ok {
			return a.AfterFunc(notify)
		}
	}
	w := simWorld()
	if w == nil {
		return stdcontext.AfterFunc(ctx, notify) // outside a simulation
	}
	return watch(w, done, notify)
}

// watch waits for done in a new simulated goroutine and then calls notify,
// unless stop is called first.
func watch(w *runtime.World, done <-chan struct{}, notify func()) (stop func() bool) {
	var claimed atomic.Bool
	quit := make(chan struct{})
	w.Go(evWatch, func() {
		if runtime.Select(false, runtime.RecvCase(done), runtime.RecvCase[struct{}](quit)) == 0 &&
			claimed.CompareAndSwap(false, true) {
			notify()
		}
	})
	return func() bool {
		if !claimed.CompareAndSwap(false, true) {
			return false
		}
		if w := simWorld(); w != nil {
			runtime.CloseIn(w, quit)
		} else {
			close(quit)
		}
		return true
	}
}

// hook is one registration on a node.
type hook struct {
	f          func(err, cause error)
	prev, next *hook
	claimed    bool // run or stopped
}

// hookList keeps a node's hooks in registration order.
type hookList struct {
	head, tail *hook
}

func (l *hookList) push(h *hook) {
	h.prev = l.tail
	if l.tail != nil {
		l.tail.next = h
	} else {
		l.head = h
	}
	l.tail = h
}

func (l *hookList) remove(h *hook) {
	h.claimed = true
	if h.prev != nil {
		h.prev.next = h.next
	} else {
		l.head = h.next
	}
	if h.next != nil {
		h.next.prev = h.prev
	} else {
		l.tail = h.prev
	}
	h.prev, h.next = nil, nil
}

// takeAll claims every hook and empties the list.
func (l *hookList) takeAll() []*hook {
	var hs []*hook
	for h := l.head; h != nil; h = h.next {
		h.claimed = true
		hs = append(hs, h)
	}
	*l = hookList{}
	return hs
}
