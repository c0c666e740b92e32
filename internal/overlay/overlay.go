// Package overlay builds the standard-library overlay that moves the
// simulation's boundary below std: a `go build -overlay` file that
//   - adds a bottom package, marionette/hooks, to GOROOT (it imports only
//     unsafe, so every std package may import it);
//   - patches functions of std packages in place (sync's locks, wait
//     groups and conditions; time's clock reads, Sleep and AfterFunc; crypto's and math/rand's
//     randomness; on linux, the syscall wrappers that change the machine
//     or open a socket, which report escapes) so that a
//     simulated goroutine is served by the simulator through those hooks,
//     and adds each patched package a file of helpers;
//   - adds to Marionette's runtime/stdhooks package the file that sets the
//     hooks at init.
//
// The patches are made at build time from the GOROOT the user's go command
// uses, on the same lines as the original statements (std's line numbers
// and file names in stack traces do not change), and each one fails loudly
// when the function it patches is missing, so a new Go release cannot be
// miscompiled silently. Import paths do not change, so `internal/` rules,
// linknames, embedded files and type identity are untouched.
//
// The overlay is written once per (Go version, GOROOT, Marionette's hook
// sources, std sources) into a content-addressed cache directory, and the
// go command's build cache keys on the overlay's content: the first build
// recompiles std above sync, later builds reuse it.
package overlay

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/marionette-dst/marionette/rewrite"
)

// BottomPackage is the import path of the package the overlay adds to GOROOT.
const BottomPackage = "marionette/hooks"

// Config says where the overlay's inputs are.
type Config struct {
	GOROOT       string // the go command's GOROOT (go env GOROOT)
	GoVersion    string // go env GOVERSION
	GOOS, GOARCH string // the build's target (go env GOOS GOARCH)
	// HooksDir is the directory of package
	// github.com/marionette-dst/marionette/runtime/stdhooks as the build
	// sees it (go list -f {{.Dir}}): the overlay adds a file there.
	HooksDir string
	// CacheDir is where overlays are written; empty means
	// $XDG_CACHE_HOME/marionette/overlay (os.UserCacheDir; the temporary
	// directory when there is none).
	CacheDir string
	// Dir is where the go command runs to load the std packages the
	// overlay rewrites (the user's module root).
	Dir string
	// Deps are packages of the main module's dependencies to rewrite in
	// place, like std's (rewrite.RewriteInPlace): their goroutines,
	// channels, selects and map ranges run under the simulator, with their
	// import paths (and type identity, embedded files, assembly) unchanged.
	Deps []Dep
	// ModCache is the module cache (go env GOMODCACHE); GoMod the main
	// module's go.mod, from which the -modfile go.mod is made.
	ModCache, GoMod string
}

// A Dep is a package of a dependency module.
type Dep struct {
	ImportPath string
	Dir        string // its directory (module cache, or a replacement)
	// Its module: path, version and directory. A module in the module
	// cache cannot be overlaid (the go command refuses); Build copies it,
	// rewritten, into the overlay's directory, and a go.mod for
	// -modfile (the user's, plus a replace of that version by the copy)
	// makes the build use the copy.
	ModPath, ModVersion, ModDir string
}

// Rewritten lists the std packages whose goroutines, channel operations
// and selects the overlay rewrites (rewrite.RewriteStd) so that they run
// under the simulator: io (Pipe), context (the goroutine that propagates a
// foreign parent's cancellation, AfterFunc), database/sql (its opener and
// cleaner goroutines), net/rpc (client and server goroutines), crypto/tls
// (HandshakeContext's watcher), net/http with httptest and httputil (a
// goroutine per server connection, the transport's dialers, readers and
// writers, HTTP/2) and net/textproto. os/signal is left out on purpose: its
// loop blocks in the Go runtime, not on a channel.
var Rewritten = []string{"context", "crypto/tls", "database/sql", "io", "net/http", "net/http/httptest",
	"net/http/httputil", "net/rpc", "net/textproto"}

