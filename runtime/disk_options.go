// This file defines the disk section of the option set: latency, fault
// probabilities, crash behaviour and capacity of every simulated disk of a
// run (docs/disk-fault-model.md), and how each profile sets them.

package runtime

import "time"

// Fault scopes (DiskOptions.FaultScope).
const (
	// FaultScopeDeclared confines faults other than latency to files below
	// the prefixes a test declares (disk.AllowFaults).
	FaultScopeDeclared = "declared"
	// FaultScopeAll lets every fault hit every file.
	FaultScopeAll = "all"
)

// StreamDiskOptions is the sub-stream the swarm profile draws the disk
// options from, so that adding a disk option never shifts the others.
const StreamDiskOptions = "options.disk"

// DiskOptions parameterise the simulated disks (package disk). Probabilities
// are per operation unless said otherwise; latencies are min + Exp(mean) of
// simulated time. The zero value is a fast, fault-free disk with 512-byte
// sectors that loses every unsynced change at a crash.
type DiskOptions struct {
	// SectorSize is the unit of atomic persistence: a write spanning several
	// sectors may be torn at sector boundaries by a crash.
	SectorSize int `json:"sector_size"`

	ReadLatencyMin   time.Duration `json:"read_latency_min"`
	ReadLatencyMean  time.Duration `json:"read_latency_mean"`
	WriteLatencyMin  time.Duration `json:"write_latency_min"`
	WriteLatencyMean time.Duration `json:"write_latency_mean"`
	SyncLatencyMin   time.Duration `json:"sync_latency_min"`
	SyncLatencyMean  time.Duration `json:"sync_latency_mean"`

	// ReadError, WriteError and SyncError are the probabilities that a read,
	// a write (or truncate) or a sync of a file in the fault scope fails
	// with EIO. A failed sync drops the file's pending data.
	ReadError  float64 `json:"read_error"`
	WriteError float64 `json:"write_error"`
	SyncError  float64 `json:"sync_error"`
	// Capacity is the disk size in bytes (0: unlimited); writes to files in
	// the fault scope that need more space fail with ENOSPC.
	Capacity int64 `json:"capacity"`
	// Corrupt is the probability that a sector read from a file in the fault
	// scope has flipped bytes, derived from the sector's content so that a
	// retried read sees the same corruption.
	Corrupt float64 `json:"corrupt"`
	// Misdirect is the probability that a write to a file in the fault scope
	// lands at another sector-aligned offset of the file.
	Misdirect float64 `json:"misdirect"`
	// Latent is the probability that a sector written to a file in the fault
	// scope becomes unreadable (EIO) after the next restart.
	Latent float64 `json:"latent"`

	// CrashKeep is the probability that a pending change whose dependencies
	// survive a crash survives it too.
	CrashKeep float64 `json:"crash_keep"`
	// CrashTear is the probability that a surviving pending sector of a file
	// in the fault scope is torn inside (part new, part old content).
	CrashTear float64 `json:"crash_tear"`
	// CrashProbability is the chance of a random crash at each operation on
	// a disk with a crash handler, multiplied by CrashPendingFactor while
	// the disk has pending changes.
	CrashProbability   float64 `json:"crash_probability"`
	CrashPendingFactor float64 `json:"crash_pending_factor"`
	// WritebackAfter makes pending changes durable once they are that old
	// (0: never), as the kernel's flusher would.
	WritebackAfter time.Duration `json:"writeback_after"`
	// FaultScope is FaultScopeDeclared or FaultScopeAll.
	FaultScope string `json:"fault_scope"`
}

// diskOptions returns the disk options of a profile (not Replay).
func diskOptions(seed uint64, p Profile) DiskOptions {
	o := DiskOptions{SectorSize: 512, CrashKeep: 0.5, CrashPendingFactor: 1, FaultScope: FaultScopeDeclared}
	switch p {
	case Smoke:
		o.ReadLatencyMin, o.ReadLatencyMean = 10*time.Microsecond, 40*time.Microsecond
		o.WriteLatencyMin, o.WriteLatencyMean = 10*time.Microsecond, 60*time.Microsecond
		o.SyncLatencyMin, o.SyncLatencyMean = 100*time.Microsecond, time.Millisecond
		o.ReadError, o.WriteError, o.SyncError = 0.001, 0.001, 0.001
		o.CrashTear = 0.01
		o.CrashPendingFactor = 10
	case Swarm:
		r := NewStream(seed, StreamDiskOptions)
		pick := func(xs ...float64) float64 { return xs[r.IntN(len(xs))] }
		dur := func(xs ...time.Duration) time.Duration { return xs[r.IntN(len(xs))] }
		o.SectorSize = []int{512, 4096}[r.IntN(2)]
		o.ReadLatencyMin = dur(0, 10*time.Microsecond, 100*time.Microsecond, time.Millisecond)
		o.ReadLatencyMean = dur(0, 50*time.Microsecond, time.Millisecond, 10*time.Millisecond)
		o.WriteLatencyMin = dur(0, 10*time.Microsecond, 100*time.Microsecond, time.Millisecond)
		o.WriteLatencyMean = dur(0, 50*time.Microsecond, time.Millisecond, 10*time.Millisecond)
		o.SyncLatencyMin = dur(0, 100*time.Microsecond, time.Millisecond, 5*time.Millisecond)
		o.SyncLatencyMean = dur(0, time.Millisecond, 5*time.Millisecond, 20*time.Millisecond)
		o.ReadError = pick(0, 0, 0.001, 0.01, 0.05)
		o.WriteError = pick(0, 0, 0.001, 0.01, 0.05)
		o.SyncError = pick(0, 0, 0.001, 0.01, 0.05)
		if r.IntN(4) == 0 {
			o.Capacity = int64(256<<10) << r.IntN(9) // 256 KiB .. 64 MiB
		}
		o.Corrupt = pick(0, 0, 0.001, 0.01)
		o.Misdirect = pick(0, 0, 0.001, 0.01)
		o.Latent = pick(0, 0, 0.01, 0.05)
		o.CrashKeep = pick(0, 0.25, 0.5, 0.75, 1)
		o.CrashTear = pick(0, 0.05, 0.2)
		o.CrashProbability = pick(0, 0, 0.001, 0.01)
		o.CrashPendingFactor = pick(1, 10)
		o.WritebackAfter = dur(0, 0, 5*time.Second, 30*time.Second)
	}
	return o
}
