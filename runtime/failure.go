// This file defines run failures: a value carrying what broke, where, the
// seed and options, the stacks involved, the last events and the command that
// replays the run; and a report renderer that leads with what a person needs.

package runtime

import (
	"fmt"
	"path/filepath"
	goruntime "runtime"
	"sort"
	"strings"
	"time"
)

// Kind classifies a run failure.
type Kind string

const (
	KindPanic    Kind = "panic"    // a simulated goroutine panicked
	KindDeadlock Kind = "deadlock" // every goroutine blocked and nothing scheduled
	KindStuck    Kind = "stuck"    // a goroutine ran past its busy budget without yielding
	KindLimit    Kind = "limit"    // simulated time, events or goroutines over their limit
	KindCheck    Kind = "check"    // a checker or assertion failed
	KindForeign  Kind = "foreign"  // a goroutine outside the simulation called a shim
	KindLiveness Kind = "liveness" // the liveness phase did not make progress
	KindEscape   Kind = "escape"   // simulated code changed the real machine or opened a real socket (escape.go)
)

// ExitCode returns the process exit code simulated binaries use for a kind.
// 0 is success and 1 a plain test failure; each kind has its own code.
func (k Kind) ExitCode() int {
	switch k {
	case KindPanic:
		return 10
	case KindDeadlock:
		return 11
	case KindStuck:
		return 12
	case KindLimit:
		return 13
	case KindCheck:
		return 14
	case KindForeign:
		return 15
	case KindLiveness:
		return 16
	case KindEscape:
		return 17
	}
	return 1
}

// GoroutineInfo describes one goroutine in a failure report.
type GoroutineInfo struct {
	ID     int64
	Name   string
	State  string
	Wait   string        // what it waits on, for parked goroutines
	Since  time.Duration // simulated time it has waited
	Stack  string        // with user source positions (//line directives)
	Detail string
}

// Failure is a failed run.
type Failure struct {
	Kind       Kind
	Message    string
	Seed       uint64
	Profile    Profile
	Options    Options
	SimTime    time.Duration
	Goroutines []GoroutineInfo
	LastEvents []TraceEvent
	Replay     string
	Run        string

	// Phase is the phase the run was in (safety, or liveness after the
	// environment transition). Checker names the failing checker and Event
	// the event it failed at (nil for a judgement at the end); Assertion is
	// the message of a failed assertion. Sections are extra report blocks:
	// checker details, domain renderers, the last events per node (check.go).
	Phase     Phase
	Checker   string
	Event     *TraceEvent
	Assertion string
	Sections  []ReportSection
}

func (f *Failure) Error() string { return fmt.Sprintf("marionette: %s: %s", f.Kind, f.Message) }

// Report renders the failure for a person: what broke and how to replay it
// first, then where, then the recent events and the full option set.
func (f *Failure) Report() string {
	var b strings.Builder
	fmt.Fprintf(&b, "marionette: FAIL %s", f.Kind)
	if f.Run != "" {
		fmt.Fprintf(&b, " in %s", f.Run)
	}
	fmt.Fprintf(&b, " at simulated %v", f.SimTime)
	if f.Phase != "" {
		fmt.Fprintf(&b, " in the %s phase", f.Phase)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "  %s\n", strings.ReplaceAll(strings.TrimRight(f.Message, "\n"), "\n", "\n  "))
	if f.Checker != "" {
		fmt.Fprintf(&b, "  checker: %s\n", f.Checker)
	}
	if f.Event != nil {
		fmt.Fprintf(&b, "  event: %s\n", f.Event)
	}
	if f.Assertion != "" {
		fmt.Fprintf(&b, "  assertion: %q\n", f.Assertion)
	}
	fmt.Fprintf(&b, "  seed: %d  profile: %s\n", f.Seed, f.Profile)
	if f.Replay != "" {
		fmt.Fprintf(&b, "  replay: %s\n", f.Replay)
	}
	if len(f.Goroutines) > 0 {
		b.WriteString("goroutines:\n")
		for _, g := range f.Goroutines {
			fmt.Fprintf(&b, "  goroutine %d (%s) [%s", g.ID, g.Name, g.State)
			if g.Wait != "" {
				fmt.Fprintf(&b, ": %s", g.Wait)
				if g.Detail != "" {
					fmt.Fprintf(&b, " %s", g.Detail)
				}
				fmt.Fprintf(&b, ", for %v", g.Since)
			}
			b.WriteString("]\n")
			for _, line := range strings.Split(strings.TrimRight(g.Stack, "\n"), "\n") {
				if line != "" {
					fmt.Fprintf(&b, "    %s\n", line)
				}
			}
		}
	}
	for _, sec := range f.Sections {
		fmt.Fprintf(&b, "%s:\n", sec.Title)
		for _, line := range strings.Split(strings.TrimRight(sec.Body, "\n"), "\n") {
			fmt.Fprintf(&b, "  %s\n", line)
		}
	}
	if len(f.LastEvents) > 0 {
		b.WriteString("last events:\n")
		for _, e := range f.LastEvents {
			fmt.Fprintf(&b, "  %s\n", e)
		}
	}
	b.WriteString("options:\n")
	for _, line := range strings.Split(strings.TrimRight(f.Options.Text(), "\n"), "\n") {
		fmt.Fprintf(&b, "  %s\n", line)
	}
	fmt.Fprintf(&b, "  json: %s\n", f.Options.JSON())
	return b.String()
}

