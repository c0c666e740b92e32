package flag_test

import (
	stdflag "flag"
	"slices"
	"testing"
	"time"

	"github.com/marionette-dst/marionette/runtime"
	"github.com/marionette-dst/marionette/shims/flag"
)

func run(t *testing.T, main func(w *runtime.World)) {
	t.Helper()
	o, _ := runtime.Expand(1, runtime.Smoke)
	w := runtime.NewWorld(o)
	r := w.Run(func() { main(w) })
	if r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
}

type parsed struct {
	port int
	rest []string
}

// The program every node runs: define a flag, parse the node's arguments.
func program(out chan<- parsed) func() {
	return func() {
		port := flag.Int("port", 1, "port")
		flag.Parse()
		runtime.Send(out, parsed{*port, flag.Args()})
		runtime.Current().Sleep(time.Hour)
	}
}

func TestEachNodeParsesItsOwnArgs(t *testing.T) {
	run(t, func(w *runtime.World) {
		got := make(chan parsed, 2)
		a, b := w.NewNode("a"), w.NewNode("b")
		a.SetArgs([]string{"kv", "-port", "80", "x"})
		b.SetArgs([]string{"kv"})
		a.Start(program(got))
		pa := runtime.Recv(got)
		b.Start(program(got))
		pb := runtime.Recv(got)
		if pa.port != 80 || !slices.Equal(pa.rest, []string{"x"}) || pb.port != 1 || len(pb.rest) != 0 {
			t.Errorf("node a parsed %v, node b %v", pa, pb)
		}
		// A restart starts with an empty flag set: defining -port again
		// does not panic.
		a.Crash()
		a.Restart()
		if p := runtime.Recv(got); p.port != 80 {
			t.Errorf("after restart node a parsed %v", p)
		}
	})
	if stdflag.Lookup("port") != nil {
		t.Error("a node's flag reached the process's command line")
	}
}

func TestParseErrorEndsTheNode(t *testing.T) {
	run(t, func(w *runtime.World) {
		for _, c := range []struct {
			args string
			code int
		}{{"-nope", 2}, {"-h", 0}} {
			args, code := c.args, c.code
			n := w.NewNode("n" + args)
			n.SetArgs([]string{"kv", args})
			n.Start(program(make(chan parsed, 1)))
			runtime.Current().Sleep(time.Second)
			if n.State() != runtime.NodeExited || n.ExitCode() != code {
				t.Errorf("%s: node %s with code %d, want exited with %d", args, n.State(), n.ExitCode(), code)
			}
		}
	})
}

var native = stdflag.String("shimflag.test", "default", "set natively by the test")

func TestInheritsTheTestBinaryFlags(t *testing.T) {
	stdflag.Set("shimflag.test", "native value") // as if given on the command line
	defer stdflag.Set("shimflag.test", "default")
	run(t, func(w *runtime.World) {
		got := make(chan string, 1)
		w.NewNode("n").Go("define", func() {
			runtime.Send(got, *flag.String("shimflag.test", "default", ""))
		})
		if v := runtime.Recv(got); v != "native value" {
			t.Errorf("node's flag = %q, want the test binary's value", v)
		}
	})
	// Outside a simulation the shim is std.
	if flag.Lookup("shimflag.test") != stdflag.Lookup("shimflag.test") || !flag.Parsed() {
		t.Error("outside a simulation the shim does not use std's CommandLine")
	}
}
