// This file drives node faults as recurring faults with stability, the way
// the design memo asks: every check interval, each node that opted in may
// crash (more likely while it has pending disk writes), restart, pause or
// resume, each with its probability, and never sooner than the minimum time
// up or down since its last change. A recoverability budget caps how many
// nodes are down (crashed, exited by a fault, or paused) at once.

package runtime

import (
	"fmt"
	"time"
)

// NodeFaultOptions are the node faults of the option set. They apply only to
// nodes that opted in (Node.SetFaulty), such as the nodes of a simulated
// cluster; a test's own node never crashes on its own.
type NodeFaultOptions struct {
	// CheckInterval is how often faults are considered.
	CheckInterval time.Duration `json:"check_interval"`
	// CrashProbability is the chance, per check, that a running node crashes.
	CrashProbability float64 `json:"crash_probability"`
	// PendingWritesFactor multiplies CrashProbability while the node has disk
	// writes not yet made durable (crashes then find more bugs).
	PendingWritesFactor float64 `json:"pending_writes_factor"`
	// RestartProbability is the chance, per check, that a down node restarts.
	RestartProbability float64 `json:"restart_probability"`
	// PauseProbability and ResumeProbability do the same for pauses.
	PauseProbability  float64 `json:"pause_probability"`
	ResumeProbability float64 `json:"resume_probability"`
	// MinUp and MinDown are the stability: the least time a node stays up
	// after starting, or down after crashing or pausing.
	MinUp   time.Duration `json:"min_up"`
	MinDown time.Duration `json:"min_down"`
	// MaxDown is the recoverability budget: at most this many faulty nodes
	// are down at once (0: no node faults at all).
	MaxDown int `json:"max_down"`
}

func nodeFaultOptions(seed uint64, p Profile) NodeFaultOptions {
	o := NodeFaultOptions{
		CheckInterval:       100 * time.Millisecond,
		CrashProbability:    0.002,
		PendingWritesFactor: 10,
		RestartProbability:  0.2,
		PauseProbability:    0.001,
		ResumeProbability:   0.2,
		MinUp:               time.Second,
		MinDown:             500 * time.Millisecond,
		MaxDown:             1,
	}
	switch p {
	case Swarm:
		r := NewStream(seed, "options/nodes")
		o.CrashProbability = []float64{0, 0.0005, 0.002, 0.01, 0.05}[r.IntN(5)]
		o.RestartProbability = []float64{0.05, 0.2, 0.8}[r.IntN(3)]
		o.PauseProbability = []float64{0, 0.001, 0.01}[r.IntN(3)]
		o.ResumeProbability = []float64{0.05, 0.2, 0.8}[r.IntN(3)]
		o.MinUp = []time.Duration{100 * time.Millisecond, time.Second, 10 * time.Second}[r.IntN(3)]
		o.MinDown = []time.Duration{10 * time.Millisecond, 500 * time.Millisecond, 5 * time.Second}[r.IntN(3)]
		o.MaxDown = 1 + r.IntN(2)
	case Performance:
		o = NodeFaultOptions{CheckInterval: o.CheckInterval}
	}
	return o
}

type nodeFaults struct {
	enabled bool
	healed  bool // the liveness transition ended node faults for good
	ev      *Event
}

// SetFaulty opts the node in (or out) of the node faults of the option set.
// A node that crashed or paused by a fault keeps being restarted or resumed
// by the faults only while it is faulty.
func (n *Node) SetFaulty(on bool) {
	n.faulty = on
	w := n.w
	if on && !w.nodeFaults.enabled && !w.nodeFaults.healed {
		w.nodeFaults.enabled = true
		w.scheduleNodeFaults()
		w.OnLiveness("nodes", w.healNodes)
	}
}

// healNodes is the node part of the liveness transition: node faults stop
// (nodes outside the core stay as they are: their failures are permanent),
// and every core node that a fault took down is restarted or resumed.
func (w *World) healNodes(core []string) {
	w.StopNodeFaults()
	w.nodeFaults.healed = true
	for _, name := range core {
		n := w.Node(name)
		if n == nil || !n.faulty {
			continue
		}
		if n.life.paused {
			n.Resume()
		}
		if n.byFault && n.life.state != NodeRunning && n.life.main != nil {
			n.byFault = false
			n.Restart()
		}
	}
}

// SetPendingWrites tells the fault driver how to know whether the node has
// disk writes that are not durable yet (the disk registers it).
func (n *Node) SetPendingWrites(f func() bool) { n.pending = f }

// StopNodeFaults stops injecting node faults (the liveness phase does this
// after healing its core).
func (w *World) StopNodeFaults() {
	w.nodeFaults.enabled = false
	w.nodeFaults.ev.Cancel()
}

func (w *World) scheduleNodeFaults() {
	o := w.opts.Nodes
	if o.CheckInterval <= 0 || o.MaxDown <= 0 {
		return
	}
	w.nodeFaults.ev = w.scheduleFault(o.CheckInterval, "node.faults", func() {
		if !w.nodeFaults.enabled {
			return
		}
		w.nodeFaultTick()
		w.scheduleNodeFaults()
	})
}

// onlyFaultsPending reports whether every pending event is a fault-schedule
// event (or the run's end, ScheduleRunEnd) and no node waits for a fault to
// restart or resume it: then nothing will ever make a blocked goroutine
// runnable again (but the run's end wakes the goroutine waiting for it).
func (w *World) onlyFaultsPending() bool {
	if w.faultEvents+w.endEvents == 0 || len(w.events) != w.faultEvents+w.endEvents {
		return false
	}
	for _, n := range w.nodes {
		if n.faulty && n.life.main != nil && (n.life.paused || n.byFault && n.life.state != NodeRunning) {
			return false // its restart or resume will run goroutines
		}
	}
	return true
}

func (w *World) nodeFaultTick() {
	o := w.opts.Nodes
	r := w.Rand(StreamNodes)
	down := 0
	for _, n := range w.nodes {
		if n.faulty && (n.life.paused || n.byFault && n.life.state != NodeRunning) {
			down++
		}
	}
	for _, n := range w.nodes {
		if !n.faulty || n.life.main == nil {
			continue
		}
		since := time.Duration(w.now - n.life.changedAt)
		switch {
		case n.life.paused:
			if since >= o.MinDown && r.Float64() < o.ResumeProbability {
				w.record(evNodeLife, 0, int64(n.id), "fault.resume "+n.name)
				n.life.changedAt = w.now
				n.Resume()
				down--
			}
		case n.life.state == NodeRunning:
			if since < o.MinUp || down >= o.MaxDown {
				continue
			}
			p := o.CrashProbability
			if n.pending != nil && n.pending() && o.PendingWritesFactor > 0 {
				p *= o.PendingWritesFactor
			}
			switch x := r.Float64(); {
			case x < p:
				w.record(evNodeLife, 0, int64(n.id), fmt.Sprintf("fault.crash %s p=%g", n.name, p))
				n.byFault = true
				n.Crash()
				down++
			case x < p+o.PauseProbability:
				w.record(evNodeLife, 0, int64(n.id), "fault.pause "+n.name)
				n.byFault = true
				n.Pause()
				n.life.changedAt = w.now
				down++
			}
		case n.byFault: // crashed or exited by a fault
			if since >= o.MinDown && r.Float64() < o.RestartProbability {
				w.record(evNodeLife, 0, int64(n.id), "fault.restart "+n.name)
				n.byFault = false
				n.Restart()
				down--
			}
		}
	}
}
