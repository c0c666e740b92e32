package rewrite

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/marionette-dst/marionette/runtime"
	"golang.org/x/tools/txtar"
)

// TestAssertionCatalog generates testdata/assertions/catalog.txtar and
// compares the catalog files with its want/ files; unless -short, it also
// runs the generated tests and checks the assertion lines they print.
func TestAssertionCatalog(t *testing.T) {
	ar, err := txtar.ParseFile("testdata/assertions/catalog.txtar")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	want := map[string]string{}
	var wantRun []string
	for _, f := range ar.Files {
		switch {
		case strings.HasPrefix(f.Name, "want/"):
			want[strings.TrimPrefix(f.Name, "want/")] = string(f.Data)
		case f.Name == "run":
			wantRun = strings.Split(strings.TrimSpace(string(f.Data)), "\n")
		default:
			writeFile(t, filepath.Join(dir, f.Name), f.Data)
		}
	}
	simModule(t, dir) // the input imports the assert package
	for _, kv := range []string{"GOFLAGS=-mod=mod", "GOWORK=off", "GOPROXY=off", "GOSUMDB=off"} {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	res, err := Generate(Config{Dir: dir, Patterns: []string{"./..."}, Args: "gen ./..."})
	if err != nil {
		t.Fatal(err)
	}
	var catalogs []string
	for _, p := range append(res.Written, res.Unchanged...) {
		if strings.Contains(filepath.Base(p), "zz_mgen_assertions") {
			rel, _ := filepath.Rel(filepath.Join(res.OutDir, srcTree), p)
			catalogs = append(catalogs, filepath.ToSlash(rel))
		}
	}
	if len(catalogs) != len(want) {
		t.Errorf("catalog files %v, want %d", catalogs, len(want))
	}
	for name, w := range want {
		got, err := os.ReadFile(filepath.Join(res.OutDir, srcTree, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if string(got) != w {
			t.Errorf("%s differs:\n%s", name, diffLines(w, string(got)))
		}
	}
	// Generating again changes nothing.
	res2, err := Generate(Config{Dir: dir, Patterns: []string{"./..."}, Args: "gen ./..."})
	if err != nil || len(res2.Written) != 0 || len(res2.Deleted) != 0 {
		t.Fatalf("second Generate: %v, wrote %v, deleted %v", err, res2.Written, res2.Deleted)
	}
	if testing.Short() {
		return
	}
	out, err := goCmd(t, dir, "test", "-count=1", "-v", "-vet=off", "-overlay="+writeOverlay(t, res), "./...")
	if err != nil {
		t.Fatalf("go test of the generated tree: %v\n%s", err, out)
	}
	for _, w := range wantRun {
		if !strings.Contains(out, "marionette: "+w+"\n") {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	// The machine-readable lines carry every catalogued site.
	lines := 0
	for _, l := range strings.Split(out, "\n") {
		line, ok := runtime.ParseAssertionsLine(l)
		if !ok {
			continue
		}
		lines++
		pos := map[string]string{}
		for _, s := range line.Assertions {
			pos[s.Message] = s.Pos
		}
		if pos["store overflows"] != "store/store.go:22" || pos["two keys after two puts"] != "store/x_test.go:14" {
			t.Errorf("assertion line of %s lacks catalogued sites: %v", line.Run, pos)
		}
		if _, ok := pos["decoy"]; ok {
			t.Errorf("the decoy was catalogued or counted")
		}
	}
	if lines != 2 {
		t.Errorf("%d assertion lines, want 2:\n%s", lines, out)
	}
}
