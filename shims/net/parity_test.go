package net_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/marionette-dst/marionette/runtime"
	"github.com/marionette-dst/marionette/shims/net"
	"github.com/marionette-dst/marionette/shims/time"
)

// Each test here is one scenario of the parity suite: it runs natively on
// loopback and under simulation with no faults, and both must log the
// same lines (see both).

func TestParityEchoBufio(t *testing.T) {
	both(t, func(log func(string, ...any)) {
		l := must(net.Listen("tcp", "127.0.0.1:0"))
		defer l.Close()
		log("listener %s %s", l.Addr().Network(), portRE.ReplaceAllString(l.Addr().String(), ":P"))
		done := make(chan bool)
		runtime.Go(func() {
			c := must(l.Accept())
			defer c.Close()
			br := bufio.NewReader(c)
			bw := bufio.NewWriter(c)
			for {
				line, err := br.ReadString('\n')
				if err != nil {
					log("server: %s", describe(err))
					break
				}
				bw.WriteString(strings.ToUpper(line))
				bw.Flush()
			}
			runtime.Send(done, true)
		})
		c := must(net.Dial("tcp", l.Addr().String()))
		_, isTCP := c.(*net.TCPConn)
		log("client conn is *net.TCPConn: %v; local %s remote %s", isTCP,
			portRE.ReplaceAllString(c.LocalAddr().String(), ":P"), portRE.ReplaceAllString(c.RemoteAddr().String(), ":P"))
		br := bufio.NewReader(c)
		for _, w := range []string{"alpha", "beta", strings.Repeat("long", 5000)} {
			fmt.Fprintf(c, "%s\n", w)
			line, err := br.ReadString('\n')
			log("echo %d bytes, prefix %q, err %v", len(line), line[:min(len(line), 8)], err)
		}
		c.(*net.TCPConn).CloseWrite()
		runtime.Recv(done)
		_, err := br.ReadString('\n')
		log("client after server close: %s", describe(err))
		c.Close()
	})
}

func TestParityManyConnections(t *testing.T) {
	both(t, func(log func(string, ...any)) {
		const n = 40
		l := must(net.Listen("tcp", "127.0.0.1:0"))
		defer l.Close()
		runtime.Go(func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				runtime.Go(func() {
					defer c.Close()
					b, _ := io.ReadAll(c)
					c.Write(bytes.ToUpper(b))
				})
			}
		})
		results := make(chan string, n)
		for i := 0; i < n; i++ {
			runtime.Go(func() {
				c, err := net.Dial("tcp", l.Addr().String())
				if err != nil {
					runtime.Send(results, "dial: "+describe(err))
					return
				}
				defer c.Close()
				fmt.Fprintf(c, "client %02d says hi", i)
				c.(*net.TCPConn).CloseWrite()
				b, err := io.ReadAll(c)
				runtime.Send(results, fmt.Sprintf("%s (%v)", b, err))
			})
		}
		var got []string
		for i := 0; i < n; i++ {
			got = append(got, runtime.Recv(results))
		}
		slices.Sort(got)
		for _, s := range got {
			log("%s", s)
		}
	})
}

func TestParityServerCloses(t *testing.T) {
	both(t, func(log func(string, ...any)) {
		l := must(net.Listen("tcp", "127.0.0.1:0"))
		defer l.Close()
		runtime.Go(func() {
			c := must(l.Accept())
			c.Write([]byte("bye"))
			c.Close()
		})
		c := must(net.Dial("tcp", l.Addr().String()))
		defer c.Close()
		b, err := io.ReadAll(c)
		log("read all: %q %v", b, err)
		n, err := c.Read(make([]byte, 4))
		log("read after EOF: %d %s", n, describe(err))
		n, err = c.Write([]byte("x"))
		log("first write after peer close: %d %s", n, describe(err))
		time.Sleep(u) // the peer answers with a reset
		n, err = c.Write([]byte("x"))
		log("second write: %d %s", n, describe(err))
		n, err = c.Write([]byte("x"))
		log("third write: %d %s", n, describe(err))
	})
}

func TestParityResetOnUnreadClose(t *testing.T) {
	both(t, func(log func(string, ...any)) {
		l := must(net.Listen("tcp", "127.0.0.1:0"))
		defer l.Close()
		runtime.Go(func() {
			c := must(l.Accept())
			c.Read(make([]byte, 3))
			time.Sleep(u)
			c.Close() // unread data: the kernel resets the connection
		})
		c := must(net.Dial("tcp", l.Addr().String()))
		defer c.Close()
		c.Write([]byte("hello world"))
		time.Sleep(2 * u)
		b := make([]byte, 10)
		n, err := c.Read(b)
		log("read after reset: %d %s", n, describe(err))
		n, err = c.Read(b)
		log("read again: %d %s", n, describe(err))
		n, err = c.Write([]byte("x"))
		log("write: %d %s", n, describe(err))
	})
}

