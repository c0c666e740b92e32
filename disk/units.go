// This file defines pending units: the changes of the volatile image that
// have not reached the durable image yet. Each unit is on one or more chains
// (a sector of a file, a file's size, a file's metadata, a directory entry)
// and depends on the previous pending unit of each of its chains, so the
// sets of units a crash may keep are exactly the dependency-closed ones.

package disk

import (
	"slices"
	"sort"
	"strconv"
)

type unitKind uint8

const (
	uSector unitKind = iota + 1 // a sector's content
	uSize                       // a file's size
	uMeta                       // a file's mode, owner or times
	uEntry                      // a directory entry set or removed
	uRename                     // an entry moved, atomically
)

type unitState uint8

const (
	pending unitState = iota
	durable
	dropped
)

type unit struct {
	seq  uint64
	kind unitKind
	ino  uint64 // the file (sector, size, meta); the entry's target (entry, rename), 0 for a removal

	sector int64
	data   []byte // sector content after the write, cut at the file's size
	size   int64
	mtime  int64
	perm   uint32
	uid    int
	gid    int

	dir   uint64 // entry, rename: the (old) directory and name
	name  string
	dir2  uint64 // rename: the new directory and name
	name2 string

	deps  [2]*unit // the previous pending unit of each chain
	ndeps uint8
	state unitState
	when  int64  // simulated time it was made (writeback)
	op    string // what made it, for crash-state reports (sector units: see wr)
	wr    *writeOp
	next  *unit // the next unit of its chain (units on one chain)

	// Faults decided when the unit was made (docs/disk-fault-model.md).
	tear      bool   // may be torn inside at a crash
	misdirect int64  // -1, or the sector the data lands on
	latent    bool   // the sector becomes unreadable after a restart
	path      string // the file's path when tear is set (for the budget)
}

// writeOp is the write a sector unit comes from, described on demand.
type writeOp struct {
	path     string
	off, end int64
}

// describe says what made the unit, for crash-state reports.
func (u *unit) describe() string {
	if u.wr != nil {
		return "write " + u.wr.path + " [" + strconv.FormatInt(u.wr.off, 10) + "," +
			strconv.FormatInt(u.wr.end, 10) + ") sector " + strconv.FormatInt(u.sector, 10)
	}
	return u.op
}

type chainKey struct {
	kind unitKind
	a    uint64
	b    int64
	name string
}

// chains returns the unit's chains (one or two) without allocating.
func (u *unit) chains() ([2]chainKey, int) {
	switch u.kind {
	case uSector:
		return [2]chainKey{{uSector, u.ino, u.sector, ""}}, 1
	case uSize:
		return [2]chainKey{{uSize, u.ino, 0, ""}}, 1
	case uMeta:
		return [2]chainKey{{uMeta, u.ino, 0, ""}}, 1
	case uEntry:
		return [2]chainKey{{uEntry, u.dir, 0, u.name}}, 1
	case uRename:
		return [2]chainKey{{uEntry, u.dir, 0, u.name}, {uEntry, u.dir2, 0, u.name2}}, 2
	}
	return [2]chainKey{}, 0
}

// touches reports whether syncing inode ino makes u durable: the file's own
// units, or the entries of directory ino.
func (u *unit) touches(ino uint64) bool {
	switch u.kind {
	case uSector, uSize, uMeta:
		return u.ino == ino
	case uEntry:
		return u.dir == ino
	case uRename:
		return u.dir == ino || u.dir2 == ino
	}
	return false
}

// maxVersions bounds the pending versions of one sector, and maxPending
// the pending units of a disk: past them the oldest are written back (made
// durable), as a kernel under memory pressure writes dirty pages back.
const (
	maxVersions = 16
	maxPending  = 1 << 14
)

// chain is the pending units of one chain: a prefix of them settles at a
// time (fsync, writeback and crashes settle whole dependency-closed sets),
// so the head is the oldest pending unit.
type chain struct {
	head, tail *unit
	n          int
}

// chainTable maps chains to their pending units; sector chains, by far the
// most numerous, have a map without strings in the key.
type chainTable struct {
	sec   map[secKey]*chain
	other map[chainKey]*chain
}

func newChains() *chainTable {
	return &chainTable{sec: map[secKey]*chain{}, other: map[chainKey]*chain{}}
}

