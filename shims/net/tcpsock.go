// This file defines the shim's TCPConn and TCPListener: new types with
// std's methods. Under simulation they are sockets of the caller's node
// stack (runtime/netsim); outside a simulation they wrap std's.

package net

import (
	"io"
	stdnet "net"
	"os"
	"syscall"
	"time"

	"github.com/marionette-dst/marionette/runtime"
	"github.com/marionette-dst/marionette/runtime/netsim"
)

// TCPConn is an implementation of the [Conn] interface for TCP network
// connections.
type TCPConn struct {
	real *stdnet.TCPConn

	sim   *netsim.Conn
	w     *runtime.World
	net   string
	laddr *TCPAddr
	raddr *TCPAddr
	wlock simLock
}

func newSimTCPConn(w *runtime.World, c *netsim.Conn, network string) *TCPConn {
	return &TCPConn{sim: c, w: w, net: network, laddr: tcpAddrOf(c.LocalAddr()), raddr: tcpAddrOf(c.RemoteAddr())}
}

func wrapTCPConn(c *stdnet.TCPConn) *TCPConn {
	if c == nil {
		return nil
	}
	return &TCPConn{real: c}
}

func (c *TCPConn) ok() bool { return c != nil && (c.real != nil || c.sim != nil) }

// opErr wraps a model error the way std's conn methods do.
func (c *TCPConn) opErr(op, syscallName string, err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	return &OpError{Op: op, Net: c.net, Source: c.laddr, Addr: c.raddr, Err: sysErr(syscallName, err)}
}

// setErr is the error of a setter on a closed connection.
func (c *TCPConn) setErr() error {
	if _, ok := caller(c.w); !ok || c.sim.Closed() {
		return &OpError{Op: "set", Net: c.net, Source: c.laddr, Addr: c.raddr, Err: ErrClosed}
	}
	return nil
}

// Read implements the Conn Read method.
func (c *TCPConn) Read(b []byte) (int, error) {
	if !c.ok() {
		return 0, syscall.EINVAL
	}
	if c.real != nil {
		return c.real.Read(b)
	}
	g, live := caller(c.w)
	if !live {
		return 0, c.opErr("read", "read", ErrClosed)
	}
	for {
		n, err := c.sim.Read(b)
		if err != netsim.ErrWouldBlock {
			return n, c.opErr("read", "read", err)
		}
		park(g, c.sim.ReadQueue(), c.sim.ReadDeadline(), "net read")
	}
}

// Write implements the Conn Write method.
func (c *TCPConn) Write(b []byte) (int, error) {
	if !c.ok() {
		return 0, syscall.EINVAL
	}
	if c.real != nil {
		return c.real.Write(b)
	}
	g, live := caller(c.w)
	if !live {
		return 0, c.opErr("write", "write", ErrClosed)
	}
	if g != nil {
		c.wlock.lock(g)
		defer c.wlock.unlock()
	}
	total := 0
	for {
		n, err := c.sim.Write(b[total:])
		total += n
		if err != netsim.ErrWouldBlock {
			return total, c.opErr("write", "write", err)
		}
		park(g, c.sim.WriteQueue(), c.sim.WriteDeadline(), "net write")
	}
}

// Close closes the connection.
func (c *TCPConn) Close() error {
	if !c.ok() {
		return syscall.EINVAL
	}
	if c.real != nil {
		return c.real.Close()
	}
	if _, live := caller(c.w); !live {
		return c.opErr("close", "close", ErrClosed)
	}
	return c.opErr("close", "close", c.sim.Close())
}

// CloseRead shuts down the reading side of the TCP connection. Most
// callers should just use Close.
func (c *TCPConn) CloseRead() error {
	if !c.ok() {
		return syscall.EINVAL
	}
	if c.real != nil {
		return c.real.CloseRead()
	}
	if _, live := caller(c.w); !live {
		return c.opErr("close", "shutdown", ErrClosed)
	}
	return c.opErr("close", "shutdown", c.sim.CloseRead())
}

