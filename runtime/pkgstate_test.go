package runtime

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// Three packages written the way the rewriter writes them (rewrite/globals.go):
// a imports b; c is unrelated. b's log records every initialiser run on a
// node, in order.
var (
	psA   = NewPackage("test/pkgstate/a", "test/pkgstate/b")
	psB   = NewPackage("test/pkgstate/b")
	psC   = NewPackage("test/pkgstate/c")
	aN    int
	aCell = NewVar(psA, &aN)
	bLog  []string
	bCell = NewVar(psB, &bLog)
	cN    int
	cCell = NewVar(psC, &cN)
)

func pkgNote(s string) { *bCell.Get(&bLog) = append(*bCell.Get(&bLog), s) }

func init() {
	psB.Setup([]func(){func() { pkgNote("b.var") }}, []func(){func() { pkgNote("b.init") }})
	psA.Setup([]func(){func() { *aCell.Get(&aN) = 100; pkgNote("a.var") }}, []func(){func() { pkgNote("a.init") }})
	psC.Setup(nil, []func(){func() { *cCell.Get(&cN) = 7; pkgNote("c.init") }})
}

func pkgBump() int {
	(*aCell.Get(&aN))++
	return *aCell.Get(&aN)
}

func pkgWorld(t *testing.T, main func(w *World)) *Result {
	t.Helper()
	w := NewWorld(opts(1))
	r := w.Run(func() { main(w) })
	if r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
	return r
}

func TestPackageStatePerNode(t *testing.T) {
	pkgWorld(t, func(w *World) {
		// First use on the default node: every registered package, a's
		// dependency first.
		if got := pkgBump(); got != 101 {
			t.Errorf("node0: bump = %d, want 101", got)
		}
		want := []string{"b.var", "b.init", "a.var", "a.init", "c.init"}
		if got := *bCell.Get(&bLog); !slices.Equal(got[:5], want) {
			t.Errorf("node0 initialised %q, want %q first", got, want)
		}
		n := w.NewNode("n1")
		got := make(chan int)
		n.Go("bump", func() { pkgBump(); Send(got, pkgBump()) })
		if v := Recv(got); v != 102 {
			t.Errorf("n1: bump = %d, want 102 (its own counter)", v)
		}
		if v := *aCell.Get(&aN); v != 101 {
			t.Errorf("node0 counter %d after n1 bumped its own, want 101", v)
		}
	})
	if aN != 0 || len(bLog) != 0 {
		t.Errorf("the declared variables were used under simulation: a=%d b=%q", aN, bLog)
	}
	// Outside a simulation the declared variable is the instance.
	if p := aCell.Get(&aN); p != &aN {
		t.Error("Get outside a simulation is not the declared variable")
	}
	var nilVar *Var[int]
	if p := nilVar.Get(&aN); p != &aN {
		t.Error("a nil Var is not the declared variable")
	}
}

func TestPackageStateRestart(t *testing.T) {
	type seen struct {
		bump int
		log  string
	}
	pkgWorld(t, func(w *World) {
		n := w.NewNode("server")
		got := make(chan seen, 4)
		n.Start(func() {
			StartProgram("test/pkgstate/a")
			pkgBump()
			Send(got, seen{pkgBump(), strings.Join(*bCell.Get(&bLog), ",")})
			Current().Sleep(time.Hour)
		})
		first := Recv(got)
		if n.PackageInitialized("test/pkgstate/c") {
			t.Error("c, outside the program, was initialised at start")
		}
		n.Crash()
		n.Restart()
		second := Recv(got)
		want := seen{102, "b.var,b.init,a.var,a.init"}
		if first != want || second != want {
			t.Errorf("after start %v, after restart %v; want %v both times", first, second, want)
		}
		// A package outside the program is initialised on first use.
		n.Go("use c", func() { Send(got, seen{*cCell.Get(&cN), strings.Join(*bCell.Get(&bLog), ",")}) })
		if s := Recv(got); s.bump != 7 || !strings.HasSuffix(s.log, ",c.init") {
			t.Errorf("c on the server: %v", s)
		}
	})
}

func TestPackageStateDeterministic(t *testing.T) {
	run := func() uint64 {
		return pkgWorld(t, func(w *World) {
			for i := range 3 {
				n := w.NewNode("n" + string(rune('a'+i)))
				n.Start(func() { StartProgram("test/pkgstate/a"); pkgBump() })
			}
			Current().Sleep(time.Second)
		}).Hash
	}
	if a, b := run(), run(); a != b {
		t.Errorf("hashes %x and %x", a, b)
	}
}

func TestNodeArgs(t *testing.T) {
	pkgWorld(t, func(w *World) {
		n := w.NewNode("a")
		n.SetArgs([]string{"prog", "-x"})
		got := make(chan []string)
		n.Go("args", func() { Send(got, *Args()) })
		if a := Recv(got); !slices.Equal(a, []string{"prog", "-x"}) {
			t.Errorf("args %q", a)
		}
		(*Args())[0] = "changed" // the default node's own copy
		n.Go("args", func() { Send(got, *Args()) })
		if a := Recv(got); a[0] != "prog" {
			t.Errorf("args %q after another node changed its own", a)
		}
	})
}

// Benchmarks: a function bumping a package-level counter, as written (Native)
// and as rewritten, run by a simulated goroutine (Sim) or outside any
// simulation (Unsimulated). The rewritten body is exactly what the rewriter
// emits for "benchN++; return benchN".

var (
	benchPkg  = NewPackage("test/pkgstate/bench")
	benchN    int
	benchCell = NewVar(benchPkg, &benchN)
	benchM    = map[int]int{1: 1, 2: 2}
	benchMC   = NewVar(benchPkg, &benchM)
)

//go:noinline
func bumpNative() int {
	benchN++
	return benchN
}

//go:noinline
func bumpRewritten() int {
	(*benchCell.Get(&benchN))++
	return *benchCell.Get(&benchN)
}

//go:noinline
func lookupNative(k int) int { return benchM[k] }

//go:noinline
func lookupRewritten(k int) int { return (*benchMC.Get(&benchM))[k] }

func BenchmarkGlobalNative(b *testing.B) {
	for b.Loop() {
		bumpNative()
	}
}

func BenchmarkGlobalSim(b *testing.B) {
	pkgSimBench(b, func() { bumpRewritten() })
}

func BenchmarkGlobalUnsimulated(b *testing.B) {
	for b.Loop() {
		bumpRewritten()
	}
}

func BenchmarkGlobalMapNative(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		lookupNative(i & 3)
	}
}

func BenchmarkGlobalMapSim(b *testing.B) {
	i := 0
	pkgSimBench(b, func() { lookupRewritten(i & 3); i++ })
}

func pkgSimBench(b *testing.B, op func()) {
	o, _ := Expand(1, Performance)
	r := NewWorld(o).Run(func() {
		op() // initialise the node's packages outside the timing
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			op()
		}
		b.StopTimer()
	})
	if r.Failure != nil {
		b.Fatal(r.Failure.Report())
	}
}

// Worlds running in parallel each have their own package state.
func TestPackageStateParallelWorlds(t *testing.T) {
	results := make(chan int, 4)
	for range 4 {
		go func() {
			w := NewWorld(opts(2))
			var got int
			r := w.Run(func() {
				for range 10 {
					got = pkgBump()
					Current().Yield()
				}
			})
			if r.Failure != nil {
				t.Error(r.Failure.Report())
			}
			results <- got
		}()
	}
	for range 4 {
		if v := <-results; v != 110 {
			t.Errorf("a world's counter reached %d, want 110", v)
		}
	}
}
