// This file defines Generate, the whole pipeline, and the layout of the
// output tree:
//
//	<module>/a/b/f.go            ->  <out>/_src/a/b/f.go  compiled in place of <module>/a/b/f.go (Result.Overlay)
//	other/mod/p (with -include)  ->  <out>/_ext/other/mod/p  import path <module>/<out>/_ext/other/mod/p
//
// The main module's packages are rewritten in place: the build replaces
// their files by the rewritten ones through the go command's -overlay, so
// their import paths, directories (testdata, embedded files, assembly) and
// function names are the user's. The rewritten files live below _src,
// which wildcards such as ./... skip (a directory starting with _), so the
// user's native builds never see them. The output directory must be inside
// the main module so the -include'd packages are ordinary packages of it.
// They keep their whole import path below _ext, so an internal package of
// theirs stays below the same parent as its importers and the internal rule
// still holds.

package rewrite

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"
)

// DefaultOut is the output directory, relative to the main module's root.
const DefaultOut = "marionette_sim"

// Config says what to generate.
type Config struct {
	Dir      string   // working directory: patterns and messages are relative to it
	Patterns []string // package patterns; default "."
	Out      string   // output directory; default <module root>/marionette_sim; relative to Dir
	// Include lists module path patterns ("example.com/mod", "example.com/...")
	// whose packages are rewritten too.
	Include          []string
	AllowUnsupported bool
	Args             string // command line for the header, e.g. "gen ./..."
	// Workload names a package (import path, or directory relative to Dir)
	// whose func Workload the drivers of the generated main packages run
	// (mgen build -workload); it is generated too. See driver.go.
	Workload string
}

// Result says what Generate did. Paths are absolute.
type Result struct {
	OutDir    string
	Module    string // main module path
	Packages  []Package
	Written   []string
	Unchanged []string
	Deleted   []string
	Warnings  []string // unsupported constructs left native (-allow-unsupported)
	// Overlay maps each file of the main module's packages that the build
	// must replace (or add), by absolute path, to its rewritten file: the
	// Replace table of a go command -overlay file.
	Overlay map[string]string
}

// Package is one generated package.
type Package struct {
	Path    string // the user's import path
	SimPath string // import path to build: Path itself, or below _ext for -include'd packages
	Dir     string // directory of the generated files
	SrcDir  string // the package's own directory, where its tests run (testdata)
	Root    bool   // matched by the patterns (its tests are generated too)
}

// Generate runs the pipeline. Source problems come back as a *DiagError.
// Nothing is written unless everything succeeds.
func Generate(cfg Config) (*Result, error) {
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, err
	}
	patterns := cfg.Patterns
	if len(patterns) == 0 {
		patterns = []string{"."}
	}
	modRoot, modPath, err := mainModule(dir)
	if err != nil {
		return nil, err
	}
	out := filepath.Join(modRoot, DefaultOut)
	if cfg.Out != "" {
		out = cfg.Out
		if !filepath.IsAbs(out) {
			out = filepath.Join(dir, out)
		}
	}
	out = filepath.Clean(out)
	realOut, err := checkOut(modRoot, out) // outdir.go
	if err != nil {
		return nil, err
	}
	outRel, _ := filepath.Rel(modRoot, out)
	simBase := modPath + "/" + filepath.ToSlash(outRel)

	if cfg.Workload != "" {
		patterns = append(append([]string(nil), patterns...), cfg.Workload)
	}
	roots, err := load(dir, patterns, []string{out, realOut}, simBase)
	if err != nil {
		return nil, err
	}
	mainMod, err := os.ReadFile(filepath.Join(modRoot, "go.mod"))
	if err != nil {
		return nil, err
	}
	g := &generator{
		cfg: cfg, dir: dir, out: out, realOut: realOut, modPath: modPath, simBase: simBase,
		mainLang: moduleLang(goDirective(mainMod)),
		byPath:   map[string]*pkgGen{},
	}
	if cfg.Workload != "" {
		if g.workload, g.workloadErrors, err = resolveWorkload(dir, cfg.Workload, roots); err != nil {
			return nil, err
		}
	}
	g.collect(roots)
	files, err := g.render()
	if err != nil {
		return nil, err
	}
	res := &Result{OutDir: out, Module: modPath, Warnings: g.warnings}
	for _, pg := range g.sorted() {
		res.Packages = append(res.Packages, Package{Path: pg.path, SimPath: pg.simPath, Dir: pg.dir, SrcDir: pg.srcDir, Root: pg.root})
	}
	if res.Overlay, err = g.overlay(files); err != nil {
		return nil, err
	}
	if err := g.write(files, res); err != nil {
		return res, err
	}
	return res, nil
}

