// This file defines the rewrite of go statements:
//
//	go f(a, b)        ->  { _g0a0, _g0a1 := a, b; mrt.Go(func() { f(_g0a0, _g0a1) }) }
//	go x.m(a)         ->  { _g0f, _g0a0 := x.m, a; mrt.Go(func() { _g0f(_g0a0) }) }
//	go func() {...}() ->  mrt.Go(func() {...})
//
// Go evaluates the function value and the arguments in the calling goroutine
// at the go statement; the temporaries do exactly that. Temporaries are not
// needed for a callee that denotes a declared function, a builtin or a
// function literal (evaluating it has no effect), nor for constant and nil
// arguments, which are written inside the closure so that they still convert
// to the parameter type. The temporaries' names start with a prefix no
// identifier of the file starts with, so they can neither shadow nor be
// shadowed by user names.
//
// An untyped argument that is not constant takes its type from the
// parameter, which a temporary (of the default type) would lose:
//
//	go f(x == y)   ->  { _g0a0 := x == y; mrt.Go(func() { f(_g0a0 == true) }) }
//	go f(1 << s)   ->  { _g0a0s0 := s; mrt.Go(func() { f(1 << _g0a0s0) }) }
//
// A comparison (or !, &&, || of untyped booleans) is evaluated into a bool
// temporary and passed as an untyped boolean again; a shift of an untyped
// constant (also inside arithmetic on untyped operands) keeps its constant
// operands in the closure and evaluates only its counts into temporaries.

package rewrite

import (
	"go/ast"
	"go/token"
	"go/types"
	"strconv"
	"strings"

	"golang.org/x/tools/go/types/typeutil"
)

// GoMode says how the callee of a go statement is evaluated.
type GoMode int

const (
	GoFuncLit GoMode = iota // go func() {...}(): the literal is passed to Go itself
	GoStatic                // the callee text is repeated inside the closure
	GoValue                 // the callee is evaluated into a temporary
)

// GoSite is a go statement. The Site's Parts are unused; the spans are here.
type GoSite struct {
	Mode      GoMode
	Callee    Span
	CalleeRT  string // when set, the callee is this function of the runtime package
	Args      []Span
	Inline    []bool   // the argument is a constant or nil: written inside the closure
	BoolArg   []bool   // the argument is an untyped boolean given a type other than bool
	Holes     [][]Span // the shift counts of an untyped shift argument, in source order
	Ellipsis  bool     // the last argument is followed by ...
	TupleArgs int      // >1: the only argument is a call returning this many values
	Results   int      // how many values the call returns (defer statements assign them to _)
}

func (m *matcher) matchGo(g *ast.GoStmt) {
	m.add(&Site{Kind: KindGo, Span: m.span(g), Go: m.goSite(g.Call)})
}

// goSite describes the call of a go or defer statement.
func (m *matcher) goSite(call *ast.CallExpr) *GoSite {
	fun := unparen(call.Fun)
	gs := &GoSite{Mode: GoValue, Callee: m.span(fun), Ellipsis: call.Ellipsis.IsValid()}
	switch obj := typeutil.Callee(m.info, call).(type) {
	case *types.Builtin:
		gs.Mode = GoStatic
		if obj.Name() == "close" {
			gs.CalleeRT = "Close"
		}
	case *types.Func:
		if sig, ok := obj.Type().(*types.Signature); ok && sig.Recv() == nil {
			gs.Mode = GoStatic // a declared function, possibly generic
		}
		if obj.Pkg() != nil && obj.Pkg().Path() == "runtime" && obj.Name() == "Gosched" {
			gs.CalleeRT = "Gosched"
			m.fs.Dropped = append(m.fs.Dropped, gs.Callee)
		}
	}
	if lit, ok := fun.(*ast.FuncLit); ok {
		gs.Mode = GoStatic
		if len(call.Args) == 0 && lit.Type.Params.NumFields() == 0 && lit.Type.Results.NumFields() == 0 {
			gs.Mode = GoFuncLit
		}
	}
	if len(call.Args) == 1 {
		if tup, ok := m.info.TypeOf(call.Args[0]).(*types.Tuple); ok && tup.Len() > 1 {
			gs.TupleArgs = tup.Len()
		}
	}
	for _, a := range call.Args {
		tv := m.info.Types[a]
		gs.Args = append(gs.Args, m.span(a))
		inline := gs.TupleArgs == 0 && (tv.Value != nil || tv.IsNil())
		gs.Inline = append(gs.Inline, inline)
		var holes []Span
		boolArg := false
		if !inline && gs.TupleArgs == 0 {
			switch {
			case m.untypedBool(a):
				boolArg = !types.Identical(tv.Type, types.Typ[types.Bool])
			case m.contextTyped(a, &holes) && len(holes) > 0:
			default:
				holes = nil
			}
		}
		gs.BoolArg = append(gs.BoolArg, boolArg)
		gs.Holes = append(gs.Holes, holes)
	}
	return gs
}

