// This file aggregates the assertions of a swarm: every simulated test run
// prints a "marionette-assertions: {...}" line (runtime.AssertionsLine) with
// the counts of every catalogued or reached assertion; test sums them over
// all runs and reports the assertions no run hit.

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"

	mrt "github.com/marionette-dst/marionette/runtime"
)

type assertKey struct {
	kind mrt.AssertKind
	msg  string
}

// aggregateAssertions sums the assertion lines found in the outputs. runs is
// the number of run lines read.
func aggregateAssertions(outs [][]byte) (stats []mrt.AssertionStat, runs int) {
	sum := map[assertKey]*mrt.AssertionStat{}
	for _, out := range outs {
		sc := bufio.NewScanner(bytes.NewReader(out))
		sc.Buffer(make([]byte, 64<<10), 16<<20)
		for sc.Scan() {
			line, ok := mrt.ParseAssertionsLine(sc.Text())
			if !ok {
				continue
			}
			runs++
			addAssertions(sum, line.Assertions)
		}
	}
	return sortedAssertions(sum), runs
}

// addAssertions adds the counts of stats to sum.
func addAssertions(sum map[assertKey]*mrt.AssertionStat, stats []mrt.AssertionStat) {
	for _, s := range stats {
		k := assertKey{s.Kind, s.Message}
		t := sum[k]
		if t == nil {
			t = &mrt.AssertionStat{Kind: s.Kind, Message: s.Message, Pos: s.Pos}
			sum[k] = t
		}
		t.Reached += s.Reached
		t.Satisfied += s.Satisfied
	}
}

func sortedAssertions(sum map[assertKey]*mrt.AssertionStat) []mrt.AssertionStat {
	var stats []mrt.AssertionStat
	for _, s := range sum {
		stats = append(stats, *s)
	}
	mrt.SortAssertions(stats)
	return stats
}

// reportAssertions prints the assertions no run hit (all of them with
// verbose) and returns how many there are.
func reportAssertions(w io.Writer, outs [][]byte, verbose bool) int {
	stats, runs := aggregateAssertions(outs)
	return printAssertions(w, stats, runs, verbose)
}

// printAssertions prints the assertions of stats, summed over runs, that
// no run hit (all of them with verbose) and returns how many there are.
func printAssertions(w io.Writer, stats []mrt.AssertionStat, runs int, verbose bool) int {
	if len(stats) == 0 {
		return 0
	}
	unmet := mrt.Unmet(stats)
	fmt.Fprintf(w, "mgen: assertions over %d runs: %d, %d never hit\n", runs, len(stats), len(unmet))
	for _, s := range stats {
		if s.Met() && !verbose {
			continue
		}
		var what string
		switch {
		case !s.Met() && s.Kind == mrt.AssertSometimes && s.Reached > 0:
			what = fmt.Sprintf("never satisfied (evaluated %d times)", s.Reached)
		case !s.Met():
			what = "never reached"
		case s.Kind == mrt.AssertSometimes:
			what = fmt.Sprintf("satisfied %d of %d times", s.Satisfied, s.Reached)
		default:
			what = fmt.Sprintf("reached %d times", s.Reached)
		}
		fmt.Fprintf(w, "  %s: %s\n", s.Describe(), what)
	}
	return len(unmet)
}
