package stdsync

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
)

// TestTLSOneConnTwoGoroutines writes to one TLS connection from one
// goroutine while another reads from it, from the first byte: both enter
// the handshake, and one of them waits on crypto/tls's handshake mutex
// while the other does the handshake's I/O on the simulated network.
func TestTLSOneConnTwoGoroutines(t *testing.T) {
	cert, pool, err := SelfSigned()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:4433")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go Serve(ln, cert)

	raw, err := net.Dial("tcp", "127.0.0.1:4433")
	if err != nil {
		t.Fatal(err)
	}
	conn := tls.Client(raw, &tls.Config{RootCAs: pool, ServerName: "echo.test"})
	defer conn.Close()

	const n = 20
	var want bytes.Buffer
	for i := range n {
		fmt.Fprintf(&want, "message %02d\n", i)
	}
	var wg sync.WaitGroup
	var werr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range n {
			if _, err := fmt.Fprintf(conn, "message %02d\n", i); err != nil {
				werr = err
				return
			}
		}
	}()
	got := make([]byte, want.Len())
	if _, err := io.ReadFull(conn, got); err != nil {
		t.Fatalf("read: %v", err)
	}
	wg.Wait()
	if werr != nil {
		t.Fatalf("write: %v", werr)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("echo = %q, want %q", got, want.Bytes())
	}
	state := conn.ConnectionState()
	ekm, err := state.ExportKeyingMaterial("marionette", nil, 16)
	if err != nil {
		t.Fatal(err)
	}
	// The keys follow from the handshake's randomness: under simulation the
	// same seed must give the same keys.
	t.Logf("TLS %x, cipher suite %x, curve %v, keying material %x", state.Version, state.CipherSuite, state.CurveID, ekm)
}

