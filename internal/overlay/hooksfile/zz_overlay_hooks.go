//go:build ignore

// Added to package runtime/stdhooks by Marionette's overlay: it points the
// standard library's hooks at this package. (The build flags a replay of
// this binary's runs needs are recorded by another added file, which
// overlay.Write makes for the main module's overlay.)

package stdhooks

import (
	"marionette/hooks"
	"unsafe"

	"github.com/marionette-dst/marionette/runtime"
)

func init() {
	hooks.Wait = Wait
	hooks.Wake = Wake
	hooks.CondWait = CondWait
	hooks.Now = Now
	hooks.Sleep = Sleep
	hooks.Timer = Timer
	hooks.TimerReset = TimerReset
	hooks.Dial = Dial
	hooks.Listen = Listen
	hooks.ListenPacket = ListenPacket
	hooks.Rand = Rand
	hooks.Uint64 = Uint64
	hooks.Escape = runtime.Escape
	hooks.GoHook = runtime.ErasedGo
	hooks.SendHook = runtime.ErasedSend
	hooks.RecvHook = runtime.ErasedRecv
	hooks.CloseHook = runtime.ErasedClose
	hooks.GoschedHook = runtime.ErasedGosched
	hooks.DeferredHook = runtime.Deferred
	hooks.MapOrderHook = runtime.ErasedMapOrder
	hooks.MapKeyHook = runtime.ErasedMapKey
	hooks.SelectHook = func(hasDefault bool, cases []*hooks.SelectCase) int {
		// hooks.SelectCase and runtime.ErasedCase have the same fields.
		return runtime.ErasedSelect(hasDefault, *(*[]*runtime.ErasedCase)(unsafe.Pointer(&cases)))
	}
}
