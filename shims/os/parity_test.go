package os_test

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/marionette-dst/marionette/runtime"
	"github.com/marionette-dst/marionette/shims/os"
)

// The parity suite runs each scenario twice: natively (the shim forwards to
// std, in a real temporary directory) and under simulation (on the
// simulated disk, no faults declared), and requires the same transcript:
// the same results and the same errors, with the same types, Ops and
// errno values. Paths are written relative to the scenario's directory.
//
// Tests in this package must not call t.Parallel: a native scenario calling
// the shim while a world runs would be a foreign goroutine.

type transcript struct {
	dir   string
	lines []string
}

func (tr *transcript) log(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	tr.lines = append(tr.lines, strings.ReplaceAll(s, tr.dir, "$D"))
}

// e describes an error: its text, type and what errors.Is says about it.
func (tr *transcript) e(what string, err error) {
	if err == nil {
		tr.log("%s: ok", what)
		return
	}
	var errno syscall.Errno
	errors.As(err, &errno)
	tr.log("%s: %T %v [errno=%d notexist=%v exist=%v]", what, err, err, errno,
		errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrExist))
}

type scenario struct {
	name string
	run  func(tr *transcript, d string)
}

var scenarios = []scenario{
	{"create and exclusive create", func(tr *transcript, d string) {
		f, err := os.Create(d + "/a")
		tr.e("create", err)
		n, err := f.WriteString("hello")
		tr.log("write %d", n)
		tr.e("write", err)
		tr.e("close", f.Close())
		tr.e("close again", f.Close())
		_, err = os.OpenFile(d+"/a", os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
		tr.e("exclusive create of existing", err)
		tr.log("IsExist=%v", os.IsExist(err))
		f, err = os.OpenFile(d+"/b", os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		tr.e("exclusive create of new", err)
		f.Close()
		fi, _ := os.Stat(d + "/b")
		tr.log("b mode %v size %d", fi.Mode(), fi.Size())
		_, err = os.Create(d + "/missing/c")
		tr.e("create in missing dir", err)
		_, err = os.Create(d + "/a/c")
		tr.e("create under a file", err)
		_, err = os.OpenFile(d+"/new/", os.O_CREATE|os.O_WRONLY, 0o644)
		tr.e("create with trailing slash", err)
	}},
	{"append", func(tr *transcript, d string) {
		os.WriteFile(d+"/log", []byte("one\n"), 0o644)
		f, err := os.OpenFile(d+"/log", os.O_WRONLY|os.O_APPEND, 0)
		tr.e("open append", err)
		f.Seek(0, io.SeekStart)
		f.WriteString("two\n")
		f.WriteString("three\n")
		_, err = f.WriteAt([]byte("x"), 0)
		tr.e("WriteAt in append mode", err)
		f.Close()
		b, err := os.ReadFile(d + "/log")
		tr.log("content %q", b)
		tr.e("read", err)
	}},
	{"truncate", func(tr *transcript, d string) {
		os.WriteFile(d+"/t", []byte("0123456789"), 0o644)
		tr.e("truncate shrink", os.Truncate(d+"/t", 4))
		b, _ := os.ReadFile(d + "/t")
		tr.log("after shrink %q", b)
		tr.e("truncate grow", os.Truncate(d+"/t", 8))
		b, _ = os.ReadFile(d + "/t")
		tr.log("after grow %q", b)
		tr.e("truncate negative", os.Truncate(d+"/t", -1))
		tr.e("truncate missing", os.Truncate(d+"/none", 1))
		tr.e("truncate dir", os.Truncate(d, 1))
		f, _ := os.OpenFile(d+"/t", os.O_RDWR, 0)
		tr.e("f.Truncate", f.Truncate(2))
		fi, _ := f.Stat()
		tr.log("size %d", fi.Size())
		f.Close()
		r, _ := os.Open(d + "/t")
		tr.e("f.Truncate read-only", r.Truncate(1))
		r.Close()
		f, _ = os.OpenFile(d+"/t", os.O_RDWR|os.O_TRUNC, 0)
		fi, _ = f.Stat()
		tr.log("O_TRUNC size %d", fi.Size())
		f.Close()
	}},
	{"seek and overwrite", func(tr *transcript, d string) {
		f, _ := os.Create(d + "/s")
		f.WriteString("abcdefghij")
		pos, err := f.Seek(3, io.SeekStart)
		tr.log("seek set %d %v", pos, err)
		f.WriteString("XY")
		pos, err = f.Seek(-2, io.SeekCurrent)
		tr.log("seek cur %d %v", pos, err)
		buf := make([]byte, 4)
		n, err := f.Read(buf)
		tr.log("read %d %q %v", n, buf[:n], err)
		pos, err = f.Seek(-1, io.SeekEnd)
		tr.log("seek end %d %v", pos, err)
		n, err = f.Read(buf)
		tr.log("read %d %q %v", n, buf[:n], err)
		n, err = f.Read(buf)
		tr.log("read at eof %d %v", n, err)
		_, err = f.Seek(-100, io.SeekCurrent)
		tr.e("seek negative", err)
		_, err = f.Seek(0, 7)
		tr.e("seek bad whence", err)
		pos, _ = f.Seek(15, io.SeekStart)
		f.WriteString("Z")
		f.Close()
		b, _ := os.ReadFile(d + "/s")
		tr.log("content %q (pos %d)", b, pos)
		n, err = f.Read(buf)
		tr.log("read closed %d", n)
		tr.e("read closed", err)
		_, err = f.Write(buf)
		tr.e("write closed", err)
		_, err = f.Seek(0, 0)
		tr.e("seek closed", err)
		_, err = f.Stat()
		tr.e("stat closed", err)
		tr.e("sync closed", f.Sync())
	}},
	{"ReadAt and WriteAt", func(tr *transcript, d string) {
		f, _ := os.Create(d + "/r")
		n, err := f.WriteAt([]byte("world"), 6)
		tr.log("writeat %d %v", n, err)
		n, err = f.WriteAt([]byte("hello"), 0)
		tr.log("writeat %d %v", n, err)
		buf := make([]byte, 8)
		n, err = f.ReadAt(buf, 0)
		tr.log("readat %d %q %v", n, buf[:n], err)
		n, err = f.ReadAt(buf, 7)
		tr.log("readat past %d %q %v", n, buf[:n], err)
		n, err = f.ReadAt(buf, 100)
		tr.log("readat far %d %v", n, err)
		_, err = f.ReadAt(buf, -1)
		tr.e("readat negative", err)
		_, err = f.WriteAt(buf, -1)
		tr.e("writeat negative", err)
		pos, _ := f.Seek(0, io.SeekCurrent)
		tr.log("offset unchanged %d", pos)
		f.Close()
		r, _ := os.Open(d + "/r")
		_, err = r.WriteAt([]byte("x"), 0)
		tr.e("writeat read-only", err)
		_, err = r.Write([]byte("x"))
		tr.e("write read-only", err)
		r.Close()
		w, _ := os.OpenFile(d+"/r", os.O_WRONLY, 0)
		_, err = w.Read(buf)
		tr.e("read write-only", err)
		w.Close()
	}},
	{"rename", func(tr *transcript, d string) {
		os.WriteFile(d+"/old", []byte("new content"), 0o644)
		os.WriteFile(d+"/target", []byte("old content"), 0o644)
		tr.e("rename over file", os.Rename(d+"/old", d+"/target"))
		b, _ := os.ReadFile(d + "/target")
		tr.log("target %q", b)
		_, err := os.Stat(d + "/old")
		tr.e("old gone", err)
		tr.e("rename missing", os.Rename(d+"/nope", d+"/x"))
		os.Mkdir(d+"/dir", 0o755)
		os.Mkdir(d+"/full", 0o755)
		os.WriteFile(d+"/full/f", nil, 0o644)
		tr.e("rename file over dir", os.Rename(d+"/target", d+"/dir"))
		tr.e("rename dir over non-empty dir", os.Rename(d+"/dir", d+"/full"))
		tr.e("rename dir over file", os.Rename(d+"/dir", d+"/target"))
		tr.e("rename dir into itself", os.Rename(d+"/full", d+"/full/sub"))
		tr.e("rename dir", os.Rename(d+"/full", d+"/moved"))
		b, err = os.ReadFile(d + "/moved/f")
		tr.log("moved/f %q", b)
		tr.e("read moved", err)
		tr.e("rename to itself", os.Rename(d+"/target", d+"/target"))
	}},
	{"remove", func(tr *transcript, d string) {
		os.MkdirAll(d+"/a/b/c", 0o755)
		os.WriteFile(d+"/a/b/c/f", []byte("x"), 0o644)
		os.WriteFile(d+"/a/g", []byte("y"), 0o644)
		tr.e("remove non-empty dir", os.Remove(d+"/a"))
		tr.e("remove missing", os.Remove(d+"/zz"))
		tr.e("remove file", os.Remove(d+"/a/g"))
		tr.e("remove through file", os.Remove(d+"/a/b/c/f/x"))
		tr.e("removeall", os.RemoveAll(d+"/a"))
		_, err := os.Stat(d + "/a")
		tr.e("stat removed", err)
		tr.e("removeall missing", os.RemoveAll(d+"/a"))
		tr.e("removeall dot", os.RemoveAll(d+"/."))
		os.Mkdir(d+"/e", 0o755)
		tr.e("remove empty dir", os.Remove(d+"/e"))
		tr.e("mkdir", os.Mkdir(d+"/m", 0o755))
		tr.e("mkdir existing", os.Mkdir(d+"/m", 0o755))
		tr.e("mkdir missing parent", os.Mkdir(d+"/q/r", 0o755))
		os.WriteFile(d+"/file", nil, 0o644)
		tr.e("mkdirall over file", os.MkdirAll(d+"/file/x", 0o755))
		tr.e("mkdirall existing", os.MkdirAll(d+"/m", 0o755))
	}},
	{"ReadDir order and types", func(tr *transcript, d string) {
		for _, n := range []string{"zeta", "alpha", "Mid", "beta", "10", "9"} {
			os.WriteFile(d+"/"+n, []byte(n), 0o644)
		}
		os.Mkdir(d+"/sub", 0o755)
		os.Symlink("alpha", d+"/link")
		ents, err := os.ReadDir(d)
		tr.e("readdir", err)
		for _, e := range ents {
			info, _ := e.Info()
			tr.log("%s dir=%v type=%v size=%d", e.Name(), e.IsDir(), e.Type(), sizeOf(info))
		}
		f, _ := os.Open(d)
		names, err := f.Readdirnames(-1)
		slices.Sort(names)
		tr.log("names %v %v", names, err)
		names, err = f.Readdirnames(1)
		tr.log("more %v %v", names, err)
		f.Close()
		f, _ = os.Open(d)
		var got []string
		for {
			ents, err := f.ReadDir(3)
			for _, e := range ents {
				got = append(got, e.Name())
			}
			if err != nil {
				tr.log("batched end %v", err)
				break
			}
		}
		slices.Sort(got)
		tr.log("batched %v", got)
		f.Close()
		_, err = os.ReadDir(d + "/alpha")
		tr.e("readdir of a file", err)
		_, err = os.ReadDir(d + "/none")
		tr.e("readdir missing", err)
		r, _ := os.Open(d + "/alpha")
		_, err = r.ReadDir(-1)
		tr.e("File.ReadDir of a file", err)
		r.Close()
		dir, _ := os.Open(d)
		_, err = dir.Read(make([]byte, 4))
		tr.e("read a directory", err)
		dir.Close()
		_, err = os.OpenFile(d, os.O_RDWR, 0)
		tr.e("open dir for writing", err)
	}},
	{"stat sizes and modes", func(tr *transcript, d string) {
		os.WriteFile(d+"/f", make([]byte, 1234), 0o640)
		os.WriteFile(d+"/empty", nil, 0o600)
		os.Mkdir(d+"/dir", 0o750)
		os.Symlink("f", d+"/ln")
		os.Symlink("nowhere", d+"/dangling")
		for _, n := range []string{"f", "empty", "dir", "ln", "dangling"} {
			fi, err := os.Stat(d + "/" + n)
			if err != nil {
				tr.e("stat "+n, err)
			} else {
				tr.log("stat %s: name=%s size=%d mode=%v dir=%v", n, fi.Name(), sizeOf(fi), fi.Mode(), fi.IsDir())
			}
			fi, err = os.Lstat(d + "/" + n)
			if err != nil {
				tr.e("lstat "+n, err)
			} else {
				tr.log("lstat %s: name=%s size=%d mode=%v", n, fi.Name(), sizeOf(fi), fi.Mode())
			}
		}
		s, err := os.Readlink(d + "/ln")
		tr.log("readlink %q %v", s, err)
		_, err = os.Readlink(d + "/f")
		tr.e("readlink of a file", err)
		tr.e("chmod", os.Chmod(d+"/f", 0o604))
		fi, _ := os.Stat(d + "/f")
		tr.log("after chmod %v", fi.Mode())
		a, _ := os.Stat(d + "/f")
		b, _ := os.Stat(d + "/ln")
		c, _ := os.Stat(d + "/empty")
		tr.log("samefile %v %v", os.SameFile(a, b), os.SameFile(a, c))
		tr.e("link", os.Link(d+"/f", d+"/hard"))
		h, _ := os.Stat(d + "/hard")
		tr.log("samefile hard %v", os.SameFile(a, h))
		tr.e("link existing", os.Link(d+"/f", d+"/hard"))
		tr.e("link dir", os.Link(d+"/dir", d+"/dirlink"))
		tr.e("symlink existing", os.Symlink("x", d+"/ln"))
		_, err = os.Stat(d + "/f/")
		tr.e("stat file with slash", err)
		_, err = os.Open(d + "/f/")
		tr.e("open file with slash", err)
	}},
	{"missing files", func(tr *transcript, d string) {
		_, err := os.ReadFile(d + "/missing")
		tr.e("readfile", err)
		tr.log("IsNotExist=%v", os.IsNotExist(err))
		_, err = os.Open(d + "/missing/deeper")
		tr.e("open", err)
		_, err = os.Stat("")
		tr.e("stat empty", err)
		_, err = os.Lstat(d + "/missing")
		tr.e("lstat", err)
		err = os.WriteFile(d+"/nodir/x", nil, 0o644)
		tr.e("writefile", err)
		_, err = os.Stat(d + "/" + strings.Repeat("n", 300))
		tr.e("long name", err)
	}},
	{"temp files and working directory", func(tr *transcript, d string) {
		f, err := os.CreateTemp(d, "pre-*.suf")
		tr.e("createtemp", err)
		name := f.Name()
		tr.log("createtemp shape %v", strings.HasPrefix(name, d+"/pre-") && strings.HasSuffix(name, ".suf"))
		fi, _ := f.Stat()
		tr.log("createtemp mode %v", fi.Mode())
		f.Close()
		dn, err := os.MkdirTemp(d, "dir")
		tr.e("mkdirtemp", err)
		fi, _ = os.Stat(dn)
		tr.log("mkdirtemp mode %v", fi.Mode())
		_, err = os.CreateTemp(d, "a/b")
		tr.e("createtemp bad pattern", err)
		_, err = os.MkdirTemp(d+"/none", "x")
		tr.e("mkdirtemp missing dir", err)
		wd, _ := os.Getwd()
		defer os.Chdir(wd)
		tr.e("chdir", os.Chdir(d))
		os.WriteFile("rel", []byte("relative"), 0o644)
		b, err := os.ReadFile(d + "/rel")
		tr.log("relative write %q %v", b, err)
		now, _ := os.Getwd()
		tr.log("getwd %v", now == d)
		tr.e("chdir to file", os.Chdir("rel"))
		tr.e("chdir missing", os.Chdir("nope"))
	}},
	{"DirFS and io/fs", func(tr *transcript, d string) {
		os.MkdirAll(d+"/t/x", 0o755)
		os.WriteFile(d+"/t/a.txt", []byte("A"), 0o644)
		os.WriteFile(d+"/t/x/b.txt", []byte("BB"), 0o644)
		fsys := os.DirFS(d + "/t")
		var walked []string
		fs.WalkDir(fsys, ".", func(p string, e fs.DirEntry, err error) error {
			walked = append(walked, fmt.Sprintf("%s:%v", p, e.IsDir()))
			return err
		})
		tr.log("walk %v", walked)
		b, err := fs.ReadFile(fsys, "x/b.txt")
		tr.log("fs.ReadFile %q %v", b, err)
		_, err = fs.ReadFile(fsys, "nope")
		tr.e("fs.ReadFile missing", err)
		_, err = fsys.Open("../escape")
		tr.e("DirFS escape", err)
		m, _ := fs.Glob(fsys, "*.txt")
		tr.log("glob %v", m)
		tr.e("CopyFS", os.CopyFS(d+"/copy", fsys))
		b, _ = os.ReadFile(d + "/copy/x/b.txt")
		tr.log("copied %q", b)
	}},
}

func sizeOf(fi fs.FileInfo) int64 {
	if fi == nil || fi.IsDir() {
		return -1 // directory sizes depend on the file system
	}
	return fi.Size()
}

func runNative(t *testing.T, sc scenario) []string {
	t.Helper()
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	tr := &transcript{dir: t.TempDir()}
	sc.run(tr, tr.dir)
	return tr.lines
}

func runSim(t *testing.T, sc scenario, seed uint64) []string {
	t.Helper()
	o, err := runtime.Expand(seed, runtime.Smoke)
	if err != nil {
		t.Fatal(err)
	}
	var tr *transcript
	r := runtime.NewWorld(o).Run(func() {
		d, err := os.MkdirTemp("", "parity")
		if err != nil {
			panic(err)
		}
		tr = &transcript{dir: d}
		sc.run(tr, d)
	})
	if r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
	return tr.lines
}

func TestParity(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			native := runNative(t, sc)
			for _, seed := range []uint64{1, 2, 3} {
				sim := runSim(t, sc, seed)
				if diff := compare(native, sim); diff != "" {
					t.Fatalf("seed %d: native and simulated runs differ:\n%s", seed, diff)
				}
			}
			if testing.Verbose() {
				t.Logf("%d lines:\n  %s", len(native), strings.Join(native, "\n  "))
			}
		})
	}
}

func compare(native, sim []string) string {
	var b strings.Builder
	for i := 0; i < len(native) || i < len(sim); i++ {
		var n, s string
		if i < len(native) {
			n = native[i]
		}
		if i < len(sim) {
			s = sim[i]
		}
		if n != s {
			fmt.Fprintf(&b, "line %d:\n  native: %s\n  sim:    %s\n", i+1, n, s)
		}
	}
	return b.String()
}
