// This file defines packets, the unit everything crossing the simulated
// network is made of, and the byte queues the protocols buffer data in.

package netsim

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Proto is a packet's protocol (the IP protocol number).
type Proto uint8

// Protocols.
const (
	ICMP Proto = 1
	TCP  Proto = 6
	UDP  Proto = 17
)

func (p Proto) String() string {
	switch p {
	case ICMP:
		return "icmp"
	case TCP:
		return "tcp"
	case UDP:
		return "udp"
	}
	return fmt.Sprintf("proto%d", uint8(p))
}

// Flags are TCP segment flags.
type Flags uint8

// TCP flags. PRB marks a window probe: the receiver acknowledges it at once.
const (
	SYN Flags = 1 << iota
	ACK
	FIN
	RST
	PRB
)

func (f Flags) String() string {
	var parts []string
	for i, name := range []string{"SYN", "ACK", "FIN", "RST", "PRB"} {
		if f&(1<<i) != 0 {
			parts = append(parts, name)
		}
	}
	return strings.Join(parts, "|")
}

// Packet is one unit on the simulated network. TCP segments use every
// field; UDP datagrams only the addresses and Data. An ICMP port-unreachable
// carries the addresses of the datagram it answers, reversed (Src is the
// unreachable destination, Dst the sender).
//
// Packets are plain data and marshal to JSON, so a recorded sequence can be
// saved in testdata and replayed into another run.
type Packet struct {
	ID    uint64         `json:"id"`
	Proto Proto          `json:"proto"`
	Src   netip.AddrPort `json:"src"`
	Dst   netip.AddrPort `json:"dst"`

	Flags  Flags  `json:"flags,omitempty"`
	Seq    int64  `json:"seq,omitempty"`
	Ack    int64  `json:"ack,omitempty"`
	Wnd    int64  `json:"wnd,omitempty"`
	SrcISN uint32 `json:"src_isn,omitempty"` // connection identity of the sending endpoint
	DstISN uint32 `json:"dst_isn,omitempty"` // connection identity of the receiving endpoint

	Data []byte `json:"data,omitempty"`

	// Sent is the instant the packet entered its path, Arrive the instant
	// it reaches (or reached) the end of it.
	Sent   time.Duration `json:"sent"`
	Arrive time.Duration `json:"arrive"`
}

func (p *Packet) String() string {
	s := fmt.Sprintf("#%d %s %s->%s", p.ID, p.Proto, p.Src, p.Dst)
	if p.Proto == TCP {
		s += fmt.Sprintf(" [%s] seq=%d ack=%d wnd=%d", p.Flags, p.Seq, p.Ack, p.Wnd)
	}
	if len(p.Data) > 0 {
		s += fmt.Sprintf(" len=%d", len(p.Data))
	}
	return s
}

// clone returns a copy of p sharing its payload (payloads are never
// modified once sent).
func (p *Packet) clone() *Packet {
	c := *p
	return &c
}

// byteq is a FIFO of bytes that reuses its storage.
type byteq struct {
	b   []byte
	off int
}

func (q *byteq) len() int      { return len(q.b) - q.off }
func (q *byteq) bytes() []byte { return q.b[q.off:] }

func (q *byteq) push(p []byte) {
	if q.off > 0 && q.off >= len(q.b)/2 {
		n := copy(q.b, q.b[q.off:])
		q.b = q.b[:n]
		q.off = 0
	}
	q.b = append(q.b, p...)
}

func (q *byteq) pop(n int) {
	q.off += n
	if q.off >= len(q.b) {
		q.b = q.b[:0]
		q.off = 0
	}
}

func (q *byteq) reset() {
	q.b = nil
	q.off = 0
}
