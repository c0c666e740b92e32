// Package disk is Marionette's simulated disk: an in-memory file system per
// node with Linux (ext4-like, POSIX-guaranteed) durability semantics, crash
// states chosen by the seed or enumerated exhaustively, and a written fault
// model (docs/disk-fault-model.md): latency on the world clock, EIO, ENOSPC,
// corruption derived from content, misdirected writes, torn sectors and
// latent errors, confined by a recoverability budget.
//
// The os shim (shims/os) is its main client: rewritten code calls os.Open,
// f.Write, f.Sync..., and the shim turns them into the syscall-level
// operations of this package (Open, Pwrite, Fsync...), which return
// syscall.Errno values so the shim can build the exact errors std returns.
//
// Tests use it directly to crash a disk and keep using what survived, to
// enumerate every state a crash could leave, and to declare which files
// faults may hit:
//
//	disk.AllowFaults("/data/wal", disk.WriteErrors|disk.SyncErrors|disk.TornWrites)
//	... the workload writes and syncs ...
//	disk.Crash()  // the calling node's disk; a no-op outside a simulation
//	... reopen and check recovery ...
//
// # Why a top-level package
//
// The model uses only the runtime's public API (World.Rand, Schedule,
// Trace, Node.Local): it is a subsystem built on the runtime, not part of
// its core, and user tests import it (a test imports "disk", never
// "runtime"). Keeping it outside runtime/ keeps the core small.
//
// # Where a disk lives
//
// Disks are world-level objects named by their node: For(w, name) creates or
// returns the disk called name; Of(node) is the disk attached to a node (by
// default For(w, node.Name())). Because the disk is looked up by name in the
// world, a node that is restarted under the same name finds the disk as its
// crash left it. On first use the package hooks into the node life cycle: a
// node crash crashes the node's disk, and the runtime's node faults weigh a
// node's crash probability by whether its disk has pending writes.
package disk
