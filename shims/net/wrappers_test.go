package net_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"math/big"
	"syscall"
	"testing"
	stdtime "time"

	"github.com/marionette-dst/marionette/runtime"
	"github.com/marionette-dst/marionette/runtime/netsim"
	"github.com/marionette-dst/marionette/shims/net"
)

// Simulated connections are std net.Conns: wrappers that take a net.Conn
// and start no goroutines work over them unchanged.

func selfSigned(t *testing.T) tls.Certificate {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), DNSNames: []string{"srv"},
		NotBefore: stdtime.Now().Add(-stdtime.Hour), NotAfter: stdtime.Now().Add(stdtime.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func TestTLSAndJSONOverSimulatedConns(t *testing.T) {
	cert := selfSigned(t)
	o := quiet(20)
	o.Network.LossProbability = 0.05 // the stream hides it
	cluster(t, o, []string{"srv", "cli"}, func(nw *netsim.Network, nodes []*runtime.Node) {
		srv, cli := nodes[0], nodes[1]
		type msg struct {
			N    int
			Text string
		}
		ready, done := make(chan bool), make(chan bool)
		srv.Go("tls server", func() {
			l := must(net.Listen("tcp", ":8443"))
			runtime.Send(ready, true)
			raw := must(l.Accept())
			c := tls.Server(raw, &tls.Config{Certificates: []tls.Certificate{cert}})
			dec, enc := json.NewDecoder(c), json.NewEncoder(c)
			for {
				var m msg
				if err := dec.Decode(&m); err != nil {
					break
				}
				m.N *= 2
				enc.Encode(m)
			}
			c.Close()
		})
		runtime.Recv(ready)
		cli.Go("tls client", func() {
			raw := must(net.Dial("tcp", "srv:8443"))
			c := tls.Client(raw, &tls.Config{ServerName: "srv", InsecureSkipVerify: true})
			if err := c.Handshake(); err != nil {
				t.Errorf("handshake: %v", err)
			}
			enc, dec := json.NewEncoder(c), json.NewDecoder(c)
			for i := 1; i <= 20; i++ {
				enc.Encode(msg{i, "x"})
				var m msg
				if err := dec.Decode(&m); err != nil || m.N != 2*i {
					t.Errorf("reply %d: %+v %v", i, m, err)
				}
			}
			c.Close()
			runtime.Send(done, true)
		})
		runtime.Recv(done)
	})
}

// Code that sets socket options through SyscallConn().Control (gRPC's
// keepalive sets TCP_USER_TIMEOUT) works natively and under simulation,
// where the options have no effect; raw reads are not simulated.
func TestSyscallConnControl(t *testing.T) {
	both(t, func(log func(format string, args ...any)) {
		ln := must(net.Listen("tcp", "127.0.0.1:0"))
		defer ln.Close()
		c := must(net.Dial("tcp", ln.Addr().String()))
		defer c.Close()
		for _, s := range []interface {
			SyscallConn() (syscall.RawConn, error)
		}{c.(*net.TCPConn), ln.(*net.TCPListener)} {
			rc, err := s.SyscallConn()
			log("SyscallConn: %s", describe(err))
			log("Control: %s", describe(rc.Control(func(fd uintptr) {})))
		}
	})
	simulate(t, quiet(1), func() {
		ln := must(net.Listen("tcp", "127.0.0.1:0"))
		defer ln.Close()
		c := must(net.Dial("tcp", ln.Addr().String()))
		defer c.Close()
		rc := must(c.(*net.TCPConn).SyscallConn())
		called := false
		rc.Control(func(fd uintptr) { called = true })
		if called {
			t.Error("Control called its function with a file descriptor that does not exist")
		}
		if err := rc.Read(func(uintptr) bool { return true }); !errors.Is(err, syscall.EOPNOTSUPP) {
			t.Errorf("RawConn.Read = %v, want an error that is EOPNOTSUPP", err)
		}
		udp := must(net.ListenPacket("udp", "127.0.0.1:0"))
		defer udp.Close()
		if _, err := udp.(*net.UDPConn).SyscallConn(); err != nil {
			t.Errorf("UDPConn.SyscallConn: %v", err)
		}
	})
}
