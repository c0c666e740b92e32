package shimgen

import (
	"fmt"
	"go/types"
	"strconv"

	"github.com/dave/jennifer/jen"
)

// qual returns a qualified reference to name in pkg and records the import.
func (g *generator) qual(pkg *types.Package, name string) *jen.Statement {
	if pkg.Path() != g.std.Path() {
		g.imports[pkg.Path()] = pkg.Name()
	}
	return jen.Qual(pkg.Path(), name)
}

// forwardedType reports whether obj is a top-level type of the std package
// that the generated file forwards as an alias, so that the shim's own name
// denotes the identical type.
func (g *generator) forwardedType(obj *types.TypeName) bool {
	return obj.Pkg() == g.std && obj.Exported() && !g.hand[obj.Name()] && g.std.Scope().Lookup(obj.Name()) == obj
}

// typeCode renders t as Go source. A std type that the shim forwards is
// written with the shim's own (alias) name; one that the shim declares by
// hand is written through the std import, because the wrapper calls std and
// must keep compiling against it whatever the hand-written type is.
//
// constraint is true when t is used as a type-parameter constraint; only
// there may an unexported named interface be replaced by its (identical
// type set) underlying interface.
func (g *generator) typeCode(t types.Type, constraint bool) (*jen.Statement, error) {
	switch t := t.(type) {
	case *types.Basic:
		switch t.Kind() {
		case types.UnsafePointer:
			g.imports["unsafe"] = "unsafe"
			return jen.Qual("unsafe", "Pointer"), nil
		case types.Invalid:
			return nil, fmt.Errorf("invalid type")
		}
		if t.Info()&types.IsUntyped != 0 {
			return nil, fmt.Errorf("untyped type %s in a type position", t)
		}
		return jen.Id(t.Name()), nil

	case *types.Alias:
		obj := t.Obj()
		if obj.Pkg() == nil {
			return jen.Id(obj.Name()), nil // any
		}
		if g.forwardedType(obj) {
			return g.withTypeArgs(jen.Id(obj.Name()), t.TypeArgs())
		}
		if obj.Exported() && importable(g.shimPath, obj.Pkg().Path()) {
			return g.withTypeArgs(g.qual(obj.Pkg(), obj.Name()), t.TypeArgs())
		}
		return g.typeCode(types.Unalias(t), constraint)

	case *types.Named:
		obj := t.Obj()
		if obj.Pkg() == nil {
			return jen.Id(obj.Name()), nil // error, comparable
		}
		if g.forwardedType(obj) {
			return g.withTypeArgs(jen.Id(obj.Name()), t.TypeArgs())
		}
		if obj.Exported() && importable(g.shimPath, obj.Pkg().Path()) {
			return g.withTypeArgs(g.qual(obj.Pkg(), obj.Name()), t.TypeArgs())
		}
		if iface, ok := t.Underlying().(*types.Interface); ok && constraint {
			return g.interfaceCode(iface, true)
		}
		if !obj.Exported() {
			return nil, fmt.Errorf("unexported type %s.%s", obj.Pkg().Path(), obj.Name())
		}
		return nil, fmt.Errorf("type %s.%s of a package that cannot be imported", obj.Pkg().Path(), obj.Name())

	case *types.TypeParam:
		return jen.Id(t.Obj().Name()), nil

	case *types.Pointer:
		elem, err := g.typeCode(t.Elem(), false)
		if err != nil {
			return nil, err
		}
		return jen.Op("*").Add(elem), nil

	case *types.Slice:
		elem, err := g.typeCode(t.Elem(), false)
		if err != nil {
			return nil, err
		}
		return jen.Index().Add(elem), nil

	case *types.Array:
		elem, err := g.typeCode(t.Elem(), false)
		if err != nil {
			return nil, err
		}
		return jen.Index(jen.Lit(int(t.Len()))).Add(elem), nil

	case *types.Map:
		key, err := g.typeCode(t.Key(), false)
		if err != nil {
			return nil, err
		}
		elem, err := g.typeCode(t.Elem(), false)
		if err != nil {
			return nil, err
		}
		return jen.Map(key).Add(elem), nil

	case *types.Chan:
		elem, err := g.typeCode(t.Elem(), false)
		if err != nil {
			return nil, err
		}
		switch t.Dir() {
		case types.SendOnly:
			return jen.Chan().Op("<-").Add(elem), nil
		case types.RecvOnly:
			return jen.Op("<-").Chan().Add(elem), nil
		default:
			if c, ok := t.Elem().(*types.Chan); ok && c.Dir() == types.RecvOnly {
				return jen.Chan().Parens(elem), nil // chan (<-chan T)
			}
			return jen.Chan().Add(elem), nil
		}

	case *types.Signature:
		params, results, err := g.signatureCode(t, nil)
		if err != nil {
			return nil, err
		}
		return withResults(jen.Func().Params(params...), results), nil

	case *types.Struct:
		var fields []jen.Code
		for i := 0; i < t.NumFields(); i++ {
			f := t.Field(i)
			if !f.Exported() && f.Pkg() != nil && f.Pkg().Path() != g.shimPath && f.Name() != "_" {
				return nil, fmt.Errorf("struct type with unexported field %s", f.Name())
			}
			ft, err := g.typeCode(f.Type(), false)
			if err != nil {
				return nil, err
			}
			var field *jen.Statement
			if f.Embedded() {
				field = ft
			} else {
				field = jen.Id(f.Name()).Add(ft)
			}
			if tag := t.Tag(i); tag != "" {
				lit := strconv.Quote(tag)
				if strconv.CanBackquote(tag) {
					lit = "`" + tag + "`"
				}
				field = field.Op(lit)
			}
			fields = append(fields, field)
		}
		return jen.Struct(fields...), nil

	case *types.Interface:
		return g.interfaceCode(t, constraint)

	case *types.Union:
		var terms []jen.Code
		for i := 0; i < t.Len(); i++ {
			term := t.Term(i)
			tc, err := g.typeCode(term.Type(), false)
			if err != nil {
				return nil, err
			}
			if term.Tilde() {
				tc = jen.Op("~").Add(tc)
			}
			terms = append(terms, tc)
		}
		return jen.Union(terms...), nil
	}
	return nil, fmt.Errorf("unsupported type %T (%s)", t, t)
}

