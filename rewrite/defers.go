// This file defines the rewrite of deferred calls. A goroutine killed by the
// simulator (its node crashed or exited, or its run ended) unwinds without
// running the deferred calls of rewritten code, as a real process's
// goroutines end without running theirs: every deferred call starts with
// mrt.Deferred(), which stops it while the goroutine is being killed.
//
//	defer func() {...}()   ->  defer func() { mrt.Deferred(); ... }()
//	defer f(a)             ->  { _d0a0 := a; defer func() { mrt.Deferred(); f(_d0a0) }() }
//	defer x.m(a)           ->  { _d0f, _d0a0 := x.m, a; defer func() { mrt.Deferred(); _d0f(_d0a0) }() }
//	defer g()  (g returns two values)  ->  defer func() { mrt.Deferred(); _, _ = g() }()
//	func h() { ... recover() ... }  ->  func h() { mrt.Deferred(); ... recover() ... }
//
// The callee and arguments are evaluated at the defer statement, as Go
// does (the temporaries of go statements, goroutines.go). recover() works
// only when called by the deferred function itself, so a declared function
// or method that calls recover directly is not wrapped where it is deferred
// by name: it starts with mrt.Deferred() itself. `defer recover()` is left
// alone (it recovers nothing either way).

package rewrite

import (
	"go/ast"
	"go/token"
	"go/types"
	"strconv"

	"golang.org/x/tools/go/types/typeutil"
)

// matchDefer handles a defer statement.
func (m *matcher) matchDefer(d *ast.DeferStmt) {
	call := d.Call
	if lit, ok := unparen(call.Fun).(*ast.FuncLit); ok {
		m.guardBody(lit.Body)
		return
	}
	switch obj := typeutil.Callee(m.info, call).(type) {
	case *types.Builtin:
		if obj.Name() == "recover" {
			return
		}
	case *types.Func:
		if m.recovers != nil && m.recovers[posKey(m.fset.Position(obj.Pos()))] {
			return // it starts with mrt.Deferred() (matchRecoverer)
		}
	}
	gs := m.goSite(call)
	switch t := m.info.TypeOf(call).(type) {
	case nil:
	case *types.Tuple:
		gs.Results = t.Len()
	default:
		gs.Results = 1
	}
	m.add(&Site{Kind: KindDefer, Span: m.span(d), Go: gs})
}

// matchRecoverer guards a function that calls recover directly: such a
// function is deferred by name, and wrapping the defer would stop its
// recover from working.
func (m *matcher) matchRecoverer(body *ast.BlockStmt) {
	if body != nil && callsRecover(m.info, body) {
		m.guardBody(body)
	}
}

// guardBody makes a function body start with mrt.Deferred(), once.
func (m *matcher) guardBody(body *ast.BlockStmt) {
	if m.guarded == nil {
		m.guarded = map[*ast.BlockStmt]bool{}
	}
	if m.guarded[body] {
		return
	}
	m.guarded[body] = true
	at := m.off(body.Lbrace)
	m.add(&Site{Kind: KindGuard, Span: Span{at, at + 1}})
}

// callsRecover reports whether body calls the builtin recover itself (not
// in a nested function literal).
func callsRecover(info *types.Info, body *ast.BlockStmt) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if found {
			return false
		}
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CallExpr:
			if b, ok := typeutil.Callee(info, n).(*types.Builtin); ok && b.Name() == "recover" {
				found = true
			}
		}
		return true
	})
	return found
}

// recoverers returns the declared functions and methods of the files that
// call recover directly, by the position of their name.
func recoverers(fset *token.FileSet, info *types.Info, files []*ast.File, into map[string]bool) {
	for _, f := range files {
		for _, decl := range f.Decls {
			if fd, ok := decl.(*ast.FuncDecl); ok && fd.Body != nil && callsRecover(info, fd.Body) {
				into[posKey(fset.Position(fd.Name.Pos()))] = true
			}
		}
	}
}

func posKey(p token.Position) string { return p.Filename + ":" + strconv.Itoa(p.Offset) }

// renderDefer writes a deferred call as a closure that starts with
// mrt.Deferred().
func (r *renderer) renderDefer(st *Site) {
	p := r.deferPrefix + strconv.Itoa(r.nDefer)
	r.nDefer++
	r.renderClosureCall(st, p, "defer func() { "+r.rt+".Deferred(); ", ") }()")
}