func TestParityRefused(t *testing.T) {
	both(t, func(log func(string, ...any)) {
		l := must(net.Listen("tcp", "127.0.0.1:0"))
		addr := l.Addr().String()
		l.Close()
		_, err := net.Dial("tcp", addr)
		log("dial closed port: %s", describe(err))
		var oe *net.OpError
		if errors.As(err, &oe) {
			log("op error: source %v addr %s", oe.Source, portRE.ReplaceAllString(oe.Addr.String(), ":P"))
		}
		_, err = net.DialTimeout("tcp", addr, 5*u)
		log("dial with timeout: %s", describe(err))
	})
}

func TestParityDeadlines(t *testing.T) {
	both(t, func(log func(string, ...any)) {
		l := must(net.Listen("tcp", "127.0.0.1:0"))
		defer l.Close()
		tl := l.(*net.TCPListener)

		// Accept deadline.
		tl.SetDeadline(time.Now().Add(u))
		start := time.Now()
		_, err := tl.Accept()
		log("accept: %s waited>=u %v", describe(err), time.Since(start) >= u)
		tl.SetDeadline(time.Time{})

		accepted := make(chan net.Conn, 1)
		runtime.Go(func() { runtime.Send(accepted, must(l.Accept())) })
		c := must(net.Dial("tcp", l.Addr().String()))
		defer c.Close()
		s := runtime.Recv(accepted)
		defer s.Close()

		// Read deadline with nothing to read.
		c.SetReadDeadline(time.Now().Add(u))
		start = time.Now()
		n, err := c.Read(make([]byte, 8))
		log("read: %d %s waited>=u %v", n, describe(err), time.Since(start) >= u)
		// A deadline in the past fails at once, even with data waiting.
		s.Write([]byte("data"))
		time.Sleep(u)
		c.SetReadDeadline(time.Now().Add(-time.Second))
		n, err = c.Read(make([]byte, 8))
		log("read with past deadline: %d %s", n, describe(err))
		c.SetReadDeadline(time.Time{})
		n, err = c.Read(make([]byte, 8))
		log("read after clearing: %d %v", n, err)

		// A deadline moved while a read waits.
		c.SetReadDeadline(time.Now().Add(10 * u))
		runtime.Go(func() {
			time.Sleep(u)
			c.SetReadDeadline(time.Now())
		})
		start = time.Now()
		_, err = c.Read(make([]byte, 8))
		log("read with moved deadline: %s waited<5u %v", describe(err), time.Since(start) < 5*u)
		c.SetReadDeadline(time.Time{})

		// Write deadline when the peer does not read.
		c.SetWriteDeadline(time.Now().Add(2 * u))
		big := make([]byte, 64<<20)
		n, err = c.Write(big)
		log("write: partial %v %s", n > 0 && n < len(big), describe(err))
	})
}

func TestParityHalfClose(t *testing.T) {
	both(t, func(log func(string, ...any)) {
		l := must(net.Listen("tcp", "127.0.0.1:0"))
		defer l.Close()
		// The server logs after the client's first two lines: both sides
		// run at once, and natively their log lines would otherwise
		// interleave as the OS scheduler pleases.
		clientLogged := make(chan struct{})
		runtime.Go(func() {
			c := must(l.Accept())
			defer c.Close()
			req, err := io.ReadAll(c)
			runtime.Recv(clientLogged)
			log("server got %q %v", req, err)
			fmt.Fprintf(c, "response to %s", req)
		})
		c := must(net.Dial("tcp", l.Addr().String()))
		defer c.Close()
		tc := c.(*net.TCPConn)
		tc.Write([]byte("request"))
		log("close write: %v", tc.CloseWrite())
		n, err := tc.Write([]byte("more"))
		log("write after close write: %d %s", n, describe(err))
		runtime.Close(clientLogged)
		resp, err := io.ReadAll(tc)
		log("client got %q %v", resp, err)
		log("close read: %s", describe(tc.CloseRead()))
		n, err = tc.Read(make([]byte, 4))
		log("read after close read: %d %s", n, describe(err))
		log("close: %v", tc.Close())
		log("close again: %s", describe(tc.Close()))
		n, err = tc.Read(make([]byte, 4))
		log("read after close: %d %s", n, describe(err))
		log("set deadline after close: %s", describe(tc.SetDeadline(time.Now())))
	})
}

