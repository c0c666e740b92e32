// This file writes a Perfetto trace of the cheapest failing seed run: after
// a swarm with failures, mgen test reruns that seed's first failed test once
// with MARIONETTE_TRACE set and converts the trace to the Chrome/Perfetto
// format, so the report of a failure comes with a timeline a person can open.

package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/marionette-dst/marionette/perfetto"
	mrt "github.com/marionette-dst/marionette/runtime"
)

// traceCheapestFailure reruns the cheapest failing run's first failed test
// with a trace file and writes its Perfetto conversion next to the other
// artifacts. It returns the path written.
func traceCheapestFailure(failed []*seedRun, jobs []*job, testArgs []string) (string, error) {
	if len(failed) == 0 {
		return "", nil
	}
	sortByCost(failed)
	r := failed[0]
	if len(r.Failed) == 0 {
		return "", nil
	}
	test := strings.SplitN(r.Failed[0], "/", 2)[0]
	var found *job
	for _, j := range jobs {
		if j.rec == r {
			found = j
			break
		}
	}
	if found == nil {
		return "", nil
	}
	dir := os.Getenv(mrt.EnvArtifacts)
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "marionette-artifacts")
	}
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return "", err
	}
	raw, err := os.CreateTemp("", "mgen-trace-*.jsonl")
	if err != nil {
		return "", err
	}
	raw.Close()
	defer os.Remove(raw.Name())
	// The same flags, but only the failed test.
	var args []string
	for _, a := range testArgs {
		if !strings.HasPrefix(a, "-test.run") {
			args = append(args, a)
		}
	}
	args = append(args, "-test.run=^"+regexp.QuoteMeta(test)+"$")
	runBinary(found.pkg, found.options(), args, mrt.EnvTrace+"="+raw.Name()) // it fails again: that is the point
	f, err := os.Open(raw.Name())
	if err != nil {
		return "", err
	}
	defer f.Close()
	runs, err := mrt.ReadTrace(f)
	if err != nil {
		return "", err
	}
	var keep []mrt.TraceRun
	for _, tr := range runs {
		if tr.Name == test {
			keep = append(keep, tr)
		}
	}
	if len(keep) == 0 {
		return "", fmt.Errorf("the rerun of %s wrote no trace", test)
	}
	out := filepath.Join(dir, fmt.Sprintf("%s-seed%s-trace.json", strings.NewReplacer("/", "_").Replace(test), r.Seed))
	w, err := os.Create(out)
	if err != nil {
		return "", err
	}
	bw := bufio.NewWriter(w)
	err = perfetto.Write(bw, keep, perfetto.Options{Clock: perfetto.ClockSim})
	if err == nil {
		err = bw.Flush()
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return out, err
}
