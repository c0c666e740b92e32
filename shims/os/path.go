// This file defines the path functions of the shim (Open, Mkdir, Remove,
// Rename, Stat, ReadFile, MkdirTemp, RemoveAll...): std's outside a
// simulation; inside one, std's own algorithms over the node's simulated
// disk, so every result and error is the one std gives on Linux.

package os

import (
	"io"
	"io/fs"
	stdos "os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Open opens the named file for reading. If successful, methods on the
// returned file can be used for reading; the associated file descriptor has
// mode O_RDONLY. If there is an error, it will be of type *PathError.
func Open(name string) (*File, error) {
	return OpenFile(name, O_RDONLY, 0)
}

// Create creates or truncates the named file. If the file already exists,
// it is truncated. If the file does not exist, it is created with mode 0o666
// (before umask). If there is an error, it will be of type *PathError.
func Create(name string) (*File, error) {
	return OpenFile(name, O_RDWR|O_CREATE|O_TRUNC, 0666)
}

// OpenFile is the generalized open call; most users will use Open or Create
// instead. It opens the named file with specified flag (O_RDONLY etc.). If
// the file does not exist, and the O_CREATE flag is passed, it is created
// with mode perm (before umask). If there is an error, it will be of type
// *PathError.
func OpenFile(name string, flag int, perm FileMode) (*File, error) {
	p := sim()
	if p == nil {
		return wrapStd(stdos.OpenFile(name, flag, perm))
	}
	return p.openFile(name, flag, perm)
}

func (p *proc) openFile(name string, flag int, perm FileMode) (*File, error) {
	fd, e := p.disk.Open(p.cwd, name, flag|syscall.O_CLOEXEC, syscallMode(perm), p.umask)
	if e != 0 {
		return nil, &PathError{Op: "open", Path: name, Err: e}
	}
	return p.newFile(name, &diskHandle{fd: fd, p: p}, flag&O_APPEND != 0), nil
}

func (p *proc) openDir(name string) (*File, error) {
	return p.openFile(name, O_RDONLY|syscall.O_DIRECTORY, 0)
}

// wrapStd2 adapts std's (*File, error) results.
func wrapStd(f *stdos.File, err error) (*File, error) {
	if f == nil {
		return nil, err
	}
	return wrapStdFile(f), err
}

// Mkdir creates a new directory with the specified name and permission
// bits (before umask). If there is an error, it will be of type *PathError.
func Mkdir(name string, perm FileMode) error {
	p := sim()
	if p == nil {
		return stdos.Mkdir(name, perm)
	}
	if e := p.disk.Mkdir(p.cwd, name, syscallMode(perm), p.umask); e != 0 {
		return &PathError{Op: "mkdir", Path: name, Err: e}
	}
	return nil
}

// MkdirAll creates a directory named path, along with any necessary
// parents, and returns nil, or else returns an error. The permission bits
// perm (before umask) are used for all directories that MkdirAll creates.
// If path is already a directory, MkdirAll does nothing and returns nil.
func MkdirAll(path string, perm FileMode) error {
	if sim() == nil {
		return stdos.MkdirAll(path, perm)
	}
	dir, err := Stat(path)
	if err == nil {
		if dir.IsDir() {
			return nil
		}
		return &PathError{Op: "mkdir", Path: path, Err: syscall.ENOTDIR}
	}
	i := len(path) - 1
	for i >= 0 && IsPathSeparator(path[i]) {
		i--
	}
	for i >= 0 && !IsPathSeparator(path[i]) {
		i--
	}
	if i < 0 {
		i = 0
	}
	if parent := path[:i]; len(parent) > 0 {
		err = MkdirAll(parent, perm)
		if err != nil {
			return err
		}
	}
	err = Mkdir(path, perm)
	if err != nil {
		dir, err1 := Lstat(path)
		if err1 == nil && dir.IsDir() {
			return nil
		}
		return err
	}
	return nil
}

// Remove removes the named file or (empty) directory. If there is an
// error, it will be of type *PathError.
func Remove(name string) error {
	p := sim()
	if p == nil {
		return stdos.Remove(name)
	}
	e := p.disk.Unlink(p.cwd, name)
	if e == 0 {
		return nil
	}
	e1 := p.disk.Rmdir(p.cwd, name)
	if e1 == 0 {
		return nil
	}
	// Both failed: rmdir's error is the real one unless the name is not a
	// directory (std's rule).
	if e1 != syscall.ENOTDIR {
		e = e1
	}
	return &PathError{Op: "remove", Path: name, Err: e}
}

// RemoveAll removes path and any children it contains. It removes
// everything it can but returns the first error it encounters. If the path
// does not exist, RemoveAll returns nil (no error). If there is an error,
// it will be of type *PathError.
func RemoveAll(path string) error {
	p := sim()
	if p == nil {
		return stdos.RemoveAll(path)
	}
	if path == "" {
		return nil
	}
	if endsWithDot(path) {
		return &PathError{Op: "RemoveAll", Path: path, Err: syscall.EINVAL}
	}
	err := Remove(path)
	if err == nil || IsNotExist(err) {
		return nil
	}
	parentDir, base := splitPath(path)
	parent, err := OpenFile(parentDir, O_RDONLY, 0)
	if IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	defer parent.Close()
	if err := p.removeAllFrom(parentDir, base); err != nil {
		if pathErr, ok := err.(*PathError); ok {
			pathErr.Path = parentDir + string(PathSeparator) + pathErr.Path
			err = pathErr
		}
		return err
	}
	return nil
}

// removeAllFrom is std's removeAllFrom with the parent named by path
// instead of a descriptor.
func (p *proc) removeAllFrom(parent, base string) error {
	full := parent + "/" + base
	err := p.disk.Unlink(p.cwd, full)
	if err == 0 || err == syscall.ENOENT {
		return nil
	}
	if err != syscall.EISDIR && err != syscall.EPERM && err != syscall.EACCES {
		return &PathError{Op: "unlinkat", Path: base, Err: err}
	}
	uErr := err
	var recurseErr error
	for {
		const reqSize = 1024
		var respSize int
		if st, e := p.disk.Stat(p.cwd, full, false); e == 0 && st.Mode&syscall.S_IFMT == syscall.S_IFLNK {
			recurseErr = &PathError{Op: "openfdat", Path: base, Err: uErr}
			break
		}
		file, oerr := p.openDir(full)
		if oerr != nil {
			e := oerr.(*PathError).Err
			if IsNotExist(e) {
				return nil
			}
			if e == syscall.ENOTDIR {
				return &PathError{Op: "unlinkat", Path: base, Err: uErr}
			}
			recurseErr = &PathError{Op: "openfdat", Path: base, Err: e}
			break
		}
		for {
			numErr := 0
			names, readErr := file.Readdirnames(reqSize)
			if readErr != nil && readErr != io.EOF {
				file.Close()
				if IsNotExist(readErr) {
					return nil
				}
				return &PathError{Op: "readdirnames", Path: base, Err: readErr}
			}
			respSize = len(names)
			for _, name := range names {
				err := p.removeAllFrom(full, name)
				if err != nil {
					if pathErr, ok := err.(*PathError); ok {
						pathErr.Path = base + string(PathSeparator) + pathErr.Path
					}
					numErr++
					if recurseErr == nil {
						recurseErr = err
					}
				}
			}
			if numErr != reqSize {
				break
			}
		}
		file.Close()
		if respSize < reqSize {
			break
		}
	}
	unlinkError := p.disk.Rmdir(p.cwd, full)
	if unlinkError == 0 || unlinkError == syscall.ENOENT {
		return nil
	}
	if recurseErr != nil {
		return recurseErr
	}
	return &PathError{Op: "unlinkat", Path: base, Err: unlinkError}
}

func endsWithDot(path string) bool {
	if path == "." {
		return true
	}
	if len(path) >= 2 && path[len(path)-1] == '.' && IsPathSeparator(path[len(path)-2]) {
		return true
	}
	return false
}

// splitPath is std's splitPath (path_unix.go).
func splitPath(path string) (string, string) {
	dirname := "."
	for len(path) > 1 && path[0] == '/' && path[1] == '/' {
		path = path[1:]
	}
	i := len(path) - 1
	for ; i > 0 && path[i] == '/'; i-- {
		path = path[:i]
	}
	basename := path
	for i--; i >= 0; i-- {
		if path[i] == '/' {
			if i == 0 {
				dirname = path[:1]
			} else {
				dirname = path[:i]
			}
			basename = path[i+1:]
			break
		}
	}
	return dirname, basename
}

// Rename renames (moves) oldpath to newpath. If newpath already exists and
// is not a directory, Rename replaces it. If newpath already exists and is
// a directory, Rename returns an error. If there is an error, it will be of
// type *LinkError. Under simulation the rename is atomic across a crash and
// durable once a directory involved is synced.
func Rename(oldpath, newpath string) error {
	p := sim()
	if p == nil {
		return stdos.Rename(oldpath, newpath)
	}
	fi, err := Lstat(newpath)
	if err == nil && fi.IsDir() {
		if ofi, err := Lstat(oldpath); err != nil {
			if pe, ok := err.(*PathError); ok {
				err = pe.Err
			}
			return &LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
		} else if newpath == oldpath || !SameFile(fi, ofi) {
			return &LinkError{Op: "rename", Old: oldpath, New: newpath, Err: syscall.EEXIST}
		}
	}
	if e := p.disk.Rename(p.cwd, oldpath, newpath); e != 0 {
		return &LinkError{Op: "rename", Old: oldpath, New: newpath, Err: e}
	}
	return nil
}

// Link creates newname as a hard link to the oldname file. If there is an
// error, it will be of type *LinkError.
func Link(oldname, newname string) error {
	p := sim()
	if p == nil {
		return stdos.Link(oldname, newname)
	}
	if e := p.disk.Link(p.cwd, oldname, newname); e != 0 {
		return &LinkError{Op: "link", Old: oldname, New: newname, Err: e}
	}
	return nil
}

// Symlink creates newname as a symbolic link to oldname. If there is an
// error, it will be of type *LinkError.
func Symlink(oldname, newname string) error {
	p := sim()
	if p == nil {
		return stdos.Symlink(oldname, newname)
	}
	if e := p.disk.Symlink(p.cwd, oldname, newname); e != 0 {
		return &LinkError{Op: "symlink", Old: oldname, New: newname, Err: e}
	}
	return nil
}

// Readlink returns the destination of the named symbolic link. If there is
// an error, it will be of type *PathError.
func Readlink(name string) (string, error) {
	p := sim()
	if p == nil {
		return stdos.Readlink(name)
	}
	s, e := p.disk.Readlink(p.cwd, name)
	if e != 0 {
		return "", &PathError{Op: "readlink", Path: name, Err: e}
	}
	return s, nil
}

// Stat returns a FileInfo describing the named file. If there is an error,
// it will be of type *PathError.
func Stat(name string) (FileInfo, error) {
	p := sim()
	if p == nil {
		return stdos.Stat(name)
	}
	st, e := p.disk.Stat(p.cwd, name, true)
	if e != 0 {
		return nil, &PathError{Op: "stat", Path: name, Err: e}
	}
	return p.fileStat(name, st), nil
}

// Lstat returns a FileInfo describing the named file. If the file is a
// symbolic link, the returned FileInfo describes the symbolic link. Lstat
// makes no attempt to follow the link. If there is an error, it will be of
// type *PathError.
func Lstat(name string) (FileInfo, error) {
	p := sim()
	if p == nil {
		return stdos.Lstat(name)
	}
	st, e := p.disk.Stat(p.cwd, name, false)
	if e != 0 {
		return nil, &PathError{Op: "lstat", Path: name, Err: e}
	}
	return p.fileStat(name, st), nil
}

// Truncate changes the size of the named file. If the file is a symbolic
// link, it changes the size of the link's target. If there is an error, it
// will be of type *PathError.
func Truncate(name string, size int64) error {
	p := sim()
	if p == nil {
		return stdos.Truncate(name, size)
	}
	if e := p.disk.Truncate(p.cwd, name, size); e != 0 {
		return &PathError{Op: "truncate", Path: name, Err: e}
	}
	return nil
}

// Chmod changes the mode of the named file to mode. If the file is a
// symbolic link, it changes the mode of the link's target. If there is an
// error, it will be of type *PathError.
func Chmod(name string, mode FileMode) error {
	p := sim()
	if p == nil {
		return stdos.Chmod(name, mode)
	}
	if e := p.disk.Chmod(p.cwd, name, syscallMode(mode)); e != 0 {
		return &PathError{Op: "chmod", Path: name, Err: e}
	}
	return nil
}

// Chown changes the numeric uid and gid of the named file. If the file is
// a symbolic link, it changes the uid and gid of the link's target. A uid
// or gid of -1 means to not change that value. If there is an error, it
// will be of type *PathError.
func Chown(name string, uid, gid int) error {
	p := sim()
	if p == nil {
		return stdos.Chown(name, uid, gid)
	}
	if e := p.disk.Chown(p.cwd, name, uid, gid, true); e != 0 {
		return &PathError{Op: "chown", Path: name, Err: e}
	}
	return nil
}

// Lchown changes the numeric uid and gid of the named file. If the file is
// a symbolic link, it changes the uid and gid of the link itself. If there
// is an error, it will be of type *PathError.
func Lchown(name string, uid, gid int) error {
	p := sim()
	if p == nil {
		return stdos.Lchown(name, uid, gid)
	}
	if e := p.disk.Chown(p.cwd, name, uid, gid, false); e != 0 {
		return &PathError{Op: "lchown", Path: name, Err: e}
	}
	return nil
}

// Chtimes changes the access and modification times of the named file,
// similar to the Unix utime() or utimes() functions. A zero time.Time
// value will leave the corresponding file time unchanged. Under simulation
// only the modification time is kept.
func Chtimes(name string, atime time.Time, mtime time.Time) error {
	p := sim()
	if p == nil {
		return stdos.Chtimes(name, atime, mtime)
	}
	if e := p.disk.Utimes(p.cwd, name, mtime.UnixNano(), mtime.IsZero()); e != 0 {
		return &PathError{Op: "chtimes", Path: name, Err: e}
	}
	return nil
}

// Chdir changes the current working directory to the named directory. If
// there is an error, it will be of type *PathError. Under simulation the
// working directory is the node's, kept as a cleaned absolute path.
func Chdir(dir string) error {
	p := sim()
	if p == nil {
		return stdos.Chdir(dir)
	}
	st, e := p.disk.Stat(p.cwd, dir, true)
	if e == 0 && st.Mode&syscall.S_IFMT != syscall.S_IFDIR {
		e = syscall.ENOTDIR
	}
	if e != 0 {
		return &PathError{Op: "chdir", Path: dir, Err: e}
	}
	if filepath.IsAbs(dir) {
		p.cwd = filepath.Clean(dir)
	} else {
		p.cwd = filepath.Join(p.cwd, dir)
	}
	return nil
}

// Getwd returns an absolute path name corresponding to the current
// directory.
func Getwd() (dir string, err error) {
	p := sim()
	if p == nil {
		return stdos.Getwd()
	}
	if _, e := p.disk.Stat("/", p.cwd, true); e != 0 {
		return "", NewSyscallError("getwd", e)
	}
	return p.cwd, nil
}

// ReadFile reads the named file and returns the contents. A successful call
// returns err == nil, not err == EOF.
func ReadFile(name string) ([]byte, error) {
	if sim() == nil {
		return stdos.ReadFile(name)
	}
	f, err := Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readFileContents(statOrZero(f), f.Read)
}

func statOrZero(f *File) int64 {
	if fi, err := f.Stat(); err == nil {
		return fi.Size()
	}
	return 0
}

// readFileContents is std's.
func readFileContents(statSize int64, read func([]byte) (int, error)) ([]byte, error) {
	zeroSize := statSize == 0
	var size int
	if int64(int(statSize)) == statSize {
		size = int(statSize)
	}
	size++
	const minBuf = 512
	if size < minBuf {
		size = minBuf
	}
	data := make([]byte, 0, size)
	for {
		n, err := read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return data, err
		}
		capRemain := cap(data) - len(data)
		if capRemain == 0 || (zeroSize && capRemain < minBuf) {
			data = slices.Grow(data, minBuf)
		}
	}
}

