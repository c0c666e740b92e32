// This file defines the Disk, the world's table of named disks, how a node
// finds its disk, and the package-level functions tests call on the calling
// goroutine's disk.

package disk

import (
	"math/rand/v2"
	"sync"
	"time"

	"github.com/marionette-dst/marionette/runtime"
)

// Disk is one simulated disk: a volatile image (what reads see), a durable
// image (what survives a crash), the pending changes between them, and the
// fault state. Its methods are safe for concurrent use, but a simulated disk
// belongs to one world and is meant to be used by that world's goroutines.
type Disk struct {
	mu   sync.Mutex
	name string
	w    *runtime.World // nil for a disk made with New outside a world
	opts runtime.DiskOptions
	rng  *rand.Rand

	sectorSize int
	vol        *image
	dur        *image
	births     map[uint64]birth
	nextIno    uint64
	used       int64 // bytes in use (volatile), sectors rounded

	seq     uint64
	pending []*unit // in sequence order; may hold settled units (skip them)
	settled int     // settled units still in pending
	chains  *chainTable

	boot    uint64 // current boot; descriptors of another boot are stale
	bootSeq uint64
	crashes int
	latent  map[secKey]uint64 // latent sector -> boot in which it was written

	scope     []scopeRule
	events    []event // trace events to deliver at unlock
	quiet     bool    // no latency, faults or random crashes (crash-state enumeration)
	onCrash   func()
	salt      uint64 // per-disk hash salt (directory order, corruption)
	preloaded bool   // Preload ran
}

// New makes a disk outside any world (for tests of the model): no latency,
// no trace; randomness comes from seed.
func New(name string, opts runtime.DiskOptions, seed uint64) *Disk {
	return newDisk(nil, name, opts, runtime.NewStream(seed, runtime.StreamDisk))
}

func newDisk(w *runtime.World, name string, opts runtime.DiskOptions, rng *rand.Rand) *Disk {
	d := &Disk{
		name:    name,
		w:       w,
		opts:    opts,
		rng:     rng,
		births:  map[uint64]birth{},
		chains:  newChains(),
		latent:  map[secKey]uint64{},
		nextIno: rootIno + 1,
		boot:    1,
		bootSeq: 1,
	}
	d.sectorSize = opts.SectorSize
	if d.sectorSize <= 0 {
		d.sectorSize = 512
	}
	var seed uint64
	if w != nil {
		seed = w.Options().Seed
	}
	d.salt = mixString(seed^0x6a09e667f3bcc909, name)
	now := d.wallNow()
	d.dur = newImage()
	root := &inode{ino: rootIno, kind: kDir, perm: 0o755, mtime: now, ents: map[string]uint64{}}
	d.dur.inodes[rootIno] = root
	d.births[rootIno] = birth{kind: kDir, perm: 0o755, mtime: now}
	tmp := d.allocIno()
	d.births[tmp] = birth{kind: kDir, perm: 0o777 | sIsvtx, mtime: now}
	d.dur.inodes[tmp] = d.births[tmp].make(tmp)
	root.ents["tmp"] = tmp
	d.vol = volatileFrom(d.dur)
	d.recount()
	return d
}

// Name returns the disk's name.
func (d *Disk) Name() string { return d.name }

// World returns the disk's world (nil for a disk made with New).
func (d *Disk) World() *runtime.World { return d.w }

// Options returns the disk's options.
func (d *Disk) Options() runtime.DiskOptions { return d.opts }

func (d *Disk) allocIno() uint64 {
	ino := d.nextIno
	d.nextIno++
	return ino
}

// now is the simulated time, for writeback ages.
func (d *Disk) now() int64 {
	if d.w == nil {
		return 0
	}
	return int64(d.w.Now())
}

// wallNow is the simulated wall clock in nanoseconds, for modification
// times.
func (d *Disk) wallNow() int64 {
	if d.w == nil {
		return runtime.DefaultEpoch.UnixNano()
	}
	return d.w.Wall().UnixNano()
}

// trace records a disk event in the world's trace. Events made while the
// disk is locked are delivered when it is unlocked (unlock), so a checker
// that observes them may use the disk.
func (d *Disk) trace(kind string, arg int64, detail string) {
	if d.w == nil {
		return
	}
	var g *runtime.G
	if c := runtime.Lookup(); c != nil && c.World() == d.w && c.Node() != nil {
		g = c
	}
	d.events = append(d.events, event{kind, g, arg, d.name + " " + detail})
}

type event struct {
	kind   string
	g      *runtime.G
	arg    int64
	detail string
}

// unlock unlocks the disk and delivers the trace events made meanwhile.
func (d *Disk) unlock() {
	evs := d.events
	d.events = nil
	d.mu.Unlock()
	for _, e := range evs {
		d.w.Trace(e.kind, e.g, e.arg, e.detail)
	}
}

// recount recomputes the space in use from the volatile image.
func (d *Disk) recount() {
	d.used = 0
	for _, n := range d.vol.inodes {
		d.used += d.footprint(int64(len(n.data)))
	}
}

