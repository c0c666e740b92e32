// Package testmod gives tests a private copy of one of the modules in
// testdata/ (each has its own go.mod with `replace ... => ../..`), with the
// replace directive pointed at this repository, so a test can generate,
// build and run it without touching the checked-in tree.
package testmod

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Root returns the root directory of the Marionette repository.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(filepath.Dir(file)))
}

// Copy copies testdata/<name> to a new temporary directory of t (leaving
// out generated marionette_sim trees) and returns that directory.
func Copy(t testing.TB, name string) string {
	t.Helper()
	src := filepath.Join(Root(), "testdata", name)
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			if d.Name() == "marionette_sim" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o777)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if rel == "go.mod" {
			data = bytes.ReplaceAll(data, []byte("=> ../.."), []byte("=> "+Root()))
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o666)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}
