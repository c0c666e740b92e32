// This file defines the rewrite of package state: package-level variables of
// rewritten packages get one instance per simulated node, and package
// initialisation (variable initialisers and init functions) runs again on
// every node's process start. See runtime/pkgstate.go for the runtime half
// and docs/nodes.md for the user-facing description.
//
// Every declaration stays as it is: the declared variable is the
// process-wide instance, initialised natively by Go, which rewritten code
// uses outside a simulation. A generated file per package adds one cell per
// variable, and every use of the variable goes through its cell:
//
//	var count = load()          // user file, kept
//	func mrtgVarInit0() {       // added after the declaration: the per-node initialiser
//		*mrtg_count.Get(&count) = load()
//	}
//	count++                     ->  (*mrtg_count.Get(&count))++
//	other.Limit                 ->  (*other.Mrtg_Limit.Get(&other.Limit))
//	func init() { ... }         ->  func mrtgInitFunc0() { ... }
//	func main() { ... }         ->  func mrtgMain() { ... }   (package main; zz_mgen_main.go runs it)
//	os.Args                     ->  (*mrt.Args())             (the node's arguments)
//
//	// zz_mgen_globals.go
//	var mrtgPkg = mrt.NewPackage("example.com/m/p", "example.com/m/q")
//	var mrtg_count = mrt.NewVar(mrtgPkg, &count)
//	func init() {
//		mrtgPkg.Setup([]func(){mrtgVarInit0}, []func(){mrtgInitFunc0})
//		mrtgInitFunc0()     // the init functions still run natively, once
//	}
//
// Cells are created from &count, so the variable's type is never written
// (it may be unnameable: an unexported type of another package). Uses inside
// constant expressions (len of an array) are left alone. The cell of an
// exported variable is exported, so other rewritten packages reach it.
//
// Shared on purpose (one process-wide instance, no cell): sentinel errors
// (var ErrX = errors.New("...") or fmt.Errorf with constant arguments) that
// no file of the run assigns or takes the address of, because an error made
// on one node must compare equal on another; and variables filled by
// //go:embed (nothing initialises them per node). Everything else is per
// node, flag definitions included (the flag shim has a flag set per node):
// whether a table is never mutated cannot be proven (aliases, sort.Strings,
// ...), and a wrong guess would share state between nodes silently.

package rewrite

