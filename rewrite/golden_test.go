package rewrite

import (
	"bytes"
	"errors"
	"flag"
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite the expected output of the golden tests")

// Each archive in testdata/cases is one case: its comment explains it; go.mod
// and the input files make a module; the files under marionette_sim/ are the
// expected output of "mgen gen ./..."; an optional "flags" file holds
// "-allow-unsupported" and/or "-include MODULES"; an optional "stderr" file holds the expected
// diagnostics (for a failing generation) or warnings; an optional "run" file
// asks for "go test" of the generated tree under simulation (its content is
// the expected set of lines of the output that start with "ok" or "---",
// with timings removed), after the output compiled.
func TestGolden(t *testing.T) {
	strictAlign = true
	files, err := filepath.Glob("testdata/cases/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".txtar")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			runCase(t, file)
		})
	}
}

func runCase(t *testing.T, file string) {
	ar, err := txtar.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var flags string
	want := map[string]string{}
	var wantStderr, wantRun *string
	for _, f := range ar.Files {
		switch {
		case f.Name == "flags":
			flags = strings.TrimSpace(string(f.Data))
		case f.Name == "stderr":
			s := string(f.Data)
			wantStderr = &s
		case f.Name == "run":
			s := string(f.Data)
			wantRun = &s
		case strings.HasPrefix(f.Name, DefaultOut+"/"):
			want[f.Name] = string(f.Data)
		default:
			writeFile(t, filepath.Join(dir, f.Name), f.Data)
		}
	}
	if strings.Contains(string(ar.Comment), "imports Marionette") {
		simModule(t, dir) // the input itself imports the runtime
		if out, err := goCmd(t, dir, "mod", "tidy"); err != nil {
			t.Fatalf("go mod tidy: %v\n%s", err, out)
		}
	}
	cfg := Config{Dir: dir, Patterns: []string{"./..."}}
	fl := strings.Fields(flags)
	for i := 0; i < len(fl); i++ {
		switch {
		case fl[i] == "-allow-unsupported":
			cfg.AllowUnsupported = true
		case fl[i] == "-include" && i+1 < len(fl):
			i++
			cfg.Include = strings.Split(fl[i], ",")
		default:
			t.Fatalf("unknown flag %q in flags", fl[i])
		}
	}
	cfg.Args = strings.Join(append(append([]string{"gen"}, fl...), "./..."), " ")
	res, err := Generate(cfg)
	var stderr string
	var de *DiagError
	switch {
	case errors.As(err, &de):
		stderr = de.Error() + "\n"
	case err != nil:
		t.Fatalf("Generate: %v", err)
	case len(res.Warnings) > 0:
		stderr = strings.Join(res.Warnings, "\n") + "\n"
	}
	got := map[string]string{}
	filepath.WalkDir(filepath.Join(dir, DefaultOut), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			data, _ := os.ReadFile(p)
			if filepath.Base(p) == OverlayFile {
				return nil
			}
			// Files compiled in place name their originals by absolute path.
			got[filepath.ToSlash(rel)] = strings.ReplaceAll(string(data), filepath.ToSlash(dir), "$WORK")
		}
		return nil
	})

	if *update {
		updateArchive(t, file, ar, got, stderr)
		return
	}
	if wantStderr == nil && stderr != "" {
		t.Errorf("unexpected diagnostics:\n%s", stderr)
	} else if wantStderr != nil && stderr != *wantStderr {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", stderr, *wantStderr)
	}
	for _, n := range sortedKeys(want) {
		if got[n] != want[n] {
			t.Errorf("%s differs:\n%s", n, diffLines(want[n], got[n]))
		}
	}
	for _, n := range sortedKeys(got) {
		if _, ok := want[n]; !ok {
			t.Errorf("unexpected output file %s:\n%s", n, got[n])
		}
		src, err := format.Source([]byte(got[n]))
		if err != nil || string(src) != got[n] {
			t.Errorf("%s is not gofmt-stable (err %v)", n, err)
		}
	}
	if err != nil {
		return
	}
	// Generating again changes nothing.
	res2, err := Generate(cfg)
	if err != nil {
		t.Fatalf("second Generate: %v", err)
	}
	if len(res2.Written) != 0 || len(res2.Deleted) != 0 {
		t.Errorf("second Generate wrote %v, deleted %v", res2.Written, res2.Deleted)
	}
	if testing.Short() {
		return
	}
	ov := writeOverlay(t, res)
	compileOutput(t, dir, ov)
	if wantRun != nil {
		runOutput(t, dir, ov, *wantRun)
	}
}

