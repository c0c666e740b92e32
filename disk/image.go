// This file defines the file-system images the model keeps: inodes (files,
// directories, symbolic links) in a table by number. The volatile image is
// what reads see; the durable image is what survives a crash. In the
// volatile image a file's size is len(data); in the durable image size is
// kept apart, because a crash may keep a file's new size without its data
// (the missing bytes read as zeros) or its data without its new size.

package disk

import (
	"crypto/sha256"
	"encoding/binary"
	"sort"
)

type kind uint8

const (
	kFile kind = iota + 1
	kDir
	kSymlink
)

const rootIno = 1

type inode struct {
	ino    uint64
	kind   kind
	perm   uint32 // permission and setuid/setgid/sticky bits (syscall form)
	uid    int
	gid    int
	mtime  int64 // wall-clock nanoseconds
	data   []byte
	size   int64             // durable image only; volatile size is len(data)
	ents   map[string]uint64 // directories
	target string            // symbolic links

	// volatile image only
	nlink int
	opens int
}

func (n *inode) isDir() bool { return n.kind == kDir }

// birth is how an inode was created: a durable inode is made from it when a
// surviving change first refers to it.
type birth struct {
	kind   kind
	perm   uint32
	uid    int
	gid    int
	mtime  int64
	target string
}

func (b birth) make(ino uint64) *inode {
	n := &inode{ino: ino, kind: b.kind, perm: b.perm, uid: b.uid, gid: b.gid, mtime: b.mtime, target: b.target}
	if b.kind == kDir {
		n.ents = map[string]uint64{}
	}
	return n
}

type image struct {
	inodes map[uint64]*inode
}

func newImage() *image { return &image{inodes: map[uint64]*inode{}} }

func (im *image) get(ino uint64) *inode { return im.inodes[ino] }

// clone deep-copies the image.
func (im *image) clone() *image {
	c := &image{inodes: make(map[uint64]*inode, len(im.inodes))}
	for ino, n := range im.inodes {
		m := *n
		m.data = append([]byte(nil), n.data...)
		if n.ents != nil {
			m.ents = make(map[string]uint64, len(n.ents))
			for k, v := range n.ents {
				m.ents[k] = v
			}
		}
		c.inodes[ino] = &m
	}
	return c
}

// collect drops the inodes not reachable from the root and trims every
// file's data to its size (as fsck and the journal would after a crash).
func (im *image) collect() {
	seen := map[uint64]bool{}
	var walk func(ino uint64)
	walk = func(ino uint64) {
		if seen[ino] {
			return
		}
		n := im.inodes[ino]
		if n == nil {
			return
		}
		seen[ino] = true
		for _, c := range n.ents {
			walk(c)
		}
	}
	walk(rootIno)
	for ino, n := range im.inodes {
		if !seen[ino] {
			delete(im.inodes, ino)
			continue
		}
		if n.kind == kFile && int64(len(n.data)) > n.size {
			n.data = append([]byte(nil), n.data[:n.size]...)
		}
	}
	// Directory entries naming an inode that was never made durable are
	// dropped: the entry cannot point to nothing.
	for _, n := range im.inodes {
		for name, c := range n.ents {
			if im.inodes[c] == nil {
				delete(n.ents, name)
			}
		}
	}
}

// volatileFrom builds a volatile image from a collected durable image: data
// padded or cut to the size, link counts computed.
func volatileFrom(dur *image) *image {
	v := dur.clone()
	for _, n := range v.inodes {
		if n.kind == kFile {
			n.data = grow(n.data, n.size)
		}
		n.size = 0
		n.nlink = 0
		n.opens = 0
	}
	for _, n := range v.inodes {
		if n.kind == kDir {
			n.nlink++ // "."
		}
		for _, c := range n.ents {
			if m := v.inodes[c]; m != nil {
				m.nlink++
				if m.kind == kDir {
					n.nlink++ // the child's ".."
				}
			}
		}
	}
	if r := v.inodes[rootIno]; r != nil {
		r.nlink++
	}
	return v
}

// grow returns b with length n: cut, or extended with zeros (bytes past
// len(b) in its capacity are cleared, never re-exposed).
func grow(b []byte, n int64) []byte {
	if int64(len(b)) >= n {
		return b[:n]
	}
	old := len(b)
	if int64(cap(b)) < n {
		c := 2 * int64(cap(b))
		if c < n {
			c = n
		}
		nb := make([]byte, n, c)
		copy(nb, b)
		return nb
	}
	b = b[:n]
	clear(b[old:])
	return b
}

// fingerprint hashes the tree reachable from the root of a collected
// durable image: names, kinds, modes, sizes, contents and link targets
// (inode numbers and times are left out, so two crash states that differ
// only in them are the same state).
func (im *image) fingerprint() [32]byte {
	h := sha256.New()
	var buf [8]byte
	num := func(x uint64) {
		binary.LittleEndian.PutUint64(buf[:], x)
		h.Write(buf[:])
	}
	str := func(s string) {
		num(uint64(len(s)))
		h.Write([]byte(s))
	}
	var walk func(ino uint64, depth int)
	walk = func(ino uint64, depth int) {
		n := im.inodes[ino]
		num(uint64(n.kind))
		num(uint64(n.perm))
		switch n.kind {
		case kFile:
			num(uint64(n.size))
			d := n.data
			if int64(len(d)) > n.size {
				d = d[:n.size]
			}
			h.Write(d)
			num(uint64(n.size - int64(len(d)))) // zero tail
		case kSymlink:
			str(n.target)
		case kDir:
			if depth > 256 {
				return
			}
			names := make([]string, 0, len(n.ents))
			for name := range n.ents {
				names = append(names, name)
			}
			sort.Strings(names)
			num(uint64(len(names)))
			for _, name := range names {
				str(name)
				walk(n.ents[name], depth+1)
			}
		}
	}
	walk(rootIno, 0)
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

// tree returns the files of an image as path -> content (directories as
// path + "/" -> "", symbolic links as path -> "-> target"), for tests and
// crash-state reports. durable says how to read file sizes.
func (im *image) tree(durable bool) map[string]string {
	out := map[string]string{}
	var walk func(prefix string, ino uint64, depth int)
	walk = func(prefix string, ino uint64, depth int) {
		n := im.inodes[ino]
		if n == nil || depth > 256 {
			return
		}
		for name, c := range n.ents {
			m := im.inodes[c]
			if m == nil {
				continue
			}
			p := prefix + "/" + name
			switch m.kind {
			case kDir:
				out[p+"/"] = ""
				walk(p, c, depth+1)
			case kSymlink:
				out[p] = "-> " + m.target
			default:
				size := int64(len(m.data))
				if durable {
					size = m.size
				}
				out[p] = string(grow(append([]byte(nil), m.data...), size))
			}
		}
	}
	walk("", rootIno, 0)
	return out
}
