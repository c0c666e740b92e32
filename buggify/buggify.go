// Package buggify injects faults from inside user code, FoundationDB-style.
//
//	if buggify.Enabled() {
//		time.Sleep(time.Second) // make the slow path happen
//	}
//
// Under simulation, each call site (keyed by its file and line) is
// activated once per run with probability buggify.activate of the option
// set, decided the first time the site is evaluated; an active site then
// fires with probability buggify.fire each time it is evaluated. Weighted
// scales the fire probability by a contextual weight, so faults can target
// dangerous states (a crash is likelier while writes are pending).
// Activations and firings are trace events, and failure reports list the
// active sites. The smoke profile activates few sites, swarm varies both
// probabilities per seed, and performance turns buggify off.
//
// Outside a simulation every function reports false at the cost of one
// atomic load.
package buggify

import (
	goruntime "runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/marionette-dst/marionette/runtime"
)

// Enabled reports whether this call site fires now.
func Enabled() bool {
	if !runtime.Active() {
		return false
	}
	return eval(1)
}

// Weighted reports whether this call site fires now, with the fire
// probability multiplied by weight (capped at 1). A weight of 0 never fires;
// a weight of 4 makes an active site fire four times as often. The weight
// does not change whether the site is active.
func Weighted(weight float64) bool {
	if !runtime.Active() {
		return false
	}
	return eval(weight)
}

// sites caches the key of each call site by program counter. It is process
// infrastructure (like the runtime's goroutine registry), not simulation
// state: keys depend only on the binary.
var sites sync.Map // uintptr -> string

func eval(weight float64) bool {
	g := runtime.Lookup() // also event callbacks; a goroutine outside the simulation does nothing
	if g == nil {
		return false
	}
	var pcs [1]uintptr
	if goruntime.Callers(3, pcs[:]) == 0 {
		return false
	}
	key, ok := sites.Load(pcs[0])
	if !ok {
		key = siteKey(pcs[0])
		sites.Store(pcs[0], key)
	}
	return g.World().Buggify(key.(string), weight)
}

// siteKey names a call site "dir/file.go:line" (the last two elements of
// the path), so the key is the same whether the path came from a //line
// directive or the compiler, on every machine.
func siteKey(pc uintptr) string {
	fr, _ := goruntime.CallersFrames([]uintptr{pc}).Next()
	file := strings.ReplaceAll(fr.File, "\\", "/")
	if i := strings.LastIndex(file, "/"); i >= 0 {
		if j := strings.LastIndex(file[:i], "/"); j >= 0 {
			file = file[j+1:]
		}
	}
	return file + ":" + strconv.Itoa(fr.Line)
}
