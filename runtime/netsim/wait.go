// This file defines wait queues: where a blocking layer (shims/net) parks
// goroutines until the network's state changes. The model itself never
// blocks; it wakes every waiter of a queue when something they may wait for
// happens, and each waiter re-checks its condition.

package netsim

import "github.com/marionette-dst/marionette/runtime"

// Waiter is one goroutine waiting on a queue.
type Waiter struct {
	g      *runtime.G
	parked bool
}

// WaitQueue is a FIFO of waiters.
type WaitQueue struct {
	ws []*Waiter
}

// Add enqueues g. The caller then calls Arm and parks g; a wake-up makes
// g runnable again.
func (q *WaitQueue) Add(g *runtime.G) *Waiter {
	wt := &Waiter{g: g}
	q.ws = append(q.ws, wt)
	return wt
}

// Arm marks the waiter as parked: the next wake-up readies its goroutine.
func (wt *Waiter) Arm() { wt.parked = true }

// Wake readies the waiter's goroutine if it is still parked.
func (wt *Waiter) Wake() {
	if wt.parked {
		wt.parked = false
		wt.g.World().Ready(wt.g)
	}
}

// Remove takes wt off the queue (a no-op if it is not on it).
func (q *WaitQueue) Remove(wt *Waiter) {
	wt.parked = false
	for i, x := range q.ws {
		if x == wt {
			copy(q.ws[i:], q.ws[i+1:])
			q.ws[len(q.ws)-1] = nil
			q.ws = q.ws[:len(q.ws)-1]
			return
		}
	}
}

// Len returns the number of waiters.
func (q *WaitQueue) Len() int { return len(q.ws) }

// WakeAll wakes every waiter, in the order they queued (for locks and
// conditions a blocking layer builds on wait queues).
func (q *WaitQueue) WakeAll() { q.wakeAll() }

// wakeAll wakes every waiter, in the order they queued. They stay queued
// until they remove themselves.
func (q *WaitQueue) wakeAll() {
	for _, wt := range q.ws {
		wt.Wake()
	}
}
