// This file keeps the set of worlds inside Run, so a foreign call can be
// attributed to them. Like the goroutine registry it is process
// infrastructure, not simulation state.

package runtime

import "sync"

var active struct {
	mu sync.Mutex
	ws map[*World]struct{}
}

func registerActive(w *World) {
	active.mu.Lock()
	if active.ws == nil {
		active.ws = make(map[*World]struct{})
	}
	active.ws[w] = struct{}{}
	active.mu.Unlock()
}

func unregisterActive(w *World) {
	active.mu.Lock()
	delete(active.ws, w)
	active.mu.Unlock()
}

func forEachActiveWorld(f func(*World)) {
	active.mu.Lock()
	defer active.mu.Unlock()
	for w := range active.ws {
		f(w)
	}
}
