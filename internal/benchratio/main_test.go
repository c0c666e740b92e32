package main

import (
	"strings"
	"testing"
)

func TestRatios(t *testing.T) {
	in := `goos: linux
BenchmarkPingPongNative-2   	  200000	       300.0 ns/op
BenchmarkPingPongNative-2   	  200000	       100.0 ns/op
BenchmarkPingPongNative-2   	  200000	       200.0 ns/op
BenchmarkPingPongSim-2      	  200000	       400.0 ns/op
BenchmarkLonelySim-2      	  200000	       400.0 ns/op
`
	var b strings.Builder
	if err := run(strings.NewReader(in), &b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "2.00x") || strings.Contains(b.String(), "Lonely") {
		t.Fatalf("bad output:\n%s", b.String())
	}
	if err := run(strings.NewReader("nothing"), &b); err == nil {
		t.Fatal("no pairs accepted")
	}
}
