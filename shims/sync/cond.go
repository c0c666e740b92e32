// This file defines Cond: a FIFO queue of waiters, simulated and native,
// woken in the order they called Wait.

package sync

import (
	stdsync "sync"
	"sync/atomic"
	"unsafe"

	"github.com/marionette-dst/marionette/runtime"
)

// Cond implements a condition variable, a rendezvous point for goroutines
// waiting for or announcing the occurrence of an event.
//
// Each Cond has an associated Locker L (often a *Mutex or *RWMutex), which
// must be held when changing the condition and when calling the Wait
// method. A Cond must not be copied after first use.
//
// Signal wakes the goroutine that has waited longest; Broadcast wakes all of
// them in the order they started waiting. Under simulation woken goroutines
// become runnable in that order, and the scheduler then decides which runs
// first.
type Cond struct {
	noCopy noCopy

	// L is held while observing or changing the condition.
	L Locker

	checker copyChecker
	guard   stdsync.Mutex // protects q; held briefly, never while blocked
	q       waitq
}

// NewCond returns a new Cond with Locker l.
func NewCond(l Locker) *Cond { return &Cond{L: l} }

// Wait atomically unlocks c.L and suspends execution of the calling
// goroutine. After later resuming execution, Wait locks c.L before
// returning. Wait cannot return unless awoken by Broadcast or Signal, so
// callers wait in a loop on their condition.
func (c *Cond) Wait() {
	c.checker.check()
	g := runtime.Current()
	wt := &waiter{g: g}
	if g != nil {
		g.Preempt()
	} else {
		if callbackWorld() != nil {
			panic(wouldBlockInCallback("sync.Cond.Wait"))
		}
		wt.ch = make(chan struct{})
	}
	c.guard.Lock()
	if g != nil && !c.q.sameWorld(g.World()) {
		c.guard.Unlock()
		panic(crossWorld("sync.Cond"))
	}
	c.q.push(wt) // before unlocking L: a Signal after the unlock finds us
	c.guard.Unlock()

	c.L.Unlock()

	if g != nil {
		c.guard.Lock()
		if !wt.woken { // the Unlock may have yielded, and a Signal come meanwhile
			park(g, &c.guard, wt, "sync.Cond.Wait", "", func() {
				if !wt.woken {
					c.q.remove(wt)
				}
			})
		}
		c.guard.Unlock()
	} else {
		<-wt.ch
	}

	c.L.Lock()
}

// Signal wakes one goroutine waiting on c, if there is any: the one that
// has waited longest. The caller may, but need not, hold c.L.
func (c *Cond) Signal() { c.notify(false) }

// Broadcast wakes all goroutines waiting on c, in the order they started
// waiting. The caller may, but need not, hold c.L.
func (c *Cond) Broadcast() { c.notify(true) }

func (c *Cond) notify(all bool) {
	c.checker.check()
	var w *runtime.World
	if g := runtime.Current(); g != nil {
		g.Preempt()
		w = g.World()
	}
	c.guard.Lock()
	defer c.guard.Unlock()
	if c.q.len() == 0 {
		return
	}
	if w == nil {
		w = callbackWorld()
	}
	if !c.q.sameWorld(w) {
		panic(crossWorld("sync.Cond"))
	}
	for c.q.len() > 0 {
		wake(c.q.pop(), w)
		if !all {
			return
		}
	}
}

// copyChecker holds its own address once used, to detect a Cond copied
// after first use at run time, as std does ("sync.Cond is copied").
type copyChecker uintptr

func (c *copyChecker) check() {
	self := uintptr(unsafe.Pointer(c))
	p := (*uintptr)(c)
	if v := atomic.LoadUintptr(p); v == self {
		return
	}
	if atomic.CompareAndSwapUintptr(p, 0, self) || atomic.LoadUintptr(p) == self {
		return
	}
	panic("sync.Cond is copied")
}
