// This file defines deterministic map iteration for rewritten code. Go's own
// order comes from the runtime's random source; under simulation a range over
// a map visits its keys in an order drawn from the world's "maps" stream:
// keys are put in a canonical order, then shuffled with one seeded draw,
// which is recorded in the trace (a map.range event carrying the map's
// length and the draw), so a divergence is named at the range itself.
//
// The canonical order depends only on the seed and the program's history,
// never on an address:
//   - basic kinds, strings, and arrays and structs of them: by value (floats
//     by their bits);
//   - interfaces: nil first, then by dynamic type (its name, then the order
//     in which the world first saw the type as part of a map key), then by
//     value;
//   - pointers, channels and unsafe.Pointers (also inside interfaces,
//     arrays and structs): by identity number. A world numbers each
//     identity the first time rewritten code writes it as a map key
//     (MapKey: m[k] = v, m[k] op= v, m[k]++, map literals, sync.Map
//     stores). Writes happen in the world's deterministic program order, so
//     the numbers do too. An identity a range meets unnumbered (a key
//     inserted by code that is not rewritten, or through reflect) is
//     numbered then, after the numbered ones; several such keys of one range
//     can only be told apart by address, which is the one case still
//     ordered by address (docs/rewriting.md, the determinism contract).
//
// Go's semantics are kept: an entry deleted before it is reached is not
// produced; entries added during the loop are not produced (the
// specification allows either); entries whose key is not equal to itself (a
// NaN, or a struct or interface holding one) are produced with the value
// they had when the range began, unless the map holds no such key any more
// when they are reached (clear(m) is the only way to delete them).

package runtime

import (
	"cmp"
	"fmt"
	"iter"
	"math"
	"math/bits"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unsafe"
)

// MapRange is for k, v := range m.
func MapRange[M ~map[K]V, K comparable, V any](m M) iter.Seq2[K, V] {
	return func(yield func(K, V) bool) {
		w, gid := mapWorld()
		if w == nil {
			for k, v := range m {
				if !yield(k, v) {
					return
				}
			}
			return
		}
		r := newSimRange(w, gid, m)
		for {
			k, v, ok := r.next(m)
			if !ok || !yield(k, v) {
				return
			}
		}
	}
}

// simRange is one range over a map in a world: its entries in the order
// drawn from the maps stream, produced one at a time so that deletions
// during the loop are seen.
type simRange[K comparable, V any] struct {
	keys []K
	odd  []mapEntry[K, V] // entries whose key is not equal to itself
	perm []int            // the order of keys then odd, by index; nil: keys in order, no odd entries
	i    int
}

// newSimRange snapshots m's keys, puts them in canonical order and, when
// there is a choice to make, shuffles them with one draw from the maps
// stream, recorded as a map.range event of goroutine gid.
func newSimRange[K comparable, V any](w *World, gid int64, m map[K]V) *simRange[K, V] {
	r := &simRange[K, V]{keys: make([]K, 0, len(m))}
	for k, v := range m {
		if k != k {
			r.odd = append(r.odd, mapEntry[K, V]{k, v})
			continue
		}
		r.keys = append(r.keys, k)
	}
	n := len(r.keys) + len(r.odd)
	if n < 2 {
		// No choice to make: no draw, no event.
		if len(r.odd) > 0 {
			r.perm = []int{0}
		}
		return r
	}
	mo := w.mapOrder()
	sortKeys(mo, r.keys)
	if len(r.odd) > 0 {
		odd := r.odd
		ki, vi := hasIdentity(reflect.TypeFor[K]()), hasIdentity(reflect.TypeFor[V]())
		for i := range odd {
			if ki {
				mo.collect(reflect.ValueOf(&odd[i].k).Elem())
			}
			if vi {
				mo.collect(reflect.ValueOf(&odd[i].v).Elem())
			}
		}
		mo.number()
		slices.SortStableFunc(odd, func(a, b mapEntry[K, V]) int {
			if c := mo.compare(reflect.ValueOf(&a.k).Elem(), reflect.ValueOf(&b.k).Elem()); c != 0 {
				return c
			}
			return mo.compare(reflect.ValueOf(&a.v).Elem(), reflect.ValueOf(&b.v).Elem())
		})
	}
	// One draw per range: the permutation comes from it alone.
	draw := w.Rand(StreamMaps).Uint64()
	w.record(evMapRange, gid, int64(n), strconv.FormatUint(draw, 16))
	if len(r.odd) == 0 {
		// The common case: shuffle the keys in place (the same
		// permutation as permutation's, without the index slice).
		pr := rand.NewPCG(draw, permSeq)
		for i := n - 1; i > 0; i-- {
			j := boundedDraw(pr, uint64(i+1))
			r.keys[i], r.keys[j] = r.keys[j], r.keys[i]
		}
		return r
	}
	r.perm = permutation(n, draw)
	return r
}

