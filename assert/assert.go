// Package assert provides Antithesis-style assertions for code run under
// the Marionette simulator: Always, AlwaysOrUnreachable, Sometimes,
// Reachable and Unreachable. An assertion is identified by its message.
//
// Under simulation, a false Always or AlwaysOrUnreachable, or a reached
// Unreachable, fails the run at once with kind "check" (exit code 14),
// naming the assertion, its position and the details. Sometimes and
// Reachable are counted: those never satisfied are reported per run and,
// by mgen test, across every seed of a swarm. mgen gen registers every
// assertion site with a constant message in a generated catalog, so an
// assertion no run reaches is reported too.
//
// Outside a simulation (package init, TestMain, a program run natively)
// every function returns at once: it costs one atomic load.
package assert

import "github.com/marionette-dst/marionette/runtime"

func eval(kind runtime.AssertKind, cond bool, message string, details map[string]any) {
	if !runtime.Active() {
		return
	}
	g := runtime.Lookup() // also event callbacks; a goroutine outside the simulation does nothing
	if g == nil {
		return
	}
	g.World().Assert(kind, cond, message, details, 2)
}

// Always asserts that condition is true every time it is evaluated, and
// that it is evaluated at least once (across the swarm).
func Always(condition bool, message string, details map[string]any) {
	eval(runtime.AssertAlways, condition, message, details)
}

// AlwaysOrUnreachable asserts that condition is true every time it is
// evaluated; never evaluating it is fine.
func AlwaysOrUnreachable(condition bool, message string, details map[string]any) {
	eval(runtime.AssertAlwaysOrUnreachable, condition, message, details)
}

// Sometimes asserts that condition is true at least once (across the
// swarm): that the test reaches an interesting state.
func Sometimes(condition bool, message string, details map[string]any) {
	eval(runtime.AssertSometimes, condition, message, details)
}

// Reachable asserts that this point is reached at least once (across the
// swarm).
func Reachable(message string, details map[string]any) {
	eval(runtime.AssertReachable, true, message, details)
}

// Unreachable asserts that this point is never reached.
func Unreachable(message string, details map[string]any) {
	eval(runtime.AssertUnreachable, false, message, details)
}

// Site registers an assertion site in the catalog. It is called by the init
// functions mgen gen writes (zz_mgen_assertions.go); kind is one of
// "always", "always_or_unreachable", "sometimes", "reachable",
// "unreachable", and pos is file:line relative to the module root.
func Site(kind, message, pos string) {
	runtime.RegisterAssertion(runtime.AssertKind(kind), message, pos)
}
