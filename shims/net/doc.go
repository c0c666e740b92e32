// Package net is the simulation shim of the standard library's net
// package. The rewriter swaps the import path "net" for this package; the
// user's code is otherwise unchanged.
//
// The interfaces (Conn, Listener, PacketConn, Addr, Error) and the data
// types (IP, IPNet, TCPAddr, UDPAddr, OpError, DNSError...) are std's, by
// alias, so simulated connections work with bufio, io.Copy, encoding/*,
// TLS wrappers and anything else that takes a net.Conn, and errors.Is /
// errors.As against std values work. TCPConn, TCPListener, UDPConn, Dialer,
// ListenConfig and Resolver are the shim's own types with std's exported
// fields and methods; every function that returns one of them is
// hand-written. The rest is forwarded (zz_forward.go).
//
// # Outside a simulation
//
// Called from a goroutine no world owns (package initialisation, TestMain,
// a program run natively), every function is std's, and the connections
// and listeners it returns wrap std's.
//
// # Under simulation
//
// Sockets belong to the calling goroutine's node and live in the world's
// simulated network (runtime/netsim, specified in docs/network.md): nodes
// have addresses 10.0.0.x and loopback, host names are node names, and
// packets travel directed paths whose delays, loss, duplication, clogs and
// partitions come from the run's seed or from a test's hand. TCP is a
// small TCP (handshake, retransmission, windows, FIN and RST); UDP is
// datagrams that can be lost, duplicated and reordered. Blocking calls park
// the goroutine in the world's scheduler; deadlines are events of the
// world's clock, relative to the caller's clock as in std. Errors are
// those Linux gives: an *OpError wrapping an *os.SyscallError with the same
// errno (ECONNREFUSED, ECONNRESET, EPIPE, EADDRINUSE, ETIMEDOUT...),
// os.ErrDeadlineExceeded for deadlines, std's own "i/o timeout" and
// "operation was canceled" errors for dials, io.EOF after an orderly close.
//
// Not simulated (an error says so): unix and IP sockets, multicast, File,
// and raw I/O through SyscallConn (its Control succeeds and has no effect,
// so socket options can be set). net/http's server and transport start goroutines
// the simulator does not own and cannot run over simulated connections;
// see docs/network.md.
package net
