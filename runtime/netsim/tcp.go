// This file defines TCP-like stream connections: handshake, connection
// identity, ordered reliable delivery with retransmission, flow control by
// the receiver's window, delayed acknowledgements, orderly close and reset.
// docs/network.md describes the protocol and which Linux behaviours it
// reproduces.

package netsim

import (
	"io"
	"net"
	"net/netip"
	"os"
	"slices"
	"syscall"
	"time"

	"github.com/marionette-dst/marionette/runtime"
)

type tcpState uint8

const (
	stSynSent tcpState = iota
	stSynRcvd
	stEstablished
	stClosed
)

// loopbackMSS is the segment size on a node's path to itself (Linux's
// loopback MTU of 65536 minus headers).
const loopbackMSS = 65483

// synAckRetries is how often a listener retransmits a SYN-ACK (Linux's
// tcp_synack_retries).
const synAckRetries = 5

// orphanTimeout is how long a connection the program closed waits for the
// peer's FIN after its own was acknowledged (Linux's tcp_fin_timeout).
const orphanTimeout = 60 * time.Second

// unreachableDelay is how long a dial to an address no node has takes to
// fail with EHOSTUNREACH (ARP giving up).
const unreachableDelay = 3 * time.Second

// Conn is one endpoint of a stream connection.
type Conn struct {
	s      *Stack
	n      *Network
	w      *runtime.World
	path   *Path // towards the peer
	local  netip.AddrPort
	remote netip.AddrPort
	serial int64
	state  tcpState
	l      *Listener // while the handshake is in progress on the server side

	ownsPort     bool
	isn, peerISN uint32
	mss          int

	// sending
	sbuf     byteq // bytes from sndUna on: sent but unacknowledged, then unsent
	sbufMax  int
	sndUna   int64 // first unacknowledged byte
	sndNxt   int64 // next byte to send
	sndMax   int64 // highest sequence sent (FIN included)
	sndEdge  int64 // right edge of the peer's window
	wndAck   int64 // ack of the segment that set sndEdge
	wrShut   bool  // FIN queued after the buffered data
	finSent  bool
	finAcked bool
	finSeq   int64

	// retransmission
	srtt, rttvar time.Duration
	backoff      int
	retries      int
	rtoAt        time.Duration // 0: timer not needed
	rtoEv        *runtime.Event
	timedSeq     int64 // end of the segment being timed, -1 for none
	timedAt      time.Duration

	// receiving
	rbuf       byteq
	rbufMax    int
	rcvNxt     int64
	ooo        []*Packet
	peerFin    bool
	rdShut     bool
	ackPending bool
	ackBytes   int
	ackEv      *runtime.Event
	lastWnd    int64

	// program side
	appClosed  bool
	dead       bool          // reset, timed out or finished
	soErr      syscall.Errno // pending error, reported once
	linger0    bool
	rdDeadline time.Duration // 0: none
	wrDeadline time.Duration
	readers    WaitQueue
	writers    WaitQueue
	dialDone   chan struct{}
	dialErr    error
	orphanEv   *runtime.Event

	rtoName, ackName string
}

func (s *Stack) newConn(local, remote netip.AddrPort) *Conn {
	n := s.n
	n.connSerial++
	c := &Conn{
		s: s, n: n, w: n.w, local: local, remote: remote, serial: n.connSerial,
		isn:      uint32(s.rnd.Uint64()) | 1,
		sbufMax:  n.o.TCPSndBuf,
		rbufMax:  n.o.TCPRcvBuf,
		mss:      n.o.TCPMSS,
		timedSeq: -1,
	}
	c.rtoName = "net.tcp.rto " + local.String() + "->" + remote.String()
	c.ackName = "net.tcp.ack " + local.String() + "->" + remote.String()
	return c
}

// ---- program side ----

