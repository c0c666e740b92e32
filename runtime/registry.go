// This file maps native goroutines to the simulated goroutines they run, so a
// shim can find its world without any package-level simulation state. The
// registry is process infrastructure (like the Go scheduler's own tables): it
// holds no simulation state, and each world's goroutines are its own.

package runtime

import (
	"sync"
	"sync/atomic"
)

const registryShards = 64

type registryShard struct {
	mu sync.RWMutex
	m  map[uintptr]*G
	_  [40]byte // keep shards on separate cache lines
}

var registry [registryShards]registryShard

// activeWorlds counts worlds currently inside Run. A shim called from a
// goroutine that no world owns while this is non-zero is a foreign goroutine.
var activeWorlds atomic.Int64

func shardOf(gp uintptr) *registryShard {
	return &registry[(gp>>6^gp>>13)%registryShards]
}

func register(gp uintptr, g *G) {
	s := shardOf(gp)
	s.mu.Lock()
	if s.m == nil {
		s.m = make(map[uintptr]*G)
	}
	s.m[gp] = g
	s.mu.Unlock()
}

func unregister(gp uintptr) {
	s := shardOf(gp)
	s.mu.Lock()
	delete(s.m, gp)
	s.mu.Unlock()
}

func lookup(gp uintptr) *G {
	s := shardOf(gp)
	s.mu.RLock()
	g := s.m[gp]
	s.mu.RUnlock()
	return g
}
