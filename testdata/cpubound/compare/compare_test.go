// Package compare benchmarks the functions of package cpu as written
// (Native) against a copy of them rewritten by mgen gen, run where mgen test
// runs it: inside a simulated world (Sim). NativeInWorld runs the original
// inside a world too, which separates what the rewriting costs from what
// running on a simulated goroutine costs. bench/cpu_test.go copies package
// cpu to package cpusim, generates cpusim (rewritten in place, through the
// overlay) and runs these benchmarks.
package compare

import (
	"fmt"
	"testing"

	native "example.com/cpubound/cpu"
	sim "example.com/cpubound/cpusim"
	mrt "github.com/marionette-dst/marionette/runtime"
)

// words has 5000 words, 500 distinct, with a clear winner.
var words = func() []string {
	var w []string
	for i := 0; i < 5000; i++ {
		w = append(w, fmt.Sprintf("w%d", (i*i+7*i)%500))
	}
	return append(w, "w42", "w42", "w42", "w42", "w42", "w42", "w42", "w42", "w42", "w42")
}()

// table has 1000 int entries.
var table = func() map[int]int {
	m := map[int]int{}
	for i := 0; i < 1000; i++ {
		m[i] = i % 7
	}
	return m
}()

// inWorld runs f as the root goroutine of a simulated world with the
// performance profile (FIFO scheduling, no preemption, no faults).
func inWorld(tb testing.TB, f func()) {
	o, err := mrt.Expand(1, mrt.Performance)
	if err != nil {
		tb.Fatal(err)
	}
	if r := mrt.NewWorld(o).Run(f); r.Failure != nil {
		tb.Fatal(r.Failure.Report())
	}
}

func TestSameResults(t *testing.T) {
	inWorld(t, func() {
		if a, b := fmt.Sprint(native.TopWord(words)), fmt.Sprint(sim.TopWord(words)); a != b {
			t.Errorf("TopWord: native %s, rewritten %s", a, b)
		}
		if a, b := native.SumProducts(table), sim.SumProducts(table); a != b {
			t.Errorf("SumProducts: native %d, rewritten %d", a, b)
		}
		if a, b := native.CollatzSteps(3000), sim.CollatzSteps(3000); a != b {
			t.Errorf("CollatzSteps: native %d, rewritten %d", a, b)
		}
		if a, b := native.Primes(100000), sim.Primes(100000); a != b {
			t.Errorf("Primes: native %d, rewritten %d", a, b)
		}
	})
}

var sink int

func BenchmarkTopWordNative(b *testing.B) {
	for i := 0; i < b.N; i++ {
		_, n := native.TopWord(words)
		sink += n
	}
}

func BenchmarkTopWordSim(b *testing.B) {
	inWorld(b, func() {
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			_, n := sim.TopWord(words)
			sink += n
		}
	})
}

func BenchmarkTopWordNativeInWorld(b *testing.B) {
	inWorld(b, func() {
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			_, n := native.TopWord(words)
			sink += n
		}
	})
}

func BenchmarkSumProductsNative(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sink += native.SumProducts(table)
	}
}

func BenchmarkSumProductsSim(b *testing.B) {
	inWorld(b, func() {
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			sink += sim.SumProducts(table)
		}
	})
}

func BenchmarkSumProductsNativeInWorld(b *testing.B) {
	inWorld(b, func() {
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			sink += native.SumProducts(table)
		}
	})
}

func BenchmarkCollatzNative(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sink += native.CollatzSteps(3000)
	}
}

func BenchmarkCollatzSim(b *testing.B) {
	inWorld(b, func() {
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			sink += sim.CollatzSteps(3000)
		}
	})
}

func BenchmarkCollatzNativeInWorld(b *testing.B) {
	inWorld(b, func() {
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			sink += native.CollatzSteps(3000)
		}
	})
}

func BenchmarkPrimesNative(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sink += native.Primes(100000)
	}
}

func BenchmarkPrimesSim(b *testing.B) {
	inWorld(b, func() {
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			sink += sim.Primes(100000)
		}
	})
}

func BenchmarkPrimesNativeInWorld(b *testing.B) {
	inWorld(b, func() {
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			sink += native.Primes(100000)
		}
	})
}
