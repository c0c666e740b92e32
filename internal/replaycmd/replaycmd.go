// Package replaycmd builds the shell commands that replay a simulated run:
// the `go test` command a failing simulated test prints (runtime/simtest)
// and mgen test reports, and the command line a simulated binary prints
// (runtime/simmain). It is the one place that knows how the run's options
// are written (Env, Flags), how a test binary's command line splits into
// testing flags and the package's own arguments (ParseTestArgs), and how
// to quote for a POSIX shell (Quote).
package replaycmd

import (
	"flag"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/marionette-dst/marionette/runtime"
)

// Quote quotes s for a POSIX shell when it holds anything but characters
// no shell treats specially.
func Quote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_=./:,+@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// QuoteAll quotes each argument and joins them with spaces.
func QuoteAll(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = Quote(a)
	}
	return strings.Join(q, " ")
}

// Env returns the environment (NAME=value, unquoted) under which a test
// binary resolves exactly o: the seed and the profile when they expand to
// o, else the replay profile and o itself as JSON.
func Env(o runtime.Options) []string {
	if o.Expanded() {
		return []string{runtime.EnvSeed + "=" + strconv.FormatUint(o.Seed, 10), runtime.EnvProfile + "=" + string(o.Profile)}
	}
	return []string{runtime.EnvProfile + "=" + string(runtime.Replay), runtime.EnvOptions + "=" + o.JSON()}
}

// Flags returns the flags with which a simulated binary resolves exactly o
// (as Env).
func Flags(o runtime.Options) []string {
	if o.Expanded() {
		return []string{"-seed", strconv.FormatUint(o.Seed, 10), "-profile", string(o.Profile)}
	}
	return []string{"-profile", string(runtime.Replay), "-options", o.JSON()}
}

// envPrefix is Env(o) quoted for a command line.
func envPrefix(o runtime.Options) string {
	var parts []string
	for _, kv := range Env(o) {
		k, v, _ := strings.Cut(kv, "=")
		parts = append(parts, k+"="+Quote(v))
	}
	return strings.Join(parts, " ")
}

// IsBoolFunc tells whether the flag named name takes no value (-name
// alone), and whether the flag is known at all.
type IsBoolFunc func(name string) (isBool, known bool)

// FlagSetIsBool looks flags up in fs (flag.CommandLine in a test binary,
// where the testing flags and the package's own flags are defined).
func FlagSetIsBool(fs *flag.FlagSet) IsBoolFunc {
	return func(name string) (bool, bool) {
		f := fs.Lookup(name)
		if f == nil {
			return false, false
		}
		b, ok := f.Value.(interface{ IsBoolFlag() bool })
		return ok && b.IsBoolFlag(), true
	}
}

// testFlag describes a flag of the testing package (test.NAME in the
// binary, -NAME or -test.NAME for go test).
type testFlag struct {
	isBool bool
	// replay: how the flag goes into a replay command: keep (it can
	// change the run: -short, -timeout, ...), drop (output files, other
	// kinds of runs, and what go test passes by itself), or run (the test
	// selection, replaced by the failed test's).
	replay int
	// goTest: go test also knows it without the test. prefix.
	goTest bool
}

const (
	keep = iota
	drop
	run
)

var testFlags = map[string]testFlag{
	"bench": {false, drop, true}, "benchmem": {true, drop, true}, "benchtime": {false, drop, true},
	"blockprofile": {false, drop, true}, "blockprofilerate": {false, drop, true},
	"count": {false, keep, true}, "coverprofile": {false, drop, true}, "cpu": {false, keep, true},
	"cpuprofile": {false, drop, true}, "failfast": {true, keep, true}, "fullpath": {true, keep, true},
	"fuzz": {false, drop, true}, "fuzzminimizetime": {false, drop, true}, "fuzztime": {false, drop, true},
	"list": {false, drop, true}, "memprofile": {false, drop, true}, "memprofilerate": {false, drop, true},
	"mutexprofile": {false, drop, true}, "mutexprofilefraction": {false, drop, true},
	"outputdir": {false, drop, true}, "parallel": {false, keep, true}, "run": {false, run, true},
	"short": {true, keep, true}, "shuffle": {false, keep, true}, "skip": {false, keep, true},
	"timeout": {false, keep, true}, "trace": {false, drop, true}, "v": {true, keep, true},
	"artifacts": {true, drop, true},
	// Set by the go command itself.
	"paniconexit0": {true, drop, false}, "testlogfile": {false, drop, false}, "gocoverdir": {false, drop, false},
	"fuzzcachedir": {false, drop, false}, "fuzzworker": {true, drop, false},
}

