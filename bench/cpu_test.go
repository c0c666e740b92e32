// Package bench holds the benchmarks that need more than one package's
// benchmarks: here, rewritten CPU-bound code against the original, which
// needs mgen gen to run first. docs/performance.md has the figures and the
// commands.
package bench

import (
	"bytes"
	"flag"
	"fmt"
	"github.com/marionette-dst/marionette/internal/testmod"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/marionette-dst/marionette/rewrite"
)

var overhead = flag.Bool("overhead", false, "measure for real: 3 runs of 1s per benchmark, and print the table of docs/performance.md")

// TestRewrittenCPUOverhead copies testdata/cpubound, rewrites its package
// cpu with the rewriter (as mgen gen ./cpu does), and runs the benchmarks
// of testdata/cpubound/compare in one go test run: each function of cpu
// as written (Native) and rewritten, inside a simulated world (Sim). It
// checks that the copy was rewritten and computes the same results, and
// reports sim/native per benchmark. By default the benchmarks run a few
// iterations (a smoke test of the pipeline); with -overhead they are
// measured.
func TestRewrittenCPUOverhead(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and builds a module")
	}
	dir := testmod.Copy(t, "cpubound")
	// Offline and outside any workspace; the rewriter's go/packages load
	// runs the go command too, so the settings go in the environment.
	for _, kv := range []string{"GOFLAGS=-mod=mod", "GOWORK=off", "GOPROXY=off", "GOSUMDB=off"} {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	// The rewritten copy is compiled in place of its package: the
	// benchmarks compare package cpu with a copy of it, cpusim, rewritten.
	src, err := os.ReadFile(filepath.Join(dir, "cpu", "cpu.go"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "cpusim"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cpusim", "cpu.go"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := rewrite.Generate(rewrite.Config{Dir: dir, Patterns: []string{"./cpusim"}, Args: "gen ./cpusim"})
	if err != nil {
		t.Fatal(err)
	}
	ov := filepath.Join(res.OutDir, rewrite.OverlayFile)
	if err := rewrite.WriteOverlay(ov, res.Overlay); err != nil {
		t.Fatal(err)
	}
	gen, err := os.ReadFile(filepath.Join(dir, "marionette_sim", "_src", "cpusim", "cpu.go"))
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(gen, []byte(".MapRange(")); n != 2 {
		t.Fatalf("the rewritten cpu.go has %d MapRange calls, want 2 (one per map range)", n)
	}

	args := []string{"test", "-overlay=" + ov, "-vet=off", "-run", "TestSameResults", "-bench", ".", "-benchtime", "20x", "-count", "1", "./compare"}
	if *overhead {
		args = []string{"test", "-overlay=" + ov, "-vet=off", "-run", "TestSameResults", "-bench", ".", "-benchtime", "1s", "-count", "3", "./compare"}
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	table, err := ratios(out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(table) != 4 {
		t.Fatalf("want 4 benchmark pairs, got %d:\n%s", len(table), out)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "go %s (%s)\n", strings.Join(args, " "), runtime.Version())
	fmt.Fprintf(&b, "| benchmark | native ns/op | native in a world | rewritten in a world (sim) | sim/native |\n|---|---|---|---|---|\n")
	for _, r := range table {
		fmt.Fprintf(&b, "| %s | %.0f | %.0f | %.0f | %.2fx |\n", r.name, r.native, r.inWorld, r.sim, r.sim/r.native)
	}
	t.Log("\n" + b.String())
}

type ratio struct {
	name                 string
	native, inWorld, sim float64 // median ns/op
}

var benchLine = regexp.MustCompile(`(?m)^Benchmark(\S+?)(Sim|NativeInWorld|Native)(-\d+)?\s+\d+\s+([\d.]+) ns/op`)

// ratios groups BenchmarkXNative, BenchmarkXNativeInWorld and BenchmarkXSim
// and takes the median of each over -count runs (as internal/benchratio
// does).
func ratios(out []byte) ([]ratio, error) {
	samples := map[string]map[string][]float64{}
	for _, m := range benchLine.FindAllSubmatch(out, -1) {
		v, err := strconv.ParseFloat(string(m[4]), 64)
		if err != nil {
			return nil, err
		}
		name, kind := string(m[1]), string(m[2])
		if samples[name] == nil {
			samples[name] = map[string][]float64{}
		}
		samples[name][kind] = append(samples[name][kind], v)
	}
	var rs []ratio
	for name, s := range samples {
		if len(s["Sim"]) == 0 || len(s["Native"]) == 0 || len(s["NativeInWorld"]) == 0 {
			return nil, fmt.Errorf("benchmark %s lacks one of Native, NativeInWorld, Sim", name)
		}
		rs = append(rs, ratio{name, median(s["Native"]), median(s["NativeInWorld"]), median(s["Sim"])})
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].name < rs[j].name })
	return rs, nil
}

func median(v []float64) float64 {
	sort.Float64s(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}
