package disk_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/marionette-dst/marionette/disk"
	"github.com/marionette-dst/marionette/shims/os"
)

// A sequence is a short program on /d. setup's result is made durable
// (every file and directory synced); ops run after it; want lists every
// state of /d a crash right after ops may leave, derived by hand from the
// rules of docs/disk-fault-model.md (sector 512 bytes).
type sequence struct {
	name  string
	setup func()
	ops   func()
	want  []string
}

var sequences = []sequence{
	{
		name:  "atomic replace: write, fsync, rename",
		setup: func() { must(os.WriteFile("/d/f", []byte("old"), 0o644)) },
		ops: func() {
			f, err := os.Create("/d/tmp")
			must(err)
			f.WriteString("new!")
			must(f.Sync())
			f.Close()
			must(os.Rename("/d/tmp", "/d/f"))
		},
		// The rename depends on the creation of tmp (same entry); the data
		// is durable. Never a torn or empty f.
		want: []string{`f="old"`, `f="old" tmp="new!"`, `f="new!"`},
	},
	{
		name:  "replace without fsync",
		setup: func() { must(os.WriteFile("/d/f", []byte("old"), 0o644)) },
		ops: func() {
			must(os.WriteFile("/d/tmp", []byte("new!"), 0o644))
			must(os.Rename("/d/tmp", "/d/f"))
		},
		// The entries (create, then rename) and the data (size, sector) are
		// independent: f may end up empty or zero-filled after the rename.
		want: []string{
			`f="old"`,
			`f="old" tmp=""`, `f="old" tmp="\x00\x00\x00\x00"`, `f="old" tmp="new!"`,
			`f=""`, `f="\x00\x00\x00\x00"`, `f="new!"`,
		},
	},
	{
		name:  "two-sector overwrite, torn at the sector boundary",
		setup: func() { must(os.WriteFile("/d/f", []byte(strings.Repeat("A", 1024)), 0o644)) },
		ops: func() {
			f, err := os.OpenFile("/d/f", os.O_RDWR, 0)
			must(err)
			f.WriteAt([]byte(strings.Repeat("B", 1024)), 0)
			f.Close()
		},
		want: []string{`f="A*1024"`, `f="B*512A*512"`, `f="A*512B*512"`, `f="B*1024"`},
	},
	{
		name:  "synced write survives, unsynced overwrite may be lost",
		setup: func() { must(os.WriteFile("/d/f", []byte("v1"), 0o644)) },
		ops: func() {
			f, err := os.OpenFile("/d/f", os.O_RDWR, 0)
			must(err)
			f.WriteAt([]byte("v2"), 0)
			f.Close()
		},
		want: []string{`f="v1"`, `f="v2"`},
	},
	{
		name:  "new file synced without a directory fsync may vanish",
		setup: func() {},
		ops: func() {
			f, err := os.Create("/d/n")
			must(err)
			f.WriteString("x")
			must(f.Sync())
			f.Close()
		},
		want: []string{`(empty)`, `n="x"`},
	},
	{
		name:  "new file synced with a directory fsync survives",
		setup: func() {},
		ops: func() {
			f, err := os.Create("/d/n")
			must(err)
			f.WriteString("x")
			must(f.Sync())
			f.Close()
			syncDir("/d")
		},
		want: []string{`n="x"`},
	},
	{
		name:  "O_SYNC write survives",
		setup: func() { must(os.WriteFile("/d/f", []byte("old"), 0o644)) },
		ops: func() {
			f, err := os.OpenFile("/d/f", os.O_WRONLY|os.O_SYNC, 0)
			must(err)
			f.WriteAt([]byte("new"), 0)
			f.Close()
		},
		want: []string{`f="new"`},
	},
	{
		name:  "remove without a directory fsync may be undone",
		setup: func() { must(os.WriteFile("/d/f", []byte("keep"), 0o644)) },
		ops:   func() { must(os.Remove("/d/f")) },
		want:  []string{`f="keep"`, `(empty)`},
	},
	{
		name:  "append, fsync, append",
		setup: func() { must(os.WriteFile("/d/f", nil, 0o644)) },
		ops: func() {
			f, err := os.OpenFile("/d/f", os.O_WRONLY|os.O_APPEND, 0)
			must(err)
			f.WriteString("aaaa")
			must(f.Sync())
			f.WriteString("bbbb")
			f.Close()
		},
		// The second append's size and sector are independent units.
		want: []string{`f="aaaa"`, `f="aaaa\x00\x00\x00\x00"`, `f="aaaabbbb"`},
	},
}

func syncDir(p string) {
	d, err := os.Open(p)
	must(err)
	must(d.Sync())
	d.Close()
}

// prepare creates /d, runs setup and makes everything under it durable.
func prepare(setup func()) {
	must(os.Mkdir("/d", 0o755))
	setup()
	ents, err := os.ReadDir("/d")
	must(err)
	for _, e := range ents {
		f, err := os.Open("/d/" + e.Name())
		must(err)
		must(f.Sync())
		f.Close()
	}
	syncDir("/d")
	syncDir("/")
}

// observe reads /d through the os shim, as a recovering program would.
func observe() string {
	ents, err := os.ReadDir("/d")
	if err != nil {
		return "error: " + err.Error()
	}
	files := map[string]string{}
	for _, e := range ents {
		b, err := os.ReadFile("/d/" + e.Name())
		if err != nil {
			return "error: " + err.Error()
		}
		files["/d/"+e.Name()] = string(b)
	}
	return show(files, "/d")
}

