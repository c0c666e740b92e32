// This file defines the shim's UDPConn: a new type with std's methods.
// Under simulation it is a datagram socket of the caller's node stack;
// outside a simulation it wraps std's.

package net

import (
	stdnet "net"
	"net/netip"
	"os"
	"syscall"
	"time"

	"github.com/marionette-dst/marionette/runtime"
	"github.com/marionette-dst/marionette/runtime/netsim"
)

// UDPConn is the implementation of the [Conn] and [PacketConn] interfaces
// for UDP network connections.
type UDPConn struct {
	real *stdnet.UDPConn

	sim   *netsim.UDPSock
	w     *runtime.World
	net   string
	laddr *UDPAddr
	raddr *UDPAddr // nil unless connected
}

func newSimUDPConn(w *runtime.World, u *netsim.UDPSock, network string) *UDPConn {
	c := &UDPConn{sim: u, w: w, net: network, laddr: udpAddrOf(u.LocalAddr().AddrPort())}
	if ra := u.RemoteAddr(); ra.IsValid() {
		c.raddr = udpAddrOf(ra)
	}
	return c
}

func wrapUDPConn(c *stdnet.UDPConn) *UDPConn {
	if c == nil {
		return nil
	}
	return &UDPConn{real: c}
}

func (c *UDPConn) ok() bool { return c != nil && (c.real != nil || c.sim != nil) }

func (c *UDPConn) opErr(op, syscallName string, addr Addr, err error) error {
	if err == nil {
		return nil
	}
	return &OpError{Op: op, Net: c.net, Source: c.laddr, Addr: addr, Err: sysErr(syscallName, err)}
}

// read waits for a datagram.
func (c *UDPConn) read(b []byte, syscallName string) (int, netip.AddrPort, bool, error) {
	g, live := caller(c.w)
	if !live {
		return 0, netip.AddrPort{}, false, c.opErr("read", syscallName, udpOpAddr(c.raddr), ErrClosed)
	}
	for {
		n, from, trunc, err := c.sim.ReadFrom(b)
		if err != netsim.ErrWouldBlock {
			return n, from, trunc, c.opErr("read", syscallName, udpOpAddr(c.raddr), err)
		}
		park(g, c.sim.ReadQueue(), c.sim.ReadDeadline(), "net read")
	}
}

// write sends one datagram to addr (the peer if invalid).
func (c *UDPConn) write(b []byte, to netip.AddrPort, opAddr Addr, syscallName string) (int, error) {
	if _, live := caller(c.w); !live {
		return 0, c.opErr("write", syscallName, opAddr, ErrClosed)
	}
	n, err := c.sim.WriteTo(b, to)
	return n, c.opErr("write", syscallName, opAddr, err)
}

func addrPortOfUDP(a *UDPAddr) (netip.AddrPort, bool) {
	ip, ok := addrOfIP(a.IP)
	if !ok {
		return netip.AddrPort{}, false
	}
	if !ip.IsValid() {
		ip = netip.IPv4Unspecified()
	}
	return netip.AddrPortFrom(ip, uint16(a.Port)), true
}

// Read implements the Conn Read method.
func (c *UDPConn) Read(b []byte) (int, error) {
	if !c.ok() {
		return 0, syscall.EINVAL
	}
	if c.real != nil {
		return c.real.Read(b)
	}
	n, _, _, err := c.read(b, "read")
	return n, err
}

// ReadFromUDP acts like [UDPConn.ReadFrom] but returns a UDPAddr.
func (c *UDPConn) ReadFromUDP(b []byte) (n int, addr *UDPAddr, err error) {
	if !c.ok() {
		return 0, nil, syscall.EINVAL
	}
	if c.real != nil {
		return c.real.ReadFromUDP(b)
	}
	n, from, _, err := c.read(b, "recvfrom")
	if err != nil {
		return n, nil, err
	}
	return n, udpAddrOf(from), nil
}

// ReadFrom implements the [PacketConn] ReadFrom method.
func (c *UDPConn) ReadFrom(b []byte) (int, Addr, error) {
	n, addr, err := c.ReadFromUDP(b)
	if addr == nil {
		return n, nil, err
	}
	return n, addr, err
}

// ReadFromUDPAddrPort acts like ReadFrom but returns a [netip.AddrPort].
func (c *UDPConn) ReadFromUDPAddrPort(b []byte) (n int, addr netip.AddrPort, err error) {
	if !c.ok() {
		return 0, netip.AddrPort{}, syscall.EINVAL
	}
	if c.real != nil {
		return c.real.ReadFromUDPAddrPort(b)
	}
	n, from, _, err := c.read(b, "recvfrom")
	return n, from, err
}

// ReadMsgUDP reads a message from c, copying the payload into b and the
// associated out-of-band data into oob. Under simulation there is no
// out-of-band data; flags has MSG_TRUNC when the datagram was truncated.
func (c *UDPConn) ReadMsgUDP(b, oob []byte) (n, oobn, flags int, addr *UDPAddr, err error) {
	if !c.ok() {
		return 0, 0, 0, nil, syscall.EINVAL
	}
	if c.real != nil {
		return c.real.ReadMsgUDP(b, oob)
	}
	n, oobn, flags, ap, err := c.ReadMsgUDPAddrPort(b, oob)
	if ap.IsValid() {
		addr = udpAddrOf(ap)
	}
	return n, oobn, flags, addr, err
}

