// This file defines Root: std's Root outside a simulation; inside one, a
// directory of the node's simulated disk whose methods resolve names below
// it and reject names that leave it.
//
// Difference from std that remains under simulation: names are checked
// lexically (an absolute name, or ".." climbing above the root, is
// rejected), but symbolic links inside the root are followed without
// checking that they stay inside it.

package os

import (
	"errors"
	"io/fs"
	stdos "os"
	"slices"
	"strings"
	"time"
)

// Root may be used to only access files within a single directory tree.
// See std's os.Root.
type Root struct {
	root *root
}

type root struct {
	name   string
	std    *stdos.Root
	dir    string // absolute path of the root on the simulated disk
	p      *proc
	closed bool
}

// OpenRoot opens the named directory for use as a Root. If there is an
// error, it will be of type *PathError.
func OpenRoot(name string) (*Root, error) {
	p := sim()
	if p == nil {
		r, err := stdos.OpenRoot(name)
		if err != nil {
			return nil, err
		}
		return &Root{&root{name: name, std: r}}, nil
	}
	return p.openRoot(name, name, "open")
}

func (p *proc) openRoot(path, name, op string) (*Root, error) {
	f, err := p.openDir(path)
	if err != nil {
		pe := err.(*PathError)
		return nil, &PathError{Op: op, Path: name, Err: pe.Err}
	}
	dir := f.h.(*diskHandle).fd.Path()
	f.Close()
	return &Root{&root{name: name, dir: dir, p: p}}, nil
}

// OpenInRoot opens the file name in the directory dir. It is equivalent to
// OpenRoot(dir) followed by opening the file in the root.
func OpenInRoot(dir, name string) (*File, error) {
	r, err := OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return r.Open(name)
}

// Name returns the name of the directory presented to OpenRoot.
func (r *Root) Name() string { return r.root.name }

// Close closes the Root. After Close is called, methods on Root return
// errors.
func (r *Root) Close() error {
	if r.root.std != nil {
		return r.root.std.Close()
	}
	r.root.closed = true
	return nil
}

// resolve checks name and returns its simulated path.
func (r *Root) resolve(op, name string) (string, error) {
	if r.root.closed {
		return "", &PathError{Op: op, Path: name, Err: ErrClosed}
	}
	if name == "" {
		return "", &PathError{Op: op, Path: name, Err: errors.New("empty path")}
	}
	if IsPathSeparator(name[0]) {
		return "", &PathError{Op: op, Path: name, Err: errPathEscapes()}
	}
	depth := 0
	for _, c := range strings.Split(name, "/") {
		switch c {
		case "", ".":
		case "..":
			if depth--; depth < 0 {
				return "", &PathError{Op: op, Path: name, Err: errPathEscapes()}
			}
		default:
			depth++
		}
	}
	return r.root.dir + "/" + name, nil
}

// rootErr re-labels an error of a simulated call as the Root method's.
func rootErr(op, name string, err error) error {
	if err == nil {
		return nil
	}
	var pe *PathError
	if errors.As(err, &pe) {
		return &PathError{Op: op, Path: name, Err: pe.Err}
	}
	var le *LinkError
	if errors.As(err, &le) {
		return &PathError{Op: op, Path: name, Err: le.Err}
	}
	return err
}

// Open opens the named file in the root for reading.
func (r *Root) Open(name string) (*File, error) {
	return r.OpenFile(name, O_RDONLY, 0)
}

// Create creates or truncates the named file in the root.
func (r *Root) Create(name string) (*File, error) {
	return r.OpenFile(name, O_RDWR|O_CREATE|O_TRUNC, 0666)
}

// OpenFile opens the named file in the root.
func (r *Root) OpenFile(name string, flag int, perm FileMode) (*File, error) {
	if r.root.std != nil {
		return wrapStd(r.root.std.OpenFile(name, flag, perm))
	}
	if perm&0o777 != perm {
		return nil, &PathError{Op: "openat", Path: name, Err: errors.New("unsupported file mode")}
	}
	full, err := r.resolve("openat", name)
	if err != nil {
		return nil, err
	}
	f, err := r.root.p.openFile(full, flag, perm)
	if err != nil {
		return nil, rootErr("openat", name, err)
	}
	f.name = joinPath(r.root.name, name)
	return f, nil
}

