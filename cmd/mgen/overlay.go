// This file builds the standard-library overlay (internal/overlay) for the
// module being simulated, when -std asks for it.

package main

import (
	"fmt"
	"os/exec"
	"strings"

	"github.com/marionette-dst/marionette/internal/overlay"
)

const stdhooksPkg = "github.com/marionette-dst/marionette/runtime/stdhooks"

// stdOverlay returns the -overlay flag that builds the module at modRoot
// with the standard library simulated, writing the overlay to the cache the
// first time.
func stdOverlay(modRoot string) (string, error) {
	// (go test's vet step cannot run on packages that exist only in an
	// overlay; the caller turns it off.)
	goenv, err := goOutput(modRoot, "env", "GOROOT", "GOVERSION", "GOOS", "GOARCH")
	if err != nil {
		return "", err
	}
	lines := strings.Split(strings.TrimSpace(goenv), "\n")
	if len(lines) != 4 {
		return "", fmt.Errorf("go env GOROOT GOVERSION GOOS GOARCH: unexpected output %q", goenv)
	}
	dir, err := goOutput(modRoot, "list", "-f", "{{.Dir}}", stdhooksPkg)
	if err != nil {
		return "", err
	}
	path, err := overlay.Build(overlay.Config{GOROOT: lines[0], GoVersion: lines[1], GOOS: lines[2], GOARCH: lines[3], Dir: modRoot, HooksDir: strings.TrimSpace(dir)})
	if err != nil {
		return "", err
	}
	return "-overlay=" + path, nil
}

func goOutput(dir string, args ...string) (string, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = ": " + strings.TrimSpace(string(ee.Stderr))
		}
		return "", fmt.Errorf("go %s: %v%s", strings.Join(args, " "), err, msg)
	}
	return string(out), nil
}