import (
	"bytes"
	"fmt"
	"go/ast"
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

const (
	simmainPath   = Module + "/runtime/simmain"
	globalsPrefix = "mrtg"
)

// noPackageState turns the rewrite of package state off (tests show that
// their checks fail without it).
var noPackageState = false

// varKey names a package-level variable: import path of its package (the
// external test package is path_test) and name.
type varKey struct{ pkg, name string }

// globalsPlan is what the generator decided about package state for the
// whole run: which variables get cells, the names it uses, and what each
// file and package gets.
type globalsPlan struct {
	prefix  string
	perNode map[varKey]bool
	files   map[string]*fileGlobals // by absolute file name
	pkgs    map[*pkgGen]*pkgGlobals
	// Workload is the user import path of the workload package of the
	// drivers (mgen build -workload), and its function's result kind.
	workload       string
	workloadErrors bool
}

// fileGlobals is what one file gets.
type fileGlobals struct {
	initFuncs map[token.Pos]string // func init declarations to rename, by name position
	varInits  map[ast.Decl][]varInit
	mainPkg   bool // package main: func main is renamed
}

// varInit is one per-node variable initialiser, emitted as a function after
// its declaration.
type varInit struct {
	name string
	lhs  []string
	rhs  ast.Expr
	span Span // of rhs, set by the matcher
}

// pkgPart is the package state contributed by one group of files: the
// package's own files, its internal test files, or its external test package.
type pkgPart struct {
	name      string // Go package name
	path      string // the descriptor's path: the import path, or path_test
	cells     []string
	varInits  []string
	initFuncs []string
	deps      []string
	scopes    []*types.Scope
}

func (p *pkgPart) stateful() bool {
	return len(p.cells) > 0 || len(p.varInits) > 0 || len(p.initFuncs) > 0
}

type pkgGlobals struct {
	base, test, xtest pkgPart
	main              bool
	baseDecl          bool // the descriptor is declared by the package's own files
	baseStateful      bool
}

// Names used by the generated code, built from the run's prefix.
func (gp *globalsPlan) pkgVar() string          { return gp.prefix + "Pkg" }
func (gp *globalsPlan) mainName() string        { return gp.prefix + "Main" }
func (gp *globalsPlan) cell(name string) string { return cellName(gp.prefix, name) }

func cellName(prefix, name string) string {
	if token.IsExported(name) {
		return strings.ToUpper(prefix[:1]) + prefix[1:] + "_" + name
	}
	return prefix + "_" + name
}

// partSource is one group of files of a package, as render() walks them.
type partSource struct {
	p      *packages.Package
	filter func(name string) bool
	which  int // 0 base, 1 internal test files, 2 external test package
}

func (g *generator) partSources(pg *pkgGen) []partSource {
	var srcs []partSource
	if pg.base != nil {
		srcs = append(srcs, partSource{pg.base, func(n string) bool { return !strings.HasSuffix(n, "_test.go") }, 0})
	}
	if pg.root && pg.test != nil {
		srcs = append(srcs, partSource{pg.test, func(n string) bool { return strings.HasSuffix(n, "_test.go") }, 1})
	}
	if pg.root && pg.xtest != nil {
		srcs = append(srcs, partSource{pg.xtest, func(string) bool { return true }, 2})
	}
	return srcs
}

// files returns the syntax trees of the part's files, in order.
func (s partSource) files() []*ast.File {
	goFiles := map[string]bool{}
	for _, f := range s.p.GoFiles {
		goFiles[f] = true
	}
	var fs []*ast.File
	for i, f := range s.p.Syntax {
		name := s.p.CompiledGoFiles[i]
		if goFiles[name] && s.filter(filepath.Base(name)) {
			fs = append(fs, f)
		}
	}
	return fs
}

// planGlobals decides the package state of every generated package.
func (g *generator) planGlobals() *globalsPlan {
	gp := &globalsPlan{
		perNode: map[varKey]bool{},
		files:   map[string]*fileGlobals{},
		pkgs:    map[*pkgGen]*pkgGlobals{},
	}
	pkgs := g.sorted()

	// The prefix: no identifier of any file of the run starts with it.
	used := map[string]bool{}
	for _, pg := range pkgs {
		for _, s := range g.partSources(pg) {
			for _, f := range s.files() {
				ast.Inspect(f, func(n ast.Node) bool {
					if id, ok := n.(*ast.Ident); ok {
						used[strings.ToLower(id.Name)] = true
					}
					return true
				})
			}
		}
	}
	gp.prefix = globalsPrefix
	for clash(used, gp.prefix) {
		gp.prefix += "x"
	}

	// Which package-level variables are written anywhere in the run.
	written := map[varKey]bool{}
	for _, pg := range pkgs {
		for _, s := range g.partSources(pg) {
			for _, f := range s.files() {
				g.findWrites(s.p.TypesInfo, f, written)
			}
		}
	}

	// Cells, initialisers and init functions, per part.
	for _, pg := range pkgs {
		pgl := &pkgGlobals{main: pg.base != nil && pg.base.Name == "main"}
		gp.pkgs[pg] = pgl
		for _, s := range g.partSources(pg) {
			part := &pgl.base
			prefixInit, prefixVar := gp.prefix+"InitFunc", gp.prefix+"VarInit"
			switch s.which {
			case 1:
				part = &pgl.test
				prefixInit, prefixVar = gp.prefix+"TestInitFunc", gp.prefix+"TestVarInit"
			case 2:
				part = &pgl.xtest
			}
			part.name = s.p.Name
			part.path = pg.path
			if s.which == 2 {
				part.path = pg.path + "_test"
			}
			if s.p.Types != nil {
				part.scopes = append(part.scopes, s.p.Types.Scope())
			}
			files := s.files()
			inPart := map[string]bool{}
			for _, f := range files {
				inPart[s.p.Fset.File(f.Pos()).Name()] = true
			}
			declOf := map[*types.Var]ast.Decl{}
			initOf := map[*types.Var]*types.Initializer{}
			for _, in := range s.p.TypesInfo.InitOrder {
				if len(in.Lhs) == 1 {
					initOf[in.Lhs[0]] = in
				}
			}
			for _, f := range files {
				fg := &fileGlobals{initFuncs: map[token.Pos]string{}, varInits: map[ast.Decl][]varInit{}, mainPkg: s.p.Name == "main"}
				gp.files[s.p.Fset.File(f.Pos()).Name()] = fg
				for _, d := range f.Decls {
					switch d := d.(type) {
					case *ast.FuncDecl:
						if d.Recv == nil && d.Name.Name == "init" && d.Body != nil {
							name := prefixInit + strconv.Itoa(len(part.initFuncs))
							fg.initFuncs[d.Name.Pos()] = name
							part.initFuncs = append(part.initFuncs, name)
						}
					case *ast.GenDecl:
						if d.Tok != token.VAR {
							continue
						}
						for _, sp := range d.Specs {
							embedded := hasEmbed(d.Doc) || hasEmbed(sp.(*ast.ValueSpec).Doc)
							for _, id := range sp.(*ast.ValueSpec).Names {
								v, ok := s.p.TypesInfo.Defs[id].(*types.Var)
								if !ok || id.Name == "_" {
									if ok {
										declOf[v] = d
									}
									continue
								}
								declOf[v] = d
								k := varKey{part.path, id.Name}
								if !embedded && (written[k] || !sharedVar(s.p.TypesInfo, v, initOf[v])) {
									gp.perNode[k] = true
									part.cells = append(part.cells, id.Name)
								}
							}
						}
					}
				}
			}
			// Per-node initialisers, in initialisation order.
			for _, in := range s.p.TypesInfo.InitOrder {
				if len(in.Lhs) == 0 || !inPart[s.p.Fset.Position(in.Lhs[0].Pos()).Filename] {
					continue
				}
				d := declOf[in.Lhs[0]]
				if d == nil {
					continue
				}
				var lhs []string
				hasCell, blank := false, true
				for _, v := range in.Lhs {
					switch {
					case v.Name() == "_":
						lhs = append(lhs, "_")
					case gp.perNode[varKey{part.path, v.Name()}]:
						lhs = append(lhs, "*"+gp.cell(v.Name())+".Get(&"+v.Name()+")")
						hasCell, blank = true, false
					default:
						lhs = append(lhs, "_")
						blank = false
					}
				}
				if !hasCell && !(blank && hasEffects(s.p.TypesInfo, in.Rhs)) {
					continue
				}
				name := prefixVar + strconv.Itoa(len(part.varInits))
				part.varInits = append(part.varInits, name)
				fg := gp.files[s.p.Fset.Position(d.Pos()).Filename]
				fg.varInits[d] = append(fg.varInits[d], varInit{name: name, lhs: lhs, rhs: in.Rhs})
			}
		}
	}

	// Which parts have state, then their dependencies: the nearest
	// packages with state among the rewritten packages they import.
	for pg, pgl := range gp.pkgs {
		pgl.baseDecl = pgl.base.stateful() || pgl.main
		// In a test binary the package's test files add to its state.
		pgl.baseStateful = pgl.baseDecl || pg.root && pgl.test.stateful()
	}
	for _, pg := range pkgs {
		pgl := gp.pkgs[pg]
		for _, s := range g.partSources(pg) {
			var deps []string
			seen := map[string]bool{}
			for _, imp := range sortedImports(s.p) {
				g.statefulDeps(gp, imp, seen, &deps)
			}
			switch s.which {
			case 0:
				pgl.base.deps = deps
			case 1:
				pgl.test.deps = deps
			case 2:
				pgl.xtest.deps = deps
			}
		}
	}
	return gp
}

// hasEmbed reports whether a comment group holds a //go:embed directive:
// the variable is filled by the toolchain, once per process.
func hasEmbed(cg *ast.CommentGroup) bool {
	if cg == nil {
		return false
	}
	for _, c := range cg.List {
		if strings.HasPrefix(c.Text, "//go:embed ") {
			return true
		}
	}
	return false
}

func clash(used map[string]bool, prefix string) bool {
	for name := range used {
		if strings.HasPrefix(name, prefix) {
			return true
		}
	}
	return false
}

func sortedImports(p *packages.Package) []*packages.Package {
	var ps []*packages.Package
	for _, imp := range p.Imports {
		ps = append(ps, imp)
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].PkgPath < ps[j].PkgPath })
	return ps
}

