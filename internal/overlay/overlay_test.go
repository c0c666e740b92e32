package overlay

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	goruntime "runtime"
	"strings"
	"testing"

	"github.com/marionette-dst/marionette/internal/testmod"
)

func testConfig(t *testing.T) Config {
	t.Helper()
	out, err := exec.Command("go", "env", "GOROOT", "GOVERSION", "GOOS", "GOARCH").Output()
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(out))
	return Config{GOROOT: f[0], GoVersion: f[1], GOOS: f[2], GOARCH: f[3],
		HooksDir: filepath.Join(testmod.Root(), "runtime", "stdhooks"), CacheDir: t.TempDir(), Dir: testmod.Root()}
}

// Every patch lands on the line of the function's brace: the patched file
// has as many lines as the original, so std's positions in stack traces
// and compiler messages do not move.
func TestPatchesKeepLines(t *testing.T) {
	cfg := testConfig(t)
	files, err := render(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range patches {
		if p.GOOS != "" && p.GOOS != cfg.GOOS {
			continue
		}
		file := strings.NewReplacer("$GOOS", cfg.GOOS, "$GOARCH", cfg.GOARCH).Replace(p.File)
		target := filepath.Join(cfg.GOROOT, "src", filepath.FromSlash(p.Pkg), file)
		orig, err := os.ReadFile(target)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := files[target]
		if !ok {
			t.Fatalf("%s is not in the overlay", target)
		}
		if bytes.Count(orig, []byte("\n")) != bytes.Count(got, []byte("\n")) {
			t.Errorf("%s: patched file has a different number of lines", target)
		}
		for _, text := range []string{p.Prologue, p.Epilogue} {
			call := strings.SplitN(strings.TrimPrefix(strings.TrimPrefix(text, "if "), "defer "), "(", 2)[0]
			if text != "" && !bytes.Contains(got, []byte(call)) {
				t.Errorf("%s: %s does not call %s", target, p.Func, call)
			}
		}
	}
}

// A std function that is not where the patch list expects it (a new Go
// release moved it) is an error naming it, never a silently unpatched std.
func TestMissingFunctionIsAnError(t *testing.T) {
	src := []byte("package sync\n\nfunc (m *Mutex) Lock() {}\n")
	_, err := apply("mutex.go", src, []patch{{Func: "Mutex.Unlock", Epilogue: "x()"}})
	if err == nil || !strings.Contains(err.Error(), "Mutex.Unlock not found") {
		t.Fatalf("want an error naming Mutex.Unlock, got %v", err)
	}
	_, err = apply("f.go", []byte("package p\n\nfunc F() int { if true { return 1 }; return 0 }\n"), []patch{{Func: "F", Epilogue: "x()"}})
	if err == nil || !strings.Contains(err.Error(), "returns early") {
		t.Fatalf("want an error for an epilogue on a function that returns early, got %v", err)
	}
	out, err := apply("f.go", []byte("package p\n\nfunc (r *T) M(a int) {\n}\n"), []patch{{Func: "T.M", Prologue: "pre($R, $0)", Epilogue: "post($R)"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "func (r *T) M(a int) { pre(r, a);\n; post(r) }\n"; !strings.HasSuffix(string(out), want) {
		t.Fatalf("patched source:\n%s\nwant it to end with:\n%s", out, want)
	}
}

// Build writes the overlay once per content into the cache and returns the
// same file the next time; every target is a GOROOT file or the hooks file.
func TestBuildIsCached(t *testing.T) {
	cfg := testConfig(t)
	p1, err := Build(cfg)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(p1)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := Build(cfg)
	if err != nil {
		t.Fatal(err)
	}
	st2, _ := os.Stat(p2)
	if p1 != p2 || !st.ModTime().Equal(st2.ModTime()) {
		t.Fatalf("second build wrote %s again (first %s)", p2, p1)
	}
	var ov struct{ Replace map[string]string }
	data, _ := os.ReadFile(p1)
	if err := json.Unmarshal(data, &ov); err != nil {
		t.Fatal(err)
	}
	for target, file := range ov.Replace {
		if !strings.HasPrefix(target, cfg.GOROOT) && filepath.Dir(target) != cfg.HooksDir {
			t.Errorf("overlay replaces %s, outside GOROOT and the hooks package", target)
		}
		if _, err := os.Stat(file); err != nil {
			t.Error(err)
		}
	}
	if _, ok := ov.Replace[filepath.Join(cfg.GOROOT, "src", BottomPackage, "hooks.go")]; !ok {
		t.Errorf("the bottom package is missing from the overlay")
	}
	other := cfg
	other.HooksDir = filepath.Join(t.TempDir(), "stdhooks")
	p3, err := Build(other)
	if err != nil {
		t.Fatal(err)
	}
	if p3 == p1 {
		t.Fatal("another hooks directory gave the same overlay")
	}
}

// The probe (testdata/stdprobe) uses std's sync, time and randomness from
// simulated goroutines in code that is not rewritten. Built with the
// overlay, a goroutine waiting for a std mutex held by a parked goroutine
// parks in the simulator, cond and wait group wake it, the clock is the
// simulated one, and randomness comes from the seed: the same seed prints
// the same lines, another seed other random values. Built without the
// overlay the same program is stuck (tested too, so this test fails if the
// overlay stops mattering).
func TestStdUnderSimulation(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the standard library with the overlay")
	}
	cfg := testConfig(t)
	cfg.CacheDir = "" // share the user cache: the std rebuild is cached by the go command by content
	base, err := Build(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// The main module's overlay: the std one, plus the file that records
	// the replay flags.
	ov := filepath.Join(dir, "overlay.json")
	flags, err := Write(ov, base, nil, cfg.HooksDir)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(flags, " ") != "-overlay="+ov {
		t.Errorf("flags %q, want just -overlay=%s (no dependency copied)", flags, ov)
	}
	build := func(name string, flags ...string) string {
		exe := filepath.Join(dir, name)
		cmd := exec.Command("go", append(append([]string{"build", "-o", exe}, flags...), "./internal/overlay/testdata/stdprobe")...)
		cmd.Dir = testmod.Root()
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
		return exe
	}
	wall := regexp.MustCompile(` wall=\S+`)
	run := func(exe, seed string) (string, error) {
		out, err := exec.Command(exe, seed).CombinedOutput()
		return wall.ReplaceAllString(string(out), ""), err
	}
	sim := build("sim", "-overlay="+ov)
	a, err := run(sim, "1")
	if err != nil {
		t.Fatalf("with the overlay: %v\n%s", err, a)
	}
	b, _ := run(sim, "1")
	c, _ := run(sim, "2")
	if a != b {
		t.Fatalf("seed 1 twice:\n%s\n---\n%s", a, b)
	}
	// The three goroutines hold the lock 1, 2 and 3 ms in turn, in an
	// order the seed picks: the last one is done at 6ms.
	for _, want := range []string{"g0 done at ", "g1 done at ", "g2 done at ", "all done at 6ms;", "result=ok",
		"slept until 11ms; AfterFunc fired at 8ms, reset one at 9ms; Stop true, Reset true, Stop again false\n",
		"replay flags: -overlay=" + ov + " -vet=off\n"} {
		if !strings.Contains(a, want) {
			t.Errorf("output lacks %q:\n%s", want, a)
		}
	}
	if line := func(s string) string { return s[strings.Index(s, "crypto"):strings.Index(s, "\nmarionette:")] }; line(a) == line(c) {
		t.Errorf("seeds 1 and 2 drew the same randomness:\n%s\n%s", a, c)
	}
	native := build("native")
	out, err := run(native, "1")
	if err == nil || !strings.Contains(out, "stuck") {
		t.Fatalf("without the overlay the probe should be stuck; got %v\n%s", err, out)
	}
}

// Simulated code that reaches the real machine through code that is not
// rewritten (std's os and net here) fails its run with kind escape, and the
// call is refused: no file appears on the host, no socket is opened.
// Reading a real file is an input and is allowed.
func TestEscapeFailsTheRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the standard library with the overlay")
	}
	if goruntime.GOOS != "linux" {
		t.Skip("the escape patches are linux only")
	}
	cfg := testConfig(t)
	cfg.CacheDir = ""
	ov, err := Build(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	exe := filepath.Join(dir, "probe")
	cmd := exec.Command("go", "build", "-o", exe, "-overlay="+ov, "./internal/overlay/testdata/stdprobe")
	cmd.Dir = testmod.Root()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	in := filepath.Join(dir, "input.txt")
	if err := os.WriteFile(in, []byte("real input"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ what, call string }{
		{"write", "real open system call (" + in + ".escaped)"},
		{"socket", "real socket system call (AF_INET)"},
		{"exec", "real fork/exec system call (/bin/true)"},
	} {
		out, err := exec.Command(exe, "1", in, tc.what).CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 17 {
			t.Fatalf("%s: want exit 17 (escape), got %v\n%s", tc.what, err, out)
		}
		for _, want := range []string{"FAIL escape", tc.call, "operation not permitted", "stdprobe/main.go"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("%s: output lacks %q:\n%s", tc.what, want, out)
			}
		}
	}
	// std's net.Dial goes to the simulated network instead: refused there,
	// no escape.
	out, err := exec.Command(exe, "1", in, "dial").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "call error: dial tcp 127.0.0.1:1: connect: connection refused") || !strings.Contains(string(out), "result=ok") {
		t.Errorf("dial: want a simulated connection refused and no escape, got %v:\n%s", err, out)
	}
	if _, err := os.Stat(in + ".escaped"); !os.IsNotExist(err) {
		t.Fatalf("the refused write created a real file: %v", err)
	}
}

// The bottom package's generic operations (what rewritten std code calls)
// behave as Go's own, natively and in a world, on channels shared with the
// runtime's generic operations (testdata/bottomprobe).
func TestBottomPackage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the standard library with the overlay")
	}
	cfg := testConfig(t)
	cfg.CacheDir = ""
	ov, err := Build(cfg)
	if err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(t.TempDir(), "bottomprobe")
	cmd := exec.Command("go", "build", "-o", exe, "-overlay="+ov, "./internal/overlay/testdata/bottomprobe")
	cmd.Dir = testmod.Root()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	const want = "10 20 30 closed:true default atrue btrue done"
	var first string
	for i := range 2 {
		out, err := exec.Command(exe, "1").CombinedOutput()
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		s := regexp.MustCompile(` wall=\S+`).ReplaceAllString(string(out), "")
		for _, line := range []string{"native: " + want + "\n", "simulated: " + want + "\n", "result=ok"} {
			if !strings.Contains(s, line) {
				t.Fatalf("output lacks %q:\n%s", line, s)
			}
		}
		if i == 1 && s != first {
			t.Fatalf("seed 1 twice:\n%s\n---\n%s", first, s)
		}
		first = s
	}
}
