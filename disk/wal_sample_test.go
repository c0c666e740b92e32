package disk_test

import (
	"github.com/marionette-dst/marionette/internal/testmod"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/marionette-dst/marionette/rewrite"
)

// sampleSeeds bounds the search for the planted bug.
const sampleSeeds = 10

func repoRoot() string {
	_, file, _, _ := goruntime.Caller(0)
	return filepath.Dir(filepath.Dir(file))
}

// copyModule copies testdata/<name> to a temporary directory, pointing its
// replace directive at this repository.
func copyModule(t *testing.T, name string) string { return testmod.Copy(t, name) }

// TestSampleWAL is the acceptance test of the disk model: the sample
// write-ahead log of testdata/wal, rewritten by the generator and run under
// simulation seed by seed, must show its planted bug (a missing directory
// sync) within sampleSeeds seeds, and the fixed log must pass the same
// seeds. Natively (no simulated crash) both pass. It builds a test binary,
// so -short skips it.
func TestSampleWAL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the generated sample (-short)")
	}
	for k, v := range map[string]string{"GOFLAGS": "-mod=mod", "GOWORK": "off", "GOPROXY": "off", "GOSUMDB": "off"} {
		t.Setenv(k, v)
	}
	dir := copyModule(t, "wal")

	native := exec.Command("go", "test", "-count=1", ".")
	native.Dir = dir
	native.Env = append(os.Environ(), "WAL_PLANTED_BUG=1")
	if out, err := native.CombinedOutput(); err != nil {
		t.Fatalf("the sample's tests fail natively: %v\n%s", err, out)
	}

	res, err := rewrite.Generate(rewrite.Config{Dir: dir, Args: "gen"})
	if err != nil {
		t.Fatal(err)
	}
	var pkgDir string
	for _, p := range res.Packages {
		if p.Root {
			pkgDir = p.Dir
		}
	}
	bin := filepath.Join(t.TempDir(), "wal.test")
	build := exec.Command("go", "test", "-c", "-o", bin, ".")
	build.Dir = pkgDir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the simulated sample: %v\n%s", err, out)
	}
	run := func(test string, s int, bug bool) (bool, string) {
		cmd := exec.Command(bin, "-test.run", "^"+test+"$", "-test.count=1")
		cmd.Dir = pkgDir
		cmd.Env = append(os.Environ(), "MARIONETTE_SEED="+strconv.Itoa(s), "MARIONETTE_PROFILE=smoke")
		if bug {
			cmd.Env = append(cmd.Env, "WAL_PLANTED_BUG=1")
		}
		out, err := cmd.CombinedOutput()
		return err == nil, string(out)
	}
	seed := func(s int, bug bool) (bool, string) { return run("TestCrashRecovery", s, bug) }

	found := 0
	for s := 1; s <= sampleSeeds && found == 0; s++ {
		if ok, out := seed(s, true); !ok {
			found = s
			if !strings.Contains(out, "acknowledged record") || !strings.Contains(out, "was lost") {
				t.Errorf("seed %d failed for another reason than lost records:\n%s", s, out)
			}
			t.Logf("planted bug found at seed %d:\n%s", s, firstLines(out, 3))
		}
	}
	if found == 0 {
		t.Errorf("the planted bug was not found in %d seeds", sampleSeeds)
	}
	for s := 1; s <= sampleSeeds; s++ {
		if ok, out := seed(s, false); !ok {
			t.Errorf("the fixed log fails at seed %d:\n%s", s, out)
		}
	}
	// Crash-state enumeration finds the bug without searching seeds.
	if ok, out := run("TestEveryCrashState", 1, true); ok || !strings.Contains(out, "was lost") {
		t.Errorf("enumerating crash states did not find the planted bug:\n%s", out)
	}
	if ok, out := run("TestEveryCrashState", 1, false); !ok {
		t.Errorf("a crash state breaks the fixed log:\n%s", out)
	}
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}
