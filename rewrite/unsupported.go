// This file defines the diagnostics for constructs the simulator cannot
// control. Each use is reported as
//
//	file:line:col: mgen: <what> is not supported under simulation (<why>)
//
// and fails generation unless -allow-unsupported is given, in which case the
// construct is left native and listed as a warning.

package rewrite

import (
	"go/ast"
	"go/types"
	"strings"
)

func unsupportedMsg(what, why string) string {
	return what + " is not supported under simulation (" + why + ")"
}

// matchDirectives reports //go:linkname directives.
func (m *matcher) matchDirectives() {
	for _, cg := range m.file.Comments {
		for _, c := range cg.List {
			if strings.HasPrefix(c.Text, "//go:linkname ") {
				m.diag(c.Pos(), unsupportedMsg("//go:linkname", "it binds to symbols whose behaviour the simulator cannot intercept"))
			}
		}
	}
}

// matchImportSpec reports cgo.
func (m *matcher) matchImportSpec(s *ast.ImportSpec) {
	if importPath(s) == "C" {
		m.diag(s.Pos(), unsupportedMsg(`cgo (import "C")`, "C code runs outside the simulator's scheduler"))
	}
}

// reflectChan lists the reflect functions and methods that operate on
// channels behind the simulator's back.
var reflectChan = map[string]bool{
	"Select":        true,
	"MakeChan":      true,
	"Value.Send":    true,
	"Value.Recv":    true,
	"Value.TrySend": true,
	"Value.TryRecv": true,
	"Value.Close":   true,
}

func (m *matcher) matchReflect(call *ast.CallExpr, fn *types.Func) {
	name := fn.Name()
	if sig := fn.Type().(*types.Signature); sig.Recv() != nil {
		rt := sig.Recv().Type()
		if p, ok := rt.(*types.Pointer); ok {
			rt = p.Elem()
		}
		n, ok := rt.(*types.Named)
		if !ok {
			return
		}
		name = n.Obj().Name() + "." + name
	}
	if reflectChan[name] {
		m.diag(call.Pos(), unsupportedMsg("reflect."+name, "channel operations through reflect bypass the simulated scheduler"))
	}
}

// matchConversion reports unsafe.Pointer conversions of pointers to
// channels, in either direction. It reports whether call is a conversion.
func (m *matcher) matchConversion(call *ast.CallExpr) bool {
	tv, ok := m.info.Types[call.Fun]
	if !ok || !tv.IsType() {
		return false
	}
	if len(call.Args) != 1 {
		return true
	}
	to, from := tv.Type, m.info.TypeOf(call.Args[0])
	if (isUnsafePointer(to) && isChanPtr(from)) || (isUnsafePointer(from) && isChanPtr(to)) {
		m.diag(call.Pos(), unsupportedMsg("unsafe.Pointer conversion of a channel", "channel operations through raw memory bypass the simulated scheduler"))
	}
	return true
}

func isUnsafePointer(t types.Type) bool {
	b, ok := t.(*types.Basic)
	return ok && b.Kind() == types.UnsafePointer
}

func isChanPtr(t types.Type) bool {
	if t == nil {
		return false
	}
	p, ok := t.Underlying().(*types.Pointer)
	if !ok {
		return false
	}
	_, ok = coreType(p.Elem()).(*types.Chan)
	return ok
}
