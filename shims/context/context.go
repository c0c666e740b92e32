// This file defines the shim's constructors and Cause. Under simulation they
// build the shim's own context types (see node.go), whose deadlines are
// events of the world's queue; outside a simulation they forward to std.

package context

import (
	stdcontext "context"
	"reflect"
	"sync/atomic"
	"time"

	"github.com/marionette-dst/marionette/runtime"
)

// simWorld returns the world the caller runs in: the world of the simulated
// goroutine it runs on, or of the scheduler running an event callback. It is
// nil outside any simulation. A goroutine the simulator did not start that
// calls it while worlds run is reported as foreign by runtime.Current (and
// never returns).
func simWorld() *runtime.World {
	if g := runtime.Current(); g != nil {
		return g.World()
	}
	if g := runtime.Lookup(); g != nil {
		return g.World() // the scheduler itself, running an event callback
	}
	return nil
}

const nilParent = "cannot create context from nil parent"

// WithCancel returns a derived context that points to the parent context but
// has a new Done channel. The returned context's Done channel is closed when
// the returned cancel function is called or when the parent context's Done
// channel is closed, whichever happens first.
func WithCancel(parent Context) (Context, CancelFunc) {
	w := simWorld()
	if w == nil {
		return stdcontext.WithCancel(parent)
	}
	c := newCancelCtx(w, parent)
	c.propagate()
	return c, func() { preempt(); c.cancel(Canceled, nil) }
}

// WithCancelCause behaves like [WithCancel] but returns a [CancelCauseFunc]
// instead of a [CancelFunc]. Calling cancel with a non-nil error (the
// "cause") records that error in ctx; it can then be retrieved using
// Cause(ctx). Calling cancel with nil sets the cause to Canceled.
func WithCancelCause(parent Context) (ctx Context, cancel CancelCauseFunc) {
	w := simWorld()
	if w == nil {
		return stdcontext.WithCancelCause(parent)
	}
	c := newCancelCtx(w, parent)
	c.propagate()
	return c, func(cause error) { preempt(); c.cancel(Canceled, cause) }
}

// WithDeadline returns a derived context that points to the parent context
// but has the deadline adjusted to be no later than d. Under simulation d is
// a simulated instant and the deadline fires on the world's clock.
func WithDeadline(parent Context, d time.Time) (Context, CancelFunc) {
	return WithDeadlineCause(parent, d, nil)
}

// WithDeadlineCause behaves like [WithDeadline] but also sets the cause of
// the returned Context when the deadline is exceeded. The returned
// [CancelFunc] does not set the cause.
func WithDeadlineCause(parent Context, d time.Time, cause error) (Context, CancelFunc) {
	w := simWorld()
	if w == nil {
		return stdcontext.WithDeadlineCause(parent, d, cause)
	}
	return withDeadline(w, parent, d, cause)
}

// WithTimeout returns WithDeadline(parent, time.Now().Add(timeout)), with
// the simulated time.Now under simulation.
func WithTimeout(parent Context, timeout time.Duration) (Context, CancelFunc) {
	w := simWorld()
	if w == nil {
		return stdcontext.WithTimeout(parent, timeout)
	}
	return withDeadline(w, parent, w.Wall().Add(timeout), nil)
}

// WithTimeoutCause behaves like [WithTimeout] but also sets the cause of the
// returned Context when the timeout expires. The returned [CancelFunc] does
// not set the cause.
func WithTimeoutCause(parent Context, timeout time.Duration, cause error) (Context, CancelFunc) {
	w := simWorld()
	if w == nil {
		return stdcontext.WithTimeoutCause(parent, timeout, cause)
	}
	return withDeadline(w, parent, w.Wall().Add(timeout), cause)
}

// withDeadline mirrors std's WithDeadlineCause, on the world's clock.
func withDeadline(w *runtime.World, parent Context, d time.Time, cause error) (Context, CancelFunc) {
	if parent == nil {
		panic(nilParent)
	}
	if cur, ok := parent.Deadline(); ok && cur.Before(d) {
		// The current deadline is already sooner than the new one.
		c := newCancelCtx(w, parent)
		c.propagate()
		return c, func() { preempt(); c.cancel(Canceled, nil) }
	}
	c := newCancelCtx(w, parent)
	c.deadline, c.hasDeadline = d, true
	c.propagate()
	dur := d.Sub(w.Wall())
	if dur <= 0 {
		c.cancel(DeadlineExceeded, cause) // deadline has already passed
		return c, func() { preempt(); c.cancel(Canceled, nil) }
	}
	c.mu.Lock()
	if c.err == nil {
		c.timer = w.Schedule(dur, evDeadline, func() { c.cancel(DeadlineExceeded, cause) })
	}
	c.mu.Unlock()
	return c, func() { preempt(); c.cancel(Canceled, nil) }
}

// WithValue returns a derived context that points to the parent Context. In
// the derived context, the value associated with key is val.
func WithValue(parent Context, key, val any) Context {
	if simWorld() == nil {
		return stdcontext.WithValue(parent, key, val)
	}
	if parent == nil {
		panic(nilParent)
	}
	if key == nil {
		panic("nil key")
	}
	if !reflect.TypeOf(key).Comparable() {
		panic("key is not comparable")
	}
	return &valueCtx{parent, key, val}
}

// AfterFunc arranges to call f in its own goroutine (under simulation, a new
// simulated goroutine) after ctx is canceled. If ctx is already canceled,
// AfterFunc calls f immediately in its own goroutine.
//
// Calling the returned stop function stops the association of ctx with f.
// It returns true if the call stopped f from being run. If stop returns
// false, either the context is canceled and f has been started in its own
// goroutine; or f was already stopped. The stop function does not wait for f
// to complete before returning.
func AfterFunc(ctx Context, f func()) (stop func() bool) {
	if simWorld() == nil {
		return stdcontext.AfterFunc(ctx, f)
	}
	if ctx.Done() == nil {
		return onceTrue() // never canceled: stop stops it, once
	}
	return onCancel(ctx, func(error, error) { spawn(evAfterFunc, f) })
}

// Cause returns a non-nil error explaining why c was canceled. The first
// cancellation of c or one of its parents sets the cause. If that
// cancellation happened via a call to CancelCauseFunc(err), then Cause
// returns err. Otherwise Cause(c) returns the same value as c.Err(). Cause
// returns nil if c has not been canceled yet.
//
// The shim's contexts answer std's own lookup (see stdkey.go), so std's
// Cause is exact for them, for std contexts derived from them and for
// wrappers std or libraries put around them.
func Cause(c Context) error {
	if stdCancelKey != nil {
		return stdcontext.Cause(c)
	}
	if p := nodeOf(c, c.Done()); p != nil {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.cause
	}
	return stdcontext.Cause(c)
}

// preempt marks a user's cancel call as a synchronisation point (std's
// takes a lock): with the run's preemption probability the goroutine yields.
func preempt() {
	if g := runtime.Current(); g != nil {
		g.Preempt()
	}
}

// spawn starts f in a new goroutine of the caller's world (a plain goroutine
// once no world runs).
func spawn(name string, f func()) {
	if w := simWorld(); w != nil {
		w.Go(name, f)
		return
	}
	go f()
}

// onceTrue is the stop function of a registration that can never fire: the
// first call reports that it stopped it.
func onceTrue() func() bool {
	var done atomic.Bool
	return func() bool { return done.CompareAndSwap(false, true) }
}