// fail records the run's first failure; the loop stops at its next turn.
func (w *World) fail(kind Kind, msg string, gs []GoroutineInfo) {
	if w.failure != nil {
		return
	}
	w.failure = &Failure{
		Kind: kind, Message: msg, Seed: w.opts.Seed, Profile: w.opts.Profile, Options: w.opts,
		SimTime: time.Duration(w.now), Goroutines: gs, Replay: w.replay, Run: w.name,
	}
	w.record(evFail, 0, 0, string(kind))
	w.failure.LastEvents = w.tr.lastEvents()
	w.completeFailure(w.failure)
}

// Fail fails the run with the given kind and message (checkers use KindCheck).
// The goroutine calling it, if any, is named in the report.
func (w *World) Fail(kind Kind, msg string) {
	var gs []GoroutineInfo
	if g := w.cur; g != nil {
		gs = append(gs, GoroutineInfo{ID: g.id, Name: g.name, State: "running", Stack: currentStack()})
	}
	w.fail(kind, msg, gs)
}

func (w *World) failPanic(g *G, r any, stack string) {
	w.fail(KindPanic, fmt.Sprintf("panic in goroutine %d: %v", g.id, r),
		[]GoroutineInfo{{ID: g.id, Name: g.name, State: "panicking", Stack: stack}})
}

func (w *World) failStuck(g *G, op string, stack string) {
	msg := fmt.Sprintf("goroutine %d ran for more than %v without reaching a yield point (limits.busy_wall: monotonic time, not counting the simulator's own work or stops of the process); it was stopped at %s",
		g.id, w.opts.Limits.BusyWall, op)
	w.fail(KindStuck, msg, []GoroutineInfo{{ID: g.id, Name: g.name, State: "running", Stack: stack}})
}

// failDeadlock reports every goroutine, what it waits on and where; why
// says why nothing can wake them.
func (w *World) failDeadlock(why string) {
	gs := w.goroutineInfos()
	msg := fmt.Sprintf("deadlock: all %d goroutines are blocked and %s", len(gs), why)
	w.fail(KindDeadlock, msg, gs)
}

// asleep reports whether g waits on something only other goroutines of
// its process can end: a channel, a select, a lock, a WaitGroup or a Cond
// (natively, a wait that the Go runtime's deadlock detection counts).
func (g *G) asleep() bool {
	if g.state != gParked {
		return false
	}
	r := g.waitReason
	return g.waitChan != 0 || strings.HasPrefix(r, "chan ") || strings.HasPrefix(r, "select") || strings.HasPrefix(r, "sync.")
}

