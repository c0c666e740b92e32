// This file defines the output wrapper that puts the simulated date and time
// into lines formatted by a std Logger.

package log

import (
	"io"
	stdlog "log"
	"time"

	"github.com/marionette-dst/marionette/runtime"
)

// stamper is the output of a Logger made by the shim. Under simulation it
// rewrites the date/time field of each line (which std formatted from the
// real clock) with the simulated wall clock, then writes to out.
type stamper struct {
	out io.Writer
	l   *stdlog.Logger // the Logger whose lines these are (for its flags and prefix)
}

// wrap returns the output to give Logger l so that it writes to w.
func wrap(w io.Writer, l *stdlog.Logger) io.Writer {
	w = unwrap(w)
	if w == io.Discard {
		return w // keep std's fast path for a discarding logger
	}
	return &stamper{out: w, l: l}
}

// wrapOut is wrap for a Logger not created yet: s.l is set afterwards.
func wrapOut(out io.Writer, s *stamper) io.Writer {
	if out == io.Discard {
		return out
	}
	return s
}

func unwrap(w io.Writer) io.Writer {
	if s, ok := w.(*stamper); ok {
		return s.out
	}
	return w
}

// simNow returns the simulated wall clock of the caller's world. It uses
// runtime.Lookup, not Current: std's default logger is also written to by
// code that is not rewritten, from goroutines the simulator did not start,
// and those must keep logging (with the real time) rather than be reported
// as foreign.
func simNow() (time.Time, bool) {
	if g := runtime.Lookup(); g != nil {
		return g.Now(), true
	}
	return time.Time{}, false
}

func (s *stamper) Write(p []byte) (int, error) {
	t, ok := simNow()
	if !ok {
		return s.out.Write(p)
	}
	q := restamp(p, t, s.l.Prefix(), s.l.Flags())
	n, err := s.out.Write(q)
	if len(q) != len(p) && n == len(q) {
		n = len(p)
	}
	return min(n, len(p)), err
}

// restamp returns line p, formatted by a std Logger with the given prefix and
// flags, with its date and time replaced by t. If p does not have the shape
// those flags produce (the flags or prefix changed between formatting and
// writing), p is returned unchanged. p itself is never modified.
func restamp(p []byte, t time.Time, prefix string, flag int) []byte {
	if flag&(stdlog.Ldate|stdlog.Ltime|stdlog.Lmicroseconds) == 0 {
		return p
	}
	start := 0
	if flag&stdlog.Lmsgprefix == 0 {
		if len(p) < len(prefix) || string(p[:len(prefix)]) != prefix {
			return p
		}
		start = len(prefix)
	}
	// std writes "YYYY/MM/DD " and/or "hh:mm:ss[.uuuuuu] ": find their end.
	end := start
	fields := 0
	if flag&stdlog.Ldate != 0 {
		fields++
	}
	if flag&(stdlog.Ltime|stdlog.Lmicroseconds) != 0 {
		fields++
	}
	for ; fields > 0; fields-- {
		i := end
		for i < len(p) && p[i] != ' ' {
			if c := p[i]; !('0' <= c && c <= '9' || c == '/' || c == ':' || c == '.' || c == '-') {
				return p
			}
			i++
		}
		if i == len(p) {
			return p
		}
		end = i + 1
	}
	if flag&stdlog.LUTC != 0 {
		t = t.UTC()
	}
	q := make([]byte, 0, len(p)+8)
	q = append(q, p[:start]...)
	q = appendStamp(q, t, flag)
	return append(q, p[end:]...)
}

// appendStamp formats t as std's Logger does for flag.
func appendStamp(b []byte, t time.Time, flag int) []byte {
	if flag&stdlog.Ldate != 0 {
		year, month, day := t.Date()
		b = appendInt(b, year, 4)
		b = append(b, '/')
		b = appendInt(b, int(month), 2)
		b = append(b, '/')
		b = appendInt(b, day, 2)
		b = append(b, ' ')
	}
	if flag&(stdlog.Ltime|stdlog.Lmicroseconds) != 0 {
		hour, min, sec := t.Clock()
		b = appendInt(b, hour, 2)
		b = append(b, ':')
		b = appendInt(b, min, 2)
		b = append(b, ':')
		b = appendInt(b, sec, 2)
		if flag&stdlog.Lmicroseconds != 0 {
			b = append(b, '.')
			b = appendInt(b, t.Nanosecond()/1e3, 6)
		}
		b = append(b, ' ')
	}
	return b
}

// appendInt appends i zero-padded to wid digits (std's itoa).
func appendInt(b []byte, i, wid int) []byte {
	var d [20]byte
	n := len(d)
	for i >= 10 || wid > 1 {
		n--
		d[n] = byte('0' + i%10)
		i /= 10
		wid--
	}
	n--
	d[n] = byte('0' + i)
	return append(b, d[n:]...)
}
