package disk_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/marionette-dst/marionette/runtime"
)

// opts returns fault-free, latency-free disk options (the performance
// profile's) with crash_keep = keep.
func opts(seed uint64, keep float64) runtime.Options {
	o, err := runtime.Expand(seed, runtime.Performance)
	if err != nil {
		panic(err)
	}
	o.Disk.CrashKeep = keep
	return o
}

// run runs main in a fresh world and fails the test on a run failure.
func run(t *testing.T, o runtime.Options, main func()) *runtime.Result {
	t.Helper()
	r := runtime.NewWorld(o).Run(main)
	if r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
	return r
}

// show renders a file tree (as Disk.Files returns it) below prefix as one
// sorted line, e.g. "f=old tmp=new!".
func show(files map[string]string, prefix string) string {
	var parts []string
	for p, c := range files {
		if !strings.HasPrefix(p, prefix+"/") || strings.HasSuffix(p, "/") {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s=%q", strings.TrimPrefix(p, prefix+"/"), runs(c)))
	}
	sort.Strings(parts)
	if len(parts) == 0 {
		return "(empty)"
	}
	return strings.Join(parts, " ")
}

func sortedKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// runs abbreviates runs of 8 or more equal bytes as "<byte>*<count>".
func runs(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && s[j] == s[i] {
			j++
		}
		if j-i >= 8 {
			fmt.Fprintf(&b, "%c*%d", s[i], j-i)
		} else {
			b.WriteString(s[i:j])
		}
		i = j
	}
	return b.String()
}
