// Package simtest runs Go tests under simulation. The rewriter turns each
// `func TestXxx(t *testing.T) { BODY }` of a generated package into
// `func TestXxx(t *testing.T) { simtest.Run(t, func(t *testing.T) { BODY }) }`,
// so an unchanged test suite runs each test body as the root goroutine of a
// fresh world with the option set runtime.OptionsFromEnv resolves from
// MARIONETTE_SEED (default 1), MARIONETTE_PROFILE (default smoke) and
// MARIONETTE_OPTIONS (an option set to replay).
package simtest

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/marionette-dst/marionette/internal/replaycmd"
	"github.com/marionette-dst/marionette/runtime"
	// The standard library's hooks, set when the binary is built with
	// the std overlay (mgen -std); inert otherwise.
	_ "github.com/marionette-dst/marionette/runtime/stdhooks"
	simos "github.com/marionette-dst/marionette/shims/os"
)

// go test runs a test binary in its package's directory: simulated
// processes start there too, with the directory's files (testdata) on their
// disks, as the test expects.
func init() {
	if wd, err := os.Getwd(); err == nil {
		runtime.SetWorkDir(wd)
	}
}

// Run runs body as the root goroutine of a fresh world. A run failure
// (deadlock, panic, stuck goroutine, limit, check) fails the test with the
// full report; any failure prints the seed, profile and replay command. The
// run's summary line is logged (visible with -v, and on failure).
func Run(t *testing.T, body func(t *testing.T)) {
	t.Helper()
	o, err := runtime.OptionsFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	w := runtime.NewWorld(o)
	w.SetName(t.Name())
	replay := ReplayCommand(t.Name(), o)
	w.SetReplayCommand(replay)
	var root *runtime.G
	returned := false
	r := w.Run(func() {
		root = runtime.Current()
		body(t)
		returned = true
	})
	fmt.Fprintln(os.Stdout, r.Summary())
	w.WriteAssertions(os.Stdout) // for mgen test to aggregate over seeds
	if r.Failure != nil {
		t.Error(r.Failure.Report())
		return
	}
	if r.Exited {
		// A real test that calls os.Exit fails too (the binary exits, or
		// testing reports the unexpected os.Exit(0)).
		t.Errorf("marionette: os.Exit(%d) ended the simulated run\n  replay: %s", r.ExitCode, replay)
		return
	}
	if !returned && !root.Killed() && !t.Failed() && !t.Skipped() {
		// runtime.Goexit itself, not through t.FailNow or t.SkipNow.
		t.Errorf("test executed panic(nil) or runtime.Goexit\n  replay: %s", replay)
		return
	}
	if t.Failed() {
		t.Logf("marionette: failed under simulation with seed %d, profile %s\n  replay: %s", o.Seed, o.Profile, replay)
	}
}

// RunSub replaces t.Run inside a simulated test. The subtest body runs as a
// new goroutine of the parent's world (so it shares the parent's channels,
// timers and clock), driven by the subtest's own goroutine while the parent
// waits in t.Run, as it would natively.
func RunSub(t *testing.T, name string, f func(t *testing.T)) bool {
	g := runtime.Current()
	if g == nil {
		return t.Run(name, f)
	}
	w := g.World()
	return t.Run(name, func(st *testing.T) {
		done, returned := false, false
		sg := w.Go("subtest "+name, func() {
			defer func() { done = true }()
			f(st)
			returned = true
		})
		w.RunUntil(func() bool { return done || w.Exited() })
		if fl := w.Failure(); fl != nil && !done {
			st.Error(fl.Report())
			return
		}
		if done && !returned && w.Failure() == nil && !sg.Killed() && !st.Failed() && !st.Skipped() {
			// runtime.Goexit itself, not through t.FailNow or t.SkipNow.
			st.Errorf("test executed panic(nil) or runtime.Goexit\n  replay: %s", ReplayCommand(st.Name(), w.Options()))
		}
	})
}

// Parallel replaces t.Parallel inside a simulated test: under simulation it
// is ignored and the test runs serially (logged with -v). A subtest runs
// inside its parent's world, which cannot run concurrently with itself;
// and top-level tests' worlds would share the process's standard library
// state (testing's and os's locks and Onces, net/http's default transport
// and mux), through which two worlds running at once would interleave
// nondeterministically, or park on a lock the other world holds. Go allows
// parallel tests to run one at a time (-parallel 1); outside a simulation
// it is t.Parallel.
func Parallel(t *testing.T) {
	if runtime.Current() == nil {
		t.Parallel()
		return
	}
	t.Log("marionette: t.Parallel ignored: under simulation tests run one at a time")
}

// ReplayCommand returns the shell command that replays the named test with
// the given options, from the module root: go test of this package with
// the testing flags and the package's own arguments this test binary got
// (internal/replaycmd.GoTest; the package's flags are looked up in
// flag.CommandLine to tell boolean flags from flags with a value).
func ReplayCommand(testName string, o runtime.Options) string {
	return replaycmd.GoTest(o, testName, packageDir(), replaycmd.ParseTestArgs(os.Args[1:], replaycmd.FlagSetIsBool(flag.CommandLine)))
}

// packageDir is the test's package directory relative to its module root
// (tests run in their package's source directory).
func packageDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			rel, err := filepath.Rel(dir, wd)
			if err != nil || rel == "." {
				return "."
			}
			return "./" + filepath.ToSlash(rel)
		}
		if filepath.Dir(dir) == dir {
			return "."
		}
	}
}

// TempDir replaces t.TempDir inside a simulated test: it creates a fresh
// directory on the calling node's simulated disk (the real t.TempDir would
// name a directory that exists only on the real disk); it goes away with the
// run's disks. Outside a simulation it is t.TempDir.
func TempDir(t testing.TB) string {
	t.Helper()
	g := runtime.Current()
	if g == nil {
		return t.TempDir()
	}
	name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
	dir, err := simos.MkdirTemp("", name)
	if err != nil {
		t.Fatalf("marionette: TempDir: %v", err)
	}
	return dir
}
