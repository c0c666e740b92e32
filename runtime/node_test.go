package runtime

import (
	"net/netip"
	"testing"
	"time"
)

func TestNodesOwnTheirGoroutines(t *testing.T) {
	r := NewWorld(opts(1)).Run(func() {
		w := Current().World()
		if n := Current().Node(); n != w.DefaultNode() || n.Name() != DefaultNodeName || n.Addr() != netip.MustParseAddr("10.0.0.1") {
			t.Errorf("root goroutine on %v", n)
		}
		b := w.NewNode("b")
		if b.Addr() != netip.MustParseAddr("10.0.0.2") || w.NodeByAddr(b.Addr()) != b || w.Node("b") != b {
			t.Errorf("node b: %v", b)
		}
		done := make(chan *Node)
		b.Go("server", func() {
			// goroutines started by a node's goroutine belong to that node
			Go(func() { Send(done, Current().Node()) })
		})
		if got := Recv(done); got != b {
			t.Errorf("grandchild on %v, want b", got)
		}
		if v := b.Local("k", func() any { return 7 }); v != 7 || b.Local("k", func() any { return 8 }) != 7 {
			t.Errorf("node locals")
		}
		Current().Sleep(time.Millisecond)
	})
	if r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
}
