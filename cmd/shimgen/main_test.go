package main

import (
	"strings"
	"testing"
)

const fakeStd = "github.com/marionette-dst/marionette/internal/shimgen/testdata/fakestd"

func TestCheckMode(t *testing.T) {
	// The golden file of the fake shim is up to date (TestGenerateFake in
	// internal/shimgen keeps it so).
	if err := run(fakeStd, "../../internal/shimgen/testdata/fakeshim", true); err != nil {
		t.Errorf("-check on an up-to-date file: %v", err)
	}
	// badshim has no generated file at all.
	err := run(fakeStd, "../../internal/shimgen/testdata/badshim", true)
	if err == nil || !strings.Contains(err.Error(), "is stale") {
		t.Errorf("-check on a missing file: got %v, want a staleness error", err)
	}
}