// asleepNode returns the first running, unpaused node with goroutines that
// all sleep (G.asleep), or nil. Only meaningful when every goroutine is
// blocked and nothing but fault checks and the run's end is pending.
func (w *World) asleepNode() *Node {
	count := map[*Node]int{}
	for _, g := range w.all {
		if g.asleep() {
			count[g.node]++
		} else {
			count[g.node] = -1 << 30
		}
	}
	for _, n := range w.nodes {
		if count[n] > 0 && n.life.state == NodeRunning && !n.life.paused {
			return n
		}
	}
	return nil
}

// failProcessDeadlock reports a node whose process is deadlocked, with its
// goroutines.
func (w *World) failProcessDeadlock(n *Node) {
	var gs []GoroutineInfo
	for _, info := range w.goroutineInfos() {
		if g := w.all[info.ID]; g != nil && g.node == n {
			gs = append(gs, info)
		}
	}
	msg := fmt.Sprintf("deadlock: all %d goroutines of node %s are blocked on channels or locks, and nothing but node fault checks and the end of the run is scheduled (natively its process would stop with \"all goroutines are asleep - deadlock!\")", len(gs), n.name)
	w.fail(KindDeadlock, msg, gs)
}

func (w *World) goroutineInfos() []GoroutineInfo {
	ids := make([]int64, 0, len(w.all))
	for id := range w.all {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	var gs []GoroutineInfo
	for _, id := range ids {
		g := w.all[id]
		info := GoroutineInfo{ID: g.id, Name: g.name, State: g.state.String()}
		if g.state == gParked {
			info.Wait = g.waitReason
			info.Detail = g.waitDetail
			if g.waitChan != 0 {
				info.Detail = fmt.Sprintf("chan#%d", g.waitChan)
			}
			info.Since = time.Duration(w.now - g.parkedAt)
		}
		info.Stack = w.stackOf(g)
		gs = append(gs, info)
	}
	return gs
}

// ownDir is the directory of this package's source, whose frames stack
// reports leave out.
var ownDir = func() string {
	_, file, _, _ := goruntime.Caller(0)
	return filepath.Dir(file)
}()

// shimsDir holds the shim packages; of consecutive shim frames a report
// keeps only the one user code called (sync.(*Mutex).Lock, not its helpers).
var shimsDir = filepath.Join(filepath.Dir(ownDir), "shims")

type frame struct{ fn, file, path string }

func isShimFrame(f frame) bool {
	return strings.HasPrefix(f.path, shimsDir+string(filepath.Separator)) && !strings.HasSuffix(f.path, "_test.go")
}

// stackText trims runtime and scheduler frames from a runtime.Stack dump so
// what remains is the user's code and the shim entry points it called.
func stackText(b []byte) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	var frames []frame
	for i := 0; i < len(lines); i++ {
		fn := lines[i]
		if strings.HasPrefix(fn, "goroutine ") || strings.HasPrefix(fn, "\t") || fn == "" {
			continue
		}
		file := ""
		if i+1 < len(lines) && strings.HasPrefix(lines[i+1], "\t") {
			file = lines[i+1]
			if j := strings.LastIndex(file, " +0x"); j > 0 {
				file = file[:j]
			}
			i++
		}
		path := strings.TrimPrefix(file, "\t")
		if j := strings.LastIndex(path, ":"); j > 0 {
			path = path[:j]
		}
		dir := filepath.Dir(path)
		own := (dir == ownDir || dir == filepath.Join(ownDir, "simtest")) && !strings.HasSuffix(path, "_test.go")
		if own || strings.HasPrefix(fn, "iter.") || strings.HasPrefix(fn, "runtime.") ||
			strings.HasPrefix(fn, "runtime/debug.") || strings.HasPrefix(fn, "panic(") ||
			strings.HasPrefix(fn, "created by ") {
			continue
		}
		frames = append(frames, frame{fn, file, path})
	}
	var out []string
	for i, f := range frames {
		if isShimFrame(f) && i+1 < len(frames) && isShimFrame(frames[i+1]) {
			continue
		}
		out = append(out, f.fn)
		if f.file != "" {
			out = append(out, f.file)
		}
	}
	return strings.Join(out, "\n")
}
