package rand_test

import (
	"fmt"
	stdrand "math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/marionette-dst/marionette/runtime"
	cryptorand "github.com/marionette-dst/marionette/shims/crypto/rand"
	randv1 "github.com/marionette-dst/marionette/shims/math/rand"
	"github.com/marionette-dst/marionette/shims/math/rand/v2"
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

// draws uses every top-level function once and returns what it saw.
func draws() string {
	var b strings.Builder
	fmt.Fprint(&b, rand.Int(), rand.Int32(), rand.Int32N(1000), rand.Int64(), rand.Int64N(1e12), rand.IntN(7),
		rand.Uint(), rand.Uint32(), rand.Uint32N(9), rand.Uint64(), rand.Uint64N(1<<40), rand.UintN(5),
		rand.N(100), rand.N[uint8](200), rand.Float32(), rand.Float64(), rand.ExpFloat64(), rand.NormFloat64(),
		rand.Perm(6))
	s := []int{1, 2, 3, 4, 5}
	rand.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
	fmt.Fprint(&b, s)
	return b.String()
}

func TestSameSeedSameNumbers(t *testing.T) {
	var a, b, c string
	simRun(t, 7, func() { a = draws() })
	simRun(t, 7, func() { b = draws() })
	simRun(t, 8, func() { c = draws() })
	if a != b {
		t.Fatalf("same seed, different draws:\n%s\n%s", a, b)
	}
	if a == c {
		t.Fatalf("seeds 7 and 8 gave the same draws")
	}
}

// The top-level functions are the methods of *Rand on the world's user
// stream: std's algorithms on runtime.NewStream(seed, "user").
func TestDrawsComeFromTheUserStream(t *testing.T) {
	want := runtime.NewStream(3, runtime.StreamUser)
	simRun(t, 3, func() {
		for i := 0; i < 5; i++ {
			if got, w := rand.IntN(1000), want.IntN(1000); got != w {
				t.Errorf("draw %d: IntN = %d, want %d", i, got, w)
			}
			if got, w := rand.N(int64(1e9)), int64(want.Uint64N(1e9)); got != w {
				t.Errorf("draw %d: N = %d, want %d", i, got, w)
			}
		}
	})
}

// Draws made by other subsystems (crypto/rand, the scheduler spawning and
// switching goroutines) do not shift the user stream.
func TestOtherStreamsDoNotShiftUser(t *testing.T) {
	var quiet, noisy []uint64
	simRun(t, 11, func() {
		for i := 0; i < 5; i++ {
			quiet = append(quiet, rand.Uint64())
		}
	})
	simRun(t, 11, func() {
		buf := make([]byte, 64)
		for i := 0; i < 5; i++ {
			cryptorand.Read(buf)
			cryptorand.Text()
			done := make(chan struct{})
			runtime.Go(func() { runtime.Gosched(); runtime.Close(done) })
			runtime.Gosched()
			runtime.Recv(done)
			noisy = append(noisy, rand.Uint64())
		}
	})
	if !slices.Equal(quiet, noisy) {
		t.Fatalf("user draws shifted by other streams:\n%v\n%v", quiet, noisy)
	}
}

// math/rand and math/rand/v2 share the user stream; math/rand's Seed is
// ignored under simulation.
func TestV1SharesUserStream(t *testing.T) {
	var a, b string
	simRun(t, 5, func() {
		randv1.Seed(42)
		a = fmt.Sprint(randv1.Intn(100), randv1.Int63(), randv1.Float64(), randv1.Perm(5), rand.IntN(100))
	})
	simRun(t, 5, func() {
		b = fmt.Sprint(randv1.Intn(100), randv1.Int63(), randv1.Float64(), randv1.Perm(5), rand.IntN(100))
	})
	if a != b {
		t.Fatalf("Seed changed the simulated sequence, or runs differ:\n%s\n%s", a, b)
	}
	var p []byte
	simRun(t, 5, func() {
		p = make([]byte, 10)
		if n, err := randv1.Read(p); n != 10 || err != nil {
			t.Errorf("Read = %d, %v", n, err)
		}
	})
	var p2 = make([]byte, 10)
	simRun(t, 5, func() { randv1.Read(p2) })
	if string(p) != string(p2) {
		t.Fatal("math/rand.Read differs between runs of one seed")
	}
}

func TestNative(t *testing.T) {
	if rand.IntN(10) >= 10 || rand.N(int64(5e9)) < 0 || randv1.Intn(3) >= 3 {
		t.Fatal("out of range")
	}
	seen := map[uint64]bool{}
	for i := 0; i < 10; i++ {
		seen[rand.Uint64()] = true
	}
	if len(seen) < 10 {
		t.Fatal("native draws repeat")
	}
	// Pure constructors behave identically everywhere.
	x := rand.New(rand.NewPCG(1, 2)).Uint64()
	var y uint64
	simRun(t, 1, func() { y = rand.New(rand.NewPCG(1, 2)).Uint64() })
	if x != y || x != stdrand.New(stdrand.NewPCG(1, 2)).Uint64() {
		t.Fatal("NewPCG differs under simulation")
	}
}

func TestPanics(t *testing.T) {
	for _, mode := range []string{"native", "sim"} {
		check := func() {
			for name, f := range map[string]func(){
				"N":       func() { rand.N(0) },
				"IntN":    func() { rand.IntN(-1) },
				"Uint64N": func() { rand.Uint64N(0) },
				"v1 Intn": func() { randv1.Intn(0) },
			} {
				func() {
					defer func() {
						if recover() == nil {
							t.Errorf("%s: %s did not panic", mode, name)
						}
					}()
					f()
				}()
			}
		}
		if mode == "native" {
			check()
		} else {
			simRun(t, 1, check)
		}
	}
}