// next returns the next entry still in m, or ok = false at the end.
func (r *simRange[K, V]) next(m map[K]V) (k K, v V, ok bool) {
	for {
		var i int
		if r.perm == nil {
			if r.i >= len(r.keys) {
				return k, v, false
			}
			i = r.i
		} else {
			if r.i >= len(r.perm) {
				return k, v, false
			}
			i = r.perm[r.i]
		}
		r.i++
		if i < len(r.keys) {
			k := r.keys[i]
			if v, ok := m[k]; ok {
				return k, v, true
			}
			continue // deleted during the loop
		}
		if e := r.odd[i-len(r.keys)]; hasOddKey(m) {
			return e.k, e.v, true
		}
		// cleared during the loop
	}
}

// MapIter is a range over a map for files compiled at a language version
// without range-over-func (before go1.23), where MapRange cannot be used:
//
//	for k, v := range m  ->  for it, k, v, ok := MapLoop(m); ok; ok = it.Next(&k, &v) {
//
// The loop variables are the user's own, declared by the for statement, so
// they are per loop or per iteration exactly as the file's language version
// says. The order, and the draws from the maps stream, are MapRange's.
type MapIter[K comparable, V any] struct {
	m    map[K]V
	sim  *simRange[K, V] // in a world
	keys []K             // outside a world: the native range's entries
	vals []V
	i    int
}

// MapLoop starts the loop: it returns the iterator and the first entry, if
// any (ok false when there is none).
func MapLoop[M ~map[K]V, K comparable, V any](m M) (it *MapIter[K, V], k K, v V, ok bool) {
	it = &MapIter[K, V]{m: m}
	if w, gid := mapWorld(); w != nil {
		it.sim = newSimRange(w, gid, it.m)
	} else {
		for k, v := range m {
			it.keys = append(it.keys, k)
			it.vals = append(it.vals, v)
		}
	}
	ok = it.Next(&k, &v)
	return it, k, v, ok
}

// Next stores the next entry in *k and *v (either may be nil) and reports
// whether there was one. An entry deleted before it is reached is skipped;
// at the end nothing is stored.
func (it *MapIter[K, V]) Next(k *K, v *V) bool {
	var key K
	var val V
	if it.sim != nil {
		var ok bool
		if key, val, ok = it.sim.next(it.m); !ok {
			return false
		}
	} else {
		for {
			if it.i >= len(it.keys) {
				return false
			}
			var ok bool
			key = it.keys[it.i]
			val, ok = it.m[key]
			if key != key {
				val, ok = it.vals[it.i], true // a NaN key: never found by lookup
			}
			it.i++
			if ok {
				break
			}
			// deleted during the loop
		}
	}
	if k != nil {
		*k = key
	}
	if v != nil {
		*v = val
	}
	return true
}

type mapEntry[K comparable, V any] struct {
	k K
	v V
}

func hasOddKey[M ~map[K]V, K comparable, V any](m M) bool {
	for k := range m {
		if k != k {
			return true
		}
	}
	return false
}

// permSeq is the second PCG word of the generator a range's draw seeds.
const permSeq = 0x6d61702e72616e67 // "map.rang"

// permutation returns a uniformly shuffled 0..n-1 (Fisher-Yates) driven by a
// PCG generator seeded with draw.
func permutation(n int, draw uint64) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	r := rand.NewPCG(draw, permSeq)
	for i := n - 1; i > 0; i-- {
		j := boundedDraw(r, uint64(i+1))
		p[i], p[j] = p[j], p[i]
	}
	return p
}

// boundedDraw returns a uniform number in [0, n) (Lemire's method).
func boundedDraw(r *rand.PCG, n uint64) int {
	hi, lo := bits.Mul64(r.Uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(r.Uint64(), n)
		}
	}
	return int(hi)
}