// A patch adds statements to one function of a std file, on the lines of
// its braces: Prologue right after the opening brace, Epilogue right before
// the closing one (only for functions without a return statement). "$R"
// stands for the receiver's name, "$0" for the first parameter's.
type patch struct {
	Pkg, File, Func    string // Func is "Name" or "Type.Name"; File may hold $GOOS and $GOARCH
	Prologue, Epilogue string
	// GOOS limits the patch to one operating system (its package has
	// another layout elsewhere).
	GOOS string
}

// The system-call wrappers of package syscall that change the machine or
// open a socket (see src/syscall/zz_marionette.go), linux only.
const zsyscall = "zsyscall_$GOOS_$GOARCH.go"

func escape(fn, call, arg, results string) patch {
	return patch{Pkg: "syscall", File: zsyscall, Func: fn, GOOS: "linux",
		Prologue: "if mrtEscape(" + call + ", " + arg + ") { " + results + "; return }"}
}

// patches is the list of std functions the overlay changes. The helper
// functions they call are in src/<package>/zz_marionette.go.
var patches = []patch{
	{Pkg: "sync", File: "mutex.go", Func: "Mutex.Lock", Prologue: "if mrtLock($R) { return }"},
	{Pkg: "sync", File: "mutex.go", Func: "Mutex.Unlock", Epilogue: "mrtUnlocked($R)"},
	{Pkg: "sync", File: "rwmutex.go", Func: "RWMutex.Lock", Prologue: "if mrtRWLock($R) { return }"},
	{Pkg: "sync", File: "rwmutex.go", Func: "RWMutex.Unlock", Epilogue: "mrtRWUnlocked($R)"},
	{Pkg: "sync", File: "rwmutex.go", Func: "RWMutex.RLock", Prologue: "if mrtRLock($R) { return }"},
	{Pkg: "sync", File: "rwmutex.go", Func: "RWMutex.RUnlock", Epilogue: "mrtRWUnlocked($R)"},
	{Pkg: "sync", File: "waitgroup.go", Func: "WaitGroup.Add", Prologue: "defer mrtWGAdded($R)"},
	{Pkg: "sync", File: "waitgroup.go", Func: "WaitGroup.Wait", Prologue: "if mrtWGWait($R) { return }"},
	{Pkg: "sync", File: "cond.go", Func: "Cond.Wait", Prologue: "if mrtCondWait($R) { return }"},
	{Pkg: "sync", File: "cond.go", Func: "Cond.Signal", Epilogue: "mrtCondWake($R, false)"},
	{Pkg: "sync", File: "cond.go", Func: "Cond.Broadcast", Epilogue: "mrtCondWake($R, true)"},
	{Pkg: "time", File: "time.go", Func: "Now", Prologue: "if t, ok := mrtNow(); ok { return t }"},
	{Pkg: "time", File: "time.go", Func: "Since", Prologue: "if now, ok := mrtNow(); ok { return now.Sub($0) }"},
	{Pkg: "time", File: "time.go", Func: "Until", Prologue: "if now, ok := mrtNow(); ok { return $0.Sub(now) }"},
	{Pkg: "time", File: "sleep.go", Func: "AfterFunc", Prologue: "if t, ok := mrtAfterFunc($0, f); ok { return t }"},
	{Pkg: "time", File: "sleep.go", Func: "NewTimer", Prologue: "if t, ok := mrtNewTimer($0); ok { return t }"},
	{Pkg: "time", File: "tick.go", Func: "NewTicker", Prologue: "if t, ok := mrtNewTicker($0); ok { return t }"},
	{Pkg: "time", File: "tick.go", Func: "Ticker.Stop", Prologue: "if mrtTickerStop($R) { return }"},
	{Pkg: "time", File: "tick.go", Func: "Ticker.Reset", Prologue: "if mrtTickerReset($R, $0) { return }"},
	{Pkg: "net", File: "dial.go", Func: "Dialer.DialContext", Prologue: "if c, err, ok := mrtDial($R, ctx, network, address); ok { return c, err }"},
	{Pkg: "net", File: "dial.go", Func: "ListenConfig.Listen", Prologue: "if l, err, ok := mrtListen($R, ctx, network, address); ok { return l, err }"},
	{Pkg: "net", File: "dial.go", Func: "ListenConfig.ListenPacket", Prologue: "if l, err, ok := mrtListenPacket($R, ctx, network, address); ok { return l, err }"},
	{Pkg: "time", File: "sleep.go", Func: "Timer.Stop", Prologue: "if ok, handled := mrtTimerStop($R); handled { return ok }"},
	{Pkg: "time", File: "sleep.go", Func: "Timer.Reset", Prologue: "if ok, handled := mrtTimerReset($R, $0); handled { return ok }"},
	{Pkg: "runtime", File: "time.go", Func: "timeSleep", Prologue: "if mrtSleep($0) { return }"},
	{Pkg: "crypto/internal/fips140/drbg", File: "rand.go", Func: "Read", Prologue: "if mrtRead($0) { return }"},
	{Pkg: "math/rand/v2", File: "rand.go", Func: "runtimeSource.Uint64", Prologue: "if v, ok := mrtUint64(); ok { return v }"},
	{Pkg: "math/rand", File: "rand.go", Func: "runtimeSource.Uint64", Prologue: "if v, ok := mrtUint64(); ok { return v }"},
	{Pkg: "math/rand", File: "rand.go", Func: "runtimeSource.Int63", Prologue: "if v, ok := mrtUint64(); ok { return int64(v & rngMask) }"},
	{Pkg: "syscall", File: zsyscall, Func: "openat", GOOS: "linux", Prologue: "if mrtOpen(path, flags) { fd, err = -1, EPERM; return }"},
	{Pkg: "syscall", File: zsyscall, Func: "socket", GOOS: "linux", Prologue: "if mrtSocket(domain) { fd, err = -1, EPERM; return }"},
	escape("Mkdirat", `"mkdir"`, "path", "err = EPERM"),
	escape("unlinkat", `"unlink"`, "path", "err = EPERM"),
	escape("Renameat", `"rename"`, "oldpath", "err = EPERM"),
	escape("linkat", `"link"`, "newpath", "err = EPERM"),
	escape("symlinkat", `"symlink"`, "newpath", "err = EPERM"),
	escape("fchmodat", `"chmod"`, "path", "err = EPERM"),
	escape("Fchownat", `"chown"`, "path", "err = EPERM"),
	escape("utimensat", `"utimes"`, "path", "err = EPERM"),
	escape("Mknodat", `"mknod"`, "path", "err = EPERM"),
	escape("Truncate", `"truncate"`, "path", "err = EPERM"),
	{Pkg: "syscall", File: "exec_unix.go", Func: "forkExec", GOOS: "linux", Prologue: `if mrtEscape("fork/exec", argv0) { return 0, EPERM }`},
	{Pkg: "syscall", File: "exec_unix.go", Func: "Exec", GOOS: "linux", Prologue: `if mrtEscape("exec", argv0) { return EPERM }`},
}

