// This file gives a simulated test the files beside it: the node's disk
// starts with a copy of the test's package directory (runtime.WorkDir), so
// testdata and friends are found as natively, and the process starts there.

package os

import (
	"fmt"
	"io/fs"
	stdos "os"
	"path/filepath"
	"sync"

	"github.com/marionette-dst/marionette/disk"
	"github.com/marionette-dst/marionette/runtime"
)

// workTreeLimit bounds the bytes copied from the work directory: a larger
// tree is cut (in walk order) with a warning.
const workTreeLimit = 256 << 20

var workTree struct {
	once  sync.Once
	dir   string
	files []disk.HostFile
}

// workFiles returns the files of the work directory dir, read from the real
// disk once per process: every regular file and directory below it, in
// lexical order, except version-control directories and nested modules
// (directories with their own go.mod), which are not the package's.
// Symbolic links and other special files are left out.
func workFiles(dir string) []disk.HostFile {
	workTree.once.Do(func() {
		runtime.Outside(func() {
			workTree.dir = dir
			workTree.files = readWorkTree(dir)
		})
	})
	if workTree.dir != dir {
		return nil
	}
	return workTree.files
}

func readWorkTree(dir string) []disk.HostFile {
	var files []disk.HostFile
	total := 0
	cut := false
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || cut {
			return nil
		}
		if d.IsDir() {
			if p != dir {
				if n := d.Name(); n == ".git" || n == ".hg" || n == ".svn" {
					return filepath.SkipDir
				}
				if _, err := stdos.Lstat(filepath.Join(p, "go.mod")); err == nil {
					return filepath.SkipDir
				}
			}
			perm := uint32(0o755)
			if info, err := d.Info(); err == nil {
				perm = uint32(info.Mode().Perm())
			}
			files = append(files, disk.HostFile{Path: filepath.ToSlash(p), Dir: true, Perm: perm})
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		if total+int(info.Size()) > workTreeLimit {
			fmt.Fprintf(stdos.Stderr, "marionette: warning: %s holds more than %d MiB; the simulated disk has its files only up to %s\n", dir, workTreeLimit>>20, p)
			cut = true
			return nil
		}
		data, err := stdos.ReadFile(p)
		if err != nil {
			return nil
		}
		total += len(data)
		files = append(files, disk.HostFile{Path: filepath.ToSlash(p), Perm: uint32(info.Mode().Perm()), Data: data})
		return nil
	})
	return files
}
