// This file defines the phases of a run. Every run starts in the safety
// phase: faults are injected as the option set says, and checkers and
// assertions judge safety. When the user asks for one (Liveness), the run
// enters the liveness phase through an explicit environment transition:
// a core of nodes is chosen, every registered transition hook heals the core
// (its partitions and clogs, its crashed nodes, its disk faults) while
// failures outside the core become permanent, and then the user's progress
// condition must hold within a bound of simulated time. Not making progress
// is a failure of kind "liveness" (exit 16), never a safety failure; a
// safety failure in the liveness phase stays kind "check" and the report
// says which phase it happened in.
//
// The fault subsystems (nodes, network, disk) are not part of this file:
// each registers a hook with OnLiveness, and consults Phase and InCore
// before injecting a fault.

package runtime

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Phase is the phase of a run.
type Phase string

const (
	PhaseSafety   Phase = "safety"
	PhaseLiveness Phase = "liveness"
)

// StreamPhase is the randomness stream the choice of the core draws from.
const StreamPhase = "phase"

type transition struct {
	name string
	heal func(core []string)
}

// Phase returns the run's current phase.
func (w *World) Phase() Phase {
	if w.chk == nil || w.chk.phase == "" {
		return PhaseSafety
	}
	return w.chk.phase
}

// Core returns the nodes of the liveness core, nil in the safety phase.
func (w *World) Core() []string {
	if w.chk == nil {
		return nil
	}
	return slices.Clone(w.chk.core)
}

// InCore reports whether node belongs to the liveness core. In the safety
// phase it reports false for every node.
func (w *World) InCore(node string) bool {
	return w.chk != nil && slices.Contains(w.chk.core, node)
}

// OnLiveness registers an environment transition hook: when the liveness
// phase begins, heal is called once with the chosen core, in registration
// order, and must leave the core fault-free: heal its partitions and clogs,
// restart its crashed nodes, disable its disk faults. Failures outside the
// core become permanent (the subsystem stops restarting or healing them).
// It runs in the goroutine that called Liveness and must not block.
func (w *World) OnLiveness(name string, heal func(core []string)) {
	c := w.checks()
	c.transitions = append(c.transitions, transition{name: name, heal: heal})
}

// LivenessSpec describes a liveness phase.
type LivenessSpec struct {
	// Name describes the progress condition in reports ("every replica
	// applied 5 entries").
	Name string
	// Core is the core of nodes to heal. If empty, CoreSize nodes of Nodes
	// are chosen with the seed; if that is empty too, the core is Nodes.
	Core     []string
	Nodes    []string
	CoreSize int
	// Within bounds the simulated time the progress condition may take
	// after the transition (default 1 minute).
	Within time.Duration
	// Every is how often Progress is evaluated (default Within/100).
	Every time.Duration
	// Progress reports whether the system made the progress required. It
	// runs in the calling goroutine, so it may take locks.
	Progress func() bool
}

const defaultLivenessWithin = time.Minute

func (s *LivenessSpec) defaults() {
	if s.Within <= 0 {
		s.Within = defaultLivenessWithin
	}
	if s.Every <= 0 {
		s.Every = s.Within / 100
	}
	if s.Every <= 0 {
		s.Every = 1
	}
	if s.Name == "" {
		s.Name = "the progress condition"
	}
	if s.Progress == nil {
		panic("marionette: LivenessSpec.Progress is nil")
	}
}

// Liveness ends the safety phase and runs the liveness phase: it chooses
// the core, calls the transition hooks, then waits until spec.Progress
// reports true, evaluating it every spec.Every of simulated time. If it does
// not hold within spec.Within the run fails with kind "liveness", naming
// the condition, the core and every goroutine with what it waits on; the
// call then never returns (the run ends). It returns nil once progress is
// made. Call it from the test body, after the safety workload.
//
// Outside a simulation it polls Progress in real time for up to Within and
// returns an error if it never held, so tests keep working natively.
func Liveness(spec LivenessSpec) error {
	g := Current()
	if g == nil {
		spec.defaults()
		deadline := time.Now().Add(spec.Within)
		for !spec.Progress() {
			if time.Now().After(deadline) {
				return fmt.Errorf("marionette: liveness: %s did not hold within %v", spec.Name, spec.Within)
			}
			time.Sleep(spec.Every)
		}
		return nil
	}
	g.Liveness(spec)
	return nil
}

// Liveness runs the liveness phase in goroutine g; see the package-level
// Liveness.
func (g *G) Liveness(spec LivenessSpec) {
	spec.defaults()
	w := g.w
	c := w.checks()
	if c.phase == PhaseLiveness {
		panic("marionette: the run is already in its liveness phase")
	}
	core := chooseCore(w, spec)
	c.phase = PhaseLiveness
	c.phaseAt = w.now
	c.core = core
	w.Trace("phase.liveness", g, int64(len(core)), strings.Join(core, ","))
	// Healing is the simulator's work, however long (thousands of nodes'
	// paths): the busy-loop watchdog does not charge it to g.
	w.SimWork(func() {
		for _, t := range c.transitions {
			w.Trace("phase.heal", g, 0, t.name)
			t.heal(slices.Clone(core))
		}
	})
	deadline := w.now + int64(spec.Within)
	for {
		if spec.Progress() {
			w.Trace("phase.progress", g, w.now-c.phaseAt, spec.Name)
			return
		}
		if w.now >= deadline {
			break
		}
		g.Sleep(min(spec.Every, time.Duration(deadline-w.now)))
	}
	// Fail from the scheduler, where every goroutine's stack can be taken.
	w.Schedule(0, "liveness deadline", func() { w.failLiveness(spec, core) })
	g.Park("liveness phase", "no progress: "+spec.Name)
	panic("marionette: internal error: a failed liveness phase resumed")
}

func chooseCore(w *World, spec LivenessSpec) []string {
	switch {
	case len(spec.Core) > 0:
		return slices.Clone(spec.Core)
	case spec.CoreSize > 0 && spec.CoreSize < len(spec.Nodes):
		r := w.Rand(StreamPhase)
		nodes := slices.Clone(spec.Nodes)
		r.Shuffle(len(nodes), func(i, j int) { nodes[i], nodes[j] = nodes[j], nodes[i] })
		core := nodes[:spec.CoreSize]
		slices.Sort(core)
		return core
	}
	return slices.Clone(spec.Nodes)
}

func (w *World) failLiveness(spec LivenessSpec, core []string) {
	c := w.chk
	coreText := strings.Join(core, ", ")
	if coreText == "" {
		coreText = "none named"
	}
	msg := fmt.Sprintf("liveness: %s did not hold within %v of simulated time after the transition at %v (core: %s)",
		spec.Name, spec.Within, time.Duration(c.phaseAt), coreText)
	w.fail(KindLiveness, msg, w.goroutineInfos())
}
