// This file defines the clock of the time shim: Now, Since, Until and Sleep
// read or wait on the simulated clock of the caller's world, and forward to
// std outside a simulation.

package time

import (
	stdtime "time"

	"github.com/marionette-dst/marionette/runtime"
)

// simWorld returns the world the caller runs in: the world of the simulated
// goroutine it runs on, or of the scheduler running an event callback. It is
// nil outside any simulation. A goroutine the simulator did not start that
// calls it while worlds run is reported as foreign by runtime.Current (and
// never returns).
func simWorld() *runtime.World {
	if g := runtime.Current(); g != nil {
		return g.World()
	}
	if g := runtime.Lookup(); g != nil {
		return g.World() // the scheduler itself, running an event callback
	}
	return nil
}

// Now returns the current time. Under simulation it is the caller's node's
// reading of the simulated wall clock: the world's epoch plus the simulated
// time elapsed, plus the node's clock offset (clocks in the option set). It
// carries a monotonic reading of the world's ideal clock, so Since, Until and
// Sub between two readings measure ideal time, as Go's monotonic clock does,
// whatever the node's offset does meanwhile.
func Now() Time {
	if g := runtime.Current(); g != nil {
		return g.Node().Now()
	}
	if g := runtime.Lookup(); g != nil {
		return g.World().Clock() // the scheduler itself, running an event callback
	}
	return stdtime.Now()
}

// Since returns the time elapsed since t. It is shorthand for
// time.Now().Sub(t).
func Since(t Time) Duration {
	if simWorld() != nil {
		return Now().Sub(t)
	}
	return stdtime.Since(t)
}

// Until returns the duration until t. It is shorthand for
// t.Sub(time.Now()).
func Until(t Time) Duration {
	if simWorld() != nil {
		return t.Sub(Now())
	}
	return stdtime.Until(t)
}

// Sleep pauses the current goroutine for at least the duration d. A
// negative or zero duration causes Sleep to return immediately. Under
// simulation it parks the goroutine until the simulated clock has advanced
// by exactly d.
func Sleep(d Duration) {
	if g := runtime.Current(); g != nil {
		g.Sleep(d)
		return
	}
	if runtime.Lookup() != nil {
		panic("marionette: time.Sleep called from a simulator event callback, which must not block")
	}
	stdtime.Sleep(d)
}
