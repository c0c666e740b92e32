package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	mrt "github.com/marionette-dst/marionette/runtime"
)

// TestMgenTestAggregatesAssertions runs mgen test over five seeds of a
// module whose code has a Sometimes that some seed satisfies and one that
// none can: only the second is reported, and -fail-unreached fails.
func TestMgenTestAggregatesAssertions(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end")
	}
	dir := t.TempDir()
	root := repoRoot()
	files := map[string]string{
		"go.mod": "module example.com/swarm\n\ngo 1.26\n\nrequire github.com/marionette-dst/marionette v0.0.0\n\nreplace github.com/marionette-dst/marionette => " + root + "\n",
		"leader/leader.go": `package leader

import (
	"math/rand"

	"github.com/marionette-dst/marionette/assert"
)

// Elect picks a winner among n nodes.
func Elect(n int) int {
	w := rand.Intn(n)
	assert.Sometimes(w == 0, "node 0 elected", nil)
	assert.Sometimes(w >= n, "impossible winner", nil)
	return w
}
`,
		"leader/leader_test.go": `package leader

import "testing"

func TestElect(t *testing.T) {
	for i := 0; i < 10; i++ {
		if w := Elect(3); w < 0 || w > 2 {
			t.Fatal(w)
		}
	}
}
`,
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o777)
		if err := os.WriteFile(p, []byte(content), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	sum, _ := os.ReadFile(filepath.Join(root, "go.sum"))
	os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o666)

	stdout, stderr, err := mgen(t, dir, "test", "-runs", "5", "./...")
	if err != nil {
		t.Fatalf("mgen test: %v\n%s\n%s", err, stdout, stderr)
	}
	for _, want := range []string{
		"mgen: assertions over 5 runs: 2, 1 never hit\n",
		`  sometimes "impossible winner" (leader/leader.go:13): never satisfied (evaluated 50 times)` + "\n",
		"5 passed, 0 failed",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "node 0 elected") {
		t.Errorf("a satisfied Sometimes is reported:\n%s", stdout)
	}
	stdout, _, err = mgen(t, dir, "test", "-runs", "5", "-fail-unreached", "./...")
	if err == nil || !strings.Contains(err.Error(), "1 assertions were hit by no run (-fail-unreached)") {
		t.Fatalf("-fail-unreached: %v\n%s", err, stdout)
	}
}

func TestAggregateAssertions(t *testing.T) {
	line := func(run string, seed uint64, stats ...mrt.AssertionStat) string {
		return mrt.AssertionsLine{Run: run, Seed: seed, Assertions: stats}.String()
	}
	s := func(kind mrt.AssertKind, msg string, reached, satisfied int64) mrt.AssertionStat {
		return mrt.AssertionStat{Kind: kind, Message: msg, Pos: "p/f.go:1", Reached: reached, Satisfied: satisfied}
	}
	outs := [][]byte{
		[]byte("=== RUN TestX\n" + line("TestX", 1, s(mrt.AssertSometimes, "split brain healed", 3, 0), s(mrt.AssertReachable, "snapshot", 0, 0),
			s(mrt.AssertAlways, "balance", 0, 0)) + "\n--- PASS: TestX\n"),
		[]byte(line("TestX", 2, s(mrt.AssertSometimes, "split brain healed", 2, 1), s(mrt.AssertReachable, "snapshot", 0, 0),
			s(mrt.AssertAlways, "balance", 0, 0)) + "\n"),
	}
	var out bytes.Buffer
	n := reportAssertions(&out, outs, false)
	got := out.String()
	if n != 2 || !strings.Contains(got, "mgen: assertions over 2 runs: 3, 2 never hit") ||
		!strings.Contains(got, `reachable "snapshot" (p/f.go:1): never reached`) ||
		!strings.Contains(got, `always "balance" (p/f.go:1): never reached`) ||
		strings.Contains(got, "split brain") {
		t.Fatalf("unmet %d, report:\n%s", n, got)
	}
	out.Reset()
	reportAssertions(&out, outs, true)
	if !strings.Contains(out.String(), `sometimes "split brain healed" (p/f.go:1): satisfied 1 of 5 times`) {
		t.Fatalf("verbose report:\n%s", out.String())
	}
	out.Reset()
	if reportAssertions(&out, [][]byte{[]byte("ok\n")}, false) != 0 || out.Len() != 0 {
		t.Fatalf("no assertions: %q", out.String())
	}
}
