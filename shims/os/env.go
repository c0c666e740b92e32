// This file defines the process-level functions of the shim: the
// environment, host name, process ids, user directories, Exit, NewFile,
// StartProcess. Under simulation each is the node's simulated process's.

package os

import (
	"errors"
	stdos "os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/marionette-dst/marionette/runtime"
)

// Getenv retrieves the value of the environment variable named by the key.
// It returns the value, which will be empty if the variable is not present.
// To distinguish between an empty value and an unset value, use LookupEnv.
// Under simulation the environment is the node's: a copy of the real one
// taken when the node first used it, without the variables that only say
// where the run's observations go (MARIONETTE_TRACE, MARIONETTE_ARTIFACTS):
// observing a run must not change it.
func Getenv(key string) string {
	p := sim()
	if p == nil {
		return stdos.Getenv(key)
	}
	v, _ := p.getenv(key)
	return v
}

// LookupEnv retrieves the value of the environment variable named by the
// key. If the variable is present in the environment the value (which may
// be empty) is returned and the boolean is true. Otherwise the returned
// value will be empty and the boolean will be false.
func LookupEnv(key string) (string, bool) {
	p := sim()
	if p == nil {
		return stdos.LookupEnv(key)
	}
	return p.getenv(key)
}

// Setenv sets the value of the environment variable named by the key. It
// returns an error, if any.
func Setenv(key, value string) error {
	p := sim()
	if p == nil {
		return stdos.Setenv(key, value)
	}
	if err := checkEnv(key, value); err != nil {
		return NewSyscallError("setenv", err)
	}
	kv := key + "=" + value
	for i, e := range p.env {
		if k, _, _ := strings.Cut(e, "="); k == key {
			p.env[i] = kv
			return nil
		}
	}
	p.env = append(p.env, kv)
	return nil
}

// checkEnv applies syscall.Setenv's validation.
func checkEnv(key, value string) error {
	if len(key) == 0 {
		return syscall.EINVAL
	}
	for i := 0; i < len(key); i++ {
		if key[i] == '=' || key[i] == 0 {
			return syscall.EINVAL
		}
	}
	for i := 0; i < len(value); i++ {
		if value[i] == 0 {
			return syscall.EINVAL
		}
	}
	return nil
}

// Unsetenv unsets a single environment variable.
func Unsetenv(key string) error {
	p := sim()
	if p == nil {
		return stdos.Unsetenv(key)
	}
	out := p.env[:0]
	for _, e := range p.env {
		if k, _, _ := strings.Cut(e, "="); k != key {
			out = append(out, e)
		}
	}
	p.env = out
	return nil
}

// Clearenv deletes all environment variables.
func Clearenv() {
	p := sim()
	if p == nil {
		stdos.Clearenv()
		return
	}
	p.env = nil
}

// Environ returns a copy of strings representing the environment, in the
// form "key=value".
func Environ() []string {
	p := sim()
	if p == nil {
		return stdos.Environ()
	}
	return append([]string(nil), p.env...)
}

// ExpandEnv replaces ${var} or $var in the string according to the values
// of the current environment variables. References to undefined variables
// are replaced by the empty string.
func ExpandEnv(s string) string {
	return Expand(s, Getenv)
}

// Hostname returns the host name reported by the kernel. Under simulation
// it is the node's name.
func Hostname() (name string, err error) {
	p := sim()
	if p == nil {
		return stdos.Hostname()
	}
	return p.node.Name(), nil
}

// Getpid returns the process id of the caller. Under simulation it is 1000
// plus the node's number.
func Getpid() int {
	p := sim()
	if p == nil {
		return stdos.Getpid()
	}
	return p.pid
}

// Getppid returns the process id of the caller's parent. Under simulation
// it is 1.
func Getppid() int {
	if sim() == nil {
		return stdos.Getppid()
	}
	return 1
}

// UserHomeDir returns the current user's home directory: $HOME.
func UserHomeDir() (string, error) {
	if sim() == nil {
		return stdos.UserHomeDir()
	}
	if v := Getenv("HOME"); v != "" {
		return v, nil
	}
	return "", errors.New("$HOME is not defined")
}