func (t *chainTable) get(k chainKey) *chain {
	if k.kind == uSector {
		return t.sec[secKey{k.a, k.b}]
	}
	return t.other[k]
}

func (t *chainTable) put(k chainKey, c *chain) {
	if k.kind == uSector {
		t.sec[secKey{k.a, k.b}] = c
	} else {
		t.other[k] = c
	}
}

func (t *chainTable) del(k chainKey) {
	if k.kind == uSector {
		delete(t.sec, secKey{k.a, k.b})
	} else {
		delete(t.other, k)
	}
}

// addUnit appends u to the pending list, linking it to its chains.
func (d *Disk) addUnit(u *unit) {
	d.seq++
	u.seq = d.seq
	u.when = d.now()
	if u.kind != uSector {
		u.misdirect = -1
	}
	ks, n := u.chains()
	var last *chain
	for _, k := range ks[:n] {
		c := d.chains.get(k)
		if c == nil {
			c = &chain{head: u}
			d.chains.put(k, c)
		} else {
			u.deps[u.ndeps] = c.tail
			u.ndeps++
			if n == 1 {
				c.tail.next = u
			}
		}
		c.tail = u
		c.n++
		last = c
	}
	d.pending = append(d.pending, u)
	if u.kind == uSector && last.n > maxVersions {
		// The oldest version of a sector depends on nothing pending; the
		// file's older size changes go first, to keep the sequence order
		// in which units reach the durable image.
		old := last.head
		if c := d.chains.get(chainKey{uSize, old.ino, 0, ""}); c != nil {
			for v := c.head; v != nil && v.state == pending && v.seq < old.seq; v = v.next {
				d.apply(d.dur, v, v.data)
				d.settle(v, durable)
			}
		}
		d.apply(d.dur, old, old.data)
		d.settle(old, durable)
		d.compact()
	}
	if live := len(d.pending) - d.settled; live > maxPending {
		n := 0
		d.writeBackWhile(func(*unit) bool { n++; return n <= live/2 })
		d.collectDurable()
	}
}

// writeBackWhile makes durable the oldest pending units while keep says
// so. A prefix of the pending units in sequence order is dependency-closed
// (a unit depends only on older ones), so no closure is needed.
func (d *Disk) writeBackWhile(keep func(*unit) bool) int {
	n := 0
	for _, x := range d.pending {
		if x.state != pending {
			continue
		}
		if !keep(x) {
			break
		}
		d.apply(d.dur, x, x.data)
		d.settle(x, durable)
		n++
	}
	d.compact()
	return n
}

// collectDurable drops the durable inodes that are neither reachable from
// the root nor named by a pending unit (files created and removed without a
// crash in between would otherwise pile up).
func (d *Disk) collectDurable() {
	keep := map[uint64]bool{}
	var walk func(ino uint64)
	walk = func(ino uint64) {
		if ino == 0 || keep[ino] {
			return
		}
		keep[ino] = true
		if n := d.dur.inodes[ino]; n != nil {
			for _, c := range n.ents {
				walk(c)
			}
		}
	}
	walk(rootIno)
	for _, u := range d.pending {
		if u.state == pending {
			walk(u.ino)
			walk(u.dir)
			walk(u.dir2)
		}
	}
	for ino := range d.dur.inodes {
		if !keep[ino] {
			delete(d.dur.inodes, ino)
		}
	}
}

// writeBack makes units durable because of memory pressure. It is not
// traced: it follows deterministically from the operations that are.
func (d *Disk) writeBack(us []*unit) {
	if len(us) > 0 {
		d.makeDurable(us)
	}
}

// settle marks u durable or dropped and unlinks it from its chains.
func (d *Disk) settle(u *unit, s unitState) {
	u.state = s
	d.settled++
	ks, n := u.chains()
	for _, k := range ks[:n] {
		c := d.chains.get(k)
		if c == nil {
			continue
		}
		if c.n--; c.n == 0 {
			d.chains.del(k)
		} else if c.head == u {
			c.head = u.next
		}
	}
}

