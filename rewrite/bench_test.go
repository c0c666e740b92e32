package rewrite

import (
	"github.com/marionette-dst/marionette/internal/testmod"
	"os"
	"os/exec"
	"testing"
	"time"
)

// BenchmarkGen measures Generate on the sample module (testdata/samples)
// and, once, "go build ./..." of it, and reports the ratio gen/build.
func BenchmarkGen(b *testing.B) {
	dir := testmod.Copy(b, "samples")
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
