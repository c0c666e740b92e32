// This file defines the test subcommand: generate, build each test binary
// once, run it once per seed (in parallel), compare determinism hashes, and
// report failures with the command that replays them.

package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/marionette-dst/marionette/internal/replaycmd"
	mrt "github.com/marionette-dst/marionette/runtime"
)

type testFlags struct {
	genFlags
	seed      string
	seeds     string
	runs      int
	profile   string
	options   string
	jobs      int
	traceFail bool // -trace-failure
	check     bool
	verbose   bool
	unreach   bool // -fail-unreached
	// Swarm flags (swarm.go).
	jsonOut   string
	shard     string
	keepGoing bool
}

func runTest(e env, args []string) error {
	var tf testFlags
	fs := testFlagSet(&tf)
	ours, passThrough := splitDashDash(args)
	if err := fs.Parse(ours); err != nil {
		return usagef("test: %v", err)
	}
	// The options, resolved as test binaries resolve them (flags replacing
	// the environment), before anything is built: a bad seed, profile or
	// option set is a usage error.
	opts, err := resolveOptions(tf)
	if err != nil {
		return usageError{err}
	}
	tf.profile = string(opts.base.Profile)
	seeds, err := opts.seeds(tf)
	if err != nil {
		return usageError{err}
	}
	if tf.jobs < 1 {
		return usagef("test: -j must be at least 1")
	}
	shard, err := parseShard(tf.shard)
	if err != nil {
		return usageError{err}
	}
	allSeeds := seeds
	seeds = shard.pick(allSeeds)
	patterns := fs.Args()
	cfg := tf.config(e, patterns, "gen "+strings.Join(genArgs(fs), " "))
	if err := checkTargets(e.dir, patterns, cfg.Include); err != nil {
		return err
	}
	res, err := generate(e, cfg)
	if err != nil {
		return err
	}
	modRoot := moduleRoot(res.OutDir)

	ov, err := simFlags(e, res, tf.std, cfg.Patterns, cfg.Include)
	if err != nil {
		return err
	}
	buildFlags := append(ov, "-vet=off")
	// Replay commands (internal/replaycmd) repeat the build flags, as the
	// test binaries' own do (the overlay sets them there).
	mrt.SetBuildFlags(buildFlags...)
	defer mrt.SetBuildFlags()

	// Build each test binary once.
	bin, err := os.MkdirTemp("", "mgen-test-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(bin)
	var pkgs []testPkg
	for i, p := range res.Packages {
		if !p.Root || !hasTests(p.SrcDir) {
			continue
		}
		exe := filepath.Join(bin, fmt.Sprintf("p%d.test", i))
		cmd := exec.Command("go", append(append([]string{"test", "-c", "-o", exe}, buildFlags...), p.SimPath)...)
		cmd.Dir = modRoot
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(e.stderr, "%s", out)
			return fmt.Errorf("building the tests of %s: %v", p.SimPath, err)
		}
		rel, _ := filepath.Rel(modRoot, p.SrcDir)
		pkgs = append(pkgs, testPkg{exe: exe, dir: p.SrcDir, rel: "./" + filepath.ToSlash(rel)})
	}
	if len(pkgs) == 0 {
		fmt.Fprintln(e.stderr, "mgen: no test files in the matched packages")
		return nil
	}

	// One job per package and seed (twice with -check-determinism).
	var jobs []*job
	var pkgNames []string
	for _, p := range pkgs {
		pkgNames = append(pkgNames, p.rel)
		for _, s := range seeds {
			jobs = append(jobs, &job{pkg: p, seed: s, opts: opts})
		}
	}
	if tf.jsonOut != "" && !filepath.IsAbs(tf.jsonOut) {
		tf.jsonOut = filepath.Join(e.dir, tf.jsonOut)
	}
	jw, err := createJSON(tf.jsonOut, shardHeader{Shard: shard.i, Shards: shard.n, Seeds: len(allSeeds), Planned: len(jobs),
		Profile: tf.profile, Packages: pkgNames, Check: tf.check})
	if err != nil {
		return err
	}
	parsedArgs := replaycmd.ParseTestArgs(passThrough, nil)
	testArgs := parsedArgs.BinaryArgs()
	stopped := runAll(e, jobs, tf, testArgs, parsedArgs, jw)
	if err := jw.close(); err != nil {
		return fmt.Errorf("writing %s: %v", tf.jsonOut, err)
	}

	// Report (report.go).
	var runs []*seedRun
	for _, j := range jobs {
		if j.rec == nil {
			continue
		}
		if tf.verbose && j.rec.Outcome == outcomePass {
			e.stdout.Write(j.out)
		}
		runs = append(runs, j.rec)
	}
	sum := swarmSummary{runs: runs, seeds: len(seeds), packages: len(pkgs), check: tf.check}
	if shard.n > 1 {
		sum.shard = fmt.Sprintf("shard %d/%d of %d seeds", shard.i, shard.n, len(allSeeds))
	}
	if n := len(jobs) - len(runs); n > 0 {
		sum.notRun, sum.notRunBy = n, stopped
	}
	failures, unreached := printSummary(e.stdout, sum, tf.verbose)
	if failures > 0 && tf.traceFail && stopped != stopInterrupted {
		var failed []*seedRun
		for _, r := range runs {
			if r.Outcome != outcomePass {
				failed = append(failed, r)
			}
		}
		if path, err := traceCheapestFailure(failed, jobs, testArgs); err != nil {
			fmt.Fprintf(e.stderr, "mgen: no Perfetto trace of the cheapest failure: %v\n", err)
		} else if path != "" {
			fmt.Fprintf(e.stdout, "mgen: Perfetto trace of the cheapest failure: %s (open it at ui.perfetto.dev or chrome://tracing)\n", path)
		}
	}
	if tf.jsonOut != "" {
		fmt.Fprintf(e.stdout, "mgen: results in %s\n", tf.jsonOut)
	}
	switch {
	case stopped == stopInterrupted:
		return fmt.Errorf("interrupted after %d of %d seed runs", len(runs), len(jobs))
	case failures > 0:
		return &failedError{failures}
	case tf.unreach && unreached > 0:
		return fmt.Errorf("%d assertions were hit by no run (-fail-unreached)", unreached)
	}
	return nil
}

