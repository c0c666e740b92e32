// This file defines datagram (UDP) sockets: one packet per datagram, so
// loss, duplication and reordering reach the reader; a bounded receive
// queue; ICMP port-unreachable errors on connected sockets.

package netsim

import (
	"net"
	"net/netip"
	"os"
	"slices"
	"syscall"
	"time"
)

// UDPSock is a datagram socket.
type UDPSock struct {
	s      *Stack
	bind   Bind
	raddr  netip.AddrPort // the peer of a connected socket
	q      []*Packet
	qbytes int
	rcvMax int
	closed bool
	soErr  syscall.Errno

	rdDeadline, wrDeadline time.Duration
	readers                WaitQueue
}

// ListenUDP binds a datagram socket (port 0 picks an ephemeral port).
func (s *Stack) ListenUDP(b Bind) (*UDPSock, error) {
	if err := s.checkBind(b); err != nil {
		return nil, err
	}
	if b.Port == 0 {
		port, err := s.ephemeral(UDP)
		if err != nil {
			return nil, err
		}
		b.Port = port
	}
	for _, u := range s.udps {
		if u.bind.overlaps(b) {
			return nil, syscall.EADDRINUSE
		}
	}
	u := &UDPSock{s: s, bind: b, rcvMax: s.n.o.UDPRcvBuf}
	s.udps = append(s.udps, u)
	s.usePort(UDP, b.Port)
	return u, nil
}

// DialUDP makes a connected datagram socket: bound to laddr (zero or
// unspecified parts chosen by the route to raddr), sending to raddr by
// default and receiving only from it.
func (s *Stack) DialUDP(laddr, raddr netip.AddrPort) (*UDPSock, error) {
	ra := loopbackFor(raddr.Addr())
	raddr = netip.AddrPortFrom(ra, raddr.Port())
	if ra.Is6() && !ra.IsLoopback() {
		return nil, syscall.ENETUNREACH
	}
	la := laddr.Addr()
	if !la.IsValid() || la.IsUnspecified() {
		la = s.sourceFor(ra)
	}
	u, err := s.ListenUDP(Bind{Addr: la.Unmap(), Port: laddr.Port()})
	if err != nil {
		return nil, err
	}
	u.raddr = raddr
	return u, nil
}

// LocalAddr returns the socket's binding; RemoteAddr its peer (invalid if
// not connected).
func (u *UDPSock) LocalAddr() Bind            { return u.bind }
func (u *UDPSock) RemoteAddr() netip.AddrPort { return u.raddr }

// Closed reports whether the socket was closed.
func (u *UDPSock) Closed() bool { return u.closed }

// ReadQueue is where blocked readers wait.
func (u *UDPSock) ReadQueue() *WaitQueue { return &u.readers }

// Deadlines, as simulated instants (0: none).
func (u *UDPSock) ReadDeadline() time.Duration  { return u.rdDeadline }
func (u *UDPSock) WriteDeadline() time.Duration { return u.wrDeadline }

func (u *UDPSock) SetReadDeadline(t time.Duration) {
	u.rdDeadline = t
	u.readers.wakeAll()
}

func (u *UDPSock) SetWriteDeadline(t time.Duration) { u.wrDeadline = t }

// SetReadBuffer sizes the receive queue in bytes.
func (u *UDPSock) SetReadBuffer(bytes int) {
	if bytes > 0 {
		u.rcvMax = bytes
	}
}

func (u *UDPSock) expired(d time.Duration) bool { return d != 0 && u.s.n.now() >= d }

// ReadFrom takes the next datagram: it copies what fits in b (the rest is
// discarded; trunc reports it) and returns the sender. It returns
// ErrWouldBlock when no datagram waits.
func (u *UDPSock) ReadFrom(b []byte) (n int, from netip.AddrPort, trunc bool, err error) {
	if u.closed {
		return 0, from, false, net.ErrClosed
	}
	if u.expired(u.rdDeadline) {
		return 0, from, false, os.ErrDeadlineExceeded
	}
	if u.soErr != 0 {
		e := u.soErr
		u.soErr = 0
		return 0, from, false, e
	}
	if len(u.q) == 0 {
		return 0, from, false, ErrWouldBlock
	}
	p := u.q[0]
	u.q[0] = nil
	u.q = u.q[1:]
	u.qbytes -= len(p.Data)
	n = copy(b, p.Data)
	return n, p.Src, n < len(p.Data), nil
}

// WriteTo sends b as one datagram to the given address (the peer if to is
// invalid). Sending never blocks.
func (u *UDPSock) WriteTo(b []byte, to netip.AddrPort) (int, error) {
	if u.closed {
		return 0, net.ErrClosed
	}
	if u.expired(u.wrDeadline) {
		return 0, os.ErrDeadlineExceeded
	}
	if !to.IsValid() {
		if !u.raddr.IsValid() {
			return 0, syscall.EDESTADDRREQ
		}
		to = u.raddr
	}
	if u.raddr.IsValid() && u.soErr != 0 {
		e := u.soErr
		u.soErr = 0
		return 0, e
	}
	if len(b) > u.s.n.o.UDPMaxDatagram {
		return 0, syscall.EMSGSIZE
	}
	ta := loopbackFor(to.Addr())
	to = netip.AddrPortFrom(ta, to.Port())
	if ta.Is6() && !ta.IsLoopback() {
		return 0, syscall.ENETUNREACH
	}
	src := u.bind.Addr
	if src.IsUnspecified() {
		src = u.s.sourceFor(ta)
	}
	data := make([]byte, len(b))
	copy(data, b)
	if !u.s.n.ended {
		u.s.n.send(u.s, &Packet{Proto: UDP, Src: netip.AddrPortFrom(src.Unmap(), u.bind.Port), Dst: to, Data: data})
	}
	return len(b), nil
}

// Close closes the socket; blocked readers wake with net.ErrClosed.
func (u *UDPSock) Close() error {
	if u.closed {
		return net.ErrClosed
	}
	u.closed = true
	s := u.s
	s.udps = slices.DeleteFunc(s.udps, func(x *UDPSock) bool { return x == u })
	s.releasePort(UDP, u.bind.Port)
	u.q = nil
	u.readers.wakeAll()
	return nil
}

func (u *UDPSock) enqueue(p *Packet) {
	if u.qbytes+len(p.Data) > u.rcvMax {
		u.s.n.trace("net.drop", int64(p.ID), "rcvbuf "+p.Dst.String())
		return
	}
	u.q = append(u.q, p)
	u.qbytes += len(p.Data)
	u.readers.wakeAll()
}

func (u *UDPSock) setError(e syscall.Errno) {
	u.soErr = e
	u.readers.wakeAll()
}
