// This file defines the per-node state of rewritten packages: every
// package-level variable of rewritten code has one instance per node, so two
// nodes running the same package never share globals, and a node's process
// start (Node.Start, every restart) begins with fresh variables and runs the
// package initialisers again, in Go's order.
//
// The rewriter keeps each variable's declaration (the process-wide
// instance, initialised natively by Go at program start, used outside any
// simulation) and adds a cell for it:
//
//	var count = load()                  // the user's declaration, kept
//	var mrtg_count = mrt.NewVar(mrtgPkg, &count)
//
// Every use of count becomes (*mrtg_count.Get(&count)): the calling node's
// instance under simulation, the declared variable outside. The package's
// variable initialisers (in types.Info.InitOrder) and its init functions (in
// file order) are registered with Package.Setup and run per node:
//
//   - at a node's process start, for the program the node runs
//     (StartProgram: the main package and every rewritten package it
//     imports, in the order Go initialised them natively);
//   - otherwise on the node's first use of any package variable, for every
//     rewritten package of the binary (tests: the default node initialises
//     the whole test binary, as a test process does), and for a package
//     outside the node's program when the node first uses it.
//
// The fast path of Get is one registry lookup of the calling goroutine and
// one slice index (docs/performance.md has the cost).

package runtime

import (
	"fmt"
	"os"
	"slices"
	"sync"
	"unsafe"
)

// pkgCell points to one node's instance of a package variable.
type pkgCell = unsafe.Pointer

// Package is the package state of one rewritten package: its variables'
// cells, its variable initialisers and init functions, and the rewritten
// packages with state it imports.
type Package struct {
	path      string
	seq       int // registration order: the order Go initialised packages natively
	deps      []string
	depPkgs   []*Package
	resolved  bool
	vars      []pkgVar
	varInits  []func()
	initFuncs []func()
}

type pkgVar struct {
	id    int
	alloc func() pkgCell
}

// pkgRegistry holds every Package of the process. It is filled during
// package initialisation (one goroutine, before main) and only read after,
// like the goroutine registry it is process infrastructure, not simulation
// state.
var pkgRegistry struct {
	mu     sync.Mutex
	byPath map[string]*Package
	all    []*Package
	nvars  int
}

// NewPackage registers the package state of the rewritten package with
// import path path (the user's path, not the generated one). deps are the
// import paths of the rewritten packages with state that it imports. The
// generated code calls it in a package-level variable initialiser, so
// packages register in the order Go initialises them.
func NewPackage(path string, deps ...string) *Package {
	pkgRegistry.mu.Lock()
	defer pkgRegistry.mu.Unlock()
	if pkgRegistry.byPath == nil {
		pkgRegistry.byPath = map[string]*Package{}
	}
	if _, dup := pkgRegistry.byPath[path]; dup {
		panic(fmt.Sprintf("marionette: package state of %s registered twice", path))
	}
	p := &Package{path: path, seq: len(pkgRegistry.all), deps: slices.Clone(deps)}
	pkgRegistry.byPath[path] = p
	pkgRegistry.all = append(pkgRegistry.all, p)
	return p
}

// Path returns the package's import path.
func (p *Package) Path() string { return p.path }

// Setup adds the package's variable initialisers (in initialisation order)
// and init functions (in file order), and further dependencies (those of
// test files). The generated init function of the package calls it, then
// its test files' generated init function; a node runs every variable
// initialiser before the first init function, as Go does.
func (p *Package) Setup(varInits, initFuncs []func(), deps ...string) {
	pkgRegistry.mu.Lock()
	defer pkgRegistry.mu.Unlock()
	p.varInits = append(p.varInits, varInits...)
	p.initFuncs = append(p.initFuncs, initFuncs...)
	p.deps = append(p.deps, deps...)
	p.resolved = false
}

// Var is the cell of one package-level variable of type T.
type Var[T any] struct {
	p  *Package
	id int
}

// NewVar registers a package variable of p; native is the declared
// variable, which only gives the type here.
func NewVar[T any](p *Package, native *T) *Var[T] {
	pkgRegistry.mu.Lock()
	defer pkgRegistry.mu.Unlock()
	id := pkgRegistry.nvars
	pkgRegistry.nvars++
	p.vars = append(p.vars, pkgVar{id: id, alloc: func() pkgCell { return pkgCell(new(T)) }})
	return &Var[T]{p: p, id: id}
}

// Get returns the calling node's instance of the variable, initialising the
// node's packages on first use; outside a simulation it returns native, the
// declared variable. A nil Var (a use during package initialisation that
// Go's dependency analysis could not see) also returns native.
func (v *Var[T]) Get(native *T) *T {
	if v != nil {
		if c := cellOf(v.p, v.id); c != nil {
			return (*T)(c)
		}
	}
	return native
}

// cellOf returns the calling node's cell id of package p, or nil outside a
// simulation.
func cellOf(p *Package, id int) pkgCell {
	if activeWorlds.Load() == 0 {
		return nil // no simulation runs in this process
	}
	g := lookup(getg())
	if g == nil {
		return nil
	}
	if n := g.node; n != nil && id < len(n.pkgCells) {
		if c := n.pkgCells[id]; c != nil {
			return c
		}
	}
	return cellSlow(p, id, g)
}

func cellSlow(p *Package, id int, g *G) pkgCell {
	n := g.node
	if n == nil {
		n = g.w.DefaultNode() // an event callback, run by the scheduler
	}
	st := pkgStateOf(n)
	if !st.started {
		st.started = true
		st.initProgram(n)
	}
	if id >= len(n.pkgCells) || n.pkgCells[id] == nil {
		st.ensure(n, p) // a package outside the node's program
	}
	return n.pkgCells[id]
}