//go:embed src hooksfile
var sources embed.FS

// buildIgnore is the first line of every embedded source: it keeps the go
// command from building them as packages of this module. The overlay drops it.
const buildIgnore = "//go:build ignore\n"

// Build writes the overlay for cfg (if the cache does not hold it yet) and
// returns the path of its JSON file, for `go build -overlay`.
func Build(cfg Config) (string, error) {
	if cfg.GOROOT == "" || cfg.GoVersion == "" || cfg.GOOS == "" || cfg.GOARCH == "" || cfg.HooksDir == "" {
		return "", fmt.Errorf("overlay: GOROOT, Go version, GOOS, GOARCH and the stdhooks directory are required")
	}
	files, err := render(cfg)
	if err != nil {
		return "", err
	}
	// The key covers every file. The rewritten std
	// and dependency files are keyed by their inputs (their sources and
	// this program, which holds the rewriter) and cached apart, shared by
	// every module's overlay, so a cache hit costs no rewriting.
	stdKey, depKey, err := rewriteKeys(cfg)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "marionette overlay v1\n%s\n%s\n%s/%s\n%s\n%s\n%s\n", cfg.GoVersion, cfg.GOROOT, cfg.GOOS, cfg.GOARCH, cfg.HooksDir, stdKey, depKey)
	for _, target := range sortedKeys(files) {
		fmt.Fprintf(h, "%s\n%d\n", target, len(files[target]))
		h.Write(files[target])
	}
	for _, d := range cfg.Deps {
		fmt.Fprintf(h, "dep %s %s@%s %s\n", d.ImportPath, d.ModPath, d.ModVersion, d.ModDir)
	}
	if cfg.GoMod != "" {
		for _, f := range []string{cfg.GoMod, strings.TrimSuffix(cfg.GoMod, ".mod") + ".sum"} {
			data, _ := os.ReadFile(f)
			fmt.Fprintf(h, "%s\n%d\n", f, len(data))
			h.Write(data)
		}
	}
	key := hex.EncodeToString(h.Sum(nil))[:20]
	base := cfg.CacheDir
	if base == "" {
		ucd, err := os.UserCacheDir()
		if err != nil {
			// No $HOME nor $XDG_CACHE_HOME (a bare CI container): the
			// temporary directory still lets builds share the overlay.
			ucd = os.TempDir()
		}
		base = filepath.Join(ucd, "marionette", "overlay")
	}
	dir := filepath.Join(base, key)
	jsonPath := filepath.Join(dir, "overlay.json")
	if _, err := os.Stat(jsonPath); err == nil {
		return jsonPath, nil
	}
	// Write into a fresh directory and rename it into place, so that a
	// concurrent or interrupted build never leaves a partial overlay.
	if err := os.MkdirAll(base, 0o755); err != nil {
		return "", fmt.Errorf("overlay: %v", err)
	}
	tmp, err := os.MkdirTemp(base, ".tmp-")
	if err != nil {
		return "", fmt.Errorf("overlay: %v", err)
	}
	defer os.RemoveAll(tmp)
	rewritten, _, err := cachedRewrite(base, "std-"+stdKey, func() (map[string][]byte, []string, error) {
		out, err := rewrite.RewriteStd(cfg.Dir, nil, Rewritten)
		return out, nil, err
	})
	if err != nil {
		return "", err
	}
	deps := make([]string, len(cfg.Deps))
	for i, d := range cfg.Deps {
		deps[i] = d.ImportPath
	}
	rewrittenDeps, skipped, err := cachedRewrite(base, "deps-"+depKey, func() (map[string][]byte, []string, error) {
		return rewrite.RewriteInPlace(cfg.Dir, nil, deps)
	})
	if err != nil {
		return "", err
	}
	copied, err := copyModules(cfg, tmp, dir, rewrittenDeps)
	if err != nil {
		return "", err
	}
	for target, content := range rewrittenDeps {
		if !copied[target] {
			rewritten[target] = content
		}
	}
	for target, content := range rewritten {
		if _, dup := files[target]; dup {
			return "", fmt.Errorf("overlay: internal error: %s is both patched and rewritten", target)
		}
		files[target] = content
	}
	if err := os.WriteFile(filepath.Join(tmp, "skipped.txt"), []byte(strings.Join(skipped, "\n")), 0o644); err != nil {
		return "", fmt.Errorf("overlay: %v", err)
	}
	replace := map[string]string{}
	for i, target := range sortedKeys(files) {
		name := fmt.Sprintf("%03d-%s", i, filepath.Base(target))
		if err := os.WriteFile(filepath.Join(tmp, name), files[target], 0o644); err != nil {
			return "", fmt.Errorf("overlay: %v", err)
		}
		replace[target] = filepath.Join(dir, name)
	}
	js, err := json.MarshalIndent(struct{ Replace map[string]string }{replace}, "", "\t")
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(tmp, "overlay.json"), append(js, '\n'), 0o644); err != nil {
		return "", fmt.Errorf("overlay: %v", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, serr := os.Stat(jsonPath); serr == nil {
			return jsonPath, nil // another process wrote the same overlay
		}
		return "", fmt.Errorf("overlay: %v", err)
	}
	return jsonPath, nil
}