// statefulDeps appends the import path of imp if its package has state, or
// else those of the packages with state it imports.
func (g *generator) statefulDeps(gp *globalsPlan, imp *packages.Package, seen map[string]bool, deps *[]string) {
	if seen[imp.PkgPath] {
		return
	}
	seen[imp.PkgPath] = true
	pg := g.byPath[imp.PkgPath]
	if pg == nil {
		return // not rewritten: no per-node state
	}
	if pgl := gp.pkgs[pg]; pgl != nil && pgl.baseStateful {
		*deps = append(*deps, pg.path)
		return
	}
	for _, i := range sortedImports(imp) {
		g.statefulDeps(gp, i, seen, deps)
	}
}

// sharedVar reports whether v, initialised by in (nil: without an
// initialiser of its own), may keep one process-wide instance: a sentinel
// error. The caller checks that nothing writes it.
func sharedVar(info *types.Info, v *types.Var, in *types.Initializer) bool {
	if in == nil {
		return false
	}
	{
		call, ok := ast.Unparen(in.Rhs).(*ast.CallExpr)
		if !ok {
			return false
		}
		fn, ok := typeutil.Callee(info, call).(*types.Func)
		if !ok || fn.Pkg() == nil {
			return false
		}
		if sig := fn.Type().(*types.Signature); sig.Recv() != nil {
			return false
		}
		switch fn.Pkg().Path() {
		case "errors", "fmt":
			if fn.Pkg().Path()+"."+fn.Name() != "errors.New" && fn.Pkg().Path()+"."+fn.Name() != "fmt.Errorf" {
				return false
			}
			if _, isIface := v.Type().Underlying().(*types.Interface); !isIface {
				return false
			}
			for _, a := range call.Args {
				if info.Types[a].Value == nil {
					return false
				}
			}
			return true
		}
		return false
	}
}