// mainModule returns the root directory and path of the module containing dir.
func mainModule(dir string) (root, modPath string, err error) {
	d := dir
	for {
		data, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil {
			mp := modulePath(data)
			if mp == "" {
				return "", "", fmt.Errorf("%s: no module line", filepath.Join(d, "go.mod"))
			}
			return d, mp, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", "", fmt.Errorf("no go.mod found in %s or above: mgen works on modules", dir)
		}
		d = parent
	}
}

// modulePath extracts the module path from go.mod content.
func modulePath(mod []byte) string {
	for _, l := range strings.Split(string(mod), "\n") {
		l = strings.TrimSpace(l)
		if rest, ok := strings.CutPrefix(l, "module"); ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t') {
			p := strings.TrimSpace(rest)
			if i := strings.Index(p, "//"); i >= 0 {
				p = strings.TrimSpace(p[:i])
			}
			return strings.Trim(p, `"`)
		}
	}
	return ""
}

// goDirective extracts the version of the go line from go.mod content, or "".
func goDirective(mod []byte) string {
	for _, l := range strings.Split(string(mod), "\n") {
		f := strings.Fields(l)
		if len(f) >= 2 && f[0] == "go" {
			return f[1]
		}
	}
	return ""
}

// moduleGoVersion is the go line of the module whose files the go command
// compiles for m: its replacement's, if it is replaced.
func moduleGoVersion(m *packages.Module) string {
	if m.Replace != nil && m.Replace.GoVersion != "" {
		return m.Replace.GoVersion
	}
	return m.GoVersion
}

// generator holds the state of one Generate call.
type generator struct {
	cfg      Config
	dir      string
	out      string
	realOut  string // out with symbolic links resolved (outdir.go)
	modPath  string
	simBase  string
	mainLang string // language version of the main module (version.go)
	byPath   map[string]*pkgGen
	warnings []string
	asserts  map[*pkgGen]*pkgAsserts // assertion sites (assertions.go)

	workload       string // import path of the workload package (driver.go)
	workloadErrors bool
}

// pkgGen is one package to generate: its files come from several
// go/packages variants (the package, its test variant, its external test).
type pkgGen struct {
	path    string
	simPath string
	dir     string // output directory
	srcDir  string // the package's directory (in place: the overlay's targets)
	root    bool
	ext     bool
	modPath string // module path of the package (for ext line directives)
	modVer  string
	modDir  string
	modLang string            // language version of the package's module (version.go)
	base    *packages.Package // non-test files come from here
	test    *packages.Package // _test.go files of package path
	xtest   *packages.Package // package path_test
}

// simPathOf maps the import path of a package being generated to its new
// path.
func (g *generator) simPathOf(p string) (string, bool) {
	pg, ok := g.byPath[p]
	if !ok {
		return "", false
	}
	return pg.simPath, true
}

// rewritten reports whether package p is rewritten: it belongs to the main
// module or to a module matched by -include, and it is not part of the
// simulator itself (Marionette's runtime, shims and libraries are what
// rewritten code calls; rewriting them would be circular).
func (g *generator) rewritten(p *packages.Package) bool {
	if p.Module == nil || isSimulator(p.PkgPath) {
		return false
	}
	if p.Module.Main && p.Module.Path == g.modPath {
		return true
	}
	return matchInclude(g.cfg.Include, p.Module.Path)
}