// render returns the overlay's files: target path (a file of GOROOT or of
// HooksDir) to content.
func render(cfg Config) (map[string][]byte, error) {
	files := map[string][]byte{}
	src := filepath.Join(cfg.GOROOT, "src")
	// Added files: the bottom package and each patched package's helpers.
	err := fs.WalkDir(sources, "src", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := embedded(p)
		if err != nil {
			return err
		}
		target := filepath.Join(src, filepath.FromSlash(strings.TrimPrefix(p, "src/")))
		if _, err := os.Stat(target); err == nil {
			return fmt.Errorf("overlay: %s already exists in GOROOT; this Go release is not supported by this Marionette version", target)
		}
		files[target] = body
		return nil
	})
	if err != nil {
		return nil, err
	}
	hooksFile, err := embedded("hooksfile/zz_overlay_hooks.go")
	if err != nil {
		return nil, err
	}
	files[filepath.Join(cfg.HooksDir, "zz_overlay_hooks.go")] = hooksFile

	// Patched files.
	byFile := map[string][]patch{}
	for _, p := range patches {
		if p.GOOS != "" && p.GOOS != cfg.GOOS {
			continue
		}
		f := path.Join(p.Pkg, strings.NewReplacer("$GOOS", cfg.GOOS, "$GOARCH", cfg.GOARCH).Replace(p.File))
		byFile[f] = append(byFile[f], p)
	}
	for _, f := range sortedKeys(byFile) {
		target := filepath.Join(src, filepath.FromSlash(f))
		orig, err := os.ReadFile(target)
		if err != nil {
			return nil, fmt.Errorf("overlay: %v", err)
		}
		out, err := apply(target, orig, byFile[f])
		if err != nil {
			return nil, err
		}
		files[target] = out
	}
	return files, nil
}

