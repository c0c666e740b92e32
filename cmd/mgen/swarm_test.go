package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/marionette-dst/marionette/internal/testmod"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/marionette-dst/marionette/internal/replaycmd"
	mrt "github.com/marionette-dst/marionette/runtime"
)

func TestShardSplit(t *testing.T) {
	seeds, err := seedList("1", "1-10", 1)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for i := range 3 {
		s, err := parseShard(fmt.Sprintf("%d/3", i))
		if err != nil {
			t.Fatal(err)
		}
		got := s.pick(seeds)
		want := map[int]string{0: "1 4 7 10", 1: "2 5 8", 2: "3 6 9"}[i]
		if strings.Join(got, " ") != want {
			t.Errorf("shard %d/3: got %v, want %s", i, got, want)
		}
		for _, x := range got {
			seen[x]++
		}
	}
	for _, s := range seeds {
		if seen[s] != 1 {
			t.Errorf("seed %s is in %d shards", s, seen[s])
		}
	}
	if s, _ := parseShard(""); strings.Join(s.pick(seeds), " ") != strings.Join(seeds, " ") {
		t.Errorf("no -shard must keep every seed")
	}
	for _, bad := range []string{"3/3", "-1/3", "0/0", "1", "a/b", "1/2/3"} {
		if _, err := parseShard(bad); err == nil {
			t.Errorf("-shard %q accepted", bad)
		}
	}
	_, _, err = mgen(t, t.TempDir(), "test", "-shard", "2/2")
	var ue usageError
	if !errors.As(err, &ue) {
		t.Errorf("-shard 2/2: got %v, want a usage error", err)
	}
}

// TestRecordFromOutput reads seed runs from test binary outputs shaped like
// the runtime's (summary lines, failure headers, testing's --- FAIL lines).
func TestRecordFromOutput(t *testing.T) {
	sum := func(name, sim, wall, hash, result string) string {
		return fmt.Sprintf("marionette: run=%s seed=4 profile=smoke sim=%s wall=%s events=9 goroutines=2 hash=%s result=%s\n", name, sim, wall, hash, result)
	}
	exit1 := exitError(t, 1)
	tf := testFlags{profile: "smoke"}
	clearOptionsEnv(t)
	opts, err := resolveOptions(tf)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		out      string
		err      error
		kind     string
		cost     time.Duration
		replayed string
	}{
		{"pass", sum("TestA", "1.5s", "10µs", "aa", "ok") + sum("TestB", "2s", "20µs", "bb", "ok") + "PASS\n", nil, "", 0, ""},
		{"deadlock", sum("TestA", "1.5s", "10µs", "aa", "ok") + sum("TestB", "2s", "20µs", "bb", "deadlock") +
			"--- FAIL: TestB (0.00s)\n    x_test.go:9: marionette: FAIL deadlock in TestB at simulated 2s\nFAIL\n", exit1, "deadlock", 2 * time.Second, "TestB"},
		{"user failure", sum("TestA", "1.5s", "10µs", "aa", "ok") + "--- FAIL: TestA (0.00s)\n    x_test.go:3: boom\n" +
			sum("TestB", "2s", "20µs", "bb", "ok") + "FAIL\n", exit1, kindTest, 1500 * time.Millisecond, "TestA"},
		{"watchdog", sum("TestA", "1s", "10µs", "aa", "ok") + "marionette: FAIL stuck in TestB: a goroutine has run for more than 10s\n", exitError(t, 12), "stuck", 1 * time.Second, ""},
		{"crash", "fatal error: concurrent map writes\n", exitError(t, 2), kindExit, 0, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			j := &job{pkg: testPkg{rel: "./marionette_sim/p"}, seed: "4", opts: opts, out: []byte(c.out), err: c.err, wall: time.Millisecond}
			if c.err != nil {
				j.err = fmt.Errorf("test binary: %w", c.err)
			}
			r := j.record(tf, replaycmd.ParseTestArgs([]string{"-v"}, nil))
			if r.Kind != c.kind || (r.Outcome == outcomePass) != (c.kind == "") {
				t.Fatalf("outcome %s kind %q, want kind %q", r.Outcome, r.Kind, c.kind)
			}
			if c.kind == "" {
				if r.SimNS != int64(3500*time.Millisecond) || len(r.Runs) != 2 || r.Runs[1].Hash != "bb" || r.Output != "" {
					t.Fatalf("passing record: %+v", r)
				}
				return
			}
			if sim, _ := r.cost(); time.Duration(sim) != c.cost && c.cost != 0 {
				t.Errorf("cost %v, want %v", time.Duration(sim), c.cost)
			}
			if r.Output != c.out {
				t.Errorf("the output of a failed run is not kept")
			}
			if c.replayed != "" && (len(r.Replay) != 1 || !strings.HasPrefix(r.Replay[0], "MARIONETTE_SEED=4 MARIONETTE_PROFILE=smoke go test -run '^"+c.replayed+"$' -v ./marionette_sim/p")) {
				t.Errorf("replay %q, want the command rerunning %s", r.Replay, c.replayed)
			}
		})
	}
}

