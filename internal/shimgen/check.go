package shimgen

import (
	"fmt"
	"go/types"
	"path/filepath"
	"strings"

	"golang.org/x/tools/go/packages"
)

// Check type-checks the shim package in shimDir (hand-written and generated
// files together) against the std package stdPath and returns one
// human-readable problem per exported std identifier that the shim lacks or
// offers in an incompatible form, sorted by identifier. If the shim does not
// type-check, its errors are returned as the problems. The error result is
// only for failures to run the loader itself.
//
// # Compatibility rules
//
// Shim types for simulated things (a shim time.Timer, say) are NEW types, so
// std and shim types are compared through a mapping M: every named type or
// alias declared by the std package itself is replaced by the shim's
// top-level type of the same name (recursively through pointers, slices,
// arrays, maps, channels, func types and type arguments). For a forwarded
// type the shim's name is an alias of the std type, so M changes nothing;
// for a hand-written type M yields the new type. Types that do not mention
// the std package's own named types are therefore required to be identical,
// and types that do must use the shim's same-named types: a shim whose
// Timer is new but whose NewTimer still returns the std *Timer is reported,
// because user code written against std (var t *time.Timer = time.NewTimer(d))
// would not compile. (Struct and interface literal types that mention std
// named types are not mapped and not compared.)
//
//   - const: must be a const whose type is identical to M(std type) and whose
//     value is the same.
//   - var: must be a var whose type is identical to M(std type).
//   - func: must be a func (a var of func type is not enough) with the same
//     number of type parameters, parameters and results and the same
//     variadicness; each parameter and result type must be identical to M of
//     the std one (type parameters matched by position), and each list of
//     type parameters must satisfy the other's constraints.
//   - type: must be a type with the same number of type parameters (whose
//     constraints must mutually accept each other). If it is identical to the
//     std type (an alias) nothing more is checked. Otherwise it is a new type
//     and must have the same kind of underlying type (struct, interface,
//     basic, ...); every exported method of the std type must exist, in the
//     value method set if std has it there, with a signature compatible by
//     the func rule (for generic types only presence is checked); and every
//     exported field of a std struct must exist as a field of type M(std).
//
// Names that the shim declares in addition to std's are not reported.
func Check(stdPath, shimDir string) ([]string, error) {
	abs, err := filepath.Abs(shimDir)
	if err != nil {
		return nil, err
	}
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedTypes | packages.NeedImports | packages.NeedDeps,
		Dir:  abs,
		Env:  loaderEnv(),
	}
	// One Load call for both packages, so that they share their
	// dependencies' *types.Package objects and types.Identical is meaningful.
	pkgs, err := packages.Load(cfg, ".", stdPath)
	if err != nil {
		return nil, fmt.Errorf("loading %s and %s: %w", shimDir, stdPath, err)
	}
	var stdPkg, shimPkg *packages.Package
	for _, p := range pkgs {
		if p.PkgPath == stdPath {
			stdPkg = p
		} else {
			shimPkg = p
		}
	}
	if stdPkg == nil || shimPkg == nil {
		return nil, fmt.Errorf("loading %s and %s: got %d packages", shimDir, stdPath, len(pkgs))
	}
	if err := packageErrors(stdPkg); err != nil {
		return nil, err
	}
	if len(shimPkg.Errors) > 0 {
		var problems []string
		for _, e := range shimPkg.Errors {
			problems = append(problems, "shim does not compile: "+e.Error())
		}
		return problems, nil
	}
	c := &checker{std: stdPkg.Types, shim: shimPkg.Types}
	if imp := c.importedStd(); imp != nil && imp != c.std {
		return nil, fmt.Errorf("internal error: std package %s loaded twice", stdPath)
	}
	return c.check(), nil
}

type checker struct {
	std, shim *types.Package
	problems  []string
}

func (c *checker) importedStd() *types.Package {
	for _, p := range c.shim.Imports() {
		if p.Path() == c.std.Path() {
			return p
		}
	}
	return nil
}

