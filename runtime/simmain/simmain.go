// Package simmain runs a rewritten main package as the nodes of a simulated
// cluster: it is the body of the binaries `mgen build` makes. The generated
// driver of a main package (zz_mgen_main.go) calls Main with the program's
// renamed main function and, optionally, the user's workload.
//
// A run: parse the flags (Usage documents them), expand the seed and profile
// into the option set and print it, create the program's nodes node1..nodeN
// on the simulated network (10.0.0.2, ...), give each its arguments, start
// each (a process start: the program's packages initialised afresh, then its
// main), let the option set's node faults crash, restart and pause them,
// and run the workload on node0 (10.0.0.1) until it returns; without a
// workload, run for -duration of simulated time or until every node has
// exited. Then print the summary line and exit with the failure kind's code
// (runtime.Kind.ExitCode), 1 if a node exited with a non-zero code, or 0.
package simmain

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	goruntime "runtime"

	"github.com/marionette-dst/marionette/internal/replaycmd"
	"github.com/marionette-dst/marionette/runtime"
	// The standard library's hooks, set when the binary is built with
	// the std overlay (mgen -std); inert otherwise.
	_ "github.com/marionette-dst/marionette/runtime/stdhooks"
)

// Program is what the generated driver passes to Main.
type Program struct {
	// Path is the import path of the user's main package.
	Path string
	// Main is the program's main function, renamed by the rewriter.
	Main func()
	// Workload, if not nil, drives and checks the cluster. It runs on node0
	// as the root goroutine of the run; when it returns the run ends. An
	// error fails the run as a check failure. It may register checkers
	// (World.AddChecker) and enter the liveness phase (runtime.Liveness).
	Workload func(w *runtime.World) error
	// WorkloadPath is the import path of the workload package.
	WorkloadPath string
}

// Usage is the help text of a simulated binary (-h).
const Usage = `usage: %[1]s [flags]

Runs %[2]s as a simulated cluster: N nodes of the program on a simulated
network and disks, under the Marionette simulator, from one seed. The same
seed, profile and flags always give the same run (the summary line's hash).

Flags:
  -seed S         seed: a decimal number or a 40-hex git commit (default:
                  $MARIONETTE_SEED, or 1)
  -profile P      smoke, swarm, performance or replay (default:
                  $MARIONETTE_PROFILE, or smoke); replay takes the exact option
                  set from -options or $MARIONETTE_OPTIONS
  -options JSON   the option set to replay (a printed json line, or @file;
                  default: $MARIONETTE_OPTIONS); it must be complete, and a
                  seed or profile given too must agree with it
  -nodes N        number of nodes running the program (default 3)
  -args ARGS      command-line arguments of every node, split like a shell
                  would (quotes, backslashes)
  -node-args 'NAME: ARGS'
                  arguments of one node, replacing -args for it (repeatable),
                  e.g. -node-args 'node2: -port 81'
  -duration D     simulated time to run without a workload (default 1m);
                  the run also ends when every node has exited
  -faults         let the option set's node faults crash, restart and pause
                  the nodes (default true)
  -runs N         swarm: run N seeds from -seed upwards, each in a child
                  process of this binary (default 1: one run, in this process)
  -seeds LIST     swarm: run these seeds, e.g. 1,5,10-20
  -j N            swarm: seeds run at a time (default: the number of CPUs)
  -json FILE      swarm: write one JSON line per seed (seed, outcome, kind,
                  exit code, simulated and wall time, hash, replay command)
  -v              print each node's final state
  -h              print this help

In arguments, {name} is the node's name (node1...), {id} its number (1...),
{addr} its address (10.0.0.2...), {nodes} the addresses of all the program's
nodes and {peers} those of the other nodes, comma-separated. Argument 0 is
the program name.

Output: the expanded option set first, then what the nodes print, then a
failure report if the run failed, and the summary line
  marionette: run=... seed=... hash=... result=ok
Exit status: 0 ok; 1 a node exited with a non-zero code; 2 bad flags or options;
10 panic, 11 deadlock, 12 stuck, 13 limit, 14 check, 15 foreign,
16 liveness, 17 escape (runtime.Kind.ExitCode). In swarm mode: a progress line on
standard error, the failing seeds cheapest repro first (least simulated
time) with the output of the first and a replay command for each, a
summary line, and the exit status of the cheapest failure (0 if none).
`

// Main runs the program and exits the process.
func Main(p Program) {
	os.Exit(Run(p, os.Args, os.Stdout, os.Stderr))
}