// exitError makes a real *exec.ExitError with the given status.
func exitError(t *testing.T, code int) error {
	err := exec.Command("sh", "-c", fmt.Sprintf("exit %d", code)).Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Skipf("no sh: %v", err)
	}
	return err
}

func TestSortByCost(t *testing.T) {
	r := func(seed string, sim, wall time.Duration) *seedRun {
		return &seedRun{Seed: seed, Package: "./p", Outcome: outcomeFail, SimNS: int64(sim), WallNS: int64(wall)}
	}
	rs := []*seedRun{r("5", 3*time.Second, 1), r("10", time.Second, 9), r("2", time.Second, 9), r("7", time.Second, 5), r("1", 0, 100)}
	sortByCost(rs)
	var got []string
	for _, x := range rs {
		got = append(got, x.Seed)
	}
	if strings.Join(got, " ") != "1 7 2 10 5" {
		t.Errorf("order %v, want 1 7 2 10 5 (simulated time, then wall time, then seed)", got)
	}
}

func TestMergeShardsChecks(t *testing.T) {
	h := func(i, n int) shardHeader {
		return shardHeader{Type: recordHeader, Shard: i, Shards: n, Seeds: 4, Profile: "smoke", Packages: []string{"./p"}}
	}
	run := func(seed string) *seedRun {
		return &seedRun{Type: recordRun, Seed: seed, Package: "./p", Outcome: outcomePass}
	}
	s, missing, err := mergeShards([]shardHeader{h(1, 2), h(0, 2)}, []*seedRun{run("2"), run("4"), run("1"), run("3")})
	if err != nil || len(missing) > 0 || len(s.runs) != 4 || s.runs[0].Seed != "1" || s.notRun != 0 {
		t.Fatalf("complete merge: %v %v %+v", err, missing, s)
	}
	s, missing, err = mergeShards([]shardHeader{h(0, 3), h(2, 3)}, []*seedRun{run("1"), run("3")})
	if err != nil || strings.Join(missing, " ") != "1/3" || s.notRun != 2 {
		t.Fatalf("missing shard: %v %v %+v", err, missing, s)
	}
	if _, _, err := mergeShards([]shardHeader{h(0, 2), h(0, 2)}, nil); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("shard twice: %v", err)
	}
	if _, _, err := mergeShards([]shardHeader{h(0, 2), h(1, 3)}, nil); err == nil || !strings.Contains(err.Error(), "not shards of one run") {
		t.Errorf("foreign shard: %v", err)
	}
	if _, _, err := mergeShards([]shardHeader{h(0, 2), h(1, 2)}, []*seedRun{run("1"), run("1")}); err == nil || !strings.Contains(err.Error(), "seed 1 of ./p appears twice") {
		t.Errorf("seed twice: %v", err)
	}
}

// go test flags after -- reach the test binary in its form; the replay
// command of a failed test repeats those that can change the run, and the
// package's own flags after the package (internal/replaycmd).
func TestTestBinaryArgs(t *testing.T) {
	a := replaycmd.ParseTestArgs([]string{"-run", "^TestA$", "-v", "-count=2", "-short", "-myflag", "x", "-skip", "B|C", "-timeout", "30s", "-args", "-run", "y"}, nil)
	want := []string{"-test.run=^TestA$", "-test.v=true", "-test.count=2", "-test.short=true", "-test.skip=B|C", "-test.timeout=30s", "-myflag", "x", "-run", "y"}
	if got := a.BinaryArgs(); !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	o, _ := mrt.Expand(3, mrt.Smoke)
	if got := replaycmd.GoTest(o, "TestA", "./p", replaycmd.ParseTestArgs([]string{"-skip", "B|C", "-v"}, nil)); got != "MARIONETTE_SEED=3 MARIONETTE_PROFILE=smoke go test -run '^TestA$' '-skip=B|C' -v ./p" {
		t.Errorf("replay: %s", got)
	}
	if got := replaycmd.GoTest(o, "TestA", "./p", a); got != "MARIONETTE_SEED=3 MARIONETTE_PROFILE=smoke go test -run '^TestA$' -v -count=2 -short '-skip=B|C' -timeout=30s ./p -args -myflag x -run y" {
		t.Errorf("replay with -run: %s", got)
	}
}

