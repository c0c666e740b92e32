// This file defines the match phase: one walk over a type-checked file that
// finds every construct to rewrite, by type information (typeutil.Callee and
// the object's package path, never by name), and records it as plain Site
// data that the rewrite phase renders. The construct files (goroutines.go,
// channels.go, ...) hold the per-construct matchers called from here.

package rewrite

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/types/typeutil"
)

// Span is a half-open byte range [Start, End) of the original file.
type Span struct{ Start, End int }

// Kind says which construct a Site is.
type Kind int

const (
	KindGo        Kind = iota // go statement
	KindSend                  // c <- v statement
	KindRecv                  // <-c expression
	KindRecv2                 // v, ok := <-c (the right-hand side)
	KindClose                 // close(c)
	KindRangeChan             // range expression over a channel
	KindRangeMap              // range expression over a map
	KindGosched               // runtime.Gosched()
	KindSelect                // select statement
	KindTestFunc              // parameters and body of func TestXxx(t *testing.T)
	KindTRun                  // t.Run(name, f)
	KindTParallel             // t.Parallel()
	KindTTempDir              // t.TempDir() (testing.T or testing.B)
	KindImports               // the import declarations
	KindGlobal                // package state: a variable use, a renamed function, per-node initialisers (globals.go)
	KindRangeLoop             // range over a channel or map in a file older than go1.23 (version.go)
	KindRemove                // text removed: a build constraint line that moves to the generated constraint (version.go)
	KindMapKey                // the key of a map write or map literal entry (maps.go)
	KindDefer                 // defer statement whose call is wrapped (defers.go)
	KindGuard                 // the opening brace of a function body that gets mrt.Deferred() (defers.go)
)

// A Site is one rewrite: the original text Span is replaced by text built
// from fixed pieces and the rewritten text of the Parts (sub-expressions that
// may contain sites themselves).
type Site struct {
	Kind  Kind
	Span  Span
	Parts []Span // meaning depends on Kind; see the construct files

	Go     *GoSite
	Select *SelectSite
	Test   *TestSite
	Import *ImportSite
	Global *GlobalSite
	Loop   *LoopSite
	Ref    bool // for KindTRun and KindTParallel: receiver is testing.T, not *testing.T
	Assign bool // for KindSend: the value's type is not the element type (channels.go)
}

// FileSites is what the match phase found in one file.
type FileSites struct {
	Filename string // absolute path of the original file
	IsTest   bool   // a _test.go file
	Src      []byte
	Sites    []*Site
	Unsupp   []Diag // unsupported constructs, left native
	Names    *names // identifier names of the file, for fresh names
	RT, Sim  string // names of the runtime and simtest imports, if added
	// Dropped are spans whose text the rewrite removes (for example the
	// runtime.Gosched selector); imports used only there are dropped.
	Dropped []Span
}

// A Diag is a problem at a position of the original source.
type Diag struct {
	Pos token.Position
	Msg string
}

// matcher holds the state of one file walk.
type matcher struct {
	fset *token.FileSet
	info *types.Info
	file *ast.File
	fs   *FileSites
	base int // fset position of offset 0 of the file
	// skip holds receive expressions already handled by an enclosing
	// construct (select cases, comma-ok assignments).
	skip map[ast.Node]bool
	// pkgUses are the offsets of the uses of each imported package name.
	pkgUses map[*types.PkgName][]int
	// noRangeFunc: the file's language version has no range-over-func.
	noRangeFunc bool
	// std: a standard-library file for the overlay (std.go): its imports
	// stay and the runtime is the bottom package.
	std bool
	// recovers holds the declared functions of the rewritten packages that
	// call recover directly (defers.go); guarded the function bodies that
	// start with mrt.Deferred().
	recovers map[string]bool
	guarded  map[*ast.BlockStmt]bool
}

// matchFile finds the sites of one file. mapPath maps the import path of a
// package being rewritten to its new path. extra, if not nil, adds sites
// after the construct walk (package state, globals.go).
//
// fv says how the file keeps its language version (version.go); recovers
// names the functions that call recover directly (defers.go).
func matchFile(fset *token.FileSet, info *types.Info, file *ast.File, src []byte, filename string, mapPath func(string) (string, bool), extra func(*matcher), fv fileVersion, recovers map[string]bool) *FileSites {
	m := newMatcher(fset, info, file, src, filename, fv)
	m.recovers = recovers
	m.matchDirectives()
	ast.Inspect(file, m.visit)
	if extra != nil {
		extra(m)
	}
	m.finishImports(mapPath, m.pkgUses)
	return m.fs
}

// newMatcher starts the walk of one file; a generated constraint (fv)
// replaces the file's own constraint lines.
func newMatcher(fset *token.FileSet, info *types.Info, file *ast.File, src []byte, filename string, fv fileVersion) *matcher {
	m := &matcher{
		fset:        fset,
		info:        info,
		file:        file,
		base:        fset.File(file.Pos()).Base(),
		skip:        map[ast.Node]bool{},
		pkgUses:     map[*types.PkgName][]int{},
		noRangeFunc: !rangeFunc(fv.lang),
		fs: &FileSites{
			Filename: filename,
			IsTest:   strings.HasSuffix(filename, "_test.go"),
			Src:      src,
			Names:    fileNames(file),
		},
	}
	for _, sp := range fv.remove {
		m.add(&Site{Kind: KindRemove, Span: sp})
	}
	return m
}

