//go:build ignore

// Marionette's overlay: time.Sleep (implemented here, as timeSleep) parks a
// simulated goroutine for simulated time (see marionette/hooks).

package runtime

import "marionette/hooks"

func mrtSleep(ns int64) bool {
	h := hooks.Sleep
	return h != nil && h(ns)
}
