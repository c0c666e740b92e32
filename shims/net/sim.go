// This file defines what the shim's simulated types share: finding the
// caller's world and node stack, parking a goroutine on a socket's wait
// queue until its state changes or a deadline passes, converting between
// std addresses and the model's, and building the errors std returns.

package net

import (
	"context"
	"errors"
	"math"
	stdnet "net"
	"net/netip"
	"os"
	"syscall"
	"time"

	"github.com/marionette-dst/marionette/runtime"
	"github.com/marionette-dst/marionette/runtime/netsim"
)

// env is the simulation a call is made in.
type env struct {
	w  *runtime.World
	g  *runtime.G // nil for a scheduler event callback
	st *netsim.Stack
}

// simEnv returns the caller's simulation, or nil outside any: the shim then
// behaves as std. A call from an event callback runs on the world's
// default node and cannot block.
func simEnv() *env {
	if g := runtime.Current(); g != nil {
		w := g.World()
		return &env{w: w, g: g, st: netsim.Of(w).Stack(g.Node())}
	}
	if d := runtime.Lookup(); d != nil {
		w := d.World()
		return &env{w: w, st: netsim.Of(w).Stack(w.DefaultNode())}
	}
	return nil
}

// caller checks that a simulated socket of world w is used from w and
// returns the calling goroutine (nil from an event callback). ok is false
// when the call comes from outside any simulation: w's run has ended and
// the socket is dead.
func caller(w *runtime.World) (g *runtime.G, ok bool) {
	if g := runtime.Current(); g != nil {
		if g.World() != w {
			panic("marionette: a simulated network connection was used from another simulation run; state shared between runs makes them nondeterministic")
		}
		g.Preempt() // a system call: a point where other goroutines may run
		return g, true
	}
	if d := runtime.Lookup(); d != nil {
		if d.World() != w {
			panic("marionette: a simulated network connection was used from another simulation run")
		}
		return nil, true
	}
	return nil, false
}

// park blocks g on q until the queue is woken or the deadline (a simulated
// instant, 0 for none) passes. The caller re-checks its condition.
func park(g *runtime.G, q *netsim.WaitQueue, deadline time.Duration, reason string) {
	if g == nil {
		panic("marionette: net: " + reason + " would block in a scheduler event callback; callbacks cannot block (spawn a goroutine)")
	}
	w := g.World()
	wt := q.Add(g)
	var ev *runtime.Event
	if deadline != 0 {
		ev = w.Schedule(deadline-w.Now(), "net.deadline", wt.Wake)
	}
	defer func() {
		// Also runs when the world ends while g is parked (g is unwound):
		// the queue must not keep a goroutine that no longer exists.
		q.Remove(wt)
		if ev != nil {
			ev.Cancel()
		}
	}()
	wt.Arm()
	g.Park(reason, "")
}

// clockNow is the time the caller reads: its node's clock (with a monotonic
// reading of the world's ideal clock), or the world's for a callback.
func clockNow(w *runtime.World) time.Time {
	if g := runtime.Current(); g != nil && g.World() == w {
		return g.Now()
	}
	return w.Clock()
}

// simDeadline converts a deadline to an instant of the world (0: none; a
// past deadline gives an instant <= now). As in std, the deadline is taken
// relative to the caller's clock, through the monotonic readings when t
// has one, so a node's clock offset does not move its deadlines.
func simDeadline(w *runtime.World, t time.Time) time.Duration {
	if t.IsZero() {
		return 0
	}
	d := t.Sub(clockNow(w))
	now := w.Now()
	if d > 0 && now > math.MaxInt64-d {
		return math.MaxInt64
	}
	at := now + d
	if at == 0 {
		at = -1
	}
	return at
}

// ---- errors ----

// errTimeout and errCanceled are std's unexported "i/o timeout" and
// "operation was canceled" errors (what a dial returns when its context
// expires or is cancelled), obtained from std once so they are the same
// values: errors.Is(err, context.DeadlineExceeded) and the message match.
var errTimeout, errCanceled = stdContextErrors()

func stdContextErrors() (timeout, canceled error) {
	dialErr := func(ctx context.Context) error {
		var d stdnet.Dialer
		// The context is done before anything is dialled: std returns at
		// once, without touching the network.
		_, err := d.DialContext(ctx, "tcp", "127.0.0.1:9")
		var oe *stdnet.OpError
		if errors.As(err, &oe) {
			return oe.Err
		}
		return err
	}
	ctx, cancel := context.WithDeadline(context.Background(), time.Unix(0, 0))
	timeout = dialErr(ctx)
	cancel()
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	canceled = dialErr(ctx)
	return
}

// mapCtxErr maps a context's error to the error std's dial reports.
func mapCtxErr(err error) error {
	switch err {
	case context.Canceled:
		return errCanceled
	case context.DeadlineExceeded:
		return errTimeout
	}
	return err
}

// errMissingAddress is std's unexported "missing address" error's text
// (std compares it by identity only internally).
var errMissingAddress = errors.New("missing address")

