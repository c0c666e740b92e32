// This file defines parking with a readiness test: a goroutine that waits
// for a condition that code outside the simulation may also satisfy (a lock
// released by a native goroutine, a counter brought to zero) parks with a
// function that says whether it can go on. Simulated wakers still call
// World.Ready; before time advances the scheduler calls each parked
// goroutine's readiness test, in park order, exactly as it polls parked
// channel operations.

package runtime

// ParkUntil parks g like Park. In addition, when nothing is runnable and no
// event is due, the scheduler calls ready (on the scheduler's goroutine, one
// parked goroutine at a time, in park order) and makes g runnable as soon as
// it returns true. ready may complete the operation g waits for (take the
// lock it wants): it runs only while g is parked and no other simulated
// goroutine runs. g may also be woken by World.Ready, as after Park.
func (g *G) ParkUntil(reason, detail string, ready func() bool) {
	w := g.w
	g.pollReady = ready
	if !g.inPolled {
		g.inPolled = true
		w.polled = append(w.polled, g)
	}
	defer func() { g.pollReady = nil }()
	g.Park(reason, detail)
}

// Callback reports whether g stands for the scheduler itself running an
// event callback (see Lookup): such a caller cannot park.
func (g *G) Callback() bool { return g.driver }

// pollParked calls the readiness test of every goroutine parked in
// ParkUntil, in park order, and wakes the first one that is ready.
func (w *World) pollParked() bool {
	progressed := false
	kept := w.polled[:0]
	for _, g := range w.polled {
		if g.pollReady == nil || g.state != gParked {
			g.inPolled = false
			continue // woken another way, or gone
		}
		if !progressed && g.pollReady() {
			g.pollReady, g.inPolled = nil, false
			w.record(evPollReady, g.id, 0, g.waitReason)
			w.Ready(g)
			progressed = true
			continue
		}
		kept = append(kept, g)
	}
	for i := len(kept); i < len(w.polled); i++ {
		w.polled[i] = nil
	}
	w.polled = kept
	return progressed
}