func TestTargetsOutsideTheModuleNeedInclude(t *testing.T) {
	dir := samples(t)
	_, _, err := mgen(t, dir, "test", "github.com/dave/jennifer/jen")
	if err == nil || !strings.Contains(err.Error(), "github.com/dave/jennifer/jen belongs to module github.com/dave/jennifer, which is not rewritten: add -include github.com/dave/jennifer") {
		t.Errorf("got %v, want the diagnostic naming -include", err)
	}
	_, _, err = mgen(t, dir, "gen", "strings")
	if err == nil || !strings.Contains(err.Error(), "strings is a standard library package") {
		t.Errorf("got %v, want the standard library diagnostic", err)
	}
}

// TestHelperMgen is not a test: the swarm tests run this test binary as an
// mgen process (MGEN_HELPER_ARGS holds the arguments, one per line).
func TestHelperMgen(t *testing.T) {
	raw, ok := os.LookupEnv("MGEN_HELPER_ARGS")
	if !ok {
		t.Skip("runs only as a child process of the swarm tests")
	}
	os.Args = append([]string{"mgen"}, strings.Split(raw, "\n")...)
	main()
	os.Exit(0)
}

// mgenProcess runs mgen as a separate process in dir.
func mgenProcess(t *testing.T, dir string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperMgen$")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "MGEN_HELPER_ARGS="+strings.Join(args, "\n"))
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return o.String(), e.String(), code
}

// testModule copies testdata/<name> to a temporary directory, pointing its
// replace directive at this repository.
func testModule(t *testing.T, name string) string { return testmod.Copy(t, name) }

// readResultFile reads a -json file of the test.
func readResultFile(t *testing.T, path string) ([]shardHeader, []*seedRun) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h, r, err := readResults(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return h, r
}

// comparable is a seed run without what depends on the machine (wall
// times, and the output, which holds them).
func comparable(r *seedRun) string {
	c := *r
	c.WallNS, c.Output = 0, ""
	c.Runs = append([]runLine(nil), r.Runs...)
	for i := range c.Runs {
		c.Runs[i].WallNS = 0
	}
	b, _ := json.Marshal(c)
	return string(b)
}

// linesWith returns the lines of s that start with prefix, in order.
func linesWith(s, prefix string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return out
}

// failLines returns the "--- FAIL: pkg seed=S ..." lines of a report with
// their times cut off, and checks that they are ordered by simulated time.
func failLines(t *testing.T, report string) []string {
	t.Helper()
	var out []string
	var last time.Duration
	for _, l := range linesWith(report, "--- FAIL: ./") {
		head, rest, ok := strings.Cut(l, " (simulated ")
		if !ok {
			t.Fatalf("failure line without its cost: %s", l)
		}
		sim, err := time.ParseDuration(rest[:strings.IndexByte(rest, ',')])
		if err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		if sim < last {
			t.Errorf("failures not ordered by simulated time: %s after %v", l, last)
		}
		last = sim
		out = append(out, head)
	}
	return out
}