// simulatorModule is Marionette's module path.
const simulatorModule = "github.com/marionette-dst/marionette"

// isSimulator reports whether the package is one of the simulator's own:
// every package of Marionette's module except its examples and test data,
// which are ordinary user code.
func isSimulator(pkgPath string) bool {
	rest, ok := strings.CutPrefix(pkgPath, simulatorModule)
	if !ok || rest != "" && rest[0] != '/' {
		return false
	}
	rest = strings.TrimPrefix(rest, "/")
	return !strings.HasPrefix(rest, "examples/") && !strings.HasPrefix(rest, "testdata/") && !strings.Contains(rest, "/testdata/")
}

// matchInclude reports whether module path mod matches one of the patterns:
// exact, or ending in /... for the module and everything below it.
func matchInclude(patterns []string, mod string) bool {
	for _, pat := range patterns {
		if base, ok := strings.CutSuffix(pat, "/..."); ok {
			if mod == base || strings.HasPrefix(mod, base+"/") {
				return true
			}
		} else if pat == mod {
			return true
		}
	}
	return false
}

// collect decides which packages to generate: the roots with their tests,
// and every rewritten package they depend on.
func (g *generator) collect(roots []*packages.Package) {
	get := func(p *packages.Package) *pkgGen {
		ip := p.PkgPath
		if strings.HasSuffix(p.Name, "_test") {
			ip = strings.TrimSuffix(ip, "_test")
		}
		pg := g.byPath[ip]
		if pg == nil {
			pg = &pkgGen{path: ip, modPath: p.Module.Path, modVer: p.Module.Version, modDir: p.Module.Dir, modLang: moduleLang(moduleGoVersion(p.Module))}
			pg.srcDir = pkgDir(p)
			if p.Module.Main && p.Module.Path == g.modPath {
				rel := strings.TrimPrefix(strings.TrimPrefix(ip, g.modPath), "/")
				pg.simPath = ip // in place
				pg.dir = filepath.Join(g.out, srcTree, filepath.FromSlash(rel))
			} else {
				pg.ext = true
				pg.simPath = g.simBase + "/_ext/" + ip
				pg.dir = filepath.Join(g.out, "_ext", filepath.FromSlash(ip))
			}
			g.byPath[ip] = pg
		}
		return pg
	}
	isRoot := map[*packages.Package]bool{}
	for _, r := range roots {
		isRoot[r] = true
	}
	packages.Visit(roots, nil, func(p *packages.Package) {
		if !g.rewritten(p) || p.Name == "main" && strings.HasSuffix(p.ID, ".test") {
			return
		}
		if strings.HasSuffix(p.ID, ".test") && !strings.Contains(p.ID, " ") {
			return // the generated test main
		}
		pg := get(p)
		variant := strings.Contains(p.ID, " [")
		xtest := strings.HasSuffix(p.Name, "_test") && p.PkgPath == pg.path+"_test"
		switch {
		case xtest:
			pg.xtest = p
		case !variant:
			pg.base = p
		case isRoot[p] && p.PkgPath == pg.path && variant && strings.HasSuffix(p.ID, "["+pg.path+".test]"):
			pg.test = p
		default:
			if pg.base == nil && !isRoot[p] {
				pg.base = p // a test variant stands in until the package itself is seen
			}
		}
		if isRoot[p] {
			pg.root = true
		}
	})
	// A base taken from a variant is replaced by the real package when both
	// were loaded; both have the same non-test files.
	for _, pg := range g.byPath {
		if pg.base == nil && pg.test != nil {
			pg.base = pg.test
		}
	}
}

func (g *generator) sorted() []*pkgGen {
	var ps []*pkgGen
	for _, pg := range g.byPath {
		ps = append(ps, pg)
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].path < ps[j].path })
	return ps
}

