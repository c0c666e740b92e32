//go:build ignore

// Marionette's overlay: the top-level functions draw from the simulated
// goroutine's world (see marionette/hooks).

package rand

import "marionette/hooks"

func mrtUint64() (uint64, bool) {
	if h := hooks.Uint64; h != nil {
		return h()
	}
	return 0, false
}