// testFlagSet returns the flags of test, set into tf.
func testFlagSet(tf *testFlags) *flag.FlagSet {
	fs := newFlagSet("test")
	tf.register(fs)
	fs.StringVar(&tf.seed, "seed", "", "first seed (default $MARIONETTE_SEED, or 1)")
	fs.StringVar(&tf.seeds, "seeds", "", "seeds to run, e.g. 1,5,10-20")
	fs.IntVar(&tf.runs, "runs", 1, "number of seeds, from -seed upwards")
	fs.StringVar(&tf.profile, "profile", "", "simulation profile (default $MARIONETTE_PROFILE, or smoke)")
	fs.StringVar(&tf.options, "options", "", "an option set to replay: a printed JSON line, or @file (default $MARIONETTE_OPTIONS)")
	fs.IntVar(&tf.jobs, "j", runtime.NumCPU(), "seed runs in parallel")
	fs.BoolVar(&tf.check, "check-determinism", false, "run every seed twice and compare hashes")
	fs.BoolVar(&tf.traceFail, "trace-failure", true, "after failures, rerun the cheapest one with a trace and write it as a Perfetto trace")
	fs.BoolVar(&tf.verbose, "v", false, "print the output of every run")
	fs.BoolVar(&tf.unreach, "fail-unreached", false, "fail when an assertion that must be hit (Sometimes, Reachable, Always) was hit by no run")
	fs.StringVar(&tf.jsonOut, "json", "", "write one JSON line per seed run to this file")
	fs.StringVar(&tf.shard, "shard", "", "run shard i/n of the seeds: those whose index mod n is i")
	fs.BoolVar(&tf.keepGoing, "keep-going", true, "run every seed; with -keep-going=false, start no new run after the first failure")
	return fs
}

type testPkg struct {
	exe string // test binary
	dir string // generated package directory (the binary's working directory)
	rel string // ./marionette_sim/pkg, relative to the module root
}

