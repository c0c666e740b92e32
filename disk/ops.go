// This file defines the syscall-level operations of a disk: path operations
// (Open, Stat, Mkdir, Unlink, Rmdir, Rename, Link, Symlink, Readlink,
// Truncate, Chmod, Chown, Utimes) and descriptor operations (FD). Each one
// sleeps its latency on the world clock, then acts on the volatile image and
// records the pending units its change needs. Errors are the errno values
// Linux returns, for the os shim to wrap exactly as std does.

package disk

import (
	"math"
	"strconv"
	"strings"
	"syscall"
)

const sIsvtx = syscall.S_ISVTX

// Stat is what stat(2) reports about an inode.
type Stat struct {
	Ino     uint64
	Mode    uint32 // syscall form: S_IFREG, S_IFDIR or S_IFLNK | permission bits
	Nlink   uint64
	Uid     int
	Gid     int
	Size    int64
	Mtime   int64 // wall-clock nanoseconds
	Blksize int64
	Blocks  int64 // 512-byte blocks
}

// Dirent is a directory entry.
type Dirent struct {
	Name string
	Ino  uint64
	Mode uint32 // S_IFREG, S_IFDIR or S_IFLNK
}

func typeBits(k kind) uint32 {
	switch k {
	case kDir:
		return syscall.S_IFDIR
	case kSymlink:
		return syscall.S_IFLNK
	}
	return syscall.S_IFREG
}

func (d *Disk) statOf(n *inode) Stat {
	size := int64(len(n.data))
	switch n.kind {
	case kDir:
		size = 4096
	case kSymlink:
		size = int64(len(n.target))
	}
	s := int64(d.sectorSize)
	return Stat{
		Ino: n.ino, Mode: typeBits(n.kind) | n.perm, Nlink: uint64(n.nlink),
		Uid: n.uid, Gid: n.gid, Size: size, Mtime: n.mtime,
		Blksize: 4096, Blocks: (size + s - 1) / s * s / 512,
	}
}

type latency uint8

const (
	latNone latency = iota
	latRead
	latWrite
	latSync
)

// enter sleeps the operation's latency, locks the disk, runs writeback and
// draws a random crash. It returns EIO (with the disk locked) if the disk
// crashed.
func (d *Disk) enter(l latency) syscall.Errno {
	o := &d.opts
	switch l {
	case latRead:
		d.sleep(o.ReadLatencyMin, o.ReadLatencyMean)
	case latWrite:
		d.sleep(o.WriteLatencyMin, o.WriteLatencyMean)
	case latSync:
		d.sleep(o.SyncLatencyMin, o.SyncLatencyMean)
	}
	d.mu.Lock()
	d.writeback()
	if l != latNone && d.maybeCrash() {
		return syscall.EIO
	}
	return 0
}

// writeback makes durable the pending units older than
// disk.writeback_after, with their dependencies.
func (d *Disk) writeback() {
	after := int64(d.opts.WritebackAfter)
	if after <= 0 || len(d.pending) == d.settled || d.quiet {
		return
	}
	cutoff := d.now() - after
	if n := d.writeBackWhile(func(u *unit) bool { return u.when <= cutoff }); n > 0 {
		d.trace("disk.writeback", int64(n), "")
	}
}

// maybeCrash draws a random crash (only on a disk with a crash handler).
func (d *Disk) maybeCrash() bool {
	p := d.opts.CrashProbability
	if d.onCrash == nil || d.quiet || p <= 0 {
		return false
	}
	if len(d.pending) > d.settled && d.opts.CrashPendingFactor > 0 {
		p *= d.opts.CrashPendingFactor
	}
	if d.rng.Float64() >= p {
		return false
	}
	d.trace("disk.crash.random", 0, "")
	h, boot := d.onCrash, d.boot
	d.unlock()
	h() // a node crash crashes the disk through its hook, and may not return
	d.mu.Lock()
	if d.boot == boot {
		d.crashLocked("random")
	}
	return true
}

// newInode creates a volatile inode and records its birth.
func (d *Disk) newInode(k kind, perm uint32, target string) *inode {
	ino := d.allocIno()
	b := birth{kind: k, perm: perm, mtime: d.wallNow(), target: target}
	d.births[ino] = b
	n := b.make(ino)
	d.vol.inodes[ino] = n
	d.used += d.footprint(0)
	return n
}

