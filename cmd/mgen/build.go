// This file defines the build subcommand: generate the sim tree of a main
// package (whose generated copy has a driver main, rewrite/driver.go), with
// an optional workload package, and go build it into a simulated binary.

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/marionette-dst/marionette/rewrite"
)

func runBuild(e env, args []string) error {
	fs := newFlagSet("build")
	var (
		bin      string
		workload string
		race     bool
		g        genFlags
	)
	fs.StringVar(&bin, "o", "", "output binary")
	fs.StringVar(&workload, "workload", "", "workload package")
	fs.StringVar(&g.out, "sim", "", "sim tree directory")
	fs.StringVar(&g.include, "include", "", "comma-separated module patterns whose packages are rewritten too")
	fs.BoolVar(&g.allow, "allow-unsupported", false, "leave unsupported constructs native instead of failing")
	fs.BoolVar(&g.std, "std", true, "simulate inside the standard library too (see mgen help: -std)")
	fs.BoolVar(&race, "race", false, "build with the race detector")
	if err := fs.Parse(args); err != nil {
		return usagef("build: %v", err)
	}
	if fs.NArg() != 1 {
		return usagef("build: want exactly one main package, got %d arguments", fs.NArg())
	}
	pkg := fs.Arg(0)
	cfg := g.config(e, []string{pkg}, "build "+strings.Join(args, " "))
	cfg.Workload = workload
	res, err := generate(e, cfg)
	if err != nil {
		return err
	}
	// The package's generated copy is the root that received a driver
	// (the workload, the only other root, is not a main package).
	var targets []rewrite.Package
	for _, p := range res.Packages {
		if p.Root && fileExists(filepath.Join(p.Dir, "zz_mgen_main.go")) {
			targets = append(targets, p)
		}
	}
	switch {
	case len(targets) == 0:
		return fmt.Errorf("build: %s is not a main package", pkg)
	case len(targets) > 1:
		return fmt.Errorf("build: %s matches %d main packages; name one", pkg, len(targets))
	}
	target := targets[0]
	if bin == "" {
		bin = filepath.Base(target.Path)
	}
	if !filepath.IsAbs(bin) {
		bin = filepath.Join(e.dir, bin)
	}
	modRoot := moduleRoot(res.OutDir)
	buildArgs := []string{"build", "-o", bin}
	if race {
		buildArgs = append(buildArgs, "-race")
	}
	patterns := cfg.Patterns
	if cfg.Workload != "" {
		patterns = append(patterns[:len(patterns):len(patterns)], cfg.Workload)
	}
	ov, err := simFlags(e, res, g.std, patterns, cfg.Include)
	if err != nil {
		return err
	}
	buildArgs = append(buildArgs, ov...)
	cmd := exec.Command("go", append(buildArgs, target.SimPath)...)
	cmd.Dir = modRoot
	cmd.Env = os.Environ()
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(e.stderr, "%s", out)
		return fmt.Errorf("building %s: %v", target.SimPath, err)
	}
	fmt.Fprintf(e.stderr, "mgen: built %s: %s as a simulated cluster (%s -h for its flags)\n", relTo(e.dir, bin), target.Path, relTo(e.dir, bin))
	return nil
}

func relTo(dir, p string) string {
	if r, err := filepath.Rel(dir, p); err == nil && !strings.HasPrefix(r, "..") {
		if !strings.Contains(r, string(filepath.Separator)) {
			return "." + string(filepath.Separator) + r
		}
		return r
	}
	return p
}
