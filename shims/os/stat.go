// This file defines the FileInfo and DirEntry values of simulated files,
// built as std builds them from stat(2) on Linux.

package os

import (
	"io/fs"
	stdos "os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/marionette-dst/marionette/disk"
)

// fileStat is a simulated file's FileInfo. Sys returns a *syscall.Stat_t
// filled from the simulated inode (Dev identifies the disk).
type fileStat struct {
	name    string
	size    int64
	mode    FileMode
	modTime time.Time
	sys     syscall.Stat_t
}

func (fs *fileStat) Name() string       { return fs.name }
func (fs *fileStat) IsDir() bool        { return fs.Mode().IsDir() }
func (fs *fileStat) Size() int64        { return fs.size }
func (fs *fileStat) Mode() FileMode     { return fs.mode }
func (fs *fileStat) ModTime() time.Time { return fs.modTime }
func (fs *fileStat) Sys() any           { return &fs.sys }

func (p *proc) fileStat(name string, st disk.Stat) *fileStat {
	fs := &fileStat{name: filepath.Base(name), size: st.Size, modTime: time.Unix(0, st.Mtime).In(p.location())}
	fs.mode = modeOf(st.Mode)
	ts := syscall.NsecToTimespec(st.Mtime)
	fs.sys = syscall.Stat_t{
		Dev: devOf(p.disk.Name()), Ino: st.Ino, Nlink: st.Nlink, Mode: st.Mode,
		Uid: uint32(st.Uid), Gid: uint32(st.Gid), Size: st.Size,
		Blksize: st.Blksize, Blocks: st.Blocks, Atim: ts, Mtim: ts, Ctim: ts,
	}
	return fs
}

// modeOf converts a stat(2) mode as std's fillFileStatFromSys does.
func modeOf(m uint32) FileMode {
	mode := FileMode(m & 0o777)
	switch m & syscall.S_IFMT {
	case syscall.S_IFDIR:
		mode |= ModeDir
	case syscall.S_IFLNK:
		mode |= ModeSymlink
	case syscall.S_IFCHR:
		mode |= ModeDevice | ModeCharDevice
	case syscall.S_IFIFO:
		mode |= ModeNamedPipe
	}
	if m&syscall.S_ISGID != 0 {
		mode |= ModeSetgid
	}
	if m&syscall.S_ISUID != 0 {
		mode |= ModeSetuid
	}
	if m&syscall.S_ISVTX != 0 {
		mode |= ModeSticky
	}
	return mode
}

func devOf(name string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(name); i++ {
		h ^= uint64(name[i])
		h *= 1099511628211
	}
	return h>>1 | 1
}

// syscallMode converts a FileMode to stat(2) permission bits, as std does.
func syscallMode(i FileMode) (o uint32) {
	o |= uint32(i.Perm())
	if i&ModeSetuid != 0 {
		o |= syscall.S_ISUID
	}
	if i&ModeSetgid != 0 {
		o |= syscall.S_ISGID
	}
	if i&ModeSticky != 0 {
		o |= syscall.S_ISVTX
	}
	return
}

// SameFile reports whether fi1 and fi2 describe the same file. For example,
// on Unix this means that the device and inode fields of the two underlying
// structures are identical; on other systems the decision may be based on
// the path names. SameFile only applies to results returned by this
// package's Stat. It returns false in other cases.
func SameFile(fi1, fi2 FileInfo) bool {
	fs1, ok1 := fi1.(*fileStat)
	fs2, ok2 := fi2.(*fileStat)
	if ok1 && ok2 {
		return fs1.sys.Dev == fs2.sys.Dev && fs1.sys.Ino == fs2.sys.Ino
	}
	if !ok1 && !ok2 {
		return stdos.SameFile(fi1, fi2)
	}
	return false
}

// dirEntry is a simulated directory entry. Info calls Lstat lazily, as
// std's does, and so may find the file gone.
type dirEntry struct {
	parent string
	name   string
	typ    FileMode
	info   FileInfo
}

func (d *dirEntry) Name() string   { return d.name }
func (d *dirEntry) IsDir() bool    { return d.typ.IsDir() }
func (d *dirEntry) Type() FileMode { return d.typ }
func (d *dirEntry) String() string { return fs.FormatDirEntry(d) }

func (d *dirEntry) Info() (FileInfo, error) {
	if d.info != nil {
		return d.info, nil
	}
	return Lstat(d.parent + "/" + d.name)
}
