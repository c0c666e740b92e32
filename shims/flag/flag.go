// Package flag is the simulated replacement of the standard package flag.
// Rewritten code imports it under the std name; its API is std's (FlagSet,
// Flag, Value and the other types are std's, by alias).
//
// Under simulation the command-line flag set that the package-level
// functions use (Int, String, Var, Parse, Args, Lookup, Visit, ...) is the
// calling node's: each node's process registers its own flags (package
// initialisation runs per node, docs/nodes.md) and Parse parses the node's
// own arguments (os.Args of rewritten code, runtime.Args). A parse error
// ends the node's process with status 2, and -h or -help with status 0,
// through the os shim's Exit, never the real process. Every process start
// of a node (a restart) begins with an empty flag set, as a real process
// does. Outside a simulation every function is std's, on std's CommandLine.
//
// In a test binary, std's CommandLine is parsed natively by the testing
// package before any simulated test runs. A flag a node registers takes
// the value that flag was given there, so a test's own flags (-update,
// -buggy, ...) keep their values under simulation.
//
// Differences from std that remain: the variable CommandLine is std's set,
// the process's, not the node's; a node's set writes its usage and errors to
// the real standard error.
package flag

import (
	"encoding"
	stdflag "flag"
	"fmt"
	"time"

	"github.com/marionette-dst/marionette/runtime"
	"github.com/marionette-dst/marionette/shims/os"
)

// cmdline holds a node's flag set; it is emptied at every process start.
type cmdline struct{ fs *stdflag.FlagSet }

type cmdlineKey struct{}

// commandLine returns the calling node's flag set, or std's CommandLine
// outside a simulation.
func commandLine() *stdflag.FlagSet {
	var n *runtime.Node
	if g := runtime.Current(); g != nil {
		n = g.Node()
	} else if g := runtime.Lookup(); g != nil {
		n = g.World().DefaultNode() // a scheduler event callback
	}
	if n == nil {
		return stdflag.CommandLine
	}
	c := n.Local(cmdlineKey{}, func() any {
		c := &cmdline{}
		n.On(runtime.HookStart, func(*runtime.Node) { c.fs = nil })
		return c
	}).(*cmdline)
	if c.fs == nil {
		name := "simulated"
		if args := n.NodeArgs(); len(args) > 0 {
			name = args[0]
		}
		c.fs = stdflag.NewFlagSet(name, stdflag.ContinueOnError)
		c.fs.Usage = func() { Usage() }
	}
	return c.fs
}

// inherit gives flag name of a node's set fs the value std's CommandLine
// was given, if it was parsed natively and set it.
func inherit(fs *stdflag.FlagSet, name string) {
	if fs == stdflag.CommandLine || !stdflag.CommandLine.Parsed() {
		return
	}
	stdflag.CommandLine.Visit(func(f *stdflag.Flag) {
		if f.Name == name {
			fs.Set(name, f.Value.String())
		}
	})
}

// Usage prints a usage message documenting all defined command-line flags
// to the command line's output, which by default is os.Stderr. It is called
// when an error occurs while parsing flags. The function is a variable that
// may be changed to point to a custom function.
var Usage func()

// Set in init: Usage's default refers to the flag set, whose usage calls
// Usage.
func init() {
	Usage = func() {
		fs := commandLine()
		fmt.Fprintf(fs.Output(), "Usage of %s:\n", fs.Name())
		fs.PrintDefaults()
	}
}

// Parse parses the command-line flags from os.Args[1:]. Must be called
// after all flags are defined and before flags are accessed by the program.
// Under simulation it parses the node's arguments into the node's flag set.
func Parse() {
	fs := commandLine()
	if fs == stdflag.CommandLine {
		stdflag.Parse()
		return
	}
	var args []string
	if a := *runtime.Args(); len(a) > 1 {
		args = a[1:]
	}
	if err := fs.Parse(args); err != nil {
		if err == stdflag.ErrHelp {
			os.Exit(0)
		}
		os.Exit(2)
	}
}

// Parsed reports whether the command-line flags have been parsed.
func Parsed() bool { return commandLine().Parsed() }

// Args returns the non-flag command-line arguments.
func Args() []string { return commandLine().Args() }

// Arg returns the i'th command-line argument. Arg(0) is the first remaining
// argument after flags have been processed. Arg returns an empty string if
// the requested element does not exist.
func Arg(i int) string { return commandLine().Arg(i) }

// NArg is the number of arguments remaining after flags have been processed.
func NArg() int { return commandLine().NArg() }

// NFlag returns the number of command-line flags that have been set.
func NFlag() int { return commandLine().NFlag() }

// Lookup returns the [Flag] structure of the named command line flag,
// returning nil if none exists.
func Lookup(name string) *Flag { return commandLine().Lookup(name) }

// Set sets the value of the named command-line flag.
func Set(name, value string) error { return commandLine().Set(name, value) }

// Visit visits the command-line flags in lexicographical order, calling fn
// for each. It visits only those flags that have been set.
func Visit(fn func(*Flag)) { commandLine().Visit(fn) }

