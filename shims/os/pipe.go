// This file defines Pipe: a real pipe outside a simulation; inside one, an
// in-memory pipe of 64 KiB (Linux's default capacity) whose blocking reads
// and writes park the simulated goroutine.

package os

import (
	stdos "os"
	"syscall"

	"github.com/marionette-dst/marionette/disk"
	"github.com/marionette-dst/marionette/runtime"
)

const pipeCapacity = 64 << 10

type pipeBuf struct {
	w           *runtime.World
	buf         []byte
	readClosed  bool
	writeClosed bool
	waiters     []*runtime.G
	ino         uint64
}

// wake makes every goroutine parked on the pipe runnable; each rechecks.
func (pb *pipeBuf) wake() {
	ws := pb.waiters
	pb.waiters = nil
	for _, g := range ws {
		pb.w.Ready(g)
	}
}

// wait parks the calling goroutine until the pipe changes. It reports false
// when the caller cannot park (an event callback).
func (pb *pipeBuf) wait(reason string) bool {
	g := runtime.Current()
	if g == nil {
		return false
	}
	pb.waiters = append(pb.waiters, g)
	g.Park(reason, "")
	return true
}

type pipeEnd struct {
	pb     *pipeBuf
	reader bool
	closed bool
}

// Pipe returns a connected pair of Files; reads from r return bytes written
// to w. It returns the files and an error, if any. Under simulation the pipe
// is in memory (64 KiB); deadlines are not supported on it.
func Pipe() (r *File, w *File, err error) {
	p := sim()
	if p == nil {
		rs, ws, err := stdos.Pipe()
		if err != nil {
			return nil, nil, err
		}
		return wrapStdFile(rs), wrapStdFile(ws), nil
	}
	p.pipes++
	pb := &pipeBuf{w: p.w, ino: p.pipes}
	r = p.newFile("|0", &pipeEnd{pb: pb, reader: true}, false)
	w = p.newFile("|1", &pipeEnd{pb: pb}, false)
	return r, w, nil
}

func (e *pipeEnd) read(b []byte) (int, error) {
	for {
		if e.closed {
			return 0, errClosing
		}
		if !e.reader {
			return 0, syscall.EBADF
		}
		pb := e.pb
		if len(b) == 0 {
			return 0, nil
		}
		if len(pb.buf) > 0 {
			n := copy(b, pb.buf)
			pb.buf = pb.buf[n:]
			pb.wake()
			return n, nil
		}
		if pb.writeClosed {
			return 0, nil
		}
		if !pb.wait("pipe read") {
			return 0, syscall.EAGAIN
		}
	}
}

func (e *pipeEnd) write(b []byte) (int, error) {
	n := 0
	for {
		if e.closed {
			return n, errClosing
		}
		if e.reader {
			return n, syscall.EBADF
		}
		pb := e.pb
		if pb.readClosed {
			return n, syscall.EPIPE
		}
		if n == len(b) {
			return n, nil
		}
		if space := pipeCapacity - len(pb.buf); space > 0 {
			k := min(space, len(b)-n)
			pb.buf = append(pb.buf, b[n:n+k]...)
			n += k
			pb.wake()
			continue
		}
		if !pb.wait("pipe write") {
			return n, syscall.EAGAIN
		}
	}
}

func (e *pipeEnd) err(x syscall.Errno) error {
	if e.closed {
		return errClosing
	}
	return x
}

func (e *pipeEnd) pread([]byte, int64) (int, error)   { return 0, e.err(syscall.ESPIPE) }
func (e *pipeEnd) pwrite([]byte, int64) (int, error)  { return 0, e.err(syscall.ESPIPE) }
func (e *pipeEnd) seek(int64, int) (int64, error)     { return 0, e.err(syscall.ESPIPE) }
func (e *pipeEnd) sync() error                        { return e.err(syscall.EINVAL) }
func (e *pipeEnd) truncate(int64) error               { return e.err(syscall.EINVAL) }
func (e *pipeEnd) readdir(int) ([]disk.Dirent, error) { return nil, e.err(syscall.ENOTDIR) }
func (e *pipeEnd) chdir() error                       { return e.err(syscall.ENOTDIR) }

func (e *pipeEnd) chmod(uint32) error {
	if e.closed {
		return errClosing
	}
	return nil
}

func (e *pipeEnd) chown(int, int) error {
	if e.closed {
		return errClosing
	}
	return nil
}

func (e *pipeEnd) stat() (disk.Stat, error) {
	if e.closed {
		return disk.Stat{}, errClosing
	}
	return disk.Stat{Ino: e.pb.ino, Mode: syscall.S_IFIFO | 0o600, Nlink: 1, Blksize: 4096}, nil
}

func (e *pipeEnd) close() error {
	if e.closed {
		return errClosing
	}
	e.closed = true
	if e.reader {
		e.pb.readClosed = true
	} else {
		e.pb.writeClosed = true
	}
	e.pb.wake()
	return nil
}
