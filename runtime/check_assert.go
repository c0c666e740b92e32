// This file defines assertions in user code, Antithesis-style: Always,
// AlwaysOrUnreachable, Sometimes, Reachable and Unreachable, keyed by their
// message. A failing Always or a reached Unreachable fails the run with kind
// "check" at once; Sometimes and Reachable are counted, and those never
// satisfied are reported per run and, by mgen test, across a swarm. The
// catalog is the process-wide list of assertion sites that the rewriter
// registers at init (from the generated zz_mgen_assertions files), so an
// assertion never executed is still known. The user-facing API is the
// assert package.

package runtime

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	goruntime "runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// AssertKind is the kind of an assertion.
type AssertKind string

const (
	// AssertAlways: the condition holds every time, and the site is reached.
	AssertAlways AssertKind = "always"
	// AssertAlwaysOrUnreachable: the condition holds every time it is
	// evaluated; never reaching it is fine.
	AssertAlwaysOrUnreachable AssertKind = "always_or_unreachable"
	// AssertSometimes: the condition holds at least once.
	AssertSometimes AssertKind = "sometimes"
	// AssertReachable: the site is reached at least once.
	AssertReachable AssertKind = "reachable"
	// AssertUnreachable: the site is never reached.
	AssertUnreachable AssertKind = "unreachable"
)

// MustHit reports whether assertions of this kind must be reached (Always,
// Reachable) or satisfied (Sometimes) at least once: those never hit are
// reported.
func (k AssertKind) MustHit() bool {
	return k == AssertAlways || k == AssertSometimes || k == AssertReachable
}

func (k AssertKind) valid() bool {
	switch k {
	case AssertAlways, AssertAlwaysOrUnreachable, AssertSometimes, AssertReachable, AssertUnreachable:
		return true
	}
	return false
}

// AssertionSite is one assertion call site in the catalog.
type AssertionSite struct {
	Kind    AssertKind
	Message string
	Pos     string // file:line, relative to the module root
}

var catalog struct {
	mu    sync.Mutex
	sites []AssertionSite
	seen  map[AssertionSite]bool
}

// RegisterAssertion adds an assertion site to the process-wide catalog. The
// rewriter's generated init functions call it (through assert.Site) for every
// assertion call with a constant message, so sites that no run reaches are
// reported too.
func RegisterAssertion(kind AssertKind, message, pos string) {
	if !kind.valid() {
		panic(fmt.Sprintf("marionette: unknown assertion kind %q", kind))
	}
	s := AssertionSite{Kind: kind, Message: message, Pos: pos}
	catalog.mu.Lock()
	defer catalog.mu.Unlock()
	if catalog.seen == nil {
		catalog.seen = map[AssertionSite]bool{}
	}
	if !catalog.seen[s] {
		catalog.seen[s] = true
		catalog.sites = append(catalog.sites, s)
	}
}

// Catalog returns the registered assertion sites.
func Catalog() []AssertionSite {
	catalog.mu.Lock()
	defer catalog.mu.Unlock()
	return append([]AssertionSite(nil), catalog.sites...)
}

type assertKey struct {
	kind AssertKind
	msg  string
}

type assertState struct {
	pos       string
	reached   int64
	satisfied int64
}

// AssertionStat is what one run (or, summed, a swarm) observed of an
// assertion.
type AssertionStat struct {
	Kind    AssertKind `json:"kind"`
	Message string     `json:"message"`
	Pos     string     `json:"pos,omitempty"`
	// Reached counts evaluations; Satisfied those whose condition held
	// (for Reachable, every evaluation).
	Reached   int64 `json:"reached"`
	Satisfied int64 `json:"satisfied"`
}

// Met reports whether the assertion's requirement to be hit is met: a
// Sometimes satisfied, an Always or Reachable reached. Kinds that need not be
// hit are always met (their failures fail the run instead).
func (s AssertionStat) Met() bool {
	switch s.Kind {
	case AssertSometimes:
		return s.Satisfied > 0
	case AssertAlways, AssertReachable:
		return s.Reached > 0
	}
	return true
}

// Describe renders the assertion for people: `sometimes "leader elected" (raft/node.go:41)`.
func (s AssertionStat) Describe() string {
	d := fmt.Sprintf("%s %q", s.Kind, s.Message)
	if s.Pos != "" {
		d += " (" + s.Pos + ")"
	}
	return d
}

// Assert evaluates an assertion in the calling goroutine's world. skip is
// the number of frames between the user's call site and Assert (the assert
// package passes 1). Outside a simulation use the assert package, which
// does nothing there.
func (w *World) Assert(kind AssertKind, cond bool, message string, details map[string]any, skip int) {
	c := w.checks()
	if c.asserts == nil {
		c.asserts = map[assertKey]*assertState{}
	}
	k := assertKey{kind, message}
	st := c.asserts[k]
	if st == nil {
		st = &assertState{pos: callerPos(skip + 1)}
		c.asserts[k] = st
	}
	st.reached++
	var g *G
	if w.cur != nil {
		g = w.cur
	}
	switch kind {
	case AssertAlways, AssertAlwaysOrUnreachable:
		if cond {
			st.satisfied++
			return
		}
		w.failAssertion(kind, message, details, callerPos(skip+1))
	case AssertUnreachable:
		w.failAssertion(kind, message, details, callerPos(skip+1))
	case AssertSometimes:
		if cond {
			st.satisfied++
			if st.satisfied == 1 {
				w.Trace("assert.sometimes", g, 0, message)
			}
		}
	case AssertReachable:
		st.satisfied++
		if st.satisfied == 1 {
			w.Trace("assert.reachable", g, 0, message)
		}
	default:
		panic(fmt.Sprintf("marionette: unknown assertion kind %q", kind))
	}
}

