// Package shimgen generates the forwarding half of a shim package.
//
// A shim package (shims/<stdpath>) replaces a std package in user code. It has
// the std package's name and must offer its whole exported API. Hand-written
// files in the shim directory implement the simulated parts; [Generate]
// produces zz_forward.go, which forwards every other exported identifier to
// std:
//
//	type X = std.X                 // generic: type X[T C] = std.X[T]
//	const X = std.X
//	var X = std.X                  // a copy of the value, see below
//	func F(a A, b ...B) R { return std.F(a, b...) }
//
// [Check] verifies that a shim (hand-written plus generated files) offers
// every exported std identifier with a compatible kind and type.
package shimgen

import (
	"bytes"
	"fmt"
	"go/token"
	"go/types"
	"sort"
	"strconv"
	"strings"

	"github.com/dave/jennifer/jen"
)

// Generate returns the content of zz_forward.go for the shim of the std
// package stdPath living in shimDir. Top-level names declared in the
// hand-written files of shimDir are not forwarded. shimDir need not exist.
func Generate(stdPath, shimDir string) ([]byte, error) {
	std, err := loadStd(stdPath)
	if err != nil {
		return nil, err
	}
	hand, err := handDeclared(shimDir)
	if err != nil {
		return nil, err
	}
	shimPath, err := dirImportPath(shimDir)
	if err != nil {
		return nil, err
	}
	g := &generator{
		std:      std,
		shimPath: shimPath,
		hand:     hand,
		imports:  map[string]string{},
		locals:   map[string]bool{},
	}
	return g.generate()
}

type generator struct {
	std      *types.Package
	shimPath string
	hand     map[string]bool // top-level names declared by hand in the shim

	imports map[string]string // path -> package name of every referenced non-std package
	locals  map[string]bool   // parameter and type-parameter names used in generated code
}

// skipped is an exported std identifier that could not be forwarded.
type skipped struct {
	name, reason string
}

func (g *generator) generate() ([]byte, error) {
	var consts, vars, typs []jen.Code
	var funcs []jen.Code
	var skips []skipped
	scope := g.std.Scope()
	for _, name := range scope.Names() { // sorted
		obj := scope.Lookup(name)
		if !obj.Exported() || g.hand[name] {
			continue
		}
		var err error
		switch obj := obj.(type) {
		case *types.Const:
			consts = append(consts, jen.Id(name).Op("=").Add(g.qual(g.std, name)))
		case *types.Var:
			vars = append(vars, jen.Id(name).Op("=").Add(g.qual(g.std, name)))
		case *types.TypeName:
			var c jen.Code
			if c, err = g.typeDecl(obj); err == nil {
				typs = append(typs, c)
			}
		case *types.Func:
			var c jen.Code
			if c, err = g.funcDecl(obj); err == nil {
				funcs = append(funcs, jen.Line(), c)
			}
		default:
			err = fmt.Errorf("unexpected object kind %T", obj)
		}
		if err != nil {
			skips = append(skips, skipped{name, err.Error()})
		}
	}

	f := jen.NewFile(g.std.Name())
	f.HeaderComment(generatedHeader)
	g.setImportNames(f)

	f.Add(comment(fmt.Sprintf("This file forwards to std %q every exported identifier that the\n"+
		"hand-written files of this shim package do not declare. Regenerate it with\n"+
		"`go generate ./internal/shimgen` after adding or removing hand-written names.", g.std.Path())))
	for _, s := range skips {
		f.Line()
		f.Add(comment(fmt.Sprintf("NOTE: %s.%s is not forwarded: %s.", g.std.Path(), s.name, s.reason)))
	}
	if len(consts) > 0 {
		f.Line()
		f.Add(comment(fmt.Sprintf("Constants forwarded from %s.", g.std.Path())))
		f.Const().Defs(consts...)
	}
	if len(vars) > 0 {
		f.Line()
		f.Add(comment(fmt.Sprintf("Variables forwarded from %s.\n\n", g.std.Path()) +
			"Each is a COPY of the std variable's value, taken at package initialization:\n" +
			"assigning to one later does not change the other. Pointers, maps, funcs and\n" +
			"interfaces keep referring to the same object, so sentinel errors stay\n" +
			"identical values and errors.Is / == against the std variables work."))
		f.Var().Defs(vars...)
	}
	if len(typs) > 0 {
		f.Line()
		f.Add(comment(fmt.Sprintf("Types forwarded from %s (aliases: identical types, same methods).", g.std.Path())))
		f.Type().Defs(typs...)
	}
	for _, c := range funcs {
		f.Add(c)
	}

	var buf bytes.Buffer
	if err := f.Render(&buf); err != nil {
		return nil, fmt.Errorf("rendering forwarding file for %s: %w", g.std.Path(), err)
	}
	return buf.Bytes(), nil
}

