package disk_test

import (
	"bytes"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/marionette-dst/marionette/disk"
	"github.com/marionette-dst/marionette/runtime"
	"github.com/marionette-dst/marionette/shims/os"
)

// faultRun runs main with fault-free options changed by set, records every
// trace event and returns the result and the disk.fault events.
func faultRun(t *testing.T, seed uint64, set func(*runtime.DiskOptions), main func()) (*runtime.Result, []string) {
	t.Helper()
	o := opts(seed, 1)
	set(&o.Disk)
	w := runtime.NewWorld(o)
	w.RecordAll()
	r := w.Run(func() {
		must(os.MkdirAll("/data", 0o755))
		must(os.MkdirAll("/other", 0o755))
		main()
	})
	if r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
	var faults []string
	for _, e := range w.Events() {
		if e.Kind == "disk.fault" {
			faults = append(faults, e.Detail)
		}
	}
	return r, faults
}

func isErrno(err error, e syscall.Errno) bool { return errors.Is(err, e) }

// Each fault hits declared files only, shows up where the model says, is
// traced, and the same seed gives the same run.
func TestFaultsShowUpWhereTheModelSays(t *testing.T) {
	cases := []struct {
		name  string
		kind  disk.Faults
		set   func(*runtime.DiskOptions)
		check func(t *testing.T, p string) // p: a file path; in scope under /data, out of scope under /other
		// inScope says whether check expects the fault (true for /data).
	}{
		{"EIO on read", disk.ReadErrors, func(o *runtime.DiskOptions) { o.ReadError = 1 }, func(t *testing.T, p string) {
			must(os.WriteFile(p, []byte("hello"), 0o644))
			_, err := os.ReadFile(p)
			expect(t, p, isErrno(err, syscall.EIO), err)
		}},
		{"EIO on write", disk.WriteErrors, func(o *runtime.DiskOptions) { o.WriteError = 1 }, func(t *testing.T, p string) {
			err := os.WriteFile(p, []byte("hello"), 0o644)
			expect(t, p, isErrno(err, syscall.EIO), err)
			if err != nil {
				fi, _ := os.Stat(p)
				if fi.Size() != 0 {
					t.Errorf("%s: a failed write wrote %d bytes", p, fi.Size())
				}
			}
		}},
		{"EIO on sync drops the pending data", disk.SyncErrors, func(o *runtime.DiskOptions) { o.SyncError = 1 }, func(t *testing.T, p string) {
			f, _ := os.Create(p)
			f.WriteString("data")
			err := f.Sync()
			expect(t, p, isErrno(err, syscall.EIO), err)
			f.Close()
			disk.Crash() // crash_keep = 1: everything pending survives
			b, _ := os.ReadFile(p)
			lost := !bytes.Equal(b, []byte("data"))
			expect(t, p, lost, nil)
		}},
		{"ENOSPC at capacity", disk.NoSpace, func(o *runtime.DiskOptions) { o.Capacity = 64 << 10 }, func(t *testing.T, p string) {
			f, _ := os.Create(p)
			n, err := f.Write(make([]byte, 128<<10))
			f.Close()
			expect(t, p, isErrno(err, syscall.ENOSPC) && n > 0 && n < 64<<10, err)
		}},
		{"corruption derived from content", disk.Corruption, func(o *runtime.DiskOptions) { o.Corrupt = 1 }, func(t *testing.T, p string) {
			want := bytes.Repeat([]byte("0123456789abcdef"), 64)
			must(os.WriteFile(p, want, 0o644))
			a, err1 := os.ReadFile(p)
			b, err2 := os.ReadFile(p)
			if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
				t.Errorf("%s: a retried read differs or fails: %v %v", p, err1, err2)
			}
			expect(t, p, !bytes.Equal(a, want), nil)
		}},
		{"misdirected write after a restart", disk.Misdirection, func(o *runtime.DiskOptions) { o.Misdirect = 1 }, func(t *testing.T, p string) {
			f, _ := os.Create(p)
			syncDir(dirOf(p))
			f.Write(bytes.Repeat([]byte("a"), 2048))
			f.Sync()
			f.WriteAt(bytes.Repeat([]byte("b"), 512), 512)
			f.Sync()
			b, _ := os.ReadFile(p)
			if b[600] != 'b' {
				t.Errorf("%s: the page cache shows the misdirection before a restart", p)
			}
			f.Close()
			disk.Crash()
			b, _ = os.ReadFile(p)
			expect(t, p, b[600] != 'b', nil)
		}},
		{"latent error after a restart", disk.LatentErrors, func(o *runtime.DiskOptions) { o.Latent = 1 }, func(t *testing.T, p string) {
			f, _ := os.Create(p)
			syncDir(dirOf(p))
			f.WriteString("sector")
			f.Sync()
			f.Close()
			if _, err := os.ReadFile(p); err != nil {
				t.Errorf("%s: latent error before a restart: %v", p, err)
			}
			disk.Crash()
			_, err := os.ReadFile(p)
			expect(t, p, isErrno(err, syscall.EIO), err)
			if err != nil {
				os.WriteFile(p, []byte("rewritten"), 0o644)
				if _, err := os.ReadFile(p); err != nil {
					t.Errorf("%s: still unreadable after a rewrite: %v", p, err)
				}
			}
		}},
		{"torn sector at a crash", disk.TornWrites, func(o *runtime.DiskOptions) { o.CrashTear = 1 }, func(t *testing.T, p string) {
			f, _ := os.Create(p)
			f.Write(bytes.Repeat([]byte("o"), 512))
			f.Sync()
			syncDir(dirOf(p))
			f.WriteAt(bytes.Repeat([]byte("n"), 512), 0)
			f.Close()
			disk.Crash()
			b, _ := os.ReadFile(p)
			torn := bytes.Contains(b, []byte("n")) && bytes.Contains(b, []byte("o"))
			expect(t, p, torn, nil)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var hashes []uint64
			for i := 0; i < 2; i++ {
				r, faults := faultRun(t, 7, c.set, func() {
					disk.AllowFaults("/data", c.kind)
					c.check(t, "/data/f")
					c.check(t, "/other/f")
				})
				hashes = append(hashes, r.Hash)
				if len(faults) == 0 {
					t.Errorf("no disk.fault event in the trace")
				}
				for _, f := range faults {
					if !strings.Contains(f, c.kind.String()+" /data/") {
						t.Errorf("fault event %q: want kind %s on /data", f, c.kind)
					}
				}
			}
			if hashes[0] != hashes[1] {
				t.Errorf("same seed, different runs: %x %x", hashes[0], hashes[1])
			}
		})
	}
}

