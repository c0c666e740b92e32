// This file keeps the language version of the user's files. A generated file
// is compiled as part of the main module, so without a constraint it would
// get the main module's language version, not the one its source was
// compiled with (the source's own module, for an -include'd module, or the
// file's own //go:build go1.N line): a go1.21 file would get Go 1.22's
// per-iteration loop variables. The generated copy of a file without a
// go1.N constraint of its own, whose module's language version differs from
// the main module's, therefore starts with
//
//	//go:build go1.N
//
// combined (&&) with the file's other build constraints, which move there
// (old-style plus-build lines are folded in and dropped). A file that has a go1.N
// constraint keeps it, and so keeps its version.
//
// A file whose language version is older than go1.23 cannot range over a
// function, so its range loops over channels and maps are written as
// three-clause loops over an iterator that declare the user's own loop
// variables (per loop or per iteration, as the version says):
//
//	for v := range c     ->  for _r0, v, _r0ok := mrt.RecvLoop(c); _r0ok; _r0ok = _r0.Next(&v) {
//	for k, v := range m  ->  for _r0, k, v, _r0ok := mrt.MapLoop(m); _r0ok; _r0ok = _r0.Next(&k, &v) {
//	for k = range m      ->  for _r0, _r0k, _, _r0ok := mrt.MapLoop(m); _r0ok; _r0ok = _r0.Next(&_r0k, nil) { k = _r0k;
//
// Next stores nothing at the end, so a variable captured by a closure keeps
// its last value, as a range loop leaves it.

package rewrite

import (
	"fmt"
	"go/ast"
	"go/build/constraint"
	"go/token"
	"go/version"
	"strconv"
	"strings"
)

// rangeFuncVersion is the first language version with range-over-func.
const rangeFuncVersion = "go1.23"

// moduleLang is the language version of a module's go line ("1.21.3" ->
// "go1.21"); a module without one is go1.16, as the go command says.
func moduleLang(goLine string) string {
	if goLine == "" {
		return "go1.16"
	}
	return version.Lang("go" + goLine)
}

// fileVersion says how the generated copy of a file keeps the file's
// language version.
type fileVersion struct {
	lang   string // the file's language version (its own constraint, else its module's)
	build  string // "//go:build ..." line to start the generated file with, or ""
	remove []Span // the file's constraint lines, which build replaces
}

// versionOf computes the fileVersion of file, whose module's language
// version is modLang, for a copy compiled in a module of language version
// mainLang.
func versionOf(fset *token.FileSet, file *ast.File, src []byte, modLang, mainLang string) (fileVersion, error) {
	if v := version.Lang(file.GoVersion); v != "" {
		return fileVersion{lang: v}, nil // its own constraint is copied with it
	}
	fv := fileVersion{lang: modLang}
	if modLang == mainLang {
		return fv, nil
	}
	base := fset.File(file.Pos()).Base()
	var goBuild constraint.Expr
	var plus []constraint.Expr
	for _, g := range file.Comments {
		if g.Pos() >= file.Package {
			break
		}
		if g == file.Doc {
			continue
		}
		for _, c := range g.List {
			switch {
			case constraint.IsGoBuild(c.Text):
				e, err := constraint.Parse(c.Text)
				if err != nil {
					return fv, constraintError(fset, c, err)
				}
				goBuild = e
			case constraint.IsPlusBuild(c.Text):
				e, err := constraint.Parse(c.Text)
				if err != nil {
					return fv, constraintError(fset, c, err)
				}
				plus = append(plus, e)
			default:
				continue
			}
			fv.remove = append(fv.remove, Span{int(c.Pos()) - base, int(c.End()) - base})
		}
	}
	// A //go:build line, when there is one, is the constraint; otherwise the
	// plus-build lines are (each a condition that must hold).
	var x constraint.Expr
	if goBuild != nil {
		x = goBuild
	} else {
		for _, e := range plus {
			x = and(x, e)
		}
	}
	x = and(x, &constraint.TagExpr{Tag: modLang})
	fv.build = "//go:build " + x.String()
	return fv, nil
}

// constraintError is a build constraint that does not parse, at its
// position: "line:col: msg" (the caller puts the file name first).
func constraintError(fset *token.FileSet, c *ast.Comment, err error) error {
	p := fset.Position(c.Pos())
	return fmt.Errorf("%d:%d: mgen: %v", p.Line, p.Column, err)
}

func and(x, y constraint.Expr) constraint.Expr {
	if x == nil {
		return y
	}
	return &constraint.AndExpr{X: x, Y: y}
}

// rangeFunc reports whether files of language version lang may range over
// functions.
func rangeFunc(lang string) bool {
	return lang == "" || version.Compare(lang, rangeFuncVersion) >= 0
}

// LoopSite is a range loop over a channel or a map in a file older than
// go1.23. The Site's Span runs from the for keyword to the opening brace of
// the body, included.
type LoopSite struct {
	Map        bool
	Key, Value *Span // the iteration variables (nil when absent or blank)
	Define     bool  // :=
	X          Span  // the range expression
}

// matchRangeLoop records a range statement in the iterator form.
func (m *matcher) matchRangeLoop(rs *ast.RangeStmt, isMap bool) {
	ls := &LoopSite{Map: isMap, Define: rs.Tok == token.DEFINE, X: m.span(rs.X)}
	part := func(e ast.Expr) *Span {
		if e == nil {
			return nil
		}
		if id, ok := unparen(e).(*ast.Ident); ok && id.Name == "_" {
			return nil
		}
		s := m.span(e)
		return &s
	}
	ls.Key, ls.Value = part(rs.Key), part(rs.Value)
	m.add(&Site{Kind: KindRangeLoop, Span: Span{m.off(rs.For), m.off(rs.Body.Lbrace) + 1}, Loop: ls})
}

func (r *renderer) renderRangeLoop(st *Site) {
	ls := st.Loop
	p := r.loopPrefix + strconv.Itoa(r.nLoop)
	r.nLoop++
	ok := p + "ok"
	vars := []*Span{ls.Key}
	tmps := []string{p + "k"}
	fn := "MapLoop"
	if ls.Map {
		vars = append(vars, ls.Value)
		tmps = append(tmps, p+"v")
	} else {
		fn = "RecvLoop"
		tmps[0] = p + "v"
	}
	r.synth(st, "for "+p+", ")
	for i, v := range vars {
		switch {
		case v == nil:
			r.synth(st, "_")
		case ls.Define:
			r.span(*v)
		default:
			r.synth(st, tmps[i])
		}
		r.synth(st, ", ")
	}
	r.synth(st, ok+" := "+r.rt+"."+fn+"(")
	r.span(ls.X)
	r.synth(st, "); "+ok+"; "+ok+" = "+p+".Next(")
	for i, v := range vars {
		if i > 0 {
			r.synth(st, ", ")
		}
		switch {
		case v == nil:
			r.synth(st, "nil")
		case ls.Define:
			r.synth(st, "&")
			r.span(*v)
		default:
			r.synth(st, "&"+tmps[i])
		}
	}
	r.synth(st, ") {")
	if ls.Define {
		return
	}
	// Assignment form: the user's left-hand sides are assigned at the start
	// of every iteration, as the range statement assigns them.
	var rhs []string
	first := true
	for i, v := range vars {
		if v == nil {
			continue
		}
		if first {
			r.synth(st, " ")
		} else {
			r.synth(st, ", ")
		}
		first = false
		r.span(*v)
		rhs = append(rhs, tmps[i])
	}
	if !first {
		r.synth(st, " = "+strings.Join(rhs, ", ")+";")
	}
}
