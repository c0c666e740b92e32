// This file defines the standard streams: real outside a simulation; inside
// one, per node, with writes recorded in the trace (os.stdout, os.stderr:
// output events, whose hash ignores heap addresses, runtime.TraceOutput)
// and passed on to the real stream, and reads of Stdin at end of file.

package os

import (
	stdos "os"
	"syscall"

	"github.com/marionette-dst/marionette/disk"
	"github.com/marionette-dst/marionette/runtime"
)

// Stdin, Stdout, and Stderr are open Files pointing to the standard input,
// standard output, and standard error file descriptors. Under simulation
// they are the node's: Stdin is at end of file; what is written to Stdout
// and Stderr is recorded in the trace and written to the real stream.
var (
	Stdin  = &File{&file{name: "/dev/stdin", std: stdos.Stdin, stdio: 1}}
	Stdout = &File{&file{name: "/dev/stdout", std: stdos.Stdout, stdio: 2}}
	Stderr = &File{&file{name: "/dev/stderr", std: stdos.Stderr, stdio: 3}}
)

type stdioHandle struct {
	p      *proc
	which  int
	closed bool
}

func (p *proc) stdio(which int) handle {
	if p.std[which] == nil {
		p.std[which] = &stdioHandle{p: p, which: which}
	}
	return p.std[which]
}

func (h *stdioHandle) read(b []byte) (int, error) {
	if h.closed {
		return 0, errClosing
	}
	if h.which != 1 {
		return 0, syscall.EBADF
	}
	return 0, nil
}

func (h *stdioHandle) write(b []byte) (int, error) {
	if h.closed {
		return 0, errClosing
	}
	if h.which == 1 {
		return 0, syscall.EBADF
	}
	kind, real := runtime.KindStdout, stdos.Stdout
	if h.which == 3 {
		kind, real = runtime.KindStderr, stdos.Stderr
	}
	var g *runtime.G
	if c := runtime.Lookup(); c != nil && c.Node() != nil {
		g = c
	}
	h.p.w.TraceOutput(kind, g, h.p.node.Name()+": ", b)
	real.Write(b)
	return len(b), nil
}

func (h *stdioHandle) pread([]byte, int64) (int, error)  { return 0, h.err(syscall.ESPIPE) }
func (h *stdioHandle) pwrite([]byte, int64) (int, error) { return 0, h.err(syscall.ESPIPE) }
func (h *stdioHandle) seek(int64, int) (int64, error)    { return 0, h.err(syscall.ESPIPE) }
func (h *stdioHandle) sync() error                       { return h.err(syscall.EINVAL) }
func (h *stdioHandle) truncate(int64) error              { return h.err(syscall.EINVAL) }
func (h *stdioHandle) readdir(int) ([]disk.Dirent, error) {
	return nil, h.err(syscall.ENOTDIR)
}
func (h *stdioHandle) chmod(uint32) error   { return h.err(0) }
func (h *stdioHandle) chown(int, int) error { return h.err(0) }
func (h *stdioHandle) chdir() error         { return h.err(syscall.ENOTDIR) }

func (h *stdioHandle) stat() (disk.Stat, error) {
	if h.closed {
		return disk.Stat{}, errClosing
	}
	return disk.Stat{Ino: uint64(h.which), Mode: stdioModes[h.which], Nlink: 1, Blksize: 1024}, nil
}

// stdioModes are the file types of the real streams, by which (1 Stdin, 2
// Stdout, 3 Stderr), read once at start: a pipe or a file under go test, a
// terminal at a shell. Code that asks whether it writes to a terminal (to
// colour its output, say) decides as it does natively.
var stdioModes = func() [4]uint32 {
	var m [4]uint32
	for i, f := range []*stdos.File{stdos.Stdin, stdos.Stdout, stdos.Stderr} {
		m[i+1] = syscall.S_IFCHR | 0o620
		if fi, err := f.Stat(); err == nil {
			mode := fi.Mode()
			perm := uint32(mode.Perm())
			switch {
			case mode&stdos.ModeNamedPipe != 0:
				m[i+1] = syscall.S_IFIFO | perm
			case mode&stdos.ModeSocket != 0:
				m[i+1] = syscall.S_IFSOCK | perm
			case mode&stdos.ModeCharDevice != 0:
				m[i+1] = syscall.S_IFCHR | perm
			case mode.IsRegular():
				m[i+1] = syscall.S_IFREG | perm
			}
		}
	}
	return m
}()

func (h *stdioHandle) close() error {
	if h.closed {
		return errClosing
	}
	h.closed = true
	return nil
}

func (h *stdioHandle) err(e syscall.Errno) error {
	if h.closed {
		return errClosing
	}
	return errno(e)
}

// badHandle is a descriptor that is not open.
type badHandle struct{}

func (badHandle) read([]byte) (int, error)           { return 0, syscall.EBADF }
func (badHandle) pread([]byte, int64) (int, error)   { return 0, syscall.EBADF }
func (badHandle) write([]byte) (int, error)          { return 0, syscall.EBADF }
func (badHandle) pwrite([]byte, int64) (int, error)  { return 0, syscall.EBADF }
func (badHandle) seek(int64, int) (int64, error)     { return 0, syscall.EBADF }
func (badHandle) sync() error                        { return syscall.EBADF }
func (badHandle) truncate(int64) error               { return syscall.EBADF }
func (badHandle) stat() (disk.Stat, error)           { return disk.Stat{}, syscall.EBADF }
func (badHandle) readdir(int) ([]disk.Dirent, error) { return nil, syscall.EBADF }
func (badHandle) chmod(uint32) error                 { return syscall.EBADF }
func (badHandle) chown(int, int) error               { return syscall.EBADF }
func (badHandle) chdir() error                       { return syscall.EBADF }
func (badHandle) close() error                       { return syscall.EBADF }
