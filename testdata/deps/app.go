// Package app uses a dependency module that starts goroutines and blocks
// on its own channels (example.com/dep).
package app

import (
	"sync/atomic"
	"time"

	"example.com/dep"
)

// WaitReady starts something that becomes ready after d and waits for it
// with dep.Eventually.
func WaitReady(d time.Duration) bool {
	var ready atomic.Bool
	go func() {
		time.Sleep(d)
		ready.Store(true)
	}()
	return dep.Eventually(ready.Load, time.Second, 10*time.Millisecond)
}