// config is the parsed command line.
type config struct {
	opts     runtime.Options
	nodes    int
	args     []string
	nodeArgs map[string][]string
	duration time.Duration
	faults   bool
	verbose  bool
	replay   string
	// optionSet: the options are an option set to replay (-options or
	// $MARIONETTE_OPTIONS), not a seed's expansion.
	optionSet bool
	// isBool knows the binary's flags (for replay commands).
	isBool replaycmd.IsBoolFunc

	// swarm mode (swarm.go)
	runs      int
	seedsList string
	jobs      int
	jsonPath  string
}

// Run runs the program with command line argv (argv[0] is the binary) and
// returns the exit status.
func Run(p Program, argv []string, stdout, stderr io.Writer) int {
	prog := "simulated"
	if len(argv) > 0 {
		prog = argv[0]
	}
	cfg, err := parse(argv)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(stdout, Usage, prog, p.Path)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\nrun %s -h for help\n", prog, err, prog)
		return 2
	}
	if cfg.runs > 1 || cfg.seedsList != "" {
		if cfg.optionSet || cfg.opts.Profile == runtime.Replay {
			fmt.Fprintf(stderr, "%s: -runs and -seeds do not go with an option set to replay (-options or $%s): it is one run\nrun %s -h for help\n", prog, runtime.EnvOptions, prog)
			return 2
		}
		return runSwarm(p, argv, cfg, stdout, stderr)
	}
	o := cfg.opts
	fmt.Fprintf(stdout, "marionette: simulating %s: %d nodes, seed %d, profile %s\n", p.Path, cfg.nodes, o.Seed, o.Profile)
	fmt.Fprintln(stdout, "options:")
	for _, line := range strings.Split(strings.TrimRight(o.Text(), "\n"), "\n") {
		fmt.Fprintf(stdout, "  %s\n", line)
	}
	fmt.Fprintf(stdout, "  json: %s\n", o.JSON())

	w := runtime.NewWorld(o)
	w.SetName(p.Path)
	w.SetReplayCommand(cfg.replay)
	var nodes []*runtime.Node
	r := w.Run(func() { runCluster(w, p, cfg, &nodes) })

	if cfg.verbose {
		for _, n := range nodes {
			fmt.Fprintf(stdout, "marionette: %s %s: %s, incarnation %d, exit code %d\n",
				n.Name(), n.Addr(), n.State(), n.Incarnation(), n.ExitCode())
		}
	}
	code := 0
	if r.Failure != nil {
		fmt.Fprint(stderr, r.Failure.Report())
		code = r.Failure.Kind.ExitCode()
	} else if c, exited := w.ExitCode(); exited {
		// os.Exit outside the nodes' processes (in the workload) ends the run.
		fmt.Fprintf(stderr, "marionette: os.Exit(%d) outside the nodes ended the run\n  replay: %s\n", c, cfg.replay)
		if c != 0 {
			code = 1
		}
	} else {
		for _, n := range nodes {
			if n.State() == runtime.NodeExited && n.ExitCode() != 0 {
				fmt.Fprintf(stderr, "marionette: %s exited with code %d\n  replay: %s\n", n.Name(), n.ExitCode(), cfg.replay)
				code = 1
				break
			}
		}
	}
	fmt.Fprintln(stdout, r.Summary())
	return code
}

// runCluster is the root goroutine: it creates and starts the nodes (into
// *out, which the run's end reads even when the root never returns), then
// runs the workload or waits.
func runCluster(w *runtime.World, p Program, cfg *config, out *[]*runtime.Node) {
	nodes := make([]*runtime.Node, cfg.nodes)
	for i := range nodes {
		nodes[i] = w.NewNode("node" + strconv.Itoa(i+1))
	}
	*out = nodes
	var all []string
	for _, n := range nodes {
		all = append(all, n.Addr().String())
	}
	for i, n := range nodes {
		args := cfg.args
		if a, ok := cfg.nodeArgs[n.Name()]; ok {
			args = a
		}
		var peers []string
		for j, a := range all {
			if j != i {
				peers = append(peers, a)
			}
		}
		vars := strings.NewReplacer("{name}", n.Name(), "{id}", strconv.Itoa(i+1), "{addr}", all[i],
			"{nodes}", strings.Join(all, ","), "{peers}", strings.Join(peers, ","))
		argv := []string{programName(p.Path)}
		for _, a := range args {
			argv = append(argv, vars.Replace(a))
		}
		n.SetArgs(argv)
	}
	for _, n := range nodes {
		n.SetFaulty(cfg.faults)
		n.Start(func() {
			runtime.StartProgram(p.Path)
			p.Main()
		})
	}
	if p.Workload != nil {
		runtime.StartProgram(p.WorkloadPath)
		if err := p.Workload(w); err != nil {
			w.Fail(runtime.KindCheck, "workload: "+err.Error())
		}
		return
	}
	g := runtime.Current()
	woken := false
	wake := func() {
		if !woken {
			woken = true
			w.Ready(g)
		}
	}
	end := w.ScheduleRunEnd(cfg.duration, "simmain.duration", wake)
	for _, n := range nodes {
		n.On(runtime.HookExit, func(*runtime.Node) {
			for _, m := range nodes {
				if m.State() != runtime.NodeExited {
					return
				}
			}
			wake()
		})
	}
	g.Park("simmain", "running the cluster for -duration")
	end.Cancel()
}

