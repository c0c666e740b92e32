package os_test

import (
	"bytes"
	"errors"
	"io"
	stdos "os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/marionette-dst/marionette/runtime"
	"github.com/marionette-dst/marionette/shims/os"
)

func world(seed uint64) *runtime.World {
	o, err := runtime.Expand(seed, runtime.Smoke)
	if err != nil {
		panic(err)
	}
	w := runtime.NewWorld(o)
	w.RecordAll()
	return w
}

func ok(t *testing.T, r *runtime.Result) {
	t.Helper()
	if r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
}

// A simulated program never touches the real disk, even at a path that
// exists on it.
func TestNeverTouchesTheRealDisk(t *testing.T) {
	real := t.TempDir()
	ok(t, world(1).Run(func() {
		if _, err := os.Stat(real); !errors.Is(err, syscall.ENOENT) {
			t.Errorf("a real directory is visible under simulation: %v", err)
		}
		if err := os.MkdirAll(real, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(real+"/f", []byte("sim"), 0o644); err != nil {
			t.Fatal(err)
		}
		os.RemoveAll("/tmp")
	}))
	if _, err := stdos.Stat(filepath.Join(real, "f")); !stdos.IsNotExist(err) {
		t.Errorf("the simulated write reached the real disk: %v", err)
	}
	if _, err := stdos.Stat(stdos.TempDir()); err != nil {
		t.Errorf("the simulated RemoveAll reached the real disk: %v", err)
	}
}

// Stdout and Stderr writes are recorded per node in the trace.
func TestStdoutAndStderrAreTraced(t *testing.T) {
	w := world(1)
	ok(t, w.Run(func() {
		os.Stderr.WriteString("from the default node\n")
		done := make(chan struct{})
		w.NewNode("db1").Go("db1", func() {
			os.Stdout.WriteString("from db1\n")
			runtime.Close(done)
		})
		runtime.Recv(done)
	}))
	var got []string
	for _, e := range w.Events() {
		if e.Kind == "os.stdout" || e.Kind == "os.stderr" {
			got = append(got, e.Kind+" "+e.Detail)
		}
	}
	want := []string{"os.stderr node0: from the default node\n", "os.stdout db1: from db1\n"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("traced output %q, want %q", got, want)
	}
}

// Exit ends the run, not the process, records the code and skips the
// caller's deferred calls.
func TestExitEndsTheRun(t *testing.T) {
	w := world(1)
	deferred, after := false, false
	r := w.Run(func() {
		done := make(chan struct{})
		runtime.Go(func() {
			defer func() { runtime.Deferred(); deferred = true }() // Deferred: as mgen writes it
			os.Exit(3)
			after = true
		})
		runtime.Recv(done) // never: Exit stops the run
		after = true
	})
	ok(t, r)
	if code, exited := w.ExitCode(); !exited || code != 3 {
		t.Errorf("ExitCode() = %d, %v; want 3, true", code, exited)
	}
	if deferred || after {
		t.Errorf("deferred = %v, after = %v: Exit returned or ran deferred calls", deferred, after)
	}
	found := false
	for _, e := range w.Events() {
		found = found || e.Kind == "os.exit" && e.Arg == 3
	}
	if !found {
		t.Error("no os.exit event")
	}
}

// Each node has its own environment, host name, process id and working
// directory; the environment starts as a copy of the real one.
func TestPerNodeProcess(t *testing.T) {
	w := world(1)
	type proc struct {
		host, path, mark, wd string
		pid                  int
	}
	got := map[string]proc{}
	ok(t, w.Run(func() {
		look := func(name string) {
			h, _ := os.Hostname()
			wd, _ := os.Getwd()
			got[name] = proc{host: h, path: os.Getenv("PATH"), mark: os.Getenv("MARK"), wd: wd, pid: os.Getpid()}
		}
		os.Setenv("MARK", "node0")
		os.Mkdir("/work", 0o755)
		os.Chdir("/work")
		done := make(chan struct{})
		w.NewNode("n1").Go("n1", func() {
			look("n1")
			runtime.Close(done)
		})
		runtime.Recv(done)
		look("node0")
	}))
	if got["node0"].host != "node0" || got["n1"].host != "n1" {
		t.Errorf("host names %q %q", got["node0"].host, got["n1"].host)
	}
	if got["node0"].mark != "node0" || got["n1"].mark != "" {
		t.Errorf("MARK leaked between nodes: %+v", got)
	}
	if got["n1"].path != stdos.Getenv("PATH") {
		t.Errorf("PATH %q, want the real one", got["n1"].path)
	}
	if got["node0"].wd != "/work" || got["n1"].wd != "/" {
		t.Errorf("working directories %q %q", got["node0"].wd, got["n1"].wd)
	}
	if got["node0"].pid == got["n1"].pid {
		t.Errorf("same pid %d on two nodes", got["n1"].pid)
	}
	if stdos.Getenv("MARK") != "" {
		t.Error("Setenv under simulation changed the real environment")
	}
}

func TestNodesHaveTheirOwnDisks(t *testing.T) {
	w := world(1)
	var seen error
	ok(t, w.Run(func() {
		os.WriteFile("/tmp/mine", []byte("0"), 0o644)
		done := make(chan struct{})
		w.NewNode("n1").Go("n1", func() {
			_, seen = os.Stat("/tmp/mine")
			runtime.Close(done)
		})
		runtime.Recv(done)
	}))
	if !os.IsNotExist(seen) {
		t.Errorf("another node sees the file: %v", seen)
	}
}

func TestSimulatedPipe(t *testing.T) {
	ok(t, world(2).Run(func() {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		data := bytes.Repeat([]byte("0123456789"), 20000) // 200 KB, past the pipe's capacity
		runtime.Go(func() {
			n, err := w.Write(data)
			if n != len(data) || err != nil {
				t.Errorf("write %d %v", n, err)
			}
			w.Close()
		})
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("read %d bytes, %v", len(got), err)
		}
		r.Close()
		r2, w2, _ := os.Pipe()
		r2.Close()
		if _, err := w2.Write([]byte("x")); !errors.Is(err, syscall.EPIPE) {
			t.Errorf("write to a pipe without reader: %v", err)
		}
		fi, _ := w2.Stat()
		if fi.Mode()&os.ModeNamedPipe == 0 {
			t.Errorf("pipe mode %v", fi.Mode())
		}
	}))
}

