// Package workload drives the kv cluster of a simulated binary
// (mgen build -workload ./workload ./kv) and checks it.
//
// Safety phase: a client on node0 writes keys through the primary, node1,
// crashes and restarts the primary in the middle, and after every write
// reads the key back. The option set's faults (node crashes and pauses,
// packet loss, partitions) come on top, so a request may get no answer: the
// client gives up on it after a while and the write's outcome is unknown.
// The check: a read returns the last acknowledged value of the key or a
// value written after it whose outcome is unknown; anything else (a lost or
// stale acknowledged write) fails the run.
//
// Liveness phase: the faults stop, crashed nodes restart, partitions heal,
// and the primary must answer a read of every key, with an allowed value,
// within a minute of simulated time.
package workload

import (
	"bufio"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/marionette-dst/marionette/runtime"
)

// Writes is how many writes the workload makes.
const Writes = 12

// model holds, per key, the values a read may return: the last
// acknowledged value first, then later writes whose outcome is unknown.
type model map[string][]string

func (m model) acked(k, v string)   { m[k] = []string{v} }
func (m model) unknown(k, v string) { m[k] = append(m[k], v) }

// check judges one read.
func (m model) check(k, reply string) error {
	allowed := m[k]
	got, ok := strings.CutPrefix(reply, "VALUE ")
	if !ok && reply == "NONE" && (len(allowed) == 0 || allowed[0] == "") {
		return nil
	}
	if ok && slices.Contains(allowed, got) {
		return nil
	}
	return fmt.Errorf("GET %s returned %q; allowed: %q (the last acknowledged write first)", k, reply, allowed)
}

// Workload runs the client and returns the first violation it sees.
func Workload(w *runtime.World) error {
	primary := w.Node("node1")
	if primary == nil {
		return fmt.Errorf("no node1")
	}
	addr := primary.Addr().String() + ":7000"
	m := model{}
	for i := range Writes {
		k, v := fmt.Sprintf("k%d", i%4), fmt.Sprintf("v%d", i)
		if len(m[k]) == 0 {
			m[k] = []string{""} // never written: NONE is allowed
		}
		if _, err := request(addr, "PUT "+k+" "+v, 5*time.Second); err != nil {
			m.unknown(k, v)
		} else {
			m.acked(k, v)
		}
		if i == Writes/2 {
			primary.Crash()
			time.Sleep(time.Second)
			if primary.State() != runtime.NodeRunning {
				primary.Restart()
			}
		}
		if reply, err := request(addr, "GET "+k, 5*time.Second); err == nil {
			if err := m.check(k, reply); err != nil {
				return err
			}
		}
	}

	// Liveness: once the faults stop and the core is healed, every key
	// reads back with an allowed value.
	var nodes []string
	for _, n := range w.Nodes() {
		nodes = append(nodes, n.Name())
	}
	var violation error
	read := map[string]bool{}
	runtime.Liveness(runtime.LivenessSpec{
		Name:   "the primary answers reads of every key",
		Nodes:  nodes,
		Within: time.Minute,
		Every:  time.Second,
		Progress: func() bool {
			for i := range 4 {
				k := fmt.Sprintf("k%d", i)
				if read[k] {
					continue
				}
				reply, err := request(addr, "GET "+k, 5*time.Second)
				if err != nil {
					return false
				}
				if err := m.check(k, reply); err != nil {
					violation = err
					return true
				}
				read[k] = true
			}
			return true
		},
	})
	return violation
}

// request sends one request on a new connection and returns the reply
// line, retrying for up to patience.
func request(addr, req string, patience time.Duration) (string, error) {
	deadline := time.Now().Add(patience)
	for {
		reply, err := try(addr, req)
		if err == nil && !strings.HasPrefix(reply, "ERR") {
			return reply, nil
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("%s: no answer (last: %v %q)", req, err, reply)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func try(addr, req string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := fmt.Fprintln(c, req); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSpace(line), err
}
