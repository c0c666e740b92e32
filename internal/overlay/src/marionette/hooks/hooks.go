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
	// AfterFunc makes the (zero) time.Timer at t call f in a new simulated
	// goroutine after ns of simulated time.
	AfterFunc func(t unsafe.Pointer, ns int64, f func()) bool
	// TimerReset stops (ns < 0) or resets a timer AfterFunc made, reporting
	// whether it was pending and whether t is such a timer.
	TimerReset func(t unsafe.Pointer, ns int64) (pending, handled bool)
	// Rand fills b from the world's crypto stream.
	Rand func(b []byte) bool
	// Escape reports a system call that would change the real machine or
	// open a socket (call names it, what its path); true refuses it.
	Escape func(call, what string) bool
	// Uint64 draws for the top-level functions of math/rand and math/rand/v2.
	Uint64 func() (uint64, bool)
)