type job struct {
	pkg       testPkg
	seed      string
	opts      *testOptions
	out, out2 []byte
	err       error
	traces    [2]string // trace files of the two runs (-check-determinism)
	wall      time.Duration
	rec       *seedRun // the result; nil if the job did not run (or was interrupted)
}

// Why runAll stopped early.
const (
	stopFailure     = "stopped at the first failure: -keep-going=false"
	stopInterrupted = "interrupted"
)

// runAll runs the jobs with tf.jobs workers, showing progress on stderr and
// writing each result to jw as it comes. It stops starting jobs after the
// first failure without -keep-going, or on an interrupt (SIGINT, SIGTERM);
// the jobs already running finish and are reported. It returns why it
// stopped early, or "".
func runAll(e env, jobs []*job, tf testFlags, testArgs []string, parsedArgs replaycmd.TestArgs, jw *jsonWriter) string {
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	var mu sync.Mutex
	done, failed := 0, 0
	stop := ""
	live := liveAssertions{}
	progress := newProgress(e.stderr, len(jobs))
	work := make(chan *job)
	var wg sync.WaitGroup
	for range tf.jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				mu.Lock()
				skip := stop != "" || ctx.Err() != nil
				mu.Unlock()
				if skip {
					continue // the feeder handed it over before the stop
				}
				start := time.Now()
				if tf.check {
					// Both runs write their whole trace, so a mismatch can
					// be explained event by event.
					dir, err := os.MkdirTemp("", "mgen-determinism-")
					if err != nil {
						j.err = err
					} else {
						j.traces = [2]string{filepath.Join(dir, "run1.jsonl"), filepath.Join(dir, "run2.jsonl")}
						var err2 error
						j.out, j.err = runBinary(j.pkg, j.options(), testArgs, mrt.EnvTrace+"="+j.traces[0])
						j.out2, err2 = runBinary(j.pkg, j.options(), testArgs, mrt.EnvTrace+"="+j.traces[1])
						if j.err == nil {
							j.err = err2
						}
					}
				} else {
					j.out, j.err = runBinary(j.pkg, j.options(), testArgs)
				}
				j.wall = time.Since(start)
				if j.err != nil && ctx.Err() != nil {
					// Killed by the interrupt (a terminal's ^C reaches
					// the test binaries too): not a result.
					if j.traces[0] != "" {
						os.RemoveAll(filepath.Dir(j.traces[0]))
					}
					j.out, j.out2 = nil, nil
					continue
				}
				rec := j.record(tf, parsedArgs)
				if !tf.verbose {
					j.out = nil
				}
				j.out2 = nil
				jw.write(rec)
				mu.Lock()
				j.rec = rec
				done++
				live.add(rec.Assertions)
				if rec.Outcome != outcomePass {
					failed++
					if !tf.keepGoing && stop == "" {
						stop = stopFailure
					}
				}
				progress.update(done, failed, live.unmet())
				mu.Unlock()
			}
		}()
	}
feed:
	for _, j := range jobs {
		mu.Lock()
		stopping := stop != ""
		mu.Unlock()
		if stopping {
			break
		}
		select {
		case work <- j:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	progress.finish()
	if ctx.Err() != nil {
		return stopInterrupted
	}
	return stop
}

// runBinary runs a test binary with options o: in the environment of the
// process, without its MARIONETTE_SEED, MARIONETTE_PROFILE and
// MARIONETTE_OPTIONS, plus the variables that give o (replaycmd.Env, as
// the replay commands do) and env.
func runBinary(p testPkg, o mrt.Options, args []string, env ...string) ([]byte, error) {
	cmd := exec.CommandContext(context.Background(), p.exe, args...)
	cmd.Dir = p.dir
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k != mrt.EnvSeed && k != mrt.EnvProfile && k != mrt.EnvOptions {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(append(cmd.Env, replaycmd.Env(o)...), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		err = fmt.Errorf("test binary: %v", err)
	}
	return out, err
}

// splitDashDash splits args at the first "--".
func splitDashDash(args []string) (ours, rest []string) {
	for i, a := range args {
		if a == "--" {
			return args[:i], args[i+1:]
		}
	}
	return args, nil
}

// genArgs reconstructs the gen flags set on fs, for the generated header.
func genArgs(fs *flag.FlagSet) []string {
	var out []string
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "o", "include":
			out = append(out, "-"+f.Name, f.Value.String())
		case "allow-unsupported":
			out = append(out, "-"+f.Name)
		}
	})
	return append(out, fs.Args()...)
}

