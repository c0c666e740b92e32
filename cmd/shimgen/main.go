// Command shimgen writes the forwarding file of a shim package.
//
// Usage:
//
//	shimgen [-check] STDPATH SHIMDIR
//
// It writes SHIMDIR/zz_forward.go, which forwards to the std package STDPATH
// every exported identifier that the hand-written files in SHIMDIR do not
// declare. With -check it writes nothing and exits with status 1 if the file
// is missing or out of date.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/marionette-dst/marionette/internal/shimgen"
)

func main() {
	check := flag.Bool("check", false, "exit with status 1 if SHIMDIR/"+shimgen.OutputFile+" is stale instead of writing it")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: shimgen [-check] STDPATH SHIMDIR\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 2 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(flag.Arg(0), flag.Arg(1), *check); err != nil {
		fmt.Fprintf(os.Stderr, "shimgen: %v\n", err)
		os.Exit(1)
	}
}

func run(stdPath, shimDir string, check bool) error {
	out, err := shimgen.Generate(stdPath, shimDir)
	if err != nil {
		return err
	}
	file := filepath.Join(shimDir, shimgen.OutputFile)
	old, err := os.ReadFile(file)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if check {
		if !bytes.Equal(old, out) {
			return fmt.Errorf("%s is stale: run go generate ./internal/shimgen", file)
		}
		return nil
	}
	if bytes.Equal(old, out) {
		return nil
	}
	if err := os.MkdirAll(shimDir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(file, out, 0o644)
}