// srcTree is the directory below the output directory that holds the
// main module's rewritten files.
const srcTree = "_src"

// outFile is one generated file.
type outFile struct {
	path    string // absolute
	content []byte
	pkg     *pkgGen
	orig    string // the user's file it replaces, if any
}

// overlay returns the Replace table that compiles the main module's
// packages from their rewritten files: each rewritten file replaces its
// original, and each file the generator adds (package state, assertion
// catalogs, drivers) is added to the package's directory, where it must
// not meet a file of the user's.
func (g *generator) overlay(files []outFile) (map[string]string, error) {
	ov := map[string]string{}
	for _, f := range files {
		if f.pkg.ext {
			continue
		}
		target := f.orig
		if target == "" {
			if f.pkg.srcDir == "" {
				return nil, fmt.Errorf("mgen: internal error: no directory for package %s", f.pkg.path)
			}
			target = filepath.Join(f.pkg.srcDir, filepath.Base(f.path))
			if _, err := os.Lstat(target); err == nil {
				return nil, fmt.Errorf("%s: mgen: this file name is reserved for mgen's generated files; rename the file", relFile(g.dir, target))
			}
		}
		if _, dup := ov[target]; dup {
			return nil, fmt.Errorf("mgen: internal error: %s generated twice", target)
		}
		ov[target] = f.path
	}
	return ov, nil
}

