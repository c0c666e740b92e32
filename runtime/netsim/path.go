// This file defines paths: the directed link from one node to another (or
// to itself), with its own delay, loss, replay, capacity, clog, filters,
// hold and recording, and the hand-driven controls tests use on it.

package netsim

import (
	"slices"
	"strconv"
	"time"

	"github.com/marionette-dst/marionette/runtime"
)

// Path is the directed path from one node to another. Its parameters start
// as the world's network options (a node's path to itself has a fixed
// loopback delay and no random faults) and can be changed by hand.
type Path struct {
	n        *Network
	src, dst *Stack
	self     bool
	name     string // "10.0.0.1->10.0.0.2"
	evName   string // delivery events in the trace: "net 10.0.0.1->10.0.0.2"

	delayMin, delayMean time.Duration
	loss, replay        float64
	capacity            int // 0: unlimited

	blocked   bool // a manual filter (Block, Partition, Isolate)
	clogged   bool // a manual clog
	holding   bool // a manual hold
	recording bool
	recorded  []Packet

	inflight []*flight // travelling, in no particular order
	held     []*flight // kept at the end of the path, in arrival order

	clog clogProc

	stats PathStats
}

// PathStats counts what happened on a path.
type PathStats struct {
	Sent       uint64 // packets that entered the path (duplicates included)
	Delivered  uint64
	Lost       uint64 // dropped by the loss draw
	Duplicated uint64
	Filtered   uint64 // dropped by a partition or a block
	Overflow   uint64 // dropped because the path was full
	Held       uint64 // kept by a hold, a pause or a manual clog
	Clogged    uint64 // delayed by a random clog
}

// flight is a packet inside a path.
type flight struct {
	p    *Packet
	path *Path
	ev   *runtime.Event
	idx  int // index in path.inflight, -1 when held or gone
}

func newPath(n *Network, src, dst *Stack) *Path {
	p := &Path{n: n, src: src, dst: dst, self: src == dst}
	p.name = src.addr.String() + "->" + dst.addr.String()
	p.evName = "net " + p.name
	p.resetParams()
	if !p.self {
		p.clog.init(n, p.name)
	}
	return p
}

func (p *Path) resetParams() {
	o := &p.n.o
	if p.self {
		p.delayMin, p.delayMean = o.LoopbackDelay, 0
		p.loss, p.replay, p.capacity = 0, 0, 0
		return
	}
	p.delayMin, p.delayMean = o.DelayMin, o.DelayMean
	p.loss, p.replay, p.capacity = o.LossProbability, o.ReplayProbability, o.PathCapacity
}

// Name returns "src->dst" with the nodes' addresses.
func (p *Path) Name() string { return p.name }

// Src and Dst return the path's end nodes.
func (p *Path) Src() *runtime.Node { return p.src.node }
func (p *Path) Dst() *runtime.Node { return p.dst.node }

// Stats returns the path's counters.
func (p *Path) Stats() PathStats { return p.stats }

// isBlocked reports whether a filter drops packets on the path now.
func (p *Path) isBlocked() bool {
	if p.blocked {
		return true
	}
	if p.self {
		return false
	}
	if p.src.isolated || p.dst.isolated {
		return true
	}
	return p.n.part.blocks(p.src.id, p.dst.id)
}

// isHolding reports whether arriving packets are kept at the end of the path.
func (p *Path) isHolding() bool {
	return p.holding || p.clogged || p.src.paused || p.dst.paused
}

// enter is a packet entering the path.
func (p *Path) enter(pk *Packet) {
	n := p.n
	n.nextID++
	pk.ID = n.nextID
	pk.Sent = n.now()
	p.stats.Sent++
	// The packet's ID ties its send to its delivery (the Perfetto export
	// draws an arrow between them).
	n.w.Trace("net.send", n.w.Current(), int64(pk.ID), p.name+" len="+strconv.Itoa(len(pk.Data))+" flags="+strconv.Itoa(int(pk.Flags)))
	if p.recording {
		p.recorded = append(p.recorded, *pk)
	}
	if p.isBlocked() {
		p.stats.Filtered++
		n.trace("net.drop", int64(pk.ID), "partition "+p.name)
		return
	}
	if p.loss > 0 && n.rnd.Float64() < p.loss {
		p.stats.Lost++
		n.trace("net.drop", int64(pk.ID), "loss "+p.name)
		return
	}
	p.launch(pk)
	if p.replay > 0 && n.rnd.Float64() < p.replay {
		dup := pk.clone()
		n.nextID++
		dup.ID = n.nextID
		p.stats.Sent++
		p.stats.Duplicated++
		n.trace("net.dup", int64(dup.ID), p.name)
		p.launch(dup)
	}
}