func TestFdNumbers(t *testing.T) {
	ok(t, world(1).Run(func() {
		a, _ := os.Create("/tmp/a")
		b, _ := os.Create("/tmp/b")
		if a.Fd() != 3 || b.Fd() != 4 {
			t.Errorf("fds %d %d, want 3 4", a.Fd(), b.Fd())
		}
		a.Close()
		c, _ := os.Open("/tmp/b")
		if c.Fd() != 3 || a.Fd() != ^uintptr(0) {
			t.Errorf("fd reuse: %d, closed %d", c.Fd(), a.Fd())
		}
		if os.Stdout.Fd() != 1 || os.Stdin.Fd() != 0 {
			t.Errorf("standard streams %d %d", os.Stdin.Fd(), os.Stdout.Fd())
		}
		if n, err := os.Stdin.Read(make([]byte, 8)); n != 0 || err != io.EOF {
			t.Errorf("stdin read %d %v", n, err)
		}
		same := os.NewFile(c.Fd(), "again")
		buf := make([]byte, 1)
		if _, err := same.Read(buf); err != io.EOF {
			t.Errorf("NewFile of an open descriptor: %v", err)
		}
		if _, err := os.NewFile(99, "bad").Read(buf); !errors.Is(err, syscall.EBADF) {
			t.Errorf("NewFile of a closed descriptor: %v", err)
		}
	}))
}

// Temporary names and directory order come from the seed: the same seed
// gives the same run; some other seed gives another order.
func TestDeterministicNamesAndOrder(t *testing.T) {
	scenario := func(seed uint64) (string, uint64) {
		var out string
		w := world(seed)
		r := w.Run(func() {
			d, _ := os.MkdirTemp("", "x")
			for _, n := range []string{"a", "b", "c", "d", "e", "f"} {
				os.WriteFile(d+"/"+n, nil, 0o644)
			}
			f, _ := os.Open(d)
			names, _ := f.Readdirnames(-1)
			out = d + " " + strings.Join(names, "")
		})
		ok(t, r)
		return out, r.Hash
	}
	a1, h1 := scenario(1)
	a2, h2 := scenario(1)
	if a1 != a2 || h1 != h2 {
		t.Fatalf("same seed: %q %x and %q %x", a1, h1, a2, h2)
	}
	orders := map[string]bool{}
	for seed := uint64(1); seed <= 20; seed++ {
		s, _ := scenario(seed)
		orders[s[strings.IndexByte(s, ' ')+1:]] = true
	}
	if len(orders) < 2 {
		t.Errorf("directory order never varies with the seed: %v", orders)
	}
}

func TestStartProcessUnderSimulation(t *testing.T) {
	ok(t, world(1).Run(func() {
		_, err := os.StartProcess("/bin/true", nil, &os.ProcAttr{})
		if !errors.Is(err, syscall.ENOSYS) {
			t.Errorf("StartProcess: %v", err)
		}
	}))
}

