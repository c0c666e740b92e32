// This file defines File: a real *os.File outside a simulation, a handle on
// the node's simulated disk (or a simulated pipe or standard stream) inside
// one. The simulated methods follow std's os source step by step (checks,
// loops, error wrapping), so results and errors are the ones std gives on
// Linux.

package os

import (
	"errors"
	"io"
	stdos "os"
	"syscall"
	"time"

	"github.com/marionette-dst/marionette/disk"
)

// File represents an open file descriptor.
//
// The methods of File are safe for concurrent use.
type File struct {
	*file
}

type file struct {
	name       string
	std        *stdos.File // a real file (made outside a simulation)
	h          handle      // a simulated file
	p          *proc
	fd         int
	appendMode bool
	stdio      int // 1, 2, 3 for Stdin, Stdout, Stderr: real outside a simulation, simulated inside
}

// handle is a simulated open file. Errors are syscall.Errno values, or
// errClosing once the handle is closed.
type handle interface {
	read(b []byte) (int, error)
	pread(b []byte, off int64) (int, error)
	write(b []byte) (int, error)
	pwrite(b []byte, off int64) (int, error)
	seek(off int64, whence int) (int64, error)
	sync() error
	truncate(size int64) error
	stat() (disk.Stat, error)
	readdir(n int) ([]disk.Dirent, error)
	chmod(mode uint32) error
	chown(uid, gid int) error
	chdir() error
	close() error
}

// errClosing is what a closed handle returns; std's poll package returns
// ErrFileClosing, which File methods turn into ErrClosed.
var errClosing = errors.New("use of closed file")

func wrapStdFile(f *stdos.File) *File {
	if f == nil {
		return nil
	}
	return &File{&file{name: f.Name(), std: f}}
}

func (p *proc) newFile(name string, h handle, appendMode bool) *File {
	return &File{&file{name: name, h: h, p: p, fd: p.allocFD(h), appendMode: appendMode}}
}

// handle returns the simulated handle, or nil for a real file.
func (f *File) handle() handle {
	if f.h != nil {
		return f.h
	}
	if f.stdio != 0 {
		if p := sim(); p != nil {
			return p.stdio(f.stdio)
		}
	}
	return nil
}

// Name returns the name of the file as presented to Open.
//
// It is safe to call Name after [Close].
func (f *File) Name() string { return f.name }

func (f *File) checkValid(op string) error {
	if f == nil {
		return ErrInvalid
	}
	return nil
}

// wrapErr wraps an error from a simulated handle as std wraps poll errors.
func (f *File) wrapErr(op string, err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	if err == errClosing {
		err = ErrClosed
	}
	return &PathError{Op: op, Path: f.name, Err: err}
}

// Read reads up to len(b) bytes from the File and stores them in b. It
// returns the number of bytes read and any error encountered. At end of
// file, Read returns 0, io.EOF.
func (f *File) Read(b []byte) (n int, err error) {
	if err := f.checkValid("read"); err != nil {
		return 0, err
	}
	h := f.handle()
	if h == nil {
		return f.std.Read(b)
	}
	n, e := h.read(b)
	if e == nil && n == 0 && len(b) > 0 {
		e = io.EOF
	}
	return n, f.wrapErr("read", e)
}

// ReadAt reads len(b) bytes from the File starting at byte offset off. It
// returns the number of bytes read and the error, if any. ReadAt always
// returns a non-nil error when n < len(b). At end of file, that error is
// io.EOF.
func (f *File) ReadAt(b []byte, off int64) (n int, err error) {
	if err := f.checkValid("read"); err != nil {
		return 0, err
	}
	h := f.handle()
	if h == nil {
		return f.std.ReadAt(b, off)
	}
	if off < 0 {
		return 0, &PathError{Op: "readat", Path: f.name, Err: errors.New("negative offset")}
	}
	for len(b) > 0 {
		m, e := h.pread(b, off)
		if e == nil && m == 0 {
			e = io.EOF
		}
		if e != nil {
			err = f.wrapErr("read", e)
			break
		}
		n += m
		b = b[m:]
		off += int64(m)
	}
	return
}

// Write writes len(b) bytes from b to the File. It returns the number of
// bytes written and an error, if any. Write returns a non-nil error when
// n != len(b).
func (f *File) Write(b []byte) (n int, err error) {
	if err := f.checkValid("write"); err != nil {
		return 0, err
	}
	h := f.handle()
	if h == nil {
		return f.std.Write(b)
	}
	n, e := h.write(b)
	if n < 0 {
		n = 0
	}
	if n != len(b) {
		err = io.ErrShortWrite
	}
	if e != nil {
		err = f.wrapErr("write", e)
	}
	return n, err
}

