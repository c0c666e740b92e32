//go:build ignore

// Package hooks is the bottom of Marionette's standard-library overlay: the
// overlaid std packages call these function variables, and Marionette's
// runtime (package runtime/stdhooks) sets them at init. It imports only
// unsafe, so any std package can import it without a cycle. A nil variable
// means no simulator is linked: std then behaves exactly as it does without
// the overlay.
//
// Each function reports whether it served the call; false sends std down its
// native path (the caller is not a simulated goroutine).
package hooks

import "unsafe"

var (
	// Wait blocks the calling simulated goroutine until try(key) succeeds.
	Wait func(key unsafe.Pointer, try func(unsafe.Pointer) bool, reason string) bool
	// Wake wakes the first (or every) simulated goroutine waiting on key.
	Wake func(key unsafe.Pointer, all bool)
	// CondWait queues the calling simulated goroutine on a sync.Cond, calls
	// unlock, and blocks until Wake names the Cond.
	CondWait func(key unsafe.Pointer, unlock func()) bool
	// Now stores the calling goroutine's simulated time.Time at t.
	Now func(t unsafe.Pointer) bool
	// Sleep parks the calling simulated goroutine for ns of simulated time.
	Sleep func(ns int64) bool
	// Timer makes the time.Timer or time.Ticker at t a simulated timer
	// firing after ns (then every period, if not 0): it starts f in a new
	// simulated goroutine (AfterFunc), or sends on the chan time.Time at c.
	Timer func(t unsafe.Pointer, ns, period int64, f func(), c unsafe.Pointer) bool
	// TimerReset stops (ns < 0) or resets (to ns, then period) a timer
	// Timer made, reporting whether it was pending and whether t is such a
	// timer.
	TimerReset func(t unsafe.Pointer, ns, period int64) (pending, handled bool)
	// Dial, Listen and ListenPacket are net.Dialer.DialContext and
	// net.ListenConfig's Listen and ListenPacket on the simulated network
	// (d, lc: the *net.Dialer, *net.ListenConfig; ctx a context.Context;
	// the results a net.Conn, net.Listener, net.PacketConn).
	Dial         func(d unsafe.Pointer, ctx any, network, address string) (any, error, bool)
	Listen       func(lc unsafe.Pointer, ctx any, network, address string) (any, error, bool)
	ListenPacket func(lc unsafe.Pointer, ctx any, network, address string) (any, error, bool)
	// Rand fills b from the world's crypto stream.
	Rand func(b []byte) bool
	// Escape reports a system call that would change the real machine or
	// open a socket (call names it, what its path); true refuses it.
	Escape func(call, what string) bool
	// Uint64 draws for the top-level functions of math/rand and math/rand/v2.
	Uint64 func() (uint64, bool)
)
