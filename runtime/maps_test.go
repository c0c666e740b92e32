package runtime

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

type mapNode struct {
	id  int
	pad [24]byte
}

// rangeOrder runs one world of seed and returns the order in which a range
// visits the keys of m, built by fill inside the world.
func rangeOrder[K comparable](t *testing.T, seed uint64, fill func() map[K]int) string {
	t.Helper()
	var out []string
	r := NewWorld(opts(seed)).Run(func() {
		m := fill()
		for _, v := range MapRange(m) {
			out = append(out, fmt.Sprint(v))
		}
	})
	if r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
	return strings.Join(out, ",")
}

// TestMapRangePointerKeysIgnoreAddresses: defect 4. The keys are written in
// the same program order in both runs, but their addresses are in opposite
// orders (the objects come from one array, taken from either end), as two
// processes with different heap layouts would give. The order of a range
// must depend only on the seed and the program's history.
func TestMapRangePointerKeysIgnoreAddresses(t *testing.T) {
	const n = 16
	fill := func(reverse bool) func() map[*mapNode]int {
		return func() map[*mapNode]int {
			slab := make([]mapNode, n)
			m := map[*mapNode]int{}
			for i := 0; i < n; i++ {
				j := i
				if reverse {
					j = n - 1 - i
				}
				p := &slab[j]
				p.id = i
				m[MapKey(p)] = i
			}
			return m
		}
	}
	for seed := uint64(1); seed <= 5; seed++ {
		a, b := rangeOrder(t, seed, fill(false)), rangeOrder(t, seed, fill(true))
		if a != b {
			t.Fatalf("seed %d: the order depends on addresses:\n%s\n%s", seed, a, b)
		}
	}
	if rangeOrder(t, 1, fill(false)) == rangeOrder(t, 2, fill(false)) && rangeOrder(t, 2, fill(false)) == rangeOrder(t, 3, fill(false)) {
		t.Fatal("the order does not depend on the seed")
	}
}

// Channels, pointers inside structs and interfaces, and interface keys of
// mixed dynamic types (two of them of one name: types local to different
// functions) are ordered without addresses too.
func TestMapRangeIdentityKeysIgnoreAddresses(t *testing.T) {
	type pair struct {
		p *mapNode
		k int
	}
	localA := func() any {
		type T struct{ x int }
		return T{1}
	}
	localB := func() any {
		type T struct{ s string }
		return T{"x"}
	}
	const n = 8
	for seed := uint64(1); seed <= 4; seed++ {
		orders := map[string]bool{}
		for _, reverse := range []bool{false, true} {
			var out []string
			r := NewWorld(opts(seed)).Run(func() {
				slab := make([]mapNode, n)
				chans := make([]chan int, n)
				at := func(i int) int {
					if reverse {
						return n - 1 - i
					}
					return i
				}
				if reverse {
					for i := n - 1; i >= 0; i-- {
						chans[i] = make(chan int)
					}
				} else {
					for i := range chans {
						chans[i] = make(chan int)
					}
				}
				cm := map[chan int]int{}
				sm := map[pair]int{}
				im := map[any]int{}
				for i := 0; i < n; i++ {
					cm[MapKey(chans[at(i)])] = i
					sm[MapKey(pair{&slab[at(i)], i % 2})] = i
					im[MapKey(any(&slab[at(i)]))] = i
				}
				im[MapKey(localA())] = 100
				im[MapKey(localB())] = 101
				im[MapKey(any(3))] = 102
				im[MapKey(any("s"))] = 103
				im[MapKey(any(nil))] = 104
				for _, v := range MapRange(cm) {
					out = append(out, fmt.Sprint("c", v))
				}
				for _, v := range MapRange(sm) {
					out = append(out, fmt.Sprint("s", v))
				}
				for _, v := range MapRange(im) {
					out = append(out, fmt.Sprint("i", v))
				}
			})
			if r.Failure != nil {
				t.Fatal(r.Failure.Report())
			}
			orders[strings.Join(out, ",")] = true
		}
		if len(orders) != 1 {
			t.Fatalf("seed %d: the order depends on addresses: %v", seed, orders)
		}
	}
}

// Keys not equal to themselves (NaN) are produced, like Go's range does, in
// an order that does not depend on Go's own iteration order.
func TestMapRangeNaNKeys(t *testing.T) {
	nan := math.NaN()
	fill := func() map[float64]int {
		m := map[float64]int{1: 1, 2: 2}
		for i := 10; i < 15; i++ {
			m[nan] = i
		}
		return m
	}
	a := rangeOrder(t, 1, fill)
	if got := strings.Count(a, ",") + 1; got != 7 {
		t.Fatalf("range produced %d entries, want 7: %s", got, a)
	}
	for i := 0; i < 10; i++ {
		if b := rangeOrder(t, 1, fill); b != a {
			t.Fatalf("NaN entries in different orders under one seed:\n%s\n%s", a, b)
		}
	}
	// clear removes them: entries not reached yet are not produced.
	var n int
	NewWorld(opts(1)).Run(func() {
		m := fill()
		for range MapRange(m) {
			n++
			clear(m)
		}
	})
	if n != 1 {
		t.Fatalf("range over a cleared map produced %d entries, want 1", n)
	}
}

// TestMapRangeDivergenceNamed: defect 5. The program's second run ranges
// over one extra map (a draw, and nothing else visible); every later range
// draws differently. The determinism check must name the range itself.
func TestMapRangeDivergenceNamed(t *testing.T) {
	runs := 0
	err := CheckDeterminism(opts(3), func() {
		runs++
		if runs == 2 {
			for range MapRange(map[int]bool{1: true, 2: true}) {
			}
		}
		m := map[int]bool{}
		for i := 1; i <= 8; i++ {
			m[i] = true
		}
		for k := range MapRange(m) {
			Current().Sleep(time.Duration(k) * time.Millisecond)
		}
	})
	if err == nil {
		t.Fatal("divergence not reported")
	}
	if !strings.Contains(err.Error(), "run 2: #") || !strings.Contains(err.Error(), "map.range") {
		t.Fatalf("divergence not named at the range:\n%v", err)
	}
	t.Log(err)
}
