// This file defines a node's network stack: its addresses, the ports its
// sockets are bound to, and how an arriving packet finds its socket.

package netsim

import (
	"errors"
	"math/rand/v2"
	"net/netip"
	"slices"
	"syscall"

	"github.com/marionette-dst/marionette/runtime"
)

// ErrWouldBlock is returned by socket operations that cannot complete now;
// the caller parks on the socket's wait queue and tries again.
var ErrWouldBlock = errors.New("netsim: operation would block")

// Ephemeral port range (Linux's default ip_local_port_range).
const (
	ephemeralLow  = 32768
	ephemeralHigh = 60999
)

// Stack is the network stack of one node.
type Stack struct {
	n    *Network
	node *runtime.Node
	id   int
	addr netip.Addr
	rnd  *rand.Rand // ephemeral ports and connection identities

	conns     map[connKey]*Conn
	listeners []*Listener
	udps      []*UDPSock
	ports     map[portKey]int // sockets using a local port (ephemeral choice avoids them)

	isolated bool // every path into and out of the node is blocked
	paused   bool // every path into and out of the node holds its packets
}

type connKey struct{ local, remote netip.AddrPort }

type portKey struct {
	proto Proto
	port  uint16
}

func newStack(n *Network, node *runtime.Node) *Stack {
	return &Stack{
		n:      n,
		node:   node,
		id:     node.ID(),
		addr:   node.Addr(),
		rnd:    runtime.NewStream(n.w.Options().Seed, "network.node "+node.Name()),
		conns:  make(map[connKey]*Conn),
		ports:  make(map[portKey]int),
		paused: node.Paused(),
	}
}

// Node returns the stack's node.
func (s *Stack) Node() *runtime.Node { return s.node }

// Addr returns the node's address on the simulated network.
func (s *Stack) Addr() netip.Addr { return s.addr }

// Network returns the network the stack belongs to.
func (s *Stack) Network() *Network { return s.n }

// IsLocal reports whether a is an address of the node: its own address, a
// loopback address, or an unspecified address.
func (s *Stack) IsLocal(a netip.Addr) bool {
	a = a.Unmap()
	return a == s.addr || a.IsLoopback() || a.IsUnspecified()
}

// Bind is a local address a socket is bound to. An unspecified Addr binds
// every local address of its family; an unspecified IPv6 address binds
// IPv4 too unless V6Only.
type Bind struct {
	Addr   netip.Addr
	Port   uint16
	V6Only bool
}

// matches reports whether a packet to address a is for this binding.
func (b Bind) matches(a netip.Addr) bool {
	a = a.Unmap()
	switch {
	case !b.Addr.IsUnspecified():
		return a == b.Addr.Unmap()
	case b.Addr.Is4():
		return a.Is4()
	case b.V6Only:
		return a.Is6()
	}
	return true
}

// overlaps reports whether two bindings of one port share an address.
func (b Bind) overlaps(c Bind) bool {
	if b.Port != c.Port {
		return false
	}
	bu, cu := b.Addr.IsUnspecified(), c.Addr.IsUnspecified()
	switch {
	case !bu && !cu:
		return b.Addr.Unmap() == c.Addr.Unmap()
	case bu && !cu:
		return b.matches(c.Addr)
	case !bu && cu:
		return c.matches(b.Addr)
	}
	// both unspecified
	if b.Addr.Is4() && c.Addr.Is4() {
		return true
	}
	if b.Addr.Is4() != c.Addr.Is4() {
		v6 := b
		if b.Addr.Is4() {
			v6 = c
		}
		return !v6.V6Only
	}
	return true
}

// AddrPort returns the binding as an address and port.
func (b Bind) AddrPort() netip.AddrPort { return netip.AddrPortFrom(b.Addr, b.Port) }

func (s *Stack) usePort(proto Proto, port uint16) { s.ports[portKey{proto, port}]++ }

func (s *Stack) releasePort(proto Proto, port uint16) {
	k := portKey{proto, port}
	if s.ports[k] <= 1 {
		delete(s.ports, k)
	} else {
		s.ports[k]--
	}
}

// ephemeral picks a free local port for proto, starting at a seeded
// random point of the range as Linux does.
func (s *Stack) ephemeral(proto Proto) (uint16, error) {
	span := ephemeralHigh - ephemeralLow + 1
	start := s.rnd.IntN(span)
	for i := 0; i < span; i++ {
		port := uint16(ephemeralLow + (start+i)%span)
		if s.ports[portKey{proto, port}] == 0 {
			return port, nil
		}
	}
	return 0, syscall.EADDRNOTAVAIL
}