// link adds entry name -> n to dir, with its pending unit.
func (d *Disk) link(dir *inode, name string, n *inode, op string) {
	dir.ents[name] = n.ino
	n.nlink++
	if n.kind == kDir {
		dir.nlink++ // the new directory's ".."
	}
	dir.mtime = d.wallNow()
	d.addUnit(&unit{kind: uEntry, dir: dir.ino, name: name, ino: n.ino, op: op})
}

// release frees a volatile inode nobody names or holds open.
func (d *Disk) release(n *inode) {
	if n.nlink > 0 || n.opens > 0 {
		return
	}
	d.used -= d.footprint(int64(len(n.data)))
	delete(d.vol.inodes, n.ino)
}

// unlinkEntry removes entry name of dir (naming n) without a unit.
func (d *Disk) unlinkEntry(dir *inode, name string, n *inode) {
	delete(dir.ents, name)
	dir.mtime = d.wallNow()
	if n.kind == kDir {
		n.nlink = 0
		dir.nlink--
	} else {
		n.nlink--
	}
	d.release(n)
}

// Open opens (and with O_CREAT creates) the file at p. perm is the
// syscall-form mode for a new file, cleared by umask.
func (d *Disk) Open(cwd, p string, flag int, perm, umask uint32) (*FD, syscall.Errno) {
	l := latRead
	if flag&(syscall.O_CREAT|syscall.O_TRUNC) != 0 {
		l = latWrite
	}
	e := d.enter(l)
	defer d.unlock()
	if e != 0 {
		return nil, e
	}
	excl := flag&syscall.O_CREAT != 0 && flag&syscall.O_EXCL != 0
	f, e := d.lookup(cwd, p, !excl)
	if e != 0 {
		return nil, e
	}
	abs := absPath(cwd, p)
	acc := flag & syscall.O_ACCMODE
	n := f.node
	if n == nil {
		if flag&syscall.O_CREAT == 0 {
			return nil, syscall.ENOENT
		}
		if f.slash {
			return nil, syscall.EISDIR
		}
		n = d.newInode(kFile, perm&0o7777&^umask, "")
		d.link(f.dir, f.name, n, "create "+abs)
	} else {
		switch {
		case excl:
			return nil, syscall.EEXIST
		case n.kind == kSymlink:
			return nil, syscall.ELOOP
		case n.kind == kDir && (acc != syscall.O_RDONLY || flag&syscall.O_CREAT != 0):
			return nil, syscall.EISDIR
		case flag&syscall.O_DIRECTORY != 0 && n.kind != kDir:
			return nil, syscall.ENOTDIR
		}
		if flag&syscall.O_TRUNC != 0 && n.kind == kFile && len(n.data) > 0 {
			d.setSize(n, 0, "truncate "+abs)
		}
	}
	n.opens++
	return &FD{d: d, node: n, flags: flag, boot: d.boot, path: abs}, 0
}

// setSize changes a volatile file's size, with its unit.
func (d *Disk) setSize(n *inode, size int64, op string) {
	old := int64(len(n.data))
	if size == old {
		n.mtime = d.wallNow()
		return
	}
	d.used += d.footprint(size) - d.footprint(old)
	n.data = grow(n.data, size)
	n.mtime = d.wallNow()
	d.addUnit(&unit{kind: uSize, ino: n.ino, size: size, mtime: n.mtime, op: op})
}

// Stat returns the inode at p (following a final symbolic link if follow).
func (d *Disk) Stat(cwd, p string, follow bool) (Stat, syscall.Errno) {
	e := d.enter(latRead)
	defer d.unlock()
	if e != 0 {
		return Stat{}, e
	}
	f, e := d.lookup(cwd, p, follow)
	if e != 0 {
		return Stat{}, e
	}
	if f.node == nil {
		return Stat{}, syscall.ENOENT
	}
	return d.statOf(f.node), 0
}