// goCmdFlags are the flags of go test besides the testing ones (build
// flags and go test's own): a package flag of the same name written after
// the package would be taken by go test, so then the package's arguments
// go after -args.
var goCmdFlags = map[string]bool{
	"a": true, "asan": true, "asmflags": true, "buildmode": true, "buildvcs": true, "C": true, "compiler": true,
	"cover": true, "covermode": true, "coverpkg": true, "debug-actiongraph": true, "debug-runtime-trace": true,
	"debug-trace": true, "gccgoflags": true, "gcflags": true, "installsuffix": true, "json": true, "ldflags": true,
	"linkshared": true, "mod": true, "modcacherw": true, "modfile": true, "msan": true, "n": true, "o": true,
	"overlay": true, "p": true, "pgo": true, "pkgdir": true, "race": true, "tags": true, "toolexec": true,
	"trimpath": true, "work": true, "x": true, "c": true, "exec": true, "vet": true, "args": true, "i": true,
}

// TestFlag is a testing flag of a command line, by its go test name.
type TestFlag struct {
	Name  string // without "test."
	Value string // for a boolean flag written alone, "true"
}

// TestArgs is a test binary's command line, split.
type TestArgs struct {
	// Test are the testing flags, in order.
	Test []TestFlag
	// Package are the package's own flags, their values and any
	// positional arguments, verbatim and in order.
	Package []string
	// ambiguous: go test could misread Package written after the package
	// path (a flag of the same name as one of go test's, a value or an
	// argument that looks like such a flag), so a replay puts it after -args.
	ambiguous bool
}

// ParseTestArgs splits a test binary's command line (os.Args[1:]) or the
// flags one gives go test: testing flags in any of the forms -test.x,
// --test.x, -x (for those go test knows), with the value joined (-x=v) or
// separate (-x v); everything else belongs to the package. isBool, if not
// nil, knows the binary's flags: a package flag followed by a separate
// argument takes it as its value unless isBool says the flag is boolean
// (with isBool nil or not knowing the flag, the argument is taken as its
// value, as go test assumes), and a package flag with the name of a go
// test flag (-v of glog) stays the package's. Parsing stops, as the flag
// package's does, at "--", at the first argument that is not a flag, and
// (as go test's) after -args: the rest belongs to the package.
func ParseTestArgs(args []string, isBool IsBoolFunc) TestArgs {
	lookup := func(name string) (boolean, known bool) {
		if isBool == nil {
			return false, false
		}
		return isBool(name)
	}
	var a TestArgs
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if _, defined := lookup("args"); (arg == "-args" || arg == "--args") && !defined {
			a.addPackage(args[i+1:]...)
			a.ambiguous = true
			break
		}
		if arg == "--" || len(arg) < 2 || arg[0] != '-' {
			a.addPackage(args[i:]...)
			a.ambiguous = true
			break
		}
		name := strings.TrimPrefix(strings.TrimPrefix(arg, "-"), "-")
		name, value, hasValue := strings.Cut(name, "=")
		short, prefixed := strings.CutPrefix(name, "test.")
		_, defined := lookup(name)
		if tf, ok := testFlags[short]; ok && (prefixed || tf.goTest && !defined) {
			switch {
			case hasValue:
			case tf.isBool:
				value = "true"
			case i+1 < len(args):
				i++
				value = args[i]
			}
			a.Test = append(a.Test, TestFlag{short, value})
			continue
		}
		// The package's flag (or a testing flag this package does not know).
		a.addPackage(arg)
		if prefixed || goCmdFlags[name] || testFlags[name].goTest {
			a.ambiguous = true
		}
		if hasValue || i+1 >= len(args) {
			continue
		}
		b, known := lookup(name)
		if known && b || !known && strings.HasPrefix(args[i+1], "-") {
			continue
		}
		i++
		a.addPackage(args[i])
		if strings.HasPrefix(args[i], "-") {
			a.ambiguous = true
		}
	}
	return a
}

