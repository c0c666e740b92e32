// This file defines the simulated process of a node: its disk, working
// directory, environment, umask, process id and descriptor table, kept in
// the node's local state; and how a call finds the process it runs in.

package os

import (
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/marionette-dst/marionette/disk"
	"github.com/marionette-dst/marionette/runtime"
)

// streamOS is the world sub-stream of the shim's own draws (temporary
// names).
const streamOS = "os"

type proc struct {
	w     *runtime.World
	node  *runtime.Node
	disk  *disk.Disk
	cwd   string
	env   []string // "key=value", in insertion order, as the C environment
	umask uint32
	pid   int
	fds   map[int]handle
	std   [4]*stdioHandle // Stdin, Stdout, Stderr under simulation
	pipes uint64
}

type procKey struct{}
type hooksKey struct{}

// procSlot holds a node's current process; it is emptied when the process
// ends (exit or crash), so a restarted node starts a fresh one.
type procSlot struct{ p *proc }

// procOf returns the simulated process of node n, creating it: the real
// environment copied (less the observation variables, runtime.NodeEnviron),
// working directory runtime.WorkDir (a test's package directory, its files
// on the disk) or "/", umask 022, TempDir created.
func procOf(n *runtime.Node) *proc {
	w := n.World()
	slot := n.Local(procKey{}, func() any {
		w.Local(hooksKey{}, func() any {
			w.OnAll(runtime.HookExit, endProc)
			w.OnAll(runtime.HookCrash, endProc)
			return true
		})
		return &procSlot{}
	}).(*procSlot)
	if slot.p == nil {
		p := &proc{
			w:     w,
			node:  n,
			disk:  disk.Of(n),
			cwd:   "/",
			env:   runtime.NodeEnviron(),
			umask: 0o022,
			pid:   1000 + n.ID(),
			fds:   map[int]handle{},
		}
		p.disk.MkdirAllDurable(p.tempDir(), 0o777|syscall.S_ISVTX)
		if wd := runtime.WorkDir(); wd != "" {
			p.disk.Preload(workFiles(wd)) // workdir.go
			p.cwd = wd
		}
		slot.p = p
	}
	return slot.p
}

// endProc ends a node's process: its descriptors are closed (as the kernel
// closes a dead process's) and the next call starts a new process.
func endProc(n *runtime.Node) {
	slot, ok := n.Local(procKey{}, func() any { return &procSlot{} }).(*procSlot)
	if !ok || slot.p == nil {
		return
	}
	p := slot.p
	slot.p = nil
	fds := make([]int, 0, len(p.fds))
	for fd := range p.fds {
		fds = append(fds, fd)
	}
	sort.Ints(fds)
	for _, fd := range fds {
		if h := p.fds[fd]; h != nil {
			h.close()
		}
	}
}

// sim returns the simulated process the caller runs in, or nil outside a
// simulation (the shim then forwards to std). From an event callback it is
// the default node's. A goroutine no world started that calls it while
// worlds run is reported as foreign by runtime.Current and never returns.
func sim() *proc {
	if g := runtime.Current(); g != nil {
		n := g.Node()
		if n == nil {
			n = g.World().DefaultNode()
		}
		return procOf(n)
	}
	if g := runtime.Lookup(); g != nil {
		return procOf(g.World().DefaultNode())
	}
	return nil
}

// allocFD returns the lowest free descriptor number from 3.
func (p *proc) allocFD(h handle) int {
	for fd := 3; ; fd++ {
		if _, used := p.fds[fd]; !used {
			p.fds[fd] = h
			return fd
		}
	}
}

func (p *proc) freeFD(fd int) { delete(p.fds, fd) }

func (p *proc) getenv(key string) (string, bool) {
	for i := 0; i < len(p.env); i++ {
		if k, v, ok := strings.Cut(p.env[i], "="); ok && k == key {
			return v, true
		}
	}
	return "", false
}

func (p *proc) tempDir() string {
	if dir, _ := p.getenv("TMPDIR"); dir != "" {
		return dir
	}
	return "/tmp"
}

// location is where file times are shown: the simulated clock's.
func (p *proc) location() *time.Location { return p.w.Options().Epoch.Location() }

// errno turns a disk result into an error (nil for 0).
func errno(e syscall.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}