// Mkdir creates a directory.
func (d *Disk) Mkdir(cwd, p string, perm, umask uint32) syscall.Errno {
	e := d.enter(latWrite)
	defer d.unlock()
	if e != 0 {
		return e
	}
	f, e := d.lookup(cwd, p, false)
	if e != 0 {
		return e
	}
	if f.node != nil || f.dot {
		return syscall.EEXIST
	}
	n := d.newInode(kDir, perm&0o1777&^umask, "")
	n.nlink = 1 // its "."
	d.link(f.dir, f.name, n, "mkdir "+absPath(cwd, p))
	return 0
}

// Unlink removes a non-directory entry.
func (d *Disk) Unlink(cwd, p string) syscall.Errno {
	e := d.enter(latWrite)
	defer d.unlock()
	if e != 0 {
		return e
	}
	f, e := d.lookup(cwd, p, false)
	if e != 0 {
		return e
	}
	if f.node == nil {
		return syscall.ENOENT
	}
	if f.dot || f.node.kind == kDir {
		return syscall.EISDIR
	}
	d.unlinkEntry(f.dir, f.name, f.node)
	d.addUnit(&unit{kind: uEntry, dir: f.dir.ino, name: f.name, op: "remove " + absPath(cwd, p)})
	return 0
}

// lastComponent returns the final component of p, ignoring trailing
// slashes.
func lastComponent(p string) string {
	c := splitPath(p)
	if len(c) == 0 {
		return ""
	}
	return c[len(c)-1]
}

// Rmdir removes an empty directory.
func (d *Disk) Rmdir(cwd, p string) syscall.Errno {
	e := d.enter(latWrite)
	defer d.unlock()
	if e != 0 {
		return e
	}
	f, e := d.lookup(cwd, p, false)
	if e != 0 {
		return e
	}
	if f.node == nil {
		return syscall.ENOENT
	}
	if f.dot {
		switch lastComponent(p) {
		case ".":
			return syscall.EINVAL
		case "..":
			return syscall.ENOTEMPTY
		}
		return syscall.EBUSY
	}
	if f.node.kind != kDir {
		return syscall.ENOTDIR
	}
	if len(f.node.ents) > 0 {
		return syscall.ENOTEMPTY
	}
	d.unlinkEntry(f.dir, f.name, f.node)
	d.addUnit(&unit{kind: uEntry, dir: f.dir.ino, name: f.name, op: "rmdir " + absPath(cwd, p)})
	return 0
}

// Rename moves oldp to newp, replacing what newp named, atomically.
func (d *Disk) Rename(cwd, oldp, newp string) syscall.Errno {
	e := d.enter(latWrite)
	defer d.unlock()
	if e != 0 {
		return e
	}
	fo, e := d.lookup(cwd, oldp, false)
	if e != 0 {
		return e
	}
	if fo.node == nil {
		return syscall.ENOENT
	}
	fn, e := d.lookup(cwd, newp, false)
	if e != 0 {
		return e
	}
	if fo.dot || fn.dot {
		return syscall.EBUSY
	}
	src, dst := fo.node, fn.node
	if src.kind != kDir && (fo.slash || fn.slash) {
		return syscall.ENOTDIR
	}
	if dst == src {
		return 0
	}
	if src.kind == kDir {
		if fn.dir == src {
			return syscall.EINVAL
		}
		for _, a := range fn.stack {
			if a == src {
				return syscall.EINVAL
			}
		}
		if dst != nil {
			if dst.kind != kDir {
				return syscall.ENOTDIR
			}
			if len(dst.ents) > 0 {
				return syscall.ENOTEMPTY
			}
		}
	} else if dst != nil && dst.kind == kDir {
		return syscall.EISDIR
	}
	delete(fo.dir.ents, fo.name)
	if dst != nil {
		d.unlinkEntry(fn.dir, fn.name, dst)
	}
	fn.dir.ents[fn.name] = src.ino
	if src.kind == kDir && fo.dir != fn.dir {
		fo.dir.nlink--
		fn.dir.nlink++
	}
	now := d.wallNow()
	fo.dir.mtime, fn.dir.mtime = now, now
	d.addUnit(&unit{kind: uRename, dir: fo.dir.ino, name: fo.name, dir2: fn.dir.ino, name2: fn.name, ino: src.ino,
		op: "rename " + absPath(cwd, oldp) + " " + absPath(cwd, newp)})
	return 0
}

