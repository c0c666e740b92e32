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

package rewrite

import (
	"go/ast"
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
	Inline    []bool // the argument is a constant or nil: written inside the closure
	Ellipsis  bool   // the last argument is followed by ...
	TupleArgs int    // >1: the only argument is a call returning this many values
	Results   int    // how many values the call returns (defer statements assign them to _)
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
		gs.Inline = append(gs.Inline, gs.TupleArgs == 0 && (tv.Value != nil || tv.IsNil()))
	}
	return gs
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
			if gs.Inline[i] {
				argText = append(argText, "")
				continue
			}
			name := p + "a" + strconv.Itoa(i)
			argText = append(argText, name)
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
		if t == "" {
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
