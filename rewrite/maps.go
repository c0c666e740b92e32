// This file defines the rewrite of map iteration, whose order the simulator
// chooses from its seed:
//
//	for k, v := range m  ->  for k, v := range mrt.MapRange(m)
//
// and likewise for "for k := range m" and "for range m" (ranging over an
// iter.Seq2 with fewer variables is allowed). Maps are recognised by core
// type, so named map types and type parameters constrained to maps are
// covered.
//
// A range orders keys that hold pointers, channels or interfaces by when the
// program first stored them (never by address), so the keys of map writes
// whose type can hold them are passed through mrt.MapKey, which numbers them:
//
//	m[k] = v         ->  m[mrt.MapKey(k)] = v      (also op=, ++, --)
//	map[K]V{k: v}    ->  map[K]V{mrt.MapKey(k): v}
//
// Constant and nil keys hold no identity and are left alone, as are keys
// written as composite literals with their type elided (they cannot be a
// call's argument).

package rewrite

import (
	"go/ast"
	"go/types"
)

func (m *matcher) matchMapRange(rs *ast.RangeStmt) {
	m.add(&Site{Kind: KindRangeMap, Span: m.span(rs.X), Parts: []Span{m.span(rs.X)}})
}

// matchMapWrite handles an assignment target (or the operand of ++ and --):
// if it is a map index expression, its key is numbered.
func (m *matcher) matchMapWrite(lhs ast.Expr) {
	ix, ok := unparen(lhs).(*ast.IndexExpr)
	if !ok {
		return
	}
	t := m.info.TypeOf(ix.X)
	if t == nil {
		return
	}
	if _, ok := coreType(t).(*types.Map); !ok {
		return
	}
	m.matchMapKey(ix.Index)
}

// matchMapLit handles the keys of a map composite literal.
func (m *matcher) matchMapLit(cl *ast.CompositeLit) {
	t := m.info.TypeOf(cl)
	if t == nil {
		return
	}
	if _, ok := coreType(t).(*types.Map); !ok {
		return
	}
	for _, e := range cl.Elts {
		if kv, ok := e.(*ast.KeyValueExpr); ok {
			m.matchMapKey(kv.Key)
		}
	}
}

func (m *matcher) matchMapKey(k ast.Expr) {
	tv, ok := m.info.Types[k]
	if !ok || tv.Value != nil || tv.IsNil() || tv.Type == nil || !mayHoldIdentity(tv.Type, nil) {
		return
	}
	if cl, ok := unparen(k).(*ast.CompositeLit); ok && cl.Type == nil {
		return
	}
	m.add(&Site{Kind: KindMapKey, Span: m.span(k), Parts: []Span{m.span(k)}})
}

// mayHoldIdentity reports whether values of t can hold a pointer, a channel
// or an interface (type parameters may).
func mayHoldIdentity(t types.Type, seen map[types.Type]bool) bool {
	if _, ok := t.(*types.TypeParam); ok {
		return true
	}
	switch u := t.Underlying().(type) {
	case *types.Pointer, *types.Chan, *types.Interface:
		return true
	case *types.Basic:
		return u.Kind() == types.UnsafePointer
	case *types.Array:
		return mayHoldIdentity(u.Elem(), seen)
	case *types.Struct:
		if seen[t] {
			return false
		}
		if seen == nil {
			seen = map[types.Type]bool{}
		}
		seen[t] = true
		for i := 0; i < u.NumFields(); i++ {
			if mayHoldIdentity(u.Field(i).Type(), seen) {
				return true
			}
		}
	}
	return false
}