// Link makes newp another name of the file oldp.
func (d *Disk) Link(cwd, oldp, newp string) syscall.Errno {
	e := d.enter(latWrite)
	defer d.unlock()
	if e != 0 {
		return e
	}
	fo, e := d.lookup(cwd, oldp, false)
	if e != 0 {
		return e
	}
	if fo.node == nil {
		return syscall.ENOENT
	}
	if fo.node.kind == kDir {
		return syscall.EPERM
	}
	fn, e := d.lookup(cwd, newp, false)
	if e != 0 {
		return e
	}
	if fn.node != nil || fn.dot {
		return syscall.EEXIST
	}
	if fn.slash {
		return syscall.ENOENT
	}
	d.link(fn.dir, fn.name, fo.node, "link "+absPath(cwd, newp))
	return 0
}

// Symlink creates a symbolic link newp pointing to target.
func (d *Disk) Symlink(cwd, target, newp string) syscall.Errno {
	e := d.enter(latWrite)
	defer d.unlock()
	if e != 0 {
		return e
	}
	if target == "" {
		return syscall.ENOENT
	}
	fn, e := d.lookup(cwd, newp, false)
	if e != 0 {
		return e
	}
	if fn.node != nil || fn.dot {
		return syscall.EEXIST
	}
	if fn.slash {
		return syscall.ENOENT
	}
	n := d.newInode(kSymlink, 0o777, target)
	d.link(fn.dir, fn.name, n, "symlink "+absPath(cwd, newp))
	return 0
}

// Readlink returns a symbolic link's target.
func (d *Disk) Readlink(cwd, p string) (string, syscall.Errno) {
	e := d.enter(latRead)
	defer d.unlock()
	if e != 0 {
		return "", e
	}
	f, e := d.lookup(cwd, p, false)
	if e != 0 {
		return "", e
	}
	if f.node == nil {
		return "", syscall.ENOENT
	}
	if f.node.kind != kSymlink {
		return "", syscall.EINVAL
	}
	return f.node.target, 0
}

// Truncate sets the size of the file at p.
func (d *Disk) Truncate(cwd, p string, size int64) syscall.Errno {
	e := d.enter(latWrite)
	defer d.unlock()
	if e != 0 {
		return e
	}
	f, e := d.lookup(cwd, p, true)
	if e != 0 {
		return e
	}
	if f.node == nil {
		return syscall.ENOENT
	}
	if f.node.kind == kDir {
		return syscall.EISDIR
	}
	if size < 0 {
		return syscall.EINVAL
	}
	abs := absPath(cwd, p)
	if d.fault(WriteErrors, d.opts.WriteError, abs) {
		return syscall.EIO
	}
	d.setSize(f.node, size, "truncate "+abs+" "+strconv.FormatInt(size, 10))
	return 0
}

// setMeta records a change of mode, owner or time.
func (d *Disk) setMeta(n *inode, op string) {
	d.addUnit(&unit{kind: uMeta, ino: n.ino, perm: n.perm, uid: n.uid, gid: n.gid, mtime: n.mtime, op: op})
}

func (d *Disk) pathInode(cwd, p string, follow bool) (*inode, syscall.Errno) {
	f, e := d.lookup(cwd, p, follow)
	if e != 0 {
		return nil, e
	}
	if f.node == nil {
		return nil, syscall.ENOENT
	}
	return f.node, 0
}

// Chmod sets the permission bits of the file at p.
func (d *Disk) Chmod(cwd, p string, mode uint32) syscall.Errno {
	e := d.enter(latWrite)
	defer d.unlock()
	if e != 0 {
		return e
	}
	n, e := d.pathInode(cwd, p, true)
	if e != 0 {
		return e
	}
	n.perm = mode & 0o7777
	d.setMeta(n, "chmod "+absPath(cwd, p))
	return 0
}

