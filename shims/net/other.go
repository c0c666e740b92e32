// This file defines the parts of the API the simulated network does not
// offer beyond its model: IP and unix sockets, sockets made from files
// (under simulation they return an error naming what is not simulated),
// and the host's interfaces (under simulation, the node's).

package net

import (
	stdnet "net"
	"os"
)

// DialIP acts like [Dial] for IP networks. IP sockets are not simulated.
func DialIP(network string, laddr, raddr *IPAddr) (*IPConn, error) {
	if simEnv() == nil {
		return stdnet.DialIP(network, laddr, raddr)
	}
	return nil, &OpError{Op: "dial", Net: network, Err: notSimulated("IP sockets")}
}

// ListenIP acts like [ListenPacket] for IP networks. IP sockets are not
// simulated.
func ListenIP(network string, laddr *IPAddr) (*IPConn, error) {
	if simEnv() == nil {
		return stdnet.ListenIP(network, laddr)
	}
	return nil, &OpError{Op: "listen", Net: network, Err: notSimulated("IP sockets")}
}

// DialUnix acts like [Dial] for Unix networks. Unix sockets are not
// simulated.
func DialUnix(network string, laddr, raddr *UnixAddr) (*UnixConn, error) {
	if simEnv() == nil {
		return stdnet.DialUnix(network, laddr, raddr)
	}
	return nil, &OpError{Op: "dial", Net: network, Err: notSimulated("unix sockets")}
}

// ListenUnix acts like [Listen] for Unix networks. Unix sockets are not
// simulated.
func ListenUnix(network string, laddr *UnixAddr) (*UnixListener, error) {
	if simEnv() == nil {
		return stdnet.ListenUnix(network, laddr)
	}
	return nil, &OpError{Op: "listen", Net: network, Err: notSimulated("unix sockets")}
}

// ListenUnixgram acts like [ListenPacket] for Unix networks. Unix sockets
// are not simulated.
func ListenUnixgram(network string, laddr *UnixAddr) (*UnixConn, error) {
	if simEnv() == nil {
		return stdnet.ListenUnixgram(network, laddr)
	}
	return nil, &OpError{Op: "listen", Net: network, Err: notSimulated("unix sockets")}
}

// FileConn returns a copy of the network connection corresponding to the
// open file f. Not simulated.
func FileConn(f *os.File) (c Conn, err error) {
	if simEnv() == nil {
		return wrapConn(stdnet.FileConn(f))
	}
	return nil, &OpError{Op: "file", Net: "file+net", Err: notSimulated("FileConn")}
}

// FileListener returns a copy of the network listener corresponding to the
// open file f. Not simulated.
func FileListener(f *os.File) (ln Listener, err error) {
	if simEnv() == nil {
		l, err := stdnet.FileListener(f)
		if err != nil {
			return nil, err
		}
		if tl, ok := l.(*stdnet.TCPListener); ok {
			return &TCPListener{real: tl}, nil
		}
		return l, nil
	}
	return nil, &OpError{Op: "file", Net: "file+net", Err: notSimulated("FileListener")}
}

// FilePacketConn returns a copy of the packet network connection
// corresponding to the open file f. Not simulated.
func FilePacketConn(f *os.File) (c PacketConn, err error) {
	if simEnv() == nil {
		pc, err := stdnet.FilePacketConn(f)
		if err != nil {
			return nil, err
		}
		if uc, ok := pc.(*stdnet.UDPConn); ok {
			return wrapUDPConn(uc), nil
		}
		return pc, nil
	}
	return nil, &OpError{Op: "file", Net: "file+net", Err: notSimulated("FilePacketConn")}
}

// simInterfaces returns the node's interfaces: lo and eth0.
func simInterfaces(e *env) []Interface {
	a := e.st.Addr().As4()
	return []Interface{
		{Index: 1, MTU: 65536, Name: "lo", Flags: FlagUp | FlagLoopback | FlagRunning},
		{Index: 2, MTU: 1500, Name: "eth0", HardwareAddr: HardwareAddr{0x02, 0x00, a[0], a[1], a[2], a[3]},
			Flags: FlagUp | FlagBroadcast | FlagMulticast | FlagRunning},
	}
}

// Interfaces returns a list of the system's network interfaces. Under
// simulation they are the node's: lo and eth0. (The Addrs methods of the
// returned values are std's and read the real host.)
func Interfaces() ([]Interface, error) {
	e := simEnv()
	if e == nil {
		return stdnet.Interfaces()
	}
	return simInterfaces(e), nil
}

// InterfaceAddrs returns a list of the system's unicast interface
// addresses. Under simulation they are the node's: 127.0.0.1/8, its
// address/8 and ::1/128.
func InterfaceAddrs() ([]Addr, error) {
	e := simEnv()
	if e == nil {
		return stdnet.InterfaceAddrs()
	}
	return []Addr{
		&IPNet{IP: IPv4(127, 0, 0, 1), Mask: CIDRMask(8, 32)},
		&IPNet{IP: ipOf(e.st.Addr()), Mask: CIDRMask(8, 32)},
		&IPNet{IP: IPv6loopback, Mask: CIDRMask(128, 128)},
	}, nil
}

// InterfaceByIndex returns the interface specified by index.
func InterfaceByIndex(index int) (*Interface, error) {
	e := simEnv()
	if e == nil {
		return stdnet.InterfaceByIndex(index)
	}
	for _, ifi := range simInterfaces(e) {
		if ifi.Index == index {
			return &ifi, nil
		}
	}
	return nil, &OpError{Op: "route", Net: "ip+net", Err: errNoSuchInterface}
}

// InterfaceByName returns the interface specified by name.
func InterfaceByName(name string) (*Interface, error) {
	e := simEnv()
	if e == nil {
		return stdnet.InterfaceByName(name)
	}
	for _, ifi := range simInterfaces(e) {
		if ifi.Name == name {
			return &ifi, nil
		}
	}
	return nil, &OpError{Op: "route", Net: "ip+net", Err: errNoSuchInterface}
}

// errNoSuchInterface has std's message for an unknown interface.
var errNoSuchInterface = errorString("no such network interface")

type errorString string

func (e errorString) Error() string { return string(e) }
