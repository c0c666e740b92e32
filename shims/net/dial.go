// This file defines dialling and listening: the shim's Dialer and
// ListenConfig (new types with std's fields and methods) and the package
// functions Dial, DialTimeout, DialTCP, DialUDP, Listen, ListenTCP,
// ListenPacket and ListenUDP. Under simulation they open sockets of the
// caller's node stack; outside a simulation they are std's, and the
// connections they return are wrapped in the shim's types.

package net

import (
	"context"
	stdnet "net"
	"net/netip"
	"strings"
	"syscall"
	"time"

	"github.com/marionette-dst/marionette/runtime"
)

// A Dialer contains options for connecting to an address.
//
// Under simulation Timeout, Deadline, LocalAddr, Cancel and the context
// are honoured; DualStack, FallbackDelay, KeepAlive, KeepAliveConfig,
// Resolver, Control and ControlContext have no effect.
type Dialer struct {
	// Timeout is the maximum amount of time a dial will wait for a connect
	// to complete.
	Timeout time.Duration

	// Deadline is the absolute point in time after which dials will fail.
	Deadline time.Time

	// LocalAddr is the local address to use when dialing an address.
	LocalAddr Addr

	// DualStack previously enabled RFC 6555 Fast Fallback support.
	//
	// Deprecated: Fast Fallback is enabled by default. To disable, set
	// FallbackDelay to a negative value.
	DualStack bool

	// FallbackDelay specifies the length of time to wait before spawning a
	// RFC 6555 Fast Fallback connection.
	FallbackDelay time.Duration

	// KeepAlive specifies the interval between keep-alive probes for an
	// active network connection.
	KeepAlive time.Duration

	// KeepAliveConfig specifies the keep-alive probe configuration for an
	// active network connection, when supported by the protocol and
	// operating system.
	KeepAliveConfig KeepAliveConfig

	// Resolver optionally specifies an alternate resolver to use.
	Resolver *Resolver

	// Cancel is an optional channel whose closure indicates that the dial
	// should be canceled.
	//
	// Deprecated: Use DialContext instead.
	Cancel <-chan struct{}

	// If Control is not nil, it is called after creating the network
	// connection but before actually dialing.
	Control func(network, address string, c syscall.RawConn) error

	// If ControlContext is not nil, it is called after creating the
	// network connection but before actually dialing.
	ControlContext func(ctx context.Context, network, address string, c syscall.RawConn) error

	mptcp int8 // 0: default, 1: on, -1: off
}

// std returns the std Dialer with d's settings.
func (d *Dialer) std() *stdnet.Dialer {
	sd := &stdnet.Dialer{
		Timeout: d.Timeout, Deadline: d.Deadline, LocalAddr: d.LocalAddr,
		DualStack: d.DualStack, FallbackDelay: d.FallbackDelay, KeepAlive: d.KeepAlive,
		KeepAliveConfig: d.KeepAliveConfig, Cancel: d.Cancel, Control: d.Control,
		ControlContext: d.ControlContext,
	}
	if d.Resolver != nil {
		sd.Resolver = d.Resolver.std()
	}
	if d.mptcp != 0 {
		sd.SetMultipathTCP(d.mptcp > 0)
	}
	return sd
}

// MultipathTCP reports whether MPTCP will be used. Under simulation it
// never is.
func (d *Dialer) MultipathTCP() bool {
	if simEnv() != nil {
		return false
	}
	return d.std().MultipathTCP()
}

// SetMultipathTCP directs the Dial methods to use, or not use, MPTCP, if
// supported by the operating system.
func (d *Dialer) SetMultipathTCP(use bool) {
	if use {
		d.mptcp = 1
	} else {
		d.mptcp = -1
	}
}

// wrapConn puts a std connection into the shim's type.
func wrapConn(c stdnet.Conn, err error) (Conn, error) {
	if err != nil {
		return nil, err
	}
	switch c := c.(type) {
	case *stdnet.TCPConn:
		return wrapTCPConn(c), nil
	case *stdnet.UDPConn:
		return wrapUDPConn(c), nil
	}
	return c, nil
}

// Dial connects to the address on the named network. Under simulation
// host names are node names and the connection is made from the calling
// goroutine's node.
func Dial(network, address string) (Conn, error) {
	var d Dialer
	return d.Dial(network, address)
}

// DialTimeout acts like [Dial] but takes a timeout.
func DialTimeout(network, address string, timeout time.Duration) (Conn, error) {
	d := Dialer{Timeout: timeout}
	return d.Dial(network, address)
}

