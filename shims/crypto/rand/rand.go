// Package rand is the simulated replacement of the standard package
// crypto/rand. Rewritten code imports it under the std name; its API is
// std's.
//
// Under simulation every random byte comes from the world's "crypto" stream
// (runtime.StreamCrypto), a sub-stream of the run's seed, so keys, nonces
// and tokens are the same for the same seed, and draws elsewhere (the
// scheduler, math/rand, the network) never shift them.
//
// UNDER SIMULATION crypto/rand IS NOT CRYPTOGRAPHICALLY SECURE: its output
// is a PCG sequence derived from a seed printed in every report. It is made
// for testing; never let a simulated build produce real secrets. Outside a
// simulation every function is std's (the operating system's generator).
package rand

import (
	stdrand "crypto/rand"
	"encoding/binary"
	"errors"
	"io"
	"math/big"

	"github.com/marionette-dst/marionette/runtime"
)

// Reader is a global, shared instance of a random number generator. It
// decides at each call: under simulation it reads the world's crypto
// stream, otherwise std's crypto/rand.Reader. Code may replace it, as with
// std; Read then uses the replacement.
var Reader io.Reader = reader{}

// reader is the default Reader.
type reader struct{}

func (reader) Read(b []byte) (int, error) {
	if g := runtime.Current(); g != nil {
		fill(g.World(), b)
		return len(b), nil
	}
	return stdrand.Reader.Read(b)
}

// fill writes bytes of w's crypto stream into b, eight per draw.
func fill(w *runtime.World, b []byte) {
	r := w.Rand(runtime.StreamCrypto)
	var buf [8]byte
	for len(b) > 0 {
		binary.LittleEndian.PutUint64(buf[:], r.Uint64())
		b = b[copy(b, buf[:]):]
	}
}

// Read fills b with random bytes (see the package documentation under
// simulation). It never returns an error, and always fills b entirely. If
// Reader has been replaced and returns an error, Read panics (std crashes
// the program irrecoverably).
func Read(b []byte) (n int, err error) {
	if _, ok := Reader.(reader); !ok {
		if _, err := io.ReadFull(Reader, b); err != nil {
			panic("crypto/rand: failed to read random data (see https://go.dev/issue/66821): " + err.Error())
		}
		return len(b), nil
	}
	if g := runtime.Current(); g != nil {
		fill(g.World(), b)
		return len(b), nil
	}
	return stdrand.Read(b)
}

// Prime returns a number of the given bit length that is prime with high
// probability. Prime will return error for any error returned by rand.Read
// or if bits < 2.
//
// As with std (Go 1.26), the rand argument is ignored unless
// GODEBUG=cryptocustomrand=1 makes std use it: natively the operating
// system's generator is used, under simulation the world's crypto stream
// (whatever rand is), with std's algorithm, so the prime is the same for
// the same seed.
func Prime(rand io.Reader, bits int) (*big.Int, error) {
	g := runtime.Current()
	if g == nil {
		return stdrand.Prime(rand, bits)
	}
	if bits < 2 {
		return nil, errors.New("crypto/rand: prime size must be at least 2-bit")
	}
	b := uint(bits % 8)
	if b == 0 {
		b = 8
	}
	bytes := make([]byte, (bits+7)/8)
	p := new(big.Int)
	for {
		fill(g.World(), bytes)
		// Clear bits above the size, set the top two bits so the product
		// of two such primes has exactly 2*bits bits, and make it odd.
		bytes[0] &= uint8(int(1<<b) - 1)
		if b >= 2 {
			bytes[0] |= 3 << (b - 2)
		} else {
			bytes[0] |= 1
			if len(bytes) > 1 {
				bytes[1] |= 0x80
			}
		}
		bytes[len(bytes)-1] |= 1
		p.SetBytes(bytes)
		if p.ProbablyPrime(20) {
			return p, nil
		}
	}
}

// Text returns a random string using the standard RFC 4648 base32
// alphabet, 26 characters long (at least 128 bits of randomness natively;
// see the package documentation under simulation). It reads through Read,
// as std does.
func Text() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	src := make([]byte, 26)
	Read(src)
	for i := range src {
		src[i] = alphabet[src[i]%32]
	}
	return string(src)
}
