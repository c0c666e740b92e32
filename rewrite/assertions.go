// This file defines the assertion catalog. Match: every call of a function
// of the assert package (Always, AlwaysOrUnreachable, Sometimes, Reachable,
// Unreachable), found by type information, whose message is a constant is
// an assertion site. Emit: each generated package gets a file whose init
// function registers every site of its non-test files (kind, message,
// position relative to the module root) with assert.Site, and a _test.go
// file for the sites of its test files, so the runtime knows the
// assertions no run reaches (docs/checkers.md).

package rewrite

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/dave/jennifer/jen"
	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/types/typeutil"
)

// AssertPath is the import path of the assertion package.
const AssertPath = Module + "/assert"

// assertKinds maps the assert functions to the kinds assert.Site takes, and
// says which argument is the message.
var assertKinds = map[string]struct {
	kind string
	msg  int
}{
	"Always":              {"always", 1},
	"AlwaysOrUnreachable": {"always_or_unreachable", 1},
	"Sometimes":           {"sometimes", 1},
	"Reachable":           {"reachable", 0},
	"Unreachable":         {"unreachable", 0},
}

// AssertSite is one assertion call with a constant message.
type AssertSite struct {
	Kind    string
	Message string
	Pos     string // file:line relative to the module root
}

// matchAssertions returns the assertion sites of a type-checked file.
// Calls through a function value (f := assert.Sometimes) and messages that
// are not constant are not catalogued: the runtime still counts them when
// they run.
func matchAssertions(fset *token.FileSet, info *types.Info, file *ast.File, posName func(token.Position) string) []AssertSite {
	var sites []AssertSite
	ast.Inspect(file, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		fn, ok := typeutil.Callee(info, call).(*types.Func)
		if !ok || fn.Pkg() == nil || fn.Pkg().Path() != AssertPath {
			return true
		}
		if sig, ok := fn.Type().(*types.Signature); !ok || sig.Recv() != nil {
			return true
		}
		k, ok := assertKinds[fn.Name()]
		if !ok || len(call.Args) <= k.msg {
			return true
		}
		tv := info.Types[call.Args[k.msg]]
		if tv.Value == nil || tv.Value.Kind() != constant.String {
			return true
		}
		sites = append(sites, AssertSite{Kind: k.kind, Message: constant.StringVal(tv.Value), Pos: posName(fset.Position(call.Pos()))})
		return true
	})
	return sites
}

// pkgAsserts holds the sites found in one generated package.
type pkgAsserts struct {
	base, test []AssertSite
	scopes     []*types.Scope // package scopes whose names the import alias must avoid
}

// noteAssertions records the assertion sites of one file of pg, loaded as
// part of p.
func (g *generator) noteAssertions(pg *pkgGen, p *packages.Package, file *ast.File, name string) {
	sites := matchAssertions(p.Fset, p.TypesInfo, file, func(pos token.Position) string {
		return g.modulePos(pg, pos)
	})
	if len(sites) == 0 {
		return
	}
	if g.asserts == nil {
		g.asserts = map[*pkgGen]*pkgAsserts{}
	}
	pa := g.asserts[pg]
	if pa == nil {
		pa = &pkgAsserts{}
		g.asserts[pg] = pa
	}
	if p.Types != nil {
		pa.scopes = append(pa.scopes, p.Types.Scope())
	}
	if strings.HasSuffix(name, "_test.go") {
		pa.test = append(pa.test, sites...)
	} else {
		pa.base = append(pa.base, sites...)
	}
}

// modulePos names a position relative to the root of the package's module
// (module@version/file for -include'd modules), as people read it.
func (g *generator) modulePos(pg *pkgGen, pos token.Position) string {
	file := filepath.ToSlash(pos.Filename)
	if r, err := filepath.Rel(pg.modDir, pos.Filename); err == nil && pg.modDir != "" {
		file = filepath.ToSlash(r)
		if pg.ext && pg.modVer != "" {
			file = pg.modPath + "@" + pg.modVer + "/" + file
		}
	}
	return file + ":" + strconv.Itoa(pos.Line)
}

// assertionFiles renders the catalog files. taken holds the paths of the
// other generated files, which a catalog file must not collide with.
func (g *generator) assertionFiles(hdr string, taken map[string]bool) ([]outFile, error) {
	var files []outFile
	for _, pg := range g.sorted() {
		pa := g.asserts[pg]
		if pa == nil || pg.base == nil {
			continue
		}
		pkgName := pg.base.Name
		for _, part := range []struct {
			sites  []AssertSite
			suffix string
		}{{pa.base, ".go"}, {pa.test, "_test.go"}} {
			if len(part.sites) == 0 || part.suffix == "_test.go" && !pg.root {
				continue
			}
			const base = "zz_mgen_assertions"
			path := filepath.Join(pg.dir, base+part.suffix)
			for i := 2; taken[path]; i++ {
				path = filepath.Join(pg.dir, base+strconv.Itoa(i)+part.suffix)
			}
			taken[path] = true
			data, err := renderCatalog(hdr, pkgName, pa.scopes, part.sites)
			if err != nil {
				return nil, fmt.Errorf("%s: mgen: internal error: %v", pg.path, err)
			}
			files = append(files, outFile{path: path, content: data, pkg: pg})
		}
	}
	return files, nil
}

// renderCatalog writes one catalog file with jennifer: sites sorted and
// deduplicated, the assert package imported under a name no package-level
// identifier uses.
func renderCatalog(hdr, pkgName string, scopes []*types.Scope, sites []AssertSite) ([]byte, error) {
	sort.Slice(sites, func(i, j int) bool {
		a, b := sites[i], sites[j]
		if a.Pos != b.Pos {
			return a.Pos < b.Pos
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Message < b.Message
	})
	alias := "mgenassert"
	for i := 2; inScopes(scopes, alias); i++ {
		alias = "mgenassert" + strconv.Itoa(i)
	}
	f := jen.NewFile(pkgName)
	f.HeaderComment(hdr)
	f.ImportAlias(AssertPath, alias)
	var calls []jen.Code
	var last AssertSite
	for i, s := range sites {
		if i > 0 && s == last {
			continue
		}
		last = s
		calls = append(calls, jen.Qual(AssertPath, "Site").Call(jen.Lit(s.Kind), jen.Lit(s.Message), jen.Lit(s.Pos)))
	}
	f.Comment("init registers the assertion sites of this package, so the runtime")
	f.Comment("reports those no run reaches.")
	f.Func().Id("init").Params().Block(calls...)
	var buf bytes.Buffer
	if err := f.Render(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func inScopes(scopes []*types.Scope, name string) bool {
	for _, s := range scopes {
		if s.Lookup(name) != nil {
			return true
		}
	}
	return false
}
