// This file defines node clocks. The world is the single clock authority;
// each node reads it through its own offset model, as TigerBeetle's
// simulator does: linear drift, a periodic wobble, a step at some instant,
// or jitter, bounded by the option set. Offsets apply to wall-clock
// readings (time.Now); durations, timers and sleeps run on the world's
// ideal clock, and every Time a node reads carries a monotonic reading from
// that ideal clock, so time.Since and t.Sub between two readings measure
// ideal elapsed time exactly as Go's monotonic clock would, while the wall
// time printed, stored or sent to peers shows the node's skew.

package runtime

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
	"unsafe"
)

// Clock offset models.
const (
	ClockIdeal    = "ideal"    // no offset
	ClockLinear   = "linear"   // offset grows at a constant drift rate
	ClockPeriodic = "periodic" // offset follows a sine wave
	ClockStep     = "step"     // offset jumps once, at an instant
	ClockJitter   = "jitter"   // offset wanders randomly (non-ideal)
)

// ClockOptions bound the nodes' clock offsets.
type ClockOptions struct {
	// Models are the models nodes draw from; empty means every node reads
	// the world's clock exactly.
	Models []string `json:"models"`
	// MaxOffset bounds the absolute offset of any node at any time.
	MaxOffset time.Duration `json:"max_offset"`
	// MaxDriftPPM bounds the drift rate of the linear model (parts per million).
	MaxDriftPPM float64 `json:"max_drift_ppm"`
	// Period is the longest period of the periodic model.
	Period time.Duration `json:"period"`
	// StepWithin is the window in which the step model's jump happens.
	StepWithin time.Duration `json:"step_within"`
}

func clockOptions(seed uint64, p Profile) ClockOptions {
	switch p {
	case Swarm:
		r := NewStream(seed, "options/clocks")
		all := []string{ClockLinear, ClockPeriodic, ClockStep, ClockJitter}
		var models []string
		for _, m := range all {
			if r.IntN(2) == 0 {
				models = append(models, m)
			}
		}
		if len(models) == 0 {
			return ClockOptions{}
		}
		return ClockOptions{
			Models:      models,
			MaxOffset:   []time.Duration{time.Millisecond, 50 * time.Millisecond, 500 * time.Millisecond, 5 * time.Second}[r.IntN(4)],
			MaxDriftPPM: []float64{10, 100, 1000}[r.IntN(3)],
			Period:      []time.Duration{time.Second, time.Minute, time.Hour}[r.IntN(3)],
			StepWithin:  []time.Duration{time.Second, time.Minute, 10 * time.Minute}[r.IntN(3)],
		}
	}
	return ClockOptions{}
}

// nodeClock is one node's offset model, drawn when the node is created.
type nodeClock struct {
	model  string
	drift  float64       // linear: seconds of offset per second
	amp    time.Duration // periodic amplitude, jitter bound
	period time.Duration
	phase  float64
	stepAt int64
	stepBy time.Duration
	max    time.Duration
	manual time.Duration // set by tests (SetClockOffset)
	seed   uint64
}

func newNodeClock(o ClockOptions, seed uint64, name string) nodeClock {
	c := nodeClock{model: ClockIdeal, max: o.MaxOffset}
	if len(o.Models) == 0 || o.MaxOffset <= 0 {
		return c
	}
	r := NewStream(seed, "clock/"+name) // per node: adding a node shifts no other
	c.model = o.Models[r.IntN(len(o.Models))]
	c.seed = r.Uint64()
	switch c.model {
	case ClockLinear:
		c.drift = (r.Float64()*2 - 1) * o.MaxDriftPPM / 1e6
	case ClockPeriodic:
		c.amp = time.Duration(r.Int64N(int64(o.MaxOffset) + 1))
		c.period = time.Duration(1 + r.Int64N(int64(max(o.Period, time.Millisecond))))
		c.phase = r.Float64() * 2 * math.Pi
	case ClockStep:
		c.stepAt = r.Int64N(int64(max(o.StepWithin, 1)))
		c.stepBy = time.Duration(r.Int64N(2*int64(o.MaxOffset)+1) - int64(o.MaxOffset))
	case ClockJitter:
		c.amp = time.Duration(r.Int64N(int64(o.MaxOffset) + 1))
	}
	return c
}

