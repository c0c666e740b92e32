package os_test

import (
	"fmt"
	stdos "os"
	"strings"
	"testing"
	"time"

	"github.com/marionette-dst/marionette/runtime"
	"github.com/marionette-dst/marionette/shims/os"
)

type printed struct{ id int }

// keepPrinted keeps every object a run printed alive, so the next run's
// objects get other addresses.
var keepPrinted []*printed

// TestPrintedAddressesAreNotDivergence: defect 14. A program that prints
// heap addresses (as hclog does) is deterministic: its schedule and events
// are the same in both runs, only the addresses differ. A program whose
// schedule really diverges still fails the check, named at the divergence.
func TestPrintedAddressesAreNotDivergence(t *testing.T) {
	o, err := runtime.Expand(5, runtime.Smoke)
	if err != nil {
		t.Fatal(err)
	}
	print := func() {
		p := &printed{len(keepPrinted)}
		keepPrinted = append(keepPrinted, p)
		fmt.Fprintf(os.Stderr, "node started id=%p\n", p)
		// An address past the text the trace keeps (runtime.OutputText).
		fmt.Fprintf(os.Stderr, "%s id=%p\n", strings.Repeat(".", 300), p)
	}
	if err := runtime.CheckDeterminism(o, func() {
		print()
		runtime.Current().Sleep(time.Second)
		print()
	}); err != nil {
		t.Fatalf("a printed address was taken for nondeterminism:\n%v", err)
	}

	runs := 0
	err = runtime.CheckDeterminism(o, func() {
		runs++
		print()
		if runs == 2 {
			runtime.Current().Yield()
		}
		runtime.Current().Sleep(time.Second)
	})
	if err == nil {
		t.Fatal("a diverging schedule passed the check")
	}
	if !strings.Contains(err.Error(), "go.yield") {
		t.Fatalf("divergence not named at the yield:\n%v", err)
	}
}

// TestTracingChangesNothing: defect 13. The same seed with and without
// MARIONETTE_TRACE gives the same events and hash, also for a program that
// looks at its environment (the trace variable is an observation setting,
// not an input of the run).
func TestTracingChangesNothing(t *testing.T) {
	o, err := runtime.Expand(9, runtime.Smoke)
	if err != nil {
		t.Fatal(err)
	}
	program := func() {
		env := os.Environ()
		fmt.Fprintf(os.Stdout, "%d variables\n", len(env))
		for _, kv := range env {
			if strings.HasPrefix(kv, "MARIONETTE_") {
				fmt.Fprintf(os.Stdout, "%s\n", kv)
				runtime.Current().Yield()
			}
		}
		if _, ok := os.LookupEnv(runtime.EnvTrace); ok {
			runtime.Current().Sleep(time.Second)
		}
		done := make(chan int)
		for i := 0; i < 4; i++ {
			runtime.Go(func() { runtime.Send(done, i) })
		}
		for range 4 {
			runtime.Recv(done)
		}
	}
	run := func() *runtime.Result {
		r := runtime.NewWorld(o).Run(program)
		if r.Failure != nil {
			t.Fatal(r.Failure.Report())
		}
		return r
	}
	t.Setenv(runtime.EnvTrace, "") // restored after the test
	stdos.Unsetenv(runtime.EnvTrace)
	plain := run()
	t.Setenv(runtime.EnvTrace, t.TempDir()+"/trace.jsonl")
	traced := run()
	if plain.Events != traced.Events || plain.Hash != traced.Hash {
		t.Fatalf("tracing changed the run: events=%d hash=%016x without a trace, events=%d hash=%016x with one",
			plain.Events, plain.Hash, traced.Events, traced.Hash)
	}
}

// Output that differs only past the text an event keeps still diverges, and
// the check says why no event shows it.
func TestLongOutputDivergence(t *testing.T) {
	o, err := runtime.Expand(5, runtime.Smoke)
	if err != nil {
		t.Fatal(err)
	}
	runs := 0
	err = runtime.CheckDeterminism(o, func() {
		runs++
		fmt.Fprintf(os.Stderr, "%s run %d\n", strings.Repeat(".", 300), runs)
	})
	if err == nil || !strings.Contains(err.Error(), "every recorded event is the same") {
		t.Fatalf("divergence past the kept text: %v", err)
	}
}