// CloseWrite shuts down the writing side of the TCP connection. Most
// callers should just use Close.
func (c *TCPConn) CloseWrite() error {
	if !c.ok() {
		return syscall.EINVAL
	}
	if c.real != nil {
		return c.real.CloseWrite()
	}
	if _, live := caller(c.w); !live {
		return c.opErr("close", "shutdown", ErrClosed)
	}
	return c.opErr("close", "shutdown", c.sim.CloseWrite())
}

// LocalAddr returns the local network address.
func (c *TCPConn) LocalAddr() Addr {
	if !c.ok() {
		return nil
	}
	if c.real != nil {
		return c.real.LocalAddr()
	}
	return c.laddr
}

// RemoteAddr returns the remote network address.
func (c *TCPConn) RemoteAddr() Addr {
	if !c.ok() {
		return nil
	}
	if c.real != nil {
		return c.real.RemoteAddr()
	}
	return c.raddr
}

// SetDeadline implements the Conn SetDeadline method.
func (c *TCPConn) SetDeadline(t time.Time) error {
	if !c.ok() {
		return syscall.EINVAL
	}
	if c.real != nil {
		return c.real.SetDeadline(t)
	}
	if err := c.deadlineErr(); err != nil {
		return err
	}
	d := simDeadline(c.w, t)
	c.sim.SetReadDeadline(d)
	c.sim.SetWriteDeadline(d)
	return nil
}

// SetReadDeadline implements the Conn SetReadDeadline method.
func (c *TCPConn) SetReadDeadline(t time.Time) error {
	if !c.ok() {
		return syscall.EINVAL
	}
	if c.real != nil {
		return c.real.SetReadDeadline(t)
	}
	if err := c.deadlineErr(); err != nil {
		return err
	}
	c.sim.SetReadDeadline(simDeadline(c.w, t))
	return nil
}

// SetWriteDeadline implements the Conn SetWriteDeadline method.
func (c *TCPConn) SetWriteDeadline(t time.Time) error {
	if !c.ok() {
		return syscall.EINVAL
	}
	if c.real != nil {
		return c.real.SetWriteDeadline(t)
	}
	if err := c.deadlineErr(); err != nil {
		return err
	}
	c.sim.SetWriteDeadline(simDeadline(c.w, t))
	return nil
}

// deadlineErr is std's error for setting a deadline on a closed conn.
func (c *TCPConn) deadlineErr() error {
	if _, live := caller(c.w); !live || c.sim.Closed() {
		return &OpError{Op: "set", Net: c.net, Source: nil, Addr: c.laddr, Err: ErrClosed}
	}
	return nil
}

// SetReadBuffer sets the size of the operating system's receive buffer
// associated with the connection. Under simulation it sizes the
// connection's receive window.
func (c *TCPConn) SetReadBuffer(bytes int) error {
	if !c.ok() {
		return syscall.EINVAL
	}
	if c.real != nil {
		return c.real.SetReadBuffer(bytes)
	}
	if err := c.deadlineErr(); err != nil {
		return err
	}
	c.sim.SetReadBuffer(bytes)
	return nil
}

// SetWriteBuffer sets the size of the operating system's transmit buffer
// associated with the connection. Under simulation it sizes the
// connection's send buffer.
func (c *TCPConn) SetWriteBuffer(bytes int) error {
	if !c.ok() {
		return syscall.EINVAL
	}
	if c.real != nil {
		return c.real.SetWriteBuffer(bytes)
	}
	if err := c.deadlineErr(); err != nil {
		return err
	}
	c.sim.SetWriteBuffer(bytes)
	return nil
}

// SetKeepAlive sets whether the operating system should send keep-alive
// messages on the connection. Under simulation it has no effect.
func (c *TCPConn) SetKeepAlive(keepalive bool) error {
	if !c.ok() {
		return syscall.EINVAL
	}
	if c.real != nil {
		return c.real.SetKeepAlive(keepalive)
	}
	return c.setErr()
}

