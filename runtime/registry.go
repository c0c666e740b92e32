// This file maps native goroutines to the simulated goroutines they run, so a
// shim can find its world without any package-level simulation state. The
// registry is process infrastructure (like the Go scheduler's own tables): it
// holds no simulation state, and each world's goroutines are its own.
//
// Every shim call looks its caller up, so reads are lock-free: each shard is
// an open-addressing table published through an atomic pointer. Writers
// (goroutine start and exit) take the shard's mutex, update slots in place
// with atomic stores, and publish a rebuilt table when it fills with
// tombstones. A reader looks up only its own goroutine, whose entry is
// written before that goroutine runs and removed after it stops, so any
// table version it loads holds the right answer.

package runtime

import (
	"sync"
	"sync/atomic"
)

const registryShards = 64

type regSlot struct {
	key atomic.Uintptr // 0 empty, tombstone deleted, else a g address
	g   atomic.Pointer[G]
}

const tombstone = 1

type regTable struct {
	slots []regSlot // power of two
	used  int       // live + tombstones (guarded by the shard mutex)
	live  int
}

type registryShard struct {
	mu  sync.Mutex
	tab atomic.Pointer[regTable]
	_   [48]byte // keep shards on separate cache lines
}

var registry [registryShards]registryShard

// activeWorlds counts worlds currently inside Run. A shim called from a
// goroutine that no world owns while this is non-zero is a foreign goroutine.
var activeWorlds atomic.Int64

func shardOf(gp uintptr) *registryShard {
	return &registry[(gp>>6^gp>>13)%registryShards]
}

func slotHash(gp uintptr) uintptr { return (gp >> 4) * 0x9e3779b97f4a7c15 >> 7 }

func register(gp uintptr, g *G) {
	s := shardOf(gp)
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tab.Load()
	if t == nil || (t.used+1)*4 > len(t.slots)*3 {
		t = rebuild(t, max(16, 4*(liveOf(t)+1)))
		s.tab.Store(t)
	}
	mask := uintptr(len(t.slots) - 1)
	for i := slotHash(gp) & mask; ; i = (i + 1) & mask {
		sl := &t.slots[i]
		k := sl.key.Load()
		if k == gp {
			sl.g.Store(g)
			return
		}
		if k == 0 {
			sl.g.Store(g)
			sl.key.Store(gp)
			t.used++
			t.live++
			return
		}
	}
}

func unregister(gp uintptr) {
	s := shardOf(gp)
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tab.Load()
	if t == nil {
		return
	}
	mask := uintptr(len(t.slots) - 1)
	for i := slotHash(gp) & mask; ; i = (i + 1) & mask {
		sl := &t.slots[i]
		k := sl.key.Load()
		if k == 0 {
			return
		}
		if k == gp {
			sl.key.Store(tombstone)
			sl.g.Store(nil)
			t.live--
			return
		}
	}
}

func liveOf(t *regTable) int {
	if t == nil {
		return 0
	}
	return t.live
}

// rebuild copies the live entries of t into a new table of at least n slots.
func rebuild(t *regTable, n int) *regTable {
	size := 16
	for size < n {
		size *= 2
	}
	nt := &regTable{slots: make([]regSlot, size)}
	if t == nil {
		return nt
	}
	mask := uintptr(size - 1)
	for i := range t.slots {
		k := t.slots[i].key.Load()
		if k <= tombstone {
			continue
		}
		for j := slotHash(k) & mask; ; j = (j + 1) & mask {
			if nt.slots[j].key.Load() == 0 {
				nt.slots[j].g.Store(t.slots[i].g.Load())
				nt.slots[j].key.Store(k)
				nt.used++
				nt.live++
				break
			}
		}
	}
	return nt
}

func lookup(gp uintptr) *G {
	t := shardOf(gp).tab.Load()
	if t == nil {
		return nil
	}
	mask := uintptr(len(t.slots) - 1)
	for i := slotHash(gp) & mask; ; i = (i + 1) & mask {
		sl := &t.slots[i]
		switch sl.key.Load() {
		case gp:
			return sl.g.Load()
		case 0:
			return nil
		}
	}
}
