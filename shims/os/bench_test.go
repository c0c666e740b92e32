package os_test

import (
	"bytes"
	"testing"

	"github.com/marionette-dst/marionette/runtime"
	"github.com/marionette-dst/marionette/shims/os"
)

// The file benchmarks run the same body natively (the shim forwards to std,
// in a real temporary directory) and under simulation (the performance
// profile: no latency, no faults), for docs/performance.md:
//
//	go test -run '^$' -bench 'File' -count 5 ./shims/os | go run ./internal/benchratio

var block = bytes.Repeat([]byte("0123456789abcdef"), 256) // 4 KiB

// writeRead: one op is a 4 KiB WriteAt and a 4 KiB ReadAt of an open file.
func writeRead(b *testing.B, dir string) {
	f, err := os.Create(dir + "/bench")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, len(block))
	b.SetBytes(int64(2 * len(block)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		off := int64(i%256) * int64(len(block))
		if _, err := f.WriteAt(block, off); err != nil {
			b.Fatal(err)
		}
		if _, err := f.ReadAt(buf, off); err != nil {
			b.Fatal(err)
		}
	}
}

// createWriteRead: one op creates a file, writes 4 KiB, closes it, reads
// it back with ReadFile and removes it.
func createWriteRead(b *testing.B, dir string) {
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := dir + "/f"
		if err := os.WriteFile(p, block, 0o644); err != nil {
			b.Fatal(err)
		}
		if _, err := os.ReadFile(p); err != nil {
			b.Fatal(err)
		}
		if err := os.Remove(p); err != nil {
			b.Fatal(err)
		}
	}
}

// appendSync: one op appends 4 KiB, syncs the file and reads the block
// back (the write-ahead log pattern); every 256 ops the file is truncated.
func appendSync(b *testing.B, dir string) {
	f, err := os.OpenFile(dir+"/log", os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, len(block))
	b.SetBytes(int64(2 * len(block)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%256 == 0 {
			if err := f.Truncate(0); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := f.Write(block); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
		if _, err := f.ReadAt(buf, int64(i%256)*int64(len(block))); err != nil {
			b.Fatal(err)
		}
	}
}

func simBench(b *testing.B, body func(*testing.B, string)) {
	o, err := runtime.Expand(1, runtime.Performance)
	if err != nil {
		b.Fatal(err)
	}
	r := runtime.NewWorld(o).Run(func() {
		d, err := os.MkdirTemp("", "bench")
		if err != nil {
			b.Fatal(err)
		}
		body(b, d)
	})
	if r.Failure != nil {
		b.Fatal(r.Failure.Report())
	}
}

func BenchmarkFileWriteReadNative(b *testing.B) { writeRead(b, b.TempDir()) }
func BenchmarkFileWriteReadSim(b *testing.B)    { simBench(b, writeRead) }

func BenchmarkFileCreateWriteReadNative(b *testing.B) { createWriteRead(b, b.TempDir()) }
func BenchmarkFileCreateWriteReadSim(b *testing.B)    { simBench(b, createWriteRead) }

func BenchmarkFileAppendSyncNative(b *testing.B) { appendSync(b, b.TempDir()) }
func BenchmarkFileAppendSyncSim(b *testing.B)    { simBench(b, appendSync) }
