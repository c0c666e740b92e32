// This file defines World.Exit, the simulated os.Exit: it ends the run, not
// the process, and records the exit code.

package runtime

import "strconv"

type exitKey struct{}

// Exit ends the run as os.Exit ends a process: the calling goroutine stops
// at once without running its deferred calls (it is killed, see
// World.kill), the loop stops, and every other goroutine is unwound
// as at any run end. The code is recorded (ExitCode) and traced as os.exit.
// Only the first call's code is kept. Called from an event callback, Exit
// records the code and the run stops after the callback.
func (w *World) Exit(code int) {
	if _, done := w.locals[exitKey{}]; !done {
		w.locals[exitKey{}] = code
		var id int64
		if w.cur != nil {
			id = w.cur.id
		}
		w.recordKind("os.exit", id, int64(code), "os.Exit("+strconv.Itoa(code)+")")
	}
	w.rootDone = true // stops Run's loop; RunUntil callers check Exited
	g := w.cur
	if g == nil || g.driver {
		return
	}
	w.exit(g, "os.Exit")
	w.kill(g) // only marks it: g is running
	panic(killSentinel{})
}

// ExitCode returns the code passed to Exit, and whether Exit was called.
func (w *World) ExitCode() (code int, exited bool) {
	v, ok := w.locals[exitKey{}]
	if !ok {
		return 0, false
	}
	return v.(int), true
}

// Exited reports whether Exit was called.
func (w *World) Exited() bool {
	_, ok := w.locals[exitKey{}]
	return ok
}