func embedded(p string) ([]byte, error) {
	body, err := sources.ReadFile(p)
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(body, []byte(buildIgnore)) {
		return nil, fmt.Errorf("overlay: internal error: %s does not start with %q", p, buildIgnore)
	}
	return body[len(buildIgnore):], nil
}

// apply inserts the patches' statements into the source of one file,
// without adding lines.
func apply(filename string, orig []byte, ps []patch) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filename, orig, parser.SkipObjectResolution)
	if err != nil {
		return nil, fmt.Errorf("overlay: %v", err)
	}
	type edit struct {
		off  int
		text string
	}
	var edits []edit
	for _, p := range ps {
		fd := findFunc(f, p.Func)
		if fd == nil || fd.Body == nil {
			return nil, fmt.Errorf("overlay: %s: function %s not found; this Go release is not supported by this Marionette version", filename, p.Func)
		}
		r := strings.NewReplacer("$R", paramName(fd.Recv), "$0", paramName(fd.Type.Params))
		if p.Prologue != "" {
			edits = append(edits, edit{fset.Position(fd.Body.Lbrace).Offset + 1, " " + r.Replace(p.Prologue) + ";"})
		}
		if p.Epilogue != "" {
			if hasReturn(fd.Body) {
				return nil, fmt.Errorf("overlay: internal error: %s: %s returns early; an epilogue would be skipped", filename, p.Func)
			}
			edits = append(edits, edit{fset.Position(fd.Body.Rbrace).Offset, "; " + r.Replace(p.Epilogue) + " "})
		}
	}
	sort.Slice(edits, func(i, j int) bool { return edits[i].off > edits[j].off })
	out := append([]byte(nil), orig...)
	for _, e := range edits {
		out = append(out[:e.off], append([]byte(e.text), out[e.off:]...)...)
	}
	// The patched file must still parse: a patch that breaks it is our bug.
	if _, err := parser.ParseFile(token.NewFileSet(), filename, out, parser.SkipObjectResolution); err != nil {
		return nil, fmt.Errorf("overlay: internal error: patched %s does not parse: %v", filename, err)
	}
	return out, nil
}

