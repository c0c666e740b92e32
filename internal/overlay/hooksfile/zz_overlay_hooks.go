//go:build ignore

// Added to package runtime/stdhooks by Marionette's overlay: it points the
// standard library's hooks at this package, and tells the runtime the go
// command flags a replay of this binary's runs needs. The overlay appends
// the constant overlayJSON.

package stdhooks

import (
	"marionette/hooks"

	"github.com/marionette-dst/marionette/runtime"
)

func init() {
	hooks.Wait = Wait
	hooks.Wake = Wake
	hooks.CondWait = CondWait
	hooks.Now = Now
	hooks.Sleep = Sleep
	hooks.AfterFunc = AfterFunc
	hooks.TimerReset = TimerReset
	hooks.Rand = Rand
	hooks.Uint64 = Uint64
	hooks.Escape = runtime.Escape
	runtime.SetBuildFlags("-overlay="+overlayJSON, "-vet=off")
}
