package net_test

import (
	"io"
	"testing"

	"github.com/marionette-dst/marionette/runtime"
	"github.com/marionette-dst/marionette/shims/net"
)

// The benchmarks come in pairs, XSim and XNative: the same program over the
// simulated network between two nodes (performance profile: no faults) and
// over real loopback sockets, in the same run. internal/benchratio prints
// their ratio (docs/performance.md).

const msgSize = 64

// echo serves c until it fails.
func echo(c net.Conn) {
	buf := make([]byte, msgSize)
	for {
		if _, err := io.ReadFull(c, buf); err != nil {
			c.Close()
			return
		}
		if _, err := c.Write(buf); err != nil {
			return
		}
	}
}

// tcpRoundTrips sends n messages of msgSize bytes over c and reads each
// echo back.
func tcpRoundTrips(b *testing.B, c net.Conn, n int) {
	msg := make([]byte, msgSize)
	for i := 0; i < n; i++ {
		if _, err := c.Write(msg); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, msg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTCPRoundTripNative(b *testing.B) {
	l := must(net.Listen("tcp", "127.0.0.1:0"))
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go echo(c)
		}
	}()
	c := must(net.Dial("tcp", l.Addr().String()))
	defer c.Close()
	b.ResetTimer()
	tcpRoundTrips(b, c, b.N)
}

// simBench runs f as the root goroutine of a performance-profile world with
// a server node "srv"; the root goroutine runs on the default node.
func simBench(b *testing.B, f func(srv *runtime.Node)) {
	o := expand(1, runtime.Performance)
	o.Limits.Events = 1 << 40
	r := runtime.NewWorld(o).Run(func() {
		f(runtime.Current().World().NewNode("srv"))
		b.StopTimer()
	})
	if r.Failure != nil {
		b.Fatal(r.Failure.Report())
	}
}

func BenchmarkTCPRoundTripSim(b *testing.B) {
	simBench(b, func(srv *runtime.Node) {
		ready := make(chan bool)
		srv.Go("server", func() {
			l := must(net.Listen("tcp", ":7000"))
			runtime.Send(ready, true)
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				runtime.Go(func() { echo(c) })
			}
		})
		runtime.Recv(ready)
		c := must(net.Dial("tcp", "srv:7000"))
		b.ResetTimer()
		tcpRoundTrips(b, c, b.N)
	})
}

func udpRoundTrips(b *testing.B, c net.Conn, n int) {
	msg := make([]byte, msgSize)
	for i := 0; i < n; i++ {
		if _, err := c.Write(msg); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Read(msg); err != nil {
			b.Fatal(err)
		}
	}
}

func udpEcho(c *net.UDPConn) {
	buf := make([]byte, 1500)
	for {
		n, from, err := c.ReadFromUDP(buf)
		if err != nil {
			return
		}
		c.WriteToUDP(buf[:n], from)
	}
}

func BenchmarkUDPRoundTripNative(b *testing.B) {
	s := must(net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}))
	defer s.Close()
	go udpEcho(s)
	c := must(net.DialUDP("udp", nil, s.LocalAddr().(*net.UDPAddr)))
	defer c.Close()
	b.ResetTimer()
	udpRoundTrips(b, c, b.N)
}

func BenchmarkUDPRoundTripSim(b *testing.B) {
	simBench(b, func(srv *runtime.Node) {
		ready := make(chan bool)
		srv.Go("server", func() {
			s := must(net.ListenUDP("udp", &net.UDPAddr{Port: 7000}))
			runtime.Send(ready, true)
			udpEcho(s)
		})
		runtime.Recv(ready)
		c := must(net.Dial("udp", "srv:7000"))
		b.ResetTimer()
		udpRoundTrips(b, c, b.N)
	})
}

// Connect: dial, accept, exchange one byte, close both ends.

func connects(b *testing.B, addr string, n int) {
	one := make([]byte, 1)
	for i := 0; i < n; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Read(one); err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
}

func hello(c net.Conn) {
	c.Write([]byte{1})
	c.Close()
}

func BenchmarkConnectNative(b *testing.B) {
	l := must(net.Listen("tcp", "127.0.0.1:0"))
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go hello(c)
		}
	}()
	b.ResetTimer()
	connects(b, l.Addr().String(), b.N)
}

func BenchmarkConnectSim(b *testing.B) {
	simBench(b, func(srv *runtime.Node) {
		ready := make(chan bool)
		srv.Go("server", func() {
			l := must(net.Listen("tcp", ":7000"))
			runtime.Send(ready, true)
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				runtime.Go(func() { hello(c) })
			}
		})
		runtime.Recv(ready)
		b.ResetTimer()
		connects(b, "srv:7000", b.N)
	})
}