// TestShardsMergeToTheUnshardedRun runs a 12-seed swarm over the bank module
// (two planted bugs: some seeds pass, some deadlock, some lose a deposit)
// once whole and as 3 shards, each its own mgen process; mgen report merges
// the shards into exactly the seed runs, hashes, failures and assertion
// coverage of the whole run, and prints the same summary.
func TestShardsMergeToTheUnshardedRun(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end")
	}
	dir := testModule(t, "swarm")
	const seeds = "1-12"
	wholeOut, stderr, code := mgenProcess(t, dir, "test", "-seeds", seeds, "-json", "whole.jsonl", "./...")
	if code != 1 {
		t.Fatalf("whole run: exit %d, want 1 (failures)\n%s\n%s", code, wholeOut, stderr)
	}
	if !strings.Contains(stderr, "seed runs, ") || !strings.Contains(stderr, "/s, ") {
		// Not a terminal: the progress line comes every 10 s, so a short
		// run may print none. Only check its shape when it is there.
		if strings.Contains(stderr, "mgen: ") && !strings.Contains(stderr, "seed runs") {
			t.Errorf("progress line: %s", stderr)
		}
	}
	// The shards run at the same time, as on separate machines, and so does
	// a run that stops at its first failure (checked at the end).
	type result struct {
		out, stderr string
		code        int
	}
	var shardFiles []string
	results := make([]result, 4)
	var wg sync.WaitGroup
	for i := range 4 {
		args := []string{"test", "-seeds", seeds, "-j", "1", "-keep-going=false", "./..."}
		if i < 3 {
			name := fmt.Sprintf("shard%d.jsonl", i)
			shardFiles = append(shardFiles, name)
			args = []string{"test", "-seeds", seeds, "-shard", fmt.Sprintf("%d/3", i), "-json", name, "./..."}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &results[i]
			r.out, r.stderr, r.code = mgenProcess(t, dir, args...)
		}()
	}
	wg.Wait()
	for i, name := range shardFiles {
		r := results[i]
		if r.code > 1 {
			t.Fatalf("shard %d: exit %d\n%s\n%s", i, r.code, r.out, r.stderr)
		}
		if !strings.Contains(r.out, fmt.Sprintf("4 runs (4 seeds x 1 packages, shard %d/3 of 12 seeds)", i)) {
			t.Errorf("shard %d summary:\n%s", i, r.out)
		}
		_, runs := readResultFile(t, filepath.Join(dir, name))
		for _, r := range runs {
			var n int
			fmt.Sscan(r.Seed, &n)
			if (n-1)%3 != i {
				t.Errorf("seed %s ran in shard %d/3", r.Seed, i)
			}
		}
	}
	merged, stderr, code := mgenProcess(t, dir, append([]string{"report"}, shardFiles...)...)
	if code != 1 {
		t.Fatalf("report: exit %d, want 1 (failures)\n%s\n%s", code, merged, stderr)
	}

	// The same seed runs, outcomes, kinds, hashes, failed tests, replay
	// commands and assertion counts.
	_, whole := readResultFile(t, filepath.Join(dir, "whole.jsonl"))
	var parts []*seedRun
	for _, f := range shardFiles {
		_, r := readResultFile(t, filepath.Join(dir, f))
		parts = append(parts, r...)
	}
	key := func(rs []*seedRun) []string {
		var out []string
		for _, r := range rs {
			out = append(out, comparable(r))
		}
		sort.Strings(out)
		return out
	}
	a, b := key(whole), key(parts)
	if len(a) != 12 || !reflect.DeepEqual(a, b) {
		t.Fatalf("merged shards differ from the whole run:\n%s\n--\n%s", strings.Join(a, "\n"), strings.Join(b, "\n"))
	}
	pass, fail := 0, 0
	for _, r := range whole {
		if r.Outcome == outcomePass {
			pass++
		} else {
			fail++
		}
	}
	if pass == 0 || fail == 0 {
		t.Fatalf("the swarm should find the planted bugs in some seeds and not others: %d passed, %d failed", pass, fail)
	}

	// The same report: summary, kinds, unreached assertions, and the same
	// failures, cheapest first.
	if !reflect.DeepEqual(linesWith(wholeOut, "mgen: "+"12 runs"), linesWith(merged, "mgen: 12 runs")) || len(linesWith(merged, "mgen: 12 runs")) != 1 {
		t.Errorf("summary lines differ:\n%s\n--\n%s", wholeOut, merged)
	}
	for _, prefix := range []string{"mgen: failures by kind", "mgen: assertions over", `  reachable "negative balance"`} {
		w, m := linesWith(wholeOut, prefix), linesWith(merged, prefix)
		if len(w) != 1 || !reflect.DeepEqual(w, m) {
			t.Errorf("%q lines differ: %q vs %q", prefix, w, m)
		}
	}
	wf, mf := failLines(t, wholeOut), failLines(t, merged)
	sort.Strings(wf)
	sort.Strings(mf)
	if len(wf) != fail || !reflect.DeepEqual(wf, mf) {
		t.Errorf("failures differ:\n%s\n--\n%s", strings.Join(wf, "\n"), strings.Join(mf, "\n"))
	}

	// A missing or repeated shard is not a complete result.
	out, stderr, code := mgenProcess(t, dir, "report", shardFiles[0], shardFiles[2])
	if code != 1 || !strings.Contains(stderr, "no results for shard 1/3") || !strings.Contains(out, "not run (shard 1/3 missing)") {
		t.Errorf("report without shard 1: exit %d\n%s\n%s", code, out, stderr)
	}
	_, stderr, code = mgenProcess(t, dir, "report", shardFiles[0], shardFiles[0], shardFiles[1], shardFiles[2])
	if code != 1 || !strings.Contains(stderr, "shard 0/3 appears twice") {
		t.Errorf("report with shard 0 twice: exit %d\n%s", code, stderr)
	}

	// Without -keep-going, no run starts after the first failure (seed 1
	// deadlocks; one worker, so nothing else is in flight).
	if r := results[3]; r.code != 1 || !strings.Contains(r.out, "0 passed, 1 failed, 11 not run (stopped at the first failure: -keep-going=false)") {
		t.Errorf("-keep-going=false: exit %d\n%s", r.code, r.out)
	}

	// An interrupt stops a long swarm: what finished is reported and kept
	// in the results file, the rest is not run, and the exit status says so.
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperMgen$")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "MGEN_HELPER_ARGS="+strings.Join([]string{"test", "-seeds", "1-100000", "-j", "1", "-json", "long.jsonl", "./..."}, "\n"))
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		data, _ := os.ReadFile(filepath.Join(dir, "long.jsonl"))
		if bytes.Count(data, []byte("\n")) >= 4 { // the header and 3 seed runs
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the long swarm wrote no results\n%s\n%s", o.String(), e.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	_, long := readResultFile(t, filepath.Join(dir, "long.jsonl"))
	want := fmt.Sprintf("not run (%s)", stopInterrupted)
	if err == nil || len(long) < 3 || len(long) > 1000 || !strings.Contains(o.String(), want) || !strings.Contains(e.String(), "mgen: interrupted") {
		t.Errorf("interrupted swarm: %v, %d results\n%s\n%s", err, len(long), o.String(), e.String())
	}
	if _, _, code := mgenProcess(t, dir, "report", "long.jsonl"); code != 1 {
		t.Errorf("report of an interrupted swarm: exit %d, want 1", code)
	}
}

