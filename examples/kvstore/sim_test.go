package kvstore

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand"
	"sync"
	"testing"
	"time"

	"github.com/marionette-dst/marionette/history"
	"github.com/marionette-dst/marionette/runtime"
	"github.com/marionette-dst/marionette/runtime/netsim"
)

var plantBug = flag.Bool("kv.bug", false, "plant the acknowledge-before-fsync bug in the primary")

// cluster starts three replicas on nodes r0 (the primary), r1 and r2, each
// with its own disk, on the simulated network, and lets the option set's
// node faults crash, restart and pause them.
func cluster(t *testing.T) (*runtime.World, []*runtime.Node, []string) {
	g := runtime.Current()
	if g == nil {
		t.Skip("simulation only: go run ./cmd/mgen test ./examples/kvstore")
	}
	w := g.World()
	peers := []string{"r0:7000", "r1:7000", "r2:7000"}
	var nodes []*runtime.Node
	for i := range peers {
		n := w.NewNode(fmt.Sprintf("r%d", i))
		cfg := Config{ID: i, Peers: peers, Listen: ":7000", Dir: "/data", Bug: *plantBug,
			Logf: func(string, ...any) {}}
		n.Start(func() {
			if err := Run(context.Background(), cfg); err != nil {
				panic(err)
			}
		})
		n.SetFaulty(true)
		nodes = append(nodes, n)
	}
	return w, nodes, peers
}

// TestLinearizableUnderFaults runs three clients against the store while
// the network loses, delays and partitions, and nodes crash and restart;
// then a liveness phase heals everything and requires progress; the whole
// client history must be linearizable (definite and indefinite outcomes).
func TestLinearizableUnderFaults(t *testing.T) {
	w, _, peers := cluster(t)
	rec := history.NewRecorder()
	rec.Linearizable(w, "kv", history.KVModel, 20*time.Second)

	var wg sync.WaitGroup
	for id := 1; id <= 3; id++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &Client{ID: id, Primary: peers[0]}
			defer c.Close()
			for i := 0; i < 25; i++ {
				key := []string{"x", "y"}[rand.Intn(2)]
				val := fmt.Sprintf("%d-%d", id, i)
				switch rand.Intn(3) {
				case 0:
					op := rec.Invoke(id, history.Get(key))
					if v, err := c.Get(key); err == nil {
						op.Ok(history.KVOutput{Value: v})
					} else {
						op.Fail(err.Error()) // a failed read had no effect
					}
				case 1:
					op := rec.Invoke(id, history.Put(key, val))
					if err := c.Put(key, val); err == nil {
						op.Ok(history.KVOutput{})
					} else {
						op.Info(err.Error())
					}
				case 2:
					old := fmt.Sprintf("%d-%d", rand.Intn(3)+1, rand.Intn(25))
					op := rec.Invoke(id, history.Cas(key, old, val))
					if ok, err := c.Cas(key, old, val); err == nil {
						op.Ok(history.KVOutput{OK: ok})
					} else {
						op.Info(err.Error())
					}
				}
				time.Sleep(time.Duration(rand.Intn(200)) * time.Millisecond)
			}
		}()
	}
	wg.Wait()

	// Liveness: heal the network and the nodes; the store must serve again.
	probe := &Client{ID: 100, Primary: peers[0]}
	defer probe.Close()
	n := 0
	runtime.Liveness(runtime.LivenessSpec{
		Name:   "a write then a read of it succeed",
		Nodes:  []string{"r0", "r1", "r2"},
		Within: 2 * time.Minute,
		Progress: func() bool {
			n++
			val := fmt.Sprint("live-", n)
			op := rec.Invoke(100, history.Put("x", val))
			if err := probe.Put("x", val); err != nil {
				op.Info(err.Error())
				return false
			}
			op.Ok(history.KVOutput{})
			get := rec.Invoke(100, history.Get("x"))
			v, err := probe.Get("x")
			if err != nil {
				get.Fail(err.Error())
				return false
			}
			get.Ok(history.KVOutput{Value: v})
			return v == val
		},
	})
}

// TestAcknowledgedWritesSurviveCrash crashes the primary right after a
// write is acknowledged: after the restart the write must be there.
func TestAcknowledgedWritesSurviveCrash(t *testing.T) {
	w, nodes, peers := cluster(t)
	w.StopNodeFaults()                  // this test crashes by hand
	netsim.Of(w).SetRandomFaults(false) // and is about durability, not partitions
	c := &Client{ID: 1, Primary: peers[0], Timeout: time.Second, Retries: 20}
	defer c.Close()
	for i := 0; i < 5; i++ {
		val := fmt.Sprint("v", i)
		if err := c.Put("k", val); err != nil {
			if errors.Is(err, ErrUnknown) {
				continue
			}
			t.Fatal(err)
		}
		nodes[0].Crash()
		time.Sleep(time.Second)
		nodes[0].Restart()
		got, err := c.Get("k")
		if err != nil {
			t.Fatalf("read after restart: %v", err)
		}
		if got != val {
			t.Fatalf("acknowledged write %q lost after a primary crash: read %q", val, got)
		}
	}
}