// DialTCP starts connecting from laddr (zero or unspecified parts are
// chosen) to raddr. The connection resolves when DialDone is closed; then
// DialErr tells whether it succeeded.
func (s *Stack) DialTCP(laddr, raddr netip.AddrPort) (*Conn, error) {
	ra := loopbackFor(raddr.Addr())
	raddr = netip.AddrPortFrom(ra, raddr.Port())
	if ra.Is6() && !ra.IsLoopback() {
		return nil, syscall.ENETUNREACH
	}
	la := laddr.Addr()
	if !la.IsValid() || la.IsUnspecified() {
		la = s.sourceFor(ra)
	} else if !s.IsLocal(la) {
		return nil, syscall.EADDRNOTAVAIL
	}
	port, owns := laddr.Port(), false
	if port == 0 {
		var err error
		if port, err = s.ephemeral(TCP); err != nil {
			return nil, err
		}
		owns = true
	}
	local := netip.AddrPortFrom(la.Unmap(), port)
	if s.conns[connKey{local, raddr}] != nil {
		return nil, syscall.EADDRINUSE
	}
	c := s.newConn(local, raddr)
	c.state = stSynSent
	c.ownsPort = owns
	if owns {
		s.usePort(TCP, port)
	}
	c.dialDone = make(chan struct{})
	s.addConn(c)
	if s.n.ended {
		c.failDial(syscall.ENETUNREACH)
		return c, nil
	}
	dst := s.n.route(s, ra)
	if dst == nil {
		s.n.trace("net.drop", 0, "noroute "+local.String()+"->"+raddr.String())
		s.n.w.ScheduleOn(s.node, unreachableDelay, "net.tcp.unreachable", func() { c.failDial(syscall.EHOSTUNREACH) })
		return c, nil
	}
	c.path = s.n.path(s, dst)
	if c.path.self {
		c.mss = loopbackMSS
	}
	c.emit(SYN, 0, nil)
	c.armRTO(c.n.now() + c.n.o.RTOInitial)
	return c, nil
}

// DialDone is closed when a dial succeeded or failed.
func (c *Conn) DialDone() <-chan struct{} { return c.dialDone }

// DialErr is the dial's error, once DialDone is closed.
func (c *Conn) DialErr() error { return c.dialErr }

// Abort gives up on a dial (its context was cancelled): a connection still
// in its handshake disappears without a trace on the wire; one that
// completed at the same instant is closed, since nobody will use it.
func (c *Conn) Abort() {
	switch {
	case c.state == stSynSent:
		c.dialErr = syscall.ECONNABORTED
		c.appClosed = true
		c.finish()
	case !c.appClosed:
		c.Close()
	}
}

func (c *Conn) failDial(err syscall.Errno) {
	if c.state != stSynSent {
		return
	}
	c.dialErr = err
	c.n.trace("net.tcp.dialfail", int64(err), c.local.String()+"->"+c.remote.String())
	c.finish()
	runtime.CloseIn(c.w, c.dialDone)
}

// LocalAddr and RemoteAddr return the connection's addresses.
func (c *Conn) LocalAddr() netip.AddrPort  { return c.local }
func (c *Conn) RemoteAddr() netip.AddrPort { return c.remote }

// Stack returns the stack the connection belongs to.
func (c *Conn) Stack() *Stack { return c.s }

// ReadQueue and WriteQueue are where blocked readers and writers wait.
func (c *Conn) ReadQueue() *WaitQueue  { return &c.readers }
func (c *Conn) WriteQueue() *WaitQueue { return &c.writers }

// ReadDeadline and WriteDeadline return the deadlines as simulated
// instants (0: none).
func (c *Conn) ReadDeadline() time.Duration  { return c.rdDeadline }
func (c *Conn) WriteDeadline() time.Duration { return c.wrDeadline }

// SetReadDeadline and SetWriteDeadline set the deadlines and wake blocked
// callers so they take the new deadline into account.
func (c *Conn) SetReadDeadline(t time.Duration) {
	c.rdDeadline = t
	c.readers.wakeAll()
}

func (c *Conn) SetWriteDeadline(t time.Duration) {
	c.wrDeadline = t
	c.writers.wakeAll()
}

func (c *Conn) expired(d time.Duration) bool { return d != 0 && c.n.now() >= d }

// Read copies received bytes into b. It returns ErrWouldBlock when there is
// nothing to read yet.
func (c *Conn) Read(b []byte) (int, error) {
	if c.appClosed {
		return 0, net.ErrClosed
	}
	if len(b) == 0 {
		return 0, nil
	}
	if c.expired(c.rdDeadline) {
		return 0, os.ErrDeadlineExceeded
	}
	if c.rbuf.len() > 0 {
		n := copy(b, c.rbuf.bytes())
		c.rbuf.pop(n)
		c.windowUpdate()
		return n, nil
	}
	if c.soErr != 0 {
		e := c.soErr
		c.soErr = 0
		return 0, e
	}
	if c.peerFin || c.rdShut || c.dead {
		return 0, io.EOF
	}
	return 0, ErrWouldBlock
}

