package kvstore

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
)

// wal is an append-only log file of entries. Each record is a 4-byte
// length, a 4-byte CRC-32 of the payload, then the JSON payload. Recovery
// reads records until the first torn or corrupt one and truncates the file
// there, so a crash in the middle of an append loses only that append.
type wal struct {
	f       *os.File
	entries []Entry
	offsets []int64 // where each entry's record starts
	end     int64
}

func openWAL(dir string) (*wal, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	// A new directory's own entry lives in its parent: make it durable, or
	// a crash can take the whole data directory away (the simulator found
	// this one).
	if err := syncDir(filepath.Dir(filepath.Clean(dir))); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "wal")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	w := &wal{f: f}
	good, err := w.recover()
	if err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Truncate(good); err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	w.end = good
	// The log file's directory entry must be durable too.
	if err := syncDir(dir); err != nil {
		f.Close()
		return nil, err
	}
	return w, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// recover reads every intact record and returns the offset after the last.
func (w *wal) recover() (int64, error) {
	if _, err := w.f.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	r := bufio.NewReader(w.f)
	var off int64
	for {
		var head [8]byte
		if _, err := io.ReadFull(r, head[:]); err != nil {
			return off, nil // end, or a torn header
		}
		n := binary.BigEndian.Uint32(head[:4])
		sum := binary.BigEndian.Uint32(head[4:])
		if n > 1<<20 {
			return off, nil
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(r, payload); err != nil {
			return off, nil
		}
		if crc32.ChecksumIEEE(payload) != sum {
			return off, nil
		}
		var e Entry
		if err := json.Unmarshal(payload, &e); err != nil || e.Index != len(w.entries)+1 {
			return off, nil
		}
		w.entries = append(w.entries, e)
		w.offsets = append(w.offsets, off)
		off += 8 + int64(n)
	}
}

// append writes e at the end of the log; it is durable after sync.
func (w *wal) append(e Entry) error {
	if e.Index != len(w.entries)+1 {
		return fmt.Errorf("wal: append of entry %d after %d", e.Index, len(w.entries))
	}
	payload, err := json.Marshal(e)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	var head [8]byte
	binary.BigEndian.PutUint32(head[:4], uint32(len(payload)))
	binary.BigEndian.PutUint32(head[4:], crc32.ChecksumIEEE(payload))
	buf.Write(head[:])
	buf.Write(payload)
	if _, err := w.f.Write(buf.Bytes()); err != nil {
		return err
	}
	w.entries = append(w.entries, e)
	w.offsets = append(w.offsets, w.end)
	w.end += int64(buf.Len())
	return nil
}

// truncate drops every entry after the first n (a backup following a
// primary whose log differs from its own).
func (w *wal) truncate(n int) error {
	if n >= len(w.entries) {
		return nil
	}
	off := w.offsets[n]
	if err := w.f.Truncate(off); err != nil {
		return err
	}
	if _, err := w.f.Seek(off, io.SeekStart); err != nil {
		return err
	}
	w.entries, w.offsets, w.end = w.entries[:n], w.offsets[:n], off
	return nil
}

func (w *wal) sync() error { return w.f.Sync() }

func (w *wal) len() int { return len(w.entries) }

var errClosed = errors.New("wal closed")

func (w *wal) close() error {
	if w.f == nil {
		return errClosed
	}
	err := w.f.Close()
	w.f = nil
	return err
}