// OpenRoot opens the named directory in the root.
func (r *Root) OpenRoot(name string) (*Root, error) {
	if r.root.std != nil {
		s, err := r.root.std.OpenRoot(name)
		if err != nil {
			return nil, err
		}
		return &Root{&root{name: s.Name(), std: s}}, nil
	}
	full, err := r.resolve("openat", name)
	if err != nil {
		return nil, err
	}
	sub, err := r.root.p.openRoot(full, name, "openat")
	if err != nil {
		return nil, err
	}
	sub.root.name = joinPath(r.root.name, name)
	return sub, nil
}

// Chmod changes the mode of the named file in the root to mode.
func (r *Root) Chmod(name string, mode FileMode) error {
	if r.root.std != nil {
		return r.root.std.Chmod(name, mode)
	}
	full, err := r.resolve("chmodat", name)
	if err != nil {
		return err
	}
	return rootErr("chmodat", name, Chmod(full, mode))
}

// Mkdir creates a new directory in the root.
func (r *Root) Mkdir(name string, perm FileMode) error {
	if r.root.std != nil {
		return r.root.std.Mkdir(name, perm)
	}
	if perm&0o777 != perm {
		return &PathError{Op: "mkdirat", Path: name, Err: errors.New("unsupported file mode")}
	}
	full, err := r.resolve("mkdirat", name)
	if err != nil {
		return err
	}
	return rootErr("mkdirat", name, Mkdir(full, perm))
}

// MkdirAll creates a new directory in the root, along with any necessary
// parents.
func (r *Root) MkdirAll(name string, perm FileMode) error {
	if r.root.std != nil {
		return r.root.std.MkdirAll(name, perm)
	}
	if perm&0o777 != perm {
		return &PathError{Op: "mkdirat", Path: name, Err: errors.New("unsupported file mode")}
	}
	full, err := r.resolve("mkdirat", name)
	if err != nil {
		return err
	}
	return rootErr("mkdirat", name, MkdirAll(full, perm))
}

// Chown changes the numeric uid and gid of the named file in the root.
func (r *Root) Chown(name string, uid, gid int) error {
	if r.root.std != nil {
		return r.root.std.Chown(name, uid, gid)
	}
	full, err := r.resolve("chownat", name)
	if err != nil {
		return err
	}
	return rootErr("chownat", name, Chown(full, uid, gid))
}

// Lchown changes the numeric uid and gid of the named file in the root,
// without following a final symbolic link.
func (r *Root) Lchown(name string, uid, gid int) error {
	if r.root.std != nil {
		return r.root.std.Lchown(name, uid, gid)
	}
	full, err := r.resolve("lchownat", name)
	if err != nil {
		return err
	}
	return rootErr("lchownat", name, Lchown(full, uid, gid))
}

// Chtimes changes the access and modification times of the named file in
// the root.
func (r *Root) Chtimes(name string, atime time.Time, mtime time.Time) error {
	if r.root.std != nil {
		return r.root.std.Chtimes(name, atime, mtime)
	}
	full, err := r.resolve("chtimesat", name)
	if err != nil {
		return err
	}
	return rootErr("chtimesat", name, Chtimes(full, atime, mtime))
}

// Remove removes the named file or (empty) directory in the root.
func (r *Root) Remove(name string) error {
	if r.root.std != nil {
		return r.root.std.Remove(name)
	}
	full, err := r.resolve("removeat", name)
	if err != nil {
		return err
	}
	return rootErr("removeat", name, Remove(full))
}

// RemoveAll removes the named file or directory and any children that it
// contains.
func (r *Root) RemoveAll(name string) error {
	if r.root.std != nil {
		return r.root.std.RemoveAll(name)
	}
	full, err := r.resolve("RemoveAll", name)
	if err != nil {
		return err
	}
	return RemoveAll(full)
}

// Stat returns a FileInfo describing the named file in the root.
func (r *Root) Stat(name string) (FileInfo, error) {
	if r.root.std != nil {
		return r.root.std.Stat(name)
	}
	full, err := r.resolve("statat", name)
	if err != nil {
		return nil, err
	}
	fi, err := Stat(full)
	return fi, rootErr("statat", name, err)
}

// Lstat returns a FileInfo describing the named file in the root, without
// following a final symbolic link.
func (r *Root) Lstat(name string) (FileInfo, error) {
	if r.root.std != nil {
		return r.root.std.Lstat(name)
	}
	full, err := r.resolve("statat", name)
	if err != nil {
		return nil, err
	}
	fi, err := Lstat(full)
	return fi, rootErr("statat", name, err)
}

// Readlink returns the destination of the named symbolic link in the root.
func (r *Root) Readlink(name string) (string, error) {
	if r.root.std != nil {
		return r.root.std.Readlink(name)
	}
	full, err := r.resolve("readlinkat", name)
	if err != nil {
		return "", err
	}
	s, err := Readlink(full)
	return s, rootErr("readlinkat", name, err)
}