// MapKey is called by rewritten code on the key of every map write whose key
// type can hold a pointer, a channel or an interface (m[k] = v, m[k] op= v,
// m[k]++, map literals; the sync shim's Map stores): it gives every identity
// in k (pointers, channels, dynamic types of interfaces) its number in the
// world, if it has none yet, so that ranges order such keys by when the
// program first stored them, not by address. It returns k.
func MapKey[K comparable](k K) K {
	if !hasIdentity(reflect.TypeFor[K]()) {
		return k
	}
	// Lookup, not Current: a map write is no reason to report a foreign
	// goroutine, and event callbacks (the world's driver) write in program
	// order too.
	g := Lookup()
	if g == nil || g.w == nil {
		return k
	}
	g.w.mapOrder().note(reflect.ValueOf(&k).Elem())
	return k
}

// mapWorld returns the world a range runs in and the goroutine to record:
// the running simulated goroutine, or the world's driver (0) for an event
// callback; nil outside any world.
func mapWorld() (*World, int64) {
	if g := Current(); g != nil {
		return g.w, g.id
	}
	if d := Lookup(); d != nil && d.driver {
		return d.w, 0
	}
	return nil, 0
}

// identityTypes caches hasIdentity per type.
var identityTypes sync.Map // reflect.Type -> bool

// hasIdentity reports whether values of t can hold pointers, channels or
// interfaces: values whose order cannot be derived from the bits alone.
func hasIdentity(t reflect.Type) bool {
	if v, ok := identityTypes.Load(t); ok {
		return v.(bool)
	}
	var r bool
	switch t.Kind() {
	case reflect.Pointer, reflect.Chan, reflect.UnsafePointer, reflect.Interface:
		r = true
	case reflect.Array:
		r = t.Len() > 0 && hasIdentity(t.Elem())
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			if hasIdentity(t.Field(i).Type) {
				r = true
				break
			}
		}
	}
	identityTypes.Store(t, r)
	return r
}

// mapOrder holds a world's identity numbers for map ordering.
type mapOrder struct {
	ids   map[unsafe.Pointer]int64 // pointers and channels; holds them alive for the run
	types map[reflect.Type]int64   // dynamic types of interface keys
	n     int64
	// unnumbered collects identities met by a range before any write
	// numbered them (see number).
	unnumbered []unsafe.Pointer
	newTypes   []reflect.Type
}

func (w *World) mapOrder() *mapOrder {
	if w.maps == nil {
		w.maps = &mapOrder{ids: map[unsafe.Pointer]int64{}, types: map[reflect.Type]int64{}}
	}
	return w.maps
}

// note numbers every identity in v not numbered yet, in the value's field
// order.
func (o *mapOrder) note(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Chan, reflect.UnsafePointer:
		if p := v.UnsafePointer(); p != nil {
			if _, ok := o.ids[p]; !ok {
				o.n++
				o.ids[p] = o.n
			}
		}
	case reflect.Interface:
		if v.IsNil() {
			return
		}
		e := v.Elem()
		if _, ok := o.types[e.Type()]; !ok {
			o.n++
			o.types[e.Type()] = o.n
		}
		if hasIdentity(e.Type()) {
			o.note(e)
		}
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			o.note(v.Index(i))
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			o.note(v.Field(i))
		}
	}
}

// collect gathers the identities of v that have no number yet.
func (o *mapOrder) collect(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Chan, reflect.UnsafePointer:
		if p := v.UnsafePointer(); p != nil {
			if _, ok := o.ids[p]; !ok {
				o.ids[p] = 0 // reserved; numbered by number
				o.unnumbered = append(o.unnumbered, p)
			}
		}
	case reflect.Interface:
		if v.IsNil() {
			return
		}
		e := v.Elem()
		if _, ok := o.types[e.Type()]; !ok {
			o.types[e.Type()] = 0
			o.newTypes = append(o.newTypes, e.Type())
		}
		if hasIdentity(e.Type()) {
			o.collect(e)
		}
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			o.collect(v.Index(i))
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			o.collect(v.Field(i))
		}
	}
}

