// Package slog is the simulated replacement of the standard package
// log/slog. Rewritten code imports it under the std name; its API is std's.
//
// Under simulation the Time of every record is the world's simulated wall
// clock (the value the time shim's Now returns), so TextHandler, JSONHandler
// and any other handler format simulated timestamps. Natively everything is
// std's.
//
// # How, and why this way
//
// Logger, Record, Handler, TextHandler, JSONHandler and the rest are std's
// types (aliases): *slog.Logger crosses freely into libraries that are not
// rewritten (many take a *slog.Logger), and handlers keep their concrete
// types. A std Logger stamps records with the real clock itself, so the shim
// acts where it can:
//
//   - New(h) (and NewLogLogger) wrap h in a handler that, under simulation,
//     replaces a record's Time when it carries a monotonic clock reading —
//     the mark of the real clock's time.Now, which the std Logger methods
//     use. Times given by the program (NewRecord with a time from the time
//     shim, or any time without a monotonic reading) are kept, as is the
//     zero Time (which handlers omit).
//   - The package functions (Info, Debug, Log, LogAttrs...) build their
//     records with the simulated time and the caller's pc, as std's do with
//     the real ones, so AddSource names the user's line.
//   - The default logger's default handler writes through std's default
//     log.Logger, whose output the log shim stamps with the simulated time.
//
// # Differences from std that remain
//
//   - Logger.Handler() of a Logger made by New returns the wrapper, not the
//     handler given to New: comparing it with, or asserting it to, the
//     original handler's type fails. Its Enabled, Handle, WithAttrs and
//     WithGroup forward to the original.
//   - A Logger made by code that is not rewritten (std's slog.New) stamps
//     records with the real clock.
package slog

import (
	"context"
	"log"
	stdslog "log/slog"
	goruntime "runtime"
	"time"

	"github.com/marionette-dst/marionette/runtime"
	_ "github.com/marionette-dst/marionette/shims/log" // stamps std's default log.Logger, which the default handler writes to
)

// now returns the caller's simulated wall clock, or the real clock outside
// a simulation. It uses runtime.Lookup rather than Current: handlers are
// also called from goroutines of code that is not rewritten, which must
// keep logging rather than be reported as foreign.
func now() time.Time {
	if g := runtime.Lookup(); g != nil {
		return g.Now()
	}
	return time.Now()
}

// New creates a new Logger with the given non-nil Handler, wrapped so that
// records get the simulated time (see the package documentation).
func New(h Handler) *Logger {
	if h == nil {
		panic("nil Handler")
	}
	return stdslog.New(wrap(h))
}

// NewLogLogger returns a new log.Logger such that each call to its Output
// method dispatches a Record to the specified handler. The logger acts as a
// bridge from the older log API to newer structured logging handlers.
func NewLogLogger(h Handler, level Level) *log.Logger {
	return stdslog.NewLogLogger(wrap(h), level)
}

// simHandler gives records stamped by the real clock the simulated time.
type simHandler struct {
	h Handler
}

func wrap(h Handler) Handler {
	if _, ok := h.(*simHandler); ok {
		return h
	}
	return &simHandler{h}
}

func (s *simHandler) Enabled(ctx context.Context, l Level) bool { return s.h.Enabled(ctx, l) }

func (s *simHandler) Handle(ctx context.Context, r Record) error {
	if r.Time != r.Time.Round(0) { // a monotonic reading: time.Now, real or simulated
		if g := runtime.Lookup(); g != nil {
			r.Time = g.Now()
		}
	}
	return s.h.Handle(ctx, r)
}

func (s *simHandler) WithAttrs(attrs []Attr) Handler { return &simHandler{s.h.WithAttrs(attrs)} }

func (s *simHandler) WithGroup(name string) Handler {
	if name == "" {
		return s
	}
	return &simHandler{s.h.WithGroup(name)}
}

// logArgs is std's Logger.log for the package functions: the record gets
// the simulated time and the pc of the package function's caller.
func logArgs(ctx context.Context, level Level, msg string, args ...any) {
	l := Default()
	if ctx == nil {
		ctx = context.Background()
	}
	if !l.Enabled(ctx, level) {
		return
	}
	var pcs [1]uintptr
	goruntime.Callers(3, pcs[:]) // skip Callers, logArgs, the package function
	r := stdslog.NewRecord(now(), level, msg, pcs[0])
	r.Add(args...)
	_ = l.Handler().Handle(ctx, r)
}

// Debug calls Logger.Debug on the default logger.
func Debug(msg string, args ...any) { logArgs(context.Background(), LevelDebug, msg, args...) }

// DebugContext calls Logger.DebugContext on the default logger.
func DebugContext(ctx context.Context, msg string, args ...any) {
	logArgs(ctx, LevelDebug, msg, args...)
}

// Info calls Logger.Info on the default logger.
func Info(msg string, args ...any) { logArgs(context.Background(), LevelInfo, msg, args...) }

// InfoContext calls Logger.InfoContext on the default logger.
func InfoContext(ctx context.Context, msg string, args ...any) {
	logArgs(ctx, LevelInfo, msg, args...)
}

// Warn calls Logger.Warn on the default logger.
func Warn(msg string, args ...any) { logArgs(context.Background(), LevelWarn, msg, args...) }

// WarnContext calls Logger.WarnContext on the default logger.
func WarnContext(ctx context.Context, msg string, args ...any) {
	logArgs(ctx, LevelWarn, msg, args...)
}

// Error calls Logger.Error on the default logger.
func Error(msg string, args ...any) { logArgs(context.Background(), LevelError, msg, args...) }

// ErrorContext calls Logger.ErrorContext on the default logger.
func ErrorContext(ctx context.Context, msg string, args ...any) {
	logArgs(ctx, LevelError, msg, args...)
}

// Log calls Logger.Log on the default logger.
func Log(ctx context.Context, level Level, msg string, args ...any) {
	logArgs(ctx, level, msg, args...)
}

// LogAttrs calls Logger.LogAttrs on the default logger.
func LogAttrs(ctx context.Context, level Level, msg string, attrs ...Attr) {
	l := Default()
	if ctx == nil {
		ctx = context.Background()
	}
	if !l.Enabled(ctx, level) {
		return
	}
	var pcs [1]uintptr
	goruntime.Callers(2, pcs[:]) // skip Callers, LogAttrs
	r := stdslog.NewRecord(now(), level, msg, pcs[0])
	r.AddAttrs(attrs...)
	_ = l.Handler().Handle(ctx, r)
}