// launch puts a packet on its way to the end of the path.
func (p *Path) launch(pk *Packet) {
	n := p.n
	if p.capacity > 0 && len(p.inflight)+len(p.held) >= p.capacity {
		p.dropQueued(n.rnd.IntN(len(p.inflight) + len(p.held)))
	}
	d := p.delayMin
	if p.delayMean > 0 {
		d += n.exp(n.rnd, p.delayMean)
	}
	pk.Arrive = n.now() + d
	f := &flight{p: pk, path: p}
	f.idx = len(p.inflight)
	p.inflight = append(p.inflight, f)
	f.ev = n.w.ScheduleGlobal(d, p.evName, f.arrive)
}

// dropQueued drops the i-th queued packet (travelling first, then held):
// a full path losing a packet, as a router queue does.
func (p *Path) dropQueued(i int) {
	var f *flight
	if i < len(p.inflight) {
		f = p.inflight[i]
		f.ev.Cancel()
		p.removeInflight(f)
	} else {
		f = p.held[i-len(p.inflight)]
		p.held = slices.Delete(p.held, i-len(p.inflight), i-len(p.inflight)+1)
	}
	p.stats.Overflow++
	p.n.trace("net.drop", int64(f.p.ID), "capacity "+p.name)
}

func (p *Path) removeInflight(f *flight) {
	i := f.idx
	if i < 0 || i >= len(p.inflight) || p.inflight[i] != f {
		return
	}
	last := len(p.inflight) - 1
	p.inflight[i] = p.inflight[last]
	p.inflight[i].idx = i
	p.inflight[last] = nil
	p.inflight = p.inflight[:last]
	f.idx = -1
}

// arrive runs when a packet reaches the end of the path.
func (p *Path) arriveFlight(f *flight) {
	n := p.n
	now := n.now()
	if p.isBlocked() {
		p.removeInflight(f)
		p.stats.Filtered++
		n.trace("net.drop", int64(f.p.ID), "partition "+p.name)
		return
	}
	if p.isHolding() {
		p.removeInflight(f)
		p.held = append(p.held, f)
		p.stats.Held++
		n.trace("net.hold", int64(f.p.ID), p.name)
		return
	}
	if !p.self {
		if until := p.clog.until(now); until > now {
			p.stats.Clogged++
			f.ev = n.w.ScheduleGlobal(until-now, p.evName, f.arrive)
			return
		}
	}
	p.removeInflight(f)
	p.deliver(f.p)
}

func (f *flight) arrive() { f.path.arriveFlight(f) }

func (p *Path) deliver(pk *Packet) {
	p.stats.Delivered++
	p.n.w.Trace("net.deliver", nil, int64(pk.ID), p.name)
	if p.n.onDeliver != nil {
		p.n.onDeliver(pk)
	}
	p.dst.receive(pk)
}

// flushHeld sends every held packet to the end of the path again, in the
// order they arrived, at the current instant.
func (p *Path) flushHeld() {
	held := p.held
	p.held = nil
	for _, f := range held {
		f.idx = len(p.inflight)
		p.inflight = append(p.inflight, f)
		f.ev = p.n.w.ScheduleGlobal(0, p.evName, f.arrive)
	}
}

// ---- hand-driven controls ----

// Block makes the path drop every packet that enters it or arrives on it
// (a one-way partition of one path).
func (p *Path) Block() {
	if !p.blocked {
		p.blocked = true
		p.n.trace("net.block", 0, p.name)
	}
}

// Unblock removes Block.
func (p *Path) Unblock() {
	if p.blocked {
		p.blocked = false
		p.n.trace("net.unblock", 0, p.name)
	}
}

// Blocked reports whether a filter drops the path's packets now (a manual
// block, an isolated end node or a random partition).
func (p *Path) Blocked() bool { return p.isBlocked() }

