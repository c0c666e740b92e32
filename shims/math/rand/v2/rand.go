// Package rand is the simulated replacement of the standard package
// math/rand/v2. Rewritten code imports it under the std name; its API is
// std's.
//
// The top-level functions (Int, IntN, N, Float64, Perm, Shuffle, Uint64...)
// draw, under simulation, from the world's "user" stream
// (runtime.StreamUser), a sub-stream of the run's seed: the same seed gives
// the same numbers, and draws made by other subsystems (the scheduler,
// crypto/rand, the network) never shift them. They use std's algorithms
// (the methods of *Rand on that stream). Outside a simulation they are std's
// functions (the process-wide, randomly seeded source).
//
// The user stream is shared with the math/rand shim: a program mixing both
// draws from one sequence.
//
// Constructors and types (New, NewPCG, NewChaCha8, NewZipf, Rand, Source,
// PCG, ChaCha8, Zipf) are std's, forwarded: a generator built from an
// explicit seed behaves identically everywhere.
package rand

import (
	stdrand "math/rand/v2"

	"github.com/marionette-dst/marionette/runtime"
)

// global returns the world's user stream for the calling goroutine, or nil
// outside a simulation.
func global() *stdrand.Rand {
	if g := runtime.Current(); g != nil {
		return g.World().Rand(runtime.StreamUser)
	}
	return nil
}

// ExpFloat64 returns an exponentially distributed float64 in the range
// (0, +math.MaxFloat64] with rate parameter 1 and mean 1.
func ExpFloat64() float64 {
	if r := global(); r != nil {
		return r.ExpFloat64()
	}
	return stdrand.ExpFloat64()
}

// Float32 returns a pseudo-random number in the half-open interval [0.0,1.0).
func Float32() float32 {
	if r := global(); r != nil {
		return r.Float32()
	}
	return stdrand.Float32()
}

// Float64 returns a pseudo-random number in the half-open interval [0.0,1.0).
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

// Int32 returns a non-negative pseudo-random 31-bit integer as an int32.
func Int32() int32 {
	if r := global(); r != nil {
		return r.Int32()
	}
	return stdrand.Int32()
}

// Int32N returns, as an int32, a non-negative pseudo-random number in the
// half-open interval [0,n). It panics if n <= 0.
func Int32N(n int32) int32 {
	if r := global(); r != nil {
		return r.Int32N(n)
	}
	return stdrand.Int32N(n)
}

// Int64 returns a non-negative pseudo-random 63-bit integer as an int64.
func Int64() int64 {
	if r := global(); r != nil {
		return r.Int64()
	}
	return stdrand.Int64()
}

// Int64N returns, as an int64, a non-negative pseudo-random number in the
// half-open interval [0,n). It panics if n <= 0.
func Int64N(n int64) int64 {
	if r := global(); r != nil {
		return r.Int64N(n)
	}
	return stdrand.Int64N(n)
}

// IntN returns, as an int, a non-negative pseudo-random number in the
// half-open interval [0,n). It panics if n <= 0.
func IntN(n int) int {
	if r := global(); r != nil {
		return r.IntN(n)
	}
	return stdrand.IntN(n)
}

// N returns a pseudo-random number in the half-open interval [0,n). The
// type parameter Int can be any integer type. It panics if n <= 0.
func N[Int intType](n Int) Int {
	if r := global(); r != nil {
		if n <= 0 {
			panic("invalid argument to N")
		}
		return Int(r.Uint64N(uint64(n))) // as std's N does on its source
	}
	return stdrand.N(n)
}

type intType interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr
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

// Uint returns a pseudo-random uint.
func Uint() uint {
	if r := global(); r != nil {
		return r.Uint()
	}
	return stdrand.Uint()
}

// Uint32 returns a pseudo-random 32-bit value as a uint32.
func Uint32() uint32 {
	if r := global(); r != nil {
		return r.Uint32()
	}
	return stdrand.Uint32()
}

// Uint32N returns, as a uint32, a pseudo-random number in the half-open
// interval [0,n). It panics if n == 0.
func Uint32N(n uint32) uint32 {
	if r := global(); r != nil {
		return r.Uint32N(n)
	}
	return stdrand.Uint32N(n)
}

// Uint64 returns a pseudo-random 64-bit value as a uint64.
func Uint64() uint64 {
	if r := global(); r != nil {
		return r.Uint64()
	}
	return stdrand.Uint64()
}

// Uint64N returns, as a uint64, a pseudo-random number in the half-open
// interval [0,n). It panics if n == 0.
func Uint64N(n uint64) uint64 {
	if r := global(); r != nil {
		return r.Uint64N(n)
	}
	return stdrand.Uint64N(n)
}

// UintN returns, as a uint, a pseudo-random number in the half-open
// interval [0,n). It panics if n == 0.
func UintN(n uint) uint {
	if r := global(); r != nil {
		return r.UintN(n)
	}
	return stdrand.UintN(n)
}