// WriteString is like Write, but writes the contents of string s rather
// than a slice of bytes.
func (f *File) WriteString(s string) (n int, err error) {
	return f.Write([]byte(s))
}

// WriteAt writes len(b) bytes to the File starting at byte offset off. It
// returns the number of bytes written and an error, if any. WriteAt returns
// a non-nil error when n != len(b).
//
// If file was opened with the O_APPEND flag, WriteAt returns an error.
func (f *File) WriteAt(b []byte, off int64) (n int, err error) {
	if err := f.checkValid("write"); err != nil {
		return 0, err
	}
	h := f.handle()
	if h == nil {
		return f.std.WriteAt(b, off)
	}
	if f.appendMode {
		return 0, errWriteAtInAppendMode()
	}
	if off < 0 {
		return 0, &PathError{Op: "writeat", Path: f.name, Err: errors.New("negative offset")}
	}
	for len(b) > 0 {
		m, e := h.pwrite(b, off)
		if e != nil {
			err = f.wrapErr("write", e)
			break
		}
		n += m
		b = b[m:]
		off += int64(m)
	}
	return
}

// Seek sets the offset for the next Read or Write on file to offset,
// interpreted according to whence: 0 means relative to the origin of the
// file, 1 means relative to the current offset, and 2 means relative to the
// end. It returns the new offset and an error, if any.
func (f *File) Seek(offset int64, whence int) (ret int64, err error) {
	if err := f.checkValid("seek"); err != nil {
		return 0, err
	}
	h := f.handle()
	if h == nil {
		return f.std.Seek(offset, whence)
	}
	r, e := h.seek(offset, whence)
	if e != nil {
		return 0, f.wrapErr("seek", e)
	}
	return r, nil
}

// Close closes the File, rendering it unusable for I/O. Close will return
// an error if it has already been called.
func (f *File) Close() error {
	if f == nil {
		return ErrInvalid
	}
	h := f.handle()
	if h == nil {
		return f.std.Close()
	}
	if e := h.close(); e != nil {
		if e == errClosing {
			e = ErrClosed
		}
		return &PathError{Op: "close", Path: f.name, Err: e}
	}
	if f.p != nil && f.fd >= 3 {
		f.p.freeFD(f.fd)
		f.fd = -1
	}
	return nil
}

// Stat returns the FileInfo structure describing file.
func (f *File) Stat() (FileInfo, error) {
	if f == nil {
		return nil, ErrInvalid
	}
	h := f.handle()
	if h == nil {
		return f.std.Stat()
	}
	st, e := h.stat()
	if e != nil {
		return nil, f.wrapErr("stat", e)
	}
	p := f.p
	if p == nil {
		p = sim()
	}
	return p.fileStat(f.name, st), nil
}

// Sync commits the current contents of the file to stable storage.
// Under simulation this is what makes the file's data and size durable
// (docs/disk-fault-model.md); for a directory, its entries.
func (f *File) Sync() error {
	if err := f.checkValid("sync"); err != nil {
		return err
	}
	h := f.handle()
	if h == nil {
		return f.std.Sync()
	}
	return f.wrapErr("sync", h.sync())
}

// Truncate changes the size of the file. It does not change the I/O
// offset.
func (f *File) Truncate(size int64) error {
	if err := f.checkValid("truncate"); err != nil {
		return err
	}
	h := f.handle()
	if h == nil {
		return f.std.Truncate(size)
	}
	return f.wrapErr("truncate", h.truncate(size))
}

// Chmod changes the mode of the file to mode.
func (f *File) Chmod(mode FileMode) error {
	if err := f.checkValid("chmod"); err != nil {
		return err
	}
	h := f.handle()
	if h == nil {
		return f.std.Chmod(mode)
	}
	return f.wrapErr("chmod", h.chmod(syscallMode(mode)))
}

// Chown changes the numeric uid and gid of the named file.
func (f *File) Chown(uid, gid int) error {
	if err := f.checkValid("chown"); err != nil {
		return err
	}
	h := f.handle()
	if h == nil {
		return f.std.Chown(uid, gid)
	}
	return f.wrapErr("chown", h.chown(uid, gid))
}

// Chdir changes the current working directory to the file, which must be a
// directory.
func (f *File) Chdir() error {
	if err := f.checkValid("chdir"); err != nil {
		return err
	}
	h := f.handle()
	if h == nil {
		return f.std.Chdir()
	}
	return f.wrapErr("chdir", h.chdir())
}

