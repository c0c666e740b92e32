// This file records the working directory simulated processes start in.

package runtime

import "sync/atomic"

var workDir atomic.Pointer[string]

// SetWorkDir sets the directory every simulated process starts in, and
// whose files (the package directory of a test, with its testdata) its
// node's simulated disk holds from the start (shims/os). runtime/simtest
// sets it to the test binary's real working directory, the package's
// directory, as go test runs it; "" (the default, for simulated binaries)
// starts processes in "/" with an empty disk.
func SetWorkDir(dir string) { workDir.Store(&dir) }

// WorkDir returns the directory SetWorkDir set.
func WorkDir() string {
	if p := workDir.Load(); p != nil {
		return *p
	}
	return ""
}
