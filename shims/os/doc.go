// Package os is the simulation shim of the standard library's os package.
// The rewriter swaps the import path "os" for this package; the user's code
// is otherwise unchanged.
//
// Outside a simulation (package initialisation, TestMain, a program run
// natively) every function is std's and a File wraps a real *os.File.
//
// Under simulation a program never touches the real disk: files live on the
// node's simulated disk (package disk), with Linux's durability semantics,
// crashes and faults as docs/disk-fault-model.md describes. Each node has a
// simulated process: working directory (initially "/"), environment (a copy
// of the real one), umask 022, process id, host name (the node's name), and
// descriptor table. Results and errors are std's on Linux: the functions
// follow std's own algorithms over syscall-level operations that return the
// errno Linux would, wrapped in *PathError / *LinkError / *SyscallError as
// std wraps them, so errors.Is(err, fs.ErrNotExist), os.IsExist and friends
// behave as natively.
//
// # Differences from std that remain
//
//   - File, Root and the functions returning them are the shim's types: a
//     File cannot be passed where code that is not rewritten wants a std
//     *os.File. A File opened natively (at package initialisation) stays a
//     real file when used later under simulation.
//   - Only rewritten code is simulated: io/ioutil, path/filepath's Walk,
//     WalkDir, Glob, EvalSymlinks and Abs, os/exec, and fmt.Println (which
//     writes to std's os.Stdout) still use the real process. io/fs works on
//     the fs.FS DirFS returns.
//   - Permissions are stored and reported but never checked; access times
//     are not kept; the working directory is kept as a cleaned path.
//   - File.Fd returns a simulated descriptor number; SetDeadline and friends
//     return ErrNoDeadline (also on simulated pipes); SyscallConn fails.
//   - Exit ends the simulated run (runtime.World.Exit), not the process.
//   - Args, Getuid and the other ids, Executable and Getpagesize are the
//     real process's. StartProcess fails with ENOSYS under simulation.
//   - Closing Stdin, Stdout or Stderr under simulation closes the node's
//     stream, not the real one.
//   - A testdata directory is not on the simulated disk: tests that read
//     their testdata under simulation find nothing (and t.TempDir returns a
//     real directory that does not exist on the simulated disk; use
//     os.MkdirTemp).
package os