// typeDecl renders one alias spec for a type group: X = std.X or
// X[T C] = std.X[T].
func (g *generator) typeDecl(obj *types.TypeName) (jen.Code, error) {
	var tps *types.TypeParamList
	switch t := obj.Type().(type) {
	case *types.Named:
		tps = t.TypeParams()
	case *types.Alias:
		tps = t.TypeParams()
	}
	spec := jen.Id(obj.Name())
	ref := g.qual(g.std, obj.Name())
	if tps.Len() > 0 {
		decl, err := g.typeParamsCode(tps)
		if err != nil {
			return nil, err
		}
		g.addTypeParamNames(tps)
		spec = spec.Types(decl...)
		ref = ref.Index(typeParamArgs(tps))
	}
	return spec.Op("=").Add(ref), nil
}

// funcDecl renders a wrapper with the same signature as fn that calls it.
func (g *generator) funcDecl(fn *types.Func) (jen.Code, error) {
	sig := fn.Type().(*types.Signature)
	tps := sig.TypeParams()

	taken := map[string]bool{}
	for i := 0; i < tps.Len(); i++ {
		taken[tps.At(i).Obj().Name()] = true
	}
	n := sig.Params().Len()
	names := make([]string, n)
	for i := 0; i < n; i++ {
		if name := sig.Params().At(i).Name(); name != "" && name != "_" && !taken[name] {
			names[i] = name
			taken[name] = true
		}
	}
	for i := range names {
		if names[i] != "" {
			continue
		}
		name := "p" + strconv.Itoa(i)
		for taken[name] {
			name += "_"
		}
		names[i] = name
		taken[name] = true
	}
	for name := range taken {
		g.locals[name] = true
	}

	params, results, err := g.signatureCode(sig, names)
	if err != nil {
		return nil, err
	}
	decl := jen.Func().Id(fn.Name())
	call := g.qual(g.std, fn.Name())
	if tps.Len() > 0 {
		tpDecl, err := g.typeParamsCode(tps)
		if err != nil {
			return nil, err
		}
		decl = decl.Types(tpDecl...)
		// Always instantiate explicitly: a type parameter that occurs only
		// in the results cannot be inferred.
		call = call.Index(typeParamArgs(tps))
	}
	decl = withResults(decl.Params(params...), results)

	var args []jen.Code
	for i, name := range names {
		a := jen.Id(name)
		if sig.Variadic() && i == n-1 {
			a = a.Op("...")
		}
		args = append(args, a)
	}
	call = call.Call(args...)
	var body jen.Code = call
	if len(results) > 0 {
		body = jen.Return(call)
	}

	doc := fmt.Sprintf("%s forwards to [%s.%s].", fn.Name(), g.std.Path(), fn.Name())
	if redeclared := g.redeclaredIn(sig); len(redeclared) > 0 {
		doc += fmt.Sprintf("\n\nNOTE: its signature uses the std type(s) %s, which this shim declares by hand;\nit probably needs a hand-written implementation too.",
			strings.Join(redeclared, ", "))
	}
	return comment(doc).Line().Add(decl.Block(body)), nil
}

// comment renders text as a block of // line comments (jennifer would use
// /* */ for multi-line text).
func comment(text string) *jen.Statement {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if l == "" {
			lines[i] = "//"
		} else {
			lines[i] = "// " + l
		}
	}
	return jen.Comment(strings.Join(lines, "\n"))
}