// Chown sets the owner of the file at p (-1 leaves a value unchanged).
func (d *Disk) Chown(cwd, p string, uid, gid int, follow bool) syscall.Errno {
	e := d.enter(latWrite)
	defer d.unlock()
	if e != 0 {
		return e
	}
	n, e := d.pathInode(cwd, p, follow)
	if e != 0 {
		return e
	}
	chown(n, uid, gid)
	d.setMeta(n, "chown "+absPath(cwd, p))
	return 0
}

func chown(n *inode, uid, gid int) {
	if uid != -1 {
		n.uid = uid
	}
	if gid != -1 {
		n.gid = gid
	}
}

// Utimes sets the modification time of the file at p (omit leaves it).
func (d *Disk) Utimes(cwd, p string, mtime int64, omit bool) syscall.Errno {
	e := d.enter(latWrite)
	defer d.unlock()
	if e != 0 {
		return e
	}
	n, e := d.pathInode(cwd, p, true)
	if e != 0 {
		return e
	}
	if !omit {
		n.mtime = mtime
	}
	d.setMeta(n, "chtimes "+absPath(cwd, p))
	return 0
}

// FD is an open file description.
type FD struct {
	d      *Disk
	node   *inode
	flags  int
	off    int64
	boot   uint64
	path   string
	closed bool

	dirents []Dirent // directory snapshot, taken at the first read
	dirPos  int
}

// Path returns the absolute path the file was opened with.
func (f *FD) Path() string { return f.path }

// Disk returns the file's disk.
func (f *FD) Disk() *Disk { return f.d }

// IsDir reports whether the file is a directory.
func (f *FD) IsDir() bool { return f.node.kind == kDir }

func (f *FD) readable() bool {
	a := f.flags & syscall.O_ACCMODE
	return a == syscall.O_RDONLY || a == syscall.O_RDWR
}

func (f *FD) writable() bool {
	a := f.flags & syscall.O_ACCMODE
	return a == syscall.O_WRONLY || a == syscall.O_RDWR
}

// begin starts a descriptor operation: latency, lock, crash draw, and the
// check that the descriptor belongs to the current boot.
// The disk is locked on return, whatever the result.
func (f *FD) begin(l latency) syscall.Errno {
	if f.closed {
		f.d.mu.Lock()
		return syscall.EBADF
	}
	e := f.d.enter(l)
	if e == 0 && f.boot != f.d.boot {
		e = syscall.EIO
	}
	return e
}

// Read reads at the descriptor's offset and advances it. It returns 0 at
// the end of the file.
func (f *FD) Read(p []byte) (int, syscall.Errno) {
	e := f.begin(latRead)
	defer f.d.unlock()
	if e != 0 {
		return 0, e
	}
	if !f.readable() {
		return 0, syscall.EBADF
	}
	if f.node.kind == kDir {
		return 0, syscall.EISDIR
	}
	n, e := f.readAt(p, f.off)
	f.off += int64(n)
	return n, e
}

// Pread reads at off.
func (f *FD) Pread(p []byte, off int64) (int, syscall.Errno) {
	e := f.begin(latRead)
	defer f.d.unlock()
	if e != 0 {
		return 0, e
	}
	if !f.readable() {
		return 0, syscall.EBADF
	}
	if f.node.kind == kDir {
		return 0, syscall.EISDIR
	}
	if off < 0 {
		return 0, syscall.EINVAL
	}
	return f.readAt(p, off)
}

func (f *FD) readAt(p []byte, off int64) (int, syscall.Errno) {
	d, n := f.d, f.node
	if len(p) == 0 {
		return 0, 0
	}
	if d.fault(ReadErrors, d.opts.ReadError, f.path) {
		return 0, syscall.EIO
	}
	size := int64(len(n.data))
	if off >= size {
		return 0, 0
	}
	k := int64(len(p))
	if k > size-off {
		k = size - off
	}
	s := int64(d.sectorSize)
	first, last := off/s, (off+k-1)/s
	if len(d.latent) > 0 && !d.quiet {
		for sec := first; sec <= last; sec++ {
			if b, ok := d.latent[secKey{n.ino, sec}]; ok && b != d.boot {
				d.trace("disk.fault", int64(LatentErrors), LatentErrors.String()+" "+f.path)
				return 0, syscall.EIO
			}
		}
	}
	copy(p, n.data[off:off+k])
	if d.opts.Corrupt > 0 {
		corrupt := false
		for sec := first; sec <= last; sec++ {
			lo := sec * s
			hi := lo + s
			if hi > size {
				hi = size
			}
			for _, fl := range d.corruption(f.path, n.ino, sec, n.data[lo:hi]) {
				if at := lo + int64(fl.pos); at >= off && at < off+k {
					p[at-off] ^= fl.mask
					corrupt = true
				}
			}
		}
		if corrupt {
			d.trace("disk.fault", int64(Corruption), Corruption.String()+" "+f.path)
		}
	}
	return int(k), 0
}

