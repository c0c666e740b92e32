// This file defines RWMutex: a std sync.RWMutex that says who holds the lock
// in every mode, plus FIFO queues of parked simulated readers and writers.

package sync

import (
	"fmt"
	stdsync "sync"
	"sync/atomic"

	"github.com/marionette-dst/marionette/runtime"
)

// A RWMutex is a reader/writer mutual exclusion lock. The lock can be held
// by an arbitrary number of readers or a single writer. The zero value is
// an unlocked mutex. A RWMutex must not be copied after first use.
//
// As with std, if any goroutine calls Lock while the lock is already held
// by one or more readers, concurrent calls to RLock block until the writer
// has acquired (and released) the lock, so a reader cannot rely on
// recursive read locking.
//
// Under simulation the lock is handed over, never raced for: when a writer
// unlocks, every waiting reader gets the lock at once (in queue order);
// otherwise the first waiting writer gets it as soon as the last reader
// leaves. Readers that arrive while a writer waits queue behind it.
type RWMutex struct {
	rw      stdsync.RWMutex // who holds the lock, in every mode
	guard   stdsync.Mutex   // protects the queues; held briefly, never while parked
	readers waitq           // simulated goroutines waiting in RLock
	writers waitq           // simulated goroutines waiting in Lock

	writer  atomic.Int64 // simulated goroutine holding the write lock, for reports
	writerW atomic.Pointer[runtime.World]
}

// Lock locks rw for writing. If the lock is already locked for reading or
// writing, Lock blocks until the lock is available.
func (rw *RWMutex) Lock() {
	g := runtime.Current()
	if g == nil {
		if rw.rw.TryLock() {
			return
		}
		if callbackWorld() != nil {
			panic(wouldBlockInCallback("sync.RWMutex.Lock"))
		}
		rw.rw.Lock()
		return
	}
	g.Preempt()
	w := g.World()
	rw.guard.Lock()
	if rw.readers.len() == 0 && rw.writers.len() == 0 && rw.rw.TryLock() {
		rw.setWriter(g)
		rw.guard.Unlock()
		return
	}
	rw.checkWorld(w)
	wt := &waiter{g: g}
	rw.writers.push(wt)
	park(g, &rw.guard, wt, "sync.RWMutex.Lock", rw.detail(), func() { rw.abandon(w, wt, &rw.writers) })
	rw.guard.Unlock() // granted: the lock is ours
}

// TryLock tries to lock rw for writing and reports whether it succeeded.
func (rw *RWMutex) TryLock() bool {
	g := runtime.Current()
	if g == nil {
		return rw.rw.TryLock()
	}
	g.Preempt()
	rw.guard.Lock()
	ok := rw.readers.len() == 0 && rw.writers.len() == 0 && rw.rw.TryLock()
	if ok {
		rw.setWriter(g)
	}
	rw.guard.Unlock()
	return ok
}

// Unlock unlocks rw for writing. It is a run-time error if rw is not locked
// for writing on entry to Unlock.
func (rw *RWMutex) Unlock() {
	w := rw.enter()
	if w == nil {
		rw.clearWriter()
		rw.guard.Unlock()
		rw.rw.Unlock() // std, with its fatal error for an unlocked RWMutex
		return
	}
	if rw.rw.TryRLock() { // not locked for writing
		rw.rw.RUnlock()
		rw.guard.Unlock()
		panic("sync: Unlock of unlocked RWMutex")
	}
	rw.clearWriter()
	rw.rw.Unlock()
	rw.dispatch(w, true)
	rw.guard.Unlock()
}

// RLock locks rw for reading. It should not be used for recursive read
// locking: a blocked Lock call excludes new readers from acquiring the lock.
func (rw *RWMutex) RLock() {
	g := runtime.Current()
	if g == nil {
		if rw.rw.TryRLock() {
			return
		}
		if callbackWorld() != nil {
			panic(wouldBlockInCallback("sync.RWMutex.RLock"))
		}
		rw.rw.RLock()
		return
	}
	g.Preempt()
	w := g.World()
	rw.guard.Lock()
	if rw.writers.len() == 0 && rw.rw.TryRLock() {
		rw.guard.Unlock()
		return
	}
	rw.checkWorld(w)
	wt := &waiter{g: g}
	rw.readers.push(wt)
	park(g, &rw.guard, wt, "sync.RWMutex.RLock", rw.detail(), func() { rw.abandon(w, wt, &rw.readers) })
	rw.guard.Unlock() // granted
}

