package net_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"math/big"
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
