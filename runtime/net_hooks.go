// This file defines what the simulated network (runtime/netsim) needs from
// the runtime beyond the exported API: scheduling an event that belongs to
// a given node (a connection's retransmission timer is the node's kernel
// timer: it freezes while the node is paused and vanishes with the node's
// process), from wherever the network runs.

package runtime

import "time"

// ScheduleOn is Schedule for an event owned by node n (nil: the world's),
// whatever goroutine or callback schedules it.
func (w *World) ScheduleOn(n *Node, d time.Duration, name string, f func()) *Event {
	return w.scheduleFor(n, d, name, f)
}
