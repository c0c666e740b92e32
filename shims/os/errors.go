// This file holds the error values std's os returns that it does not
// export, captured once from std itself so that the shim returns the very
// same values (errors.Is and == hold) and never an imitation.

package os

import (
	"errors"
	stdos "os"
	"sync"
)

var stdErrs struct {
	once sync.Once
	// os.errWriteAtInAppendMode
	writeAtInAppendMode error
	// os.errPatternHasSeparator
	patternHasSeparator error
	// internal/poll.ErrFileClosing, which std wraps unconverted in readdirent errors
	fileClosing error
	// os.errPathEscapes
	pathEscapes error
}

// capture asks std for its unexported errors. Only harmless operations on
// the real system are made: /dev/null opened for appending (nothing is
// written), a pattern rejected before any file is made, and "/" opened and
// closed.
func capture() {
	stdErrs.once.Do(func() {
		if f, err := stdos.OpenFile(stdos.DevNull, stdos.O_WRONLY|stdos.O_APPEND, 0); err == nil {
			_, stdErrs.writeAtInAppendMode = f.WriteAt(nil, 0)
			f.Close()
		}
		if stdErrs.writeAtInAppendMode == nil {
			stdErrs.writeAtInAppendMode = errors.New("os: invalid use of WriteAt on file opened with O_APPEND")
		}
		_, err := stdos.CreateTemp("", "a/b")
		stdErrs.patternHasSeparator = unwrapPath(err, "pattern contains path separator")
		if f, err := stdos.Open("/"); err == nil {
			f.Close()
			_, err = f.ReadDir(1)
			stdErrs.fileClosing = unwrapPath(err, "use of closed file")
		} else {
			stdErrs.fileClosing = errors.New("use of closed file")
		}
		if r, err := stdos.OpenRoot("/"); err == nil {
			_, err = r.Open("../x")
			r.Close()
			stdErrs.pathEscapes = unwrapPath(err, "path escapes from parent")
		} else {
			stdErrs.pathEscapes = errors.New("path escapes from parent")
		}
	})
}

func unwrapPath(err error, fallback string) error {
	var pe *PathError
	if errors.As(err, &pe) && pe.Err != nil {
		return pe.Err
	}
	return errors.New(fallback)
}

func errWriteAtInAppendMode() error { capture(); return stdErrs.writeAtInAppendMode }
func errPatternHasSeparator() error { capture(); return stdErrs.patternHasSeparator }
func errFileClosing() error         { capture(); return stdErrs.fileClosing }
func errPathEscapes() error         { capture(); return stdErrs.pathEscapes }