func (w *World) failAssertion(kind AssertKind, message string, details map[string]any, pos string) {
	what := "failed"
	if kind == AssertUnreachable {
		what = "reached"
	}
	msg := fmt.Sprintf("assertion %s: %s %q at %s", what, kind, message, pos)
	if len(details) > 0 {
		msg += "\n  details: " + formatDetails(details)
	}
	w.failAs(KindCheck, msg, func(f *Failure) { f.Assertion = message })
}

// formatDetails renders details as JSON when possible (sorted keys), else
// with %v.
func formatDetails(d map[string]any) string {
	if b, err := json.Marshal(d); err == nil {
		return string(b)
	}
	return fmt.Sprint(d)
}

// callerPos names a call site as "dir/file.go:line": the last two elements
// of the path, so positions read the same whether the file name came from a
// //line directive (relative) or the compiler (absolute).
func callerPos(skip int) string {
	_, file, line, ok := goruntime.Caller(skip + 1)
	if !ok {
		return "?"
	}
	return shortPos(file, line)
}

func shortPos(file string, line int) string {
	file = filepath.ToSlash(file)
	if i := strings.LastIndex(file, "/"); i >= 0 {
		if j := strings.LastIndex(file[:i], "/"); j >= 0 {
			file = file[j+1:]
		}
	}
	return file + ":" + strconv.Itoa(line)
}

// Assertions returns this run's assertion statistics: every catalogued
// assertion (with zero counts if never reached) and every assertion reached,
// sorted by position and message. Catalogue positions are preferred.
func (w *World) Assertions() []AssertionStat {
	m := map[assertKey]*AssertionStat{}
	for _, s := range Catalog() {
		k := assertKey{s.Kind, s.Message}
		if _, ok := m[k]; !ok {
			m[k] = &AssertionStat{Kind: s.Kind, Message: s.Message, Pos: s.Pos}
		}
	}
	if w.chk != nil {
		for k, st := range w.chk.asserts {
			s := m[k]
			if s == nil {
				s = &AssertionStat{Kind: k.kind, Message: k.msg, Pos: st.pos}
				m[k] = s
			}
			s.Reached += st.reached
			s.Satisfied += st.satisfied
		}
	}
	out := make([]AssertionStat, 0, len(m))
	for _, s := range m {
		out = append(out, *s)
	}
	SortAssertions(out)
	return out
}

// SortAssertions sorts statistics by position, message and kind.
func SortAssertions(s []AssertionStat) {
	sort.Slice(s, func(i, j int) bool {
		if s[i].Pos != s[j].Pos {
			return s[i].Pos < s[j].Pos
		}
		if s[i].Message != s[j].Message {
			return s[i].Message < s[j].Message
		}
		return s[i].Kind < s[j].Kind
	})
}

// Unmet returns the statistics whose requirement to be hit is not met.
func Unmet(stats []AssertionStat) []AssertionStat {
	var out []AssertionStat
	for _, s := range stats {
		if !s.Met() {
			out = append(out, s)
		}
	}
	return out
}

// AssertionsLinePrefix starts the machine-readable line a simulated test
// prints per run with its assertion statistics; mgen test collects them.
const AssertionsLinePrefix = "marionette-assertions: "

// AssertionsLine is the machine-readable line for one run.
type AssertionsLine struct {
	Run        string          `json:"run"`
	Seed       uint64          `json:"seed"`
	Assertions []AssertionStat `json:"assertions"`
}

// String renders the line, prefix included.
func (l AssertionsLine) String() string {
	b, _ := json.Marshal(l)
	return AssertionsLinePrefix + string(b)
}

// ParseAssertionsLine parses a line written by AssertionsLine.String.
func ParseAssertionsLine(s string) (AssertionsLine, bool) {
	var l AssertionsLine
	rest, ok := strings.CutPrefix(s, AssertionsLinePrefix)
	if !ok || json.Unmarshal([]byte(rest), &l) != nil {
		return l, false
	}
	return l, true
}

// WriteAssertions writes the run's assertion statistics, if it has any: the
// machine-readable line mgen test collects, then, if some assertions that
// must be hit were not hit in this run, a line naming them for people.
// Simulated tests call it after every run.
func (w *World) WriteAssertions(out io.Writer) {
	stats := w.Assertions()
	if len(stats) == 0 {
		return
	}
	fmt.Fprintln(out, AssertionsLine{Run: w.name, Seed: w.opts.Seed, Assertions: stats})
	if unmet := Unmet(stats); len(unmet) > 0 {
		var names []string
		for _, s := range unmet {
			names = append(names, s.Describe())
		}
		name := w.name
		if name == "" {
			name = "run"
		}
		fmt.Fprintf(out, "marionette: %s: %d assertions never hit in this run: %s\n", name, len(unmet), strings.Join(names, ", "))
	}
}
