// This file defines the swarm side of mgen test: the result of one seed run
// (one package's test binary with one seed) read from the binary's output,
// the JSON lines -json writes, the deterministic -shard split of the seed
// list, and the live progress line.
//
// A seed run's output carries everything the result needs: one summary line
// per simulated test ("marionette: run=T seed=S ... sim=D wall=D ...
// hash=H result=R", runtime.Result.Summary), a failure report header
// ("marionette: FAIL <kind> ...") when a run failed or the watchdog killed
// the process, "--- FAIL: T" lines for failed tests, and one
// "marionette-assertions: {...}" line per run.

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/marionette-dst/marionette/internal/replaycmd"
	mrt "github.com/marionette-dst/marionette/runtime"
)

// Outcomes of a seed run.
const (
	outcomePass = "pass"
	outcomeFail = "fail"
)

// Kinds of a failed seed run besides the runtime failure kinds (panic,
// deadlock, stuck, limit, check, foreign, liveness, escape).
const (
	kindTest   = "test"             // a test failed by itself (t.Error, t.Fatal) with no run failure
	kindNondet = "nondeterministic" // -check-determinism: the two runs' hashes differ
	kindExit   = "exit"             // the binary failed without saying why (crash, -timeout, os.Exit)
)

// recordHeader and recordRun are the "type" of the JSON lines.
const (
	recordHeader = "header"
	recordRun    = "run"
)

// maxOutput bounds the output kept in the JSON line of a failed seed run.
const maxOutput = 1 << 20

// shardHeader is the first JSON line of a -json file: what the whole run
// was, so mgen report can check that the shards it merges belong together
// and that none is missing.
type shardHeader struct {
	Type     string   `json:"type"`   // "header"
	Shard    int      `json:"shard"`  // i of -shard i/n (0 without -shard)
	Shards   int      `json:"shards"` // n of -shard i/n (1 without -shard)
	Seeds    int      `json:"seeds"`  // seeds in the unsharded list
	Planned  int      `json:"planned"`
	Profile  string   `json:"profile"`
	Packages []string `json:"packages"`
	Check    bool     `json:"check_determinism,omitempty"`
}

// seedRun is the result of one package's test binary run with one seed: one
// JSON line of -json (type "run").
type seedRun struct {
	Type    string `json:"type"` // "run"
	Seed    string `json:"seed"`
	Profile string `json:"profile"`
	Package string `json:"package"`
	Outcome string `json:"outcome"` // pass or fail
	// Kind is why it failed: a runtime failure kind, or test,
	// nondeterministic, exit.
	Kind string `json:"kind,omitempty"`
	// SimNS is the simulated time of all its runs, WallNS the wall time of
	// the test binary (of both with -check-determinism).
	SimNS  int64 `json:"sim_ns"`
	WallNS int64 `json:"wall_ns"`
	// Runs are the simulated tests, in output order.
	Runs []runLine `json:"runs"`
	// Failed lists the tests that failed; Problems why the seed run failed;
	// Replay the commands that rerun the failed tests.
	Failed   []string `json:"failed_tests,omitempty"`
	Problems []string `json:"problems,omitempty"`
	Replay   []string `json:"replay,omitempty"`
	// Assertions are the assertion counts summed over the runs that
	// printed an assertions line (AssertionRuns of them).
	Assertions    []mrt.AssertionStat `json:"assertions,omitempty"`
	AssertionRuns int                 `json:"assertion_runs,omitempty"`
	// Output is the test binary's output, kept for failed seed runs only.
	Output string `json:"output,omitempty"`
}

// runLine is one simulated test of a seed run, from its summary line.
type runLine struct {
	Name   string `json:"name"`
	Hash   string `json:"hash"`
	Hash2  string `json:"hash2,omitempty"` // the second run's, when it differs
	Result string `json:"result"`
	SimNS  int64  `json:"sim_ns"`
	WallNS int64  `json:"wall_ns"`
}

