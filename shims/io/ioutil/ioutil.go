// Package ioutil is the simulator's io/ioutil: its file functions are the
// simulated os's (shims/os), so under simulation a test's temporary files
// and directories, reads and writes are on the node's simulated disk, as
// code that uses os directly gets. Outside a simulation they are std's,
// through the os shim. The rest of the API is forwarded (zz_forward.go).
package ioutil

import (
	"io/fs"
	"slices"
	"strings"

	"github.com/marionette-dst/marionette/shims/os"
)

// ReadFile reads the file named by filename and returns the contents.
//
// Deprecated: As of Go 1.16, this function simply calls [os.ReadFile].
func ReadFile(filename string) ([]byte, error) { return os.ReadFile(filename) }

// WriteFile writes data to a file named by filename.
//
// Deprecated: As of Go 1.16, this function simply calls [os.WriteFile].
func WriteFile(filename string, data []byte, perm fs.FileMode) error {
	return os.WriteFile(filename, data, perm)
}

// ReadDir reads the directory named by dirname and returns a list of
// fs.FileInfo for the directory's contents, sorted by filename.
//
// Deprecated: As of Go 1.16, [os.ReadDir] is a more efficient and correct
// choice.
func ReadDir(dirname string) ([]fs.FileInfo, error) {
	f, err := os.Open(dirname)
	if err != nil {
		return nil, err
	}
	list, err := f.Readdir(-1)
	f.Close()
	if err != nil {
		return nil, err
	}
	slices.SortFunc(list, func(a, b fs.FileInfo) int { return strings.Compare(a.Name(), b.Name()) })
	return list, nil
}

// TempFile creates a new temporary file in the directory dir.
//
// Deprecated: As of Go 1.17, this function simply calls [os.CreateTemp].
func TempFile(dir, pattern string) (f *os.File, err error) { return os.CreateTemp(dir, pattern) }

// TempDir creates a new temporary directory in the directory dir.
//
// Deprecated: As of Go 1.17, this function simply calls [os.MkdirTemp].
func TempDir(dir, pattern string) (name string, err error) { return os.MkdirTemp(dir, pattern) }
