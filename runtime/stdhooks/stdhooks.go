// Package stdhooks implements, on top of the runtime, what the standard
// library does when it is built with Marionette's overlay (internal/overlay):
// the overlaid std packages call function variables of a bottom package,
// marionette/hooks, which the overlay adds to GOROOT and which imports only
// unsafe; a file the overlay adds to this package points those variables
// at the functions below (and at the runtime's Erased* functions for
// goroutines and channels) at init.
//
// Without the overlay nothing calls this package: it builds and does
// nothing, so every simulation binary can link it.
//
// Every function first asks which goroutine is calling. A caller outside
// any simulation (package initialisation, TestMain, a goroutine of code the
// simulator did not start) gets false and the standard library goes on
// natively; a simulated goroutine is served by its world.
package stdhooks

import (
	"context"
	"encoding/binary"
	"net"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/marionette-dst/marionette/runtime"
	simnet "github.com/marionette-dst/marionette/shims/net"
)

// Wait blocks the calling simulated goroutine until try(key) succeeds: try
// takes the resource (a lock) or reports that the condition holds (a wait
// group's counter is zero), without blocking. reason names the operation in
// deadlock reports ("sync.Mutex.Lock").
//
// A waiter is woken by Wake from a simulated goroutine of its world (in FIFO
// order per key), or, when a native goroutine released the resource, by the
// scheduler's poll before time advances: both orders are reproducible. A
// woken waiter that loses the race for the resource waits again at the
// head of the queue.
//
// It returns false, having done nothing, for a caller outside a simulation.
// An event callback cannot block: it panics.
func Wait(key unsafe.Pointer, try func(unsafe.Pointer) bool, reason string) bool {
	g := runtime.Lookup()
	if g == nil {
		return false
	}
	if g.Callback() {
		if try(key) {
			return true
		}
		panic("marionette: " + reason + " would block in a scheduler event callback; callbacks cannot block (spawn a goroutine)")
	}
	if try(key) {
		return true
	}
	t, wt, leave := join(g, key)
	defer leave()
	for {
		wt.parked = true
		g.ParkUntil(reason, "", func() bool {
			if !try(key) {
				return false
			}
			wt.parked, wt.taken = false, true
			t.remove(key, wt)
			return true
		})
		wt.parked = false
		if wt.taken || try(key) {
			return true
		}
		// A simulated waker chose this waiter, but another goroutine took
		// the resource first: wait again, first in line.
		t.push(key, wt, true)
	}
}

// Wake wakes, after the resource key was released, the first simulated
// goroutine waiting for it in the caller's world (all of them when all is
// set: a wait group reaching zero, a Cond broadcast). Native callers wake
// nobody: their release is seen by the scheduler's poll.
func Wake(key unsafe.Pointer, all bool) {
	if parked.Load() == 0 {
		return
	}
	g := runtime.Lookup()
	if g == nil {
		return
	}
	w := g.World()
	t := tableOf(w)
	for {
		wt := t.pop(key)
		if wt == nil {
			return
		}
		if wt.parked {
			wt.parked = false
			w.Ready(wt.g)
		}
		if !all {
			return
		}
	}
}

// Now stores at t (a *time.Time) the time the calling simulated goroutine
// reads: its node's clock, or the world's for an event callback. It reports
// false outside a simulation.
func Now(t unsafe.Pointer) bool {
	g := runtime.Lookup()
	if g == nil {
		return false
	}
	*(*time.Time)(t) = g.Now()
	return true
}

// Rand fills b from the calling world's crypto stream (every source of
// cryptographic randomness of the standard library comes here) and reports
// true; outside a simulation it reports false and std reads the system's
// source.
func Rand(b []byte) bool {
	g := runtime.Lookup()
	if g == nil {
		return false
	}
	w := g.World()
	r := w.Rand(runtime.StreamCrypto)
	var buf [8]byte
	n := len(b)
	for len(b) > 0 {
		binary.LittleEndian.PutUint64(buf[:], r.Uint64())
		b = b[copy(b, buf[:]):]
	}
	w.Trace("std.crypto.rand", g, int64(n), "")
	return true
}

// Uint64 draws from the calling world's user stream for the top-level
// functions of math/rand and math/rand/v2 (and what std builds on them),
// reporting false outside a simulation.
func Uint64() (uint64, bool) {
	g := runtime.Lookup()
	if g == nil {
		return 0, false
	}
	w := g.World()
	v := w.Rand(runtime.StreamUser).Uint64()
	w.Trace("std.rand", g, 0, "")
	return v, true
}

