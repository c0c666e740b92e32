package main

import (
	"bytes"
	"errors"
	"github.com/marionette-dst/marionette/internal/testmod"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// cluster copies testdata/cluster (a replicated kv server and its
// workload) to a temporary directory, pointing its replace directive at
// this repository.
func cluster(t *testing.T) string { return testmod.Copy(t, "cluster") }

var summaryLine = regexp.MustCompile(`(?m)^marionette: run=example.com/cluster/kv seed=(\d+) profile=(\w+) sim=\S+ wall=\S+ events=\d+ goroutines=\d+ hash=([0-9a-f]{16}) result=(\w+)$`)

// runBin runs the simulated binary and returns its exit status and output.
func runBin(t *testing.T, bin string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, o.String(), e.String()
}

// TestBuildCluster builds testdata/cluster's kv server into a simulated
// binary with its workload and runs it as a 3-node cluster: the option set
// comes first, the summary line last; the same seed gives the same hash,
// another seed another run; planted bugs give their kinds' exit codes.
func TestBuildCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	dir := cluster(t)
	_, stderr, err := mgen(t, dir, "build", "-o", "kvsim", "-workload", "./workload", "./kv")
	if err != nil {
		t.Fatalf("mgen build: %v\n%s", err, stderr)
	}
	bin := filepath.Join(dir, "kvsim")
	args := []string{"-args", "-nodes {nodes} -self {addr}"}

	hashes := map[string]string{}
	for _, seed := range []string{"1", "2", "1"} {
		code, out, errs := runBin(t, bin, append([]string{"-seed", seed}, args...)...)
		if code != 0 {
			t.Fatalf("seed %s: exit %d\n%s%s", seed, code, out, errs)
		}
		if !strings.HasPrefix(out, "marionette: simulating example.com/cluster/kv: 3 nodes, seed "+seed+", profile smoke\noptions:\n  seed = "+seed+"\n") ||
			!strings.Contains(out, "\n  nodes.crash_probability = ") || !strings.Contains(out, "\n  json: {\"seed\":"+seed+",") {
			t.Errorf("seed %s: the option set is not printed first:\n%s", seed, out)
		}
		m := summaryLine.FindStringSubmatch(out)
		if m == nil || m[1] != seed || m[4] != "ok" || !strings.HasSuffix(out, m[0]+"\n") {
			t.Fatalf("seed %s: no summary line at the end:\n%s", seed, out)
		}
		if h, ok := hashes[seed]; ok && h != m[3] {
			t.Errorf("seed %s gave hashes %s and %s", seed, h, m[3])
		}
		hashes[seed] = m[3]
	}
	if hashes["1"] == hashes["2"] {
		t.Errorf("seeds 1 and 2 gave the same hash %s", hashes["1"])
	}

	for _, c := range []struct {
		bug, kind string
		code      int
	}{
		{"panic", "panic", 10}, // the server panics at its third write
		{"stale", "check", 14}, // the workload's check sees a stale read
	} {
		code, out, errs := runBin(t, bin, "-seed", "1", "-args", "-nodes {nodes} -self {addr} -bug "+c.bug)
		if code != c.code {
			t.Errorf("-bug %s: exit %d, want %d\n%s%s", c.bug, code, c.code, out, errs)
		}
		if m := summaryLine.FindStringSubmatch(out); m == nil || m[4] != c.kind {
			t.Errorf("-bug %s: summary %q, want result=%s", c.bug, m, c.kind)
		}
		if !strings.Contains(errs, "marionette: FAIL "+c.kind) || !strings.Contains(errs, "replay: "+bin+" -seed 1 -profile smoke") {
			t.Errorf("-bug %s: report:\n%s", c.bug, errs)
		}
	}

	// Swarm mode: many seeds, each in a child process, results as JSON lines.
	jsonPath := filepath.Join(dir, "swarm.jsonl")
	code, out, errs := runBin(t, bin, "-runs", "12", "-j", "2", "-json", jsonPath, "-args", "-nodes {nodes} -self {addr}")
	if code != 0 || !strings.Contains(out, "marionette: 12 seeds: 12 passed, 0 failed") || !strings.Contains(errs, "12/12 seeds") {
		t.Errorf("swarm: exit %d\n%s%s", code, out, errs)
	}
	data, _ := os.ReadFile(jsonPath)
	if lines := strings.Count(string(data), "\n"); lines != 12 || !strings.Contains(string(data), `"seed":12,`) {
		t.Errorf("swarm: %d JSON lines:\n%s", lines, data)
	}
	code, out, _ = runBin(t, bin, "-seeds", "1-6", "-j", "2", "-args", "-nodes {nodes} -self {addr} -bug stale")
	if code != 14 || !strings.Contains(out, "6 failed") || !strings.Contains(out, "--- FAIL seed=") ||
		!strings.Contains(out, "kind=check exit=14") || !strings.Contains(out, "replay: "+bin+" -seed ") {
		t.Errorf("swarm with a bug: exit %d, want 14\n%s", code, out)
	}

	code, out, _ = runBin(t, bin, "-h")
	if code != 0 || !strings.Contains(out, "-node-args") || !strings.Contains(out, "example.com/cluster/kv") {
		t.Errorf("-h: exit %d\n%s", code, out)
	}
	if code, _, _ := runBin(t, bin, "-nodes", "0"); code != 2 {
		t.Errorf("-nodes 0: exit %d, want 2", code)
	}
}

// TestBuildNotMain: mgen build wants a main package.
func TestBuildNotMain(t *testing.T) {
	dir := cluster(t)
	_, _, err := mgen(t, dir, "build", "./workload")
	if err == nil || !strings.Contains(err.Error(), "not a main package") {
		t.Errorf("got %v", err)
	}
}