// hasEffects reports whether evaluating e may do anything: it calls a
// function (conversions and pure builtins excepted) or receives.
func hasEffects(info *types.Info, e ast.Expr) bool {
	effects := false
	ast.Inspect(e, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false // making a closure does nothing
		case *ast.UnaryExpr:
			if n.Op == token.ARROW {
				effects = true
			}
		case *ast.CallExpr:
			if tv, ok := info.Types[n.Fun]; ok && tv.IsType() {
				return true // a conversion
			}
			if b, ok := typeutil.Callee(info, n).(*types.Builtin); ok {
				switch b.Name() {
				case "len", "cap", "min", "max", "complex", "real", "imag":
					return true
				}
			}
			effects = true
		}
		return !effects
	})
	return effects
}

// pkgLevelVar returns the key of a package-level variable of a rewritten
// package, if obj is one.
func (g *generator) pkgLevelVar(obj types.Object) (varKey, bool) {
	v, ok := obj.(*types.Var)
	if !ok || v.IsField() || v.Pkg() == nil || v.Parent() != v.Pkg().Scope() {
		return varKey{}, false
	}
	path := v.Pkg().Path()
	if g.byPath[path] == nil {
		base, isX := strings.CutSuffix(path, "_test")
		if pg := g.byPath[base]; !isX || pg == nil || pg.xtest == nil {
			return varKey{}, false
		}
	}
	return varKey{path, v.Name()}, true
}