// number gives the identities collected by a range their numbers, after all
// numbered ones. Nothing in the program's history tells them apart, so
// types go by name and pointers by address: the one address-dependent case.
func (o *mapOrder) number() {
	slices.SortFunc(o.newTypes, func(a, b reflect.Type) int { return strings.Compare(typeKey(a), typeKey(b)) })
	for _, t := range o.newTypes {
		o.n++
		o.types[t] = o.n
	}
	slices.SortFunc(o.unnumbered, func(a, b unsafe.Pointer) int { return cmp.Compare(uintptr(a), uintptr(b)) })
	for _, p := range o.unnumbered {
		o.n++
		o.ids[p] = o.n
	}
	o.newTypes, o.unnumbered = o.newTypes[:0], o.unnumbered[:0]
}

func sortKeys[K comparable](o *mapOrder, keys []K) {
	switch ks := any(keys).(type) {
	case []string:
		slices.Sort(ks)
		return
	case []int:
		slices.Sort(ks)
		return
	case []int64:
		slices.Sort(ks)
		return
	case []int32:
		slices.Sort(ks)
		return
	case []uint64:
		slices.Sort(ks)
		return
	case []uint32:
		slices.Sort(ks)
		return
	case []uint:
		slices.Sort(ks)
		return
	}
	t := reflect.TypeFor[K]()
	if hasIdentity(t) {
		for i := range keys {
			o.collect(reflect.ValueOf(&keys[i]).Elem())
		}
		o.number()
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Chan, reflect.UnsafePointer:
		// The common identity keys (map[*conn]T): one lookup per key.
		ids := make([]int64, len(keys))
		idx := make([]int, len(keys))
		for i := range keys {
			idx[i] = i
			ids[i] = o.ids[reflect.ValueOf(&keys[i]).Elem().UnsafePointer()]
		}
		slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(ids[a], ids[b]) })
		sorted := make([]K, len(keys))
		for i, j := range idx {
			sorted[i] = keys[j]
		}
		copy(keys, sorted)
		return
	}
	slices.SortFunc(keys, func(a, b K) int {
		return o.compare(reflect.ValueOf(&a).Elem(), reflect.ValueOf(&b).Elem())
	})
}

// compare is a total order on comparable values of one type (and a
// deterministic, if partial, one on the values of odd entries).
func (o *mapOrder) compare(a, b reflect.Value) int {
	switch a.Kind() {
	case reflect.Bool:
		return cmp.Compare(b2i(a.Bool()), b2i(b.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return cmp.Compare(a.Int(), b.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return cmp.Compare(a.Uint(), b.Uint())
	case reflect.Float32, reflect.Float64:
		return cmp.Compare(math.Float64bits(a.Float()), math.Float64bits(b.Float()))
	case reflect.Complex64, reflect.Complex128:
		ca, cb := a.Complex(), b.Complex()
		if c := cmp.Compare(math.Float64bits(real(ca)), math.Float64bits(real(cb))); c != 0 {
			return c
		}
		return cmp.Compare(math.Float64bits(imag(ca)), math.Float64bits(imag(cb)))
	case reflect.String:
		return strings.Compare(a.String(), b.String())
	case reflect.Array, reflect.Slice:
		if c := cmp.Compare(a.Len(), b.Len()); c != 0 {
			return c
		}
		for i := 0; i < a.Len(); i++ {
			if c := o.compare(a.Index(i), b.Index(i)); c != 0 {
				return c
			}
		}
		return 0
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if c := o.compare(a.Field(i), b.Field(i)); c != 0 {
				return c
			}
		}
		return 0
	case reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return cmp.Compare(b2i(!a.IsNil()), b2i(!b.IsNil()))
		}
		ea, eb := a.Elem(), b.Elem()
		if ta, tb := ea.Type(), eb.Type(); ta != tb {
			if c := strings.Compare(typeKey(ta), typeKey(tb)); c != 0 {
				return c
			}
			// Two types of one name (types local to different functions):
			// by when the world first saw them.
			return cmp.Compare(o.types[ta], o.types[tb])
		}
		return o.compare(ea, eb)
	case reflect.Pointer, reflect.Chan, reflect.UnsafePointer:
		if a.IsNil() || b.IsNil() {
			return cmp.Compare(b2i(!a.IsNil()), b2i(!b.IsNil()))
		}
		return cmp.Compare(o.ids[a.UnsafePointer()], o.ids[b.UnsafePointer()])
	}
	return 0 // maps, funcs: values of odd entries only; no order
}

func typeKey(t reflect.Type) string { return t.PkgPath() + "." + t.String() + fmt.Sprint(t.Kind()) }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
