// This file defines the linearizability check of a history against a
// sequential model (porcupine), with a time budget, and its registration as
// a checker judging at the end of a simulated run, writing porcupine's HTML
// visualization next to the failure report when the history is not
// linearizable.

package history

import (
	"fmt"
	"os"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/marionette-dst/marionette/runtime"
)

// DefaultBudget is the wall-clock time a linearizability check may take
// before it gives up with an inconclusive result.
const DefaultBudget = 10 * time.Second

// Verdict is the outcome of a linearizability check.
type Verdict struct {
	// Result is porcupine.Ok, porcupine.Illegal, or porcupine.Unknown when
	// the budget ran out before a verdict.
	Result     porcupine.CheckResult
	Operations int // operations checked (fail operations are not)
	// Visualization is the path of the HTML visualization, if written.
	Visualization string
	Info          porcupine.LinearizationInfo
}

// Check checks operations against model within budget (wall time; 0 means
// DefaultBudget, negative means no limit). Partitioned models are checked
// partition by partition, in parallel.
func Check(model porcupine.Model, ops []porcupine.Operation, budget time.Duration) Verdict {
	if budget == 0 {
		budget = DefaultBudget
	}
	if budget < 0 {
		budget = 0 // porcupine: no timeout
	}
	res, info := porcupine.CheckOperationsVerbose(model, ops, budget)
	return Verdict{Result: res, Operations: len(ops), Info: info}
}

// Check checks the recorded history against model; see the package Check.
func (r *Recorder) Check(model porcupine.Model, budget time.Duration) Verdict {
	return Check(model, r.Operations(), budget)
}

// Visualize writes porcupine's interactive HTML visualization of a verdict
// to path.
func Visualize(model porcupine.Model, v Verdict, path string) error {
	return porcupine.VisualizePath(model, v.Info, path)
}

// NotLinearizable is the error of a failed check: the run's failure report
// shows it with the path of the visualization.
type NotLinearizable struct {
	Model         string
	Operations    int
	Visualization string
	VisualizeErr  error
}

func (e *NotLinearizable) Error() string {
	s := fmt.Sprintf("the history of %d operations is not linearizable against the %s model", e.Operations, e.Model)
	if e.Visualization != "" {
		s += "; visualization: " + e.Visualization
	} else if e.VisualizeErr != nil {
		s += fmt.Sprintf(" (writing the visualization failed: %v)", e.VisualizeErr)
	}
	return s
}

// ReportSections adds the visualization to the failure report.
func (e *NotLinearizable) ReportSections() []runtime.ReportSection {
	if e.Visualization == "" {
		return nil
	}
	return []runtime.ReportSection{{Title: "linearizability", Body: "open " + e.Visualization +
		" in a browser: the longest partial linearizations, and the operation that cannot be placed"}}
}

// Linearizable registers, with the world, a checker named
// "linearizable/<name>" that checks the recorder's history against model at
// the end of the run (within budget; see Check). A history that is not
// linearizable fails the run with kind "check" and porcupine's HTML
// visualization is written to the run's artifact directory
// (MARIONETTE_ARTIFACTS, default <temp dir>/marionette-artifacts) and named
// in the report. An inconclusive check (budget exhausted) passes, with a
// note on standard error: the budget is wall time, so it must not change
// the run's outcome from one machine to another more than it has to.
func (r *Recorder) Linearizable(w *runtime.World, name string, model porcupine.Model, budget time.Duration) {
	w.AddChecker("linearizable/"+name, runtime.FinishFunc(func() error {
		v := r.Check(model, budget)
		switch v.Result {
		case porcupine.Ok:
			return nil
		case porcupine.Unknown:
			fmt.Fprintf(os.Stderr, "marionette: linearizability check of %d operations (%s) inconclusive within its %v budget\n",
				v.Operations, name, budget)
			return nil
		}
		e := &NotLinearizable{Model: name, Operations: v.Operations}
		path, err := w.ArtifactPath("linearizability-" + name + ".html")
		if err == nil {
			runtime.Outside(func() { err = Visualize(model, v, path) }) // the simulator's own file
		}
		if err != nil {
			e.VisualizeErr = err
		} else {
			e.Visualization = path
		}
		return e
	}))
}