// notSimulated is the error of an operation the simulated network does not
// offer (unix sockets, raw IP, File, SyscallConn...). It unwraps to
// EOPNOTSUPP.
type notSimulated string

func (e notSimulated) Error() string { return "marionette: " + string(e) + " is not simulated" }
func (e notSimulated) Unwrap() error { return syscall.EOPNOTSUPP }

// rawConn is the syscall.RawConn of a simulated socket. There is no file
// descriptor: Control succeeds without calling f, so code that sets socket
// options (gRPC's keepalive sets TCP_USER_TIMEOUT) works and the options
// have no effect; Read and Write, which would do raw I/O on the
// descriptor, fail.
type rawConn struct{ of string }

func (rawConn) Control(f func(fd uintptr)) error { return nil }

func (r rawConn) Read(f func(fd uintptr) (done bool)) error {
	return notSimulated(r.of + ".SyscallConn().Read")
}

func (r rawConn) Write(f func(fd uintptr) (done bool)) error {
	return notSimulated(r.of + ".SyscallConn().Write")
}

// sysErr wraps a model errno as os.SyscallError with the system call std
// would name; other errors pass unchanged.
func sysErr(syscallName string, err error) error {
	if errno, ok := err.(syscall.Errno); ok {
		return os.NewSyscallError(syscallName, errno)
	}
	return err
}

// ---- addresses ----

func ipOf(a netip.Addr) IP {
	if !a.IsValid() {
		return nil
	}
	return IP(a.AsSlice())
}

func tcpAddrOf(ap netip.AddrPort) *TCPAddr {
	return &TCPAddr{IP: ipOf(ap.Addr()), Port: int(ap.Port()), Zone: ap.Addr().Zone()}
}

func udpAddrOf(ap netip.AddrPort) *UDPAddr {
	return &UDPAddr{IP: ipOf(ap.Addr()), Port: int(ap.Port()), Zone: ap.Addr().Zone()}
}

// addrOfIP converts a std IP (nil is the unspecified address of no family).
func addrOfIP(ip IP) (netip.Addr, bool) {
	if len(ip) == 0 {
		return netip.Addr{}, true
	}
	a, ok := netip.AddrFromSlice(ip)
	if !ok {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// bindFor turns a local address given to a listen call into a binding.
// Wildcards of "tcp"/"udp" bind dual-stack "::", as Go does on Linux.
func bindFor(network string, ip IP, port int) (netsim.Bind, error) {
	a, ok := addrOfIP(ip)
	if !ok {
		return netsim.Bind{}, &AddrError{Err: "invalid IP address", Addr: ip.String()}
	}
	if port < 0 || port > 65535 {
		return netsim.Bind{}, &AddrError{Err: "invalid port", Addr: itoa(port)}
	}
	fam := family(network)
	if !a.IsValid() || a.IsUnspecified() {
		switch fam {
		case '4':
			return netsim.Bind{Addr: netip.IPv4Unspecified(), Port: uint16(port)}, nil
		case '6':
			return netsim.Bind{Addr: netip.IPv6Unspecified(), Port: uint16(port), V6Only: true}, nil
		}
		return netsim.Bind{Addr: netip.IPv6Unspecified(), Port: uint16(port)}, nil
	}
	if fam == '4' && !a.Is4() || fam == '6' && a.Is4() {
		return netsim.Bind{}, &AddrError{Err: "no suitable address found", Addr: a.String()}
	}
	return netsim.Bind{Addr: a, Port: uint16(port)}, nil
}

// family returns '4', '6' or 0 for a network name such as "tcp4".
func family(network string) byte {
	if n := len(network); n > 0 {
		switch network[n-1] {
		case '4':
			return '4'
		case '6':
			return '6'
		}
	}
	return 0
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	neg := i < 0
	if neg {
		i = -i
	}
	var buf [20]byte
	n := len(buf)
	for i > 0 {
		n--
		buf[n] = byte('0' + i%10)
		i /= 10
	}
	if neg {
		n--
		buf[n] = '-'
	}
	return string(buf[n:])
}

// opAddr returns a as an Addr, nil for a nil pointer (so an OpError's
// address is a nil interface, as std's is).
func tcpOpAddr(a *TCPAddr) Addr {
	if a == nil {
		return nil
	}
	return a
}

func udpOpAddr(a *UDPAddr) Addr {
	if a == nil {
		return nil
	}
	return a
}

// simLock serialises writers of one connection, as std's per-descriptor
// write lock does, so concurrent Writes do not interleave their bytes.
type simLock struct {
	busy bool
	q    netsim.WaitQueue
}

func (l *simLock) lock(g *runtime.G) {
	for l.busy {
		park(g, &l.q, 0, "net write lock")
	}
	l.busy = true
}

func (l *simLock) unlock() {
	l.busy = false
	if l.q.Len() > 0 {
		l.q.WakeAll()
	}
}