func (c *checker) report(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

func (c *checker) check() []string {
	for _, name := range c.std.Scope().Names() {
		stdObj := c.std.Scope().Lookup(name)
		if !stdObj.Exported() {
			continue
		}
		shimObj := c.shim.Scope().Lookup(name)
		what := c.std.Name() + "." + name
		if shimObj == nil {
			c.report("%s: missing (std %s)", what, kindOf(stdObj))
			continue
		}
		if kindOf(shimObj) != kindOf(stdObj) {
			c.report("%s: is a %s in the shim, std has a %s", what, kindOf(shimObj), kindOf(stdObj))
			continue
		}
		switch stdObj := stdObj.(type) {
		case *types.Const:
			shimObj := shimObj.(*types.Const)
			c.compareType(what, stdObj.Type(), shimObj.Type())
			sv, hv := stdObj.Val(), shimObj.Val()
			if sv.Kind() != hv.Kind() || sv.ExactString() != hv.ExactString() {
				c.report("%s: value %s in the shim, std has %s", what, hv.ExactString(), sv.ExactString())
			}
		case *types.Var:
			c.compareType(what, stdObj.Type(), shimObj.Type())
		case *types.Func:
			c.compareSig(what, stdObj.Type().(*types.Signature), shimObj.Type().(*types.Signature))
		case *types.TypeName:
			c.compareTypeName(what, stdObj, shimObj.(*types.TypeName))
		}
	}
	return c.problems
}

func kindOf(obj types.Object) string {
	switch obj.(type) {
	case *types.Const:
		return "const"
	case *types.Var:
		return "var"
	case *types.Func:
		return "func"
	case *types.TypeName:
		return "type"
	}
	return fmt.Sprintf("%T", obj)
}

func (c *checker) typeString(t types.Type) string {
	return types.TypeString(t, func(p *types.Package) string {
		if p == c.shim {
			return "shim"
		}
		return p.Path()
	})
}

// compareType reports a problem unless shim is identical to M(std).
func (c *checker) compareType(what string, std, shim types.Type) {
	want, ok := c.mapType(std)
	if !ok {
		return // mentions a std type the shim lacks (reported on its own) or cannot be mapped
	}
	if !types.Identical(want, shim) {
		c.report("%s: type %s in the shim, want %s (std %s)", what, c.typeString(shim), c.typeString(want), c.typeString(std))
	}
}

func typeParamsOf(t types.Type) *types.TypeParamList {
	switch t := t.(type) {
	case *types.Named:
		return t.TypeParams()
	case *types.Alias:
		return t.TypeParams()
	case *types.Signature:
		return t.TypeParams()
	}
	return nil
}

func typeParamTypes(tps *types.TypeParamList) []types.Type {
	out := make([]types.Type, tps.Len())
	for i := range out {
		out[i] = tps.At(i)
	}
	return out
}

// unifyTypeParams checks that std and shim have the same number of type
// parameters and that each list satisfies the other's constraints. It
// returns shim instantiated with std's type parameters (so that the two can
// be compared position by position), and false if the counts differ.
func (c *checker) unifyTypeParams(what string, std, shim types.Type) (types.Type, bool) {
	stps, htps := typeParamsOf(std), typeParamsOf(shim)
	if stps.Len() != htps.Len() {
		c.report("%s: %d type parameters in the shim, std has %d", what, htps.Len(), stps.Len())
		return nil, false
	}
	if stps.Len() == 0 {
		return shim, true
	}
	if _, err := types.Instantiate(nil, shim, typeParamTypes(stps), true); err != nil {
		c.report("%s: the shim's type-parameter constraints reject std's: %v", what, err)
	}
	if _, err := types.Instantiate(nil, std, typeParamTypes(htps), true); err != nil {
		c.report("%s: std's type-parameter constraints reject the shim's: %v", what, err)
	}
	inst, err := types.Instantiate(nil, shim, typeParamTypes(stps), false)
	if err != nil {
		c.report("%s: cannot instantiate the shim with std's type parameters: %v", what, err)
		return nil, false
	}
	return inst, true
}

func (c *checker) compareSig(what string, std, shim *types.Signature) {
	inst, ok := c.unifyTypeParams(what, std, shim)
	if !ok {
		return
	}
	shim = inst.(*types.Signature)
	if std.Variadic() != shim.Variadic() {
		c.report("%s: variadic is %v in the shim, %v in std", what, shim.Variadic(), std.Variadic())
	}
	if std.Params().Len() != shim.Params().Len() || std.Results().Len() != shim.Results().Len() {
		c.report("%s: %d parameters and %d results in the shim, std has %d and %d", what,
			shim.Params().Len(), shim.Results().Len(), std.Params().Len(), std.Results().Len())
		return
	}
	for i := 0; i < std.Params().Len(); i++ {
		c.compareType(fmt.Sprintf("%s: parameter %d", what, i), std.Params().At(i).Type(), shim.Params().At(i).Type())
	}
	for i := 0; i < std.Results().Len(); i++ {
		c.compareType(fmt.Sprintf("%s: result %d", what, i), std.Results().At(i).Type(), shim.Results().At(i).Type())
	}
}

func (c *checker) compareTypeName(what string, std, shim *types.TypeName) {
	stdT, shimT := std.Type(), shim.Type()
	inst, ok := c.unifyTypeParams(what, stdT, shimT)
	if !ok {
		return
	}
	generic := typeParamsOf(stdT).Len() > 0
	stdInst := stdT
	if generic {
		var err error
		if stdInst, err = types.Instantiate(nil, stdT, typeParamTypes(typeParamsOf(stdT)), false); err != nil {
			c.report("%s: cannot instantiate std type: %v", what, err)
			return
		}
	}
	if types.Identical(stdInst, inst) {
		return // an alias of the std type
	}

	// A new type: compare its shape.
	if sk, hk := underlyingKind(stdInst), underlyingKind(inst); sk != hk {
		c.report("%s: new type in the shim with %s underlying type, std's is %s", what, hk, sk)
		return
	}
	stdPtr, shimPtr := stdInst, inst
	if !types.IsInterface(stdInst) {
		stdPtr, shimPtr = types.NewPointer(stdInst), types.NewPointer(inst)
	}
	valueSet := types.NewMethodSet(stdInst)
	ms := types.NewMethodSet(stdPtr)
	for i := 0; i < ms.Len(); i++ {
		m := ms.At(i).Obj().(*types.Func)
		if !m.Exported() {
			continue
		}
		mwhat := fmt.Sprintf("%s.%s", what, m.Name())
		obj, _, _ := types.LookupFieldOrMethod(shimPtr, true, c.shim, m.Name())
		hm, ok := obj.(*types.Func)
		if !ok {
			c.report("%s: method missing in the shim", mwhat)
			continue
		}
		if valueSet.Lookup(m.Pkg(), m.Name()) != nil {
			if vobj, _, _ := types.LookupFieldOrMethod(inst, false, c.shim, m.Name()); vobj == nil {
				c.report("%s: method has a pointer receiver in the shim, a value receiver in std", mwhat)
			}
		}
		if !generic {
			c.compareSig(mwhat, m.Type().(*types.Signature), hm.Type().(*types.Signature))
		}
	}
	if st, ok := stdInst.Underlying().(*types.Struct); ok {
		for i := 0; i < st.NumFields(); i++ {
			f := st.Field(i)
			if !f.Exported() {
				continue
			}
			fwhat := fmt.Sprintf("%s.%s", what, f.Name())
			obj, _, _ := types.LookupFieldOrMethod(inst, true, c.shim, f.Name())
			hf, ok := obj.(*types.Var)
			if !ok || !hf.IsField() {
				c.report("%s: field missing in the shim", fwhat)
				continue
			}
			if !generic {
				c.compareType(fwhat, f.Type(), hf.Type())
			}
		}
	}
}

func underlyingKind(t types.Type) string {
	switch u := t.Underlying().(type) {
	case *types.Basic:
		return "basic " + u.Name()
	case *types.Struct:
		return "struct"
	case *types.Interface:
		return "interface"
	case *types.Pointer:
		return "pointer"
	case *types.Slice:
		return "slice"
	case *types.Array:
		return "array"
	case *types.Map:
		return "map"
	case *types.Chan:
		return "chan"
	case *types.Signature:
		return "func"
	}
	return strings.TrimPrefix(fmt.Sprintf("%T", t.Underlying()), "*types.")
}

// mentionsStd reports whether t mentions a named type or alias declared by
// the std package.
func (c *checker) mentionsStd(t types.Type) bool {
	found := false
	walkNamed(t, func(obj *types.TypeName) {
		if c.shimOf(obj.Pkg()) != nil {
			found = true
		}
	})
	return found
}

// shimOf returns the shim package that stands for std package p in this
// shim's signatures: the shim itself for its std package, the shim of
// another shimmed std package when this shim imports it (io/ioutil's
// TempFile returns the os shim's *File, as user code that imports "os"
// gets it), or nil.
func (c *checker) shimOf(p *types.Package) *types.Package {
	if p == nil {
		return nil
	}
	if p == c.std {
		return c.shim
	}
	for _, s := range Shims {
		if s.StdPath == p.Path() {
			return findImport(c.shim, marionetteModule+"/"+s.Dir, map[*types.Package]bool{})
		}
	}
	return nil
}

// marionetteModule is Marionette's module path, the prefix of the shims' import
// paths.
const marionetteModule = "github.com/marionette-dst/marionette"

func findImport(p *types.Package, path string, seen map[*types.Package]bool) *types.Package {
	if seen[p] {
		return nil
	}
	seen[p] = true
	for _, imp := range p.Imports() {
		if imp.Path() == path {
			return imp
		}
		if f := findImport(imp, path, seen); f != nil {
			return f
		}
	}
	return nil
}

// mapType computes M(t) (see [Check]). It returns false if t mentions a std
// type that the shim lacks, or a struct or interface literal that mentions
// std types.
func (c *checker) mapType(t types.Type) (types.Type, bool) {
	if !c.mentionsStd(t) {
		return t, true
	}
	switch t := t.(type) {
	case *types.Named:
		if sp := c.shimOf(t.Obj().Pkg()); sp != nil {
			return c.shimType(sp, t.Obj().Name(), t.TypeArgs())
		}
		args, ok := c.mapList(t.TypeArgs())
		if !ok {
			return nil, false
		}
		inst, err := types.Instantiate(nil, t.Origin(), args, false)
		return inst, err == nil
	case *types.Alias:
		if sp := c.shimOf(t.Obj().Pkg()); sp != nil {
			return c.shimType(sp, t.Obj().Name(), t.TypeArgs())
		}
		return c.mapType(types.Unalias(t))
	case *types.Pointer:
		e, ok := c.mapType(t.Elem())
		return types.NewPointer(e), ok
	case *types.Slice:
		e, ok := c.mapType(t.Elem())
		return types.NewSlice(e), ok
	case *types.Array:
		e, ok := c.mapType(t.Elem())
		return types.NewArray(e, t.Len()), ok
	case *types.Map:
		k, ok1 := c.mapType(t.Key())
		e, ok2 := c.mapType(t.Elem())
		return types.NewMap(k, e), ok1 && ok2
	case *types.Chan:
		e, ok := c.mapType(t.Elem())
		return types.NewChan(t.Dir(), e), ok
	case *types.Signature:
		if t.TypeParams().Len() > 0 {
			return nil, false
		}
		params, ok1 := c.mapTuple(t.Params())
		results, ok2 := c.mapTuple(t.Results())
		return types.NewSignatureType(nil, nil, nil, params, results, t.Variadic()), ok1 && ok2
	}
	return nil, false
}

func (c *checker) shimType(shim *types.Package, name string, targs *types.TypeList) (types.Type, bool) {
	if shim == nil {
		return nil, false
	}
	tn, ok := shim.Scope().Lookup(name).(*types.TypeName)
	if !ok {
		return nil, false
	}
	if targs.Len() == 0 {
		return tn.Type(), true
	}
	args, ok := c.mapList(targs)
	if !ok {
		return nil, false
	}
	inst, err := types.Instantiate(nil, tn.Type(), args, false)
	return inst, err == nil
}

func (c *checker) mapList(l *types.TypeList) ([]types.Type, bool) {
	out := make([]types.Type, l.Len())
	for i := range out {
		var ok bool
		if out[i], ok = c.mapType(l.At(i)); !ok {
			return nil, false
		}
	}
	return out, true
}

func (c *checker) mapTuple(t *types.Tuple) (*types.Tuple, bool) {
	vars := make([]*types.Var, t.Len())
	for i := range vars {
		v := t.At(i)
		mt, ok := c.mapType(v.Type())
		if !ok {
			return nil, false
		}
		vars[i] = types.NewParam(v.Pos(), v.Pkg(), v.Name(), mt)
	}
	return types.NewTuple(vars...), true
}