// UserCacheDir returns the default root directory to use for user-specific
// cached data: $XDG_CACHE_HOME if non-empty, else $HOME/.cache.
func UserCacheDir() (string, error) {
	if sim() == nil {
		return stdos.UserCacheDir()
	}
	dir := Getenv("XDG_CACHE_HOME")
	if dir == "" {
		dir = Getenv("HOME")
		if dir == "" {
			return "", errors.New("neither $XDG_CACHE_HOME nor $HOME are defined")
		}
		dir += "/.cache"
	} else if !filepath.IsAbs(dir) {
		return "", errors.New("path in $XDG_CACHE_HOME is relative")
	}
	return dir, nil
}

// UserConfigDir returns the default root directory to use for
// user-specific configuration data: $XDG_CONFIG_HOME if non-empty, else
// $HOME/.config.
func UserConfigDir() (string, error) {
	if sim() == nil {
		return stdos.UserConfigDir()
	}
	dir := Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		dir = Getenv("HOME")
		if dir == "" {
			return "", errors.New("neither $XDG_CONFIG_HOME nor $HOME are defined")
		}
		dir += "/.config"
	} else if !filepath.IsAbs(dir) {
		return "", errors.New("path in $XDG_CONFIG_HOME is relative")
	}
	return dir, nil
}

// Exit causes the current program to exit with the given status code.
// Conventionally, code zero indicates success, non-zero an error. The
// program terminates immediately; deferred functions are not run.
//
// Under simulation it never ends the real process. On a node running a
// main function (runtime.Node.Start) it ends that node's process
// (runtime.Node.Exit: its goroutines stop without running deferred calls,
// the node can be restarted). Elsewhere, as in a test's own goroutines, it
// ends the simulated run (runtime.World.Exit): the caller stops without
// running its deferred calls, the code is recorded and traced, and a
// simulated test that calls it fails.
func Exit(code int) {
	if p := sim(); p != nil {
		if g := runtime.Current(); g != nil && g.Node() != nil && g.Node().State() == runtime.NodeRunning {
			g.Node().Exit(code) // does not return
		}
		p.w.Exit(code)
		return // only from an event callback: the run stops after it
	}
	stdos.Exit(code)
}

// ProcAttr holds the attributes that will be applied to a new process
// started by StartProcess. It is the shim's type because Files holds the
// shim's Files.
type ProcAttr struct {
	// If Dir is non-empty, the child changes into the directory before
	// creating the process.
	Dir string
	// If Env is non-nil, it gives the environment variables for the new
	// process in the form returned by Environ. If it is nil, the result of
	// Environ will be used.
	Env []string
	// Files specifies the open files inherited by the new process. The
	// first three entries correspond to standard input, standard output,
	// and standard error. A nil entry corresponds to that file being closed
	// when the process starts.
	Files []*File
	// Operating system-specific process creation attributes.
	Sys *syscall.SysProcAttr
}

// StartProcess starts a new process. Under simulation there are no other
// processes: it fails with ENOSYS. Outside a simulation the Files must be
// real files (a simulated one is passed as closed).
func StartProcess(name string, argv []string, attr *ProcAttr) (*Process, error) {
	if sim() == nil {
		var std *stdos.ProcAttr
		if attr != nil {
			std = &stdos.ProcAttr{Dir: attr.Dir, Env: attr.Env, Sys: attr.Sys}
			for _, f := range attr.Files {
				var sf *stdos.File
				if f != nil && f.file != nil {
					sf = f.std
				}
				std.Files = append(std.Files, sf)
			}
		}
		return stdos.StartProcess(name, argv, std)
	}
	return nil, &PathError{Op: "fork/exec", Path: name, Err: syscall.ENOSYS}
}

// NewFile returns a new File with the given file descriptor and name. The
// returned value will be nil if fd is not a valid file descriptor. Under
// simulation fd is a simulated descriptor (see File.Fd): 0, 1 and 2 are
// the standard streams, an open descriptor shares its file with the File
// that opened it, and any other gives a File whose operations fail with
// EBADF.
func NewFile(fd uintptr, name string) *File {
	p := sim()
	if p == nil {
		return wrapStdFile(stdos.NewFile(fd, name))
	}
	if int(fd) < 0 {
		return nil
	}
	if fd <= 2 {
		return &File{&file{name: name, std: []*stdos.File{stdos.Stdin, stdos.Stdout, stdos.Stderr}[fd], stdio: int(fd) + 1}}
	}
	if h := p.fds[int(fd)]; h != nil {
		return &File{&file{name: name, h: h, p: p, fd: int(fd)}}
	}
	return &File{&file{name: name, h: badHandle{}, p: p, fd: int(fd)}}
}