// SetKeepAliveConfig configures keep-alive messages sent by the operating
// system. Under simulation it has no effect.
func (c *TCPConn) SetKeepAliveConfig(config KeepAliveConfig) error {
	if !c.ok() {
		return syscall.EINVAL
	}
	if c.real != nil {
		return c.real.SetKeepAliveConfig(config)
	}
	return c.setErr()
}

// SetKeepAlivePeriod sets the duration the connection needs to remain
// idle before TCP starts sending keepalive probes. Under simulation it has
// no effect.
func (c *TCPConn) SetKeepAlivePeriod(d time.Duration) error {
	if !c.ok() {
		return syscall.EINVAL
	}
	if c.real != nil {
		return c.real.SetKeepAlivePeriod(d)
	}
	return c.setErr()
}

// SetLinger sets the behavior of Close on a connection which still has
// data waiting to be sent or to be acknowledged. Under simulation sec == 0
// makes Close reset the connection; other values keep the default.
func (c *TCPConn) SetLinger(sec int) error {
	if !c.ok() {
		return syscall.EINVAL
	}
	if c.real != nil {
		return c.real.SetLinger(sec)
	}
	if err := c.setErr(); err != nil {
		return err
	}
	c.sim.SetLinger(sec)
	return nil
}

// SetNoDelay controls whether the operating system should delay packet
// transmission in hopes of sending fewer packets (Nagle's algorithm).
// Under simulation segments are never delayed (Go's default).
func (c *TCPConn) SetNoDelay(noDelay bool) error {
	if !c.ok() {
		return syscall.EINVAL
	}
	if c.real != nil {
		return c.real.SetNoDelay(noDelay)
	}
	return c.setErr()
}

// MultipathTCP reports whether the ongoing connection is using MPTCP.
// Under simulation it never is.
func (c *TCPConn) MultipathTCP() (bool, error) {
	if !c.ok() {
		return false, syscall.EINVAL
	}
	if c.real != nil {
		return c.real.MultipathTCP()
	}
	return false, nil
}

// File returns a copy of the underlying [os.File]. Under simulation there
// is none: it returns an error.
func (c *TCPConn) File() (f *os.File, err error) {
	if !c.ok() {
		return nil, syscall.EINVAL
	}
	if c.real != nil {
		return c.real.File()
	}
	return nil, &OpError{Op: "file", Net: c.net, Source: c.laddr, Addr: c.raddr, Err: notSimulated("TCPConn.File")}
}

// SyscallConn returns a raw network connection. Under simulation it is a
// RawConn whose Control succeeds without calling its function (socket
// options have no effect on a simulated socket) and whose Read and Write
// report that raw I/O is not simulated.
func (c *TCPConn) SyscallConn() (syscall.RawConn, error) {
	if !c.ok() {
		return nil, syscall.EINVAL
	}
	if c.real != nil {
		return c.real.SyscallConn()
	}
	return rawConn{"TCPConn"}, nil
}

// ReadFrom implements the [io.ReaderFrom] ReadFrom method.
func (c *TCPConn) ReadFrom(r io.Reader) (int64, error) {
	if !c.ok() {
		return 0, syscall.EINVAL
	}
	if c.real != nil {
		return c.real.ReadFrom(r)
	}
	n, err := io.Copy(writerOnly{c}, r)
	if err != nil && err != io.EOF {
		err = &OpError{Op: "readfrom", Net: c.net, Source: c.laddr, Addr: c.raddr, Err: err}
	}
	return n, err
}

// WriteTo implements the io.WriterTo WriteTo method.
func (c *TCPConn) WriteTo(w io.Writer) (int64, error) {
	if !c.ok() {
		return 0, syscall.EINVAL
	}
	if c.real != nil {
		return c.real.WriteTo(w)
	}
	n, err := io.Copy(w, readerOnly{c})
	if err != nil && err != io.EOF {
		err = &OpError{Op: "writeto", Net: c.net, Source: c.laddr, Addr: c.raddr, Err: err}
	}
	return n, err
}