// ReadMsgUDPAddrPort is like [UDPConn.ReadMsgUDP] but returns a
// [netip.AddrPort] instead of a [UDPAddr].
func (c *UDPConn) ReadMsgUDPAddrPort(b, oob []byte) (n, oobn, flags int, addr netip.AddrPort, err error) {
	if !c.ok() {
		return 0, 0, 0, netip.AddrPort{}, syscall.EINVAL
	}
	if c.real != nil {
		return c.real.ReadMsgUDPAddrPort(b, oob)
	}
	n, from, trunc, err := c.read(b, "recvmsg")
	if trunc {
		flags = syscall.MSG_TRUNC
	}
	return n, 0, flags, from, err
}

// Write implements the Conn Write method.
func (c *UDPConn) Write(b []byte) (int, error) {
	if !c.ok() {
		return 0, syscall.EINVAL
	}
	if c.real != nil {
		return c.real.Write(b)
	}
	return c.write(b, netip.AddrPort{}, udpOpAddr(c.raddr), "write")
}

// WriteToUDP acts like [UDPConn.WriteTo] but takes a [UDPAddr].
func (c *UDPConn) WriteToUDP(b []byte, addr *UDPAddr) (int, error) {
	if !c.ok() {
		return 0, syscall.EINVAL
	}
	if c.real != nil {
		return c.real.WriteToUDP(b, addr)
	}
	if c.raddr != nil {
		return 0, &OpError{Op: "write", Net: c.net, Source: c.laddr, Addr: udpOpAddr(addr), Err: ErrWriteToConnected}
	}
	if addr == nil {
		return 0, &OpError{Op: "write", Net: c.net, Source: c.laddr, Addr: nil, Err: errMissingAddress}
	}
	ap, ok := addrPortOfUDP(addr)
	if !ok {
		return 0, &OpError{Op: "write", Net: c.net, Source: c.laddr, Addr: addr, Err: syscall.EINVAL}
	}
	return c.write(b, ap, addr, "sendto")
}

// WriteToUDPAddrPort acts like [UDPConn.WriteTo] but takes a
// [netip.AddrPort].
func (c *UDPConn) WriteToUDPAddrPort(b []byte, addr netip.AddrPort) (int, error) {
	if !c.ok() {
		return 0, syscall.EINVAL
	}
	if c.real != nil {
		return c.real.WriteToUDPAddrPort(b, addr)
	}
	opAddr := udpAddrOf(addr)
	if c.raddr != nil {
		return 0, &OpError{Op: "write", Net: c.net, Source: c.laddr, Addr: opAddr, Err: ErrWriteToConnected}
	}
	if !addr.IsValid() {
		return 0, &OpError{Op: "write", Net: c.net, Source: c.laddr, Addr: opAddr, Err: syscall.EINVAL}
	}
	return c.write(b, netip.AddrPortFrom(addr.Addr().Unmap(), addr.Port()), opAddr, "sendto")
}

// WriteTo implements the [PacketConn] WriteTo method.
func (c *UDPConn) WriteTo(b []byte, addr Addr) (int, error) {
	if !c.ok() {
		return 0, syscall.EINVAL
	}
	if c.real != nil {
		return c.real.WriteTo(b, addr)
	}
	a, ok := addr.(*UDPAddr)
	if !ok {
		return 0, &OpError{Op: "write", Net: c.net, Source: c.laddr, Addr: addr, Err: syscall.EINVAL}
	}
	return c.WriteToUDP(b, a)
}

// WriteMsgUDP writes a message to addr if c isn't connected, or to c's
// remote address if c is connected (in which case addr must be nil). Under
// simulation the out-of-band data is ignored.
func (c *UDPConn) WriteMsgUDP(b, oob []byte, addr *UDPAddr) (n, oobn int, err error) {
	if !c.ok() {
		return 0, 0, syscall.EINVAL
	}
	if c.real != nil {
		return c.real.WriteMsgUDP(b, oob, addr)
	}
	if c.raddr != nil && addr != nil {
		return 0, 0, &OpError{Op: "write", Net: c.net, Source: c.laddr, Addr: addr, Err: ErrWriteToConnected}
	}
	if c.raddr == nil && addr == nil {
		return 0, 0, &OpError{Op: "write", Net: c.net, Source: c.laddr, Addr: nil, Err: errMissingAddress}
	}
	var ap netip.AddrPort
	opAddr := udpOpAddr(c.raddr)
	if addr != nil {
		var ok bool
		if ap, ok = addrPortOfUDP(addr); !ok {
			return 0, 0, &OpError{Op: "write", Net: c.net, Source: c.laddr, Addr: addr, Err: syscall.EINVAL}
		}
		opAddr = addr
	}
	n, err = c.write(b, ap, opAddr, "sendmsg")
	if err != nil {
		return n, 0, err
	}
	return n, len(oob), nil
}

