// This file defines Once and the OnceFunc family on top of the shim's Mutex,
// so a Once done natively (package initialisation) is done under simulation
// too, and callers that wait for f park in the world's scheduler.

package sync

import (
	"sync/atomic"

	"github.com/marionette-dst/marionette/runtime"
)

// Once is an object that will perform exactly one action. A Once must not
// be copied after first use.
type Once struct {
	done atomic.Bool
	m    Mutex
}

// Do calls f if and only if Do is being called for the first time for this
// instance of Once. No call to Do returns until the one call to f returns;
// if f panics, Do considers it to have returned. Calling Do from f
// deadlocks (under simulation: a deadlock failure naming sync.Once.Do).
func (o *Once) Do(f func()) {
	if !o.done.Load() {
		o.doSlow(f)
	}
}

func (o *Once) doSlow(f func()) {
	if g := runtime.Current(); g != nil {
		o.m.lockSim(g, "sync.Once.Do")
	} else {
		o.m.lockNative("sync.Once.Do")
	}
	defer o.m.Unlock()
	if !o.done.Load() {
		defer o.done.Store(true)
		f()
	}
}

// OnceFunc returns a function that invokes f only once. The returned
// function may be called concurrently. If f panics, the returned function
// will panic with the same value on every call.
func OnceFunc(f func()) func() {
	g := OnceValue(func() struct{} { f(); return struct{}{} })
	return func() { g() }
}

// OnceValue returns a function that invokes f only once and returns the
// value returned by f. The returned function may be called concurrently.
// If f panics, the returned function will panic with the same value on
// every call.
func OnceValue[T any](f func() T) func() T {
	g := OnceValues(func() (T, struct{}) { return f(), struct{}{} })
	return func() T { v, _ := g(); return v }
}

// OnceValues returns a function that invokes f only once and returns the
// values returned by f. The returned function may be called concurrently.
// If f panics, the returned function will panic with the same value on
// every call.
func OnceValues[T1, T2 any](f func() (T1, T2)) func() (T1, T2) {
	var (
		once     Once
		finished bool // f returned normally
		p        any  // what f panicked with
		r1       T1
		r2       T2
	)
	return func() (T1, T2) {
		once.Do(func() {
			defer func() {
				f = nil // do not keep f alive
				if !finished {
					// Keep the value, then let the first caller's panic go
					// on with its full stack into f.
					p = recover()
					panic(p)
				}
			}()
			r1, r2 = f()
			finished = true
		})
		if !finished {
			panic(p)
		}
		return r1, r2
	}
}
