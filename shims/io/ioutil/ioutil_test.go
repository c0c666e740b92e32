package ioutil_test

import (
	"errors"
	stdos "os"
	"path/filepath"
	"testing"

	"github.com/marionette-dst/marionette/runtime"
	"github.com/marionette-dst/marionette/shims/io/ioutil"
	"github.com/marionette-dst/marionette/shims/os"
)

// Under simulation io/ioutil's temporary files and directories, reads and
// writes are on the simulated disk: none of them appears on the real one
// (go-cache's and go-diskqueue's suites wrote real files through
// ioutil.TempFile and TempDir). Natively they are std's.
func TestOnTheSimulatedDisk(t *testing.T) {
	o, err := runtime.Expand(1, runtime.Smoke)
	if err != nil {
		t.Fatal(err)
	}
	var dir, file string
	r := runtime.NewWorld(o).Run(func() {
		var err error
		if dir, err = ioutil.TempDir("", "ioutil-shim-"); err != nil {
			t.Fatal(err)
		}
		f, err := ioutil.TempFile(dir, "f-")
		if err != nil {
			t.Fatal(err)
		}
		file = f.Name()
		f.Close()
		if err := ioutil.WriteFile(filepath.Join(dir, "b"), []byte("data"), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := ioutil.ReadFile(filepath.Join(dir, "b"))
		if err != nil || string(got) != "data" {
			t.Fatalf("ReadFile = %q, %v", got, err)
		}
		infos, err := ioutil.ReadDir(dir)
		if err != nil || len(infos) != 2 || infos[0].Name() != "b" || infos[1].Name() != filepath.Base(file) {
			t.Fatalf("ReadDir = %v, %v", infos, err)
		}
		if _, err := os.Stat(file); err != nil {
			t.Fatal(err)
		}
	})
	if r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
	for _, p := range []string{dir, file} {
		if _, err := stdos.Stat(p); !errors.Is(err, stdos.ErrNotExist) {
			t.Errorf("%s exists on the real disk: %v", p, err)
		}
	}
	// Natively: std's.
	real, err := ioutil.TempDir(t.TempDir(), "native-")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stdos.Stat(real); err != nil {
		t.Fatalf("native TempDir: %v", err)
	}
}