// Closed reports whether the program closed the connection.
func (c *Conn) Closed() bool { return c.appClosed }

// Buffered returns the number of received bytes not read yet.
func (c *Conn) Buffered() int { return c.rbuf.len() }

// Write copies as much of b as the send buffer takes and sends what the
// peer's window allows. It returns ErrWouldBlock with the count copied when
// the buffer is full.
func (c *Conn) Write(b []byte) (int, error) {
	if c.appClosed {
		return 0, net.ErrClosed
	}
	if c.expired(c.wrDeadline) {
		return 0, os.ErrDeadlineExceeded
	}
	if c.soErr != 0 {
		e := c.soErr
		c.soErr = 0
		return 0, e
	}
	if c.wrShut || c.dead {
		return 0, syscall.EPIPE
	}
	room := c.sbufMax - c.sbuf.len()
	if room <= 0 {
		if len(b) == 0 {
			return 0, nil
		}
		return 0, ErrWouldBlock
	}
	n := min(room, len(b))
	c.sbuf.push(b[:n])
	c.output()
	if n < len(b) {
		return n, ErrWouldBlock
	}
	return n, nil
}

// CloseWrite sends a FIN after the buffered data (shutdown(SHUT_WR)).
func (c *Conn) CloseWrite() error {
	if c.appClosed {
		return net.ErrClosed
	}
	if c.dead || c.finAcked && c.peerFin {
		return syscall.ENOTCONN // both FINs done: the socket is closed (TIME_WAIT)
	}
	if !c.wrShut {
		c.wrShut = true
		c.output()
		c.writers.wakeAll()
	}
	return nil
}

// CloseRead makes further reads return EOF and discards what arrives
// (shutdown(SHUT_RD)).
func (c *Conn) CloseRead() error {
	if c.appClosed {
		return net.ErrClosed
	}
	if c.dead || c.finAcked && c.peerFin {
		return syscall.ENOTCONN // both FINs done: the socket is closed (TIME_WAIT)
	}
	c.rdShut = true
	c.rbuf.reset()
	c.readers.wakeAll()
	return nil
}

// SetLinger with 0 makes Close reset the connection; other values keep the
// default (close in the background).
func (c *Conn) SetLinger(sec int) { c.linger0 = sec == 0 }

// SetReadBuffer and SetWriteBuffer size the receive and send buffers.
func (c *Conn) SetReadBuffer(bytes int) {
	if bytes > 0 {
		c.rbufMax = bytes
		c.windowUpdate()
	}
}

func (c *Conn) SetWriteBuffer(bytes int) {
	if bytes > 0 {
		c.sbufMax = bytes
		c.writers.wakeAll()
	}
}

// Close closes the program's side: buffered data and a FIN still go out in
// the background; with unread received data (or SetLinger(0)) the
// connection is reset instead, as Linux does.
func (c *Conn) Close() error {
	if c.appClosed {
		return net.ErrClosed
	}
	c.appClosed = true
	c.readers.wakeAll()
	c.writers.wakeAll()
	switch {
	case c.dead:
		c.finish()
	case c.state == stSynSent:
		c.Abort()
	case c.rbuf.len() > 0 || c.linger0:
		c.n.trace("net.tcp.reset", 0, "close "+c.local.String()+"->"+c.remote.String())
		c.emit(RST|ACK, c.sndNxt, nil)
		c.finish()
	default:
		c.wrShut = true
		c.output()
		c.maybeFinish()
	}
	return nil
}

// ---- protocol ----

// window is the receive window to advertise.
func (c *Conn) window() int64 {
	if c.rdShut || c.appClosed {
		return int64(c.rbufMax)
	}
	return int64(max(0, c.rbufMax-c.rbuf.len()))
}

func (c *Conn) emit(flags Flags, seq int64, data []byte) {
	wnd := c.window()
	p := &Packet{
		Proto: TCP, Src: c.local, Dst: c.remote, Flags: flags,
		Seq: seq, Ack: c.rcvNxt, Wnd: wnd, SrcISN: c.isn, DstISN: c.peerISN, Data: data,
	}
	if flags&SYN == 0 {
		c.ackPending = false
		c.ackBytes = 0
		c.lastWnd = wnd
	}
	c.path.enter(p)
}

func (c *Conn) sendAck() { c.emit(ACK, c.sndNxt, nil) }

