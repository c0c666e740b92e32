// This file defines the rewrite of import declarations. All import
// declarations of a file (except import "C") are replaced by one block we
// generate, sorted as gofmt sorts it so that formatting does not reorder
// tokens, one spec per line:
//
//   - shimmed standard packages are swapped for their shim, which has the
//     same package name, so the user's alias (or none) is kept and dot
//     imports keep working;
//   - packages being rewritten (of the main module, or matched by -include)
//     are imported from their place in the output tree;
//   - the runtime and simtest packages are added under names no identifier
//     of the file uses;
//   - an import whose every use the rewrite removed (runtime, when only
//     runtime.Gosched was used) is dropped.

package rewrite

import (
	"go/ast"
	"go/token"
	"go/types"
	"sort"
	"strconv"
)

// Module is the import path of Marionette itself.
const Module = "github.com/marionette-dst/marionette"

const (
	runtimePath = Module + "/runtime"
	simtestPath = Module + "/runtime/simtest"
	shimPrefix  = Module + "/shims/"
)

// shimmed lists the standard packages that have a shim under shims/<path>
// with the same package name. Later packages are added here.
// Not shimmed, and left alone: io/ioutil, os/signal, os/exec and every other
// standard package.
var shimmed = map[string]bool{
	"context":      true,
	"crypto/rand":  true,
	"flag":         true,
	"io/ioutil":    true,
	"log":          true,
	"log/slog":     true,
	"math/rand":    true,
	"math/rand/v2": true,
	"net":          true,
	"os":           true,
	"sync":         true,
	"time":         true,
}

// ShimPath returns the import path of the shim of std package path, and
// whether there is one.
func ShimPath(path string) (string, bool) {
	if shimmed[path] {
		return shimPrefix + path, true
	}
	return "", false
}

// ImportSpec is one line of the generated import block.
type ImportSpec struct {
	Name string // alias, "." or "_", or ""
	Path string
	Orig int // offset of the user's spec, or noPos for added imports
}

// ImportSite is the generated import block.
type ImportSite struct {
	Specs  []ImportSpec // sorted by path, then name
	Insert bool         // there were no imports: the block goes after the package clause
}

// finishImports builds the import site once every other site is known.
// mapPath maps the import path of a package being rewritten to its new path.
func (m *matcher) finishImports(mapPath func(string) (string, bool), pkgUses map[*types.PkgName][]int) {
	fs := m.fs
	needRT, needSim := false, false
	for _, s := range fs.Sites {
		switch s.Kind {
		case KindTestFunc, KindTRun, KindTParallel, KindTTempDir:
			needSim = true
		case KindGlobal:
			needRT = needRT || s.Global.RT
		case KindRemove:
		default:
			needRT = true
		}
	}
	if needRT {
		fs.RT = fs.Names.fresh("mrt")
	}
	if needSim {
		fs.Sim = fs.Names.fresh("mrtsim")
	}

	is := &ImportSite{}
	var first, last ast.Decl
	changed := needRT || needSim
	for _, d := range m.file.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.IMPORT {
			continue
		}
		if len(gd.Specs) == 1 && importPath(gd.Specs[0].(*ast.ImportSpec)) == "C" {
			continue // cgo: left where it is, with its preamble
		}
		if first == nil {
			first = d
		}
		last = d
		for _, s := range gd.Specs {
			spec := s.(*ast.ImportSpec)
			path := importPath(spec)
			is1 := ImportSpec{Path: path, Orig: m.off(spec.Pos())}
			if spec.Name != nil {
				is1.Name = spec.Name.Name
			}
			if np, ok := ShimPath(path); ok && !m.std {
				is1.Path, changed = np, true
			} else if np, ok := mapPath(path); ok {
				is1.Path, changed = np, true
			}
			if m.allDropped(spec, pkgUses) {
				changed = true
				continue
			}
			is.Specs = append(is.Specs, is1)
		}
	}
	if !changed {
		return
	}
	if needRT {
		rt := runtimePath
		if m.std {
			rt = BottomPath
		}
		is.Specs = append(is.Specs, ImportSpec{Name: fs.RT, Path: rt, Orig: noPos})
	}
	if needSim {
		is.Specs = append(is.Specs, ImportSpec{Name: fs.Sim, Path: simtestPath, Orig: noPos})
	}
	sort.SliceStable(is.Specs, func(i, j int) bool {
		a, b := is.Specs[i], is.Specs[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Name < b.Name
	})
	site := &Site{Kind: KindImports, Import: is}
	if first == nil {
		is.Insert = true
		e := m.off(m.file.Name.End())
		site.Span = Span{e, e}
	} else {
		site.Span = Span{m.off(first.Pos()), m.off(last.End())}
	}
	m.add(site)
}

// allDropped reports whether spec names a package all of whose uses are in
// text the rewrite removes.
func (m *matcher) allDropped(spec *ast.ImportSpec, pkgUses map[*types.PkgName][]int) bool {
	if spec.Name != nil && (spec.Name.Name == "_" || spec.Name.Name == ".") {
		return false
	}
	var pn *types.PkgName
	if spec.Name != nil {
		pn, _ = m.info.Defs[spec.Name].(*types.PkgName)
	} else {
		pn, _ = m.info.Implicits[spec].(*types.PkgName)
	}
	uses := pkgUses[pn]
	if pn == nil || len(uses) == 0 {
		return false
	}
	for _, u := range uses {
		in := false
		for _, d := range m.fs.Dropped {
			if d.Start <= u && u < d.End {
				in = true
				break
			}
		}
		if !in {
			return false
		}
	}
	return true
}

func importPath(s *ast.ImportSpec) string {
	p, err := strconv.Unquote(s.Path.Value)
	if err != nil {
		return s.Path.Value
	}
	return p
}

func (r *renderer) renderImports(st *Site) {
	is := st.Import
	at := st.Span.Start
	if is.Insert {
		r.out.synth("\n\nimport (\n", noPos)
	} else {
		r.out.synth("import (\n", at)
	}
	for _, s := range is.Specs {
		line := "\t"
		if s.Name != "" {
			line += s.Name + " "
		}
		line += strconv.Quote(s.Path) + "\n"
		r.out.synth(line, s.Orig)
	}
	r.out.synth(")", noPos)
}