// VisitAll visits the command-line flags in lexicographical order, calling
// fn for each. It visits all flags, even those not set.
func VisitAll(fn func(*Flag)) { commandLine().VisitAll(fn) }

// PrintDefaults prints, to standard error unless configured otherwise, a
// usage message showing the default settings of all defined command-line
// flags.
func PrintDefaults() { commandLine().PrintDefaults() }

// Var defines a flag with the specified name and usage string.
func Var(value Value, name string, usage string) {
	fs := commandLine()
	fs.Var(value, name, usage)
	inherit(fs, name)
}

// BoolVar defines a bool flag with specified name, default value, and usage
// string. The argument p points to a bool variable in which to store the
// value of the flag.
func BoolVar(p *bool, name string, value bool, usage string) {
	fs := commandLine()
	fs.BoolVar(p, name, value, usage)
	inherit(fs, name)
}

// Bool defines a bool flag with specified name, default value, and usage
// string. The return value is the address of a bool variable that stores
// the value of the flag.
func Bool(name string, value bool, usage string) *bool {
	p := new(bool)
	BoolVar(p, name, value, usage)
	return p
}

// IntVar defines an int flag with specified name, default value, and usage
// string.
func IntVar(p *int, name string, value int, usage string) {
	fs := commandLine()
	fs.IntVar(p, name, value, usage)
	inherit(fs, name)
}

// Int defines an int flag with specified name, default value, and usage
// string.
func Int(name string, value int, usage string) *int {
	p := new(int)
	IntVar(p, name, value, usage)
	return p
}

// Int64Var defines an int64 flag with specified name, default value, and
// usage string.
func Int64Var(p *int64, name string, value int64, usage string) {
	fs := commandLine()
	fs.Int64Var(p, name, value, usage)
	inherit(fs, name)
}

// Int64 defines an int64 flag with specified name, default value, and usage
// string.
func Int64(name string, value int64, usage string) *int64 {
	p := new(int64)
	Int64Var(p, name, value, usage)
	return p
}

// UintVar defines a uint flag with specified name, default value, and usage
// string.
func UintVar(p *uint, name string, value uint, usage string) {
	fs := commandLine()
	fs.UintVar(p, name, value, usage)
	inherit(fs, name)
}

// Uint defines a uint flag with specified name, default value, and usage
// string.
func Uint(name string, value uint, usage string) *uint {
	p := new(uint)
	UintVar(p, name, value, usage)
	return p
}

// Uint64Var defines a uint64 flag with specified name, default value, and
// usage string.
func Uint64Var(p *uint64, name string, value uint64, usage string) {
	fs := commandLine()
	fs.Uint64Var(p, name, value, usage)
	inherit(fs, name)
}

// Uint64 defines a uint64 flag with specified name, default value, and
// usage string.
func Uint64(name string, value uint64, usage string) *uint64 {
	p := new(uint64)
	Uint64Var(p, name, value, usage)
	return p
}

// StringVar defines a string flag with specified name, default value, and
// usage string.
func StringVar(p *string, name string, value string, usage string) {
	fs := commandLine()
	fs.StringVar(p, name, value, usage)
	inherit(fs, name)
}

// String defines a string flag with specified name, default value, and
// usage string.
func String(name string, value string, usage string) *string {
	p := new(string)
	StringVar(p, name, value, usage)
	return p
}

// Float64Var defines a float64 flag with specified name, default value, and
// usage string.
func Float64Var(p *float64, name string, value float64, usage string) {
	fs := commandLine()
	fs.Float64Var(p, name, value, usage)
	inherit(fs, name)
}

// Float64 defines a float64 flag with specified name, default value, and
// usage string.
func Float64(name string, value float64, usage string) *float64 {
	p := new(float64)
	Float64Var(p, name, value, usage)
	return p
}

// DurationVar defines a time.Duration flag with specified name, default
// value, and usage string.
func DurationVar(p *time.Duration, name string, value time.Duration, usage string) {
	fs := commandLine()
	fs.DurationVar(p, name, value, usage)
	inherit(fs, name)
}

// Duration defines a time.Duration flag with specified name, default value,
// and usage string.
func Duration(name string, value time.Duration, usage string) *time.Duration {
	p := new(time.Duration)
	DurationVar(p, name, value, usage)
	return p
}

// TextVar defines a flag with a specified name, default value, and usage
// string. The argument p must be a pointer to a variable that will hold the
// value of the flag, and p must implement encoding.TextUnmarshaler.
func TextVar(p encoding.TextUnmarshaler, name string, value encoding.TextMarshaler, usage string) {
	fs := commandLine()
	fs.TextVar(p, name, value, usage)
	inherit(fs, name)
}

// Func defines a flag with the specified name and usage string. Each time
// the flag is seen, fn is called with the value of the flag.
func Func(name, usage string, fn func(string) error) {
	fs := commandLine()
	fs.Func(name, usage, fn)
	inherit(fs, name)
}

// BoolFunc defines a flag with the specified name and usage string without
// requiring values. Each time the flag is seen, fn is called with the value
// of the flag.
func BoolFunc(name, usage string, fn func(string) error) {
	fs := commandLine()
	fs.BoolFunc(name, usage, fn)
	inherit(fs, name)
}