// ack acknowledges received data now or after the delayed-ack time.
func (c *Conn) ack(now bool) {
	if now {
		c.sendAck()
		return
	}
	c.ackPending = true
	if c.ackEv.Pending() {
		return
	}
	c.ackEv = c.w.ScheduleOn(c.s.node, c.n.o.DelayedAck, c.ackName, c.onAckTimer)
}

func (c *Conn) onAckTimer() {
	if c.ackPending && !c.dead && c.state == stEstablished {
		c.sendAck()
	}
}

// windowUpdate tells the peer when reading reopened a window it may see as
// closed.
func (c *Conn) windowUpdate() {
	if c.state != stEstablished || c.dead {
		return
	}
	thresh := int64(min(c.mss, c.rbufMax/2))
	if c.lastWnd < thresh && c.window() >= thresh {
		c.sendAck()
	}
}

func (c *Conn) curRTO() time.Duration {
	o := &c.n.o
	base := o.RTOInitial
	if c.srtt > 0 {
		base = max(o.RTOMin, c.srtt+4*c.rttvar)
	}
	d := base
	for i := 0; i < c.backoff && d < o.RTOMax; i++ {
		d *= 2
	}
	return min(d, o.RTOMax)
}

func (c *Conn) armRTO(at time.Duration) {
	c.rtoAt = at
	if c.rtoEv.Pending() {
		if c.rtoEv.When() <= at {
			return // it fires first and re-arms
		}
		c.rtoEv.Cancel()
	}
	c.rtoEv = c.w.ScheduleOn(c.s.node, at-c.n.now(), c.rtoName, c.onRTO)
}

func (c *Conn) outstanding() bool { return c.sndNxt > c.sndUna || (c.finSent && !c.finAcked) }

func (c *Conn) unsent() bool {
	return c.sndUna+int64(c.sbuf.len()) > c.sndNxt || (c.wrShut && !c.finSent)
}

// armIfNeeded starts the retransmission (or window probe) timer when
// something waits for an acknowledgement and no timer runs.
func (c *Conn) armIfNeeded() {
	if c.rtoAt == 0 && (c.outstanding() || c.unsent()) {
		c.armRTO(c.n.now() + c.curRTO())
	}
}

// output sends what the peer's window allows, then a FIN if one is due. It
// reports whether it sent anything.
func (c *Conn) output() bool {
	if c.state != stEstablished || c.dead {
		return false
	}
	sent := false
	for {
		end := c.sndUna + int64(c.sbuf.len())
		unsent := end - c.sndNxt
		room := c.sndEdge - c.sndNxt
		if unsent <= 0 || room <= 0 {
			break
		}
		sz := min(unsent, room, int64(c.mss))
		off := c.sndNxt - c.sndUna
		data := make([]byte, sz)
		copy(data, c.sbuf.bytes()[off:off+sz])
		if c.timedSeq < 0 && c.sndNxt >= c.sndMax {
			c.timedSeq, c.timedAt = c.sndNxt+sz, c.n.now()
		}
		c.emit(ACK, c.sndNxt, data)
		c.sndNxt += sz
		c.sndMax = max(c.sndMax, c.sndNxt)
		sent = true
	}
	if c.wrShut && !c.finSent && c.sndNxt == c.sndUna+int64(c.sbuf.len()) {
		c.finSeq = c.sndNxt
		c.finSent = true
		c.emit(ACK|FIN, c.sndNxt, nil)
		c.sndMax = max(c.sndMax, c.finSeq+1)
		sent = true
	}
	c.armIfNeeded()
	return sent
}