func (m *matcher) visit(n ast.Node) bool {
	switch n := n.(type) {
	case *ast.Ident:
		if pn, ok := m.info.Uses[n].(*types.PkgName); ok {
			m.pkgUses[pn] = append(m.pkgUses[pn], m.off(n.Pos()))
		}
	case *ast.ImportSpec:
		if !m.std {
			m.matchImportSpec(n)
		}
	case *ast.FuncDecl:
		if !m.std {
			m.matchTestFunc(n)
		}
		m.matchRecoverer(n.Body)
	case *ast.FuncLit:
		m.matchRecoverer(n.Body)
	case *ast.GoStmt:
		m.matchGo(n)
	case *ast.DeferStmt:
		if !m.std { // std's deferred calls stay std's (std.go)
			m.matchDefer(n)
		}
	case *ast.SendStmt:
		m.matchSend(n)
	case *ast.UnaryExpr:
		m.matchRecv(n)
	case *ast.AssignStmt:
		if len(n.Lhs) == 2 && len(n.Rhs) == 1 {
			m.matchRecv2(n.Rhs[0], n.Lhs[1])
		}
		for _, lhs := range n.Lhs {
			m.matchMapWrite(lhs)
		}
	case *ast.IncDecStmt:
		m.matchMapWrite(n.X)
	case *ast.CompositeLit:
		m.matchMapLit(n)
	case *ast.ValueSpec:
		if len(n.Names) == 2 && len(n.Values) == 1 {
			m.matchRecv2(n.Values[0], nil)
		}
	case *ast.CallExpr:
		m.matchCall(n)
	case *ast.RangeStmt:
		m.matchRange(n)
	case *ast.SelectStmt:
		m.matchSelect(n)
	}
	return true
}

// matchCall dispatches calls by their callee object.
func (m *matcher) matchCall(call *ast.CallExpr) {
	if !m.std && m.matchConversion(call) {
		return
	}
	switch obj := typeutil.Callee(m.info, call).(type) {
	case *types.Builtin:
		if obj.Name() == "close" && len(call.Args) == 1 {
			m.matchClose(call)
		}
	case *types.Func:
		if obj.Pkg() == nil {
			return
		}
		switch obj.Pkg().Path() {
		case "runtime":
			if obj.Name() == "Gosched" {
				m.matchGosched(call)
			}
		case "testing":
			if !m.std {
				m.matchTestingCall(call, obj)
			}
		case "reflect":
			if !m.std {
				m.matchReflect(call, obj)
			}
		}
	}
}

// add records a site.
func (m *matcher) add(s *Site) { m.fs.Sites = append(m.fs.Sites, s) }

// span is the byte span of a node.
func (m *matcher) span(n ast.Node) Span { return Span{m.off(n.Pos()), m.off(n.End())} }

// off is the byte offset of a position of this file.
func (m *matcher) off(p token.Pos) int { return int(p) - m.base }

// diag records an unsupported construct at n.
func (m *matcher) diag(p token.Pos, msg string) {
	m.fs.Unsupp = append(m.fs.Unsupp, Diag{Pos: m.fset.Position(p), Msg: msg})
}

// coreType returns the core type of t: its underlying type, or for a type
// parameter the single underlying type of its type set (channel directions
// ignored), or nil.
func coreType(t types.Type) types.Type {
	tp, ok := t.(*types.TypeParam)
	if !ok {
		return t.Underlying()
	}
	iface, ok := tp.Constraint().Underlying().(*types.Interface)
	if !ok {
		return nil
	}
	core, _ := ifaceCore(iface)
	return core
}

// ifaceCore is the core type of the type set of a constraint interface: the
// single underlying type of all its type terms, also of those of the
// constraints it embeds (interface{ Chans }), or nil. terms is false when
// the interface has no type terms at all (any, comparable, methods only),
// so it does not restrict the core type of an interface embedding it.
func ifaceCore(iface *types.Interface) (core types.Type, terms bool) {
	for i := 0; i < iface.NumEmbeddeds(); i++ {
		var ts []types.Type
		switch e := iface.EmbeddedType(i).(type) {
		case *types.Union:
			for j := 0; j < e.Len(); j++ {
				ts = append(ts, e.Term(j).Type().Underlying())
			}
		default:
			if ei, ok := e.Underlying().(*types.Interface); ok {
				c, has := ifaceCore(ei)
				if !has {
					continue
				}
				ts = append(ts, c)
			} else {
				ts = append(ts, coreType(e))
			}
		}
		for _, u := range ts {
			if u == nil {
				return nil, true
			}
			if core == nil {
				core = u
				continue
			}
			if !sameCore(core, u) {
				return nil, true
			}
		}
		terms = true
	}
	return core, terms
}

func sameCore(a, b types.Type) bool {
	if ca, ok := a.(*types.Chan); ok {
		if cb, ok := b.(*types.Chan); ok {
			return types.Identical(ca.Elem(), cb.Elem())
		}
	}
	return types.Identical(a, b)
}

// unparen strips parentheses.
func unparen(e ast.Expr) ast.Expr { return ast.Unparen(e) }

// isRecv reports whether e (unparenthesized) is a receive expression.
func isRecv(e ast.Expr) (*ast.UnaryExpr, bool) {
	u, ok := unparen(e).(*ast.UnaryExpr)
	return u, ok && u.Op == token.ARROW
}