// untypedBool reports whether e is an untyped boolean expression: a
// comparison, an untyped boolean constant, or !, && and || of those.
func (m *matcher) untypedBool(e ast.Expr) bool {
	switch e := unparen(e).(type) {
	case *ast.BinaryExpr:
		switch e.Op {
		case token.EQL, token.NEQ, token.LSS, token.LEQ, token.GTR, token.GEQ:
			return true
		case token.LAND, token.LOR:
			return m.untypedBool(e.X) && m.untypedBool(e.Y)
		}
	case *ast.UnaryExpr:
		return e.Op == token.NOT && m.untypedBool(e.X)
	case *ast.Ident, *ast.SelectorExpr:
		return m.untypedConst(e)
	}
	return false
}

// untypedConst reports whether e is an untyped constant.
func (m *matcher) untypedConst(e ast.Expr) bool {
	if m.info.Types[e].Value == nil {
		return false
	}
	switch e := unparen(e).(type) {
	case *ast.BasicLit:
		return true
	case *ast.Ident:
		c, ok := m.info.Uses[e].(*types.Const)
		return ok && isUntyped(c.Type())
	case *ast.SelectorExpr:
		c, ok := m.info.Uses[e.Sel].(*types.Const)
		return ok && isUntyped(c.Type())
	case *ast.UnaryExpr:
		return m.untypedConst(e.X)
	case *ast.BinaryExpr:
		switch e.Op {
		case token.EQL, token.NEQ, token.LSS, token.LEQ, token.GTR, token.GEQ:
			return true
		case token.SHL, token.SHR:
			return m.untypedConst(e.X)
		}
		return m.untypedConst(e.X) && m.untypedConst(e.Y)
	}
	return false
}

func isUntyped(t types.Type) bool {
	b, ok := t.(*types.Basic)
	return ok && b.Info()&types.IsUntyped != 0
}

// contextTyped reports whether e is an untyped numeric expression built from
// untyped constants, shifts and arithmetic, whose type is the one the
// context gives it; the non-constant shift counts are appended to holes.
func (m *matcher) contextTyped(e ast.Expr, holes *[]Span) bool {
	if m.untypedConst(e) {
		return true
	}
	switch e := unparen(e).(type) {
	case *ast.BinaryExpr:
		switch e.Op {
		case token.SHL, token.SHR:
			if !m.contextTyped(e.X, holes) {
				return false
			}
			if m.info.Types[e.Y].Value == nil {
				*holes = append(*holes, m.span(e.Y))
			}
			return true
		case token.ADD, token.SUB, token.MUL, token.QUO, token.REM, token.AND, token.OR, token.XOR, token.AND_NOT:
			return m.contextTyped(e.X, holes) && m.contextTyped(e.Y, holes)
		}
	case *ast.UnaryExpr:
		switch e.Op {
		case token.ADD, token.SUB, token.XOR:
			return m.contextTyped(e.X, holes)
		}
	}
	return false
}

