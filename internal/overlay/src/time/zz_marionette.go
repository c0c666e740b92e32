//go:build ignore

// Marionette's overlay: a simulated goroutine reads its node's simulated
// clock (see marionette/hooks).

package time

import (
	"marionette/hooks"
	"unsafe"
)

func mrtNow() (Time, bool) {
	h := hooks.Now
	if h == nil {
		return Time{}, false
	}
	var t Time
	if !h(unsafe.Pointer(&t)) {
		return Time{}, false
	}
	return t, true
}

// mrtAfterFunc makes t a timer of the caller's world that starts f in a new
// simulated goroutine after d of simulated time.
func mrtAfterFunc(d Duration, f func()) (*Timer, bool) {
	h := hooks.AfterFunc
	if h == nil {
		return nil, false
	}
	t := new(Timer)
	if !h(unsafe.Pointer(t), int64(d), f) {
		return nil, false
	}
	return t, true
}

// mrtTimerStop and mrtTimerReset serve the timers mrtAfterFunc made.
func mrtTimerStop(t *Timer) (stopped, handled bool) {
	h := hooks.TimerReset
	if h == nil || t.initTimer {
		return false, false
	}
	return h(unsafe.Pointer(t), -1)
}

func mrtTimerReset(t *Timer, d Duration) (active, handled bool) {
	h := hooks.TimerReset
	if h == nil || t.initTimer {
		return false, false
	}
	return h(unsafe.Pointer(t), int64(max(d, 0)))
}
