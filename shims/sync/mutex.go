// This file defines Mutex: a std sync.Mutex that says whether the mutex is
// locked in every mode, plus a FIFO queue of parked simulated goroutines.

package sync

import (
	"fmt"
	stdsync "sync"
	"sync/atomic"

	"github.com/marionette-dst/marionette/runtime"
)

// A Mutex is a mutual exclusion lock. The zero value is an unlocked mutex.
// A Mutex must not be copied after first use.
//
// Outside a simulation it is a std sync.Mutex. Under simulation a goroutine
// that must wait parks in the world's scheduler; see the package
// documentation for the wake-up order and for mutexes shared between native
// code and a simulation.
type Mutex struct {
	mu    stdsync.Mutex // locked or not, in every mode
	guard stdsync.Mutex // protects q; held briefly, never while parked
	q     waitq         // simulated goroutines waiting in Lock

	// Who holds the lock, for deadlock reports and the check against
	// sharing between worlds. Set when a simulated goroutine takes it,
	// cleared on every unlock; zero for native holders.
	holder  atomic.Int64
	holderW atomic.Pointer[runtime.World]
}

// Lock locks m. If the lock is already in use, the calling goroutine blocks
// until the mutex is available.
func (m *Mutex) Lock() {
	if g := runtime.Current(); g != nil {
		m.lockSim(g, "sync.Mutex.Lock")
		return
	}
	m.lockNative("sync.Mutex.Lock")
}

// TryLock tries to lock m and reports whether it succeeded.
func (m *Mutex) TryLock() bool {
	g := runtime.Current()
	if g == nil {
		return m.mu.TryLock()
	}
	g.Preempt()
	m.guard.Lock()
	ok := m.mu.TryLock()
	if ok {
		m.setHolder(g)
	}
	m.guard.Unlock()
	return ok
}

// Unlock unlocks m. It is a run-time error (see the package documentation)
// if m is not locked on entry to Unlock. A locked Mutex is not associated
// with a particular goroutine: one goroutine may lock it and another unlock
// it.
func (m *Mutex) Unlock() {
	var w *runtime.World
	if g := runtime.Current(); g != nil {
		g.Preempt()
		w = g.World()
	}
	m.guard.Lock()
	if w == nil && m.q.len() == 0 {
		// Native code with no simulated waiter: std's Unlock, including its
		// fatal error for an unlocked mutex.
		m.clearHolder()
		m.guard.Unlock()
		m.mu.Unlock()
		return
	}
	if w == nil {
		if w = callbackWorld(); w == nil {
			m.guard.Unlock()
			panic(crossWorld("sync.Mutex"))
		}
	}
	if m.mu.TryLock() {
		m.mu.Unlock()
		m.guard.Unlock()
		panic("sync: unlock of unlocked mutex")
	}
	if !m.q.sameWorld(w) {
		m.guard.Unlock()
		panic(crossWorld("sync.Mutex"))
	}
	m.release(w)
	m.guard.Unlock()
}

func (m *Mutex) lockNative(op string) {
	if m.mu.TryLock() {
		return
	}
	if callbackWorld() != nil {
		panic(wouldBlockInCallback(op))
	}
	m.mu.Lock()
}

// lockSim locks m for simulated goroutine g; reason names the operation in
// deadlock reports (Once.Do locks a Mutex too).
//
// Fairness: a goroutine that finds the mutex locked joins the back of a FIFO
// queue. Unlock wakes the head of the queue and releases the lock, so the
// woken goroutine competes with goroutines that arrive (or re-lock) before
// it runs, as in Go's normal mode; if it loses, it goes back to the head of
// the queue, marked starving, and the next Unlock hands the lock to it
// directly (Go's starvation mode, entered after one lost race instead of
// after 1ms of wall time).
func (m *Mutex) lockSim(g *runtime.G, reason string) {
	g.Preempt()
	w := g.World()
	m.guard.Lock()
	if m.mu.TryLock() {
		m.setHolder(g)
		m.guard.Unlock()
		return
	}
	if hw := m.holderW.Load(); hw != nil && hw != w || !m.q.sameWorld(w) {
		m.guard.Unlock()
		panic(crossWorld("sync.Mutex"))
	}
	wt := &waiter{g: g}
	m.q.push(wt)
	for {
		park(g, &m.guard, wt, reason, m.detail(), func() { m.abandon(w, wt) })
		if wt.granted {
			break // the holder was set by the goroutine that handed it over
		}
		if m.mu.TryLock() {
			m.setHolder(g)
			break
		}
		wt.woken, wt.starving = false, true
		m.q.pushFront(wt)
	}
	m.guard.Unlock()
}

// release unlocks the locked m on behalf of world w and wakes the first
// waiter. m.guard is held.
func (m *Mutex) release(w *runtime.World) {
	m.clearHolder()
	wt := m.q.pop()
	if wt == nil {
		m.mu.Unlock()
		return
	}
	if wt.starving {
		wt.granted = true // m.mu stays locked: ownership passes to wt
		m.setHolder(wt.g)
	} else {
		m.mu.Unlock()
	}
	wake(wt, w)
}

// abandon undoes a wait cut short by the end of the run. m.guard is held.
func (m *Mutex) abandon(w *runtime.World, wt *waiter) {
	switch {
	case wt.granted:
		m.release(w) // the lock was handed over but never used
	case !wt.woken:
		m.q.remove(wt)
	}
}

func (m *Mutex) setHolder(g *runtime.G) {
	m.holder.Store(g.ID())
	m.holderW.Store(g.World())
}

func (m *Mutex) clearHolder() {
	m.holder.Store(0)
	m.holderW.Store(nil)
}

// detail describes the holder in deadlock reports.
func (m *Mutex) detail() string {
	if id := m.holder.Load(); id != 0 {
		return fmt.Sprintf("(held by goroutine %d)", id)
	}
	return "(held by code outside the simulation: package initialisation or native code)"
}