// Fd returns the integer Unix file descriptor referencing the open file.
// Under simulation it is the simulated descriptor number (the lowest free
// from 3 in the node's process; 0, 1, 2 for the standard streams), only
// meaningful to this package: it does not name a real descriptor. After
// Close it is ^uintptr(0), as std's.
func (f *File) Fd() uintptr {
	if f == nil {
		return ^(uintptr(0))
	}
	if f.stdio != 0 && f.handle() != nil {
		return uintptr(f.stdio - 1)
	}
	if f.h == nil {
		return f.std.Fd()
	}
	if f.fd < 0 {
		return ^(uintptr(0))
	}
	return uintptr(f.fd)
}

// SetDeadline sets the read and write deadlines for a File. Simulated
// files, like std's regular files, do not support deadlines: it returns
// ErrNoDeadline.
func (f *File) SetDeadline(t time.Time) error {
	if err := f.checkValid("SetDeadline"); err != nil {
		return err
	}
	if f.handle() == nil {
		return f.std.SetDeadline(t)
	}
	return ErrNoDeadline
}

// SetReadDeadline sets the deadline for future Read calls and any
// currently-blocked Read call. See SetDeadline.
func (f *File) SetReadDeadline(t time.Time) error {
	if err := f.checkValid("SetReadDeadline"); err != nil {
		return err
	}
	if f.handle() == nil {
		return f.std.SetReadDeadline(t)
	}
	return ErrNoDeadline
}

// SetWriteDeadline sets the deadline for any future Write calls and any
// currently-blocked Write call. See SetDeadline.
func (f *File) SetWriteDeadline(t time.Time) error {
	if err := f.checkValid("SetWriteDeadline"); err != nil {
		return err
	}
	if f.handle() == nil {
		return f.std.SetWriteDeadline(t)
	}
	return ErrNoDeadline
}

// SyscallConn returns a raw file. Simulated files have no real descriptor:
// under simulation it returns an error wrapping errors.ErrUnsupported.
func (f *File) SyscallConn() (syscall.RawConn, error) {
	if err := f.checkValid("SyscallConn"); err != nil {
		return nil, err
	}
	if f.handle() == nil {
		return f.std.SyscallConn()
	}
	return nil, &PathError{Op: "SyscallConn", Path: f.name, Err: errors.ErrUnsupported}
}

// ReadFrom implements io.ReaderFrom.
func (f *File) ReadFrom(r io.Reader) (n int64, err error) {
	if err := f.checkValid("write"); err != nil {
		return 0, err
	}
	if f.handle() == nil {
		return f.std.ReadFrom(r)
	}
	return io.Copy(fileWithoutReadFrom{File: f}, r)
}

type noReadFrom struct{}

func (noReadFrom) ReadFrom(io.Reader) (int64, error) { panic("can't happen") }

type fileWithoutReadFrom struct {
	noReadFrom
	*File
}

// WriteTo implements io.WriterTo.
func (f *File) WriteTo(w io.Writer) (n int64, err error) {
	if err := f.checkValid("read"); err != nil {
		return 0, err
	}
	if f.handle() == nil {
		return f.std.WriteTo(w)
	}
	return io.Copy(w, fileWithoutWriteTo{File: f})
}

type noWriteTo struct{}

func (noWriteTo) WriteTo(io.Writer) (int64, error) { panic("can't happen") }

type fileWithoutWriteTo struct {
	noWriteTo
	*File
}

// diskHandle is a file on the simulated disk.
type diskHandle struct {
	fd     *disk.FD
	p      *proc
	closed bool
}

func (h *diskHandle) read(b []byte) (int, error) {
	if h.closed {
		return 0, errClosing
	}
	n, e := h.fd.Read(b)
	return n, errno(e)
}

func (h *diskHandle) pread(b []byte, off int64) (int, error) {
	if h.closed {
		return 0, errClosing
	}
	n, e := h.fd.Pread(b, off)
	return n, errno(e)
}

func (h *diskHandle) write(b []byte) (int, error) {
	if h.closed {
		return 0, errClosing
	}
	n, e := h.fd.Write(b)
	return n, errno(e)
}

func (h *diskHandle) pwrite(b []byte, off int64) (int, error) {
	if h.closed {
		return 0, errClosing
	}
	n, e := h.fd.Pwrite(b, off)
	return n, errno(e)
}