func (c *Conn) onRTO() {
	if c.rtoAt == 0 || c.dead {
		return
	}
	now := c.n.now()
	if now < c.rtoAt {
		c.rtoEv = c.w.ScheduleOn(c.s.node, c.rtoAt-now, c.rtoName, c.onRTO)
		return
	}
	c.rtoAt = 0
	o := &c.n.o
	switch c.state {
	case stSynSent:
		c.retries++
		if c.retries > o.SynRetries {
			c.failDial(syscall.ETIMEDOUT)
			return
		}
		c.emit(SYN, 0, nil)
		c.armRTO(now + o.RTOInitial<<c.retries)
	case stSynRcvd:
		c.retries++
		if c.retries > synAckRetries {
			c.n.trace("net.tcp.timeout", 0, "synack "+c.local.String()+"->"+c.remote.String())
			c.l.dropEmbryo(c)
			c.finish()
			return
		}
		c.emit(SYN|ACK, 0, nil)
		c.armRTO(now + o.RTOInitial<<c.retries)
	case stEstablished:
		out, uns := c.outstanding(), c.unsent()
		if !out && !uns {
			return
		}
		c.retries++
		if c.retries > o.RetransmitBudget {
			c.timeout()
			return
		}
		c.backoff++
		if out {
			c.sndNxt = c.sndUna
			if c.finSent && !c.finAcked {
				c.finSent = false
			}
			c.timedSeq = -1
			c.n.trace("net.tcp.retransmit", int64(c.retries), c.local.String()+"->"+c.remote.String())
		}
		if !c.output() {
			c.emit(ACK|PRB, c.sndNxt, nil) // the window is closed: probe it
		}
		c.armIfNeeded()
	}
}

// timeout ends a connection whose retransmissions went unanswered.
func (c *Conn) timeout() {
	c.n.trace("net.tcp.timeout", int64(c.retries), c.local.String()+"->"+c.remote.String())
	c.soErr = syscall.ETIMEDOUT
	c.finish()
}

// reset ends the connection on an RST from the peer.
func (c *Conn) reset() {
	c.n.trace("net.tcp.reset", 1, "peer "+c.local.String()+"->"+c.remote.String())
	if !c.appClosed {
		if c.peerFin {
			c.soErr = syscall.EPIPE
		} else {
			c.soErr = syscall.ECONNRESET
		}
	}
	c.finish()
}

// finish takes the connection off the stack; blocked callers wake and see
// why.
func (c *Conn) finish() {
	if c.state == stClosed && c.dead {
		return
	}
	c.state = stClosed
	c.dead = true
	c.rtoAt = 0
	if c.rtoEv.Pending() {
		c.rtoEv.Cancel()
	}
	if c.ackEv.Pending() {
		c.ackEv.Cancel()
	}
	if c.orphanEv.Pending() {
		c.orphanEv.Cancel()
	}
	c.ackPending = false
	c.sbuf.reset()
	c.ooo = nil
	c.s.removeConn(c)
	c.readers.wakeAll()
	c.writers.wakeAll()
}

// maybeFinish removes a connection the program closed once both FINs are
// acknowledged, or after orphanTimeout waiting for the peer's.
func (c *Conn) maybeFinish() {
	if !c.appClosed || c.dead {
		return
	}
	if c.finAcked && c.peerFin {
		c.finish()
		return
	}
	if c.finAcked && c.orphanEv == nil {
		c.orphanEv = c.w.ScheduleOn(c.s.node, orphanTimeout, c.rtoName, func() {
			if !c.dead {
				c.n.trace("net.tcp.timeout", 0, "orphan "+c.local.String()+"->"+c.remote.String())
				c.finish()
			}
		})
	}
}

// input handles a segment for this connection.
func (c *Conn) input(p *Packet) {
	switch c.state {
	case stClosed:
		return
	case stSynSent:
		if p.DstISN != c.isn {
			return // not an answer to our SYN
		}
		if p.Flags&RST != 0 {
			c.failDial(syscall.ECONNREFUSED)
			return
		}
		if p.Flags&(SYN|ACK) != SYN|ACK {
			return
		}
		c.peerISN = p.SrcISN
		c.state = stEstablished
		c.sndEdge, c.wndAck = p.Wnd, 0
		c.retries, c.backoff, c.rtoAt = 0, 0, 0
		c.sendAck()
		runtime.CloseIn(c.w, c.dialDone)
		c.output()
		return
	}
	if p.SrcISN != c.peerISN {
		return // a segment of another incarnation of this address pair
	}
	if p.Flags&SYN != 0 {
		// A retransmitted SYN: our SYN-ACK or ACK was lost.
		if c.state == stSynRcvd && p.Flags&ACK == 0 {
			c.emit(SYN|ACK, 0, nil)
		} else if c.state == stEstablished && p.Flags&ACK != 0 {
			c.sendAck() // a retransmitted SYN-ACK
		}
		return
	}
	if p.DstISN != c.isn {
		return
	}
	if p.Flags&RST != 0 {
		if c.state == stSynRcvd {
			c.l.dropEmbryo(c)
			c.finish()
			return
		}
		c.reset()
		return
	}
	if p.Flags&ACK == 0 {
		return
	}
	if c.state == stSynRcvd {
		c.state = stEstablished
		c.retries, c.backoff, c.rtoAt = 0, 0, 0
		c.l.establish(c)
		if c.dead {
			return
		}
	}
	c.processAck(p)
	if c.dead {
		return
	}
	if len(p.Data) > 0 || p.Flags&FIN != 0 {
		c.processData(p)
		if c.dead {
			return
		}
	} else if p.Flags&PRB != 0 {
		c.sendAck()
	}
	c.output()
	c.maybeFinish()
}

