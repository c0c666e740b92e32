// This file defines the final report of a swarm, which mgen test prints
// after its runs and mgen report prints from the -json files of one or more
// shards, and the report subcommand itself. Both print the same report from
// the same records, so merged shards read exactly like one unsharded run.

package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	mrt "github.com/marionette-dst/marionette/runtime"
)

// swarmSummary is what the report needs besides the seed runs.
type swarmSummary struct {
	runs     []*seedRun
	seeds    int // seeds in the (unsharded) list
	packages int
	check    bool
	notRun   int    // planned seed runs without a result
	notRunBy string // why, for the summary line
	shard    string // "shard i/n of N seeds", for one shard's own summary
}

// printSummary prints the failed seed runs, cheapest repro first, the
// assertions no run hit and the summary line. It returns the number of
// failed seed runs and of assertions no run hit.
func printSummary(w io.Writer, s swarmSummary, verbose bool) (failures, unreached int) {
	var failed []*seedRun
	kinds := map[string]int{}
	sum := map[assertKey]*mrt.AssertionStat{}
	assertRuns := 0
	for _, r := range s.runs {
		addAssertions(sum, r.Assertions)
		assertRuns += r.AssertionRuns
		if r.Outcome != outcomePass {
			failed = append(failed, r)
			kinds[r.Kind]++
		}
	}
	sortByCost(failed)
	if len(failed) > 1 {
		fmt.Fprintf(w, "mgen: %d failed seed runs, cheapest repro first\n", len(failed))
	}
	for i, r := range failed {
		sim, wall := r.cost()
		fmt.Fprintf(w, "--- FAIL: %s seed=%s profile=%s kind=%s (simulated %v, wall %v): %s\n", r.Package, r.Seed, r.Profile, r.Kind,
			time.Duration(sim), time.Duration(wall).Round(time.Microsecond), strings.Join(r.Problems, "; "))
		if i < fullFailureReports || verbose {
			io.WriteString(w, r.Output)
			if r.Output != "" && !strings.HasSuffix(r.Output, "\n") {
				io.WriteString(w, "\n")
			}
		}
		for _, c := range r.Replay {
			fmt.Fprintf(w, "replay: %s\n", c)
		}
	}
	unreached = printAssertions(w, sortedAssertions(sum), assertRuns, verbose)
	fmt.Fprintf(w, "mgen: %d runs (%d seeds x %d packages", s.seeds*s.packages, s.seeds, s.packages)
	if s.check {
		fmt.Fprint(w, ", each twice for determinism")
	}
	if s.shard != "" {
		fmt.Fprint(w, ", "+s.shard)
	}
	fmt.Fprintf(w, "): %d passed, %d failed", len(s.runs)-len(failed), len(failed))
	if s.notRun > 0 {
		fmt.Fprintf(w, ", %d not run (%s)", s.notRun, s.notRunBy)
	}
	fmt.Fprintln(w)
	if len(kinds) > 0 {
		var ks []string
		for k := range kinds {
			ks = append(ks, k)
		}
		sort.Slice(ks, func(i, j int) bool {
			if kinds[ks[i]] != kinds[ks[j]] {
				return kinds[ks[i]] > kinds[ks[j]]
			}
			return ks[i] < ks[j]
		})
		var parts []string
		for _, k := range ks {
			parts = append(parts, fmt.Sprintf("%s %d", k, kinds[k]))
		}
		fmt.Fprintf(w, "mgen: failures by kind: %s\n", strings.Join(parts, ", "))
	}
	if len(failed) > fullFailureReports && !verbose {
		fmt.Fprintf(w, "mgen: the output of the first %d failing runs is shown above; -v shows all\n", fullFailureReports)
	}
	return len(failed), unreached
}

// sortByCost orders failed seed runs by the simulated time, then the wall
// time, of what their replay commands rerun: the cheapest repro first.
// Ties keep a fixed order (package, then seed), so merged shards and one
// unsharded run print the same list.
func sortByCost(rs []*seedRun) {
	sort.SliceStable(rs, func(i, j int) bool {
		si, wi := rs[i].cost()
		sj, wj := rs[j].cost()
		if si != sj {
			return si < sj
		}
		if wi != wj {
			return wi < wj
		}
		if rs[i].Package != rs[j].Package {
			return rs[i].Package < rs[j].Package
		}
		return seedLess(rs[i].Seed, rs[j].Seed)
	})
}

