package kvstore

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"
)

// TestNativeCluster runs three replicas on loopback with real disks: the
// store is ordinary Go and works as such. (Under simulation the same test
// runs on simulated nodes, network and disks.)
func TestNativeCluster(t *testing.T) {
	var peers []string
	for i := 0; i < 3; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		peers = append(peers, ln.Addr().String())
		ln.Close()
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base := t.TempDir()
	for i := 2; i >= 0; i-- { // backups first, so the primary finds them
		cfg := Config{ID: i, Peers: peers, Dir: fmt.Sprintf("%s/r%d", base, i), Logf: t.Logf}
		r, err := Open(cfg)
		if err != nil {
			t.Fatal(err)
		}
		go r.Serve(ctx)
	}
	c := &Client{ID: 1, Primary: peers[0], Timeout: 2 * time.Second}
	defer c.Close()
	if err := c.Put("x", "1"); err != nil {
		t.Fatal(err)
	}
	if ok, err := c.Cas("x", "1", "2"); !ok || err != nil {
		t.Fatalf("cas: %v %v", ok, err)
	}
	if ok, err := c.Cas("x", "1", "3"); ok || err != nil {
		t.Fatalf("stale cas: %v %v", ok, err)
	}
	if v, err := c.Get("x"); v != "2" || err != nil {
		t.Fatalf("get: %q %v", v, err)
	}
}