// Dial connects to the address on the named network.
func (d *Dialer) Dial(network, address string) (Conn, error) {
	return d.DialContext(context.Background(), network, address)
}

// DialContext connects to the address on the named network using the
// provided context.
func (d *Dialer) DialContext(ctx context.Context, network, address string) (Conn, error) {
	if ctx == nil {
		panic("nil context")
	}
	e := simEnv()
	if e == nil {
		return wrapConn(d.std().DialContext(ctx, network, address))
	}
	if e.g != nil {
		e.g.Preempt()
	}
	opErr := func(err error) error {
		return &OpError{Op: "dial", Net: network, Source: nil, Addr: nil, Err: err}
	}
	switch network {
	case "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6":
	default:
		base, _, _ := strings.Cut(network, ":")
		switch base {
		case "ip", "ip4", "ip6", "unix", "unixgram", "unixpacket":
			return nil, opErr(notSimulated("dialing " + network))
		}
		return nil, opErr(UnknownNetworkError(network))
	}
	a, port, err := simAddr(e.w, network, address)
	if err != nil {
		return nil, opErr(err)
	}
	if strings.HasPrefix(network, "tcp") {
		la, ok := d.LocalAddr.(*TCPAddr)
		if d.LocalAddr != nil && !ok {
			return nil, opErr(&AddrError{Err: "mismatched local address type", Addr: d.LocalAddr.String()})
		}
		c, err := dialTCPSim(ctx, e, d, network, la, &TCPAddr{IP: ipOf(a), Port: port, Zone: a.Zone()})
		if err != nil {
			return nil, err
		}
		return c, nil
	}
	la, ok := d.LocalAddr.(*UDPAddr)
	if d.LocalAddr != nil && !ok {
		return nil, opErr(&AddrError{Err: "mismatched local address type", Addr: d.LocalAddr.String()})
	}
	c, err := dialUDPSim(e, d.LocalAddr, network, la, &UDPAddr{IP: ipOf(a), Port: port, Zone: a.Zone()})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// DialTCP acts like Dial for TCP networks using the provided context.
func (d *Dialer) DialTCP(ctx context.Context, network string, laddr netip.AddrPort, raddr netip.AddrPort) (*TCPConn, error) {
	if simEnv() == nil {
		c, err := d.std().DialTCP(ctx, network, laddr, raddr)
		return wrapTCPConn(c), err
	}
	la := TCPAddrFromAddrPort(laddr)
	return dialTCP(ctx, d, network, la, TCPAddrFromAddrPort(raddr), tcpOpAddr(la))
}

// DialUDP acts like Dial for UDP networks using the provided context.
func (d *Dialer) DialUDP(ctx context.Context, network string, laddr netip.AddrPort, raddr netip.AddrPort) (*UDPConn, error) {
	if simEnv() == nil {
		c, err := d.std().DialUDP(ctx, network, laddr, raddr)
		return wrapUDPConn(c), err
	}
	return DialUDP(network, UDPAddrFromAddrPort(laddr), UDPAddrFromAddrPort(raddr))
}

// DialIP acts like Dial for IP networks using the provided context. IP
// sockets are not simulated.
func (d *Dialer) DialIP(ctx context.Context, network string, laddr netip.Addr, raddr netip.Addr) (*IPConn, error) {
	if simEnv() == nil {
		return d.std().DialIP(ctx, network, laddr, raddr)
	}
	return nil, &OpError{Op: "dial", Net: network, Err: notSimulated("IP sockets")}
}

// DialUnix acts like Dial for Unix networks using the provided context.
// Unix sockets are not simulated.
func (d *Dialer) DialUnix(ctx context.Context, network string, laddr *UnixAddr, raddr *UnixAddr) (*UnixConn, error) {
	if simEnv() == nil {
		return d.std().DialUnix(ctx, network, laddr, raddr)
	}
	return nil, &OpError{Op: "dial", Net: network, Err: notSimulated("unix sockets")}
}

// DialTCP acts like [Dial] for TCP networks.
func DialTCP(network string, laddr, raddr *TCPAddr) (*TCPConn, error) {
	if simEnv() == nil {
		c, err := stdnet.DialTCP(network, laddr, raddr)
		return wrapTCPConn(c), err
	}
	return dialTCP(context.Background(), nil, network, laddr, raddr, tcpOpAddr(laddr))
}

func dialTCP(ctx context.Context, d *Dialer, network string, laddr, raddr *TCPAddr, source Addr) (*TCPConn, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return nil, &OpError{Op: "dial", Net: network, Source: source, Addr: tcpOpAddr(raddr), Err: UnknownNetworkError(network)}
	}
	if raddr == nil {
		return nil, &OpError{Op: "dial", Net: network, Source: source, Addr: nil, Err: errMissingAddress}
	}
	e := simEnv()
	if e.g != nil {
		e.g.Preempt()
	}
	if d == nil {
		d = &Dialer{}
	}
	return dialTCPSimSource(ctx, e, d, network, laddr, raddr, source)
}