// render runs match, rewrite and emit for every file. Unsupported
// constructs fail the whole run unless allowed.
func (g *generator) render() ([]outFile, error) {
	var files []outFile
	var diags []string
	hdr := Header(g.cfg.Args)
	gp := g.planGlobals() // package state (globals.go)
	gp.workload, gp.workloadErrors = g.workload, g.workloadErrors
	globals := func(m *matcher) { m.matchGlobals(g, gp) }
	if noPackageState {
		globals = nil
	}
	// Functions that call recover directly, in every package generated:
	// deferring one by name must keep it the deferred function (defers.go).
	recovers := map[string]bool{}
	for _, pg := range g.sorted() {
		for _, p := range []*packages.Package{pg.base, pg.test, pg.xtest} {
			if p != nil {
				recoverers(p.Fset, p.TypesInfo, p.Syntax, recovers)
			}
		}
	}
	for _, pg := range g.sorted() {
		type src struct {
			p      *packages.Package
			filter func(name string) bool
		}
		var srcs []src
		if pg.base != nil {
			srcs = append(srcs, src{pg.base, func(n string) bool { return !strings.HasSuffix(n, "_test.go") }})
		}
		if pg.root && pg.test != nil {
			srcs = append(srcs, src{pg.test, func(n string) bool { return strings.HasSuffix(n, "_test.go") }})
		}
		if pg.root && pg.xtest != nil {
			srcs = append(srcs, src{pg.xtest, func(string) bool { return true }})
		}
		for _, s := range srcs {
			p := s.p
			goFiles := map[string]bool{}
			for _, f := range p.GoFiles {
				goFiles[f] = true
			}
			done := map[string]bool{}
			for i, file := range p.Syntax {
				name := p.CompiledGoFiles[i]
				if !goFiles[name] || !s.filter(filepath.Base(name)) {
					continue
				}
				done[name] = true
				content, err := os.ReadFile(name)
				if err != nil {
					return nil, err
				}
				fv, err := versionOf(p.Fset, file, content, pg.modLang, g.mainLang)
				if err != nil {
					return nil, &DiagError{Diags: []string{relFile(g.dir, name) + ":" + err.Error()}}
				}
				fs := matchFile(p.Fset, p.TypesInfo, file, content, name, g.simPathOf, globals, fv, recovers)
				g.noteAssertions(pg, p, file, name)
				for _, d := range fs.Unsupp {
					pos := relFile(g.dir, d.Pos.Filename) + ":" + fmt.Sprint(d.Pos.Line) + ":" + fmt.Sprint(d.Pos.Column)
					diags = append(diags, pos+": mgen: "+d.Msg)
				}
				t := rewriteFile(fs, fs.RT, fs.Sim)
				target := filepath.Join(pg.dir, filepath.Base(name))
				linePath := g.linePath(pg, name, target)
				data, err := emitFile(hdr, fv.build, linePath, t, content)
				if err != nil {
					return nil, fmt.Errorf("%s: mgen: internal error: %v", relFile(g.dir, name), err)
				}
				files = append(files, outFile{path: target, content: data, pkg: pg, orig: name})
			}
			// Files go/packages did not type-check as they are: cgo files,
			// whose compiled form is cgo's output. They are reported and,
			// if allowed, copied unchanged.
			for _, name := range p.GoFiles {
				if done[name] || !s.filter(filepath.Base(name)) {
					continue
				}
				content, err := os.ReadFile(name)
				if err != nil {
					return nil, err
				}
				fset := token.NewFileSet()
				f, err := parser.ParseFile(fset, name, content, parser.ImportsOnly|parser.ParseComments)
				if err != nil {
					return nil, err
				}
				fv, err := versionOf(fset, f, content, pg.modLang, g.mainLang)
				if err != nil {
					return nil, &DiagError{Diags: []string{relFile(g.dir, name) + ":" + err.Error()}}
				}
				for _, spec := range f.Imports {
					if importPath(spec) == "C" {
						pos := fset.Position(spec.Pos())
						diags = append(diags, fmt.Sprintf("%s:%d:%d: mgen: %s", relFile(g.dir, name), pos.Line, pos.Column,
							unsupportedMsg(`cgo (import "C")`, "C code runs outside the simulator's scheduler")))
					}
				}
				t := &text{}
				at := 0
				for _, sp := range fv.remove {
					t.copy(content, at, sp.Start)
					at = sp.End
				}
				t.copy(content, at, len(content))
				target := filepath.Join(pg.dir, filepath.Base(name))
				data, err := emitFile(hdr, fv.build, g.linePath(pg, name, target), t, content)
				if err != nil {
					return nil, fmt.Errorf("%s: mgen: internal error: %v", relFile(g.dir, name), err)
				}
				files = append(files, outFile{path: target, content: data, pkg: pg, orig: name})
			}
		}
	}
	taken := map[string]bool{}
	for _, f := range files {
		taken[f.path] = true
	}
	catalogs, err := g.assertionFiles(hdr, taken)
	if err != nil {
		return nil, err
	}
	files = append(files, catalogs...)
	state, err := g.globalsFiles(gp, hdr, taken)
	if err != nil {
		return nil, err
	}
	files = append(files, state...)
	if len(diags) > 0 {
		if !g.cfg.AllowUnsupported {
			return nil, &DiagError{Diags: diags}
		}
		g.warnings = diags
	}
	return files, nil
}

// linePath is the file name the //line directives of target use. A file
// compiled in place of the user's names it by its absolute path, which is
// what the compiler records for the original (and -trimpath rewrites
// alike): stacks, runtime.Caller and test output are the native ones. Files
// of -include'd modules live in the module cache; they are named
// module@version/file, as -trimpath names them.
func (g *generator) linePath(pg *pkgGen, orig, target string) string {
	if !pg.ext {
		return filepath.ToSlash(orig)
	}
	if r, err := filepath.Rel(pg.modDir, orig); err == nil && pg.modVer != "" {
		return pg.modPath + "@" + pg.modVer + "/" + filepath.ToSlash(r)
	}
	return filepath.ToSlash(orig)
}

