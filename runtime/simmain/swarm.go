// This file is the swarm mode of a simulated binary: with -runs N or
// -seeds LIST it runs many seeds, each in a child process of the same
// binary running exactly the single-seed path, -j at a time, with a
// progress line, results as JSON lines (-json FILE), the failing seeds
// cheapest repro first (least simulated time) with their replay commands,
// and an exit status: 0 when every seed passed, otherwise the exit code of
// the cheapest failure.

package simmain

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/marionette-dst/marionette/internal/replaycmd"
	"github.com/marionette-dst/marionette/runtime"
)

// SeedResult is one seed's run in swarm mode (a line of -json).
type SeedResult struct {
	Seed     uint64 `json:"seed"`
	Profile  string `json:"profile"`
	Outcome  string `json:"outcome"`        // pass or fail
	Kind     string `json:"kind,omitempty"` // the failure kind (panic, check, ...), or exit
	ExitCode int    `json:"exit_code"`
	SimNS    int64  `json:"sim_ns"`
	WallNS   int64  `json:"wall_ns"`
	Hash     string `json:"hash"`
	Replay   string `json:"replay"`
	Output   string `json:"output,omitempty"` // failures only
}

var summaryRE = regexp.MustCompile(`(?m)^marionette: run=\S+ seed=\d+ profile=\S+ sim=(\S+) wall=\S+ events=\d+ goroutines=\d+ hash=([0-9a-f]+) result=(\S+)$`)

// seedList expands -seeds (1,5,10-20) or -seed and -runs.
func seedList(first uint64, runs int, list string) ([]uint64, error) {
	if list == "" {
		out := make([]uint64, runs)
		for i := range out {
			out[i] = first + uint64(i)
		}
		return out, nil
	}
	var out []uint64
	for _, part := range strings.Split(list, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err := runtime.ParseSeed(lo)
		if err != nil {
			return nil, err
		}
		b := a
		if isRange {
			if b, err = strconv.ParseUint(hi, 10, 64); err != nil || b < a || b-a >= 10_000_000 {
				return nil, fmt.Errorf("-seeds: bad range %q", part)
			}
		}
		for s := a; ; s++ {
			out = append(out, s)
			if s == b {
				break
			}
		}
	}
	return out, nil
}

// childArgs is argv without the swarm flags and the seed, for one seed.
func childArgs(argv []string, seed uint64, isBool replaycmd.IsBoolFunc) []string {
	rest := argv[min(1, len(argv)):]
	drop := map[string]bool{"seed": true, "seeds": true, "runs": true, "j": true, "json": true}
	return append([]string{"-seed", strconv.FormatUint(seed, 10)}, replaycmd.StripFlags(rest, drop, isBool)...)
}

func runSwarm(p Program, argv []string, cfg *config, stdout, stderr io.Writer) int {
	seeds, err := seedList(cfg.opts.Seed, cfg.runs, cfg.seedsList)
	if err != nil {
		fmt.Fprintf(stderr, "%v\n", err)
		return 2
	}
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "swarm: %v\n", err)
		return 2
	}
	var jw *json.Encoder
	if cfg.jsonPath != "" {
		f, err := os.Create(cfg.jsonPath)
		if err != nil {
			fmt.Fprintf(stderr, "swarm: %v\n", err)
			return 2
		}
		defer f.Close()
		jw = json.NewEncoder(f)
	}
	fmt.Fprintf(stdout, "marionette: simulating %s: %d nodes, %d seeds, profile %s, %d at a time\n",
		p.Path, cfg.nodes, len(seeds), cfg.opts.Profile, cfg.jobs)

	results := make([]*SeedResult, len(seeds))
	var mu sync.Mutex
	done, failed := 0, 0
	start, lastProgress := time.Now(), time.Now()
	work := make(chan int)
	var wg sync.WaitGroup
	for range cfg.jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				r := runSeed(exe, argv, seeds[i], cfg)
				mu.Lock()
				results[i] = r
				done++
				if r.Outcome != "pass" {
					failed++
				}
				if jw != nil {
					jw.Encode(r)
				}
				if time.Since(lastProgress) >= time.Second || done == len(seeds) {
					lastProgress = time.Now()
					el := time.Since(start).Seconds()
					fmt.Fprintf(stderr, "marionette: %d/%d seeds, %.1f seeds/s, %d failed\n", done, len(seeds), float64(done)/el, failed)
				}
				mu.Unlock()
			}
		}()
	}
	for i := range seeds {
		work <- i
	}
	close(work)
	wg.Wait()

	var fails []*SeedResult
	for _, r := range results {
		if r.Outcome != "pass" {
			fails = append(fails, r)
		}
	}
	sort.SliceStable(fails, func(i, j int) bool {
		if fails[i].SimNS != fails[j].SimNS {
			return fails[i].SimNS < fails[j].SimNS
		}
		return fails[i].Seed < fails[j].Seed
	})
	if len(fails) > 0 {
		fmt.Fprintf(stdout, "marionette: %d failed seeds, cheapest repro first; the output of the first:\n%s", len(fails), fails[0].Output)
		for _, r := range fails {
			fmt.Fprintf(stdout, "--- FAIL seed=%d kind=%s exit=%d sim=%v\nreplay: %s\n", r.Seed, r.Kind, r.ExitCode, time.Duration(r.SimNS), r.Replay)
		}
	}
	fmt.Fprintf(stdout, "marionette: %d seeds: %d passed, %d failed (%.1f seeds/s)\n",
		len(seeds), len(seeds)-len(fails), len(fails), float64(len(seeds))/time.Since(start).Seconds())
	if len(fails) == 0 {
		return 0
	}
	return fails[0].ExitCode
}

// runSeed runs one seed in a child process and reads its summary line.
func runSeed(exe string, argv []string, seed uint64, cfg *config) *SeedResult {
	args := childArgs(argv, seed, cfg.isBool)
	o := cfg.opts
	r := &SeedResult{Seed: seed, Profile: string(o.Profile), Outcome: "pass"}
	prog := exe
	if len(argv) > 0 {
		prog = argv[0]
	}
	// The child's own replay command (it prints the same).
	if co, err := runtime.Expand(seed, o.Profile); err == nil {
		r.Replay = replaycmd.Binary(co, append([]string{prog}, args...), cfg.isBool)
	}
	cmd := exec.Command(exe, args...)
	t0 := time.Now()
	out, err := cmd.CombinedOutput()
	r.WallNS = int64(time.Since(t0))
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.ExitCode = ee.ExitCode()
	default:
		r.ExitCode = 1
		out = append(out, []byte("\n"+err.Error()+"\n")...)
	}
	if m := summaryRE.FindSubmatch(out); m != nil {
		if d, err := time.ParseDuration(string(m[1])); err == nil {
			r.SimNS = int64(d)
		}
		r.Hash = string(m[2])
		if string(m[3]) != "ok" {
			r.Kind = string(m[3])
		}
	}
	if r.ExitCode != 0 {
		r.Outcome = "fail"
		if r.Kind == "" {
			r.Kind = "exit"
		}
		r.Output = string(out)
	}
	return r
}