func dialTCPSim(ctx context.Context, e *env, d *Dialer, network string, laddr, raddr *TCPAddr) (*TCPConn, error) {
	return dialTCPSimSource(ctx, e, d, network, laddr, raddr, d.LocalAddr)
}

// dialTCPSimSource connects a simulated stream: it starts the handshake
// and waits for it, the context, d.Cancel or the dial deadline.
func dialTCPSimSource(ctx context.Context, e *env, d *Dialer, network string, laddr, raddr *TCPAddr, source Addr) (*TCPConn, error) {
	fail := func(err error) error {
		return &OpError{Op: "dial", Net: network, Source: source, Addr: raddr, Err: err}
	}
	ra, ok := addrOfIP(raddr.IP)
	if !ok {
		return nil, fail(&AddrError{Err: "invalid IP address", Addr: raddr.IP.String()})
	}
	if !ra.IsValid() {
		ra = netip.IPv4Unspecified()
		if family(network) == '6' {
			ra = netip.IPv6Unspecified()
		}
	}
	var la netip.AddrPort
	if laddr != nil {
		a, ok := addrOfIP(laddr.IP)
		if !ok {
			return nil, fail(&AddrError{Err: "invalid IP address", Addr: laddr.IP.String()})
		}
		if !a.IsValid() {
			a = netip.IPv4Unspecified()
		}
		la = netip.AddrPortFrom(a, uint16(laddr.Port))
	}
	now := clockNow(e.w)
	var deadline time.Time
	if d.Timeout != 0 {
		deadline = now.Add(d.Timeout)
	}
	if cd, ok := ctx.Deadline(); ok && (deadline.IsZero() || cd.Before(deadline)) {
		deadline = cd
	}
	if !d.Deadline.IsZero() && (deadline.IsZero() || d.Deadline.Before(deadline)) {
		deadline = d.Deadline
	}
	if err := ctx.Err(); err != nil {
		return nil, fail(mapCtxErr(err))
	}
	if !deadline.IsZero() && !deadline.After(now) {
		return nil, fail(errTimeout)
	}
	c, err := e.st.DialTCP(la, netip.AddrPortFrom(ra, uint16(raddr.Port)))
	if err != nil {
		return nil, fail(sysErr("connect", err))
	}
	if e.g == nil {
		c.Abort()
		panic("marionette: net: dial would block in a scheduler event callback; callbacks cannot block (spawn a goroutine)")
	}
	cases := []runtime.Case{runtime.RecvCase(c.DialDone())}
	ctxCase, cancelCase, timerCase := -1, -1, -1
	if done := ctx.Done(); done != nil {
		ctxCase = len(cases)
		cases = append(cases, runtime.RecvCase(done))
	}
	if d.Cancel != nil {
		cancelCase = len(cases)
		cases = append(cases, runtime.RecvCase(d.Cancel))
	}
	var timer *runtime.Event
	if !deadline.IsZero() {
		ch := make(chan struct{})
		w := e.w
		timer = w.Schedule(deadline.Sub(now), "net.dial.timeout", func() { runtime.CloseIn(w, ch) })
		timerCase = len(cases)
		cases = append(cases, runtime.RecvCase(ch))
	}
	i := runtime.Select(false, cases...)
	if timer != nil {
		timer.Cancel()
	}
	switch i {
	case 0:
		if err := c.DialErr(); err != nil {
			return nil, fail(sysErr("connect", err))
		}
		return newSimTCPConn(e.w, c, network), nil
	case ctxCase:
		c.Abort()
		return nil, fail(mapCtxErr(ctx.Err()))
	case cancelCase:
		c.Abort()
		return nil, fail(errCanceled)
	case timerCase:
		c.Abort()
		return nil, fail(errTimeout)
	}
	panic("unreachable")
}

