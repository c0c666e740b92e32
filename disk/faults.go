// This file defines fault injection: the fault scope (which files may be
// hit, by which kinds), the world's recoverability budget (how many disks
// may be hit under one prefix), the seeded draws, and corruption derived from
// content. See docs/disk-fault-model.md, sections 3 and 4.

package disk

import (
	"hash/crc32"
	"strings"

	"github.com/marionette-dst/marionette/runtime"
)

// Faults is a set of fault kinds.
type Faults uint32

// Fault kinds a scope may allow.
const (
	ReadErrors   Faults = 1 << iota // EIO on read (options disk.read_error)
	WriteErrors                     // EIO on write and truncate (disk.write_error)
	SyncErrors                      // EIO on sync, dropping the pending data (disk.sync_error)
	NoSpace                         // ENOSPC past disk.capacity
	Corruption                      // flipped bytes on read (disk.corrupt)
	Misdirection                    // writes landing elsewhere (disk.misdirect)
	LatentErrors                    // EIO after a restart (disk.latent)
	TornWrites                      // pending sectors torn inside at a crash (disk.crash_tear)

	// AllFaults is every kind.
	AllFaults = ReadErrors | WriteErrors | SyncErrors | NoSpace | Corruption | Misdirection | LatentErrors | TornWrites
)

var faultNames = []string{"read-error", "write-error", "sync-error", "no-space", "corruption", "misdirection", "latent-error", "torn-write"}

func (f Faults) String() string {
	var parts []string
	for i, n := range faultNames {
		if f&(1<<i) != 0 {
			parts = append(parts, n)
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "|")
}

type scopeRule struct {
	prefix string
	kinds  Faults
}

// AllowFaults declares that faults of the given kinds may hit the files
// below prefix (an absolute path; "/" is every file). Rules add up.
func (d *Disk) AllowFaults(prefix string, kinds Faults) {
	d.mu.Lock()
	defer d.unlock()
	d.scope = append(d.scope, scopeRule{cleanPath(prefix), kinds})
	d.trace("disk.scope", int64(kinds), prefix+" "+kinds.String())
}

func under(p, prefix string) bool {
	return prefix == "/" || p == prefix || strings.HasPrefix(p, prefix) && p[len(prefix)] == '/'
}

// inScope reports whether a fault of kind k may hit the file at path p.
func (d *Disk) inScope(p string, k Faults) bool {
	if d.quiet {
		return false
	}
	if d.opts.FaultScope == runtime.FaultScopeAll {
		return true
	}
	for _, r := range d.scope {
		if r.kinds&k != 0 && under(p, r.prefix) {
			return true
		}
	}
	return false
}

// budget bounds how many disks of a world may take faults under a prefix.
type budget struct {
	prefix   string
	maxDisks int
	faulty   []string // disk names, in the order they took their first fault
}

// SetBudget bounds, in world w, how many disks may ever take a fault in a
// file below prefix: the first maxDisks disks to take one are the faulty
// ones; faults drawn on the others are suppressed. For n = 2f+1 replicas,
// SetBudget(w, "/data/log", f) never faults the same log on a majority.
func SetBudget(w *runtime.World, prefix string, maxDisks int) {
	r := registryOf(w)
	r.budgets = append(r.budgets, &budget{prefix: cleanPath(prefix), maxDisks: maxDisks})
	w.Trace("disk.budget", nil, int64(maxDisks), prefix)
}

// admit reports whether the budget lets a fault hit path p of d, and
// records d as faulty under the budgets it now counts against.
func (d *Disk) admit(p string) bool {
	if d.w == nil {
		return true
	}
	r := registryOf(d.w)
	for _, b := range r.budgets {
		if !under(p, b.prefix) || contains(b.faulty, d.name) {
			continue
		}
		if len(b.faulty) >= b.maxDisks {
			return false
		}
	}
	for _, b := range r.budgets {
		if under(p, b.prefix) && !contains(b.faulty, d.name) {
			b.faulty = append(b.faulty, d.name)
		}
	}
	return true
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// fault draws a fault of kind k with probability p on the file at path,
// within the scope and the budget, and traces it.
func (d *Disk) fault(k Faults, prob float64, path string) bool {
	if prob <= 0 || !d.inScope(path, k) {
		return false
	}
	if d.rng.Float64() >= prob {
		return false
	}
	if !d.admit(path) {
		d.trace("disk.fault.suppressed", int64(k), k.String()+" "+path)
		return false
	}
	d.trace("disk.fault", int64(k), k.String()+" "+path)
	return true
}

// corruption returns the bytes of a sector (content: the whole sector as
// stored) that a read of a file in the scope sees flipped, as positions in
// the sector and masks. Whether the sector is corrupt and which bytes flip is
// a hash of the seed, the disk, the file, the sector and its content, so a
// retried read sees the same corruption and rewriting the sector draws again.
func (d *Disk) corruption(path string, ino uint64, sector int64, content []byte) []flip {
	p := d.opts.Corrupt
	if p <= 0 || len(content) == 0 || !d.inScope(path, Corruption) {
		return nil
	}
	h := mix64(d.salt ^ mix64(ino*0x9e3779b97f4a7c15^uint64(sector)) ^ uint64(crc32.Checksum(content, castagnoli))<<17)
	if float64(h>>11)/(1<<53) >= p {
		return nil
	}
	if !d.admit(path) {
		return nil
	}
	n := 1 + int(h%3)
	flips := make([]flip, n)
	for i := range flips {
		h = mix64(h + uint64(i) + 1)
		flips[i] = flip{pos: int(h % uint64(len(content))), mask: byte(1) << (h >> 8 % 8)}
	}
	return flips
}

type flip struct {
	pos  int
	mask byte
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)
