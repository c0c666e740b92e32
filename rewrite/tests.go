// This file defines the rewrite of tests. In _test.go files (internal and
// external test packages) every test function runs as the root goroutine of
// a fresh simulated world:
//
//	func TestXxx(t *testing.T) { BODY }
//	->  func TestXxx(t *testing.T) { mrtsim.Run(t, func(t *testing.T) { BODY }) }
//
// keeping the user's parameter name (an unnamed or _ parameter gets a fresh
// name outside and stays _ inside, so BODY sees the same names). The type is
// written as the user wrote it, so an aliased or dot-imported testing works.
// Calls of (*testing.T).Run and (*testing.T).Parallel, in any file, become
// mrtsim.RunSub(t, name, f) and mrtsim.Parallel(t); t.TempDir() (of a T or a
// B) becomes mrtsim.TempDir(t), a directory on the simulated disk. TestMain, benchmarks,
// fuzz targets and examples are not wrapped: they run natively.

package rewrite

import (
	"go/ast"
	"go/types"
	"strings"
	"unicode"
	"unicode/utf8"
)

// TestSite is a test function to wrap. The Site's Span runs from the opening
// parenthesis of the parameters to the closing brace of the body.
type TestSite struct {
	Params Span   // "(t *testing.T)"
	Type   Span   // "*testing.T"
	Body   Span   // from the opening brace to the closing brace, inclusive
	Outer  string // the parameter's name outside the closure
	Inner  string // the parameter's name inside the closure
	Rename bool   // the parameter list is rewritten to name the parameter
}

func (m *matcher) matchTestFunc(fd *ast.FuncDecl) {
	if !m.fs.IsTest || fd.Recv != nil || fd.Body == nil || fd.Type.TypeParams != nil || !isTestName(fd.Name.Name) {
		return
	}
	ps := fd.Type.Params
	if ps.NumFields() != 1 || fd.Type.Results.NumFields() != 0 || !isTestingPtr(m.info.TypeOf(ps.List[0].Type), "T") {
		return
	}
	f := ps.List[0]
	ts := &TestSite{
		Params: m.span(ps),
		Type:   m.span(f.Type),
		Body:   m.span(fd.Body),
	}
	if len(f.Names) == 0 || f.Names[0].Name == "_" {
		ts.Outer, ts.Inner, ts.Rename = m.fs.Names.fresh("t"), "_", true
	} else {
		ts.Outer, ts.Inner = f.Names[0].Name, f.Names[0].Name
	}
	m.add(&Site{Kind: KindTestFunc, Span: Span{ts.Params.Start, ts.Body.End}, Test: ts})
}

// isTestName reports whether name is TestXxx as the go command sees it.
func isTestName(name string) bool {
	if !strings.HasPrefix(name, "Test") || name == "TestMain" {
		return false
	}
	if len(name) == 4 {
		return true
	}
	r, _ := utf8.DecodeRuneInString(name[4:])
	return !unicode.IsLower(r)
}

// isTestingPtr reports whether t is *testing.<name>.
func isTestingPtr(t types.Type, name string) bool {
	p, ok := t.(*types.Pointer)
	return ok && isTesting(p.Elem(), name)
}

func isTesting(t types.Type, name string) bool {
	n, ok := t.(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "testing" && n.Obj().Name() == name
}

// matchTestingCall handles t.Run and t.Parallel with t a *testing.T or an
// addressable testing.T. Calls through an embedding struct are left alone.
func (m *matcher) matchTestingCall(call *ast.CallExpr, fn *types.Func) {
	sig := fn.Type().(*types.Signature)
	if sig.Recv() == nil {
		return
	}
	recvT := isTestingPtr(sig.Recv().Type(), "T")
	// TempDir is declared on testing's unexported common, which T and B
	// embed; the selector's own type (checked below) tells T and B apart.
	recvCommon := isTestingPtr(sig.Recv().Type(), "common")
	if !recvT && !recvCommon {
		return
	}
	kind := KindTRun
	switch {
	case recvT && fn.Name() == "Run" && len(call.Args) == 2:
	case recvT && fn.Name() == "Parallel" && len(call.Args) == 0:
		kind = KindTParallel
	case recvCommon && fn.Name() == "TempDir" && len(call.Args) == 0:
		kind = KindTTempDir
	default:
		return
	}
	sel, ok := unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return
	}
	s := &Site{Kind: kind, Span: m.span(call), Parts: []Span{m.span(sel.X)}}
	switch rt := m.info.TypeOf(sel.X); {
	case isTestingPtr(rt, "T"), isTestingPtr(rt, "B"):
	case isTesting(rt, "T"), isTesting(rt, "B"):
		s.Ref = true
	default:
		return
	}
	for _, a := range call.Args {
		s.Parts = append(s.Parts, m.span(a))
	}
	m.add(s)
}

func (r *renderer) renderTestingCall(st *Site, fn string) {
	r.synth(st, fn+"(")
	if st.Ref {
		r.synth(st, "&")
	}
	for i, p := range st.Parts {
		if i > 0 {
			r.synth(st, ", ")
		}
		r.span(p)
	}
	r.synth(st, ")")
}

func (r *renderer) renderTestFunc(st *Site) {
	ts := st.Test
	src := r.fs.Src
	if ts.Rename {
		r.synth(st, "("+ts.Outer+" ")
		r.out.copy(src, ts.Type.Start, ts.Type.End)
		r.synth(st, ")")
		r.span(Span{ts.Params.End, ts.Body.Start + 1})
	} else {
		r.span(Span{ts.Params.Start, ts.Body.Start + 1})
	}
	r.synth(st, " "+r.sim+".Run("+ts.Outer+", func("+ts.Inner+" ")
	r.out.copy(src, ts.Type.Start, ts.Type.End)
	r.synth(st, ") {")
	r.span(Span{ts.Body.Start + 1, ts.Body.End - 1})
	end := &Site{Span: Span{ts.Body.End - 1, ts.Body.End}}
	r.synth(end, "})")
	r.out.copy(src, ts.Body.End-1, ts.Body.End)
}
