//go:build ignore

// Marionette's overlay: the functions the overlaid methods of this package
// call (see marionette/hooks). Contended operations of simulated goroutines
// park in the simulator's scheduler instead of the Go runtime; releases wake
// them. The uncontended paths are the native ones.

package sync

import (
	"marionette/hooks"
	"unsafe"
)

func mrtLock(m *Mutex) bool {
	h := hooks.Wait
	return h != nil && (m.TryLock() || h(unsafe.Pointer(m), mrtTryLock, "sync.Mutex.Lock"))
}

func mrtTryLock(p unsafe.Pointer) bool { return (*Mutex)(p).TryLock() }

func mrtUnlocked(m *Mutex) {
	if h := hooks.Wake; h != nil {
		h(unsafe.Pointer(m), false)
	}
}

func mrtRWLock(rw *RWMutex) bool {
	h := hooks.Wait
	return h != nil && (rw.TryLock() || h(unsafe.Pointer(rw), mrtRWTryLock, "sync.RWMutex.Lock"))
}

func mrtRWTryLock(p unsafe.Pointer) bool { return (*RWMutex)(p).TryLock() }

func mrtRLock(rw *RWMutex) bool {
	h := hooks.Wait
	return h != nil && (rw.TryRLock() || h(unsafe.Pointer(rw), mrtTryRLock, "sync.RWMutex.RLock"))
}

func mrtTryRLock(p unsafe.Pointer) bool { return (*RWMutex)(p).TryRLock() }

// mrtRWUnlocked wakes every waiter: readers may all proceed, and a writer
// that loses waits again.
func mrtRWUnlocked(rw *RWMutex) {
	if h := hooks.Wake; h != nil {
		h(unsafe.Pointer(rw), true)
	}
}

func mrtWGWait(wg *WaitGroup) bool {
	h := hooks.Wait
	return h != nil && h(unsafe.Pointer(wg), mrtWGZero, "sync.WaitGroup.Wait")
}

func mrtWGZero(p unsafe.Pointer) bool { return (*WaitGroup)(p).state.Load()>>32 == 0 }

func mrtWGAdded(wg *WaitGroup) {
	if h := hooks.Wake; h != nil && wg.state.Load()>>32 == 0 {
		h(unsafe.Pointer(wg), true)
	}
}

func mrtCondWait(c *Cond) bool {
	h := hooks.CondWait
	if h == nil {
		return false
	}
	c.checker.check()
	if !h(unsafe.Pointer(c), c.L.Unlock) {
		return false
	}
	c.L.Lock()
	return true
}

func mrtCondWake(c *Cond, all bool) {
	if h := hooks.Wake; h != nil {
		h(unsafe.Pointer(c), all)
	}
}