// findWrites records the package-level variables that f assigns, increments
// or takes the address of.
func (g *generator) findWrites(info *types.Info, f *ast.File, written map[varKey]bool) {
	var stack []ast.Node
	ast.Inspect(f, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return false
		}
		stack = append(stack, n)
		id, ok := n.(*ast.Ident)
		if !ok {
			return true
		}
		k, ok := g.pkgLevelVar(info.Uses[id])
		if !ok {
			return true
		}
		var e ast.Node = id
		for i := len(stack) - 2; i >= 0; i-- {
			switch p := stack[i].(type) {
			case *ast.ParenExpr:
				e = p
				continue
			case *ast.SelectorExpr:
				if p.Sel == e {
					e = p // a qualified name
					continue
				}
				if p.X == e {
					sel := info.Selections[p]
					if sel == nil || sel.Kind() == types.FieldVal {
						e = p // a field of the variable
						continue
					}
					// A method with a pointer receiver takes the address
					// of a variable that is not a pointer.
					_, recvPtr := sel.Obj().Type().(*types.Signature).Recv().Type().(*types.Pointer)
					_, isPtr := sel.Recv().Underlying().(*types.Pointer)
					if recvPtr && !isPtr {
						written[k] = true
					}
				}
			case *ast.IndexExpr:
				if p.X == e {
					e = p
					continue
				}
			case *ast.UnaryExpr:
				if p.Op == token.AND {
					written[k] = true
				}
			case *ast.SliceExpr:
				if p.X == e {
					written[k] = true
				}
			case *ast.AssignStmt:
				for _, l := range p.Lhs {
					if l == e {
						written[k] = true
					}
				}
			case *ast.IncDecStmt:
				written[k] = true
			case *ast.RangeStmt:
				if p.Tok == token.ASSIGN && (p.Key == e || p.Value == e) {
					written[k] = true
				}
			}
			break
		}
		return true
	})
}

// GlobalSite is a rewrite of package state: a use of a variable with a cell
// (Text replaces the Span), a renamed init or main function (Text), the
// node's os.Args (RT: "(*" + runtime + Text), or the per-node initialisers
// to add after a declaration (Inits, at an empty Span).
type GlobalSite struct {
	Text  string
	RT    bool
	Inits []varInit
}

