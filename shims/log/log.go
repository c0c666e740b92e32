// Package log is the simulated replacement of the standard package log.
// Rewritten code imports it under the std name; its API is std's.
//
// Under simulation the date and time a Logger writes (Ldate, Ltime,
// Lmicroseconds, LUTC) are the world's simulated wall clock, the value the
// time shim's Now returns: the run's epoch plus simulated time, in the
// epoch's location (UTC unless the options say otherwise), so the output is
// the same on every machine. Everything else is std's format: prefixes,
// Lmsgprefix, Lshortfile and Llongfile with the caller's position.
//
// # How
//
// Logger is std's *log.Logger (an alias), so loggers cross freely into code
// that is not rewritten (http.Server.ErrorLog, slog.NewLogLogger and any
// library taking a *log.Logger). A std Logger reads the real clock itself;
// the shim therefore gives every Logger it makes (New, the default logger,
// SetOutput) an output that, under simulation, replaces the date and time
// std formatted with the simulated ones before passing the line on. Natively
// the line passes through untouched.
//
// The package-level functions (Print, Printf, Fatal, Panic, Output...) log
// through Default with the caller depth adjusted, so Lshortfile names the
// user's line, not the shim's.
//
// # Differences from std that remain
//
//   - (*Logger).SetOutput is std's method and cannot be intercepted: a Logger
//     whose output is replaced with it writes real timestamps under
//     simulation. Use the package-level SetOutput for the default logger, or
//     New for another.
//   - A Logger made by code that is not rewritten (std's log.New) writes real
//     timestamps.
//   - Writer() of a shim-made Logger returns the shim's output wrapper
//     (the package-level Writer unwraps it).
//   - The shim installs its wrapper on std's default logger when it is
//     initialised, so std's default logger (also used by slog's default
//     handler) writes simulated timestamps under simulation too.
//   - After slog.SetDefault, std's default logger writes through a slog
//     handler; if Lshortfile or Llongfile was set then, std gives the records
//     of the package functions (Print...) the shim function's position
//     instead of the caller's (std's handler bridge skips a fixed number of
//     frames, and the shim adds one).
//   - Fatal, Fatalf and Fatalln call the os shim's Exit(1): natively that is
//     std's os.Exit; under simulation it ends the calling node's process (or,
//     from a test, the run), not the test binary. Methods of a *log.Logger
//     (std's type) still call std's os.Exit.
package log

import (
	"fmt"
	"io"
	stdlog "log"

	simos "github.com/marionette-dst/marionette/shims/os"
)

func init() {
	stdlog.SetOutput(wrap(stdlog.Writer(), stdlog.Default()))
}

// New creates a new Logger. The out variable sets the destination to which
// log data will be written. The prefix appears at the beginning of each
// generated log line, or after the log header if the Lmsgprefix flag is
// provided. The flag argument defines the logging properties.
func New(out io.Writer, prefix string, flag int) *Logger {
	s := &stamper{out: out}
	l := stdlog.New(wrapOut(out, s), prefix, flag)
	s.l = l
	return l
}

// Default returns the standard logger used by the package-level output
// functions.
func Default() *Logger { return stdlog.Default() }

// SetOutput sets the output destination for the standard logger.
func SetOutput(w io.Writer) { stdlog.SetOutput(wrap(w, stdlog.Default())) }

// Writer returns the output destination for the standard logger.
func Writer() io.Writer { return unwrap(stdlog.Writer()) }

// Output writes the output for a logging event. The string s contains the
// text to print after the prefix specified by the flags of the Logger. A
// newline is appended if the last character of s is not already a newline.
// Calldepth is the count of the number of frames to skip when computing the
// file name and line number if Llongfile or Lshortfile is set; a value of 1
// will print the details for the caller of Output.
func Output(calldepth int, s string) error {
	return stdlog.Default().Output(calldepth+1, s) // +1 for this frame
}

// discarding reports whether the standard logger discards its output, so
// the package functions skip formatting as std's do.
func discarding() bool { return stdlog.Writer() == io.Discard }

// Print calls Output to print to the standard logger. Arguments are handled
// in the manner of fmt.Print.
func Print(v ...any) {
	if !discarding() {
		stdlog.Default().Output(2, fmt.Sprint(v...))
	}
}

// Printf calls Output to print to the standard logger. Arguments are
// handled in the manner of fmt.Printf.
func Printf(format string, v ...any) {
	if !discarding() {
		stdlog.Default().Output(2, fmt.Sprintf(format, v...))
	}
}

// Println calls Output to print to the standard logger. Arguments are
// handled in the manner of fmt.Println.
func Println(v ...any) {
	if !discarding() {
		stdlog.Default().Output(2, fmt.Sprintln(v...))
	}
}

// Fatal is equivalent to Print followed by a call to os.Exit(1) (the os
// shim's: see the package documentation).
func Fatal(v ...any) {
	stdlog.Default().Output(2, fmt.Sprint(v...))
	simos.Exit(1)
}

// Fatalf is equivalent to Printf followed by a call to os.Exit(1).
func Fatalf(format string, v ...any) {
	stdlog.Default().Output(2, fmt.Sprintf(format, v...))
	simos.Exit(1)
}

// Fatalln is equivalent to Println followed by a call to os.Exit(1).
func Fatalln(v ...any) {
	stdlog.Default().Output(2, fmt.Sprintln(v...))
	simos.Exit(1)
}

// Panic is equivalent to Print followed by a call to panic().
func Panic(v ...any) {
	s := fmt.Sprint(v...)
	stdlog.Default().Output(2, s)
	panic(s)
}

// Panicf is equivalent to Printf followed by a call to panic().
func Panicf(format string, v ...any) {
	s := fmt.Sprintf(format, v...)
	stdlog.Default().Output(2, s)
	panic(s)
}

// Panicln is equivalent to Println followed by a call to panic().
func Panicln(v ...any) {
	s := fmt.Sprintln(v...)
	stdlog.Default().Output(2, s)
	panic(s)
}