// Write writes at the descriptor's offset (at the end with O_APPEND) and
// advances it.
func (f *FD) Write(p []byte) (int, syscall.Errno) {
	e := f.begin(latWrite)
	defer f.d.unlock()
	if e != 0 {
		return 0, e
	}
	if !f.writable() {
		return 0, syscall.EBADF
	}
	off := f.off
	if f.flags&syscall.O_APPEND != 0 {
		off = int64(len(f.node.data))
	}
	n, e := f.writeAt(p, off)
	f.off = off + int64(n)
	return n, e
}

// Pwrite writes at off (at the end with O_APPEND, as Linux does).
func (f *FD) Pwrite(p []byte, off int64) (int, syscall.Errno) {
	e := f.begin(latWrite)
	defer f.d.unlock()
	if e != 0 {
		return 0, e
	}
	if !f.writable() {
		return 0, syscall.EBADF
	}
	if off < 0 {
		return 0, syscall.EINVAL
	}
	if f.flags&syscall.O_APPEND != 0 {
		off = int64(len(f.node.data))
	}
	return f.writeAt(p, off)
}

func (f *FD) writeAt(p []byte, off int64) (int, syscall.Errno) {
	d, n := f.d, f.node
	if len(p) == 0 {
		return 0, 0
	}
	if off > math.MaxInt64-int64(len(p)) {
		return 0, syscall.EFBIG
	}
	if d.fault(WriteErrors, d.opts.WriteError, f.path) {
		return 0, syscall.EIO
	}
	var errno syscall.Errno
	k := int64(len(p))
	old := int64(len(n.data))
	s := int64(d.sectorSize)
	if capa := d.opts.Capacity; capa > 0 && off+k > old && d.inScope(f.path, NoSpace) {
		avail := capa - d.used
		limit := (d.footprint(old) + avail - s) / s * s // largest size that fits
		if limit < old {
			limit = old
		}
		if off+k > limit {
			k = limit - off
			if k < 0 {
				k = 0
			}
			errno = syscall.ENOSPC
			d.trace("disk.fault", int64(NoSpace), NoSpace.String()+" "+f.path)
			if k == 0 {
				return 0, errno
			}
		}
	}
	end := off + k
	now := d.wallNow()
	wr := &writeOp{path: f.path, off: off, end: end}
	if end > old {
		// The size unit comes first: applying it clears stale bytes past
		// the old size before the new sectors land.
		d.used += d.footprint(end) - d.footprint(old)
		n.data = grow(n.data, end)
		d.addUnit(&unit{kind: uSize, ino: n.ino, size: end, mtime: now, op: "size of " + f.path})
	}
	copy(n.data[off:end], p[:k])
	n.mtime = now

	first, last := off/s, (end-1)/s
	misdirect := int64(-1)
	if d.fault(Misdirection, d.opts.Misdirect, f.path) {
		top := (int64(len(n.data))-1)/s + 1
		if top > 1 {
			misdirect = d.rng.Int64N(top - 1)
			if misdirect >= first {
				misdirect++
			}
		}
	}
	tear := d.opts.CrashTear > 0 && d.inScope(f.path, TornWrites)
	// One snapshot of the sectors written, and one allocation for their
	// units.
	base := first * s
	top := (last + 1) * s
	if top > int64(len(n.data)) {
		top = int64(len(n.data))
	}
	snap := append([]byte(nil), n.data[base:top]...)
	us := make([]unit, last-first+1)
	for i := range us {
		sec := first + int64(i)
		lo, hi := sec*s-base, sec*s+s-base
		if hi > int64(len(snap)) {
			hi = int64(len(snap))
		}
		u := &us[i]
		*u = unit{kind: uSector, ino: n.ino, sector: sec, data: snap[lo:hi:hi], mtime: now, wr: wr, tear: tear, misdirect: -1}
		if misdirect >= 0 {
			u.misdirect = misdirect + (sec - first)
		}
		if tear {
			u.path = f.path
		}
		if d.opts.Latent > 0 {
			u.latent = d.fault(LatentErrors, d.opts.Latent, f.path)
		}
		if len(d.latent) > 0 {
			delete(d.latent, secKey{n.ino, sec})
		}
		d.addUnit(u)
	}
	if f.flags&syscall.O_SYNC != 0 {
		if e := f.fsyncLocked(); e != 0 {
			return int(k), e
		}
	}
	return int(k), errno
}

