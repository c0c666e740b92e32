// This file defines run, the command line dispatch, and the gen subcommand.

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/marionette-dst/marionette/rewrite"
)

const usage = `usage:
	mgen gen [-o DIR] [-include MODPATTERNS] [-allow-unsupported] [PATTERNS]
	mgen test [gen flags] [-seed S] [-seeds LIST] [-runs N] [-profile P] [-options JSON] [-j N] [-check-determinism] [-v]
	          [-fail-unreached] [-json FILE] [-shard I/N] [-keep-going=false] [PATTERNS] [-- go test flags]
	mgen report [-v] [-fail-unreached] FILE...
	mgen build [-o BIN] [-workload PKG] [-sim DIR] [-include MODPATTERNS] [-allow-unsupported] [-race] PACKAGE
	mgen trace [-clock sim|seq] [-step D] [-run NAME] [-seed S] [-o OUT] TRACE.jsonl
Run "go doc github.com/marionette-dst/marionette/cmd/mgen" for details.
`

// usageError is a bad command line (exit status 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// failedError means failures were reported already (exit status 1).
type failedError struct{ n int }

func (e *failedError) Error() string { return fmt.Sprintf("%d failures", e.n) }

// prefixed puts "mgen: " before an error unless it is a list of source
// diagnostics, which carry their own.
func prefixed(err error) string {
	var de *rewrite.DiagError
	if errors.As(err, &de) {
		return de.Error()
	}
	return "mgen: " + err.Error()
}

// env is what the subcommands use from the process, so tests can run them.
type env struct {
	dir    string
	stdout io.Writer
	stderr io.Writer
}

func run(args []string) error {
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	return runIn(env{dir: wd, stdout: os.Stdout, stderr: os.Stderr}, args)
}

func runIn(e env, args []string) error {
	if len(args) == 0 {
		return usagef("no subcommand")
	}
	switch args[0] {
	case "gen":
		return runGen(e, args[1:])
	case "test":
		return runTest(e, args[1:])
	case "report":
		return runReport(e, args[1:])
	case "trace":
		return runTrace(e, args[1:])
	case "build":
		return runBuild(e, args[1:])
	case "help", "-h", "-help", "--help":
		fmt.Fprint(e.stdout, usage)
		return nil
	}
	return usagef("unknown subcommand %q", args[0])
}

// genFlags are the flags of gen, shared by test.
type genFlags struct {
	out     string
	include string
	allow   bool
	std     bool // -std: build with the standard-library overlay (overlay.go)
}

func (g *genFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&g.out, "o", "", "output directory (default <module root>/"+rewrite.DefaultOut+")")
	fs.StringVar(&g.include, "include", "", "comma-separated module patterns whose packages are rewritten too")
	fs.BoolVar(&g.allow, "allow-unsupported", false, "leave unsupported constructs native instead of failing")
	fs.BoolVar(&g.std, "std", true, "simulate inside the standard library too: build with Marionette's std overlay (std's locks, clock, sleeps, randomness; escapes to the real machine fail the run)")
}

func (g *genFlags) config(e env, patterns []string, args string) rewrite.Config {
	cfg := rewrite.Config{Dir: e.dir, Patterns: patterns, Out: g.out, AllowUnsupported: g.allow, Args: args}
	for _, p := range strings.Split(g.include, ",") {
		if p = strings.TrimSpace(p); p != "" {
			cfg.Include = append(cfg.Include, p)
		}
	}
	return cfg
}

func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

func runGen(e env, args []string) error {
	fs := newFlagSet("gen")
	var g genFlags
	g.register(fs)
	if err := fs.Parse(args); err != nil {
		return usagef("gen: %v", err)
	}
	cfg := g.config(e, fs.Args(), "gen "+strings.Join(args, " "))
	if err := checkTargets(e.dir, cfg.Patterns, cfg.Include); err != nil { // swarm_targets.go
		return err
	}
	res, err := generate(e, cfg)
	if err != nil {
		return err
	}
	flags, err := simFlags(e, res, g.std, cfg.Patterns, cfg.Include)
	if err != nil {
		return err
	}
	// The generated tree is built in place of the user's packages through
	// the overlay: say how to run it.
	patterns := cfg.Patterns
	if len(patterns) == 0 {
		patterns = []string{"."}
	}
	fmt.Fprintf(e.stderr, "mgen: run the simulated tests with:\n  go test %s -vet=off %s\n", strings.Join(flags, " "), strings.Join(patterns, " "))
	return nil
}

// moduleRoot returns the root of the module that holds the sim tree dir.
func moduleRoot(dir string) string {
	root := filepath.Dir(dir)
	for !fileExists(filepath.Join(root, "go.mod")) && filepath.Dir(root) != root {
		root = filepath.Dir(root)
	}
	return root
}

// generate runs the generator and prints its warnings.
func generate(e env, cfg rewrite.Config) (*rewrite.Result, error) {
	cfg.Args = strings.TrimSpace(cfg.Args)
	res, err := rewrite.Generate(cfg)
	if res != nil {
		for _, w := range res.Warnings {
			fmt.Fprintf(e.stderr, "%s (left native: -allow-unsupported)\n", w)
		}
	}
	return res, err
}
