package rewrite

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// outModule writes a module with a root package and a package a, and
// returns its directory.
func outModule(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "go.mod"), []byte("module example.com/out\n\ngo 1.26\n"))
	writeFile(t, filepath.Join(dir, "root.go"), []byte("package out\n\nfunc Spawn(f func()) { go f() }\n"))
	writeFile(t, filepath.Join(dir, "a", "a.go"), []byte("package a\n\nfunc A(c chan int) { c <- 1 }\n"))
	return dir
}

// tree returns every file below dir with its content, symbolic links not
// followed.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			data, _ := os.ReadFile(p)
			m[p] = string(data)
		}
		return nil
	})
	return m
}

func sameTree(t *testing.T, before, after map[string]string) {
	t.Helper()
	for p, c := range after {
		if b, ok := before[p]; !ok || b != c {
			t.Errorf("%s was written", p)
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			t.Errorf("%s was deleted", p)
		}
	}
}

// TestOutRefusesUserPackages: -o naming a package directory of the user's,
// a directory inside one, or a directory holding one is refused before
// anything is written (issue 12, defect 3).
func TestOutRefusesUserPackages(t *testing.T) {
	for _, tc := range []struct{ out, want string }{
		{"a", filepath.Join("a", "a.go") + ", which mgen did not generate"},
		{filepath.Join("a", "sim"), "is inside"},
		{"b", "contains"}, // b/c is a package of the user's
	} {
		t.Run(tc.out, func(t *testing.T) {
			dir := outModule(t)
			writeFile(t, filepath.Join(dir, "b", "c", "c.go"), []byte("package c\n"))
			before := tree(t, dir)
			_, err := Generate(Config{Dir: dir, Patterns: []string{"./..."}, Out: tc.out})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			sameTree(t, before, tree(t, dir))
		})
	}
}

// TestOutSymlinks: an output directory that is, or is below, a symbolic
// link is refused when its real location is outside the module or inside a
// user package, and accepted when it stays in the module elsewhere.
func TestOutSymlinks(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links")
	}
	for _, tc := range []struct {
		name, link, target, out, want string
	}{
		{"out of module", "sim", "OUTSIDE", "sim", "not below the main module's root"},
		{"ancestor out of module", "gen", "OUTSIDE", filepath.Join("gen", "sim"), "not below the main module's root"},
		{"into package", "sim", "a", "sim", "which mgen did not generate"},
		{"into package subdir", "sim", filepath.Join("a", "sub"), "sim", "is inside"},
		{"into module root", "sim", ".", "sim", "not below the main module's root"},
		{"dangling", "sim", "MISSING", "sim", "missing target"},
		{"inside module", "sim", ".simreal", "sim", ""},
		{"inside module visible", "sim", filepath.Join("build", "sim"), "sim", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := outModule(t)
			outside := t.TempDir()
			target := filepath.Join(dir, tc.target)
			switch tc.target {
			case "OUTSIDE":
				target = outside
			case "MISSING":
				target = filepath.Join(outside, "missing")
			default:
				os.MkdirAll(target, 0o777)
			}
			if err := os.Symlink(target, filepath.Join(dir, tc.link)); err != nil {
				t.Fatal(err)
			}
			before, beforeOut := tree(t, dir), tree(t, outside)
			res, err := Generate(Config{Dir: dir, Patterns: []string{"./..."}, Out: tc.out})
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if _, err := os.Stat(filepath.Join(target, srcTree, "a", "a.go")); err != nil {
					t.Fatalf("generated package a not at the real location: %v", err)
				}
				// The real location is not loaded as packages of the
				// user's: generating again changes nothing.
				res, err = Generate(Config{Dir: dir, Patterns: []string{"./..."}, Out: tc.out})
				if err != nil {
					t.Fatalf("second run: %v", err)
				}
				if len(res.Written) != 0 || len(res.Packages) != 2 {
					t.Fatalf("second run wrote %v, packages %v", res.Written, res.Packages)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			sameTree(t, before, tree(t, dir))
			sameTree(t, beforeOut, tree(t, outside))
		})
	}
}

// TestOutSymlinkBelow: a package directory inside the output directory that
// is a symbolic link out of it is refused before anything is written or
// deleted.
func TestOutSymlinkBelow(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links")
	}
	dir := outModule(t)
	cfg := Config{Dir: dir, Patterns: []string{"./..."}}
	if _, err := Generate(cfg); err != nil {
		t.Fatal(err)
	}
	outside := t.TempDir()
	stale := filepath.Join(outside, "stale.go")
	writeFile(t, stale, []byte(Header("gen ./...")+"\n\npackage a\n"))
	pkgA := filepath.Join(dir, DefaultOut, srcTree, "a")
	if err := os.RemoveAll(pkgA); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, pkgA); err != nil {
		t.Fatal(err)
	}
	before, beforeOut := tree(t, dir), tree(t, outside)
	_, err := Generate(cfg)
	if err == nil || !strings.Contains(err.Error(), "outside the output directory") {
		t.Fatalf("got %v, want a refusal", err)
	}
	sameTree(t, before, tree(t, dir))
	sameTree(t, beforeOut, tree(t, outside))
}

// TestStaleTemporariesCleaned: temporary files a killed run left in the
// directories mgen writes are removed on the next run; files that only look
// similar are not.
func TestStaleTemporariesCleaned(t *testing.T) {
	dir := outModule(t)
	cfg := Config{Dir: dir, Patterns: []string{"./..."}}
	if _, err := Generate(cfg); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, DefaultOut)
	a := filepath.Join(out, srcTree, "a")
	stale := []string{filepath.Join(out, ".mgen-123456.tmp"), filepath.Join(a, ".mgen-42.tmp")}
	keep := []string{filepath.Join(out, ".mgen-notes.tmp"), filepath.Join(a, "mgen-1.tmp"), filepath.Join(a, ".mgen-1.tmp.bak")}
	for _, p := range append(append([]string(nil), stale...), keep...) {
		writeFile(t, p, []byte("partial"))
	}
	res, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Written) != 0 {
		t.Errorf("wrote %v", res.Written)
	}
	for _, p := range stale {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("stale temporary %s not removed", p)
		}
	}
	for _, p := range keep {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s removed: %v", p, err)
		}
	}
}