func dirOf(p string) string { return p[:strings.LastIndexByte(p, '/')] }

// expect checks that a fault happened on in-scope paths (/data) and not on
// the others.
func expect(t *testing.T, p string, happened bool, err error) {
	t.Helper()
	in := strings.HasPrefix(p, "/data/")
	if happened != in {
		t.Errorf("%s: fault happened = %v, want %v (err %v)", p, happened, in, err)
	}
}

// Latency is simulated time: a read sleeps exactly its minimum when the
// mean is zero, and costs no wall time.
func TestLatencyIsSimulatedTime(t *testing.T) {
	o := opts(1, 1)
	o.Disk.ReadLatencyMin = 3 * time.Millisecond
	o.Disk.WriteLatencyMin = 5 * time.Millisecond
	o.Disk.SyncLatencyMin = 40 * time.Second
	w := runtime.NewWorld(o)
	var write, read, sync time.Duration
	r := w.Run(func() {
		f, _ := os.Create("/tmp/x") // a create is a write
		t0 := w.Now()
		f.WriteString("x")
		t1 := w.Now()
		f.ReadAt(make([]byte, 1), 0)
		t2 := w.Now()
		f.Sync()
		t3 := w.Now()
		write, read, sync = t1-t0, t2-t1, t3-t2
	})
	if r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
	if write != 5*time.Millisecond || read != 3*time.Millisecond || sync != 40*time.Second {
		t.Errorf("write %v read %v sync %v, want 5ms 3ms 40s", write, read, sync)
	}
	if r.Wall > 10*time.Second {
		t.Errorf("a 40s simulated sync took %v of wall time", r.Wall)
	}
}

// Exponential latency varies per seed and is reproducible per seed.
func TestLatencyDistributionIsSeeded(t *testing.T) {
	elapsed := func(seed uint64) time.Duration {
		o := opts(seed, 1)
		o.Disk.WriteLatencyMin, o.Disk.WriteLatencyMean = time.Millisecond, 10*time.Millisecond
		var d time.Duration
		w := runtime.NewWorld(o)
		w.Run(func() {
			f, _ := os.Create("/tmp/x")
			t0 := w.Now()
			for i := 0; i < 10; i++ {
				f.WriteString("x")
			}
			d = w.Now() - t0
		})
		return d
	}
	a, b, c := elapsed(1), elapsed(1), elapsed(2)
	if a != b {
		t.Errorf("same seed: %v and %v", a, b)
	}
	if a == c {
		t.Errorf("seeds 1 and 2 give the same latency %v", a)
	}
	if a < 10*time.Millisecond {
		t.Errorf("10 writes took %v, less than 10 minimums", a)
	}
}