// repoRoot is the root of the Marionette module.
func repoRoot(t testing.TB) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(file))
}

// simModule makes the case's module require Marionette from this repository.
func simModule(t testing.TB, dir string) {
	root := repoRoot(t)
	mod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(mod, []byte(Module)) {
		mod = append(mod, "\nrequire "+Module+" v0.0.0\n\nreplace "+Module+" => "+root+"\n"...)
		writeFile(t, filepath.Join(dir, "go.mod"), mod)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err == nil {
		writeFile(t, filepath.Join(dir, "go.sum"), sum)
	}
}

func goCmd(t testing.TB, dir string, args ...string) (string, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GOPROXY=off", "GOSUMDB=off")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// compileOutput vets the whole module: natively (the input), and through
// the overlay (the generated tree in place, with the -include'd packages).
func compileOutput(t *testing.T, dir, overlay string) {
	simModule(t, dir)
	if out, err := goCmd(t, dir, "vet", "./..."); err != nil {
		t.Errorf("go vet of the module failed: %v\n%s", err, out)
	}
	args := []string{"vet", "-overlay=" + overlay, "./..."}
	if _, err := os.Stat(filepath.Join(dir, DefaultOut, "_ext")); err == nil {
		args = append(args, "./"+DefaultOut+"/_ext/...")
	}
	if out, err := goCmd(t, dir, args...); err != nil {
		t.Errorf("go vet of the generated tree failed: %v\n%s", err, out)
	}
}

// runOutput runs the generated tests under simulation with seed 1.
func runOutput(t *testing.T, dir, overlay, want string) {
	cmd := exec.Command("go", "test", "-count=1", "-vet=off", "-overlay="+overlay, "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GOPROXY=off", "GOSUMDB=off", "MARIONETTE_SEED=1")
	out, _ := cmd.CombinedOutput()
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "ok") || strings.HasPrefix(l, "---") || strings.HasPrefix(l, "FAIL") {
			lines = append(lines, stripTiming(l))
		}
	}
	got := strings.Join(lines, "\n") + "\n"
	if got != want {
		t.Errorf("go test of the generated tree:\n%s\nwant lines:\n%s\nfull output:\n%s", got, want, out)
	}
}

// stripTiming removes "\t0.012s" and "(0.00s)" from go test lines.
func stripTiming(l string) string {
	fields := strings.Fields(l)
	var keep []string
	for _, f := range fields {
		if strings.HasSuffix(f, "s") && (strings.HasPrefix(f, "(") || f[0] >= '0' && f[0] <= '9') && strings.ContainsAny(f, ".") {
			continue
		}
		if f == "(cached)" {
			continue
		}
		keep = append(keep, f)
	}
	return strings.Join(keep, " ")
}

func updateArchive(t *testing.T, file string, ar *txtar.Archive, got map[string]string, stderr string) {
	var files []txtar.File
	for _, f := range ar.Files {
		if strings.HasPrefix(f.Name, DefaultOut+"/") || f.Name == "stderr" {
			continue
		}
		files = append(files, f)
	}
	if stderr != "" {
		files = append(files, txtar.File{Name: "stderr", Data: []byte(stderr)})
	}
	for _, n := range sortedKeys(got) {
		files = append(files, txtar.File{Name: n, Data: []byte(got[n])})
	}
	ar.Files = files
	if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o666); err != nil {
		t.Fatal(err)
	}
}

func sortedKeys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// diffLines is a small line diff: the first differing line with context.
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "first difference at line " + strconv.Itoa(i+1) + ":\n want: " + wl + "\n  got: " + gl + "\n\ngot:\n" + got
		}
	}
	return ""
}
