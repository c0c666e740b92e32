package os_test

import (
	"fmt"
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
