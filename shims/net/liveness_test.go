package net_test

import (
	"testing"
	stdtime "time"

	"github.com/marionette-dst/marionette/runtime"
	"github.com/marionette-dst/marionette/runtime/netsim"
	"github.com/marionette-dst/marionette/shims/net"
)

// The liveness transition heals the network between core nodes: a stream
// stuck behind a partition and a clog gets through after it, while a path
// to a node outside the core stays cut.
func TestLivenessHealsCorePaths(t *testing.T) {
	cluster(t, quiet(1), []string{"srv", "other"}, func(nw *netsim.Network, nodes []*runtime.Node) {
		w := runtime.Current().World()
		srv, other, me := nodes[0], nodes[1], w.DefaultNode()
		echoServer(srv, 7000)
		c := must(net.Dial("tcp", "srv:7000"))
		nw.Partition([]*runtime.Node{me}, []*runtime.Node{srv, other})
		nw.Path(srv, me).Clog()
		c.Write([]byte("ping"))
		got := make(chan string, 1)
		runtime.Go(func() {
			buf := make([]byte, 16)
			n, _ := c.Read(buf)
			runtime.Send(got, string(buf[:n]))
		})
		runtime.Current().Sleep(10 * stdtime.Second)
		if len(got) != 0 {
			t.Fatal("data crossed the partition")
		}
		var reply string
		runtime.Current().Liveness(runtime.LivenessSpec{
			Name: "the echo comes back", Core: []string{me.Name(), srv.Name()}, Within: stdtime.Minute,
			Progress: func() bool {
				if len(got) > 0 {
					reply = runtime.Recv(got)
				}
				return reply != ""
			},
		})
		if reply != "ping" {
			t.Errorf("reply %q", reply)
		}
		if !nw.Path(me, other).Blocked() {
			t.Errorf("the path to a node outside the core was healed")
		}
	})
}