// The budget confines faults under a prefix to at most maxDisks disks.
func TestBudgetConfinesFaultsToSomeDisks(t *testing.T) {
	o := opts(3, 1)
	o.Disk.WriteError = 1
	w := runtime.NewWorld(o)
	var failed []string
	r := w.Run(func() {
		disk.SetBudget(w, "/log", 1)
		done := make(chan struct{})
		for _, name := range []string{"n1", "n2", "n3"} {
			n := w.NewNode(name)
			disk.Of(n).AllowFaults("/log", disk.WriteErrors)
			n.Go(name, func() {
				defer func() { runtime.Send(done, struct{}{}) }()
				must(os.MkdirAll("/log", 0o755))
				for i := 0; i < 5; i++ {
					if err := os.WriteFile("/log/seg", []byte("x"), 0o644); err != nil {
						failed = append(failed, name)
						return
					}
				}
			})
		}
		for range 3 {
			runtime.Recv(done)
		}
	})
	if r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
	if len(failed) != 1 {
		t.Errorf("nodes whose log took a fault: %v, want exactly one", failed)
	}
}

// Random crashes are drawn only on disks with a crash handler, and are
// much likelier while writes are pending.
func TestRandomCrashesWeighPendingWrites(t *testing.T) {
	count := func(pending bool, handler bool) int {
		o := opts(5, 0.5)
		o.Disk.CrashProbability = 0.01
		o.Disk.CrashPendingFactor = 10
		crashes := 0
		run(t, o, func() {
			d := disk.Current()
			if handler {
				d.SetCrashHandler(func() { crashes++ })
			}
			f, _ := os.Create("/tmp/x")
			f.Sync()
			syncDir("/tmp")
			for i := 0; i < 2000; i++ {
				f, err := os.OpenFile("/tmp/x", os.O_RDWR, 0)
				if err != nil {
					continue
				}
				if pending {
					f.WriteAt([]byte("x"), 0)
				} else {
					f.ReadAt(make([]byte, 1), 0)
				}
				f.Close()
			}
			if !handler {
				crashes = d.Crashes()
			}
		})
		return crashes
	}
	if n := count(true, false); n != 0 {
		t.Errorf("%d random crashes without a handler", n)
	}
	idle, busy := count(false, true), count(true, true)
	t.Logf("random crashes in 2000 operations: %d idle, %d with pending writes", idle, busy)
	if idle == 0 || busy < 3*idle {
		t.Errorf("random crashes: %d without pending writes, %d with; want some, and many more with", idle, busy)
	}
}

// Writeback makes old pending changes durable.
func TestWriteback(t *testing.T) {
	for _, after := range []time.Duration{0, 5 * time.Second} {
		o := opts(1, 0)
		o.Disk.WritebackAfter = after
		var got string
		run(t, o, func() {
			prepare(func() {})
			must(os.WriteFile("/d/f", []byte("data"), 0o644))
			runtime.Current().Sleep(6 * time.Second)
			os.Stat("/d") // any operation runs the writeback
			disk.Crash()  // crash_keep = 0: every pending change is lost
			got = observe()
		})
		want := "(empty)"
		if after > 0 {
			want = `f="data"`
		}
		if got != want {
			t.Errorf("writeback_after %v: after a crash %s, want %s", after, got, want)
		}
	}
}

// Smoke-profile latency and no declared scope: no faults at all.
func TestNoFaultsOutsideTheScope(t *testing.T) {
	o, _ := runtime.Expand(1, runtime.Smoke)
	o.Disk.ReadError, o.Disk.WriteError, o.Disk.SyncError, o.Disk.Corrupt = 1, 1, 1, 1
	w := runtime.NewWorld(o)
	w.RecordAll()
	r := w.Run(func() {
		must(os.WriteFile("/tmp/f", []byte("ok"), 0o644))
		b, err := os.ReadFile("/tmp/f")
		if err != nil || string(b) != "ok" {
			t.Errorf("read %q %v", b, err)
		}
	})
	if r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
	for _, e := range w.Events() {
		if strings.HasPrefix(e.Kind, "disk.fault") {
			t.Errorf("fault outside the declared scope: %v", e)
		}
	}
}