func TestParityUDP(t *testing.T) {
	both(t, func(log func(string, ...any)) {
		srv := must(net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}))
		defer srv.Close()
		log("server %s", portRE.ReplaceAllString(srv.LocalAddr().String(), ":P"))
		runtime.Go(func() {
			buf := make([]byte, 1500)
			for {
				n, from, err := srv.ReadFromUDP(buf)
				if err != nil {
					return
				}
				srv.WriteToUDP([]byte("pong "+string(buf[:n])), from)
			}
		})
		c := must(net.DialUDP("udp", nil, srv.LocalAddr().(*net.UDPAddr)))
		defer c.Close()
		for i := 0; i < 3; i++ {
			fmt.Fprintf(c, "ping %d", i)
			c.SetReadDeadline(time.Now().Add(10 * u))
			buf := make([]byte, 64)
			n, err := c.Read(buf)
			log("client got %q %v", buf[:n], err)
		}
		// A short buffer truncates the datagram.
		fmt.Fprintf(c, "%s", strings.Repeat("x", 100))
		buf := make([]byte, 10)
		n, err := c.Read(buf)
		log("short read: %d %v", n, err)

		_, err = c.WriteTo([]byte("x"), srv.LocalAddr())
		log("writeto on connected: %s", describe(err))
		_, err = srv.Write([]byte("x"))
		log("write on unconnected: %s", describe(err))
		_, err = srv.WriteTo(make([]byte, 70000), c.LocalAddr())
		log("oversized: %s", describe(err))

		// A connected socket learns that nothing listens.
		dead := must(net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}))
		deadAddr := dead.LocalAddr().(*net.UDPAddr)
		dead.Close()
		d := must(net.DialUDP("udp", nil, deadAddr))
		defer d.Close()
		d.Write([]byte("anyone?"))
		time.Sleep(u)
		d.SetReadDeadline(time.Now().Add(u))
		_, err = d.Read(buf)
		log("read from closed port: %s", describe(err))

		// ListenPacket gives the same type.
		pc := must(net.ListenPacket("udp", "127.0.0.1:0"))
		_, isUDP := pc.(*net.UDPConn)
		log("ListenPacket gives *net.UDPConn: %v", isUDP)
		pc.Close()
		_, _, err = pc.ReadFrom(buf)
		log("read after close: %s", describe(err))
	})
}

func TestParityPortInUse(t *testing.T) {
	both(t, func(log func(string, ...any)) {
		l := must(net.Listen("tcp", "127.0.0.1:0"))
		defer l.Close()
		_, err := net.Listen("tcp", l.Addr().String())
		log("second listen: %s", describe(err))
		u1 := must(net.ListenPacket("udp", "127.0.0.1:0"))
		defer u1.Close()
		_, err = net.ListenPacket("udp", u1.LocalAddr().String())
		log("second udp bind: %s", describe(err))
		l.Close()
		_, err = l.Accept()
		log("accept after close: %s", describe(err))
		l2, err := net.Listen("tcp", l.Addr().String())
		log("listen again after close: %v", err)
		if l2 != nil {
			l2.Close()
		}
	})
}

func TestParityLookup(t *testing.T) {
	both(t, func(log func(string, ...any)) {
		hosts, err := net.LookupHost("localhost")
		log("localhost has 127.0.0.1: %v %v", slices.Contains(hosts, "127.0.0.1"), err)
		ips, err := net.LookupIP("127.0.0.1")
		log("LookupIP literal: %v %v", ips, err)
		a, err := net.ResolveTCPAddr("tcp", "localhost:80")
		log("ResolveTCPAddr: %v %v", a, err)
		ua, err := net.ResolveUDPAddr("udp4", "127.0.0.1:53")
		log("ResolveUDPAddr: %v %v", ua, err)
		p, err := net.LookupPort("tcp", "8080")
		log("LookupPort: %d %v", p, err)
		_, err = net.ResolveTCPAddr("tcp", "no-port")
		log("missing port: %s", describe(err))

		l := must(net.Listen("tcp", "localhost:0"))
		defer l.Close()
		runtime.Go(func() {
			c, err := l.Accept()
			if err == nil {
				c.Write([]byte("via name"))
				c.Close()
			}
		})
		_, port, _ := net.SplitHostPort(l.Addr().String())
		c, err := net.Dial("tcp", net.JoinHostPort("localhost", port))
		if err != nil {
			log("dial by name: %s", describe(err))
			return
		}
		b, err := io.ReadAll(c)
		log("dial by name: %q %v", b, err)
		c.Close()
	})
}

func TestParityPipe(t *testing.T) {
	both(t, func(log func(string, ...any)) {
		a, b := net.Pipe()
		log("addr %s %s", a.LocalAddr().Network(), a.RemoteAddr())
		runtime.Go(func() {
			n, err := a.Write([]byte("hello pipe"))
			log("write returned %d %v", n, err)
		})
		buf := make([]byte, 4)
		for i := 0; i < 3; i++ {
			n, err := b.Read(buf)
			log("read %q %v", buf[:n], err)
		}
		b.SetReadDeadline(time.Now().Add(u))
		_, err := b.Read(buf)
		log("read deadline: %s", describe(err))
		a.Close()
		_, err = b.Read(buf)
		log("read after peer close: %s", describe(err))
		_, err = a.Write([]byte("x"))
		log("write after close: %s", describe(err))
		log("set deadline after close: %s", describe(b.SetDeadline(time.Now())))
	})
}