// WriteMsgUDPAddrPort is like [UDPConn.WriteMsgUDP] but takes a
// [netip.AddrPort] instead of a [UDPAddr].
func (c *UDPConn) WriteMsgUDPAddrPort(b, oob []byte, addr netip.AddrPort) (n, oobn int, err error) {
	if !c.ok() {
		return 0, 0, syscall.EINVAL
	}
	if c.real != nil {
		return c.real.WriteMsgUDPAddrPort(b, oob, addr)
	}
	var a *UDPAddr
	if addr.IsValid() {
		a = udpAddrOf(addr)
	}
	return c.WriteMsgUDP(b, oob, a)
}

// Close closes the connection.
func (c *UDPConn) Close() error {
	if !c.ok() {
		return syscall.EINVAL
	}
	if c.real != nil {
		return c.real.Close()
	}
	if _, live := caller(c.w); !live {
		return c.opErr("close", "close", udpOpAddr(c.raddr), ErrClosed)
	}
	return c.opErr("close", "close", udpOpAddr(c.raddr), c.sim.Close())
}

// LocalAddr returns the local network address.
func (c *UDPConn) LocalAddr() Addr {
	if !c.ok() {
		return nil
	}
	if c.real != nil {
		return c.real.LocalAddr()
	}
	return c.laddr
}

// RemoteAddr returns the remote network address (nil if not connected).
func (c *UDPConn) RemoteAddr() Addr {
	if !c.ok() {
		return nil
	}
	if c.real != nil {
		return c.real.RemoteAddr()
	}
	return udpOpAddr(c.raddr)
}

func (c *UDPConn) setErr() error {
	if _, live := caller(c.w); !live || c.sim.Closed() {
		return &OpError{Op: "set", Net: c.net, Source: nil, Addr: c.laddr, Err: ErrClosed}
	}
	return nil
}

// SetDeadline implements the Conn SetDeadline method.
func (c *UDPConn) SetDeadline(t time.Time) error {
	if !c.ok() {
		return syscall.EINVAL
	}
	if c.real != nil {
		return c.real.SetDeadline(t)
	}
	if err := c.setErr(); err != nil {
		return err
	}
	d := simDeadline(c.w, t)
	c.sim.SetReadDeadline(d)
	c.sim.SetWriteDeadline(d)
	return nil
}

// SetReadDeadline implements the Conn SetReadDeadline method.
func (c *UDPConn) SetReadDeadline(t time.Time) error {
	if !c.ok() {
		return syscall.EINVAL
	}
	if c.real != nil {
		return c.real.SetReadDeadline(t)
	}
	if err := c.setErr(); err != nil {
		return err
	}
	c.sim.SetReadDeadline(simDeadline(c.w, t))
	return nil
}

// SetWriteDeadline implements the Conn SetWriteDeadline method.
func (c *UDPConn) SetWriteDeadline(t time.Time) error {
	if !c.ok() {
		return syscall.EINVAL
	}
	if c.real != nil {
		return c.real.SetWriteDeadline(t)
	}
	if err := c.setErr(); err != nil {
		return err
	}
	c.sim.SetWriteDeadline(simDeadline(c.w, t))
	return nil
}

// SetReadBuffer sets the size of the operating system's receive buffer
// associated with the connection (under simulation, the socket's queue).
func (c *UDPConn) SetReadBuffer(bytes int) error {
	if !c.ok() {
		return syscall.EINVAL
	}
	if c.real != nil {
		return c.real.SetReadBuffer(bytes)
	}
	if err := c.setErr(); err != nil {
		return err
	}
	c.sim.SetReadBuffer(bytes)
	return nil
}

// SetWriteBuffer sets the size of the operating system's transmit buffer
// associated with the connection. Under simulation it has no effect
// (datagram sends never wait).
func (c *UDPConn) SetWriteBuffer(bytes int) error {
	if !c.ok() {
		return syscall.EINVAL
	}
	if c.real != nil {
		return c.real.SetWriteBuffer(bytes)
	}
	return c.setErr()
}

// File returns a copy of the underlying [os.File]. Under simulation there
// is none: it returns an error.
func (c *UDPConn) File() (f *os.File, err error) {
	if !c.ok() {
		return nil, syscall.EINVAL
	}
	if c.real != nil {
		return c.real.File()
	}
	return nil, &OpError{Op: "file", Net: c.net, Source: c.laddr, Addr: udpOpAddr(c.raddr), Err: notSimulated("UDPConn.File")}
}

// SyscallConn returns a raw network connection. Under simulation it is a
// RawConn whose Control succeeds without calling its function (socket
// options have no effect on a simulated socket) and whose Read and Write
// report that raw I/O is not simulated.
func (c *UDPConn) SyscallConn() (syscall.RawConn, error) {
	if !c.ok() {
		return nil, syscall.EINVAL
	}
	if c.real != nil {
		return c.real.SyscallConn()
	}
	return rawConn{"UDPConn"}, nil
}
