// This file defines the rewrite of map iteration, whose order the simulator
// chooses from its seed:
//
//	for k, v := range m  ->  for k, v := range mrt.MapRange(m)
//
// and likewise for "for k := range m" and "for range m" (ranging over an
// iter.Seq2 with fewer variables is allowed). Maps are recognised by core
// type, so named map types and type parameters constrained to maps are
// covered.

package rewrite

import "go/ast"

func (m *matcher) matchMapRange(rs *ast.RangeStmt) {
	m.add(&Site{Kind: KindRangeMap, Span: m.span(rs.X), Parts: []Span{m.span(rs.X)}})
}