func (g *generator) addTypeParamNames(tps *types.TypeParamList) {
	for i := 0; i < tps.Len(); i++ {
		g.locals[tps.At(i).Obj().Name()] = true
	}
}

// redeclaredIn lists the names of std types mentioned by sig that the shim
// declares by hand (sorted).
func (g *generator) redeclaredIn(sig *types.Signature) []string {
	seen := map[string]bool{}
	walkNamed(sig, func(obj *types.TypeName) {
		if obj.Pkg() == g.std && g.hand[obj.Name()] {
			seen[obj.Name()] = true
		}
	})
	var out []string
	for name := range seen {
		out = append(out, g.std.Name()+"."+name)
	}
	sort.Strings(out)
	return out
}

// setImportNames chooses the import names: the std package gets "std"+name
// and every other package its own name, unless that would collide with a
// package-level identifier of the shim (forwarded or hand-declared), with a
// parameter or type-parameter name of the generated code, with a predeclared
// identifier or with another import.
func (g *generator) setImportNames(f *jen.File) {
	avoid := map[string]bool{}
	for name := range g.hand {
		avoid[name] = true
	}
	for _, name := range g.std.Scope().Names() {
		if token.IsExported(name) {
			avoid[name] = true
		}
	}
	for name := range g.locals {
		avoid[name] = true
	}
	for _, name := range types.Universe.Names() {
		avoid[name] = true
	}
	pick := func(base string) string {
		name := base
		for i := 1; avoid[name] || jen.IsReservedWord(name); i++ {
			name = base + strconv.Itoa(i)
		}
		avoid[name] = true
		return name
	}
	f.ImportAlias(g.std.Path(), pick("std"+g.std.Name()))

	paths := make([]string, 0, len(g.imports))
	for p := range g.imports {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		pkgName := g.imports[p]
		name := pick(pkgName)
		if name == pkgName && lastElem(p) == pkgName {
			f.ImportName(p, name)
		} else {
			f.ImportAlias(p, name)
		}
	}
}

func lastElem(p string) string {
	return p[strings.LastIndex(p, "/")+1:]
}

// walkNamed calls fn for the object of every named type and alias that t
// mentions (type arguments included), without descending into the
// underlying types of named types.
func walkNamed(t types.Type, fn func(*types.TypeName)) {
	seen := map[types.Type]bool{}
	var walk func(types.Type)
	walk = func(t types.Type) {
		if t == nil || seen[t] {
			return
		}
		seen[t] = true
		switch t := t.(type) {
		case *types.Alias:
			fn(t.Obj())
			for i := 0; i < t.TypeArgs().Len(); i++ {
				walk(t.TypeArgs().At(i))
			}
		case *types.Named:
			fn(t.Obj())
			for i := 0; i < t.TypeArgs().Len(); i++ {
				walk(t.TypeArgs().At(i))
			}
		case *types.Pointer:
			walk(t.Elem())
		case *types.Slice:
			walk(t.Elem())
		case *types.Array:
			walk(t.Elem())
		case *types.Map:
			walk(t.Key())
			walk(t.Elem())
		case *types.Chan:
			walk(t.Elem())
		case *types.Signature:
			for i := 0; i < t.TypeParams().Len(); i++ {
				walk(t.TypeParams().At(i).Constraint())
			}
			for i := 0; i < t.Params().Len(); i++ {
				walk(t.Params().At(i).Type())
			}
			for i := 0; i < t.Results().Len(); i++ {
				walk(t.Results().At(i).Type())
			}
		case *types.Struct:
			for i := 0; i < t.NumFields(); i++ {
				walk(t.Field(i).Type())
			}
		case *types.Interface:
			for i := 0; i < t.NumEmbeddeds(); i++ {
				walk(t.EmbeddedType(i))
			}
			for i := 0; i < t.NumExplicitMethods(); i++ {
				walk(t.ExplicitMethod(i).Type())
			}
		case *types.Union:
			for i := 0; i < t.Len(); i++ {
				walk(t.Term(i).Type())
			}
		case *types.TypeParam:
			walk(t.Constraint())
		}
	}
	walk(t)
}