// seedList expands -seeds (or -seed and -runs) into the seeds to run,
// written as the runtime parses them.
func seedList(seed, seeds string, runs int) ([]string, error) {
	if seeds != "" {
		var out []string
		for _, part := range strings.Split(seeds, ",") {
			part = strings.TrimSpace(part)
			if lo, hi, ok := strings.Cut(part, "-"); ok {
				a, err1 := strconv.ParseUint(lo, 10, 64)
				b, err2 := strconv.ParseUint(hi, 10, 64)
				if err1 != nil || err2 != nil || b < a {
					return nil, fmt.Errorf("test: bad seed range %q in -seeds", part)
				}
				if b-a >= 1_000_000 {
					return nil, fmt.Errorf("test: seed range %q is too large", part)
				}
				for s := a; ; s++ {
					out = append(out, strconv.FormatUint(s, 10))
					if s == b {
						break
					}
				}
				continue
			}
			if _, err := mrt.ParseSeed(part); err != nil {
				return nil, fmt.Errorf("test: %v", err)
			}
			out = append(out, part)
		}
		return out, nil
	}
	if runs < 1 {
		return nil, fmt.Errorf("test: -runs must be at least 1")
	}
	if _, err := mrt.ParseSeed(seed); err != nil {
		return nil, fmt.Errorf("test: %v", err)
	}
	if runs == 1 {
		return []string{seed}, nil
	}
	first, err := strconv.ParseUint(seed, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("test: -runs > 1 needs a decimal -seed, not %q", seed)
	}
	var out []string
	for i := range runs {
		out = append(out, strconv.FormatUint(first+uint64(i), 10))
	}
	return out, nil
}

var failRE = regexp.MustCompile(`(?m)^--- FAIL: (\S+)`)

// failedTests lists the top-level tests that failed in a test binary's output.
func failedTests(out []byte) []string {
	var names []string
	for _, m := range failRE.FindAllSubmatch(out, -1) {
		names = append(names, string(m[1]))
	}
	return names
}

// hashLines maps each run name to its hash and result, from the
// "marionette: run=NAME seed=... hash=H result=R" lines.
func hashLines(out []byte) map[string]string {
	m := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		l := sc.Text()
		if !strings.HasPrefix(l, "marionette:") || !strings.Contains(l, " hash=") {
			continue
		}
		var name, hash, result string
		for _, f := range strings.Fields(l) {
			if v, ok := strings.CutPrefix(f, "run="); ok {
				name = v
			} else if v, ok := strings.CutPrefix(f, "hash="); ok {
				hash = v
			} else if v, ok := strings.CutPrefix(f, "result="); ok {
				result = v
			}
		}
		// A test that runs several worlds (subtests) gets them in order.
		key := name
		for i := 2; ; i++ {
			if _, dup := m[key]; !dup {
				break
			}
			key = name + "#" + strconv.Itoa(i)
		}
		m[key] = hash + " " + result
	}
	return m
}

