package runtime

import (
	"fmt"
	"math"
	"slices"
	"testing"
)

// TestMapLoopIsMapRange checks that the iterator form of a map range (files
// older than go1.23) visits the same keys in the same order as MapRange,
// with the same draws (same trace hash), skips entries deleted before they
// are reached, and leaves the variables alone at the end.
func TestMapLoopIsMapRange(t *testing.T) {
	m := map[string]int{}
	for i := range 20 {
		m[fmt.Sprint("k", i)] = i
	}
	var viaRange, viaLoop []string
	r1 := NewWorld(opts(3)).Run(func() {
		for k, v := range MapRange(m) {
			viaRange = append(viaRange, fmt.Sprint(k, "=", v))
		}
	})
	var lastK string
	var lastV int
	r2 := NewWorld(opts(3)).Run(func() {
		for it, k, v, ok := MapLoop(m); ok; ok = it.Next(&k, &v) {
			viaLoop = append(viaLoop, fmt.Sprint(k, "=", v))
			lastK, lastV = k, v
		}
	})
	if r1.Failure != nil || r2.Failure != nil {
		t.Fatal(r1.Failure, r2.Failure)
	}
	if !slices.Equal(viaRange, viaLoop) || len(viaLoop) != 20 {
		t.Fatalf("MapRange %v\nMapLoop  %v", viaRange, viaLoop)
	}
	if r1.Hash != r2.Hash {
		t.Errorf("hashes differ: %x %x", r1.Hash, r2.Hash)
	}
	if viaLoop[19] != fmt.Sprint(lastK, "=", lastV) {
		t.Errorf("last entry %s, variables %s=%d", viaLoop[19], lastK, lastV)
	}

	// Deleting ahead: every other entry is deleted by the first iteration.
	for _, inWorld := range []bool{false, true} {
		body := func() {
			d := map[int]int{1: 1, 2: 2, 3: 3, 4: 4}
			seen := 0
			k := -1
			for it, kk, _, ok := MapLoop(d); ok; ok = it.Next(&kk, nil) {
				if seen == 0 {
					for x := range d {
						if x != kk {
							delete(d, x)
						}
					}
				}
				seen++
				k = kk
			}
			if seen != 1 || k < 1 {
				t.Errorf("inWorld=%v: saw %d entries (last key %d), want 1", inWorld, seen, k)
			}
		}
		if inWorld {
			NewWorld(opts(1)).Run(body)
		} else {
			body()
		}
	}
}

// TestMapLoopNative checks the form outside a world: every entry once,
// NaN keys included.
func TestMapLoopNative(t *testing.T) {
	m := map[float64]int{1: 1, 2: 2, math.NaN(): 3, math.NaN(): 4}
	sum, n := 0, 0
	for it, _, v, ok := MapLoop(m); ok; ok = it.Next(nil, &v) {
		sum += v
		n++
	}
	if n != 4 || sum != 10 {
		t.Fatalf("saw %d entries summing to %d, want 4 and 10", n, sum)
	}
}

// TestRecvLoop checks the iterator form of a channel range in and outside a
// world: every value in order, and the variable keeps the last value.
func TestRecvLoop(t *testing.T) {
	for _, inWorld := range []bool{false, true} {
		body := func() {
			c := make(chan int, 3)
			c <- 1
			c <- 2
			c <- 3
			close(c)
			var got []int
			for it, v, ok := RecvLoop(c); ok; ok = it.Next(&v) {
				got = append(got, v)
			}
			last := 3
			it, v, ok := RecvLoop(c)
			if ok || v != 0 || it.Next(&last) || last != 3 || fmt.Sprint(got) != "[1 2 3]" {
				t.Errorf("inWorld=%v: got %v, last %d", inWorld, got, last)
			}
		}
		if inWorld {
			if r := NewWorld(opts(1)).Run(body); r.Failure != nil {
				t.Fatal(r.Failure)
			}
		} else {
			body()
		}
	}
}
