// This file defines the rewrite phase: byte edits over the original source
// text. Each site's replacement is built from fixed text and the rendered
// (already rewritten) text of its parts, so nested constructs compose. Every
// output byte remembers the original offset it came from; synthesized text
// gets the offset of the site it replaces.

package rewrite

import (
	"go/ast"
	"sort"
	"strconv"
)

// noPos marks output bytes that have no place in the original file.
const noPos = -1

// text is output with, for each byte, its original offset (or noPos).
type text struct {
	b    []byte
	orig []int32
}

func (t *text) copy(src []byte, from, to int) {
	t.b = append(t.b, src[from:to]...)
	for i := from; i < to; i++ {
		t.orig = append(t.orig, int32(i))
	}
}

func (t *text) synth(s string, at int) {
	t.b = append(t.b, s...)
	for range len(s) {
		t.orig = append(t.orig, int32(at))
	}
}

// renderer renders one file.
type renderer struct {
	fs    *FileSites
	sites []*Site // sorted by start, then by decreasing end
	out   *text
	rt    string // name of the runtime package in this file
	sim   string // name of the simtest package in this file

	goPrefix, selPrefix, loopPrefix string // fresh prefixes for temporaries
	nGo, nSel, nLoop                int    // counters of go, select and range loop statements
	deferPrefix                     string // fresh prefix for the temporaries of defer statements
	nDefer                          int
	active                          map[*Site]bool
}

// rewriteFile renders the whole file with all its sites applied.
func rewriteFile(fs *FileSites, rt, sim string) *text {
	sites := append([]*Site(nil), fs.Sites...)
	sort.SliceStable(sites, func(i, j int) bool {
		if sites[i].Span.Start != sites[j].Span.Start {
			return sites[i].Span.Start < sites[j].Span.Start
		}
		return sites[i].Span.End > sites[j].Span.End
	})
	r := &renderer{fs: fs, sites: sites, out: &text{}, rt: rt, sim: sim,
		goPrefix: fs.Names.prefix("_g"), selPrefix: fs.Names.prefix("_s"), loopPrefix: fs.Names.prefix("_r"), deferPrefix: fs.Names.prefix("_d"),
		active: map[*Site]bool{}}
	r.span(Span{0, len(fs.Src)})
	return r.out
}

// span writes the rewritten text of s: the original text with every
// outermost site inside s replaced by its rendering.
func (r *renderer) span(s Span) {
	pos := s.Start
	i := sort.Search(len(r.sites), func(i int) bool { return r.sites[i].Span.Start >= s.Start })
	for ; i < len(r.sites); i++ {
		st := r.sites[i]
		if st.Span.Start > s.End {
			break
		}
		if st.Span.Start < pos || st.Span.End > s.End || r.active[st] {
			// Nested in a site already rendered, not inside s, or the site
			// whose part s is (a range expression is both).
			continue
		}
		r.out.copy(r.fs.Src, pos, st.Span.Start)
		r.site(st)
		pos = st.Span.End
	}
	r.out.copy(r.fs.Src, pos, s.End)
}

// synth writes synthesized text attributed to site st.
func (r *renderer) synth(st *Site, s string) { r.out.synth(s, st.Span.Start) }

// site renders one site.
func (r *renderer) site(st *Site) {
	r.active[st] = true
	defer delete(r.active, st)
	switch st.Kind {
	case KindGo:
		r.renderGo(st)
	case KindSend:
		if st.Assign {
			r.renderSend(st)
		} else {
			r.renderCall(st, r.rt+".Send")
		}
	case KindRecv:
		r.renderCall(st, r.rt+".Recv")
	case KindRecv2:
		if len(st.Parts) == 2 {
			r.renderCall(st, r.rt+".Recv2Ok")
		} else {
			r.renderCall(st, r.rt+".Recv2")
		}
	case KindClose:
		r.renderCall(st, r.rt+".Close")
	case KindRangeChan:
		r.renderCall(st, r.rt+".Range")
	case KindRangeMap:
		r.renderCall(st, r.rt+".MapRange")
	case KindMapKey:
		r.renderCall(st, r.rt+".MapKey")
	case KindGosched:
		r.synth(st, r.rt+".Gosched()")
	case KindSelect:
		r.renderSelect(st)
	case KindTestFunc:
		r.renderTestFunc(st)
	case KindTRun:
		r.renderTestingCall(st, r.sim+".RunSub")
	case KindTParallel:
		r.renderTestingCall(st, r.sim+".Parallel")
	case KindTTempDir:
		r.renderTestingCall(st, r.sim+".TempDir")
	case KindImports:
		r.renderImports(st)
	case KindGlobal:
		r.renderGlobal(st)
	case KindRangeLoop:
		r.renderRangeLoop(st)
	case KindRemove:
	case KindDefer:
		r.renderDefer(st)
	case KindGuard:
		r.synth(st, "{ "+r.rt+".Deferred();")
	default:
		panic("rewrite: unknown site kind " + strconv.Itoa(int(st.Kind)))
	}
}

// renderCall writes fn(part0, part1, ...).
func (r *renderer) renderCall(st *Site, fn string) {
	r.synth(st, fn+"(")
	for i, p := range st.Parts {
		if i > 0 {
			r.synth(st, ", ")
		}
		r.span(p)
	}
	r.synth(st, ")")
}

// renderSend writes mrt.To(c).Send(v).
func (r *renderer) renderSend(st *Site) {
	r.synth(st, r.rt+".To(")
	r.span(st.Parts[0])
	r.synth(st, ").Send(")
	r.span(st.Parts[1])
	r.synth(st, ")")
}

// names is the set of identifier names used anywhere in a file. A name not in
// it cannot capture or shadow anything the file refers to.
type names struct {
	used map[string]bool
}

func fileNames(f *ast.File) *names {
	n := &names{used: map[string]bool{}}
	ast.Inspect(f, func(x ast.Node) bool {
		if id, ok := x.(*ast.Ident); ok {
			n.used[id.Name] = true
		}
		return true
	})
	return n
}

// fresh returns base, or base with a number appended, that no identifier of
// the file uses, and reserves it.
func (n *names) fresh(base string) string {
	name := base
	for i := 1; n.used[name]; i++ {
		name = base + strconv.Itoa(i)
	}
	n.used[name] = true
	return name
}

// prefix returns a prefix p (base, or base with underscores added) such that
// no identifier of the file starts with p, so p followed by anything is fresh.
func (n *names) prefix(base string) string {
	p := base
	for {
		clash := false
		for name := range n.used {
			if len(name) >= len(p) && name[:len(p)] == p {
				clash = true
				break
			}
		}
		if !clash {
			return p
		}
		p = "_" + p
	}
}
