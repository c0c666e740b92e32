// Command benchratio reads `go test -bench` output on stdin and prints, for
// every benchmark pair BenchmarkXSim / BenchmarkXNative (any -N suffix), the
// median ns/op of each and their ratio sim/native. Medians over -count runs
// keep one noisy run from deciding the figure.
//
//	go test -run '^$' -bench . -count 5 ./runtime | go run ./internal/benchratio
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
)

var line = regexp.MustCompile(`^Benchmark(\S+?)(Sim|Native)(-\d+)?\s+\d+\s+([\d.]+) ns/op`)

func main() {
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchratio:", err)
		os.Exit(1)
	}
}

func run(in io.Reader, out io.Writer) error {
	samples := map[string]map[string][]float64{}
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		v, err := strconv.ParseFloat(m[4], 64)
		if err != nil {
			return err
		}
		if samples[m[1]] == nil {
			samples[m[1]] = map[string][]float64{}
		}
		samples[m[1]][m[2]] = append(samples[m[1]][m[2]], v)
	}
	if err := sc.Err(); err != nil {
		return err
	}
	names := make([]string, 0, len(samples))
	for n, s := range samples {
		if len(s["Sim"]) > 0 && len(s["Native"]) > 0 {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return fmt.Errorf("no Sim/Native benchmark pairs in the input")
	}
	sort.Strings(names)
	fmt.Fprintf(out, "%-24s %14s %14s %10s\n", "benchmark", "native ns/op", "sim ns/op", "sim/native")
	for _, n := range names {
		nat, sim := median(samples[n]["Native"]), median(samples[n]["Sim"])
		fmt.Fprintf(out, "%-24s %14.1f %14.1f %9.2fx\n", n, nat, sim, sim/nat)
	}
	return nil
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