// writerOnly and readerOnly hide the conn's ReadFrom and WriteTo from
// io.Copy, which would otherwise call them back.
type writerOnly struct{ io.Writer }
type readerOnly struct{ io.Reader }

// TCPListener is a TCP network listener. Clients should typically use
// variables of type [Listener] instead of assuming TCP.
type TCPListener struct {
	real *stdnet.TCPListener

	sim   *netsim.Listener
	w     *runtime.World
	net   string
	laddr *TCPAddr
}

func (l *TCPListener) ok() bool { return l != nil && (l.real != nil || l.sim != nil) }

func (l *TCPListener) opErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return &OpError{Op: op, Net: l.net, Source: nil, Addr: l.laddr, Err: sysErr(op, err)}
}

// AcceptTCP accepts the next incoming call and returns the new connection.
func (l *TCPListener) AcceptTCP() (*TCPConn, error) {
	if !l.ok() {
		return nil, syscall.EINVAL
	}
	if l.real != nil {
		c, err := l.real.AcceptTCP()
		if err != nil {
			return nil, err
		}
		return wrapTCPConn(c), nil
	}
	g, live := caller(l.w)
	if !live {
		return nil, l.opErr("accept", ErrClosed)
	}
	for {
		c, err := l.sim.Accept()
		if err == nil {
			return newSimTCPConn(l.w, c, l.net), nil
		}
		if err != netsim.ErrWouldBlock {
			return nil, l.opErr("accept", err)
		}
		park(g, l.sim.Queue(), l.sim.Deadline(), "net accept")
	}
}

// Accept implements the Accept method in the [Listener] interface; it
// waits for the next call and returns a generic [Conn].
func (l *TCPListener) Accept() (Conn, error) {
	c, err := l.AcceptTCP()
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Close stops listening on the TCP address. Already Accepted connections
// are not closed.
func (l *TCPListener) Close() error {
	if !l.ok() {
		return syscall.EINVAL
	}
	if l.real != nil {
		return l.real.Close()
	}
	if _, live := caller(l.w); !live {
		return l.opErr("close", ErrClosed)
	}
	return l.opErr("close", l.sim.Close())
}

// Addr returns the listener's network address, a [*TCPAddr]. The Addr
// returned is shared by all invocations of Addr, so do not modify it.
func (l *TCPListener) Addr() Addr {
	if l.real != nil {
		return l.real.Addr()
	}
	return l.laddr
}

// SetDeadline sets the deadline associated with the listener. A zero time
// value disables the deadline.
func (l *TCPListener) SetDeadline(t time.Time) error {
	if !l.ok() {
		return syscall.EINVAL
	}
	if l.real != nil {
		return l.real.SetDeadline(t)
	}
	if _, live := caller(l.w); !live || l.sim.Closed() {
		return l.opErr("set", ErrClosed)
	}
	l.sim.SetDeadline(simDeadline(l.w, t))
	return nil
}

// File returns a copy of the underlying [os.File]. Under simulation there
// is none: it returns an error.
func (l *TCPListener) File() (f *os.File, err error) {
	if !l.ok() {
		return nil, syscall.EINVAL
	}
	if l.real != nil {
		return l.real.File()
	}
	return nil, l.opErr("file", notSimulated("TCPListener.File"))
}

// SyscallConn returns a raw network connection. Under simulation it is a
// RawConn whose Control succeeds without calling its function (socket
// options have no effect on a simulated socket) and whose Read and Write
// report that raw I/O is not simulated.
func (l *TCPListener) SyscallConn() (syscall.RawConn, error) {
	if !l.ok() {
		return nil, syscall.EINVAL
	}
	if l.real != nil {
		return l.real.SyscallConn()
	}
	return rawConn{"TCPListener"}, nil
}