func (h *diskHandle) seek(off int64, whence int) (int64, error) {
	if h.closed {
		return 0, errClosing
	}
	r, e := h.fd.Lseek(off, whence)
	return r, errno(e)
}

func (h *diskHandle) sync() error {
	if h.closed {
		return errClosing
	}
	return errno(h.fd.Fsync())
}

func (h *diskHandle) truncate(size int64) error {
	if h.closed {
		return errClosing
	}
	return errno(h.fd.Ftruncate(size))
}

func (h *diskHandle) stat() (disk.Stat, error) {
	if h.closed {
		return disk.Stat{}, errClosing
	}
	st, e := h.fd.Fstat()
	return st, errno(e)
}

func (h *diskHandle) readdir(n int) ([]disk.Dirent, error) {
	if h.closed {
		return nil, errClosing
	}
	ents, e := h.fd.ReadDir(n)
	return ents, errno(e)
}

func (h *diskHandle) chmod(mode uint32) error {
	if h.closed {
		return errClosing
	}
	return errno(h.fd.Fchmod(mode))
}

func (h *diskHandle) chown(uid, gid int) error {
	if h.closed {
		return errClosing
	}
	return errno(h.fd.Fchown(uid, gid))
}

func (h *diskHandle) chdir() error {
	if h.closed {
		return errClosing
	}
	if !h.fd.IsDir() {
		return syscall.ENOTDIR
	}
	h.p.cwd = h.fd.Path()
	return nil
}

func (h *diskHandle) close() error {
	if h.closed {
		return errClosing
	}
	h.closed = true
	h.fd.Close()
	return nil
}

// Directory reading, as std's readdir.

type readdirMode int

const (
	readdirName readdirMode = iota
	readdirDirEntry
	readdirFileInfo
)

func (f *File) readdir(n int, mode readdirMode) (names []string, dirents []DirEntry, infos []FileInfo, err error) {
	h := f.handle()
	if n == 0 {
		n = -1
	}
	ents, e := h.readdir(n)
	if e != nil {
		if e == errClosing {
			e = errFileClosing()
		}
		return nil, nil, nil, &PathError{Op: "readdirent", Path: f.name, Err: e}
	}
	for _, ent := range ents {
		switch mode {
		case readdirName:
			names = append(names, ent.Name)
		case readdirDirEntry:
			dirents = append(dirents, &dirEntry{parent: f.name, name: ent.Name, typ: modeOf(ent.Mode).Type()})
		default:
			info, err := Lstat(f.name + "/" + ent.Name)
			if IsNotExist(err) {
				continue
			}
			if err != nil {
				return nil, nil, infos, err
			}
			infos = append(infos, info)
		}
	}
	if n > 0 && len(names)+len(dirents)+len(infos) == 0 {
		return nil, nil, nil, io.EOF
	}
	return names, dirents, infos, nil
}

// Readdir reads the contents of the directory associated with file and
// returns a slice of up to n FileInfo values, as would be returned by
// Lstat, in directory order. Subsequent calls on the same file will yield
// further FileInfos.
func (f *File) Readdir(n int) ([]FileInfo, error) {
	if f == nil {
		return nil, ErrInvalid
	}
	if f.handle() == nil {
		return f.std.Readdir(n)
	}
	_, _, infos, err := f.readdir(n, readdirFileInfo)
	if infos == nil {
		infos = []FileInfo{}
	}
	return infos, err
}

// Readdirnames reads the contents of the directory associated with file
// and returns a slice of up to n names of files in the directory, in
// directory order. Subsequent calls on the same file will yield further
// names.
func (f *File) Readdirnames(n int) (names []string, err error) {
	if f == nil {
		return nil, ErrInvalid
	}
	if f.handle() == nil {
		return f.std.Readdirnames(n)
	}
	names, _, _, err = f.readdir(n, readdirName)
	if names == nil {
		names = []string{}
	}
	return names, err
}

// ReadDir reads the contents of the directory associated with the file f
// and returns a slice of DirEntry values in directory order. Subsequent
// calls on the same file will yield later DirEntry records in the
// directory. Under simulation the order is a hash of the names salted by
// the seed (like ext4's hash order; os.ReadDir sorts by name).
func (f *File) ReadDir(n int) ([]DirEntry, error) {
	if f == nil {
		return nil, ErrInvalid
	}
	if f.handle() == nil {
		return f.std.ReadDir(n)
	}
	_, dirents, _, err := f.readdir(n, readdirDirEntry)
	if dirents == nil {
		dirents = []DirEntry{}
	}
	return dirents, err
}