// A node crash crashes the node's disk (crash_keep 0 here: only synced data
// survives); the restarted node gets a fresh process on what survived. A
// node's os.Exit ends only that node.
func TestNodeCrashRestartAndExit(t *testing.T) {
	o, _ := runtime.Expand(1, runtime.Performance)
	o.Disk.CrashKeep = 0
	w := runtime.NewWorld(o)
	var seen []string
	r := w.Run(func() {
		n := w.NewNode("db")
		step := make(chan struct{})
		n.Start(func() {
			if n.Incarnation() == 1 {
				os.Setenv("RUN", "first")
				os.WriteFile("/tmp/synced", []byte("s"), 0o644)
				f, _ := os.Open("/tmp/synced")
				f.Sync()
				d, _ := os.Open("/tmp")
				d.Sync()
				os.WriteFile("/tmp/unsynced", []byte("u"), 0o644)
				runtime.Send(step, struct{}{})
				runtime.Recv(make(chan struct{})) // until the crash
			}
			_, errS := os.Stat("/tmp/synced")
			_, errU := os.Stat("/tmp/unsynced")
			seen = append(seen, fmt_(errS == nil, errU == nil, os.Getenv("RUN")))
			runtime.Send(step, struct{}{})
			os.Exit(7)
		})
		runtime.Recv(step)
		n.Crash()
		n.Restart()
		runtime.Recv(step)
		runtime.Current().Sleep(1) // let the node exit
		seen = append(seen, string(n.State()), strconvI(n.ExitCode()))
	})
	ok(t, r)
	if _, exited := w.ExitCode(); exited {
		t.Error("a node's os.Exit ended the run")
	}
	want := "synced=true unsynced=false RUN=|exited|7"
	if got := strings.Join(seen, "|"); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func fmt_(synced, unsynced bool, run string) string {
	b := func(x bool) string {
		if x {
			return "true"
		}
		return "false"
	}
	return "synced=" + b(synced) + " unsynced=" + b(unsynced) + " RUN=" + run
}

func strconvI(i int) string {
	return string(rune('0' + i))
}

// Outside a simulation StartProcess takes the shim's ProcAttr with the
// shim's Files and starts a real process.
func TestStartProcessNative(t *testing.T) {
	if _, err := stdos.Stat("/bin/true"); err != nil {
		t.Skip("no /bin/true")
	}
	p, err := os.StartProcess("/bin/true", []string{"true"}, &os.ProcAttr{Files: []*os.File{os.Stdin, os.Stdout, os.Stderr}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := p.Wait()
	if err != nil || !st.Success() {
		t.Errorf("wait: %v %v", st, err)
	}
}

// A simulated process sees the file types of the real standard streams (a
// pipe or a file under go test): code that colours its output only on a
// terminal decides as it does natively.
func TestStdioStatIsTheRealStreams(t *testing.T) {
	want, err := stdos.Stdout.Stat()
	if err != nil {
		t.Skip(err)
	}
	ok(t, world(1).Run(func() {
		got, err := os.Stdout.Stat()
		if err != nil {
			t.Fatal(err)
		}
		if got.Mode().Type() != want.Mode().Type() {
			t.Errorf("simulated Stdout is %v, the real one %v", got.Mode().Type(), want.Mode().Type())
		}
	}))
}

// With a work directory (runtime/simtest sets the test's package
// directory), every node's process starts there with the directory's files
// on its disk: testdata is found as natively, version-control directories
// and nested modules are left out, writes stay simulated, and a restart
// keeps what the node changed.
func TestWorkDirFilesOnTheDisk(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string]string{
		"testdata/a.txt":   "alpha",
		"testdata/sub/b":   "beta",
		".git/HEAD":        "ref",
		"nested/go.mod":    "module x\n",
		"nested/nested.go": "package x\n",
		"pkg.go":           "package p\n",
	} {
		p := filepath.Join(dir, name)
		if err := stdos.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := stdos.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	runtime.SetWorkDir(dir)
	defer runtime.SetWorkDir("")
	w := world(1)
	ok(t, w.Run(func() {
		if wd, err := os.Getwd(); err != nil || wd != dir {
			t.Errorf("Getwd = %q, %v; want %q", wd, err, dir)
		}
		if b, err := os.ReadFile("testdata/sub/b"); err != nil || string(b) != "beta" {
			t.Errorf("testdata/sub/b: %q %v", b, err)
		}
		for _, gone := range []string{".git/HEAD", "nested/go.mod"} {
			if _, err := os.Stat(gone); !errors.Is(err, syscall.ENOENT) {
				t.Errorf("%s on the simulated disk: %v", gone, err)
			}
		}
		if err := os.WriteFile("testdata/a.txt", []byte("changed"), 0o644); err != nil {
			t.Fatal(err)
		}
		f, _ := os.OpenFile("testdata/a.txt", os.O_WRONLY, 0)
		f.Sync()
		f.Close()
		n := w.NewNode("other")
		step := make(chan string)
		n.Start(func() {
			b, _ := os.ReadFile("testdata/a.txt")
			if n.Incarnation() == 1 {
				os.WriteFile("testdata/a.txt", []byte("mine"), 0o644)
				f, _ := os.OpenFile("testdata/a.txt", os.O_WRONLY, 0)
				f.Sync()
				f.Close()
			}
			runtime.Send(step, string(b))
			runtime.Recv(make(chan struct{})) // until the crash
		})
		if got := runtime.Recv(step); got != "alpha" {
			t.Errorf("another node's disk: %q, want its own copy", got)
		}
		n.Crash()
		n.Restart()
		if got := runtime.Recv(step); got != "mine" {
			t.Errorf("after a restart: %q, want what the node wrote", got)
		}
	}))
	if b, _ := stdos.ReadFile(filepath.Join(dir, "testdata", "a.txt")); string(b) != "alpha" {
		t.Errorf("the simulated write reached the real file: %q", b)
	}
}