// join queues g as a waiter for key in its world's table; leave, deferred
// by the caller, takes it out again if it is still queued (the goroutine
// was unwound while waiting: its run ended or its node crashed).
func join(g *runtime.G, key unsafe.Pointer) (t *table, wt *waiter, leave func()) {
	t = tableOf(g.World())
	wt = &waiter{g: g}
	t.push(key, wt, false)
	parked.Add(1)
	return t, wt, func() {
		parked.Add(-1)
		if wt.queued {
			t.remove(key, wt)
		}
	}
}

// parked counts the goroutines parked in Wait in all worlds, so that an
// uncontended release costs one atomic load.
var parked atomic.Int64

type waiter struct {
	g      *runtime.G
	parked bool // parked in Wait: a waker must make it runnable
	taken  bool // the scheduler's poll took the resource on its behalf
	queued bool // in its key's queue
}

// table holds one world's queues of waiters, by key. Only keys with waiters
// have an entry, and nothing iterates over the map, so its order cannot
// leak into a run.
type table struct {
	q map[unsafe.Pointer][]*waiter
}

type tableKey struct{}

func tableOf(w *runtime.World) *table {
	return w.Local(tableKey{}, func() any { return &table{q: map[unsafe.Pointer][]*waiter{}} }).(*table)
}

func (t *table) push(key unsafe.Pointer, wt *waiter, front bool) {
	wt.queued = true
	q := t.q[key]
	if front {
		q = append(q, nil)
		copy(q[1:], q)
		q[0] = wt
	} else {
		q = append(q, wt)
	}
	t.q[key] = q
}

func (t *table) pop(key unsafe.Pointer) *waiter {
	q := t.q[key]
	if len(q) == 0 {
		return nil
	}
	wt := q[0]
	wt.queued = false
	if len(q) == 1 {
		delete(t.q, key)
	} else {
		t.q[key] = q[1:]
	}
	return wt
}

func (t *table) remove(key unsafe.Pointer, wt *waiter) {
	q := t.q[key]
	for i, x := range q {
		if x == wt {
			q = append(q[:i:i], q[i+1:]...)
			break
		}
	}
	wt.queued = false
	if len(q) == 0 {
		delete(t.q, key)
	} else {
		t.q[key] = q
	}
}

// CondWait queues the calling simulated goroutine on the sync.Cond key,
// calls unlock (the Cond's locker), and parks until Wake names key (Signal
// wakes the longest waiter, Broadcast all). It returns false for a caller
// outside a simulation. A Signal made by a native goroutine does not wake a
// simulated waiter: the run reports the waiter in its deadlock report.
func CondWait(key unsafe.Pointer, unlock func()) bool {
	g := runtime.Lookup()
	if g == nil {
		return false
	}
	if g.Callback() {
		panic("marionette: sync.Cond.Wait in a scheduler event callback; callbacks cannot block (spawn a goroutine)")
	}
	_, wt, leave := join(g, key)
	defer leave()
	unlock()
	for wt.queued {
		wt.parked = true
		g.Park("sync.Cond.Wait", "")
		wt.parked = false
	}
	return true
}

// Sleep parks the calling simulated goroutine for ns of simulated time
// (time.Sleep in code that is not rewritten). It reports false outside a
// simulation and in an event callback (which cannot park).
func Sleep(ns int64) bool {
	g := runtime.Lookup()
	if g == nil || g.Callback() {
		return false
	}
	g.Sleep(time.Duration(ns))
	return true
}

// timers holds the time.Timers and time.Tickers Timer made under
// simulation, by address, for Stop and Reset, whoever calls them. A world's
// entries go when it ends.
var timers struct {
	mu sync.Mutex
	m  map[unsafe.Pointer]*stdTimer
}

// stdTimer is a timer of one world: an event that starts f in a new
// goroutine (AfterFunc), or sends the time on c and, with a period,
// reschedules itself (a ticker), as the time shim's timers do.
type stdTimer struct {
	w      *runtime.World
	f      func()
	c      chan time.Time
	period time.Duration
	name   string
	ev     *runtime.Event
}

