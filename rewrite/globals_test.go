package rewrite

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// TestGlobalsEndToEnd generates testdata/globals/*.txtar, whose tests use
// the runtime's node API, and runs the generated tests under simulation;
// the "run" file holds the expected ok and FAIL lines of go test. (The
// golden cases cannot import Marionette: they run in parallel, before
// simModule.) The same module generated without the package-state rewrite
// must give the lines of the "shared" file instead: the tests tell shared
// globals from per-node ones.
func TestGlobalsEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs generated code")
	}
	files, err := filepath.Glob("testdata/globals/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, kv := range []string{"GOFLAGS=-mod=mod", "GOWORK=off", "GOPROXY=off", "GOSUMDB=off"} {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, shared := range []bool{false, true} {
			name := strings.TrimSuffix(filepath.Base(file), ".txtar")
			wantFile := "run"
			if shared {
				name, wantFile = name+"_shared", "shared"
			}
			t.Run(name, func(t *testing.T) {
				dir := t.TempDir()
				var want string
				for _, f := range ar.Files {
					switch f.Name {
					case wantFile:
						want = string(f.Data)
					case "run", "shared":
					default:
						writeFile(t, filepath.Join(dir, f.Name), f.Data)
					}
				}
				simModule(t, dir)
				noPackageState = shared
				defer func() { noPackageState = false }()
				res, err := Generate(Config{Dir: dir, Patterns: []string{"./..."}, Args: "gen ./..."})
				if err != nil {
					t.Fatal(err)
				}
				got, out := goTestLines(dir, writeOverlay(t, res))
				if got != want {
					t.Errorf("go test of the generated tree:\n%s\nwant lines:\n%s\nfull output:\n%s", got, want, out)
				}
			})
		}
	}
}

var timing = regexp.MustCompile(` \([0-9.]+s\)$`)

// goTestLines runs the generated tests under simulation with seed 1 and
// returns the lines starting with ok, --- or FAIL, without timings.
func goTestLines(dir, overlay string) (lines, out string) {
	cmd := exec.Command("go", "test", "-count=1", "-vet=off", "-overlay="+overlay, "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "MARIONETTE_SEED=1")
	b, _ := cmd.CombinedOutput()
	var keep []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "ok") || strings.HasPrefix(l, "--- ") || strings.HasPrefix(l, "FAIL") {
			keep = append(keep, stripTiming(timing.ReplaceAllString(l, "")))
		}
	}
	return strings.Join(keep, "\n") + "\n", string(b)
}

// TestDriverWorkload: the driver of a main package runs the workload named
// by Config.Workload, wrapping a Workload without an error result; a
// workload with another signature is refused.
func TestDriverWorkload(t *testing.T) {
	for _, kv := range []string{"GOFLAGS=-mod=mod", "GOWORK=off", "GOPROXY=off", "GOSUMDB=off"} {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":          "module example.com/drv\n\ngo 1.26\n",
		"cmd/app/main.go": "package main\n\nfunc main() {}\n",
		"load/load.go": `package load

import "github.com/marionette-dst/marionette/runtime"

func Workload(w *runtime.World) { _ = w.Nodes() }
`,
		"bad/bad.go": "package bad\n\nfunc Workload(n int) error { return nil }\n",
	}
	for name, data := range files {
		writeFile(t, filepath.Join(dir, name), []byte(data))
	}
	simModule(t, dir)
	res, err := Generate(Config{Dir: dir, Patterns: []string{"./cmd/app"}, Workload: "./load", Args: "build ./cmd/app"})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(res.OutDir, srcTree, "cmd", "app", "zz_mgen_main.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`workload "example.com/drv/load"`,
		"Workload: func(w *mrt.World) error {\n\t\t\tworkload.Workload(w)\n\t\t\treturn nil\n\t\t},",
		`WorkloadPath: "example.com/drv/load",`,
		"Main: mrtgMain,",
	} {
		if !strings.Contains(string(data), want) {
			t.Errorf("driver lacks %q:\n%s", want, data)
		}
	}
	if !testing.Short() {
		if out, err := goCmd(t, dir, "vet", "-overlay="+writeOverlay(t, res), "./..."); err != nil {
			t.Errorf("go vet: %v\n%s", err, out)
		}
	}
	_, err = Generate(Config{Dir: dir, Patterns: []string{"./cmd/app"}, Workload: "./bad", Args: "build ./cmd/app"})
	if err == nil || !strings.Contains(err.Error(), "example.com/drv/bad: Workload has type func(n int) error; want func Workload(w *runtime.World)") {
		t.Errorf("bad workload: %v", err)
	}
}

// writeOverlay writes the -overlay file of a generation and returns its path.
func writeOverlay(t testing.TB, res *Result) string {
	t.Helper()
	ov := filepath.Join(res.OutDir, OverlayFile)
	if err := WriteOverlay(ov, res.Overlay); err != nil {
		t.Fatal(err)
	}
	return ov
}
