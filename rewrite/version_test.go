package rewrite

import (
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

// TestVersionOf checks the constraint line a generated file starts with
// (issue 12, defect 2) for the ways a file can be constrained.
func TestVersionOf(t *testing.T) {
	for _, tc := range []struct {
		src, modLang, build, lang string
		removed                   int
	}{
		{"package p\n", "go1.21", "//go:build go1.21", "go1.21", 0},
		{"package p\n", "go1.26", "", "go1.26", 0},
		{"//go:build linux || darwin\n\npackage p\n", "go1.21", "//go:build (linux || darwin) && go1.21", "go1.21", 1},
		{"// +build linux darwin\n// +build amd64\n\npackage p\n", "go1.16", "//go:build (linux || darwin) && amd64 && go1.16", "go1.16", 2},
		{"//go:build linux\n// +build linux\n\npackage p\n", "go1.20", "//go:build linux && go1.20", "go1.20", 2},
		{"//go:build go1.22 && linux\n\npackage p\n", "go1.21", "", "go1.22", 0},
		{"// Copyright.\n\n//go:build !x\n\n// Package p.\npackage p\n", "go1.21", "//go:build !x && go1.21", "go1.21", 1},
		{"// Package p. //go:build not a constraint\npackage p\n", "go1.21", "//go:build go1.21", "go1.21", 0},
	} {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, "p.go", tc.src, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		fv, err := versionOf(fset, f, []byte(tc.src), tc.modLang, "go1.26")
		if err != nil {
			t.Fatalf("%q: %v", tc.src, err)
		}
		if fv.build != tc.build || fv.lang != tc.lang || len(fv.remove) != tc.removed {
			t.Errorf("%q: got build %q lang %q removing %d, want %q %q %d", tc.src, fv.build, fv.lang, len(fv.remove), tc.build, tc.lang, tc.removed)
		}
		for _, sp := range fv.remove {
			if txt := tc.src[sp.Start:sp.End]; !strings.HasPrefix(txt, "//go:build") && !strings.HasPrefix(txt, "// +build") {
				t.Errorf("%q: removes %q", tc.src, txt)
			}
		}
	}

	src := "//go:build linux &&\n\npackage p\n"
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := versionOf(fset, f, []byte(src), "go1.21", "go1.26"); err == nil || !strings.HasPrefix(err.Error(), "1:1: mgen: ") {
		t.Errorf("malformed constraint: got %v", err)
	}
}