// Lseek sets the offset. On a directory, seeking to 0 restarts the listing.
func (f *FD) Lseek(offset int64, whence int) (int64, syscall.Errno) {
	e := f.begin(latNone)
	defer f.d.unlock()
	if e != 0 {
		return 0, e
	}
	var base int64
	switch whence {
	case 0:
	case 1:
		base = f.off
	case 2:
		base = int64(len(f.node.data))
	default:
		return 0, syscall.EINVAL
	}
	pos := base + offset
	if (offset > 0 && pos < base) || pos < 0 {
		return 0, syscall.EINVAL
	}
	f.off = pos
	if f.node.kind == kDir && pos == 0 {
		f.dirents, f.dirPos = nil, 0
	}
	return pos, 0
}

// Fsync makes the file's pending changes durable (for a directory, its
// entries'), with everything they depend on.
func (f *FD) Fsync() syscall.Errno {
	e := f.begin(latSync)
	defer f.d.unlock()
	if e != 0 {
		return e
	}
	return f.fsyncLocked()
}

func (f *FD) fsyncLocked() syscall.Errno {
	d, ino := f.d, f.node.ino
	if d.fault(SyncErrors, d.opts.SyncError, f.path) {
		// The page cache keeps the data; the disk never gets it.
		for _, u := range d.pending {
			if u.kind == uSector && u.ino == ino && u.state == pending {
				d.settle(u, dropped)
			}
		}
		d.compact()
		return syscall.EIO
	}
	us := closure(d.pending, func(u *unit) bool { return u.touches(ino) })
	if len(us) > 0 {
		d.makeDurable(us)
	}
	d.trace("disk.sync", int64(len(us)), f.path)
	return 0
}

// Ftruncate sets the file's size.
func (f *FD) Ftruncate(size int64) syscall.Errno {
	e := f.begin(latWrite)
	defer f.d.unlock()
	if e != 0 {
		return e
	}
	if size < 0 || !f.writable() || f.node.kind != kFile {
		return syscall.EINVAL
	}
	if f.d.fault(WriteErrors, f.d.opts.WriteError, f.path) {
		return syscall.EIO
	}
	f.d.setSize(f.node, size, "truncate "+f.path+" "+strconv.FormatInt(size, 10))
	return 0
}

// Fstat returns the open file's inode.
func (f *FD) Fstat() (Stat, syscall.Errno) {
	e := f.begin(latNone)
	defer f.d.unlock()
	if e != 0 {
		return Stat{}, e
	}
	return f.d.statOf(f.node), 0
}

// Fchmod sets the open file's permission bits.
func (f *FD) Fchmod(mode uint32) syscall.Errno {
	e := f.begin(latWrite)
	defer f.d.unlock()
	if e != 0 {
		return e
	}
	f.node.perm = mode & 0o7777
	f.d.setMeta(f.node, "chmod "+f.path)
	return 0
}

// Fchown sets the open file's owner.
func (f *FD) Fchown(uid, gid int) syscall.Errno {
	e := f.begin(latWrite)
	defer f.d.unlock()
	if e != 0 {
		return e
	}
	chown(f.node, uid, gid)
	f.d.setMeta(f.node, "chown "+f.path)
	return 0
}

