// Command kv is a tiny replicated key-value server, ordinary Go with net and
// os. Every node of a cluster runs it. The primary (-primary, by default
// the first of -nodes) accepts requests over TCP, one per connection:
//
//	PUT key value   ->  OK        (the write is in the primary's log, synced)
//	GET key         ->  VALUE v   or NONE
//
// It appends every write to its log file, syncs it, applies it, forwards it
// to the other nodes (best effort), and only then acknowledges. A node
// recovers its state from its log when it starts. -bug plants a bug for
// tests: "panic" panics at the third write, "stale" answers reads with the
// value before the last write, "nosync" acknowledges writes before they are
// durable.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// The server's state: package-level variables, as small servers have them.
// Under simulation every node has its own.
var (
	mu       sync.Mutex
	store    = map[string]string{}
	previous = map[string]string{}
	logFile  *os.File
	writes   int
	peers    []string
)

var (
	port  = flag.Int("port", 7000, "TCP port")
	dir   = flag.String("dir", "/var/lib/kv", "data directory")
	nodes = flag.String("nodes", "", "comma-separated addresses of every node")
	self  = flag.String("self", "", "this node's address")
	bug   = flag.String("bug", "", "plant a bug: panic, stale or nosync")
)

func main() {
	flag.Parse()
	for _, n := range strings.Split(*nodes, ",") {
		if n != "" && n != *self {
			peers = append(peers, fmt.Sprintf("%s:%d", n, *port))
		}
	}
	if err := recoverLog(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "kv:", err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", fmt.Sprintf(":%d", *port))
	if err != nil {
		fmt.Fprintln(os.Stderr, "kv:", err)
		os.Exit(1)
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			continue
		}
		go serve(c)
	}
}

// recoverLog replays the log and opens it for appending.
func recoverLog(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(dir, "log")
	data, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, " "); ok {
			previous[k] = store[k]
			store[k] = v
		}
	}
	logFile, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	// The log's directory entry, and those of the directories above it,
	// must be durable too, or a crash can lose the whole file.
	for d := dir; ; d = filepath.Dir(d) {
		if err := syncDir(d); err != nil {
			return err
		}
		if d == filepath.Dir(d) {
			return nil
		}
	}
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func serve(c net.Conn) {
	defer c.Close()
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return
	}
	f := strings.Fields(line)
	switch {
	case len(f) == 3 && (f[0] == "PUT" || f[0] == "REPLICATE"):
		if err := put(f[1], f[2]); err != nil {
			fmt.Fprintf(c, "ERR %v\n", err)
			return
		}
		if f[0] == "PUT" {
			replicate(f[1], f[2])
		}
		fmt.Fprintln(c, "OK")
	case len(f) == 2 && f[0] == "GET":
		mu.Lock()
		v, ok := store[f[1]]
		if *bug == "stale" {
			v, ok = previous[f[1]], previous[f[1]] != ""
		}
		mu.Unlock()
		if !ok {
			fmt.Fprintln(c, "NONE")
			return
		}
		fmt.Fprintf(c, "VALUE %s\n", v)
	default:
		fmt.Fprintln(c, "ERR bad request")
	}
}

// put makes a write durable in the log, then applies it.
func put(k, v string) error {
	mu.Lock()
	defer mu.Unlock()
	writes++
	if *bug == "panic" && writes == 3 {
		panic("kv: planted bug at the third write")
	}
	if _, err := fmt.Fprintf(logFile, "%s %s\n", k, v); err != nil {
		return err
	}
	if *bug != "nosync" {
		if err := logFile.Sync(); err != nil {
			return err
		}
	}
	previous[k] = store[k]
	store[k] = v
	return nil
}

// replicate forwards a write to the other nodes, best effort.
func replicate(k, v string) {
	for _, p := range peers {
		c, err := net.Dial("tcp", p)
		if err != nil {
			continue
		}
		fmt.Fprintf(c, "REPLICATE %s %s\n", k, v)
		bufio.NewReader(c).ReadString('\n')
		c.Close()
	}
}