func (g *generator) withTypeArgs(s *jen.Statement, targs *types.TypeList) (*jen.Statement, error) {
	if targs.Len() == 0 {
		return s, nil
	}
	var args []jen.Code
	for i := 0; i < targs.Len(); i++ {
		a, err := g.typeCode(targs.At(i), false)
		if err != nil {
			return nil, err
		}
		args = append(args, a)
	}
	return s.Index(jen.List(args...)), nil
}

// interfaceCode renders an interface literal. An implicit interface (the
// constraint written as [T ~int] rather than [T interface{ ~int }]) is
// rendered as its single element when used as a constraint.
func (g *generator) interfaceCode(t *types.Interface, constraint bool) (*jen.Statement, error) {
	if constraint && t.NumEmbeddeds() == 1 && t.NumExplicitMethods() == 0 && bareConstraintOK(t.EmbeddedType(0)) {
		return g.typeCode(t.EmbeddedType(0), true)
	}
	var elems []jen.Code
	for i := 0; i < t.NumEmbeddeds(); i++ {
		e, err := g.typeCode(t.EmbeddedType(i), true)
		if err != nil {
			return nil, err
		}
		elems = append(elems, e)
	}
	for i := 0; i < t.NumExplicitMethods(); i++ {
		m := t.ExplicitMethod(i)
		if !m.Exported() && m.Pkg() != nil && m.Pkg().Path() != g.shimPath {
			return nil, fmt.Errorf("interface with unexported method %s", m.Name())
		}
		params, results, err := g.signatureCode(m.Type().(*types.Signature), nil)
		if err != nil {
			return nil, err
		}
		elems = append(elems, withResults(jen.Id(m.Name()).Params(params...), results))
	}
	return jen.Interface(elems...), nil
}

// bareConstraintOK reports whether the single element e of a constraint
// interface may be written without the enclosing interface{}: unions and
// ~T terms may (except with a plain pointer term, which in a generic type
// declaration would parse as an array length expression), and so may
// other interfaces.
func bareConstraintOK(e types.Type) bool {
	switch e := e.(type) {
	case *types.Union:
		for i := 0; i < e.Len(); i++ {
			if _, ptr := e.Term(i).Type().(*types.Pointer); ptr && !e.Term(i).Tilde() {
				return false
			}
		}
		return true
	case *types.Named, *types.Alias:
		return types.IsInterface(e)
	}
	return false
}

// signatureCode renders the parameter and result lists of sig. If names is
// non-nil it holds one name per parameter; otherwise parameters are unnamed.
// Results are always unnamed.
func (g *generator) signatureCode(sig *types.Signature, names []string) (params, results []jen.Code, err error) {
	n := sig.Params().Len()
	for i := 0; i < n; i++ {
		pt := sig.Params().At(i).Type()
		var tc *jen.Statement
		if sig.Variadic() && i == n-1 {
			s, ok := pt.(*types.Slice)
			if !ok {
				return nil, nil, fmt.Errorf("variadic parameter of non-slice type %s", pt)
			}
			elem, err := g.typeCode(s.Elem(), false)
			if err != nil {
				return nil, nil, err
			}
			tc = jen.Op("...").Add(elem)
		} else {
			tc, err = g.typeCode(pt, false)
			if err != nil {
				return nil, nil, err
			}
		}
		if names != nil {
			tc = jen.Id(names[i]).Add(tc)
		}
		params = append(params, tc)
	}
	for i := 0; i < sig.Results().Len(); i++ {
		tc, err := g.typeCode(sig.Results().At(i).Type(), false)
		if err != nil {
			return nil, nil, err
		}
		results = append(results, tc)
	}
	return params, results, nil
}

// withResults appends an unnamed result list to a func signature statement:
// nothing for no result, the bare type for one, a parenthesized list for more.
func withResults(s *jen.Statement, results []jen.Code) *jen.Statement {
	switch len(results) {
	case 0:
		return s
	case 1:
		return s.Add(results[0])
	default:
		return s.Params(results...)
	}
}

// typeParamsCode renders a type-parameter list declaration ("[K comparable, V any]").
func (g *generator) typeParamsCode(tps *types.TypeParamList) ([]jen.Code, error) {
	var out []jen.Code
	for i := 0; i < tps.Len(); i++ {
		tp := tps.At(i)
		c, err := g.typeCode(tp.Constraint(), true)
		if err != nil {
			return nil, fmt.Errorf("constraint of %s: %w", tp.Obj().Name(), err)
		}
		out = append(out, jen.Id(tp.Obj().Name()).Add(c))
	}
	return out, nil
}

// typeParamArgs renders the type parameters of a list as type arguments ("[K, V]").
func typeParamArgs(tps *types.TypeParamList) jen.Code {
	var out []jen.Code
	for i := 0; i < tps.Len(); i++ {
		out = append(out, jen.Id(tps.At(i).Obj().Name()))
	}
	return jen.List(out...)
}