// findFunc finds "Name" (a function) or "Type.Name" (a method of Type or
// *Type).
func findFunc(f *ast.File, name string) *ast.FuncDecl {
	recv, fn, isMethod := strings.Cut(name, ".")
	if !isMethod {
		recv, fn = "", name
	}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Name.Name != fn {
			continue
		}
		if (fd.Recv == nil) != (recv == "") {
			continue
		}
		if recv == "" || recvType(fd) == recv {
			return fd
		}
	}
	return nil
}

func recvType(fd *ast.FuncDecl) string {
	t := fd.Recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

func paramName(fl *ast.FieldList) string {
	if fl == nil || len(fl.List) == 0 || len(fl.List[0].Names) == 0 {
		return "_"
	}
	return fl.List[0].Names[0].Name
}

func hasReturn(body *ast.BlockStmt) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n.(type) {
		case *ast.ReturnStmt:
			found = true
		case *ast.FuncLit:
			return false
		}
		return !found
	})
	return found
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// rewriteKeys returns the cache keys of the rewritten std files and of the
// rewritten dependency files: their sources, the target, and this
// executable (the rewriter's code).
func rewriteKeys(cfg Config) (stdKey, depKey string, err error) {
	exe, err := exeHash()
	if err != nil {
		return "", "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "std v1\n%s\n%s\n%s/%s\n%s\n", cfg.GoVersion, cfg.GOROOT, cfg.GOOS, cfg.GOARCH, exe)
	for _, pkg := range Rewritten {
		if err := hashGoFiles(h, filepath.Join(cfg.GOROOT, "src", filepath.FromSlash(pkg)), pkg); err != nil {
			return "", "", err
		}
	}
	stdKey = hex.EncodeToString(h.Sum(nil))[:20]
	h = sha256.New()
	fmt.Fprintf(h, "deps v1\n%s\n%s/%s\n%s\n", cfg.GoVersion, cfg.GOOS, cfg.GOARCH, exe)
	for _, d := range cfg.Deps {
		fmt.Fprintf(h, "dep %s %s\n", d.ImportPath, d.Dir)
		if err := hashGoFiles(h, d.Dir, d.ImportPath); err != nil {
			return "", "", err
		}
	}
	return stdKey, hex.EncodeToString(h.Sum(nil))[:20], nil
}

var exeSum struct {
	once sync.Once
	sum  string
	err  error
}

// exeHash returns the hash of this executable, computed once.
func exeHash() (string, error) {
	exeSum.once.Do(func() {
		exe, err := os.Executable()
		if err != nil {
			exeSum.err = fmt.Errorf("overlay: %v", err)
			return
		}
		f, err := os.Open(exe)
		if err != nil {
			exeSum.err = fmt.Errorf("overlay: %v", err)
			return
		}
		defer f.Close()
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			exeSum.err = fmt.Errorf("overlay: %v", err)
			return
		}
		exeSum.sum = hex.EncodeToString(h.Sum(nil))
	})
	return exeSum.sum, exeSum.err
}

// cachedRewrite returns what run produces (rewritten files by target path,
// and skipped packages), from base/rewrites/<key> when an earlier call
// stored it there.
func cachedRewrite(base, key string, run func() (map[string][]byte, []string, error)) (map[string][]byte, []string, error) {
	dir := filepath.Join(base, "rewrites", key)
	type manifest struct {
		Files   map[string]string // target path -> file name in dir
		Skipped []string
	}
	if data, err := os.ReadFile(filepath.Join(dir, "manifest.json")); err == nil {
		var m manifest
		if json.Unmarshal(data, &m) == nil {
			out := map[string][]byte{}
			for target, name := range m.Files {
				content, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					return nil, nil, fmt.Errorf("overlay: %v", err)
				}
				out[target] = content
			}
			return out, m.Skipped, nil
		}
	}
	out, skipped, err := run()
	if err != nil {
		return nil, nil, fmt.Errorf("overlay: %v", err)
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, nil, fmt.Errorf("overlay: %v", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".tmp-")
	if err != nil {
		return nil, nil, fmt.Errorf("overlay: %v", err)
	}
	defer os.RemoveAll(tmp)
	m := manifest{Files: map[string]string{}, Skipped: skipped}
	for i, target := range sortedKeys(out) {
		name := fmt.Sprintf("%04d-%s", i, filepath.Base(target))
		if err := os.WriteFile(filepath.Join(tmp, name), out[target], 0o644); err != nil {
			return nil, nil, fmt.Errorf("overlay: %v", err)
		}
		m.Files[target] = name
	}
	data, err := json.Marshal(m)
	if err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(filepath.Join(tmp, "manifest.json"), data, 0o644); err != nil {
		return nil, nil, fmt.Errorf("overlay: %v", err)
	}
	if err := os.Rename(tmp, dir); err != nil && !fileExists(filepath.Join(dir, "manifest.json")) {
		return nil, nil, fmt.Errorf("overlay: %v", err)
	}
	return out, skipped, nil
}