// parseRuns reads the summary lines of a test binary's output.
func parseRuns(out []byte) []runLine {
	var runs []runLine
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		l := sc.Text()
		if !strings.HasPrefix(l, "marionette:") || !strings.Contains(l, " hash=") || !strings.Contains(l, " result=") {
			continue
		}
		var r runLine
		for _, f := range strings.Fields(l) {
			k, v, ok := strings.Cut(f, "=")
			if !ok {
				continue
			}
			switch k {
			case "run":
				r.Name = v
			case "hash":
				r.Hash = v
			case "result":
				r.Result = v
			case "sim":
				d, _ := time.ParseDuration(v)
				r.SimNS = int64(d)
			case "wall":
				d, _ := time.ParseDuration(v)
				r.WallNS = int64(d)
			}
		}
		runs = append(runs, r)
	}
	return runs
}

var failHeaderRE = regexp.MustCompile(`(?m)^\s*marionette: FAIL (\w+)`)

// exitKinds maps the exit codes of simulated binaries to failure kinds.
var exitKinds = map[int]string{10: "panic", 11: "deadlock", 12: "stuck", 13: "limit", 14: "check", 15: "foreign", 16: "liveness", 17: "escape"}

// failureKind says why a seed run failed: the first run failure in its
// output, else a failure report header (the watchdog's, printed as the
// process exits), else the exit code of a simulated binary, else a failed
// test, else nondeterminism, else "exit".
func failureKind(runs []runLine, out []byte, err error, failed []string, nondet bool) string {
	for _, r := range runs {
		if r.Result != "ok" {
			return r.Result
		}
	}
	if m := failHeaderRE.FindSubmatch(out); m != nil {
		return string(m[1])
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if k, ok := exitKinds[ee.ExitCode()]; ok {
			return k
		}
	}
	switch {
	case len(failed) > 0:
		return kindTest
	case nondet:
		return kindNondet
	}
	return kindExit
}

// record turns a finished job into its result. It reads the traces of a
// -check-determinism job, then removes them.
func (j *job) record(tf testFlags, args replaycmd.TestArgs) *seedRun {
	r := &seedRun{Type: recordRun, Seed: j.seed, Profile: tf.profile, Package: j.pkg.rel, WallNS: int64(j.wall)}
	r.Runs = parseRuns(j.out)
	for _, l := range r.Runs {
		r.SimNS += l.SimNS
	}
	var nondet bool
	if j.err != nil {
		r.Problems = append(r.Problems, j.err.Error())
	}
	if tf.check {
		diffs := compareHashes(j.out, j.out2)
		if len(diffs) > 0 {
			nondet = true
			r.Problems = append(r.Problems, diffs...)
			r.Problems = append(r.Problems, explainDivergence(j.traces)...)
			second := parseRuns(j.out2)
			for i := range r.Runs {
				if i < len(second) && second[i].Hash != r.Runs[i].Hash {
					r.Runs[i].Hash2 = second[i].Hash
				}
			}
		}
	}
	if j.traces[0] != "" {
		os.RemoveAll(filepath.Dir(j.traces[0]))
	}
	stats, n := aggregateAssertions([][]byte{j.out})
	r.Assertions, r.AssertionRuns = stats, n
	if len(r.Problems) == 0 {
		r.Outcome = outcomePass
		return r
	}
	r.Outcome = outcomeFail
	r.Failed = failedTests(j.out)
	r.Kind = failureKind(r.Runs, j.out, j.err, r.Failed, nondet)
	names := r.Failed
	if len(names) == 0 {
		names = divergedTests(j.out, j.out2)
	}
	if len(names) == 0 {
		names = []string{""}
	}
	o := j.options()
	for _, n := range names {
		r.Replay = append(r.Replay, replaycmd.GoTest(o, n, j.pkg.rel, args))
	}
	out := j.out
	if len(out) > maxOutput {
		out = append(append([]byte(nil), out[:maxOutput/2]...), fmt.Appendf(nil, "\n... %d bytes left out ...\n", len(out)-maxOutput)...)
		out = append(out, j.out[len(j.out)-maxOutput/2:]...)
	}
	r.Output = string(out)
	return r
}

// cost is how expensive a failed seed run is to replay: the simulated and
// wall time of the tests that failed (their replay commands run only those),
// or of the whole seed run when no failed test can be told apart.
func (r *seedRun) cost() (sim, wall int64) {
	failed := map[string]bool{}
	for _, n := range r.Failed {
		failed[n] = true
	}
	found := false
	for _, l := range r.Runs {
		if l.Result != "ok" || failed[l.Name] || l.Hash2 != "" {
			sim += l.SimNS
			wall += l.WallNS
			found = true
		}
	}
	if !found {
		return r.SimNS, r.WallNS
	}
	return sim, wall
}

