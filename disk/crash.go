// This file defines crashes: resolving the pending units by the model (a
// seeded, dependency-respecting subset survives, possibly torn), and
// enumerating every state a crash could leave (ALICE-style), with a way to
// run a recovery check on each.

package disk

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
)

// Crash crashes the disk as a power loss would: every durable change stays;
// of the pending ones, in order, each whose dependencies survived survives
// with probability disk.crash_keep (a surviving pending sector of a file in
// the fault scope may be torn inside, disk.crash_tear); the rest is lost.
// The volatile image becomes what survived, and every descriptor opened
// before fails with EIO from now on (its process is gone). A test keeps
// using the disk as a restarted program would.
func (d *Disk) Crash() {
	d.mu.Lock()
	defer d.unlock()
	d.crashLocked("crash")
}

func (d *Disk) crashLocked(why string) {
	kept, lost, torn := 0, 0, 0
	survived := map[*unit]bool{}
	for _, u := range d.pendingUnits() {
		ok := true
		for _, dep := range u.deps[:u.ndeps] {
			if dep.state == pending && !survived[dep] {
				ok = false
				break
			}
		}
		if !ok || d.rng.Float64() >= d.opts.CrashKeep {
			lost++
			continue
		}
		survived[u] = true
		kept++
		data := u.data
		if u.kind == uSector && u.tear && len(data) > 1 && d.rng.Float64() < d.opts.CrashTear && d.admit(u.path) {
			data = d.tornSector(u)
			torn++
			d.trace("disk.fault", int64(TornWrites), TornWrites.String()+" "+u.path)
		}
		d.apply(d.dur, u, data)
	}
	for _, u := range d.pending {
		u.state = dropped
	}
	d.pending, d.settled = nil, 0
	d.chains = newChains()
	d.dur.collect()
	d.vol = volatileFrom(d.dur)
	d.recount()
	d.bootSeq++
	d.boot = d.bootSeq
	d.crashes++
	d.trace("disk.crash", int64(kept), why+" kept="+strconv.Itoa(kept)+" lost="+strconv.Itoa(lost)+" torn="+strconv.Itoa(torn))
}

// tornSector returns a sector that kept a prefix of its new content and the
// rest of the old one.
func (d *Disk) tornSector(u *unit) []byte {
	s := int64(d.sectorSize)
	sec := u.sector
	if u.misdirect >= 0 {
		sec = u.misdirect
	}
	old := make([]byte, len(u.data))
	if n := d.dur.inodes[u.ino]; n != nil && sec*s < int64(len(n.data)) {
		copy(old, n.data[sec*s:])
	}
	cut := 1 + d.rng.IntN(len(u.data)-1)
	out := append([]byte(nil), u.data[:cut]...)
	return append(out, old[cut:]...)
}

// ErrTooManyStates is returned when a crash-state enumeration passes its
// limit.
var ErrTooManyStates = errors.New("disk: too many crash states")

// CrashState is one state a crash could leave.
type CrashState struct {
	Index int               // in enumeration order, from 0 (nothing pending survived)
	Kept  []string          // the pending changes that survived
	Lost  []string          // the pending changes that were lost
	Files map[string]string // the files after the crash, as Files returns them

	img *image
}

func (s CrashState) String() string {
	return fmt.Sprintf("crash state %d (kept %v; lost %v)", s.Index, s.Kept, s.Lost)
}

// CrashStates returns every distinct state a crash now could leave: one per
// dependency-closed subset of the pending changes, deduplicated by content
// (two subsets leaving the same files are one state). Torn-inside sectors
// are not enumerated; torn writes at sector boundaries are. At most limit
// subsets are explored, beyond which it returns ErrTooManyStates.
func (d *Disk) CrashStates(limit int) ([]CrashState, error) {
	d.mu.Lock()
	defer d.unlock()
	return d.crashStates(limit)
}

func (d *Disk) crashStates(limit int) ([]CrashState, error) {
	units := append([]*unit(nil), d.pendingUnits()...)
	index := map[*unit]int{}
	for i, u := range units {
		index[u] = i
	}
	in := make([]bool, len(units))
	seen := map[[32]byte]bool{}
	var states []CrashState
	explored := 0
	var rec func(i int) error
	rec = func(i int) error {
		if i == len(units) {
			explored++
			if explored > limit {
				return fmt.Errorf("%w: more than %d subsets of %d pending changes", ErrTooManyStates, limit, len(units))
			}
			img := d.dur.clone()
			var kept, lost []string
			for j, u := range units {
				if in[j] {
					d.apply(img, u, u.data)
					kept = append(kept, u.describe())
				} else {
					lost = append(lost, u.describe())
				}
			}
			img.collect()
			fp := img.fingerprint()
			if seen[fp] {
				return nil
			}
			seen[fp] = true
			states = append(states, CrashState{Index: len(states), Kept: kept, Lost: lost, Files: img.tree(true), img: img})
			return nil
		}
		in[i] = false
		if err := rec(i + 1); err != nil {
			return err
		}
		for _, dep := range units[i].deps[:units[i].ndeps] {
			if j, ok := index[dep]; ok && !in[j] {
				return nil
			}
		}
		in[i] = true
		err := rec(i + 1)
		in[i] = false
		return err
	}
	if err := rec(0); err != nil {
		return nil, err
	}
	return states, nil
}

// saved is a disk's state set aside during an enumeration.
type saved struct {
	vol, dur *image
	pending  []*unit
	settled  int
	chains   *chainTable
	boot     uint64
	used     int64
	quiet    bool
}

// ForEachCrashState runs check once per state CrashStates(limit) returns,
// with the disk switched to that state as after a restart: a new boot (the
// caller's open descriptors fail with EIO meanwhile), no latency and no
// faults. Afterwards the disk is exactly as before, pending changes and
// descriptors included. The first error from check stops the enumeration
// and is returned with the state it happened in. Call it from one goroutine
// while no other goroutine uses the disk.
func (d *Disk) ForEachCrashState(limit int, check func(CrashState) error) error {
	d.mu.Lock()
	states, err := d.crashStates(limit)
	if err != nil {
		d.unlock()
		return err
	}
	sv := saved{vol: d.vol, dur: d.dur, pending: d.pending, settled: d.settled, chains: d.chains, boot: d.boot, used: d.used, quiet: d.quiet}
	d.trace("disk.enumerate", int64(len(states)), "")
	d.unlock()
	defer func() {
		d.mu.Lock()
		d.vol, d.dur, d.pending, d.settled, d.chains, d.boot, d.used, d.quiet = sv.vol, sv.dur, sv.pending, sv.settled, sv.chains, sv.boot, sv.used, sv.quiet
		d.mu.Unlock()
	}()
	for _, s := range states {
		d.mu.Lock()
		d.dur = s.img.clone()
		d.vol = volatileFrom(d.dur)
		d.pending, d.settled = nil, 0
		d.chains = newChains()
		d.bootSeq++
		d.boot = d.bootSeq
		d.quiet = true
		d.recount()
		d.mu.Unlock()
		if err := check(s); err != nil {
			return fmt.Errorf("%v: %w", s, err)
		}
	}
	return nil
}

// sortByHash orders directory entries by a salted hash of their names.
func sortByHash(ents []Dirent, salt uint64) {
	keys := make(map[string]uint64, len(ents))
	for _, e := range ents {
		keys[e.Name] = mixString(salt, e.Name)
	}
	sort.Slice(ents, func(i, j int) bool {
		a, b := keys[ents[i].Name], keys[ents[j].Name]
		if a != b {
			return a < b
		}
		return ents[i].Name < ents[j].Name
	})
}