// footprint is the space a file of size bytes takes: its data rounded up to
// sectors, plus one sector for the inode.
func (d *Disk) footprint(size int64) int64 {
	s := int64(d.sectorSize)
	return (size+s-1)/s*s + s
}

// Pending returns the number of changes not yet durable.
func (d *Disk) Pending() int {
	d.mu.Lock()
	defer d.unlock()
	return len(d.pending) - d.settled
}

// Crashes returns how many times the disk has crashed.
func (d *Disk) Crashes() int {
	d.mu.Lock()
	defer d.unlock()
	return d.crashes
}

// Boot identifies the disk's current boot: it changes at every crash, so a
// harness can tell that a crash happened.
func (d *Disk) Boot() uint64 {
	d.mu.Lock()
	defer d.unlock()
	return d.boot
}

// Files returns the volatile contents of the disk as path -> content
// (directories end in "/", symbolic links read "-> target").
func (d *Disk) Files() map[string]string {
	d.mu.Lock()
	defer d.unlock()
	return d.vol.tree(false)
}

// DurableFiles returns what would survive if every pending change were
// lost, in the form of Files.
func (d *Disk) DurableFiles() map[string]string {
	d.mu.Lock()
	defer d.unlock()
	im := d.dur.clone()
	im.collect()
	return im.tree(true)
}

// SetCrashHandler installs the function a random crash (options
// disk.crash_probability, per operation) calls, for example the node's
// Crash; the disk crashes too if the handler did not crash it. Random
// crashes per operation are drawn only on disks with a handler (node crashes
// driven by the runtime's node faults need none).
func (d *Disk) SetCrashHandler(f func()) {
	d.mu.Lock()
	d.onCrash = f
	d.mu.Unlock()
}

// registry is a world's table of disks.
type registry struct {
	disks   map[string]*Disk
	budgets []*budget
}

type registryKey struct{}
type nodeDiskKey struct{}

// registryOf returns the world's disk table, installing the disk's part of
// the node life cycle on first use: a node crash crashes its disk, and the
// node-fault driver weighs a node's crash probability by its pending writes.
func registryOf(w *runtime.World) *registry {
	return w.Local(registryKey{}, func() any {
		w.OnAll(runtime.HookCrash, func(n *runtime.Node) { Of(n).Crash() })
		w.OnAll(runtime.HookStart, watchPending)
		for _, n := range w.Nodes() {
			watchPending(n)
		}
		return &registry{disks: map[string]*Disk{}}
	}).(*registry)
}

func watchPending(n *runtime.Node) {
	n.SetPendingWrites(func() bool { return Of(n).Pending() > 0 })
}

// For returns the world's disk called name, creating it (empty but for / and
// /tmp) with the world's disk options.
func For(w *runtime.World, name string) *Disk {
	r := registryOf(w)
	d := r.disks[name]
	if d == nil {
		d = newDisk(w, name, w.Options().Disk, w.Rand(runtime.StreamDisk))
		r.disks[name] = d
		d.mu.Lock()
		d.trace("disk.new", 0, "")
		d.unlock()
	}
	return d
}

// Of returns the disk attached to a node: the one given to Attach, else the
// world's disk named after the node.
func Of(n *runtime.Node) *Disk {
	return n.Local(nodeDiskKey{}, func() any { return For(n.World(), n.Name()) }).(*Disk)
}

// Attach makes d the disk of node n (before n uses a disk).
func Attach(n *runtime.Node, d *Disk) {
	n.Local(nodeDiskKey{}, func() any { return d })
}

// Current returns the disk of the calling goroutine's node, or nil outside
// a simulation. From an event callback it is the default node's disk.
func Current() *Disk {
	if g := runtime.Current(); g != nil {
		if n := g.Node(); n != nil {
			return Of(n)
		}
		return Of(g.World().DefaultNode())
	}
	if g := runtime.Lookup(); g != nil {
		return Of(g.World().DefaultNode())
	}
	return nil
}

// Crash crashes the calling goroutine's disk (see (*Disk).Crash) and reports
// whether there was one: outside a simulation it does nothing, as a real
// program's files simply stay as they are.
func Crash() bool {
	d := Current()
	if d == nil {
		return false
	}
	d.Crash()
	return true
}

// AllowFaults declares, on the calling goroutine's disk, that faults of the
// given kinds may hit files below prefix. Outside a simulation it does
// nothing.
func AllowFaults(prefix string, kinds Faults) {
	if d := Current(); d != nil {
		d.AllowFaults(prefix, kinds)
	}
}

// sleep parks the calling simulated goroutine for min + Exp(mean) of
// simulated time.
func (d *Disk) sleep(min, mean time.Duration) {
	if d.w == nil || d.quiet {
		return
	}
	g := runtime.Current()
	if g == nil || g.World() != d.w {
		return
	}
	d.mu.Lock()
	dur := min
	if mean > 0 {
		dur += time.Duration(d.rng.ExpFloat64() * float64(mean))
	}
	d.mu.Unlock()
	g.Sleep(dur) // without latency, a preemption point (a system call is one)
}

func mixString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 0x100000001b3
	}
	return mix64(h)
}

func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