// WriteFile writes data to the named file, creating it if necessary. If the
// file does not exist, WriteFile creates it with permissions perm (before
// umask); otherwise WriteFile truncates it before writing, without changing
// permissions. It does not sync: under simulation the data is durable only
// after a Sync.
func WriteFile(name string, data []byte, perm FileMode) error {
	if sim() == nil {
		return stdos.WriteFile(name, data, perm)
	}
	f, err := OpenFile(name, O_WRONLY|O_CREATE|O_TRUNC, perm)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err1 := f.Close(); err1 != nil && err == nil {
		err = err1
	}
	return err
}

// ReadDir reads the named directory, returning all its directory entries
// sorted by filename. If an error occurs reading the directory, ReadDir
// returns the entries it was able to read before the error, along with the
// error.
func ReadDir(name string) ([]DirEntry, error) {
	p := sim()
	if p == nil {
		return stdos.ReadDir(name)
	}
	f, err := p.openDir(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dirs, err := f.ReadDir(-1)
	slices.SortFunc(dirs, func(a, b DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return dirs, err
}

// TempDir returns the default directory to use for temporary files: $TMPDIR
// if non-empty, else /tmp. Under simulation $TMPDIR is the node's, and the
// directory exists on the node's disk.
func TempDir() string {
	p := sim()
	if p == nil {
		return stdos.TempDir()
	}
	return p.tempDir()
}

// nextRandom draws a temporary-name suffix from the world's os stream.
func (p *proc) nextRandom() string {
	return strconv.FormatUint(uint64(p.w.Rand(streamOS).Uint32()), 10)
}

func prefixAndSuffix(pattern string) (prefix, suffix string, err error) {
	for i := 0; i < len(pattern); i++ {
		if IsPathSeparator(pattern[i]) {
			return "", "", errPatternHasSeparator()
		}
	}
	if pos := strings.LastIndexByte(pattern, '*'); pos != -1 {
		prefix, suffix = pattern[:pos], pattern[pos+1:]
	} else {
		prefix = pattern
	}
	return prefix, suffix, nil
}

func joinPath(dir, name string) string {
	if len(dir) > 0 && IsPathSeparator(dir[len(dir)-1]) {
		return dir + name
	}
	return dir + string(PathSeparator) + name
}

// CreateTemp creates a new temporary file in the directory dir, opens the
// file for reading and writing, and returns the resulting file. The
// filename is generated by taking pattern and adding a random string to the
// end (under simulation, drawn from the seed). If pattern includes a "*",
// the random string replaces the last "*". If dir is the empty string,
// CreateTemp uses the default directory for temporary files, as returned by
// TempDir.
func CreateTemp(dir, pattern string) (*File, error) {
	p := sim()
	if p == nil {
		return wrapStd(stdos.CreateTemp(dir, pattern))
	}
	if dir == "" {
		dir = p.tempDir()
	}
	prefix, suffix, err := prefixAndSuffix(pattern)
	if err != nil {
		return nil, &PathError{Op: "createtemp", Path: pattern, Err: err}
	}
	prefix = joinPath(dir, prefix)
	try := 0
	for {
		name := prefix + p.nextRandom() + suffix
		f, err := OpenFile(name, O_RDWR|O_CREATE|O_EXCL, 0600)
		if IsExist(err) {
			if try++; try < 10000 {
				continue
			}
			return nil, &PathError{Op: "createtemp", Path: prefix + "*" + suffix, Err: ErrExist}
		}
		return f, err
	}
}

// MkdirTemp creates a new temporary directory in the directory dir and
// returns the pathname of the new directory. The new directory's name is
// generated by adding a random string to the end of pattern (under
// simulation, drawn from the seed). If pattern includes a "*", the random
// string replaces the last "*" instead. The directory is created with mode
// 0o700 (before umask). If dir is the empty string, MkdirTemp uses the
// default directory for temporary files, as returned by TempDir.
func MkdirTemp(dir, pattern string) (string, error) {
	p := sim()
	if p == nil {
		return stdos.MkdirTemp(dir, pattern)
	}
	if dir == "" {
		dir = p.tempDir()
	}
	prefix, suffix, err := prefixAndSuffix(pattern)
	if err != nil {
		return "", &PathError{Op: "mkdirtemp", Path: pattern, Err: err}
	}
	prefix = joinPath(dir, prefix)
	try := 0
	for {
		name := prefix + p.nextRandom() + suffix
		err := Mkdir(name, 0700)
		if err == nil {
			return name, nil
		}
		if IsExist(err) {
			if try++; try < 10000 {
				continue
			}
			return "", &PathError{Op: "mkdirtemp", Path: prefix + "*" + suffix, Err: ErrExist}
		}
		if IsNotExist(err) {
			if _, err := Stat(dir); IsNotExist(err) {
				return "", err
			}
		}
		return "", err
	}
}

// CopyFS copies the file system fsys into the directory dir, creating dir
// if necessary. See std's os.CopyFS; under simulation the copy is made on
// the node's disk.
func CopyFS(dir string, fsys fs.FS) error {
	if sim() == nil {
		return stdos.CopyFS(dir, fsys)
	}
	return fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fpath, err := filepath.Localize(path)
		if err != nil {
			return err
		}
		newPath := joinPath(dir, fpath)
		switch d.Type() {
		case ModeDir:
			return MkdirAll(newPath, 0777)
		case ModeSymlink:
			target, err := fs.ReadLink(fsys, path)
			if err != nil {
				return err
			}
			return Symlink(target, newPath)
		case 0:
			r, err := fsys.Open(path)
			if err != nil {
				return err
			}
			defer r.Close()
			info, err := r.Stat()
			if err != nil {
				return err
			}
			w, err := OpenFile(newPath, O_CREATE|O_EXCL|O_WRONLY, 0666|info.Mode()&0777)
			if err != nil {
				return err
			}
			if _, err := io.Copy(w, r); err != nil {
				w.Close()
				return &PathError{Op: "Copy", Path: newPath, Err: err}
			}
			return w.Close()
		default:
			return &PathError{Op: "CopyFS", Path: path, Err: ErrInvalid}
		}
	})
}
