// This file defines WaitGroup: a counter and a FIFO queue of waiters, both
// shared by native and simulated callers.

package sync

import (
	"fmt"
	"reflect"
	goruntime "runtime"
	"strings"
	stdsync "sync"

	"github.com/marionette-dst/marionette/runtime"
)

// A WaitGroup is a counting semaphore typically used to wait for a group of
// goroutines or tasks to finish: start tasks with Go (or Add and Done) and
// wait for all of them with Wait. A WaitGroup must not be copied after first
// use.
//
// Under simulation Wait parks the goroutine in the world's scheduler and Go
// starts a simulated goroutine.
type WaitGroup struct {
	noCopy noCopy

	guard stdsync.Mutex // protects n and q; held briefly, never while blocked
	n     int64
	q     waitq // simulated and native goroutines in Wait
}

// Add adds delta, which may be negative, to the WaitGroup task counter. If
// the counter becomes zero, all goroutines blocked on Wait are released, in
// the order they started waiting. If the counter goes negative, Add panics.
//
// As with std, calls with a positive delta that occur when the counter is
// zero must happen before a Wait, and new Add calls for a reused WaitGroup
// must happen after all previous Wait calls have returned.
func (wg *WaitGroup) Add(delta int) {
	var w *runtime.World
	if g := runtime.Current(); g != nil {
		g.Preempt()
		w = g.World()
	}
	wg.guard.Lock()
	v := wg.n + int64(delta)
	if v < 0 {
		wg.guard.Unlock()
		panic("sync: negative WaitGroup counter")
	}
	wg.n = v
	if v == 0 && wg.q.len() > 0 {
		if w == nil {
			w = callbackWorld()
		}
		if !wg.q.sameWorld(w) {
			wg.guard.Unlock()
			panic(crossWorld("sync.WaitGroup"))
		}
		for wg.q.len() > 0 {
			wake(wg.q.pop(), w)
		}
	}
	wg.guard.Unlock()
}

// Done decrements the WaitGroup task counter by one. It is equivalent to
// Add(-1).
func (wg *WaitGroup) Done() { wg.Add(-1) }

// Wait blocks until the WaitGroup task counter is zero.
func (wg *WaitGroup) Wait() {
	g := runtime.Current()
	if g != nil {
		g.Preempt()
	}
	wg.guard.Lock()
	if wg.n == 0 {
		wg.guard.Unlock()
		return
	}
	wt := &waiter{g: g}
	if g != nil {
		if !wg.q.sameWorld(g.World()) {
			wg.guard.Unlock()
			panic(crossWorld("sync.WaitGroup"))
		}
		wg.q.push(wt)
		park(g, &wg.guard, wt, "sync.WaitGroup.Wait", fmt.Sprintf("(counter %d)", wg.n), func() {
			if !wt.woken {
				wg.q.remove(wt)
			}
		})
	} else {
		if callbackWorld() != nil {
			wg.guard.Unlock()
			panic(wouldBlockInCallback("sync.WaitGroup.Wait"))
		}
		wt.ch = make(chan struct{})
		wg.q.push(wt)
		wg.guard.Unlock()
		<-wt.ch
		wg.guard.Lock()
	}
	reused := wg.n != 0
	wg.guard.Unlock()
	if reused {
		panic("sync: WaitGroup is reused before previous Wait has returned")
	}
}

// Go calls f in a new goroutine and adds that task to the WaitGroup. When f
// returns, the task is removed from the WaitGroup. Under simulation the new
// goroutine is a simulated goroutine of the caller's world.
//
// The function f must not panic. As with std, if it does, the panic is not
// converted into a Done: it goes on (and, under simulation, fails the run
// naming f's goroutine). If f calls runtime.Goexit, the task is removed.
func (wg *WaitGroup) Go(f func()) {
	wg.Add(1)
	body := func() {
		returned := false
		defer func() {
			if !returned {
				if r := recover(); r != nil {
					panic(r) // no Done: Wait must not return while f panics
				}
			}
			wg.Done() // f returned, or called runtime.Goexit
		}()
		f()
		returned = true
	}
	g := runtime.Current()
	if g == nil {
		go body()
		return
	}
	g.World().Go(funcName(f), body)
	g.Preempt()
}

// funcName names a goroutine after the function it runs, as the runtime does
// for go statements.
func funcName(f func()) string {
	fn := goruntime.FuncForPC(reflect.ValueOf(f).Pointer())
	if fn == nil {
		return "?"
	}
	name := fn.Name()
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	return name
}
