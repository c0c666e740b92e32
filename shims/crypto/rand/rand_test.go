package rand_test

import (
	"bytes"
	"io"
	"math/big"
	"testing"

	"github.com/marionette-dst/marionette/runtime"
	"github.com/marionette-dst/marionette/shims/crypto/rand"
)

func simRun(t *testing.T, seed uint64, body func()) {
	t.Helper()
	o, err := runtime.Expand(seed, runtime.Smoke)
	if err != nil {
		t.Fatal(err)
	}
	if r := runtime.NewWorld(o).Run(body); r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
}

type outputs struct {
	read, reader []byte
	text         string
	n, p         *big.Int
}

func draw(t *testing.T, r io.Reader) outputs {
	var o outputs
	o.read = make([]byte, 20)
	if n, err := rand.Read(o.read); n != 20 || err != nil {
		t.Errorf("Read = %d, %v", n, err)
	}
	o.reader = make([]byte, 13)
	if _, err := io.ReadFull(r, o.reader); err != nil {
		t.Error(err)
	}
	o.text = rand.Text()
	var err error
	if o.n, err = rand.Int(r, big.NewInt(1e15)); err != nil {
		t.Error(err)
	}
	if o.p, err = rand.Prime(r, 64); err != nil || !o.p.ProbablyPrime(20) || o.p.BitLen() != 64 {
		t.Errorf("Prime = %v, %v", o.p, err)
	}
	return o
}

func (o outputs) equal(x outputs) bool {
	return bytes.Equal(o.read, x.read) && bytes.Equal(o.reader, x.reader) && o.text == x.text &&
		o.n.Cmp(x.n) == 0 && o.p.Cmp(x.p) == 0
}

// Reader decides at call time: a value taken from it before a run (as a
// package variable or a config struct would) reads the world's crypto
// stream inside the run.
func TestDeterministicUnderSimulation(t *testing.T) {
	r := rand.Reader // captured outside any simulation
	var a, b, c outputs
	simRun(t, 1, func() { a = draw(t, r) })
	simRun(t, 1, func() { b = draw(t, r) })
	simRun(t, 2, func() { c = draw(t, r) })
	if !a.equal(b) {
		t.Fatalf("same seed, different output: %+v / %+v", a, b)
	}
	if a.equal(c) || bytes.Equal(a.read, c.read) {
		t.Fatal("seeds 1 and 2 gave the same output")
	}
	if len(a.text) != 26 {
		t.Fatalf("Text %q", a.text)
	}
}

// The bytes are the world's crypto stream: each eight come from one
// Uint64 draw, little-endian.
func TestBytesComeFromTheCryptoStream(t *testing.T) {
	s := runtime.NewStream(9, runtime.StreamCrypto)
	want := make([]byte, 16)
	for i := 0; i < 16; i += 8 {
		v := s.Uint64()
		for j := 0; j < 8; j++ {
			want[i+j] = byte(v >> (8 * j))
		}
	}
	got := make([]byte, 16)
	simRun(t, 9, func() { rand.Read(got) })
	if !bytes.Equal(got, want) {
		t.Fatalf("got %x, want %x", got, want)
	}
}

func TestNative(t *testing.T) {
	a, b := draw(t, rand.Reader), draw(t, rand.Reader)
	if bytes.Equal(a.read, b.read) || a.text == b.text || bytes.Equal(a.reader, b.reader) {
		t.Fatal("native crypto/rand repeats itself")
	}
}

// A replaced Reader is used by Read, as with std.
func TestReplacedReader(t *testing.T) {
	old := rand.Reader
	defer func() { rand.Reader = old }()
	rand.Reader = bytes.NewReader([]byte("0123456789"))
	b := make([]byte, 4)
	rand.Read(b)
	if string(b) != "0123" {
		t.Fatalf("Read used %q, not the replaced Reader", b)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("Read did not panic on a failing Reader")
		}
	}()
	rand.Read(make([]byte, 100))
}