// DialUDP acts like [Dial] for UDP networks.
func DialUDP(network string, laddr, raddr *UDPAddr) (*UDPConn, error) {
	e := simEnv()
	if e == nil {
		c, err := stdnet.DialUDP(network, laddr, raddr)
		return wrapUDPConn(c), err
	}
	switch network {
	case "udp", "udp4", "udp6":
	default:
		return nil, &OpError{Op: "dial", Net: network, Source: udpOpAddr(laddr), Addr: udpOpAddr(raddr), Err: UnknownNetworkError(network)}
	}
	if raddr == nil {
		return nil, &OpError{Op: "dial", Net: network, Source: udpOpAddr(laddr), Addr: nil, Err: errMissingAddress}
	}
	if e.g != nil {
		e.g.Preempt()
	}
	return dialUDPSim(e, udpOpAddr(laddr), network, laddr, raddr)
}

func dialUDPSim(e *env, source Addr, network string, laddr, raddr *UDPAddr) (*UDPConn, error) {
	fail := func(err error) error {
		return &OpError{Op: "dial", Net: network, Source: source, Addr: raddr, Err: err}
	}
	ra, ok := addrOfIP(raddr.IP)
	if !ok {
		return nil, fail(&AddrError{Err: "invalid IP address", Addr: raddr.IP.String()})
	}
	if !ra.IsValid() {
		ra = netip.IPv4Unspecified()
	}
	var la netip.AddrPort
	if laddr != nil {
		a, ok := addrOfIP(laddr.IP)
		if !ok {
			return nil, fail(&AddrError{Err: "invalid IP address", Addr: laddr.IP.String()})
		}
		if !a.IsValid() {
			a = netip.IPv4Unspecified()
		}
		la = netip.AddrPortFrom(a, uint16(laddr.Port))
	}
	u, err := e.st.DialUDP(la, netip.AddrPortFrom(ra, uint16(raddr.Port)))
	if err != nil {
		name := "connect"
		if err == syscall.EADDRINUSE || err == syscall.EADDRNOTAVAIL {
			name = "bind"
		}
		return nil, fail(sysErr(name, err))
	}
	return newSimUDPConn(e.w, u, network), nil
}

// ListenConfig contains options for listening to an address. Under
// simulation Control, KeepAlive and KeepAliveConfig have no effect.
type ListenConfig struct {
	// If Control is not nil, it is called after creating the network
	// connection but before binding it to the operating system.
	Control func(network, address string, c syscall.RawConn) error

	// KeepAlive specifies the keep-alive period for network connections
	// accepted by this listener.
	KeepAlive time.Duration

	// KeepAliveConfig specifies the keep-alive probe configuration for an
	// active network connection, when supported by the protocol and
	// operating system.
	KeepAliveConfig KeepAliveConfig

	mptcp int8
}

func (lc *ListenConfig) std() *stdnet.ListenConfig {
	s := &stdnet.ListenConfig{Control: lc.Control, KeepAlive: lc.KeepAlive, KeepAliveConfig: lc.KeepAliveConfig}
	if lc.mptcp != 0 {
		s.SetMultipathTCP(lc.mptcp > 0)
	}
	return s
}

// MultipathTCP reports whether MPTCP will be used. Under simulation it
// never is.
func (lc *ListenConfig) MultipathTCP() bool {
	if simEnv() != nil {
		return false
	}
	return lc.std().MultipathTCP()
}

// SetMultipathTCP directs the Listen method to use, or not use, MPTCP, if
// supported by the operating system.
func (lc *ListenConfig) SetMultipathTCP(use bool) {
	if use {
		lc.mptcp = 1
	} else {
		lc.mptcp = -1
	}
}