// Clog holds packets at the end of the path until Unclog.
func (p *Path) Clog() {
	if !p.clogged {
		p.clogged = true
		p.n.trace("net.clog", int64(p.n.now()), "manual "+p.name)
	}
}

// Unclog delivers what the clog held, in arrival order, and lets packets
// through again.
func (p *Path) Unclog() {
	if p.clogged {
		p.clogged = false
		p.n.trace("net.unclog", int64(p.n.now()), "manual "+p.name)
		if !p.isHolding() {
			p.flushHeld()
		}
	}
}

// Hold keeps every packet that reaches the end of the path (those already
// travelling included) until Release, Deliver or Drop.
func (p *Path) Hold() {
	if !p.holding {
		p.holding = true
		p.n.trace("net.hold.on", 0, p.name)
	}
}

// Release ends Hold and delivers what it kept, in arrival order.
func (p *Path) Release() {
	if p.holding {
		p.holding = false
		p.n.trace("net.release", int64(len(p.held)), p.name)
		if !p.isHolding() {
			p.flushHeld()
		}
	}
}

// Held returns copies of the packets kept at the end of the path, in
// arrival order.
func (p *Path) Held() []Packet {
	out := make([]Packet, len(p.held))
	for i, f := range p.held {
		out[i] = *f.p
	}
	return out
}

// Deliver delivers the held packet with the given ID now, whatever holds
// the path. It reports whether the packet was held.
func (p *Path) Deliver(id uint64) bool {
	for i, f := range p.held {
		if f.p.ID == id {
			p.held = slices.Delete(p.held, i, i+1)
			p.n.trace("net.release", int64(id), p.name)
			p.n.w.ScheduleGlobal(0, p.evName, func() { p.deliver(f.p) })
			return true
		}
	}
	return false
}

// Drop discards the held packet with the given ID. It reports whether it
// was held.
func (p *Path) Drop(id uint64) bool {
	for i, f := range p.held {
		if f.p.ID == id {
			p.held = slices.Delete(p.held, i, i+1)
			p.stats.Filtered++
			p.n.trace("net.drop", int64(id), "manual "+p.name)
			return true
		}
	}
	return false
}

// InFlight returns copies of every packet inside the path, travelling or
// held, ordered by ID.
func (p *Path) InFlight() []Packet {
	out := make([]Packet, 0, len(p.inflight)+len(p.held))
	for _, f := range p.inflight {
		out = append(out, *f.p)
	}
	for _, f := range p.held {
		out = append(out, *f.p)
	}
	slices.SortFunc(out, func(a, b Packet) int {
		if a.ID < b.ID {
			return -1
		}
		if a.ID > b.ID {
			return 1
		}
		return 0
	})
	return out
}

// SetDelay sets the path's one-way delay: min plus an exponential with the
// given mean.
func (p *Path) SetDelay(min, mean time.Duration) {
	p.delayMin, p.delayMean = min, mean
	p.n.trace("net.path.delay", int64(min), p.name)
}

// SetLoss sets the probability that a packet entering the path is dropped.
func (p *Path) SetLoss(prob float64) {
	p.loss = prob
	p.n.trace("net.path.loss", int64(prob*1e6), p.name)
}

// SetReplay sets the probability that a packet is duplicated.
func (p *Path) SetReplay(prob float64) {
	p.replay = prob
	p.n.trace("net.path.replay", int64(prob*1e6), p.name)
}

// SetCapacity sets how many packets the path holds (0: unlimited).
func (p *Path) SetCapacity(packets int) {
	p.capacity = packets
	p.n.trace("net.path.capacity", int64(packets), p.name)
}

// ResetParams sets delay, loss, replay and capacity back to the options'.
func (p *Path) ResetParams() {
	p.resetParams()
	p.n.trace("net.path.reset", 0, p.name)
}

// Record starts keeping a copy of every packet that enters the path.
func (p *Path) Record() { p.recording = true }

// StopRecording stops Record; what was recorded stays.
func (p *Path) StopRecording() { p.recording = false }

// Recorded returns the packets recorded so far, in the order they entered.
func (p *Path) Recorded() []Packet { return slices.Clone(p.recorded) }
