// This file finds std's private lookup key, so the shim's contexts can
// answer std's Cause and propagation code exactly.
//
// std's Cause(c) and its propagation code look up c.Value(&cancelCtxKey), an
// unexported key, to find the nearest std cancellation node and read its
// cause. The shim's nodes answer that key (see cancelCtx.stdNode), which
// makes std.Cause right for them and for anything wrapping them. The key is
// learnt once, by letting std's Cause look it up on a probe context, and
// checked against a real std node; if a future std looks it up differently
// the check fails, stdCancelKey stays nil and the shim's Cause falls back to
// finding its own nodes (std contexts derived from a shim context then see
// Err() as their parent's cause instead of a custom cause).

package context

import stdcontext "context"

var stdCancelKey = probeCancelKey()

type keyProbe struct {
	stdcontext.Context
	key any
}

// Err reports a cancellation: std's Cause only looks a cause up for a
// canceled context.
func (p *keyProbe) Err() error { return stdcontext.Canceled }

func (p *keyProbe) Value(key any) any {
	if p.key == nil {
		p.key = key
	}
	return nil
}

func probeCancelKey() any {
	p := &keyProbe{Context: stdcontext.Background()}
	_ = stdcontext.Cause(p)
	if p.key == nil {
		return nil
	}
	s, cancel := stdcontext.WithCancel(stdcontext.Background())
	defer cancel()
	if v := s.Value(p.key); v == nil || v != any(s) {
		return nil
	}
	return p.key
}
