// This file checks that every package named on the command line is one gen
// rewrites: a package of another module is rewritten (and its own tests
// run) only when -include names its module. Without this check such a
// pattern would be skipped silently and mgen test would report "no test
// files".

package main

import (
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// checkTargets returns an error naming every package matched by patterns
// that gen does not rewrite, with the flag that would rewrite it. Patterns
// that are directories (".", "./...", "/abs/dir") belong to the main module
// (or fail to load), so only import path patterns are looked up.
func checkTargets(dir string, patterns, include []string) error {
	var paths []string
	for _, p := range patterns {
		if p == "." || p == ".." || strings.HasPrefix(p, "./") || strings.HasPrefix(p, "../") || filepath.IsAbs(p) {
			continue
		}
		paths = append(paths, p)
	}
	if len(paths) == 0 {
		return nil
	}
	cmd := exec.Command("go", append([]string{"list", "-e", "-f", "{{.ImportPath}}\t{{with .Module}}{{.Path}}\t{{.Main}}{{end}}"}, paths...)...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil // gen reports load problems itself
	}
	var problems []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "\t")
		if len(f) == 0 || f[0] == "" {
			continue
		}
		switch {
		case len(f) < 3 || f[1] == "":
			problems = append(problems, fmt.Sprintf("%s is a standard library package: mgen does not rewrite the standard library (the packages it simulates are replaced by shims), so its tests cannot run under simulation", f[0]))
		case f[2] == "true":
		case !includeMatches(include, f[1]):
			problems = append(problems, fmt.Sprintf("%s belongs to module %s, which is not rewritten: add -include %s to rewrite it and run its tests", f[0], f[1], f[1]))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "\nmgen: "))
	}
	return nil
}

// includeMatches reports whether module path mod matches one of the
// -include patterns: exact, or ending in /... for the module and every
// module below it (as the rewriter matches them).
func includeMatches(patterns []string, mod string) bool {
	for _, pat := range patterns {
		if base, ok := strings.CutSuffix(pat, "/..."); ok {
			if mod == base || strings.HasPrefix(mod, base+"/") {
				return true
			}
		} else if pat == mod {
			return true
		}
	}
	return false
}
