// Package timers is a sample user package that depends on time: timeouts
// and tickers.
package timers

import (
	"errors"
	"time"
)

// ErrTimeout is returned by WithTimeout when f does not finish in time.
var ErrTimeout = errors.New("timeout")

// WithTimeout runs f and returns ErrTimeout if it does not finish within d.
func WithTimeout(d time.Duration, f func()) error {
	done := make(chan struct{})
	go func() {
		f()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-time.After(d):
		return ErrTimeout
	}
}

// Ticks counts the ticks of a ticker of period p during d.
func Ticks(p, d time.Duration) int {
	t := time.NewTicker(p)
	defer t.Stop()
	stop := time.After(d)
	n := 0
	for {
		select {
		case <-t.C:
			n++
		case <-stop:
			return n
		}
	}
}