// compareHashes reports the tests whose hash lines differ between two runs.
func compareHashes(a, b []byte) []string {
	ha, hb := hashLines(a), hashLines(b)
	var names []string
	for n := range ha {
		names = append(names, n)
	}
	for n := range hb {
		if _, ok := ha[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var problems []string
	for _, n := range names {
		if ha[n] != hb[n] {
			problems = append(problems, fmt.Sprintf("nondeterministic: %s: run 1 %q, run 2 %q", n, ha[n], hb[n]))
		}
	}
	return problems
}

// explainDivergence compares the traces of the two runs of a seed and names,
// for every run whose hashes differ, the first event where they diverged.
func explainDivergence(traces [2]string) []string {
	var sets [2][]mrt.TraceRun
	for i, p := range traces {
		f, err := os.Open(p)
		if err != nil {
			return []string{fmt.Sprintf("cannot compare traces: %v", err)}
		}
		sets[i], err = mrt.ReadTrace(f)
		f.Close()
		if err != nil {
			return []string{fmt.Sprintf("cannot compare traces: %v", err)}
		}
	}
	var out []string
	for k := 0; k < len(sets[0]) && k < len(sets[1]); k++ {
		a, b := sets[0][k], sets[1][k]
		if a.Hash == b.Hash {
			continue
		}
		i, ea, eb := mrt.FirstDivergence(a.Events, b.Events)
		if i < 0 {
			out = append(out, fmt.Sprintf("%s: %s", a.Name, mrt.NoVisibleDivergence))
			continue
		}
		out = append(out, fmt.Sprintf("%s: first divergence at event %d:\n    run 1: %s\n    run 2: %s", a.Name, i+1, ea, eb))
	}
	return out
}

// divergedTests lists the tests whose hashes differ, without "#n" suffixes.
func divergedTests(a, b []byte) []string {
	var names []string
	seen := map[string]bool{}
	ha, hb := hashLines(a), hashLines(b)
	for n, h := range ha {
		if hb[n] != h {
			n, _, _ = strings.Cut(n, "#")
			n, _, _ = strings.Cut(n, "/")
			if !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	sort.Strings(names)
	return names
}

// fullFailureReports is how many failing runs have their whole output shown
// (without -v); the rest get a one-line summary and their replay command.
const fullFailureReports = 1

func hasTests(dir string) bool {
	m, _ := filepath.Glob(filepath.Join(dir, "*_test.go"))
	return len(m) > 0
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// testOptions are the options of a test run: with an option set, that set
// (one seed); otherwise each seed's expansion with the resolved profile.
type testOptions struct {
	in     mrt.OptionInputs // the inputs, flags replacing the environment
	base   mrt.Options      // resolved from in as given
	optSet bool             // in has an option set
}

// resolveOptions resolves the options of mgen test as runtime.ResolveOptions
// does for a test binary, -seed, -profile and -options replacing
// MARIONETTE_SEED, MARIONETTE_PROFILE and MARIONETTE_OPTIONS.
func resolveOptions(tf testFlags) (*testOptions, error) {
	in := mrt.EnvOptionInputs().Override(mrt.OptionInputs{
		Seed:       mrt.OptionInput{Value: tf.seed, From: "-seed"},
		Profile:    mrt.OptionInput{Value: tf.profile, From: "-profile"},
		Options:    mrt.OptionInput{Value: tf.options, From: "-options"},
		OptionsVia: "-options or $" + mrt.EnvOptions,
	})
	base, err := mrt.ResolveOptions(in)
	if err != nil {
		return nil, fmt.Errorf("test: %v", err)
	}
	return &testOptions{in: in, base: base, optSet: in.Options.Value != ""}, nil
}

// seeds lists the seeds to run (seedList), checked against the options:
// an option set is one run.
func (t *testOptions) seeds(tf testFlags) ([]string, error) {
	if t.optSet {
		if tf.seeds != "" || tf.runs != 1 {
			return nil, fmt.Errorf("test: -seeds and -runs do not go with an option set to replay (%s): it is one run", t.in.Options.From)
		}
		return []string{strconv.FormatUint(t.base.Seed, 10)}, nil
	}
	seed := t.in.Seed.Value
	if seed == "" {
		seed = strconv.Itoa(mrt.DefaultSeed)
	}
	return seedList(seed, tf.seeds, tf.runs)
}

// forSeed returns the options of one seed of the list.
func (t *testOptions) forSeed(seed string) mrt.Options {
	if t.optSet {
		return t.base
	}
	in := t.in
	in.Seed = mrt.OptionInput{Value: seed, From: "-seeds"}
	o, err := mrt.ResolveOptions(in)
	if err != nil {
		// seedList parsed every seed and the profile resolved: unreachable.
		panic(err)
	}
	return o
}

// options returns the job's options.
func (j *job) options() mrt.Options { return j.opts.forSeed(j.seed) }
