package wal

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/marionette-dst/marionette/disk"
)

// TestCrashRecovery appends records from a writer goroutine, crashes the
// disk at a random moment (natively disk.Crash does nothing: the real disk
// keeps everything), reopens the log as a restarted program would, and
// checks the durability contract: every acknowledged record is recovered,
// in order, and nothing but appended records is recovered. Five rounds.
//
// Set WAL_PLANTED_BUG=1 to test the log with its planted bug (no directory
// sync after creating a segment):
//
//	WAL_PLANTED_BUG=1 go run github.com/marionette-dst/marionette/cmd/mgen test -runs 20 .
func TestCrashRecovery(t *testing.T) {
	opts := Options{SegmentSize: 256, SkipDirSync: os.Getenv("WAL_PLANTED_BUG") == "1"}
	dir, err := os.MkdirTemp("", "wal")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	// The log's directory must itself be durable: sync its parent.
	syncDir(t, filepath.Dir(dir))
	// Faults a single-node log must survive: failed writes and syncs are
	// reported to the writer (never acknowledged), torn pending sectors are
	// caught by the checksums.
	disk.AllowFaults(dir, disk.WriteErrors|disk.SyncErrors|disk.TornWrites)

	var acked []string
	appended := map[string]bool{}
	for round := 0; round < 5; round++ {
		l, recs := open(t, dir, opts)
		verify(t, round, recs, acked, appended)

		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := 0; i < 100000; i++ {
				select {
				case <-stop:
					return
				default:
				}
				rec := fmt.Sprintf("r%d-%06d", round, i)
				appended[rec] = true
				if err := l.Append([]byte(rec)); err != nil {
					return
				}
				acked = append(acked, rec)
			}
		}()
		time.Sleep(time.Duration(1+rand.Intn(20)) * time.Millisecond)
		close(stop)
		disk.Crash()
		<-done
		l.Close()
	}
	_, recs := open(t, dir, opts)
	verify(t, 5, recs, acked, appended)
}

// TestEveryCrashState appends records across several segments, then runs
// recovery in every state a crash at that moment could leave (the
// simulated disk enumerates them) and checks that no acknowledged record is
// lost in any. There is nothing to enumerate natively: it is skipped there.
func TestEveryCrashState(t *testing.T) {
	d := disk.Current()
	if d == nil {
		t.Skip("crash states are enumerated only under simulation")
	}
	opts := Options{SegmentSize: 256, SkipDirSync: os.Getenv("WAL_PLANTED_BUG") == "1"}
	dir, err := os.MkdirTemp("", "wal")
	if err != nil {
		t.Fatal(err)
	}
	syncDir(t, filepath.Dir(dir))
	l, _, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	var acked []string
	for i := 0; i < 40; i++ {
		rec := fmt.Sprintf("e-%06d", i)
		if err := l.Append([]byte(rec)); err != nil {
			t.Fatal(err)
		}
		acked = append(acked, rec)
	}
	states := 0
	err = d.ForEachCrashState(1<<16, func(s disk.CrashState) error {
		states++
		_, recs, err := Open(dir, opts)
		if err != nil {
			return err
		}
		got := map[string]bool{}
		for _, r := range recs {
			got[string(r)] = true
		}
		for _, a := range acked {
			if !got[a] {
				return fmt.Errorf("acknowledged record %q was lost (%d of %d recovered)", a, countIn(acked, got), len(acked))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("recovery checked in %d crash states", states)
}

// open opens the log, retrying a few times: recovery may meet an injected
// write error while it repairs the tail.
func open(t *testing.T, dir string, opts Options) (*Log, [][]byte) {
	t.Helper()
	var err error
	for try := 0; try < 10; try++ {
		var l *Log
		var recs [][]byte
		if l, recs, err = Open(dir, opts); err == nil {
			return l, recs
		}
	}
	t.Fatalf("open: %v", err)
	return nil, nil
}

func verify(t *testing.T, round int, recs [][]byte, acked []string, appended map[string]bool) {
	t.Helper()
	got := map[string]bool{}
	prev := ""
	for _, r := range recs {
		s := string(r)
		if !appended[s] {
			t.Fatalf("round %d: recovered %q, which was never appended", round, s)
		}
		if got[s] || s <= prev {
			t.Fatalf("round %d: recovered %q out of order or twice (after %q)", round, s, prev)
		}
		got[s] = true
		prev = s
	}
	for _, a := range acked {
		if !got[a] {
			t.Fatalf("round %d: acknowledged record %q was lost (%d of %d acknowledged records recovered)",
				round, a, countIn(acked, got), len(acked))
		}
	}
}

func countIn(xs []string, set map[string]bool) int {
	n := 0
	for _, x := range xs {
		if set[x] {
			n++
		}
	}
	return n
}

func syncDir(t *testing.T, dir string) {
	t.Helper()
	d, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		t.Fatal(err)
	}
}
