// This file defines the rewrite of select statements into a switch on the
// index chosen by the simulator, in a one-line shape that keeps labels,
// break and continue meaning what they meant:
//
//	L: select {                      L: switch _s0c0, _s0c1 := mrt.RecvCase(c1), mrt.SendCase(c2, v); mrt.Select(true, _s0c0, _s0c1) {
//	case x, ok := <-c1:              case 0: x, ok := _s0c0.V, _s0c0.OK;
//	case c2 <- v:                    case 1:
//	default:                         default:
//	}                                }
//
// The channel operands and send values are evaluated exactly once, in source
// order, when the multi-assignment runs: Go's rule for entering a select. The
// left-hand sides of a receive case are evaluated only when the case runs,
// also as in Go. The default clause stays "default:" (only -1 reaches it);
// without one, the last case is written "default:" (Select returns only valid
// indices then), so a select whose clauses all end in a terminating statement
// is still a terminating statement after the rewrite. An empty select{}
// becomes "for { mrt.Select(false) }", which is terminating too.

package rewrite

import (
	"go/ast"
	"go/token"
	"go/types"
	"strconv"
)

// SelectSite is a select statement. The Site's Span runs from the select
// keyword to the closing brace.
type SelectSite struct {
	HasDefault bool
	Lbrace     int // offset of the opening brace
	Rbrace     int // offset of the closing brace
	Cases      []SelectCase
}

// SelectCase is one clause of a select, in source order.
type SelectCase struct {
	Default bool
	Send    bool
	Chan    Span   // the channel operand
	Value   Span   // the sent value (Send)
	Assign  bool   // the sent value's type is not the element type: To(c).SendCase(v)
	Lhs     []Span // the receive's left-hand sides, if any
	Define  bool   // the receive declares its left-hand sides (:=)
	OkBool  bool   // the second left-hand side has a boolean type other than bool
	Header  Span   // "case ...:" including the colon
	Body    Span   // after the colon to the next clause
}

func (m *matcher) matchSelect(s *ast.SelectStmt) {
	ss := &SelectSite{Lbrace: m.off(s.Body.Lbrace), Rbrace: m.off(s.Body.Rbrace)}
	for i, st := range s.Body.List {
		cc := st.(*ast.CommClause)
		end := s.Body.Rbrace
		if i+1 < len(s.Body.List) {
			end = s.Body.List[i+1].Pos()
		}
		c := SelectCase{
			Header: Span{m.off(cc.Case), m.off(cc.Colon) + 1},
			Body:   Span{m.off(cc.Colon) + 1, m.off(end)},
		}
		switch comm := cc.Comm.(type) {
		case nil:
			c.Default = true
			ss.HasDefault = true
		case *ast.SendStmt:
			m.skip[comm] = true
			c.Send = true
			c.Chan = m.span(comm.Chan)
			c.Value = m.span(comm.Value)
			c.Assign = m.sendAssigns(comm)
		case *ast.ExprStmt:
			u, _ := isRecv(comm.X)
			m.skip[u] = true
			c.Chan = m.span(u.X)
		case *ast.AssignStmt:
			u, _ := isRecv(comm.Rhs[0])
			m.skip[u] = true
			c.Chan = m.span(u.X)
			c.Define = comm.Tok == token.DEFINE
			for _, l := range comm.Lhs {
				c.Lhs = append(c.Lhs, m.span(l))
			}
			if len(comm.Lhs) == 2 {
				t := m.info.TypeOf(comm.Lhs[1])
				c.OkBool = t != nil && !types.Identical(t, types.Typ[types.Bool])
			}
		}
		ss.Cases = append(ss.Cases, c)
	}
	m.add(&Site{Kind: KindSelect, Span: Span{m.off(s.Select), m.off(s.Body.Rbrace) + 1}, Select: ss})
}

func (r *renderer) renderSelect(st *Site) {
	ss := st.Select
	if len(ss.Cases) == 0 {
		r.synth(st, "for { "+r.rt+".Select(false) }")
		return
	}
	p := r.selPrefix + strconv.Itoa(r.nSel)
	r.nSel++
	var vars []string
	for _, c := range ss.Cases {
		if !c.Default {
			vars = append(vars, p+"c"+strconv.Itoa(len(vars)))
		}
	}
	r.synth(st, "switch ")
	if len(vars) > 0 {
		r.synth(st, joinNames(vars)+" := ")
		k := 0
		for _, c := range ss.Cases {
			if c.Default {
				continue
			}
			if k > 0 {
				r.synth(st, ", ")
			}
			k++
			switch {
			case c.Send && c.Assign:
				r.synth(st, r.rt+".To(")
				r.span(c.Chan)
				r.synth(st, ").SendCase(")
				r.span(c.Value)
			case c.Send:
				r.synth(st, r.rt+".SendCase(")
				r.span(c.Chan)
				r.synth(st, ", ")
				r.span(c.Value)
			default:
				r.synth(st, r.rt+".RecvCase(")
				r.span(c.Chan)
			}
			r.synth(st, ")")
		}
		r.synth(st, "; ")
	}
	args := strconv.FormatBool(ss.HasDefault)
	if len(vars) > 0 {
		args += ", " + joinNames(vars)
	}
	r.synth(st, r.rt+".Select("+args+") {")
	r.span(Span{ss.Lbrace + 1, ss.Cases[0].Header.Start})
	k := 0
	for i, c := range ss.Cases {
		hdr := &Site{Span: Span{c.Header.Start, c.Header.End}}
		switch {
		case c.Default, !ss.HasDefault && i == len(ss.Cases)-1:
			r.synth(hdr, "default:")
		default:
			r.synth(hdr, "case "+strconv.Itoa(k)+":")
		}
		if !c.Default {
			v := vars[k]
			k++
			if len(c.Lhs) > 0 {
				r.synth(hdr, " ")
				for j, l := range c.Lhs {
					if j > 0 {
						r.synth(hdr, ", ")
					}
					r.span(l)
				}
				op := " = "
				if c.Define {
					op = " := "
				}
				rhs := v + ".V"
				if len(c.Lhs) == 2 {
					rhs += ", " + v + ".OK"
					if c.OkBool {
						rhs += " == true" // untyped, as the receive's ok is
					}
				}
				r.synth(hdr, op+rhs+";")
			}
		}
		r.span(c.Body)
	}
	r.synth(&Site{Span: Span{ss.Rbrace, ss.Rbrace + 1}}, "}")
}