// matchGlobals finds the package-state sites of the file. It runs after the
// other matchers, so a site of theirs with the same span (a range
// expression that is a variable) is rendered first and renders this one
// inside it.
func (m *matcher) matchGlobals(g *generator, gp *globalsPlan) {
	fg := gp.files[m.fs.Filename]
	if fg == nil {
		return
	}
	add := func(n ast.Node, gs *GlobalSite) {
		m.add(&Site{Kind: KindGlobal, Span: m.span(n), Global: gs})
	}
	use := func(n ast.Node, qual string, id *ast.Ident) {
		obj := m.info.Uses[id]
		if v, ok := obj.(*types.Var); ok && v.Pkg() != nil && v.Pkg().Path() == "os" && v.Name() == "Args" && v.Parent() == v.Pkg().Scope() {
			add(n, &GlobalSite{RT: true, Text: ".Args())"})
			m.fs.Dropped = append(m.fs.Dropped, m.span(n))
			return
		}
		if k, ok := g.pkgLevelVar(obj); ok && gp.perNode[k] {
			add(n, &GlobalSite{Text: "(*" + qual + gp.cell(id.Name) + ".Get(&" + qual + id.Name + "))"})
			return
		}
		if fn, ok := obj.(*types.Func); ok && fg.mainPkg && fn.Name() == "main" && fn.Pkg() != nil &&
			fn.Pkg().Name() == "main" && fn.Parent() == fn.Pkg().Scope() {
			add(n, &GlobalSite{Text: gp.mainName()})
		}
	}
	ast.Inspect(m.file, func(n ast.Node) bool {
		if e, ok := n.(ast.Expr); ok {
			if tv, ok := m.info.Types[e]; ok && tv.Value != nil {
				return false // a constant: not evaluated at run time
			}
		}
		switch n := n.(type) {
		case *ast.SelectorExpr:
			if x, ok := n.X.(*ast.Ident); ok {
				if _, ok := m.info.Uses[x].(*types.PkgName); ok {
					use(n, x.Name+".", n.Sel)
					return false
				}
			}
		case *ast.Ident:
			use(n, "", n)
		case *ast.FuncDecl:
			if name, ok := fg.initFuncs[n.Name.Pos()]; ok {
				add(n.Name, &GlobalSite{Text: name})
			} else if fg.mainPkg && n.Recv == nil && n.Name.Name == "main" {
				add(n.Name, &GlobalSite{Text: gp.mainName()})
			}
		case *ast.GenDecl:
			if ins := fg.varInits[n]; len(ins) > 0 {
				ins = append([]varInit(nil), ins...)
				for i := range ins {
					ins[i].span = m.span(ins[i].rhs)
				}
				e := m.off(n.End())
				m.add(&Site{Kind: KindGlobal, Span: Span{e, e}, Global: &GlobalSite{Inits: ins}})
			}
		}
		return true
	})
}

func (r *renderer) renderGlobal(st *Site) {
	gs := st.Global
	switch {
	case gs.RT:
		r.synth(st, "(*"+r.rt+gs.Text)
	case len(gs.Inits) > 0:
		// The function is attributed to its initialiser's line, so a
		// panic in it names the user's line.
		for _, in := range gs.Inits {
			r.out.synth("\n\nfunc "+in.name+"() {\n\t"+strings.Join(in.lhs, ", ")+" = ", in.span.Start)
			r.span(in.span)
			r.out.synth("\n}", in.span.End-1)
		}
	default:
		r.synth(st, gs.Text)
	}
}

// globalsFiles renders the generated files of package state: per package,
// the descriptor, the cells and the registration of the initialisers
// (zz_mgen_globals.go, and _test.go files for test state), and for a main
// package the driver (zz_mgen_main.go).
func (g *generator) globalsFiles(gp *globalsPlan, hdr string, taken map[string]bool) ([]outFile, error) {
	var files []outFile
	for _, pg := range g.sorted() {
		pgl := gp.pkgs[pg]
		if pgl == nil || pg.base == nil || noPackageState {
			continue
		}
		type out struct {
			part   *pkgPart
			file   string
			decl   bool
			deps   []string // for NewPackage
			xdeps  []string // for Setup
			scopes []*types.Scope
		}
		var outs []out
		if pgl.baseDecl {
			outs = append(outs, out{part: &pgl.base, file: "zz_mgen_globals.go", decl: true, deps: pgl.base.deps})
		}
		if pg.root && pgl.test.stateful() {
			o := out{part: &pgl.test, file: "zz_mgen_globals_test.go"}
			if pgl.baseDecl {
				o.xdeps = minus(pgl.test.deps, pgl.base.deps)
			} else {
				o.decl, o.deps = true, union(pgl.base.deps, pgl.test.deps)
			}
			outs = append(outs, o)
		}
		if pg.root && pgl.xtest.stateful() {
			outs = append(outs, out{part: &pgl.xtest, file: "zz_mgen_globals_x_test.go", decl: true, deps: pgl.xtest.deps})
		}
		for _, o := range outs {
			scopes := append(append([]*types.Scope(nil), pgl.base.scopes...), o.part.scopes...)
			data, err := renderGlobalsFile(gp, hdr, o.part, o.decl, o.deps, o.xdeps, scopes)
			if err != nil {
				return nil, fmt.Errorf("%s: mgen: internal error: %v", pg.path, err)
			}
			files = append(files, outFile{path: freePath(taken, pg.dir, o.file), content: data, pkg: pg})
		}
		if pgl.main && pg.root {
			data, err := renderDriver(gp, hdr, pg, g.workloadSimPath(gp), pgl.base.scopes)
			if err != nil {
				return nil, fmt.Errorf("%s: mgen: internal error: %v", pg.path, err)
			}
			files = append(files, outFile{path: freePath(taken, pg.dir, "zz_mgen_main.go"), content: data, pkg: pg})
		}
	}
	return files, nil
}

