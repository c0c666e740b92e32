// This file defines the trace subcommand: convert a JSON-lines trace
// (MARIONETTE_TRACE) to the Chrome/Perfetto trace event format.

package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/marionette-dst/marionette/perfetto"
	mrt "github.com/marionette-dst/marionette/runtime"
)

func runTrace(e env, args []string) error {
	fs := newFlagSet("trace")
	clock := fs.String("clock", string(perfetto.ClockSim), "time axis: sim (simulated time, stretched) or seq (one µs per event)")
	step := fs.Duration("step", time.Nanosecond, "with -clock sim, the stretch between events at one simulated instant")
	runName := fs.String("run", "", "convert only the runs with this name")
	seed := fs.String("seed", "", "convert only the runs with this seed")
	out := fs.String("o", "", "output file (default standard output)")
	if err := fs.Parse(args); err != nil {
		return usagef("trace: %v", err)
	}
	if fs.NArg() != 1 {
		return usagef("trace: want one trace file (MARIONETTE_TRACE output), got %d arguments", fs.NArg())
	}
	c := perfetto.Clock(*clock)
	if c != perfetto.ClockSim && c != perfetto.ClockSeq {
		return usagef("trace: -clock must be sim or seq, not %q", *clock)
	}
	in := fs.Arg(0)
	if !filepath.IsAbs(in) {
		in = filepath.Join(e.dir, in)
	}
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	runs, err := mrt.ReadTrace(f)
	if err != nil {
		return fmt.Errorf("%s: %v", fs.Arg(0), err)
	}
	var keep []mrt.TraceRun
	for _, r := range runs {
		if *runName != "" && r.Name != *runName {
			continue
		}
		if *seed != "" && strconv.FormatUint(r.Seed, 10) != *seed {
			continue
		}
		keep = append(keep, r)
	}
	if len(keep) == 0 {
		return fmt.Errorf("%s: no run to convert (%d runs in the file)", fs.Arg(0), len(runs))
	}
	var w io.Writer = e.stdout
	var file *os.File
	if *out != "" {
		p := *out
		if !filepath.IsAbs(p) {
			p = filepath.Join(e.dir, p)
		}
		if file, err = os.Create(p); err != nil {
			return err
		}
		w = file
	}
	bw := bufio.NewWriter(w)
	err = perfetto.Write(bw, keep, perfetto.Options{Clock: c, Step: *step})
	if err == nil {
		err = bw.Flush()
	}
	if file != nil {
		if cerr := file.Close(); err == nil {
			err = cerr
		}
	}
	return err
}
