// This file defines the random fault processes: partitions of the world's
// nodes and clogs of single paths. Both change state rarely and keep a
// state for a while (stability), as VOPR's do. They are evaluated lazily,
// when the network handles a packet, so they cost nothing while the network
// is idle and never keep a world alive. Each change is a trace event whose
// argument is the instant of the change.

package netsim

import (
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/marionette-dst/marionette/runtime"
)

const never = time.Duration(math.MaxInt64)

// geomTicks draws the number of ticks until the first success of a
// per-tick Bernoulli(p) trial (at least 1), or 0 when p <= 0 (never).
func geomTicks(r *rand.Rand, p float64) int64 {
	if p <= 0 {
		return 0
	}
	if p >= 1 {
		return 1
	}
	u := 1 - r.Float64() // (0, 1]
	k := math.Floor(math.Log(u)/math.Log1p(-p)) + 1
	if k > 1<<40 {
		return 1 << 40
	}
	return int64(k)
}

// nextTick returns the first instant after stable that is on the tick grid
// and the k-th such tick, or never.
func nextChange(from, stable, tick time.Duration, k int64) time.Duration {
	if k <= 0 {
		return never
	}
	t := from + stable
	first := (t/tick + 1) * tick
	add := time.Duration(k-1) * tick
	if add < 0 || first > never-add {
		return never
	}
	return first + add
}

// ---- partitions ----

type partitionProc struct {
	n      *Network
	r      *rand.Rand
	active bool          // the network is partitioned
	since  time.Duration // instant of the last change
	next   time.Duration // instant of the next change
	side   []bool        // by node ID: true is the first side
}

func (pp *partitionProc) init(n *Network) {
	pp.n = n
	pp.r = runtime.NewStream(n.w.Options().Seed, "network.partition")
	pp.next = pp.draw()
}

func (pp *partitionProc) enabled() bool {
	o := &pp.n.o
	return pp.n.random && o.PartitionMode != runtime.PartitionNone
}

// draw returns the instant of the next change from the current state.
func (pp *partitionProc) draw() time.Duration {
	o := &pp.n.o
	if o.PartitionMode == runtime.PartitionNone {
		return never
	}
	if pp.active {
		return nextChange(pp.since, o.PartitionStability, o.FaultTick, geomTicks(pp.r, o.UnpartitionProbability))
	}
	return nextChange(pp.since, o.UnpartitionStability, o.FaultTick, geomTicks(pp.r, o.PartitionProbability))
}

// advance applies every change due at or before now.
func (pp *partitionProc) advance() {
	if !pp.enabled() {
		return
	}
	now := pp.n.now()
	for pp.next <= now {
		at := pp.next
		if pp.active {
			pp.heal(at, "random")
		} else {
			pp.partition(at)
		}
		pp.next = pp.draw()
	}
}

func (pp *partitionProc) partition(at time.Duration) {
	nodes := pp.n.w.Nodes()
	pp.since = at
	if len(nodes) < 2 {
		return // nothing to partition; try again later
	}
	side := make([]bool, len(nodes))
	r := pp.r
	switch pp.n.o.PartitionMode {
	case runtime.PartitionUniformSize:
		k := 1 + r.IntN(len(nodes)-1)
		for _, i := range r.Perm(len(nodes))[:k] {
			side[i] = true
		}
	case runtime.PartitionUniformPartition:
		for {
			cnt := 0
			for i := range side {
				side[i] = r.IntN(2) == 0
				if side[i] {
					cnt++
				}
			}
			if cnt > 0 && cnt < len(side) {
				break
			}
		}
	case runtime.PartitionIsolateSingle:
		side[r.IntN(len(nodes))] = true
	default:
		return
	}
	pp.side = side
	pp.active = true
	var names []string
	for i, in := range side {
		if in {
			names = append(names, nodes[i].Name())
		}
	}
	pp.n.trace("net.partition", int64(at), pp.n.o.PartitionSymmetry+" "+strings.Join(names, ",")+" | rest")
}

func (pp *partitionProc) heal(at time.Duration, why string) {
	pp.active = false
	pp.side = nil
	pp.since = at
	pp.n.trace("net.heal", int64(at), why)
}

// blocks reports whether the random partition blocks src -> dst now.
func (pp *partitionProc) blocks(src, dst int) bool {
	pp.advance()
	if !pp.active {
		return false
	}
	in := func(id int) bool { return id < len(pp.side) && pp.side[id] }
	a, b := in(src), in(dst)
	if a == b {
		return false
	}
	return pp.n.o.PartitionSymmetry != runtime.PartitionAsymmetric || a
}

// stop heals the random partition (random faults turned off).
func (pp *partitionProc) stop() {
	if pp.active {
		pp.heal(pp.n.now(), "faults off")
	}
}

// restart begins a fresh healed period now.
func (pp *partitionProc) restart() {
	pp.since = pp.n.now()
	pp.next = pp.draw()
}

// ---- clogs ----

// clogProc is the random clog process of one path: a sequence of intervals
// [start, end) during which arriving packets wait for the end.
type clogProc struct {
	n          *Network
	r          *rand.Rand
	name       string
	start, end time.Duration
	traced     bool // the current interval's start was traced
}

func (c *clogProc) init(n *Network, pathName string) {
	c.n = n
	c.name = pathName
	if n.o.ClogProbability <= 0 {
		c.start, c.end = never, never
		return
	}
	c.r = runtime.NewStream(n.w.Options().Seed, "network.clog "+pathName)
	c.drawFrom(0)
}

func (c *clogProc) drawFrom(t time.Duration) {
	o := &c.n.o
	c.start = nextChange(t, 0, o.FaultTick, geomTicks(c.r, o.ClogProbability))
	if c.start == never {
		c.end = never
		return
	}
	d := c.n.exp(c.r, o.ClogMean)
	if d < o.FaultTick {
		d = o.FaultTick
	}
	c.end = c.start + d
	c.traced = false
}

// until returns the end of the clog covering now, or now when the path is
// not clogged.
func (c *clogProc) until(now time.Duration) time.Duration {
	if c.r == nil || !c.n.random || c.start == never {
		return now
	}
	for c.end <= now {
		if !c.traced {
			c.n.trace("net.clog", int64(c.start), c.name)
		}
		c.n.trace("net.unclog", int64(c.end), c.name)
		c.drawFrom(c.end)
		if c.start == never {
			return now
		}
	}
	if c.start <= now {
		if !c.traced {
			c.traced = true
			c.n.trace("net.clog", int64(c.start), c.name)
		}
		return c.end
	}
	return now
}

// SetRandomFaults turns the random fault processes (partitions and clogs)
// on or off. Turning them off heals the random partition at once; packets
// already waiting for a random clog to end still wait. Manual controls are
// not affected. Turning them back on starts a fresh healed period.
func (n *Network) SetRandomFaults(on bool) {
	if on == n.random {
		return
	}
	if !on {
		n.part.stop()
		n.random = false
		n.trace("net.faults", 0, "off")
		return
	}
	n.random = true
	n.part.restart()
	n.trace("net.faults", 1, "on")
}

// RandomFaults reports whether the random fault processes run.
func (n *Network) RandomFaults() bool { return n.random }

// Partitioned reports whether the random partition process has the
// network partitioned now.
func (n *Network) Partitioned() bool {
	n.part.advance()
	return n.part.active
}
