// This file defines escapes: a simulated goroutine making a real system
// call that changes the machine (creating, writing, removing or renaming a
// file, making a directory, a link or a symlink, changing a mode) or that
// opens a real socket. Simulated code must reach disks and networks through
// the simulator; code that is not rewritten can still reach the real ones,
// and a test that silently wrote to the host or dialled a real port would
// pass or fail for reasons outside the seed. With the standard-library
// overlay (mgen -std) std's syscall package reports those calls here, and
// the run fails with kind escape, naming the call, the path and the
// stack. Reads of real files (time zones, certificates, testdata) are
// allowed: they are inputs, not effects.

package runtime

import "fmt"

// Escape is called, through the standard-library overlay, by a system call
// wrapper of package syscall before it changes the real machine (call names
// the system call, what its path or socket domain). For a simulated
// goroutine it fails the run with kind escape and returns true: the call is
// then refused (EPERM) instead of made. Other callers, and the simulator's
// own I/O (see Outside), get false.
func Escape(call, what string) bool {
	g := lookup(getg())
	if g == nil || g.driver || g.outside > 0 {
		return false
	}
	w := g.w
	msg := fmt.Sprintf("simulated code made a real %s system call (%s): it would change the real machine. "+
		"The call was refused. It came from code that is not rewritten (see the stack); "+
		"rewrite its module with mgen gen -include, or use the simulated os and net", call, what)
	w.record(evEscape, g.id, 0, call+" "+what)
	w.fail(KindEscape, msg, []GoroutineInfo{{ID: g.id, Name: g.name, State: "running", Stack: currentStack()}})
	return true
}

// Outside runs f, the simulator's own work on the real machine (writing a
// trace or an artifact), on behalf of the calling goroutine: system calls
// it makes are not escapes.
func Outside(f func()) {
	g := lookup(getg())
	if g == nil {
		f()
		return
	}
	g.outside++
	defer func() { g.outside-- }()
	f()
}