// ReadDir returns up to n entries (all if n <= 0) from the directory
// listing, continuing where the previous call stopped; an empty result
// means the end. The order is a hash of the names salted by the seed
// (neither sorted nor creation order, like ext4's), fixed for a directory
// listing.
func (f *FD) ReadDir(n int) ([]Dirent, syscall.Errno) {
	l := latNone
	if f.dirents == nil {
		l = latRead
	}
	e := f.begin(l)
	defer f.d.unlock()
	if e != 0 {
		return nil, e
	}
	if f.node.kind != kDir {
		return nil, syscall.ENOTDIR
	}
	d := f.d
	if f.dirents == nil {
		f.dirents = make([]Dirent, 0, len(f.node.ents))
		for name, ino := range f.node.ents {
			m := d.vol.inodes[ino]
			f.dirents = append(f.dirents, Dirent{Name: name, Ino: ino, Mode: typeBits(m.kind)})
		}
		sortByHash(f.dirents, d.salt)
	}
	rest := f.dirents[f.dirPos:]
	if n > 0 && len(rest) > n {
		rest = rest[:n]
	}
	f.dirPos += len(rest)
	return rest, 0
}

// Close releases the descriptor. A descriptor of an earlier boot closes
// without error.
func (f *FD) Close() syscall.Errno {
	if f.closed {
		return syscall.EBADF
	}
	d := f.d
	d.mu.Lock()
	defer d.unlock()
	f.closed = true
	if f.boot == d.boot {
		f.node.opens--
		d.release(f.node)
	}
	return 0
}

// MkdirAllDurable creates the missing directories of the absolute path p,
// durably at once: setting up a disk (a process's temporary directory)
// takes no time, draws no fault and leaves nothing pending.
func (d *Disk) MkdirAllDurable(p string, perm uint32) {
	d.mu.Lock()
	defer d.unlock()
	cur := d.vol.inodes[rootIno]
	made := map[*unit]bool{}
	for _, c := range splitPath(cleanPath(p)) {
		if ino, ok := cur.ents[c]; ok {
			n := d.vol.inodes[ino]
			if n.kind != kDir {
				return
			}
			cur = n
			continue
		}
		n := d.newInode(kDir, perm&0o7777, "")
		n.nlink = 1
		d.link(cur, c, n, "mkdir "+p)
		made[d.pending[len(d.pending)-1]] = true
		cur = n
	}
	if len(made) > 0 {
		d.makeDurable(closure(d.pending, func(u *unit) bool { return made[u] }))
	}
}

// A HostFile is a file or directory Preload puts on a disk.
type HostFile struct {
	Path string // absolute, slash-separated
	Dir  bool
	Perm uint32 // permission bits
	Data []byte // copied: writes on the disk never reach it
}

// Preload puts files on the disk, durably at once, the first time it is
// called on the disk (later calls, after a restart, do nothing): the files
// a simulated test finds beside it, copied from its package directory. Like
// MkdirAllDurable it takes no time, draws no fault and leaves nothing
// pending. Directories are created as needed; an existing file is replaced.
func (d *Disk) Preload(files []HostFile) {
	d.mu.Lock()
	done := d.preloaded
	d.preloaded = true
	quiet := d.quiet
	d.quiet = true
	d.mu.Unlock()
	if done {
		d.mu.Lock()
		d.quiet = quiet
		d.mu.Unlock()
		return
	}
	for _, f := range files {
		if f.Dir {
			d.MkdirAllDurable(f.Path, f.Perm)
			continue
		}
		d.MkdirAllDurable(parentPath(f.Path), 0o755)
		fd, e := d.Open("/", f.Path, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_TRUNC, f.Perm, 0)
		if e != 0 {
			continue // a path the disk cannot hold (under a file)
		}
		if len(f.Data) > 0 {
			fd.Write(f.Data)
		}
		fd.Close()
	}
	d.mu.Lock()
	d.makeDurable(closure(d.pending, func(*unit) bool { return true }))
	d.quiet = quiet
	d.unlock()
}

// parentPath is the directory of absolute path p.
func parentPath(p string) string {
	p = cleanPath(p)
	if i := strings.LastIndexByte(p, '/'); i > 0 {
		return p[:i]
	}
	return "/"
}
