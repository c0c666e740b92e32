// Package context is the simulation shim of the standard library's context
// package. The rewriter swaps the import path "context" for this package.
//
// Context, CancelFunc and CancelCauseFunc are aliases of std's types, and
// Canceled and DeadlineExceeded are std's sentinel values themselves, so
// contexts, errors and errors.Is work across rewritten and non-rewritten
// code. Background, TODO and WithoutCancel are std's own (they involve no
// clock and no goroutine). Outside a simulation every function forwards to
// std.
//
// # Under simulation
//
// WithCancel, WithCancelCause, WithDeadline(Cause), WithTimeout(Cause) and
// WithValue return the shim's own context types (see node.go). They behave
// as std's:
//
//   - Deadline reports the simulated deadline (WithTimeout adds to the
//     simulated time.Now), and the deadline fires as an event of the world's
//     queue ("context.deadline" in the trace): never a real timer, never a
//     real goroutine.
//   - Err is DeadlineExceeded after the deadline and Canceled after a cancel
//     function; Cause is the cause given to WithDeadlineCause,
//     WithTimeoutCause or a CancelCauseFunc, else Err. Children see their
//     parent's error and cause; a child whose deadline is later than its
//     parent's is a plain cancelable child, as in std.
//   - Cancelling closes the Done channel in the world, waking the goroutines
//     parked on it in the order they parked, then cancels children and
//     starts AfterFunc functions in registration order, depth first (std
//     uses map order): the same order in every run. Each cancellation is a
//     "context.cancel" trace record.
//   - AfterFunc's f runs in a new simulated goroutine; stop reports, as
//     std's, whether it kept f from running.
//
// Interoperation with contexts of other types:
//
//   - std contexts derived by non-rewritten code from the shim's contexts
//     (std.WithCancel(ctx) in a library) register through the AfterFunc
//     method of the shim's types (std's unexported afterFuncer protocol), so
//     std starts no goroutine and they are canceled synchronously, with the
//     right error and cause. The shim's contexts also answer std's own Value
//     lookup for cancellation causes, so std's Cause, and this package's
//     Cause, are exact on any mix of std and shim contexts.
//   - A shim context whose parent is of another type (std's WithCancel made
//     by a library, t.Context(), a context made before the run) registers
//     through the parent's AfterFunc method if it has one, as std does, and
//     otherwise is watched by a simulated goroutine ("context.watch") that
//     waits on the parent's Done channel. Such a channel is closed natively by
//     code the simulator does not see; the world polls parked channel
//     operations before time advances, so the watcher wakes at the same
//     simulated instant, deterministically, if the close was made by
//     simulated code.
//
// # Differences from std that remain
//
//   - When a library wraps a shim context in std's WithValue and then derives
//     a cancelable std context from that, std's own code starts a real
//     goroutine to propagate cancellation (std's valueCtx does not implement
//     the afterFuncer protocol). Cancellation then reaches the std child when
//     that goroutine runs, which the simulator does not control. Contexts
//     cancelled by real goroutines or real timers (a std WithTimeout made by
//     a library) are likewise seen only when the world next polls.
//   - A shim context parented by a non-shim context without an AfterFunc
//     method costs a simulated goroutine (std: a real goroutine), which
//     shows in goroutine counts, traces and deadlock reports. When the parent
//     is a std cancelCtx, std would cancel the child synchronously; here the
//     child's Err, Cause and Done change when the watcher runs, at the same
//     simulated instant but not yet when the parent's cancel returns.
//   - A waiter on a std child's Done channel (closed natively by std's code)
//     wakes when the world polls, after the goroutines and events already
//     runnable at that instant, rather than at once.
//   - The AfterFunc method of the shim's types (std's afterFuncer protocol)
//     runs f synchronously in the canceling goroutine or event, not in a new
//     goroutine: it is meant for std, whose f only cancels a child. The
//     package-level AfterFunc runs f in its own goroutine, as documented.
//   - String of a deadline context prints the simulated deadline and the
//     simulated time left; the shim's types print like std's otherwise.
package context
