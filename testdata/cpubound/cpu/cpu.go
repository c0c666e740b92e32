// Package cpu holds CPU-bound functions for the rewriter overhead benchmark
// (bench/cpu_test.go): code that never blocks, so the only cost simulation
// adds is what mgen gen changes in it. The map functions range over maps,
// which the rewriter turns into a seeded deterministic order; the loop
// functions are arithmetic and slices, which it leaves alone.
package cpu

// TopWord returns the most frequent word and its count (the smallest word
// among equals). Map-heavy: a map update per word, then a range over the
// map.
func TopWord(words []string) (string, int) {
	counts := map[string]int{}
	for _, w := range words {
		counts[w]++
	}
	best, n := "", 0
	for w, c := range counts {
		if c > n || c == n && w < best {
			best, n = w, c
		}
	}
	return best, n
}

// SumProducts ranges over m and sums k*v: the range is all there is.
func SumProducts(m map[int]int) int {
	s := 0
	for k, v := range m {
		s += k * v
	}
	return s
}

// CollatzSteps returns the total number of Collatz steps of 1..n.
// Loop-heavy: arithmetic only.
func CollatzSteps(n int) int {
	total := 0
	for i := 1; i <= n; i++ {
		for x := i; x != 1; total++ {
			if x%2 == 0 {
				x /= 2
			} else {
				x = 3*x + 1
			}
		}
	}
	return total
}

// Primes counts the primes below n with a sieve: loops over a slice.
func Primes(n int) int {
	composite := make([]bool, n)
	count := 0
	for i := 2; i < n; i++ {
		if composite[i] {
			continue
		}
		count++
		for j := i * i; j < n; j += i {
			composite[j] = true
		}
	}
	return count
}