// Timer makes the time.Timer or time.Ticker at t (zero, not yet returned
// to its caller) a timer of the caller's world firing after ns and then
// every period if it is not 0: it starts f in a new simulated goroutine, or
// sends the simulated time on the chan time.Time at c. It reports false
// outside a simulation.
func Timer(t unsafe.Pointer, ns, period int64, f func(), c unsafe.Pointer) bool {
	g := runtime.Lookup()
	if g == nil {
		return false
	}
	w := g.World()
	st := &stdTimer{w: w, f: f, period: time.Duration(period), name: "time.Timer"}
	switch {
	case f != nil:
		st.name = "time.AfterFunc"
	case period > 0:
		st.name = "time.Ticker"
	}
	if c != nil {
		st.c = *(*chan time.Time)(c)
	}
	timers.mu.Lock()
	if timers.m == nil {
		timers.m = map[unsafe.Pointer]*stdTimer{}
	}
	timers.m[t] = st
	timers.mu.Unlock()
	w.Local(timersKey{}, func() any {
		w.OnEnd(func() {
			timers.mu.Lock()
			for k, st := range timers.m { // deletion only: order does not matter
				if st.w == w {
					delete(timers.m, k)
				}
			}
			timers.mu.Unlock()
		})
		return true
	})
	st.start(time.Duration(ns))
	return true
}

type timersKey struct{}

func (st *stdTimer) start(d time.Duration) { st.ev = st.w.Schedule(d, st.name, st.fire) }

// fire runs in the scheduler at the timer's instant.
func (st *stdTimer) fire() {
	switch {
	case st.f != nil:
		st.w.Go(st.name, st.f)
	case st.period > 0:
		if !runtime.TrySendIn(st.w, st.c, st.w.Wall()) {
			st.w.Trace("time.tick.drop", nil, int64(st.period), "")
		}
		st.ev = st.w.Schedule(st.period, st.name, st.fire)
	default:
		// The slot is empty: stop empties it, and a one-shot timer fires
		// once per (re)start.
		runtime.TrySendIn(st.w, st.c, st.w.Wall())
	}
}

// stop cancels the pending event and empties the channel's slot, so no
// stale time is received after Stop or Reset (Go 1.23 semantics); it
// reports whether either prevented a delivery.
func (st *stdTimer) stop() bool {
	pending := st.ev.Cancel()
	if st.c != nil {
		select {
		case <-st.c:
			pending = true
		default:
		}
	}
	return pending
}

// TimerReset stops (ns < 0) or resets to ns, then every period, a timer
// Timer made: it reports whether a delivery was pending, and handled =
// false for any other timer (std's own code then serves it). Stop or Reset
// from another run while the timer's run goes on panics, as with the time
// shim's timers; after its run ended they do nothing.
func TimerReset(t unsafe.Pointer, ns, period int64) (pending, handled bool) {
	timers.mu.Lock()
	st := timers.m[t]
	timers.mu.Unlock()
	if st == nil {
		return false, false
	}
	var cur *runtime.World
	if g := runtime.Lookup(); g != nil {
		cur = g.World()
	}
	if cur != st.w {
		if cur == nil {
			return false, true // the run is over: nothing of it fires again
		}
		panic("marionette: a time.Timer or time.Ticker created in one simulation run was stopped or reset in another")
	}
	pending = st.stop()
	if ns >= 0 {
		if period > 0 {
			st.period = time.Duration(period)
		}
		st.start(time.Duration(ns))
	}
	return pending, true
}

// Dial is net.Dialer.DialContext (d is the *net.Dialer) for a simulated
// goroutine: the simulated network's dial with the dialer's timeout,
// deadline, local address and cancel channel. It reports false for any
// other caller.
func Dial(d unsafe.Pointer, ctx any, network, address string) (any, error, bool) {
	if !simulating() {
		return nil, nil, false
	}
	std := (*net.Dialer)(d)
	sd := &simnet.Dialer{Timeout: std.Timeout, Deadline: std.Deadline, LocalAddr: std.LocalAddr, Cancel: std.Cancel}
	c, err := sd.DialContext(ctx.(context.Context), network, address)
	return c, err, true
}

// Listen is net.ListenConfig.Listen for a simulated goroutine.
func Listen(lc unsafe.Pointer, ctx any, network, address string) (any, error, bool) {
	return listen(ctx, network, address, false)
}

// ListenPacket is net.ListenConfig.ListenPacket for a simulated goroutine.
func ListenPacket(lc unsafe.Pointer, ctx any, network, address string) (any, error, bool) {
	return listen(ctx, network, address, true)
}

// listen listens on the simulated network. The ListenConfig's fields
// (Control, KeepAlive) have no effect there, as with the net shim's.
func listen(ctx any, network, address string, packet bool) (any, error, bool) {
	if !simulating() {
		return nil, nil, false
	}
	var slc simnet.ListenConfig
	if packet {
		pc, err := slc.ListenPacket(ctx.(context.Context), network, address)
		return pc, err, true
	}
	l, err := slc.Listen(ctx.(context.Context), network, address)
	return l, err, true
}

// simulating reports whether a simulated goroutine (not an event callback)
// is calling.
func simulating() bool {
	g := runtime.Lookup()
	return g != nil && !g.Callback()
}
