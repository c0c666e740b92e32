package replaycmd

import (
	"flag"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/marionette-dst/marionette/runtime"
)

func smoke(t *testing.T, seed uint64) runtime.Options {
	t.Helper()
	o, err := runtime.Expand(seed, runtime.Smoke)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// The package's own flags, as a test binary defines them.
func userFlags() IsBoolFunc {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.Bool("kv.bug", false, "")
	fs.String("addr", "", "")
	fs.Bool("p", false, "") // a name go test has too
	fs.Duration("test.custom", 0, "")
	fs.Int("v", 0, "") // as glog and klog define it
	return FlagSetIsBool(fs)
}

// Defect 12: space-separated values of testing flags (-test.run X,
// -test.timeout 30s) were kept as package arguments, and go test then
// failed with "malformed import path".
func TestGoTestCommand(t *testing.T) {
	o := smoke(t, 3)
	env := "MARIONETTE_SEED=3 MARIONETTE_PROFILE=smoke go test"
	for _, c := range []struct {
		name string
		args []string
		test string
		want string
	}{
		{"go test's own flags", []string{"-test.paniconexit0", "-test.timeout=10m0s", "-test.run=^TestA$", "-test.v=true"}, "TestA",
			env + " -run '^TestA$' -v ./p"},
		{"space-separated values", []string{"-test.run", "X|Y", "-test.timeout", "30s", "-test.count", "1", "-test.v"}, "TestA/sub_1",
			env + " -run '^TestA$/^sub_1$' -timeout=30s -count=1 -v ./p"},
		{"double dashes and go test forms", []string{"--test.short", "--test.skip=B C", "-parallel", "2", "-failfast"}, "TestA",
			env + " -run '^TestA$' -short '-skip=B C' -parallel=2 -failfast ./p"},
		{"package flags after the package", []string{"-test.run", "T", "-kv.bug", "-addr", "10.0.0.1:80", "-test.v=test2json"}, "TestA",
			env + " -run '^TestA$' -v ./p -kv.bug -addr 10.0.0.1:80"},
		{"a boolean package flag then a positional argument", []string{"-kv.bug", "pos", "-test.short"}, "TestA",
			env + " -run '^TestA$' ./p -args -kv.bug pos -test.short"},
		{"a package flag named like a go test flag", []string{"-p", "-addr=x y"}, "TestA",
			env + " -run '^TestA$' ./p -args -p '-addr=x y'"},
		{"an unknown testing flag", []string{"-test.custom", "5s", "-test.run=A"}, "TestA",
			env + " -run '^TestA$' ./p -args -test.custom 5s"},
		{"profiles and files are left out", []string{"-test.cpuprofile", "c.out", "-test.testlogfile=/tmp/x", "-test.gocoverdir=/tmp", "-test.bench", "."}, "TestA",
			env + " -run '^TestA$' ./p"},
		{"no test: the arguments' own -run", []string{"-test.run", "^TestB$", "-test.v"}, "",
			env + " '-run=^TestB$' -v ./p"},
		{"a value with a quote", []string{"-addr", "it's"}, "TestA",
			env + ` -run '^TestA$' ./p -addr 'it'\''s'`},
		{"-args", []string{"-test.v", "-args", "-run", "x"}, "TestA",
			env + " -run '^TestA$' -v ./p -args -run x"},
		{"a package flag named like a testing flag", []string{"-test.v=true", "-v", "2", "-test.run=X"}, "TestA",
			env + " -run '^TestA$' -v ./p -args -v 2"},
		{"--", []string{"-test.v", "--", "-x"}, "TestA",
			env + " -run '^TestA$' -v ./p -args -- -x"},
	} {
		got := GoTest(o, c.test, "./p", ParseTestArgs(c.args, userFlags()))
		if got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
}

// Without the binary's flag set (mgen reading go test flags), a package
// flag followed by a separate argument takes it as its value, as go test
// assumes.
func TestParseTestArgsUnknownArity(t *testing.T) {
	a := ParseTestArgs([]string{"-run", "X", "-myflag", "v", "-v", "-count=2", "-other", "-short", "-args", "-run", "y"}, nil)
	if want := []string{"-test.run=X", "-test.v=true", "-test.count=2", "-test.short=true", "-myflag", "v", "-other", "-run", "y"}; !slices.Equal(a.BinaryArgs(), want) {
		t.Errorf("binary args %q, want %q", a.BinaryArgs(), want)
	}
	if a.TestRun() != "X" {
		t.Errorf("TestRun %q", a.TestRun())
	}
}

func TestEnvAndFlagsReproduceTheOptions(t *testing.T) {
	o := smoke(t, 5)
	if got := strings.Join(Env(o), " "); got != "MARIONETTE_SEED=5 MARIONETTE_PROFILE=smoke" {
		t.Errorf("Env = %s", got)
	}
	if got := strings.Join(Flags(o), " "); got != "-seed 5 -profile smoke" {
		t.Errorf("Flags = %s", got)
	}
	o.Limits.BusyWall = time.Second // edited: only the whole set reproduces it
	env := Env(o)
	if env[0] != "MARIONETTE_PROFILE=replay" || env[1] != "MARIONETTE_OPTIONS="+o.JSON() {
		t.Errorf("Env of an edited set = %q", env)
	}
	for _, e := range env {
		k, v, _ := strings.Cut(e, "=")
		t.Setenv(k, v)
	}
	t.Setenv(runtime.EnvSeed, "")
	back, err := runtime.OptionsFromEnv()
	if err != nil || back.JSON() != strings.Replace(o.JSON(), `"profile":"smoke"`, `"profile":"replay"`, 1) || back.Limits.BusyWall != time.Second {
		t.Errorf("the environment of Env resolves to %v, %v", back.Limits, err)
	}
	if got := QuoteAll(Flags(o)); !strings.HasPrefix(got, "-profile replay -options '{") {
		t.Errorf("Flags of an edited set = %s", got)
	}
}

func TestBinaryCommand(t *testing.T) {
	fs := flag.NewFlagSet("sim", flag.ContinueOnError)
	fs.String("seed", "", "")
	fs.String("profile", "", "")
	fs.String("options", "", "")
	fs.Bool("faults", true, "")
	fs.String("args", "", "")
	fs.Int("nodes", 3, "")
	isBool := FlagSetIsBool(fs)
	o := smoke(t, 9)
	for _, c := range []struct {
		argv []string
		want string
	}{
		{[]string{"./srv"}, "./srv -seed 9 -profile smoke"},
		{[]string{"./srv", "-seed", "4", "--profile=swarm", "-nodes", "5", "-faults", "-args", "-id {id}"}, "./srv -seed 9 -profile smoke -nodes 5 -faults -args '-id {id}'"},
		{[]string{"/tmp/my bin", "-options", "@f.json", "-faults=false"}, "'/tmp/my bin' -seed 9 -profile smoke -faults=false"},
	} {
		if got := Binary(o, c.argv, isBool); got != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.argv, got, c.want)
		}
	}
}

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{
		"":          "''",
		"./a/b":     "./a/b",
		"^T$":       "'^T$'",
		"a b":       "'a b'",
		"it's":      `'it'\''s'`,
		"x=1,y@z%":  "x=1,y@z%",
		"$HOME":     "'$HOME'",
		"{\"a\":1}": `'{"a":1}'`,
	} {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
}
