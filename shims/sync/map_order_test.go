package sync_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/marionette-dst/marionette/runtime"
	"github.com/marionette-dst/marionette/shims/sync"
)

type mapItem struct {
	n   int
	pad [16]byte
}

// Pointer keys of a Map are ranged in an order that depends on the seed and
// on the order of the stores, not on addresses (defect 4): the two runs
// store the same sequence of keys, whose addresses are in opposite orders.
func TestMapRangePointerKeys(t *testing.T) {
	const n = 12
	order := func(seed uint64, reverse bool) string {
		var out []string
		r := simRun(seed, runtime.Smoke, func() {
			slab := make([]mapItem, n)
			var m sync.Map
			for i := 0; i < n; i++ {
				j := i
				if reverse {
					j = n - 1 - i
				}
				slab[j].n = i
				m.Store(&slab[j], i)
			}
			m.Range(func(k, v any) bool {
				out = append(out, fmt.Sprint(v))
				return true
			})
		})
		if r.Failure != nil {
			t.Fatal(r.Failure.Report())
		}
		return strings.Join(out, ",")
	}
	for seed := uint64(1); seed <= 4; seed++ {
		if a, b := order(seed, false), order(seed, true); a != b {
			t.Fatalf("seed %d: the order depends on addresses:\n%s\n%s", seed, a, b)
		}
	}
}