// jsonWriter writes the -json file: a header, then one line per seed run
// as runs finish.
type jsonWriter struct {
	mu  sync.Mutex
	f   *os.File
	w   *bufio.Writer
	err error
}

func createJSON(path string, h shardHeader) (*jsonWriter, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	jw := &jsonWriter{f: f, w: bufio.NewWriter(f)}
	h.Type = recordHeader
	jw.write(h)
	return jw, jw.err
}

// write appends one line and flushes it, so the lines of a run that is
// killed are still there.
func (jw *jsonWriter) write(v any) {
	if jw == nil {
		return
	}
	jw.mu.Lock()
	defer jw.mu.Unlock()
	if jw.err != nil {
		return
	}
	b, err := json.Marshal(v)
	if err == nil {
		b = append(b, '\n')
		_, err = jw.w.Write(b)
	}
	if err == nil {
		err = jw.w.Flush()
	}
	jw.err = err
}

func (jw *jsonWriter) close() error {
	if jw == nil {
		return nil
	}
	if err := jw.f.Close(); jw.err == nil {
		jw.err = err
	}
	return jw.err
}

// readResults reads a -json file.
func readResults(r io.Reader) (headers []shardHeader, runs []*seedRun, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var t struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(line, &t); err != nil {
			return nil, nil, fmt.Errorf("line %d: %v", n, err)
		}
		switch t.Type {
		case recordHeader:
			var h shardHeader
			if err := json.Unmarshal(line, &h); err != nil {
				return nil, nil, fmt.Errorf("line %d: %v", n, err)
			}
			headers = append(headers, h)
		case recordRun:
			var s seedRun
			if err := json.Unmarshal(line, &s); err != nil {
				return nil, nil, fmt.Errorf("line %d: %v", n, err)
			}
			runs = append(runs, &s)
		default:
			return nil, nil, fmt.Errorf("line %d: unknown record type %q", n, t.Type)
		}
	}
	return headers, runs, sc.Err()
}

// shardSpec is -shard i/n.
type shardSpec struct{ i, n int }

func parseShard(s string) (shardSpec, error) {
	if s == "" {
		return shardSpec{0, 1}, nil
	}
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return shardSpec{}, fmt.Errorf("test: bad -shard %q: want i/n with 0 <= i < n", s)
	}
	return shardSpec{i, n}, nil
}

// pick returns the seeds of the shard: those whose index in the whole list
// is i mod n. Every machine computes the same split from the same flags, and
// neighbouring seeds go to different shards.
func (s shardSpec) pick(seeds []string) []string {
	var out []string
	for k, seed := range seeds {
		if k%s.n == s.i {
			out = append(out, seed)
		}
	}
	return out
}

// progress shows how far a swarm is: a rewritten line on a terminal, a line
// every 10 seconds otherwise.
type progress struct {
	w     io.Writer
	tty   bool
	total int
	start time.Time
	last  time.Time
}

func newProgress(w io.Writer, total int) *progress {
	p := &progress{w: w, total: total, start: time.Now(), last: time.Now()}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

// update shows the counts: seed runs done, their rate, failures, and the
// assertions no finished run has hit yet.
func (p *progress) update(done, failed, unreached int) {
	el := time.Since(p.start)
	rate := 0.0
	if el > 0 {
		rate = float64(done) / el.Seconds()
	}
	line := fmt.Sprintf("mgen: %d/%d seed runs, %.1f/s, %d failed", done, p.total, rate, failed)
	if unreached > 0 {
		line += fmt.Sprintf(", %d assertions unreached", unreached)
	}
	line += ", " + el.Round(time.Second).String()
	switch {
	case p.tty:
		fmt.Fprintf(p.w, "\r\033[K%s", line)
	case time.Since(p.last) >= 10*time.Second:
		fmt.Fprintln(p.w, line)
		p.last = time.Now()
	}
}

func (p *progress) finish() {
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// liveAssertions sums the assertion counts of finished runs, for the
// progress line.
type liveAssertions map[assertKey]*mrt.AssertionStat

func (l liveAssertions) add(stats []mrt.AssertionStat) {
	addAssertions(l, stats)
}

func (l liveAssertions) unmet() int {
	n := 0
	for _, s := range l {
		if !s.Met() {
			n++
		}
	}
	return n
}