func TestCrashStatesAreExactlyTheAllowedOnes(t *testing.T) {
	for _, sq := range sequences {
		t.Run(sq.name, func(t *testing.T) {
			var got []string
			run(t, opts(1, 0.5), func() {
				prepare(sq.setup)
				sq.ops()
				states, err := disk.Current().CrashStates(1 << 12)
				must(err)
				for _, s := range states {
					got = append(got, show(s.Files, "/d"))
				}
			})
			want := slices.Clone(sq.want)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("crash states:\n got  %q\n want %q", got, want)
			}
		})
	}
}

// Every state the enumeration yields is what a recovering program reads
// through the os shim, and the disk is back as it was afterwards.
func TestForEachCrashStateRunsRecoveryOnEachState(t *testing.T) {
	for _, sq := range sequences {
		t.Run(sq.name, func(t *testing.T) {
			run(t, opts(1, 0.5), func() {
				prepare(sq.setup)
				keep, err := os.Create("/d/.open")
				must(err)
				syncDir("/d")
				sq.ops()
				d := disk.Current()
				before, pending := d.Files(), d.Pending()
				seen := 0
				err = d.ForEachCrashState(1<<12, func(s disk.CrashState) error {
					seen++
					if got, want := observe(), show(s.Files, "/d"); got != want {
						return fmt.Errorf("recovery read %s, state is %s", got, want)
					}
					if _, err := keep.WriteString("x"); err == nil {
						return fmt.Errorf("a descriptor of the running program still works in a crash state")
					}
					return nil
				})
				if err != nil {
					t.Error(err)
				}
				if seen != len(sq.want) {
					t.Errorf("checked %d states, want %d", seen, len(sq.want))
				}
				if after := d.Files(); !mapsEqual(before, after) || d.Pending() != pending {
					t.Errorf("disk not restored: pending %d -> %d", pending, d.Pending())
				}
				if _, err := keep.WriteString("x"); err != nil {
					t.Errorf("descriptor unusable after the enumeration: %v", err)
				}
			})
		})
	}
}

// A crash (disk.Crash) leaves one of the allowed states, and over many
// seeds every allowed state and nothing else.
func TestCrashOutcomesOverSeeds(t *testing.T) {
	for _, sq := range sequences {
		t.Run(sq.name, func(t *testing.T) {
			seen := map[string]bool{}
			for seed := uint64(1); seed <= 200; seed++ {
				run(t, opts(seed, 0.5), func() {
					prepare(sq.setup)
					sq.ops()
					if !disk.Crash() {
						t.Fatal("no disk under simulation")
					}
					seen[observe()] = true
				})
			}
			got := sortedKeys(seen)
			want := slices.Clone(sq.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("outcomes over 200 seeds:\n got  %q\n want %q", got, want)
			}
		})
	}
}

// After a crash, descriptors of the old process fail with EIO and the
// disk keeps serving the surviving state.
func TestCrashInvalidatesDescriptors(t *testing.T) {
	run(t, opts(1, 1), func() {
		prepare(func() {})
		f, err := os.Create("/d/x")
		must(err)
		f.WriteString("abc")
		d := disk.Current()
		if _, ok := d.DurableFiles()["/d/x"]; ok || d.Files()["/d/x"] != "abc" {
			t.Errorf("before the crash: durable %q, volatile %q", d.DurableFiles()["/d/x"], d.Files()["/d/x"])
		}
		disk.Crash()
		if _, err := f.WriteString("more"); err == nil || !strings.Contains(err.Error(), "input/output error") {
			t.Errorf("write on a stale descriptor: %v, want EIO", err)
		}
		if err := f.Close(); err != nil {
			t.Errorf("close of a stale descriptor: %v", err)
		}
		b, err := os.ReadFile("/d/x")
		if err != nil || string(b) != "abc" {
			t.Errorf("after a crash keeping everything: %q %v", b, err)
		}
		if disk.Current().Crashes() != 1 {
			t.Errorf("crashes = %d", disk.Current().Crashes())
		}
	})
}

func TestEnumerationLimit(t *testing.T) {
	run(t, opts(1, 0.5), func() {
		prepare(func() {})
		f, _ := os.Create("/d/big")
		f.Write(make([]byte, 512*16)) // 16 independent sectors: 2^16 subsets
		_, err := disk.Current().CrashStates(1000)
		if err == nil || !strings.Contains(err.Error(), "too many crash states") {
			t.Errorf("err = %v, want ErrTooManyStates", err)
		}
	})
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// Memory-pressure writeback: a sector keeps its last 16 pending versions;
// older ones reach the disk, so a crash losing everything pending leaves
// the 16th-newest version's predecessor.
func TestSectorVersionsAreBounded(t *testing.T) {
	run(t, opts(1, 0), func() {
		prepare(func() { must(os.WriteFile("/d/f", []byte("v00"), 0o644)) })
		f, err := os.OpenFile("/d/f", os.O_RDWR, 0)
		must(err)
		for i := 1; i <= 40; i++ {
			f.WriteAt([]byte(fmt.Sprintf("v%02d", i)), 0)
		}
		if p := disk.Current().Pending(); p != 16 {
			t.Errorf("pending units %d, want 16", p)
		}
		disk.Crash()
		if got := observe(); got != `f="v24"` {
			t.Errorf("after the crash %s, want f=\"v24\"", got)
		}
	})
}