func freePath(taken map[string]bool, dir, name string) string {
	p := filepath.Join(dir, name)
	base, ext := strings.CutSuffix(name, "_test.go")
	suffix := "_test.go"
	if !ext {
		base, suffix = strings.TrimSuffix(name, ".go"), ".go"
	}
	for i := 2; taken[p]; i++ {
		p = filepath.Join(dir, base+strconv.Itoa(i)+suffix)
	}
	taken[p] = true
	return p
}

func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		found := false
		for _, y := range b {
			found = found || x == y
		}
		if !found {
			out = append(out, x)
		}
	}
	return out
}

func union(a, b []string) []string {
	out := append([]string(nil), a...)
	return append(out, minus(b, a)...)
}

// freeAlias returns base, or base with a number, that no package-level name
// of the scopes uses.
func freeAlias(scopes []*types.Scope, base string) string {
	alias := base
	for i := 2; inScopes(scopes, alias); i++ {
		alias = base + strconv.Itoa(i)
	}
	return alias
}

func strs(ss []string) []jen.Code {
	var cs []jen.Code
	for _, s := range ss {
		cs = append(cs, jen.Lit(s))
	}
	return cs
}

func funcList(names []string) jen.Code {
	if len(names) == 0 {
		return jen.Nil()
	}
	var ids []jen.Code
	for _, n := range names {
		ids = append(ids, jen.Id(n))
	}
	return jen.Index().Func().Params().Values(ids...)
}

// renderGlobalsFile writes the package-state file of one part.
func renderGlobalsFile(gp *globalsPlan, hdr string, part *pkgPart, decl bool, deps, xdeps []string, scopes []*types.Scope) ([]byte, error) {
	f := jen.NewFile(part.name)
	f.HeaderComment(hdr)
	f.ImportAlias(runtimePath, freeAlias(scopes, "mrt"))
	pv := gp.pkgVar()
	if decl {
		f.Comment(pv + " is the package state of " + part.path + ": one instance of its variables")
		f.Comment("per simulated node (docs/nodes.md).")
		f.Var().Id(pv).Op("=").Qual(runtimePath, "NewPackage").Call(append([]jen.Code{jen.Lit(part.path)}, strs(deps)...)...)
	}
	if len(part.cells) > 0 {
		var defs []jen.Code
		for _, name := range part.cells {
			defs = append(defs, jen.Id(gp.cell(name)).Op("=").Qual(runtimePath, "NewVar").Call(jen.Id(pv), jen.Op("&").Id(name)))
		}
		f.Comment("Cells of the package-level variables: the calling node's instance under")
		f.Comment("simulation, the declared variable outside.")
		f.Var().Defs(defs...)
	}
	var body []jen.Code
	if len(part.varInits) > 0 || len(part.initFuncs) > 0 || len(xdeps) > 0 {
		args := []jen.Code{funcList(part.varInits), funcList(part.initFuncs)}
		args = append(args, strs(xdeps)...)
		body = append(body, jen.Id(pv).Dot("Setup").Call(args...))
	}
	for _, name := range part.initFuncs {
		body = append(body, jen.Id(name).Call())
	}
	if len(body) > 0 {
		f.Comment("init registers the per-node initialisation and runs the init functions")
		f.Comment("natively, once, as Go would.")
		f.Func().Id("init").Params().Block(body...)
	}
	var buf bytes.Buffer
	if err := f.Render(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
