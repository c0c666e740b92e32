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