// TryRLock tries to lock rw for reading and reports whether it succeeded.
func (rw *RWMutex) TryRLock() bool {
	g := runtime.Current()
	if g == nil {
		return rw.rw.TryRLock()
	}
	g.Preempt()
	rw.guard.Lock()
	ok := rw.writers.len() == 0 && rw.rw.TryRLock()
	rw.guard.Unlock()
	return ok
}

// RUnlock undoes a single RLock call. It is a run-time error if rw is not
// locked for reading on entry to RUnlock.
func (rw *RWMutex) RUnlock() {
	w := rw.enter()
	if w == nil {
		rw.guard.Unlock()
		rw.rw.RUnlock() // std, with its fatal error for an unlocked RWMutex
		return
	}
	if rw.rw.TryLock() { // not locked at all
		rw.rw.Unlock()
		rw.guard.Unlock()
		panic("sync: RUnlock of unlocked RWMutex")
	}
	if !rw.rw.TryRLock() { // locked for writing
		rw.guard.Unlock()
		panic("sync: RUnlock of unlocked RWMutex")
	}
	rw.rw.RUnlock() // the probe
	rw.rw.RUnlock()
	rw.dispatch(w, false)
	rw.guard.Unlock()
}

// RLocker returns a Locker interface that implements the Lock and Unlock
// methods by calling rw.RLock and rw.RUnlock.
func (rw *RWMutex) RLocker() Locker { return (*rlocker)(rw) }

type rlocker RWMutex

func (r *rlocker) Lock()   { (*RWMutex)(r).RLock() }
func (r *rlocker) Unlock() { (*RWMutex)(r).RUnlock() }

// enter starts an unlock: it takes the guard and returns the world on whose
// behalf the unlock runs, or nil for native code with no simulated waiter
// (which then uses std's unlock).
func (rw *RWMutex) enter() *runtime.World {
	var w *runtime.World
	if g := runtime.Current(); g != nil {
		g.Preempt()
		w = g.World()
	}
	rw.guard.Lock()
	if w == nil && rw.readers.len() == 0 && rw.writers.len() == 0 {
		return nil
	}
	if w == nil {
		w = callbackWorld()
	}
	if w == nil || !rw.readers.sameWorld(w) || !rw.writers.sameWorld(w) {
		rw.guard.Unlock()
		panic(crossWorld("sync.RWMutex"))
	}
	return w
}

// dispatch hands the lock to waiters after a release. After a writer's
// unlock, waiting readers go first; otherwise the first waiting writer goes
// first. rw.guard is held.
func (rw *RWMutex) dispatch(w *runtime.World, readersFirst bool) {
	if readersFirst && rw.readers.len() > 0 || rw.writers.len() == 0 {
		for rw.readers.len() > 0 && rw.rw.TryRLock() {
			wt := rw.readers.pop()
			wt.granted = true
			wake(wt, w)
		}
		return
	}
	if rw.rw.TryLock() {
		wt := rw.writers.pop()
		wt.granted = true
		rw.setWriter(wt.g)
		wake(wt, w)
	}
}

// abandon undoes a wait cut short by the end of the run. rw.guard is held.
func (rw *RWMutex) abandon(w *runtime.World, wt *waiter, q *waitq) {
	switch {
	case wt.granted && q == &rw.writers:
		rw.clearWriter()
		rw.rw.Unlock()
		rw.dispatch(w, true)
	case wt.granted:
		rw.rw.RUnlock()
		rw.dispatch(w, false)
	case !wt.woken:
		q.remove(wt)
		rw.dispatch(w, false) // readers may have queued behind a writer that is gone
	}
}

func (rw *RWMutex) checkWorld(w *runtime.World) {
	if hw := rw.writerW.Load(); hw != nil && hw != w || !rw.readers.sameWorld(w) || !rw.writers.sameWorld(w) {
		rw.guard.Unlock()
		panic(crossWorld("sync.RWMutex"))
	}
}

func (rw *RWMutex) setWriter(g *runtime.G) {
	rw.writer.Store(g.ID())
	rw.writerW.Store(g.World())
}

func (rw *RWMutex) clearWriter() {
	rw.writer.Store(0)
	rw.writerW.Store(nil)
}

func (rw *RWMutex) detail() string {
	if id := rw.writer.Load(); id != 0 {
		return fmt.Sprintf("(held for writing by goroutine %d)", id)
	}
	if rw.rw.TryRLock() {
		rw.rw.RUnlock()
		return "(held for reading)"
	}
	return "(held for writing by code outside the simulation)"
}