func (c *nodeClock) offset(now int64) time.Duration {
	var off time.Duration
	switch c.model {
	case ClockLinear:
		off = time.Duration(c.drift * float64(now))
	case ClockPeriodic:
		off = time.Duration(float64(c.amp) * math.Sin(2*math.Pi*float64(now)/float64(c.period)+c.phase))
	case ClockStep:
		if now >= c.stepAt {
			off = c.stepBy
		}
	case ClockJitter:
		if c.amp > 0 {
			// A function of the instant, so two readings at one instant agree.
			r := rand.New(rand.NewPCG(c.seed, uint64(now)))
			off = time.Duration(r.Int64N(2*int64(c.amp)+1) - int64(c.amp))
		}
	}
	off += c.manual
	if c.max > 0 {
		off = min(max(off, -c.max), c.max)
	}
	return off
}

// ClockModel returns the node's clock offset model.
func (n *Node) ClockModel() string { return n.clock.model }

// ClockOffset returns how far the node's wall clock is from the world's now.
func (n *Node) ClockOffset() time.Duration { return n.clock.offset(n.w.now) }

// SetClockOffset adds a fixed offset to the node's clock (a test stepping a
// clock by hand). It is still bounded by clocks.max_offset when that is set.
func (n *Node) SetClockOffset(d time.Duration) {
	n.clock.manual = d
	n.w.record(evNodeLife, 0, int64(n.id), fmt.Sprintf("clock.set %s %v", n.name, d))
}

// Now returns the node's reading of the wall clock: the world's wall clock
// plus the node's offset, with a monotonic reading of the world's ideal
// clock (so durations measured between two readings are exact).
func (n *Node) Now() time.Time {
	w := n.w
	return withMonotonic(w.Wall().Add(n.clock.offset(w.now)), w.now)
}

// Layout of time.Time (stable since Go 1.9): wall holds, when its top bit is
// set, seconds since 1885 in bits 30..62 and nanoseconds in bits 0..29; ext
// holds the monotonic reading.
type timeLayout struct {
	wall uint64
	ext  int64
	loc  unsafe.Pointer
}

const (
	hasMonotonic   = 1 << 63
	wallToInternal = (1884*365 + 1884/4 - 1884/100 + 1884/400) * 86400
	unixToInternal = (1969*365 + 1969/4 - 1969/100 + 1969/400) * 86400
)

var monotonicOK = func() bool {
	if unsafe.Sizeof(time.Time{}) != unsafe.Sizeof(timeLayout{}) {
		return false
	}
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	a := setMonotonic(base, 100)
	b := setMonotonic(base.Add(time.Hour), 50)
	// Sub must use the monotonic readings, and the wall times must survive.
	return b.Sub(a) == -50 && a.Round(0).Equal(base) && b.Round(0).Equal(base.Add(time.Hour))
}()

func setMonotonic(t time.Time, mono int64) time.Time {
	sec := t.Unix() + unixToInternal - wallToInternal
	if sec < 0 || sec >= 1<<33 {
		return t // outside 1885..2157: no monotonic reading
	}
	l := (*timeLayout)(unsafe.Pointer(&t))
	l.wall = hasMonotonic | uint64(sec)<<30 | uint64(t.Nanosecond())
	l.ext = mono
	return t
}

// withMonotonic returns t carrying the monotonic reading mono, if this Go's
// time.Time layout is the one checked at start-up (else t unchanged).
func withMonotonic(t time.Time, mono int64) time.Time {
	if !monotonicOK {
		return t
	}
	return setMonotonic(t, mono)
}

// Clock returns the world's ideal wall clock with a monotonic reading: what
// code outside any node (an event callback) reads.
func (w *World) Clock() time.Time { return withMonotonic(w.Wall(), w.now) }

// Now returns the wall clock as g reads it: its node's clock, or the world's
// ideal clock for the scheduler itself (an event callback).
func (g *G) Now() time.Time {
	if g.driver || g.node == nil {
		return g.w.Clock()
	}
	return g.node.Now()
}