func TestProgressLine(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b, 10)
	p.update(3, 1, 2)
	if b.Len() != 0 {
		t.Errorf("not a terminal: a line at most every 10 s, got %q", b.String())
	}
	p.last = p.last.Add(-11 * time.Second)
	p.update(4, 1, 2)
	if got := b.String(); !regexp.MustCompile(`^mgen: 4/10 seed runs, [\d.]+/s, 1 failed, 2 assertions unreached, \d+s\n$`).MatchString(got) {
		t.Errorf("progress line %q", got)
	}
}

func TestReportUsage(t *testing.T) {
	_, _, err := mgen(t, t.TempDir(), "report")
	var ue usageError
	if !errors.As(err, &ue) {
		t.Errorf("report without files: got %v, want a usage error", err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "x.jsonl"), []byte(`{"type":"run","seed":"1"}`+"\n"), 0o666)
	if _, _, err := mgen(t, dir, "report", "x.jsonl"); err == nil || !strings.Contains(err.Error(), "no header line") {
		t.Errorf("file without header: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "y.jsonl"), []byte("{\"type\":\"header\",\"shards\":1,\"seeds\":1,\"packages\":[\"./p\"]}\n"+
		`{"type":"run","seed":"1","package":"./p","outcome":"fail","kind":"check","sim_ns":5,"output":"boom\n","replay":["r"],`+
		`"assertions":[{"kind":"sometimes","message":"m","reached":1,"satisfied":0}],"assertion_runs":1}`+"\n"), 0o666)
	stdout, _, err := mgen(t, dir, "report", "y.jsonl")
	var fe *failedError
	if !errors.As(err, &fe) {
		t.Fatalf("failed run: got %v", err)
	}
	for _, want := range []string{"--- FAIL: ./p seed=1 profile= kind=check (simulated 5ns, wall 0s)", "boom\nreplay: r\n",
		`sometimes "m": never satisfied (evaluated 1 times)`, "mgen: 1 runs (1 seeds x 1 packages): 0 passed, 1 failed", "mgen: failures by kind: check 1"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, stdout)
		}
	}
}
