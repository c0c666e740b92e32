package rewrite

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// BenchmarkGen measures Generate on the sample module (testdata/samples)
// and, once, "go build ./..." of it, and reports the ratio gen/build.
func BenchmarkGen(b *testing.B) {
	root := repoRoot(b)
	dir := b.TempDir()
	copySamples(b, filepath.Join(root, "testdata", "samples"), dir, root)
	cfg := Config{Dir: dir, Patterns: []string{"./..."}, Args: "gen ./..."}

	// go build of the user's module, warm cache, as the baseline.
	build := func() time.Duration {
		cmd := exec.Command("go", "build", "./...")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GOPROXY=off", "GOSUMDB=off")
		start := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("go build: %v\n%s", err, out)
		}
		return time.Since(start)
	}
	build()
	buildTime := build()

	b.ResetTimer()
	for b.Loop() {
		if _, err := Generate(cfg); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	perGen := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(buildTime.Milliseconds()), "build-ms")
	b.ReportMetric(float64(perGen)/float64(buildTime), "gen/build")
}

func copySamples(b *testing.B, src, dst, root string) {
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			if d.Name() == DefaultOut {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o777)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if rel == "go.mod" {
			data = []byte(strings.ReplaceAll(string(data), "=> ../..", "=> "+root))
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o666)
	})
	if err != nil {
		b.Fatal(err)
	}
}
