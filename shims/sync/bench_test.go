package sync_test

import (
	stdsync "sync"
	"testing"

	"github.com/marionette-dst/marionette/runtime"
	"github.com/marionette-dst/marionette/shims/sync"
)

// Lock+Unlock of an uncontended mutex: std, the shim outside a simulation,
// and the shim inside one.

func BenchmarkMutexNative(b *testing.B) {
	var mu stdsync.Mutex
	for b.Loop() {
		mu.Lock()
		mu.Unlock()
	}
}

func BenchmarkMutexShimOutside(b *testing.B) {
	var mu sync.Mutex
	for b.Loop() {
		mu.Lock()
		mu.Unlock()
	}
}

func BenchmarkMutexSim(b *testing.B) {
	o, _ := runtime.Expand(1, runtime.Performance)
	runtime.NewWorld(o).Run(func() {
		var mu sync.Mutex
		for b.Loop() {
			mu.Lock()
			mu.Unlock()
		}
	})
}