// Rename renames (moves) oldname to newname, both in the root.
func (r *Root) Rename(oldname, newname string) error {
	if r.root.std != nil {
		return r.root.std.Rename(oldname, newname)
	}
	return r.link2("renameat", oldname, newname, Rename)
}

// Link creates newname as a hard link to the oldname file, both in the
// root.
func (r *Root) Link(oldname, newname string) error {
	if r.root.std != nil {
		return r.root.std.Link(oldname, newname)
	}
	return r.link2("linkat", oldname, newname, Link)
}

func (r *Root) link2(op, oldname, newname string, f func(string, string) error) error {
	o, err := r.resolve(op, oldname)
	if err != nil {
		return &LinkError{Op: op, Old: oldname, New: newname, Err: err.(*PathError).Err}
	}
	n, err := r.resolve(op, newname)
	if err != nil {
		return &LinkError{Op: op, Old: oldname, New: newname, Err: err.(*PathError).Err}
	}
	if err := f(o, n); err != nil {
		var le *LinkError
		if errors.As(err, &le) {
			return &LinkError{Op: op, Old: oldname, New: newname, Err: le.Err}
		}
		return err
	}
	return nil
}

// Symlink creates newname as a symbolic link to oldname in the root.
func (r *Root) Symlink(oldname, newname string) error {
	if r.root.std != nil {
		return r.root.std.Symlink(oldname, newname)
	}
	n, err := r.resolve("symlinkat", newname)
	if err != nil {
		return &LinkError{Op: "symlinkat", Old: oldname, New: newname, Err: err.(*PathError).Err}
	}
	if err := Symlink(oldname, n); err != nil {
		return &LinkError{Op: "symlinkat", Old: oldname, New: newname, Err: err.(*LinkError).Err}
	}
	return nil
}

// ReadFile reads the named file in the root and returns its contents.
func (r *Root) ReadFile(name string) ([]byte, error) {
	if r.root.std != nil {
		return r.root.std.ReadFile(name)
	}
	f, err := r.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readFileContents(statOrZero(f), f.Read)
}

// WriteFile writes data to the named file in the root, creating it if
// necessary.
func (r *Root) WriteFile(name string, data []byte, perm FileMode) error {
	if r.root.std != nil {
		return r.root.std.WriteFile(name, data, perm)
	}
	f, err := r.OpenFile(name, O_WRONLY|O_CREATE|O_TRUNC, perm)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err1 := f.Close(); err == nil {
		err = err1
	}
	return err
}

// FS returns a file system (an fs.FS) for the tree of files in the root.
func (r *Root) FS() fs.FS {
	if r.root.std != nil {
		return r.root.std.FS()
	}
	return (*rootFS)(r)
}

type rootFS Root

func (rfs *rootFS) Open(name string) (fs.File, error) {
	r := (*Root)(rfs)
	if !fs.ValidPath(name) {
		return nil, &PathError{Op: "open", Path: name, Err: ErrInvalid}
	}
	f, err := r.Open(name)
	if err != nil {
		return nil, err
	}
	return f, nil
}

func (rfs *rootFS) ReadDir(name string) ([]DirEntry, error) {
	r := (*Root)(rfs)
	if !fs.ValidPath(name) {
		return nil, &PathError{Op: "readdir", Path: name, Err: ErrInvalid}
	}
	f, err := r.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dirs, err := f.ReadDir(-1)
	slices.SortFunc(dirs, func(a, b DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return dirs, err
}

func (rfs *rootFS) ReadFile(name string) ([]byte, error) {
	if !fs.ValidPath(name) {
		return nil, &PathError{Op: "readfile", Path: name, Err: ErrInvalid}
	}
	return (*Root)(rfs).ReadFile(name)
}

func (rfs *rootFS) ReadLink(name string) (string, error) {
	if !fs.ValidPath(name) {
		return "", &PathError{Op: "readlink", Path: name, Err: ErrInvalid}
	}
	return (*Root)(rfs).Readlink(name)
}

func (rfs *rootFS) Stat(name string) (FileInfo, error) {
	if !fs.ValidPath(name) {
		return nil, &PathError{Op: "stat", Path: name, Err: ErrInvalid}
	}
	return (*Root)(rfs).Stat(name)
}

func (rfs *rootFS) Lstat(name string) (FileInfo, error) {
	if !fs.ValidPath(name) {
		return nil, &PathError{Op: "lstat", Path: name, Err: ErrInvalid}
	}
	return (*Root)(rfs).Lstat(name)
}
