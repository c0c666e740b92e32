// This file defines the rewrite of channel operations outside select:
//
//	c <- v              ->  mrt.Send(c, v)
//	c <- v              ->  mrt.To(c).Send(v)   (v's type is not c's element type)
//	<-c                 ->  mrt.Recv(c)
//	v, ok := <-c        ->  v, ok := mrt.Recv2(c)   (also =, and var v, ok = <-c)
//	v, ok = <-c         ->  v, ok = mrt.Recv2Ok(c, ok)   (ok of a named boolean type)
//	close(c)            ->  mrt.Close(c)
//	for v := range c    ->  for v := range mrt.Range(c)
//	runtime.Gosched()   ->  mrt.Gosched()
//
// Channels are recognised by their core type, so named channel types and type
// parameters constrained to channels are covered; close and Gosched by their
// objects, so a local function named close is left alone.

package rewrite

import (
	"go/ast"
	"go/token"
	"go/types"
)

func (m *matcher) matchSend(s *ast.SendStmt) {
	if m.skip[s] {
		return
	}
	m.add(&Site{Kind: KindSend, Span: m.span(s), Parts: []Span{m.span(s.Chan), m.span(s.Value)}, Assign: m.sendAssigns(s)})
}

// sendAssigns reports whether the value of a send is not of the channel's
// element type itself but only assignable to it (a concrete value into a
// channel of interfaces, a bidirectional channel into a channel of
// directional ones, an untyped constant or nil). Send(c, v) would then infer
// its type argument from v too and fail to compile; To(c).Send(v) infers it
// from the channel alone and assigns v as the send statement does, without
// naming the element type (which the file may have no way to spell: a type
// of a package it does not import, or an unexported one).
func (m *matcher) sendAssigns(s *ast.SendStmt) bool {
	ch, ok := coreType(m.info.TypeOf(s.Chan)).(*types.Chan)
	if !ok {
		return true
	}
	v := m.info.TypeOf(s.Value)
	return v == nil || !types.Identical(v, ch.Elem())
}

func (m *matcher) matchRecv(u *ast.UnaryExpr) {
	if u.Op != token.ARROW || m.skip[u] {
		return
	}
	m.add(&Site{Kind: KindRecv, Span: m.span(u), Parts: []Span{m.span(u.X)}})
}

// matchRecv2 handles the right-hand side of a two-value assignment or
// declaration when it is a comma-ok receive. okExpr is the second left-hand
// side of an assignment (nil for a declaration): when it is a variable of a
// boolean type other than bool, Recv2's bool result is not assignable to it
// (the receive's is untyped), and Recv2Ok(c, ok) takes its type from it.
// Reading a variable has no effect, so passing it changes nothing else.
func (m *matcher) matchRecv2(rhs, okExpr ast.Expr) {
	u, ok := isRecv(rhs)
	if !ok || m.skip[u] {
		return
	}
	// go/types records a tuple type for an expression used in comma-ok form.
	if _, ok := m.info.TypeOf(u).(*types.Tuple); !ok {
		return
	}
	m.skip[u] = true
	st := &Site{Kind: KindRecv2, Span: m.span(u), Parts: []Span{m.span(u.X)}}
	if id, isID := okExpr.(*ast.Ident); isID && id.Name != "_" && !types.Identical(m.info.TypeOf(id), types.Typ[types.Bool]) {
		st.Parts = append(st.Parts, m.span(id))
	}
	m.add(st)
}

func (m *matcher) matchClose(call *ast.CallExpr) {
	m.add(&Site{Kind: KindClose, Span: m.span(call), Parts: []Span{m.span(call.Args[0])}})
}

func (m *matcher) matchGosched(call *ast.CallExpr) {
	m.fs.Dropped = append(m.fs.Dropped, m.span(call.Fun))
	m.add(&Site{Kind: KindGosched, Span: m.span(call)})
}

// matchRange handles range statements over channels and maps.
func (m *matcher) matchRange(rs *ast.RangeStmt) {
	t := m.info.TypeOf(rs.X)
	if t == nil {
		return
	}
	switch coreType(t).(type) {
	case *types.Chan:
		if m.noRangeFunc {
			m.matchRangeLoop(rs, false)
			return
		}
		m.add(&Site{Kind: KindRangeChan, Span: m.span(rs.X), Parts: []Span{m.span(rs.X)}})
	case *types.Map:
		if m.noRangeFunc {
			m.matchRangeLoop(rs, true)
			return
		}
		m.matchMapRange(rs)
	}
}