func (a *TestArgs) addPackage(args ...string) {
	a.Package = append(a.Package, args...)
}

// BinaryArgs returns the command line of the test binary: the testing
// flags as -test.name=value, then the package's arguments.
func (a TestArgs) BinaryArgs() []string {
	var out []string
	for _, f := range a.Test {
		out = append(out, "-test."+f.Name+"="+f.Value)
	}
	return append(out, a.Package...)
}

// TestRun returns the value of the last -run flag, or "".
func (a TestArgs) TestRun() string {
	v := ""
	for _, f := range a.Test {
		if f.Name == "run" {
			v = f.Value
		}
	}
	return v
}

// goTestDefaultTimeout is the -timeout go test passes when none is given.
const goTestDefaultTimeout = 10 * time.Minute

// RunPattern is the -run pattern that selects exactly the test named name
// (a t.Name(): "TestA/sub").
func RunPattern(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}

// GoTest returns the shell command, to run from the module root, that
// replays the test named test (a t.Name(); "" for every test the
// arguments select) of the package in directory pkg ("./a/b") with
// options o, given the test binary's arguments: the environment of Env,
// go test, the flags the binary was built with (runtime.BuildFlags),
// -run selecting the test, the testing flags that can change the
// run (-short, -timeout unless go test's default, -count, -cpu,
// -parallel, -failfast, -skip, -shuffle, -v, -fullpath), the package, and
// the package's own arguments verbatim, after -args when go test could
// take one of them for its own flag.
func GoTest(o runtime.Options, test, pkg string, a TestArgs) string {
	var b strings.Builder
	b.WriteString(envPrefix(o) + " go test")
	for _, f := range runtime.BuildFlags() { // the std overlay's -overlay and -vet=off
		b.WriteString(" " + Quote(f))
	}
	if test != "" {
		b.WriteString(" -run " + Quote(RunPattern(test)))
	}
	for _, f := range a.Test {
		tf := testFlags[f.Name]
		switch {
		case tf.replay == drop:
			continue
		case tf.replay == run && test != "":
			continue
		case f.Name == "timeout":
			if d, err := time.ParseDuration(f.Value); err == nil && d == goTestDefaultTimeout {
				continue
			}
		case f.Name == "v" && f.Value == "test2json": // go test -json
			f.Value = "true"
		}
		switch {
		case tf.isBool && f.Value == "true":
			b.WriteString(" -" + f.Name)
		default:
			b.WriteString(" " + Quote("-"+f.Name+"="+f.Value))
		}
	}
	b.WriteString(" " + Quote(pkg))
	if len(a.Package) > 0 {
		if a.ambiguous {
			b.WriteString(" -args")
		}
		b.WriteString(" " + QuoteAll(a.Package))
	}
	return b.String()
}

// StripFlags returns args without the flags named in names (and their
// separate values), knowing which flags are boolean from isBool (flags it
// does not know take a separate value unless it starts with "-"). Parsing
// stops at "--" or the first argument that is not a flag.
func StripFlags(args []string, names map[string]bool, isBool IsBoolFunc) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" || len(arg) < 2 || arg[0] != '-' {
			return append(out, args[i:]...)
		}
		name := strings.TrimPrefix(strings.TrimPrefix(arg, "-"), "-")
		name, _, hasValue := strings.Cut(name, "=")
		b, known := isBool(name)
		takesNext := !hasValue && i+1 < len(args) && !(known && b) && (known || !strings.HasPrefix(args[i+1], "-"))
		if names[name] {
			if takesNext {
				i++
			}
			continue
		}
		out = append(out, arg)
		if takesNext {
			i++
			out = append(out, args[i])
		}
	}
	return out
}

// Binary returns the command line that replays a simulated binary's run
// with options o: argv with its -seed, -profile and -options flags
// replaced by Flags(o); isBool knows the binary's flags.
func Binary(o runtime.Options, argv []string, isBool IsBoolFunc) string {
	prog, rest := "simulated", []string(nil)
	if len(argv) > 0 {
		prog, rest = argv[0], argv[1:]
	}
	args := append(Flags(o), StripFlags(rest, map[string]bool{"seed": true, "profile": true, "options": true}, isBool)...)
	return fmt.Sprintf("%s %s", Quote(prog), QuoteAll(args))
}
