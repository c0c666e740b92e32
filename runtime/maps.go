// This file defines deterministic map iteration for rewritten code. Go's own
// order comes from the runtime's random source; under simulation a range over
// a map visits its keys in an order drawn from the world's "maps" stream:
// keys are put in a canonical order (by value for basic kinds, strings,
// arrays and structs of them; by dynamic type then value for interfaces),
// then shuffled with the seeded stream. Go's semantics are kept: an entry
// deleted before it is reached is not produced; entries added during the loop
// are not produced (the specification allows either). Keys that are pointers
// or channels, or contain them, are ordered by address, which is not stable
// across runs: the determinism contract excludes them (docs/rewriting.md).

package runtime

import (
	"cmp"
	"fmt"
	"iter"
	"math"
	"reflect"
	"slices"
	"strings"
)

// MapRange is for k, v := range m.
func MapRange[M ~map[K]V, K comparable, V any](m M) iter.Seq2[K, V] {
	return func(yield func(K, V) bool) {
		g := Current()
		if g == nil {
			for k, v := range m {
				if !yield(k, v) {
					return
				}
			}
			return
		}
		for _, k := range simKeys(g, m) {
			v, ok := m[k]
			if !ok {
				continue // deleted during the loop
			}
			if !yield(k, v) {
				return
			}
		}
	}
}

// simKeys returns the keys of m in the order the world's maps stream draws.
func simKeys[K comparable, V any](g *G, m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sortKeys(keys)
	r := g.w.Rand(StreamMaps)
	for i := len(keys) - 1; i > 0; i-- {
		j := r.IntN(i + 1)
		keys[i], keys[j] = keys[j], keys[i]
	}
	return keys
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
	keys []K
	vals []V // outside a world: the values the native range produced
	i    int
}

// MapLoop starts the loop: it returns the iterator and the first entry, if
// any (ok false when there is none).
func MapLoop[M ~map[K]V, K comparable, V any](m M) (it *MapIter[K, V], k K, v V, ok bool) {
	it = &MapIter[K, V]{m: m}
	if g := Current(); g != nil {
		it.keys = simKeys(g, it.m)
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
	for it.i < len(it.keys) {
		key := it.keys[it.i]
		val, ok := it.m[key]
		if it.vals != nil && key != key {
			val, ok = it.vals[it.i], true // a NaN key: never found by lookup
		}
		it.i++
		if !ok {
			continue // deleted during the loop
		}
		if k != nil {
			*k = key
		}
		if v != nil {
			*v = val
		}
		return true
	}
	return false
}

func sortKeys[K comparable](keys []K) {
	switch ks := any(keys).(type) {
	case []string:
		slices.Sort(ks)
	case []int:
		slices.Sort(ks)
	case []int64:
		slices.Sort(ks)
	case []int32:
		slices.Sort(ks)
	case []uint64:
		slices.Sort(ks)
	case []uint32:
		slices.Sort(ks)
	case []uint:
		slices.Sort(ks)
	default:
		slices.SortFunc(keys, func(a, b K) int {
			return compareValues(reflect.ValueOf(&a).Elem(), reflect.ValueOf(&b).Elem())
		})
	}
}

// compareValues is a total order on comparable values of one type.
func compareValues(a, b reflect.Value) int {
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
	case reflect.Array:
		for i := 0; i < a.Len(); i++ {
			if c := compareValues(a.Index(i), b.Index(i)); c != 0 {
				return c
			}
		}
		return 0
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if c := compareValues(a.Field(i), b.Field(i)); c != 0 {
				return c
			}
		}
		return 0
	case reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return cmp.Compare(b2i(!a.IsNil()), b2i(!b.IsNil()))
		}
		ea, eb := a.Elem(), b.Elem()
		if ea.Type() != eb.Type() {
			return strings.Compare(typeKey(ea.Type()), typeKey(eb.Type()))
		}
		return compareValues(ea, eb)
	case reflect.Pointer, reflect.Chan, reflect.UnsafePointer:
		return cmp.Compare(a.Pointer(), b.Pointer())
	}
	return 0
}

func typeKey(t reflect.Type) string { return t.PkgPath() + "." + t.String() + fmt.Sprint(t.Kind()) }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