func (c *Conn) processAck(p *Packet) {
	ack := p.Ack
	if ack > c.sndUna && ack <= c.sndMax {
		acked := ack - c.sndUna
		data := min(acked, int64(c.sbuf.len()))
		c.sbuf.pop(int(data))
		c.sndUna = ack
		if c.sndNxt < c.sndUna {
			c.sndNxt = c.sndUna
		}
		if c.finSent && ack == c.finSeq+1 {
			c.finAcked = true
		}
		if c.timedSeq >= 0 && ack >= c.timedSeq {
			c.rttSample(c.n.now() - c.timedAt)
			c.timedSeq = -1
		}
		c.retries, c.backoff, c.rtoAt = 0, 0, 0
		c.writers.wakeAll()
	} else if !c.outstanding() {
		c.retries = 0 // the peer answered a window probe
	}
	if ack >= c.wndAck {
		c.wndAck = ack
		c.sndEdge = ack + p.Wnd
	}
}

func (c *Conn) rttSample(r time.Duration) {
	if c.srtt == 0 {
		c.srtt, c.rttvar = r, r/2
		return
	}
	d := c.srtt - r
	if d < 0 {
		d = -d
	}
	c.rttvar = (3*c.rttvar + d) / 4
	c.srtt = (7*c.srtt + r) / 8
}

func (c *Conn) processData(p *Packet) {
	if c.appClosed && p.Seq+int64(len(p.Data)) > c.rcvNxt && len(p.Data) > 0 {
		// Data for a socket the program closed: reset, as Linux does.
		c.n.trace("net.tcp.reset", 2, "closed "+c.local.String()+"->"+c.remote.String())
		c.emit(RST|ACK, c.sndNxt, nil)
		c.finish()
		return
	}
	end := p.Seq + int64(len(p.Data))
	if p.Flags&FIN != 0 {
		end++
	}
	switch {
	case end <= c.rcvNxt || c.peerFin:
		c.ack(true) // a duplicate
		return
	case p.Seq > c.rcvNxt:
		c.storeOOO(p)
		c.ack(true)
		return
	}
	took, fin := c.take(p)
	immediate := fin
	for len(c.ooo) > 0 && c.ooo[0].Seq <= c.rcvNxt && !c.peerFin {
		q := c.ooo[0]
		c.ooo = c.ooo[1:]
		t, f := c.take(q)
		took += t
		immediate = true
		if f {
			fin = true
		}
	}
	if took > 0 || fin {
		c.readers.wakeAll()
	}
	c.ackBytes += took
	c.ack(immediate || c.ackBytes >= 2*c.mss)
}

// take accepts the in-order part of a segment that starts at or before
// rcvNxt. It returns the bytes accepted and whether its FIN was.
func (c *Conn) take(p *Packet) (int, bool) {
	off := c.rcvNxt - p.Seq
	var data []byte
	if off < int64(len(p.Data)) {
		data = p.Data[off:]
	}
	if !c.rdShut {
		if free := c.rbufMax - c.rbuf.len(); len(data) > free {
			data = data[:max(free, 0)]
		}
		c.rbuf.push(data)
	}
	c.rcvNxt += int64(len(data))
	if p.Flags&FIN != 0 && c.rcvNxt == p.Seq+int64(len(p.Data)) {
		c.rcvNxt++
		c.peerFin = true
		return len(data), true
	}
	return len(data), false
}

func (c *Conn) storeOOO(p *Packet) {
	if p.Seq-c.rcvNxt > int64(c.rbufMax) {
		return // beyond the window
	}
	i, found := slices.BinarySearchFunc(c.ooo, p.Seq, func(q *Packet, seq int64) int {
		switch {
		case q.Seq < seq:
			return -1
		case q.Seq > seq:
			return 1
		}
		return 0
	})
	if found {
		if len(p.Data) > len(c.ooo[i].Data) {
			c.ooo[i] = p
		}
		return
	}
	c.ooo = slices.Insert(c.ooo, i, p)
}

