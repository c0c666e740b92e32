// This file writes the -overlay file that builds the generated tree in
// place of the user's packages, with the standard-library overlay
// (internal/overlay) when -std asks for it.

package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/marionette-dst/marionette/internal/overlay"
	"github.com/marionette-dst/marionette/rewrite"
)

const stdhooksPkg = "github.com/marionette-dst/marionette/runtime/stdhooks"

// simFlags writes the -overlay file that builds what gen generated (res):
// the main module's packages compiled from their rewritten files, in
// place, and with -std the standard library and the dependencies of the
// packages matched by patterns (from e.dir) simulated too. It returns the
// go command flags that build with it: -overlay, and -modfile when
// dependencies in the module cache are rewritten (their copies). The std
// part is written to the cache the first time. Dependencies whose modules
// match include are rewritten by gen instead (below <out>/_ext), and
// Marionette's own, and the modules its runtime uses, stay as they are.
func simFlags(e env, res *rewrite.Result, std bool, patterns, include []string) ([]string, error) {
	modRoot := moduleRoot(res.OutDir)
	hooksDir, err := goOutput(modRoot, "list", "-f", "{{.Dir}}", stdhooksPkg)
	if err != nil {
		return nil, err
	}
	hooksDir = strings.TrimSpace(hooksDir)
	base := ""
	if std {
		if base, err = stdOverlay(e, modRoot, hooksDir, patterns, include); err != nil {
			return nil, err
		}
	}
	return overlay.Write(filepath.Join(res.OutDir, rewrite.OverlayFile), base, res.Overlay, hooksDir)
}

// stdOverlay builds (or finds in the cache) the overlay of the standard
// library and of the dependencies, and returns its JSON file.
func stdOverlay(e env, modRoot, hooksDir string, patterns, include []string) (string, error) {
	// (go test's vet step cannot run on packages that exist only in an
	// overlay; the caller turns it off.)
	goenv, err := goOutput(modRoot, "env", "GOROOT", "GOVERSION", "GOOS", "GOARCH", "GOMODCACHE", "GOMOD")
	if err != nil {
		return "", err
	}
	lines := strings.Split(strings.TrimSpace(goenv), "\n")
	if len(lines) != 6 {
		return "", fmt.Errorf("go env GOROOT GOVERSION GOOS GOARCH GOMODCACHE GOMOD: unexpected output %q", goenv)
	}
	deps, err := dependencyPackages(e.dir, patterns, include)
	if err != nil {
		return "", err
	}
	path, err := overlay.Build(overlay.Config{GOROOT: lines[0], GoVersion: lines[1], GOOS: lines[2], GOARCH: lines[3],
		ModCache: lines[4], GoMod: lines[5], Dir: modRoot, HooksDir: hooksDir, Deps: deps})
	if err != nil {
		return "", err
	}
	for _, s := range overlay.Skipped(path) {
		fmt.Fprintf(e.stderr, "mgen: warning: %s\n", s)
	}
	return path, nil
}

// dependencyPackages lists the packages of other modules that the packages
// matched by patterns (and their tests) import, directly or not: the
// packages the overlay rewrites in place.
func dependencyPackages(dir string, patterns, include []string) ([]overlay.Dep, error) {
	if len(patterns) == 0 {
		patterns = []string{"."}
	}
	// The modules Marionette's runtime itself uses stay native: the
	// simulator must not simulate itself.
	own, err := goOutput(dir, "list", "-e", "-deps", "-f", "{{with .Module}}{{.Path}}{{end}}", stdhooksPkg,
		"github.com/marionette-dst/marionette/runtime/simtest", "github.com/marionette-dst/marionette/runtime/simmain",
		"github.com/marionette-dst/marionette/history")
	if err != nil {
		return nil, err
	}
	skip := map[string]bool{}
	for _, m := range strings.Fields(own) {
		skip[m] = true
	}
	out, err := goOutput(dir, append([]string{"list", "-e", "-deps", "-test", "-f",
		"{{if not .Standard}}{{with .Module}}{{if not .Main}}{{.Path}}\t{{$.ImportPath}}\t{{$.Dir}}\t{{.Version}}\t{{.Dir}}{{end}}{{end}}{{end}}"}, patterns...)...)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var deps []overlay.Dep
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 5 || f[2] == "" || strings.Contains(f[1], " ") || skip[f[0]] || includeMatches(include, f[0]) || seen[f[1]] {
			continue // a test variant, Marionette's, or rewritten by gen (-include)
		}
		seen[f[1]] = true
		deps = append(deps, overlay.Dep{ImportPath: f[1], Dir: f[2], ModPath: f[0], ModVersion: f[3], ModDir: f[4]})
	}
	sort.Slice(deps, func(i, j int) bool { return deps[i].ImportPath < deps[j].ImportPath })
	return deps, nil
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