// checkBind validates a binding's address.
func (s *Stack) checkBind(b Bind) error {
	if !s.IsLocal(b.Addr) {
		return syscall.EADDRNOTAVAIL
	}
	return nil
}

// sourceFor picks the local address a packet to dst leaves from.
func (s *Stack) sourceFor(dst netip.Addr) netip.Addr {
	dst = dst.Unmap()
	switch {
	case dst.Is6() && (dst.IsLoopback() || dst.IsUnspecified()):
		return netip.IPv6Loopback()
	case dst.IsLoopback() || dst.IsUnspecified():
		return netip.AddrFrom4([4]byte{127, 0, 0, 1})
	}
	return s.addr
}

// loopbackFor maps an unspecified destination to the loopback address of
// its family (connecting to 0.0.0.0 or :: reaches the local host).
func loopbackFor(a netip.Addr) netip.Addr {
	if !a.IsUnspecified() {
		return a.Unmap()
	}
	if a.Is4() {
		return netip.AddrFrom4([4]byte{127, 0, 0, 1})
	}
	return netip.IPv6Loopback()
}

// receive demultiplexes a packet delivered to the node.
func (s *Stack) receive(p *Packet) {
	switch p.Proto {
	case TCP:
		if c := s.conns[connKey{p.Dst, p.Src}]; c != nil {
			c.input(p)
			return
		}
		if p.Flags&RST != 0 {
			return
		}
		if p.Flags&SYN != 0 && p.Flags&ACK == 0 {
			if l := s.findListener(p.Dst); l != nil {
				l.onSyn(p)
				return
			}
		}
		s.sendRST(p)
	case UDP:
		if u := s.findUDP(p.Dst, p.Src); u != nil {
			u.enqueue(p)
			return
		}
		s.n.trace("net.drop", int64(p.ID), "noport "+p.Dst.String())
		// ICMP port unreachable, addresses reversed.
		s.n.send(s, &Packet{Proto: ICMP, Src: p.Dst, Dst: p.Src})
	case ICMP:
		// Port unreachable for a datagram sent from p.Dst to p.Src.
		for _, u := range s.udps {
			if u.bind.Port == p.Dst.Port() && u.bind.matches(p.Dst.Addr()) && u.raddr == p.Src {
				u.setError(syscall.ECONNREFUSED)
			}
		}
	}
}

// sendRST answers a segment no connection wants.
func (s *Stack) sendRST(p *Packet) {
	s.n.send(s, &Packet{
		Proto: TCP, Src: p.Dst, Dst: p.Src, Flags: RST | ACK,
		Seq: p.Ack, Ack: p.Seq + int64(len(p.Data)), SrcISN: p.DstISN, DstISN: p.SrcISN,
	})
}

func (s *Stack) findListener(a netip.AddrPort) *Listener {
	for _, l := range s.listeners {
		if l.bind.Port == a.Port() && l.bind.matches(a.Addr()) {
			return l
		}
	}
	return nil
}

// findUDP finds the socket for a datagram to a from src: a connected
// socket only takes datagrams from its peer.
func (s *Stack) findUDP(a, src netip.AddrPort) *UDPSock {
	for _, u := range s.udps {
		if u.bind.Port == a.Port() && u.bind.matches(a.Addr()) && (!u.raddr.IsValid() || u.raddr == src) {
			return u
		}
	}
	return nil
}

func (s *Stack) addConn(c *Conn) { s.conns[connKey{c.local, c.remote}] = c }

func (s *Stack) removeConn(c *Conn) {
	k := connKey{c.local, c.remote}
	if s.conns[k] == c {
		delete(s.conns, k)
		if c.ownsPort {
			s.releasePort(TCP, c.local.Port())
		}
	}
}

// sortedConns returns the stack's connections in a stable order.
func (s *Stack) sortedConns() []*Conn {
	cs := make([]*Conn, 0, len(s.conns))
	for _, c := range s.conns {
		cs = append(cs, c)
	}
	slices.SortFunc(cs, func(a, b *Conn) int { return int(a.serial - b.serial) })
	return cs
}

// NumConns returns the number of live TCP connections of the node (those
// closed by the program but still delivering their last data included).
func (s *Stack) NumConns() int { return len(s.conns) }
