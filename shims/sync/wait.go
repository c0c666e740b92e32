// This file defines what every primitive of the shim shares: the FIFO wait
// queue of simulated (and, for Cond and WaitGroup, native) waiters, parking
// and waking through the runtime, and the checks that keep one primitive
// from being shared by two worlds at once.

package sync

import (
	stdsync "sync"

	"github.com/marionette-dst/marionette/runtime"
)

// waiter is one blocked caller: a simulated goroutine (g) or a native
// goroutine (ch, closed to wake it).
type waiter struct {
	g  *runtime.G
	ch chan struct{}

	woken    bool // a waker removed it from its queue and dealt with it
	parked   bool // g is parked on it: waking needs World.Ready
	granted  bool // Mutex, RWMutex: the lock was handed over with the wake-up
	starving bool // Mutex: it lost the race for the lock after a wake-up
}

// waitq is a FIFO queue of waiters. All its simulated waiters belong to one
// world (see sameWorld).
type waitq struct {
	ws []*waiter
}

func (q *waitq) len() int { return len(q.ws) }

func (q *waitq) push(wt *waiter) { q.ws = append(q.ws, wt) }

func (q *waitq) pushFront(wt *waiter) {
	q.ws = append(q.ws, nil)
	copy(q.ws[1:], q.ws)
	q.ws[0] = wt
}

func (q *waitq) pop() *waiter {
	if len(q.ws) == 0 {
		return nil
	}
	wt := q.ws[0]
	q.ws[0] = nil
	q.ws = q.ws[1:]
	if len(q.ws) == 0 {
		q.ws = nil // let the backing array go
	}
	return wt
}

func (q *waitq) remove(wt *waiter) {
	for i, x := range q.ws {
		if x == wt {
			copy(q.ws[i:], q.ws[i+1:])
			q.ws[len(q.ws)-1] = nil
			q.ws = q.ws[:len(q.ws)-1]
			return
		}
	}
}

// sameWorld reports whether every simulated waiter of q belongs to w (w is
// nil outside any simulation). A world is single-threaded, so waking its
// goroutines from anywhere else would be a data race in the scheduler.
func (q *waitq) sameWorld(w *runtime.World) bool {
	for _, wt := range q.ws {
		if wt.g != nil {
			return wt.g.World() == w // all simulated waiters share one world
		}
	}
	return true
}

// wake completes a waiter removed from its queue, on behalf of a caller of
// world w. The caller holds the queue's guard and has checked sameWorld.
func wake(wt *waiter, w *runtime.World) {
	wt.woken = true
	if wt.g == nil {
		close(wt.ch)
		return
	}
	if wt.parked {
		wt.parked = false
		w.Ready(wt.g)
	}
}

// park parks g until a waker sets wt.woken. guard is held on entry and on
// return (it is released while parked). If the world ends while g is parked
// the runtime unwinds g from its park; abandon then runs with guard held so
// the waiter leaves no trace in the primitive, and the unwinding goes on.
func park(g *runtime.G, guard *stdsync.Mutex, wt *waiter, reason, detail string, abandon func()) {
	wt.parked = true
	guard.Unlock()
	returned := false
	defer func() {
		if !returned {
			guard.Lock()
			wt.parked = false
			abandon()
			guard.Unlock()
		}
	}()
	g.Park(reason, detail)
	returned = true
	guard.Lock()
}

// callbackWorld returns the world whose scheduler is making the call when
// runtime.Current() is nil: an event callback run by the runtime. It is nil for
// native code. Only slow paths ask, to keep native calls cheap.
func callbackWorld() *runtime.World {
	if d := runtime.Lookup(); d != nil {
		return d.World()
	}
	return nil
}

// wouldBlockInCallback is the panic when a runtime event callback would
// have to block: callbacks run in the scheduler and cannot park.
func wouldBlockInCallback(op string) string {
	return "marionette: " + op + " would block in a scheduler event callback; callbacks cannot block (spawn a goroutine)"
}

// crossWorld is the panic when one primitive is used by two worlds at once.
func crossWorld(what string) string {
	return "marionette: " + what + " is used by goroutines of two simulation runs at once " +
		"(runs in parallel share it, or a run ended while holding it); " +
		"state shared between runs makes them nondeterministic"
}

// noCopy makes `go vet` (copylocks) report copies of the struct that
// contains it, as the std types do.
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}
