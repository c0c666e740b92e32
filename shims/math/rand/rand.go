// Package rand is the simulated replacement of the standard package
// math/rand. Rewritten code imports it under the std name; its API is std's.
//
// The top-level functions (Int, Intn, Float64, Perm, Shuffle, Read...)
// draw, under simulation, from the world's "user" stream
// (runtime.StreamUser), a sub-stream of the run's seed: the same seed gives
// the same numbers, and draws made by other subsystems (the scheduler,
// crypto/rand, the network) never shift them. They use std's algorithms on
// a per-world *Rand whose Source is that stream. Outside a simulation they
// are std's functions (the process-wide, randomly seeded source).
//
// The user stream is shared with the math/rand/v2 shim: a program mixing
// both draws from one sequence.
//
// Seed is ignored under simulation (the run's seed decides); natively it is
// std's Seed, which as of Go 1.24 is itself a no-op unless
// GODEBUG=randseednop=0. Code that wants a sequence of its own should use
// New(NewSource(seed)), which is pure and behaves identically everywhere.
//
// Constructors and types (New, NewSource, NewZipf, Rand, Source, Zipf) are
// std's, forwarded.
package rand

import (
	stdrand "math/rand"
	randv2 "math/rand/v2"

	"github.com/marionette-dst/marionette/runtime"
)

// global returns the generator behind the top-level functions for the
// calling goroutine: the world's, or nil outside a simulation.
func global() *stdrand.Rand {
	g := runtime.Current()
	if g == nil {
		return nil
	}
	return g.World().Local(globalKey{}, func() any {
		return stdrand.New(userSource{g.World().Rand(runtime.StreamUser)})
	}).(*stdrand.Rand)
}

type globalKey struct{}

// userSource is a Source64 reading the world's user stream.
type userSource struct{ r *randv2.Rand }

func (s userSource) Int63() int64   { return int64(s.r.Uint64() &^ (1 << 63)) }
func (s userSource) Uint64() uint64 { return s.r.Uint64() }
func (s userSource) Seed(int64)     {} // the run's seed decides

// ExpFloat64 returns an exponentially distributed float64 in the range
// (0, +math.MaxFloat64] with rate parameter 1 and mean 1.
func ExpFloat64() float64 {
	if r := global(); r != nil {
		return r.ExpFloat64()
	}
	return stdrand.ExpFloat64()
}

// Float32 returns, as a float32, a pseudo-random number in the half-open
// interval [0.0,1.0).
func Float32() float32 {
	if r := global(); r != nil {
		return r.Float32()
	}
	return stdrand.Float32()
}

// Float64 returns, as a float64, a pseudo-random number in the half-open
// interval [0.0,1.0).
func Float64() float64 {
	if r := global(); r != nil {
		return r.Float64()
	}
	return stdrand.Float64()
}

// Int returns a non-negative pseudo-random int.
func Int() int {
	if r := global(); r != nil {
		return r.Int()
	}
	return stdrand.Int()
}

// Int31 returns a non-negative pseudo-random 31-bit integer as an int32.
func Int31() int32 {
	if r := global(); r != nil {
		return r.Int31()
	}
	return stdrand.Int31()
}

// Int31n returns, as an int32, a non-negative pseudo-random number in the
// half-open interval [0,n). It panics if n <= 0.
func Int31n(n int32) int32 {
	if r := global(); r != nil {
		return r.Int31n(n)
	}
	return stdrand.Int31n(n)
}

// Int63 returns a non-negative pseudo-random 63-bit integer as an int64.
func Int63() int64 {
	if r := global(); r != nil {
		return r.Int63()
	}
	return stdrand.Int63()
}

// Int63n returns, as an int64, a non-negative pseudo-random number in the
// half-open interval [0,n). It panics if n <= 0.
func Int63n(n int64) int64 {
	if r := global(); r != nil {
		return r.Int63n(n)
	}
	return stdrand.Int63n(n)
}

// Intn returns, as an int, a non-negative pseudo-random number in the
// half-open interval [0,n). It panics if n <= 0.
func Intn(n int) int {
	if r := global(); r != nil {
		return r.Intn(n)
	}
	return stdrand.Intn(n)
}

// NormFloat64 returns a normally distributed float64 in the range
// [-math.MaxFloat64, +math.MaxFloat64] with standard normal distribution
// (mean = 0, stddev = 1).
func NormFloat64() float64 {
	if r := global(); r != nil {
		return r.NormFloat64()
	}
	return stdrand.NormFloat64()
}

// Perm returns, as a slice of n ints, a pseudo-random permutation of the
// integers in the half-open interval [0,n).
func Perm(n int) []int {
	if r := global(); r != nil {
		return r.Perm(n)
	}
	return stdrand.Perm(n)
}

// Read generates len(p) random bytes and writes them into p. It always
// returns len(p) and a nil error.
//
// Deprecated: For almost all use cases, crypto/rand.Read is more
// appropriate.
func Read(p []byte) (n int, err error) {
	if r := global(); r != nil {
		return r.Read(p)
	}
	return stdrand.Read(p)
}

// Seed is ignored under simulation, where the run's seed decides every
// draw; natively it is std's Seed (a no-op as of Go 1.24 unless
// GODEBUG=randseednop=0).
//
// Deprecated: Programs that call Seed with a known value to get a specific
// sequence of results should use New(NewSource(seed)) to obtain a local
// random generator.
func Seed(seed int64) {
	if runtime.Current() != nil {
		return
	}
	stdrand.Seed(seed)
}

// Shuffle pseudo-randomizes the order of elements. n is the number of
// elements. Shuffle panics if n < 0. swap swaps the elements with indexes i
// and j.
func Shuffle(n int, swap func(i, j int)) {
	if r := global(); r != nil {
		r.Shuffle(n, swap)
		return
	}
	stdrand.Shuffle(n, swap)
}

// Uint32 returns a pseudo-random 32-bit value as a uint32.
func Uint32() uint32 {
	if r := global(); r != nil {
		return r.Uint32()
	}
	return stdrand.Uint32()
}

// Uint64 returns a pseudo-random 64-bit value as a uint64.
func Uint64() uint64 {
	if r := global(); r != nil {
		return r.Uint64()
	}
	return stdrand.Uint64()
}
