package main

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestIncludeRewritesAnotherModule runs a package that uses
// golang.org/x/sync/errgroup (a module from the module cache: Marionette's
// own dependency graph includes it, so the test stays offline). errgroup
// starts goroutines and blocks on its own channels. With the std overlay
// (the default) the module is rewritten in place and the test passes in
// virtual time with no flag; without it (-std=false) those goroutines are
// foreign and the run must fail saying so and naming the fix; with -include
// the module is rewritten into marionette_sim/_ext and the test passes.
func TestIncludeRewritesAnotherModule(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end")
	}
	gomod, err := os.ReadFile(filepath.Join(repoRoot(), "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`golang.org/x/sync (v\S+)`).FindSubmatch(gomod)
	if m == nil {
		t.Skip("golang.org/x/sync is not in Marionette's module graph")
	}
	dir := t.TempDir()
	write := func(name, content string) {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o777)
		if err := os.WriteFile(p, []byte(content), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/inc\n\ngo 1.26\n\nrequire (\n\tgithub.com/marionette-dst/marionette v0.0.0\n\tgolang.org/x/sync "+
		string(m[1])+"\n)\n\nreplace github.com/marionette-dst/marionette => "+repoRoot()+"\n")
	sum, _ := os.ReadFile(filepath.Join(repoRoot(), "go.sum"))
	write("go.sum", string(sum))
	write("eg/eg.go", `package eg

import (
	"context"
	"time"

	"golang.org/x/sync/errgroup"
)

// SlowSum sums 0..n-1, each value ready after that many seconds, at most
// three at a time.
func SlowSum(ctx context.Context, n int) (int, error) {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(3)
	results := make([]int, n)
	for i := 0; i < n; i++ {
		g.Go(func() error {
			select {
			case <-time.After(time.Duration(i) * time.Second):
				results[i] = i
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}
	err := g.Wait()
	s := 0
	for _, v := range results {
		s += v
	}
	return s, err
}
`)
	write("eg/eg_test.go", `package eg

import (
	"context"
	"testing"
	"time"
)

func TestSlowSum(t *testing.T) {
	start := time.Now()
	s, err := SlowSum(context.Background(), 10)
	if err != nil || s != 45 {
		t.Fatalf("%d %v", s, err)
	}
	if d := time.Since(start); d != 18*time.Second {
		t.Fatalf("took %v of simulated time, want 18s (10 jobs of 0..9s, 3 at a time)", d)
	}
}
`)
	// Without the std overlay, errgroup's goroutines are foreign.
	stdout, _, err := mgen(t, dir, "test", "-std=false", "./eg")
	var fe *failedError
	if !errors.As(err, &fe) {
		t.Fatalf("without -include and -std: got %v, want a failure\n%s", err, stdout)
	}
	for _, want := range []string{"FAIL foreign", "started by golang.org/x/sync/errgroup.(*Group).Go", "mgen gen -include"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("without -include and -std: output lacks %q:\n%s", want, stdout)
		}
	}
	// With it (the default), errgroup is rewritten in place: no -include.
	stdout, _, err = mgen(t, dir, "test", "-runs", "3", "./eg")
	if err != nil {
		t.Fatalf("with the overlay, without -include: %v\n%s", err, stdout)
	}
	stdout, _, err = mgen(t, dir, "test", "-include", "golang.org/x/sync/...", "-runs", "3", "./eg")
	if err != nil {
		t.Fatalf("with -include: %v\n%s", err, stdout)
	}
	if _, err := os.Stat(filepath.Join(dir, "marionette_sim", "_ext", "golang.org", "x", "sync", "errgroup", "errgroup.go")); err != nil {
		t.Errorf("errgroup not rewritten into _ext: %v", err)
	}
}