func (r *renderer) renderGo(st *Site) {
	gs := st.Go
	if gs.Mode == GoFuncLit {
		r.synth(st, r.rt+".Go(")
		r.span(gs.Callee)
		r.synth(st, ")")
		return
	}
	p := r.goPrefix + strconv.Itoa(r.nGo)
	r.nGo++
	r.renderClosureCall(st, p, r.rt+".Go(func() { ", ") })")
}

// renderClosureCall writes the call of a go or defer statement as a closure
// that makes the call, opened by head and closed by tail, after
// temporaries (named with prefix p) that evaluate the callee and the
// arguments where the statement is.
func (r *renderer) renderClosureCall(st *Site, p, head, tail string) {
	gs := st.Go

	// Temporaries, in evaluation order: the callee, then the arguments.
	var tmps []string
	var vals []Span
	if gs.Mode == GoValue {
		tmps = append(tmps, p+"f")
		vals = append(vals, gs.Callee)
	}
	var argText []string // what the closure passes, per argument
	if gs.TupleArgs > 1 {
		for i := range gs.TupleArgs {
			argText = append(argText, p+"a"+strconv.Itoa(i))
		}
	} else {
		for i, a := range gs.Args {
			if gs.Inline[i] || len(gs.Holes[i]) > 0 {
				argText = append(argText, "")
				for j, h := range gs.Holes[i] {
					tmps = append(tmps, holeName(p, i, j))
					vals = append(vals, h)
				}
				continue
			}
			name := p + "a" + strconv.Itoa(i)
			if gs.BoolArg[i] {
				argText = append(argText, name+" == true")
			} else {
				argText = append(argText, name)
			}
			tmps = append(tmps, name)
			vals = append(vals, a)
		}
	}
	needBlock := len(tmps) > 0 || gs.TupleArgs > 1
	if needBlock {
		r.synth(st, "{ ")
	}
	if len(tmps) > 0 {
		r.assign(st, tmps, vals)
	}
	if gs.TupleArgs > 1 {
		r.synth(st, joinNames(argText)+" := ")
		r.span(gs.Args[0])
		r.synth(st, "; ")
	}
	r.synth(st, head)
	if gs.Results > 0 {
		// Inside the closure the call is a statement: vet's unusedresult
		// would report a call whose results must be used.
		r.synth(st, strings.Repeat("_, ", gs.Results-1)+"_ = ")
	}
	switch {
	case gs.CalleeRT != "":
		r.synth(st, r.rt+"."+gs.CalleeRT)
	case gs.Mode == GoValue:
		r.synth(st, p+"f")
	default:
		r.span(gs.Callee)
	}
	r.synth(st, "(")
	for i, t := range argText {
		if i > 0 {
			r.synth(st, ", ")
		}
		if t == "" && gs.TupleArgs <= 1 && len(gs.Holes[i]) > 0 {
			// The argument with its shift counts replaced by temporaries.
			at := gs.Args[i].Start
			for j, h := range gs.Holes[i] {
				r.span(Span{at, h.Start})
				r.synth(st, holeName(p, i, j))
				at = h.End
			}
			r.span(Span{at, gs.Args[i].End})
		} else if t == "" {
			r.span(gs.Args[i])
		} else {
			r.synth(st, t)
		}
	}
	if gs.Ellipsis {
		r.synth(st, "...")
	}
	r.synth(st, tail)
	if needBlock {
		r.synth(st, " }")
	}
}

// holeName is the temporary of shift count j of argument i.
func holeName(p string, i, j int) string {
	return p + "a" + strconv.Itoa(i) + "s" + strconv.Itoa(j)
}

// assign writes "n0, n1 := v0, v1; ".
func (r *renderer) assign(st *Site, names []string, vals []Span) {
	r.synth(st, joinNames(names)+" := ")
	for i, v := range vals {
		if i > 0 {
			r.synth(st, ", ")
		}
		r.span(v)
	}
	r.synth(st, "; ")
}

func joinNames(ns []string) string {
	s := ""
	for i, n := range ns {
		if i > 0 {
			s += ", "
		}
		s += n
	}
	return s
}
