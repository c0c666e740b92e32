// This file defines Pipe. Under simulation it is std's synchronous pipe
// rebuilt on the world's channels and clock: a Write blocks until readers
// have taken all of it, reads and writes are matched one to one, and the
// deadlines are events of the world. Outside a simulation it is std's.

package net

import (
	"io"
	stdnet "net"
	"os"
	"time"

	"github.com/marionette-dst/marionette/runtime"
)

// Pipe creates a synchronous, in-memory, full duplex network connection;
// both ends implement the [Conn] interface. Reads on one end are matched
// with writes on the other, copying data directly between the two; there
// is no internal buffering.
func Pipe() (Conn, Conn) {
	e := simEnv()
	if e == nil {
		return stdnet.Pipe()
	}
	cb1, cb2 := make(chan []byte), make(chan []byte)
	cn1, cn2 := make(chan int), make(chan int)
	done1, done2 := make(chan struct{}), make(chan struct{})
	p1 := &simPipe{
		w: e.w, rdRx: cb1, rdTx: cn1, wrTx: cb2, wrRx: cn2,
		localDone: done1, remoteDone: done2, wrMu: make(chan struct{}, 1),
	}
	p2 := &simPipe{
		w: e.w, rdRx: cb2, rdTx: cn2, wrTx: cb1, wrRx: cn1,
		localDone: done2, remoteDone: done1, wrMu: make(chan struct{}, 1),
	}
	p1.rd.init(e.w)
	p1.wr.init(e.w)
	p2.rd.init(e.w)
	p2.wr.init(e.w)
	return p1, p2
}

// pipeAddr is std's address of a pipe end (Network and String "pipe").
var pipeAddr = func() Addr {
	a, b := stdnet.Pipe()
	addr := a.LocalAddr()
	a.Close()
	b.Close()
	return addr
}()

type simPipe struct {
	w    *runtime.World
	wrMu chan struct{} // serialises writers so a Write's bytes stay together

	rdRx <-chan []byte
	rdTx chan<- int
	wrTx chan<- []byte
	wrRx <-chan int

	closed     bool
	localDone  chan struct{}
	remoteDone <-chan struct{}

	rd, wr pipeDeadline
}

// pipeDeadline is a channel closed when the deadline passes.
type pipeDeadline struct {
	w      *runtime.World
	ev     *runtime.Event
	cancel chan struct{}
}

func (d *pipeDeadline) init(w *runtime.World) {
	d.w = w
	d.cancel = make(chan struct{})
}

func (d *pipeDeadline) set(t time.Time) {
	if d.ev != nil {
		d.ev.Cancel()
		d.ev = nil
	}
	closed := isClosedChan(d.cancel)
	if t.IsZero() {
		if closed {
			d.cancel = make(chan struct{})
		}
		return
	}
	if dur := t.Sub(clockNow(d.w)); dur > 0 {
		if closed {
			d.cancel = make(chan struct{})
		}
		c, w := d.cancel, d.w
		d.ev = w.Schedule(dur, "net.pipe.deadline", func() { runtime.CloseIn(w, c) })
		return
	}
	if !closed {
		runtime.CloseIn(d.w, d.cancel)
	}
}

func isClosedChan[T any](c <-chan T) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

func (*simPipe) LocalAddr() Addr  { return pipeAddr }
func (*simPipe) RemoteAddr() Addr { return pipeAddr }

func (p *simPipe) Read(b []byte) (int, error) {
	n, err := p.read(b)
	if err != nil && err != io.EOF && err != io.ErrClosedPipe {
		err = &OpError{Op: "read", Net: "pipe", Err: err}
	}
	return n, err
}

func (p *simPipe) read(b []byte) (n int, err error) {
	switch {
	case isClosedChan(p.localDone):
		return 0, io.ErrClosedPipe
	case isClosedChan(p.remoteDone):
		return 0, io.EOF
	case isClosedChan(p.rd.cancel):
		return 0, os.ErrDeadlineExceeded
	}
	data := runtime.RecvCase(p.rdRx)
	switch runtime.Select(false, data, runtime.RecvCase(p.localDone), runtime.RecvCase(p.remoteDone), runtime.RecvCase(p.rd.cancel)) {
	case 0:
		nr := copy(b, data.V)
		runtime.Send(p.rdTx, nr)
		return nr, nil
	case 1:
		return 0, io.ErrClosedPipe
	case 2:
		return 0, io.EOF
	}
	return 0, os.ErrDeadlineExceeded
}

func (p *simPipe) Write(b []byte) (int, error) {
	n, err := p.write(b)
	if err != nil && err != io.ErrClosedPipe {
		err = &OpError{Op: "write", Net: "pipe", Err: err}
	}
	return n, err
}

func (p *simPipe) write(b []byte) (n int, err error) {
	switch {
	case isClosedChan(p.localDone):
		return 0, io.ErrClosedPipe
	case isClosedChan(p.remoteDone):
		return 0, io.ErrClosedPipe
	case isClosedChan(p.wr.cancel):
		return 0, os.ErrDeadlineExceeded
	}
	runtime.Send(p.wrMu, struct{}{})
	defer runtime.Recv(p.wrMu)
	for once := true; once || len(b) > 0; once = false {
		switch runtime.Select(false, runtime.SendCase(p.wrTx, b), runtime.RecvCase(p.localDone), runtime.RecvCase(p.remoteDone), runtime.RecvCase(p.wr.cancel)) {
		case 0:
			nw := runtime.Recv(p.wrRx)
			b = b[nw:]
			n += nw
		case 1, 2:
			return n, io.ErrClosedPipe
		case 3:
			return n, os.ErrDeadlineExceeded
		}
	}
	return n, nil
}

func (p *simPipe) SetDeadline(t time.Time) error {
	if isClosedChan(p.localDone) || isClosedChan(p.remoteDone) {
		return io.ErrClosedPipe
	}
	p.rd.set(t)
	p.wr.set(t)
	return nil
}

func (p *simPipe) SetReadDeadline(t time.Time) error {
	if isClosedChan(p.localDone) || isClosedChan(p.remoteDone) {
		return io.ErrClosedPipe
	}
	p.rd.set(t)
	return nil
}

func (p *simPipe) SetWriteDeadline(t time.Time) error {
	if isClosedChan(p.localDone) || isClosedChan(p.remoteDone) {
		return io.ErrClosedPipe
	}
	p.wr.set(t)
	return nil
}

func (p *simPipe) Close() error {
	if !p.closed {
		p.closed = true
		runtime.CloseIn(p.w, p.localDone)
	}
	return nil
}
