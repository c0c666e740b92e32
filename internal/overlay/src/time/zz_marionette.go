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

// mrtAfterFunc, mrtNewTimer and mrtNewTicker make timers of the caller's
// world: an AfterFunc starts f in a new simulated goroutine, the others
// send the simulated time on their channel (a ticker every d).
func mrtAfterFunc(d Duration, f func()) (*Timer, bool) {
	h := hooks.Timer
	if h == nil {
		return nil, false
	}
	t := new(Timer)
	if !h(unsafe.Pointer(t), int64(d), 0, f, nil) {
		return nil, false
	}
	return t, true
}

func mrtNewTimer(d Duration) (*Timer, bool) {
	h := hooks.Timer
	if h == nil {
		return nil, false
	}
	c := make(chan Time, 1)
	t := &Timer{C: c}
	if !h(unsafe.Pointer(t), int64(d), 0, nil, unsafe.Pointer(&c)) {
		return nil, false
	}
	return t, true
}

func mrtNewTicker(d Duration) (*Ticker, bool) {
	h := hooks.Timer
	if h == nil || d <= 0 {
		return nil, false // std panics for d <= 0
	}
	c := make(chan Time, 1)
	t := &Ticker{C: c}
	if !h(unsafe.Pointer(t), int64(d), int64(d), nil, unsafe.Pointer(&c)) {
		return nil, false
	}
	return t, true
}

// mrtTimerStop, mrtTimerReset, mrtTickerStop and mrtTickerReset serve the
// timers made above (handled is false for std's own timers).
func mrtTimerStop(t *Timer) (stopped, handled bool) {
	h := hooks.TimerReset
	if h == nil || t.initTimer {
		return false, false
	}
	return h(unsafe.Pointer(t), -1, 0)
}

func mrtTimerReset(t *Timer, d Duration) (active, handled bool) {
	h := hooks.TimerReset
	if h == nil || t.initTimer {
		return false, false
	}
	return h(unsafe.Pointer(t), int64(max(d, 0)), 0)
}

func mrtTickerStop(t *Ticker) bool {
	h := hooks.TimerReset
	if h == nil || t.initTicker {
		return false
	}
	_, handled := h(unsafe.Pointer(t), -1, 0)
	return handled
}

func mrtTickerReset(t *Ticker, d Duration) bool {
	h := hooks.TimerReset
	if h == nil || t.initTicker || d <= 0 {
		return false
	}
	_, handled := h(unsafe.Pointer(t), int64(d), int64(d))
	return handled
}