// nodePkgs is a node's package state bookkeeping (the cells themselves are
// Node.pkgCells, for the fast path).
type nodePkgs struct {
	program *Package // the node's program; nil: every registered package
	named   bool     // program was set by StartProgram
	started bool     // the program's packages are initialised (or being)
	inited  map[*Package]bool
}

type pkgStateKey struct{}

func pkgStateOf(n *Node) *nodePkgs {
	return n.Local(pkgStateKey{}, func() any {
		st := &nodePkgs{inited: map[*Package]bool{}}
		// A process start begins with fresh package state.
		n.On(HookStart, func(n *Node) {
			n.pkgCells = nil
			*st = nodePkgs{inited: map[*Package]bool{}}
		})
		return st
	}).(*nodePkgs)
}

// initProgram initialises the node's program: its root package and every
// package the root depends on, or every registered package when the node
// has no program, in registration order (Go's native order).
func (st *nodePkgs) initProgram(n *Node) {
	var want map[*Package]bool
	if st.named {
		want = map[*Package]bool{}
		if st.program != nil {
			closure(st.program, want)
		}
	}
	for _, p := range pkgRegistry.all {
		if want == nil || want[p] {
			st.ensure(n, p)
		}
	}
}

func closure(p *Package, seen map[*Package]bool) {
	if seen[p] {
		return
	}
	seen[p] = true
	for _, d := range p.resolve() {
		closure(d, seen)
	}
}

// resolve returns the packages of p.deps that have state.
// Worlds running in parallel may call it at once: it takes the registry's
// lock (it is only on the path of a node's package initialisation).
func (p *Package) resolve() []*Package {
	pkgRegistry.mu.Lock()
	defer pkgRegistry.mu.Unlock()
	if !p.resolved {
		var ds []*Package
		for _, path := range p.deps {
			if d := pkgRegistry.byPath[path]; d != nil && !slices.Contains(ds, d) {
				ds = append(ds, d)
			}
		}
		slices.SortFunc(ds, func(a, b *Package) int { return a.seq - b.seq })
		p.depPkgs, p.resolved = ds, true
	}
	return p.depPkgs
}

// ensure initialises package p on node n once: fresh zero cells for its
// variables, its dependencies, then its variable initialisers and init
// functions, in the calling goroutine. Uses of the package's variables
// during initialisation (by the initialisers, or by goroutines they start)
// see the cells as they are, as in Go.
func (st *nodePkgs) ensure(n *Node, p *Package) {
	if st.inited[p] {
		return
	}
	st.inited[p] = true
	// The cells first: a use while the dependencies initialise (from
	// another goroutine of the node) finds zero values, never the
	// process-wide instance.
	if total := pkgRegistry.nvars; len(n.pkgCells) < total {
		n.pkgCells = append(n.pkgCells, make([]pkgCell, total-len(n.pkgCells))...)
	}
	for _, v := range p.vars {
		n.pkgCells[v.id] = v.alloc()
	}
	for _, d := range p.resolve() {
		st.ensure(n, d)
	}
	w := n.w
	w.Trace("pkg.init", w.cur, int64(n.id), p.path)
	for _, f := range p.varInits {
		f()
	}
	for _, f := range p.initFuncs {
		f()
	}
}

// StartProgram makes the rewritten package with import path path (a main
// package) the program of the calling goroutine's node and initialises it
// now, with every rewritten package it imports, in Go's order, as a process
// start does. Call it first thing in the node's main function (the driver
// of a simulated binary does). Packages outside the program are initialised
// on the node only if it uses them. Outside a simulation it does nothing:
// Go initialised the packages already.
func StartProgram(path string) {
	g := lookup(getg())
	if g == nil || g.driver {
		return
	}
	n := g.node
	st := pkgStateOf(n)
	if !st.started {
		st.named = true
		st.program = pkgRegistry.byPath[path]
		st.started = true
	}
	if p := pkgRegistry.byPath[path]; p != nil {
		st.ensure(n, p)
	}
	st.initProgram(n)
}

// PackageInitialized reports whether the package with import path path has
// been initialised on node n (tests, reports).
func (n *Node) PackageInitialized(path string) bool {
	st, ok := n.locals[pkgStateKey{}].(*nodePkgs)
	if !ok {
		return false
	}
	p := pkgRegistry.byPath[path]
	return p != nil && st.inited[p]
}

// ResetPackageState discards the node's package state: its next use of a
// package variable (or StartProgram) starts from fresh variables and runs
// the initialisers again. Node.Start does this at every process start.
func (n *Node) ResetPackageState() {
	n.pkgCells = nil
	if st, ok := n.locals[pkgStateKey{}].(*nodePkgs); ok {
		*st = nodePkgs{inited: map[*Package]bool{}}
	}
}

// Process arguments: os.Args of rewritten code is the calling node's.

type argsKey struct{}

// Args returns the command-line arguments of the calling node's process:
// the rewriter turns every use of os.Args into (*Args()). A node's arguments
// are those given with Node.SetArgs, by default a copy of the real os.Args
// taken at first use. Outside a simulation it is &os.Args.
func Args() *[]string {
	g := lookup(getg())
	if g == nil {
		return &os.Args
	}
	n := g.node
	if n == nil {
		n = g.w.DefaultNode()
	}
	return n.args()
}

func (n *Node) args() *[]string {
	return n.Local(argsKey{}, func() any {
		a := slices.Clone(os.Args)
		return &a
	}).(*[]string)
}

// SetArgs sets the command-line arguments of the node's process (args[0] is
// the program name). They survive restarts, as a real process's do.
func (n *Node) SetArgs(args []string) { *n.args() = slices.Clone(args) }

// NodeArgs returns the command-line arguments of the node's process.
func (n *Node) NodeArgs() []string { return slices.Clone(*n.args()) }