// compact drops settled units from the pending list once they are at least
// half of it (settled units left in the list are skipped by everyone).
func (d *Disk) compact() {
	if d.settled*2 < len(d.pending) && len(d.pending) > 64 {
		return
	}
	out := d.pending[:0]
	for _, u := range d.pending {
		if u.state == pending {
			out = append(out, u)
		}
	}
	for i := len(out); i < len(d.pending); i++ {
		d.pending[i] = nil
	}
	d.pending = out
	d.settled = 0
}

// pendingUnits returns the units still pending, in sequence order.
func (d *Disk) pendingUnits() []*unit {
	if d.settled > 0 {
		d.settled = len(d.pending) // force a compaction
		d.compact()
	}
	return d.pending
}

// closure returns the pending units selected by pick and everything they
// depend on, in sequence order.
func closure(units []*unit, pick func(*unit) bool) []*unit {
	in := map[*unit]bool{}
	var add func(u *unit)
	add = func(u *unit) {
		if u.state != pending || in[u] {
			return
		}
		in[u] = true
		for _, dep := range u.deps[:u.ndeps] {
			add(dep)
		}
	}
	for _, u := range units {
		if u.state == pending && pick(u) {
			add(u)
		}
	}
	out := make([]*unit, 0, len(in))
	for u := range in {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

// makeDurable applies the units (a dependency-closed set in sequence order)
// to the durable image.
func (d *Disk) makeDurable(us []*unit) {
	for _, u := range us {
		d.apply(d.dur, u, u.data)
		d.settle(u, durable)
	}
	d.compact()
}

// durableInode returns the durable inode ino, creating it from its birth.
func (d *Disk) durableInode(im *image, ino uint64) *inode {
	n := im.inodes[ino]
	if n == nil {
		b, ok := d.births[ino]
		if !ok {
			b = birth{kind: kFile, perm: 0o644}
		}
		n = b.make(ino)
		im.inodes[ino] = n
	}
	return n
}

// apply applies one unit to a durable image. data is the sector content to
// write (the unit's, or a torn version of it at a crash).
func (d *Disk) apply(im *image, u *unit, data []byte) {
	switch u.kind {
	case uSector:
		n := d.durableInode(im, u.ino)
		s := int64(d.sectorSize)
		sec := u.sector
		if u.misdirect >= 0 {
			sec = u.misdirect
		}
		off := sec * s
		end := off + int64(len(data))
		if int64(len(n.data)) < end {
			if end < n.size && int64(cap(n.data)) < n.size {
				// One allocation for a file whose size is known.
				n.data = grow(slices.Grow(n.data, int(n.size-int64(len(n.data)))), end)
			} else {
				n.data = grow(n.data, end)
			}
		}
		copy(n.data[off:end], data)
		for i := end; i < off+s && i < int64(len(n.data)); i++ {
			n.data[i] = 0
		}
		if n.mtime < u.mtime {
			n.mtime = u.mtime
		}
		if im == d.dur {
			k := secKey{u.ino, sec}
			if u.latent {
				d.latent[k] = d.boot
			} else if len(d.latent) > 0 {
				delete(d.latent, k)
			}
		}
	case uSize:
		n := d.durableInode(im, u.ino)
		// Bytes past the smaller of the old and the new size are gone: a
		// shrink frees them, and the kernel zeroes the tail of a file
		// before extending it.
		keep := n.size
		if u.size < keep {
			keep = u.size
		}
		if int64(len(n.data)) > keep {
			n.data = n.data[:keep] // grow clears the tail if it comes back
		}
		n.size = u.size
		if n.mtime < u.mtime {
			n.mtime = u.mtime
		}
	case uMeta:
		n := d.durableInode(im, u.ino)
		n.perm, n.uid, n.gid, n.mtime = u.perm, u.uid, u.gid, u.mtime
	case uEntry:
		dir := d.durableInode(im, u.dir)
		if dir.ents == nil {
			return
		}
		if u.ino == 0 {
			delete(dir.ents, u.name)
		} else {
			d.durableInode(im, u.ino)
			dir.ents[u.name] = u.ino
		}
	case uRename:
		from := d.durableInode(im, u.dir)
		to := d.durableInode(im, u.dir2)
		if from.ents != nil {
			delete(from.ents, u.name)
		}
		if to.ents != nil {
			d.durableInode(im, u.ino)
			to.ents[u.name2] = u.ino
		}
	}
}

type secKey struct {
	ino    uint64
	sector int64
}