// seedLess orders decimal seeds numerically, and anything else after them
// as text.
func seedLess(a, b string) bool {
	x, errA := strconv.ParseUint(a, 10, 64)
	y, errB := strconv.ParseUint(b, 10, 64)
	switch {
	case errA == nil && errB == nil:
		return x < y
	case errA == nil:
		return true
	case errB == nil:
		return false
	}
	return a < b
}

// sortRuns puts seed runs in a fixed order: package, then seed.
func sortRuns(rs []*seedRun) {
	sort.SliceStable(rs, func(i, j int) bool {
		if rs[i].Package != rs[j].Package {
			return rs[i].Package < rs[j].Package
		}
		return seedLess(rs[i].Seed, rs[j].Seed)
	})
}

func runReport(e env, args []string) error {
	fs := newFlagSet("report")
	verbose := fs.Bool("v", false, "print the output of every failed run and every assertion")
	unreach := fs.Bool("fail-unreached", false, "fail when an assertion that must be hit was hit by no run")
	if err := fs.Parse(args); err != nil {
		return usagef("report: %v", err)
	}
	if fs.NArg() == 0 {
		return usagef("report: no result files (the -json files of mgen test)")
	}
	var headers []shardHeader
	var runs []*seedRun
	for _, name := range fs.Args() {
		path := name
		if !filepath.IsAbs(path) {
			path = filepath.Join(e.dir, path)
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		h, r, err := readResults(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %v", name, err)
		}
		if len(h) == 0 {
			return fmt.Errorf("%s: no header line: not a file written by mgen test -json", name)
		}
		headers = append(headers, h...)
		runs = append(runs, r...)
	}
	s, missing, err := mergeShards(headers, runs)
	if err != nil {
		return err
	}
	failures, unreached := printSummary(e.stdout, s, *verbose)
	if len(missing) > 0 {
		return fmt.Errorf("report: incomplete: no results for shard %s", strings.Join(missing, ", "))
	}
	if failures > 0 {
		return &failedError{failures}
	}
	if s.notRun > 0 {
		return fmt.Errorf("report: incomplete: %d planned seed runs have no result (a shard was interrupted)", s.notRun)
	}
	if *unreach && unreached > 0 {
		return fmt.Errorf("%d assertions were hit by no run (-fail-unreached)", unreached)
	}
	return nil
}

// mergeShards checks that the headers describe shards of one swarm, each at
// most once, and that no seed run appears twice; it returns the summary and
// the shards missing.
func mergeShards(headers []shardHeader, runs []*seedRun) (swarmSummary, []string, error) {
	first := headers[0]
	seen := map[int]bool{}
	for _, h := range headers {
		if h.Shards != first.Shards || h.Seeds != first.Seeds || h.Profile != first.Profile || h.Check != first.Check ||
			strings.Join(h.Packages, " ") != strings.Join(first.Packages, " ") {
			return swarmSummary{}, nil, fmt.Errorf("report: the files are not shards of one run: shard %d/%d (%d seeds, profile %s, packages %v) and shard %d/%d (%d seeds, profile %s, packages %v)",
				first.Shard, first.Shards, first.Seeds, first.Profile, first.Packages, h.Shard, h.Shards, h.Seeds, h.Profile, h.Packages)
		}
		if seen[h.Shard] {
			return swarmSummary{}, nil, fmt.Errorf("report: shard %d/%d appears twice", h.Shard, h.Shards)
		}
		seen[h.Shard] = true
	}
	var missing []string
	for i := 0; i < first.Shards; i++ {
		if !seen[i] {
			missing = append(missing, fmt.Sprintf("%d/%d", i, first.Shards))
		}
	}
	done := map[string]bool{}
	for _, r := range runs {
		k := r.Package + " " + r.Seed
		if done[k] {
			return swarmSummary{}, nil, fmt.Errorf("report: seed %s of %s appears twice", r.Seed, r.Package)
		}
		done[k] = true
	}
	sortRuns(runs)
	s := swarmSummary{runs: runs, seeds: first.Seeds, packages: len(first.Packages), check: first.Check}
	if n := s.seeds*s.packages - len(runs); n > 0 {
		s.notRun, s.notRunBy = n, "stopped at a failure or interrupted"
		if len(missing) > 0 {
			s.notRunBy = "shard " + strings.Join(missing, ", ") + " missing"
		}
	}
	return s, missing, nil
}
