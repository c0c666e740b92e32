// This file defines the load phase: go/packages loading of the user's
// packages with tests, and the per-package error check that go/packages
// leaves to its callers.

package rewrite

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"
)

// loadMode is everything the matcher needs: syntax and full type information
// for the packages we rewrite, and module data to lay the output out.
const loadMode = packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles |
	packages.NeedImports | packages.NeedDeps | packages.NeedSyntax | packages.NeedTypes |
	packages.NeedTypesInfo | packages.NeedModule

// load loads patterns (with their tests) from dir. Packages of the output
// tree (which ./... also matches), by directory (below one of skipDirs: the
// output directory and its real location) or import path prefix skipPath,
// are dropped, and so are their errors. Any other package error fails the load: each is
// reported as "file:line:col: mgen: msg", relative to dir.
func load(dir string, patterns []string, skipDirs []string, skipPath string) ([]*packages.Package, error) {
	cfg := &packages.Config{Mode: loadMode, Dir: dir, Tests: true}
	roots, err := packages.Load(cfg, patterns...)
	if err != nil {
		return nil, fmt.Errorf("loading %s: %v", strings.Join(patterns, " "), err)
	}
	var kept []*packages.Package
	for _, p := range roots {
		if !inOutput(p, skipDirs, skipPath) {
			kept = append(kept, p)
		}
	}
	if len(kept) == 0 {
		return nil, fmt.Errorf("no packages matched %s", strings.Join(patterns, " "))
	}
	var msgs []string
	seen := map[string]bool{}
	packages.Visit(kept, nil, func(p *packages.Package) {
		if inOutput(p, skipDirs, skipPath) {
			return
		}
		for _, e := range p.Errors {
			m := formatLoadError(dir, e)
			if !seen[m] {
				seen[m] = true
				msgs = append(msgs, m)
			}
		}
	})
	if len(msgs) > 0 {
		sort.Strings(msgs)
		return nil, &DiagError{Diags: msgs}
	}
	return kept, nil
}

// inOutput reports whether p lives in the output tree. Test mains live in
// the build cache, so the import path is checked too.
func inOutput(p *packages.Package, outDirs []string, outPath string) bool {
	ip := strings.TrimSuffix(p.PkgPath, ".test")
	if outPath != "" && (ip == outPath || strings.HasPrefix(ip, outPath+"/")) {
		return true
	}
	d := pkgDir(p)
	for _, o := range outDirs {
		if o != "" && d != "" && within(o, d) {
			return true
		}
	}
	return false
}

// pkgDir is the directory of p's files, or "".
func pkgDir(p *packages.Package) string {
	if len(p.GoFiles) > 0 {
		return filepath.Dir(p.GoFiles[0])
	}
	if len(p.CompiledGoFiles) > 0 {
		return filepath.Dir(p.CompiledGoFiles[0])
	}
	return ""
}

func formatLoadError(dir string, e packages.Error) string {
	if e.Pos == "" || e.Pos == "-" {
		return "mgen: " + e.Msg
	}
	return relPos(dir, e.Pos) + ": mgen: " + e.Msg
}

// relPos makes the file name of a "file:line:col" position relative to dir
// when the file is below it.
func relPos(dir, pos string) string {
	file, rest := pos, ""
	// Split off ":line[:col]" from the right.
	for i := 0; i < 2; i++ {
		j := strings.LastIndexByte(file, ':')
		if j < 0 || !isDigits(file[j+1:]) {
			break
		}
		rest = file[j:] + rest
		file = file[:j]
	}
	return relFile(dir, file) + rest
}

// relFile makes file relative to dir when it is below dir.
func relFile(dir, file string) string {
	if dir == "" || !filepath.IsAbs(file) {
		return file
	}
	if r, err := filepath.Rel(dir, file); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return file
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// within reports whether path is dir or below it (both clean and absolute).
func within(dir, path string) bool {
	r, err := filepath.Rel(dir, path)
	return err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator)) && !filepath.IsAbs(r)
}

// DiagError is a failure made of source diagnostics, one per line.
type DiagError struct {
	Diags []string
}

func (e *DiagError) Error() string { return strings.Join(e.Diags, "\n") }