// ---- listeners ----

// Listener is a listening stream socket.
type Listener struct {
	s       *Stack
	bind    Bind
	backlog int
	embryos []*Conn // handshake in progress
	queue   []*Conn // established, not accepted yet
	closed  bool

	deadline time.Duration
	waiters  WaitQueue
}

// ListenTCP binds a listening socket. backlog <= 0 means the options'.
func (s *Stack) ListenTCP(b Bind, backlog int) (*Listener, error) {
	if err := s.checkBind(b); err != nil {
		return nil, err
	}
	if b.Port == 0 {
		port, err := s.ephemeral(TCP)
		if err != nil {
			return nil, err
		}
		b.Port = port
	}
	for _, l := range s.listeners {
		if l.bind.overlaps(b) {
			return nil, syscall.EADDRINUSE
		}
	}
	if backlog <= 0 {
		backlog = s.n.o.Backlog
	}
	l := &Listener{s: s, bind: b, backlog: backlog}
	s.listeners = append(s.listeners, l)
	s.usePort(TCP, b.Port)
	s.n.trace("net.listen", int64(b.Port), s.node.Name()+" "+b.AddrPort().String())
	return l, nil
}

// Addr returns the listener's binding.
func (l *Listener) Addr() Bind { return l.bind }

// Closed reports whether the listener was closed.
func (l *Listener) Closed() bool { return l.closed }

// Queue is where blocked Accept calls wait.
func (l *Listener) Queue() *WaitQueue { return &l.waiters }

// Deadline returns the accept deadline (0: none).
func (l *Listener) Deadline() time.Duration { return l.deadline }

// SetDeadline sets the accept deadline.
func (l *Listener) SetDeadline(t time.Duration) {
	l.deadline = t
	l.waiters.wakeAll()
}

// Accept returns the next established connection, or ErrWouldBlock.
func (l *Listener) Accept() (*Conn, error) {
	if l.closed {
		return nil, net.ErrClosed
	}
	if l.deadline != 0 && l.s.n.now() >= l.deadline {
		return nil, os.ErrDeadlineExceeded
	}
	if len(l.queue) == 0 {
		return nil, ErrWouldBlock
	}
	c := l.queue[0]
	l.queue[0] = nil
	l.queue = l.queue[1:]
	return c, nil
}

// Close stops listening; connections not accepted yet are reset.
func (l *Listener) Close() error {
	if l.closed {
		return net.ErrClosed
	}
	l.closed = true
	s := l.s
	s.listeners = slices.DeleteFunc(s.listeners, func(x *Listener) bool { return x == l })
	s.releasePort(TCP, l.bind.Port)
	for _, c := range append(l.embryos, l.queue...) {
		if !c.dead {
			c.emit(RST|ACK, c.sndNxt, nil)
			c.finish()
		}
	}
	l.embryos, l.queue = nil, nil
	l.waiters.wakeAll()
	return nil
}

func (l *Listener) onSyn(p *Packet) {
	s := l.s
	if len(l.embryos)+len(l.queue) >= l.backlog {
		s.n.trace("net.drop", int64(p.ID), "backlog "+p.Dst.String())
		return
	}
	dst := s.n.route(s, p.Src.Addr())
	if dst == nil {
		return
	}
	c := s.newConn(p.Dst, p.Src)
	c.state = stSynRcvd
	c.l = l
	c.peerISN = p.SrcISN
	c.sndEdge = p.Wnd
	c.path = s.n.path(s, dst)
	if c.path.self {
		c.mss = loopbackMSS
	}
	l.embryos = append(l.embryos, c)
	s.addConn(c)
	c.emit(SYN|ACK, 0, nil)
	c.armRTO(s.n.now() + s.n.o.RTOInitial)
}

func (l *Listener) dropEmbryo(c *Conn) {
	l.embryos = slices.DeleteFunc(l.embryos, func(x *Conn) bool { return x == c })
}

func (l *Listener) establish(c *Conn) {
	l.dropEmbryo(c)
	c.l = nil
	if l.closed {
		c.emit(RST|ACK, c.sndNxt, nil)
		c.finish()
		return
	}
	l.queue = append(l.queue, c)
	l.s.n.trace("net.tcp.established", int64(c.local.Port()), c.remote.String()+"->"+c.local.String())
	l.waiters.wakeAll()
}
