//go:build ignore

// Added to package runtime/stdhooks by Marionette's overlay: it points the
// standard library's hooks at this package.

package stdhooks

import "marionette/hooks"

func init() {
	hooks.Wait = Wait
	hooks.Wake = Wake
	hooks.CondWait = CondWait
	hooks.Now = Now
	hooks.Rand = Rand
	hooks.Uint64 = Uint64
}