// hashGoFiles writes into h the names and contents of the non-test Go
// files of the package in dir.
func hashGoFiles(h io.Writer, dir, pkg string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("overlay: %v", err)
	}
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return fmt.Errorf("overlay: %v", err)
		}
		fmt.Fprintf(h, "%s/%s\n%d\n", pkg, e.Name(), len(data))
		h.Write(data)
	}
	return nil
}

// Skipped returns the packages the overlay at jsonPath (from Build) left
// native, each with the reason.
func Skipped(jsonPath string) []string {
	data, err := os.ReadFile(filepath.Join(filepath.Dir(jsonPath), "skipped.txt"))
	if err != nil || len(data) == 0 {
		return nil
	}
	return strings.Split(string(data), "\n")
}

// copyModules writes the rewritten files of modules in the module cache,
// which an overlay may not replace, into copies of those modules below
// tmp/mods (the overlay directory dir once renamed), and a go.mod in tmp
// that replaces each such module version by its copy (see Flags). It
// returns the files it wrote that way.
func copyModules(cfg Config, tmp, dir string, rewritten map[string][]byte) (map[string]bool, error) {
	done := map[string]bool{}
	if cfg.ModCache == "" || cfg.GoMod == "" {
		return done, nil
	}
	mods := map[string]Dep{}
	for _, d := range cfg.Deps {
		if d.ModDir != "" && d.ModVersion != "" && within(d.ModDir, cfg.ModCache) {
			mods[d.ModDir] = d
		}
	}
	var replaces []string
	copies := map[string]string{}
	for _, target := range sortedKeys(rewritten) {
		var d Dep
		for mdir, md := range mods { // at most one module dir holds target
			if within(target, mdir) {
				d = md
			}
		}
		if d.ModDir == "" {
			continue
		}
		rel := filepath.Join("mods", filepath.FromSlash(d.ModPath)+"@"+d.ModVersion)
		if _, ok := copies[d.ModDir]; !ok {
			if err := copyTree(d.ModDir, filepath.Join(tmp, rel)); err != nil {
				return nil, fmt.Errorf("overlay: copying %s@%s: %v", d.ModPath, d.ModVersion, err)
			}
			// A module from before go.mod files: a replacement needs one
			// (no go line: the go command assumes the old language version
			// it assumes for the original, go1.16).
			if gm := filepath.Join(tmp, rel, "go.mod"); !fileExists(gm) {
				if err := os.WriteFile(gm, []byte("module "+d.ModPath+"\n"), 0o644); err != nil {
					return nil, fmt.Errorf("overlay: %v", err)
				}
			}
			copies[d.ModDir] = rel
			replaces = append(replaces, "-replace="+d.ModPath+"@"+d.ModVersion+"="+filepath.Join(dir, rel))
		}
		r, _ := filepath.Rel(d.ModDir, target)
		if err := os.WriteFile(filepath.Join(tmp, rel, r), rewritten[target], 0o644); err != nil {
			return nil, fmt.Errorf("overlay: %v", err)
		}
		done[target] = true
	}
	if len(replaces) == 0 {
		return done, nil
	}
	mod, err := os.ReadFile(cfg.GoMod)
	if err != nil {
		return nil, fmt.Errorf("overlay: %v", err)
	}
	sum, _ := os.ReadFile(strings.TrimSuffix(cfg.GoMod, ".mod") + ".sum")
	if err := os.WriteFile(filepath.Join(tmp, "go.mod"), mod, 0o644); err != nil {
		return nil, fmt.Errorf("overlay: %v", err)
	}
	if err := os.WriteFile(filepath.Join(tmp, "go.sum"), sum, 0o644); err != nil {
		return nil, fmt.Errorf("overlay: %v", err)
	}
	cmd := exec.Command("go", append(append([]string{"mod", "edit"}, replaces...), filepath.Join(tmp, "go.mod"))...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("overlay: go mod edit: %v\n%s", err, out)
	}
	return done, nil
}

