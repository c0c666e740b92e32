//go:build ignore

// Marionette's overlay: a simulated goroutine's dials and listens go to the
// simulated network (see marionette/hooks).

package net

import (
	"context"
	"marionette/hooks"
	"unsafe"
)

func mrtDial(d *Dialer, ctx context.Context, network, address string) (Conn, error, bool) {
	h := hooks.Dial
	if h == nil {
		return nil, nil, false
	}
	c, err, ok := h(unsafe.Pointer(d), ctx, network, address)
	if !ok {
		return nil, nil, false
	}
	conn, _ := c.(Conn)
	return conn, err, true
}

func mrtListen(lc *ListenConfig, ctx context.Context, network, address string) (Listener, error, bool) {
	h := hooks.Listen
	if h == nil {
		return nil, nil, false
	}
	l, err, ok := h(unsafe.Pointer(lc), ctx, network, address)
	if !ok {
		return nil, nil, false
	}
	ln, _ := l.(Listener)
	return ln, err, true
}

func mrtListenPacket(lc *ListenConfig, ctx context.Context, network, address string) (PacketConn, error, bool) {
	h := hooks.ListenPacket
	if h == nil {
		return nil, nil, false
	}
	l, err, ok := h(unsafe.Pointer(lc), ctx, network, address)
	if !ok {
		return nil, nil, false
	}
	pc, _ := l.(PacketConn)
	return pc, err, true
}