func programName(path string) string {
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		return path[i+1:]
	}
	return path
}

// parse reads the command line.
func parse(argv []string) (*config, error) {
	fs := flag.NewFlagSet("simulated", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	seed := fs.String("seed", "", "")
	profile := fs.String("profile", "", "")
	options := fs.String("options", "", "")
	nodes := fs.Int("nodes", 3, "")
	args := fs.String("args", "", "")
	var nodeArgs []string
	fs.Func("node-args", "", func(s string) error { nodeArgs = append(nodeArgs, s); return nil })
	duration := fs.Duration("duration", time.Minute, "")
	faults := fs.Bool("faults", true, "")
	verbose := fs.Bool("v", false, "")
	runs := fs.Int("runs", 1, "")
	seedsList := fs.String("seeds", "", "")
	jobs := fs.Int("j", goruntime.NumCPU(), "")
	jsonPath := fs.String("json", "", "")
	var rest []string
	if len(argv) > 1 {
		rest = argv[1:]
	}
	if err := fs.Parse(rest); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q (program arguments go in -args)", fs.Arg(0))
	}
	cfg := &config{nodes: *nodes, duration: *duration, faults: *faults, verbose: *verbose, nodeArgs: map[string][]string{},
		runs: *runs, seedsList: *seedsList, jobs: max(1, *jobs), jsonPath: *jsonPath}
	if cfg.runs < 1 {
		return nil, fmt.Errorf("-runs must be at least 1")
	}
	if cfg.nodes < 1 {
		return nil, fmt.Errorf("-nodes must be at least 1")
	}
	var err error
	if cfg.args, err = SplitArgs(*args); err != nil {
		return nil, fmt.Errorf("-args: %v", err)
	}
	for _, na := range nodeArgs {
		name, rest, ok := strings.Cut(na, ":")
		name = strings.TrimSpace(name)
		n, _ := strings.CutPrefix(name, "node")
		if i, err := strconv.Atoi(n); !ok || err != nil || i < 1 || i > cfg.nodes || name != "node"+n {
			return nil, fmt.Errorf("-node-args %q: want 'nodeK: ARGS' with K from 1 to %d", na, cfg.nodes)
		}
		if cfg.nodeArgs[name], err = SplitArgs(rest); err != nil {
			return nil, fmt.Errorf("-node-args %q: %v", na, err)
		}
	}

	// The option set: runtime.ResolveOptions, each flag replacing its
	// environment variable.
	in := runtime.EnvOptionInputs().Override(runtime.OptionInputs{
		Seed:       runtime.OptionInput{Value: *seed, From: "-seed"},
		Profile:    runtime.OptionInput{Value: *profile, From: "-profile"},
		Options:    runtime.OptionInput{Value: *options, From: "-options"},
		OptionsVia: "-options or $" + runtime.EnvOptions,
	})
	if cfg.opts, err = runtime.ResolveOptions(in); err != nil {
		return nil, err
	}
	cfg.optionSet = in.Options.Value != ""
	cfg.isBool = replaycmd.FlagSetIsBool(fs)
	cfg.replay = replaycmd.Binary(cfg.opts, argv, cfg.isBool)
	return cfg, nil
}

// SplitArgs splits s into arguments as a POSIX shell would, without
// expansions: blanks separate arguments, single quotes keep everything,
// double quotes keep everything but backslash escapes of " and \, and a
// backslash outside quotes escapes the next character.
func SplitArgs(s string) ([]string, error) {
	var args []string
	var cur strings.Builder
	inArg := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unterminated single quote")
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inArg = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\') {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, fmt.Errorf("unterminated double quote")
			}
			inArg = true
		case c == '\\':
			if i+1 < len(s) {
				i++
				cur.WriteByte(s[i])
			}
			inArg = true
		default:
			cur.WriteByte(c)
			inArg = true
		}
	}
	if inArg {
		args = append(args, cur.String())
	}
	return args, nil
}