// Write writes the -overlay file dst that builds the main module: the
// Replace table of the overlay base (Build's JSON file; "" for none, when
// the standard library stays native) plus extra (the main module's
// rewritten files, rewrite.Result.Overlay), plus a file added to package
// runtime/stdhooks (in hooksDir) that records the build flags for replay
// commands (runtime.SetBuildFlags). It returns those flags: -overlay=dst,
// and -modfile when base has one (Flags).
func Write(dst, base string, extra map[string]string, hooksDir string) ([]string, error) {
	replace := map[string]string{}
	flags := []string{"-overlay=" + dst}
	if base != "" {
		data, err := os.ReadFile(base)
		if err != nil {
			return nil, fmt.Errorf("overlay: %v", err)
		}
		var ov struct{ Replace map[string]string }
		if err := json.Unmarshal(data, &ov); err != nil {
			return nil, fmt.Errorf("overlay: %s: %v", base, err)
		}
		replace = ov.Replace
		flags = append(flags, Flags(base)[1:]...)
	}
	for target, file := range extra {
		if _, dup := replace[target]; dup {
			return nil, fmt.Errorf("overlay: %s is both the standard library's or a dependency's and the main module's", target)
		}
		replace[target] = file
	}
	var b strings.Builder
	b.WriteString("// Code generated by mgen (Marionette's overlay); DO NOT EDIT.\n\n")
	b.WriteString("package stdhooks\n\nimport \"github.com/marionette-dst/marionette/runtime\"\n\n")
	b.WriteString("// The go command flags that rebuild this binary, for replay commands.\n")
	var quoted []string
	for _, f := range append(flags[:len(flags):len(flags)], "-vet=off") {
		quoted = append(quoted, fmt.Sprintf("%q", f))
	}
	b.WriteString("func init() { runtime.SetBuildFlags(" + strings.Join(quoted, ", ") + ") }\n")
	flagsFile := strings.TrimSuffix(dst, ".json") + "_flags.go.txt" // not a .go file: nothing takes it for a package file
	if err := writeFile(flagsFile, []byte(b.String())); err != nil {
		return nil, err
	}
	replace[filepath.Join(hooksDir, "zz_overlay_flags.go")] = flagsFile
	js, err := json.MarshalIndent(struct{ Replace map[string]string }{replace}, "", "\t")
	if err != nil {
		return nil, err
	}
	if err := writeFile(dst, append(js, '\n')); err != nil {
		return nil, err
	}
	return flags, nil
}

// writeFile writes data to path through a rename, so that a concurrent
// build never reads half a file.
func writeFile(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil // unchanged: the go command's caches stay valid
	}
	tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("overlay: %v", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("overlay: %v", err)
	}
	return nil
}

// Flags returns the go command flags that build with the overlay whose
// JSON file Build returned: -overlay, and -modfile when dependencies in
// the module cache were rewritten into copies.
func Flags(jsonPath string) []string {
	flags := []string{"-overlay=" + jsonPath}
	if mod := filepath.Join(filepath.Dir(jsonPath), "go.mod"); fileExists(mod) {
		flags = append(flags, "-modfile="+mod)
	}
	return flags
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// within reports whether path p is dir or below it.
func within(p, dir string) bool {
	r, err := filepath.Rel(dir, p)
	return err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator))
}

// copyTree copies the regular files below src to dst (writable).
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		r, _ := filepath.Rel(src, p)
		t := filepath.Join(dst, r)
		if d.IsDir() {
			return os.MkdirAll(t, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(t, data, 0o644)
	})
}