// write writes the files that changed, refusing to overwrite a file that
// does not carry our header, and deletes the stale generated files of every
// directory written. Tests of packages generated only as dependencies are
// left alone.
func (g *generator) write(files []outFile, res *Result) error {
	// Check everything before touching anything. A directory below the
	// output directory that is a symbolic link must not lead out of it.
	for _, d := range g.dirs(files) {
		rd, err := realPath(d)
		if err != nil {
			return err
		}
		if !within(g.realOut, rd) {
			return fmt.Errorf("refusing to write into %s: it resolves to %s, outside the output directory %s", d, rd, g.realOut)
		}
	}
	for _, f := range files {
		if !within(g.out, f.path) {
			return fmt.Errorf("internal error: %s is outside %s", f.path, g.out)
		}
		old, err := os.ReadFile(f.path)
		if err == nil && !IsGenerated(old) {
			return fmt.Errorf("refusing to overwrite %s: it was not generated by mgen", f.path)
		}
	}
	// Temporary files of a run that was killed between creating and
	// renaming them.
	cleaned := map[string]bool{}
	for _, d := range append([]string{g.out}, g.dirs(files)...) {
		if !cleaned[d] {
			cleaned[d] = true
			if err := cleanTemps(d); err != nil {
				return err
			}
		}
	}
	produced := map[string]bool{}
	for _, f := range files {
		produced[f.path] = true
		old, err := os.ReadFile(f.path)
		if err == nil && bytes.Equal(old, f.content) {
			res.Unchanged = append(res.Unchanged, f.path)
			continue
		}
		if err := writeAtomic(f.path, f.content); err != nil {
			return err
		}
		res.Written = append(res.Written, f.path)
	}
	for _, pg := range g.sorted() {
		ents, err := os.ReadDir(pg.dir)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			return err
		}
		for _, e := range ents {
			name := e.Name()
			p := filepath.Join(pg.dir, name)
			if e.IsDir() || !strings.HasSuffix(name, ".go") || produced[p] {
				continue
			}
			if strings.HasSuffix(name, "_test.go") && !pg.root {
				continue
			}
			data, err := os.ReadFile(p)
			if err != nil || !IsGenerated(data) {
				continue
			}
			if err := os.Remove(p); err != nil {
				return err
			}
			res.Deleted = append(res.Deleted, p)
		}
	}
	return g.removeLegacy(res)
}

// removeLegacy deletes the files an older mgen generated beside the
// rewritten tree's current layout (<out>/a/b instead of <out>/_src/a/b):
// left there, they would be packages that ./... builds.
func (g *generator) removeLegacy(res *Result) error {
	return filepath.WalkDir(g.out, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			if p != g.out && strings.HasPrefix(d.Name(), "_") {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !strings.HasSuffix(p, ".go") {
			return nil
		}
		if data, err := os.ReadFile(p); err != nil || !IsGenerated(data) {
			return nil
		}
		if err := os.Remove(p); err != nil {
			return err
		}
		res.Deleted = append(res.Deleted, p)
		return nil
	})
}

// OverlayFile is the name, in the output directory, of the go command
// -overlay file that builds the rewritten tree (WriteOverlay).
const OverlayFile = "overlay.json"

// WriteOverlay writes a go command -overlay file with the Replace table
// replace (Result.Overlay, plus the standard library's when it is
// simulated) to path.
func WriteOverlay(path string, replace map[string]string) error {
	js, err := json.MarshalIndent(struct{ Replace map[string]string }{replace}, "", "\t")
	if err != nil {
		return err
	}
	return writeAtomic(path, append(js, '\n'))
}

// dirs returns the directories of the generated packages and files.
func (g *generator) dirs(files []outFile) []string {
	var ds []string
	for _, pg := range g.sorted() {
		ds = append(ds, pg.dir)
	}
	for _, f := range files {
		ds = append(ds, filepath.Dir(f.path))
	}
	return ds
}

// writeAtomic writes data to path through a temporary file and a rename.
func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), tempPrefix+"*"+tempSuffix)
	if err != nil {
		return err
	}
	_, werr := f.Write(data)
	cerr := f.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(f.Name(), 0o644)
	}
	if werr == nil {
		werr = os.Rename(f.Name(), path)
	}
	if werr != nil {
		os.Remove(f.Name())
		return werr
	}
	return nil
}