// Listen announces on the local network address. Under simulation the
// address is one of the calling goroutine's node.
func (lc *ListenConfig) Listen(ctx context.Context, network, address string) (Listener, error) {
	e := simEnv()
	if e == nil {
		l, err := lc.std().Listen(ctx, network, address)
		if err != nil {
			return nil, err
		}
		if tl, ok := l.(*stdnet.TCPListener); ok {
			return &TCPListener{real: tl}, nil
		}
		return l, nil
	}
	opErr := func(err error) error {
		return &OpError{Op: "listen", Net: network, Source: nil, Addr: nil, Err: err}
	}
	switch network {
	case "tcp", "tcp4", "tcp6":
	case "unix", "unixpacket":
		return nil, opErr(notSimulated("unix sockets"))
	default:
		return nil, opErr(UnknownNetworkError(network))
	}
	a, port, err := simAddr(e.w, network, address)
	if err != nil {
		return nil, opErr(err)
	}
	l, err := listenTCPSim(e, network, &TCPAddr{IP: ipOf(a), Port: port, Zone: a.Zone()})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// ListenPacket announces on the local network address.
func (lc *ListenConfig) ListenPacket(ctx context.Context, network, address string) (PacketConn, error) {
	e := simEnv()
	if e == nil {
		c, err := lc.std().ListenPacket(ctx, network, address)
		if err != nil {
			return nil, err
		}
		if uc, ok := c.(*stdnet.UDPConn); ok {
			return wrapUDPConn(uc), nil
		}
		return c, nil
	}
	opErr := func(err error) error {
		return &OpError{Op: "listen", Net: network, Source: nil, Addr: nil, Err: err}
	}
	switch network {
	case "udp", "udp4", "udp6":
	default:
		base, _, _ := strings.Cut(network, ":")
		switch base {
		case "ip", "ip4", "ip6", "unixgram":
			return nil, opErr(notSimulated("listening on " + network))
		}
		return nil, opErr(UnknownNetworkError(network))
	}
	a, port, err := simAddr(e.w, network, address)
	if err != nil {
		return nil, opErr(err)
	}
	c, err := listenUDPSim(e, network, &UDPAddr{IP: ipOf(a), Port: port, Zone: a.Zone()})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Listen announces on the local network address.
func Listen(network, address string) (Listener, error) {
	var lc ListenConfig
	return lc.Listen(context.Background(), network, address)
}

// ListenPacket announces on the local network address.
func ListenPacket(network, address string) (PacketConn, error) {
	var lc ListenConfig
	return lc.ListenPacket(context.Background(), network, address)
}

// ListenTCP acts like [Listen] for TCP networks.
func ListenTCP(network string, laddr *TCPAddr) (*TCPListener, error) {
	e := simEnv()
	if e == nil {
		l, err := stdnet.ListenTCP(network, laddr)
		if err != nil {
			return nil, err
		}
		return &TCPListener{real: l}, nil
	}
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return nil, &OpError{Op: "listen", Net: network, Source: nil, Addr: tcpOpAddr(laddr), Err: UnknownNetworkError(network)}
	}
	if laddr == nil {
		laddr = &TCPAddr{}
	}
	return listenTCPSim(e, network, laddr)
}

func listenTCPSim(e *env, network string, laddr *TCPAddr) (*TCPListener, error) {
	if e.g != nil {
		e.g.Preempt()
	}
	fail := func(err error) error {
		return &OpError{Op: "listen", Net: network, Source: nil, Addr: laddr, Err: err}
	}
	b, err := bindFor(network, laddr.IP, laddr.Port)
	if err != nil {
		return nil, fail(err)
	}
	l, err := e.st.ListenTCP(b, 0)
	if err != nil {
		return nil, fail(sysErr("bind", err))
	}
	return &TCPListener{sim: l, w: e.w, net: network, laddr: tcpAddrOf(l.Addr().AddrPort())}, nil
}

// ListenUDP acts like [ListenPacket] for UDP networks.
func ListenUDP(network string, laddr *UDPAddr) (*UDPConn, error) {
	e := simEnv()
	if e == nil {
		c, err := stdnet.ListenUDP(network, laddr)
		return wrapUDPConn(c), err
	}
	switch network {
	case "udp", "udp4", "udp6":
	default:
		return nil, &OpError{Op: "listen", Net: network, Source: nil, Addr: udpOpAddr(laddr), Err: UnknownNetworkError(network)}
	}
	if laddr == nil {
		laddr = &UDPAddr{}
	}
	return listenUDPSim(e, network, laddr)
}

func listenUDPSim(e *env, network string, laddr *UDPAddr) (*UDPConn, error) {
	if e.g != nil {
		e.g.Preempt()
	}
	fail := func(err error) error {
		return &OpError{Op: "listen", Net: network, Source: nil, Addr: laddr, Err: err}
	}
	b, err := bindFor(network, laddr.IP, laddr.Port)
	if err != nil {
		return nil, fail(err)
	}
	u, err := e.st.ListenUDP(b)
	if err != nil {
		return nil, fail(sysErr("bind", err))
	}
	return newSimUDPConn(e.w, u, network), nil
}

// ListenMulticastUDP acts like [ListenPacket] for UDP networks but takes a
// group address on a specific network interface. Multicast is not
// simulated.
func ListenMulticastUDP(network string, ifi *Interface, gaddr *UDPAddr) (*UDPConn, error) {
	if simEnv() == nil {
		c, err := stdnet.ListenMulticastUDP(network, ifi, gaddr)
		return wrapUDPConn(c), err
	}
	return nil, &OpError{Op: "listen", Net: network, Source: nil, Addr: udpOpAddr(gaddr), Err: notSimulated("multicast")}
}
