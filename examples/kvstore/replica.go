package kvstore

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"sync"
	"time"
)

// Config configures a replica.
type Config struct {
	ID     int      // index in Peers; replica 0 is the primary
	Peers  []string // host:port of every replica
	Listen string   // address to listen on (default: Peers[ID])
	Dir    string   // data directory
	// ReplicationTimeout bounds how long the primary waits for a backup's
	// acknowledgement before answering "unavailable" (default 1s).
	ReplicationTimeout time.Duration
	Logf               func(format string, args ...any)
	// Bug plants the acknowledge-before-fsync bug (see the package doc).
	Bug bool
}

// Replica is one server of the store.
type Replica struct {
	cfg   Config
	mu    sync.Mutex // serialises the state machine and the log
	log   *wal
	st    *state
	peers []*peer // backups (primary only)
	ln    net.Listener
}

// Run opens the replica's log, recovers, and serves until ctx is done or
// the listener fails.
func Run(ctx context.Context, cfg Config) error {
	r, err := Open(cfg)
	if err != nil {
		return err
	}
	return r.Serve(ctx)
}

// Open opens the replica's log and recovers its state; the primary also
// catches up from the backups.
func Open(cfg Config) (*Replica, error) {
	if cfg.ReplicationTimeout == 0 {
		cfg.ReplicationTimeout = time.Second
	}
	if cfg.Listen == "" {
		cfg.Listen = cfg.Peers[cfg.ID]
	}
	if cfg.Logf == nil {
		cfg.Logf = log.Printf
	}
	l, err := openWAL(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("replica %d: %w", cfg.ID, err)
	}
	r := &Replica{cfg: cfg, log: l, st: newState()}
	for _, e := range l.entries {
		r.st.apply(e)
	}
	if cfg.ID == 0 {
		for i, addr := range cfg.Peers {
			if i != 0 {
				r.peers = append(r.peers, &peer{addr: addr})
			}
		}
	}
	return r, nil
}

// Serve listens and serves requests. The primary first recovers the writes
// a majority acknowledged from the backups' logs.
func (r *Replica) Serve(ctx context.Context) error {
	ln, err := net.Listen("tcp", r.cfg.Listen)
	if err != nil {
		return fmt.Errorf("replica %d: %w", r.cfg.ID, err)
	}
	r.ln = ln
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	if r.cfg.ID == 0 {
		r.catchUp(ctx)
	}
	r.cfg.Logf("replica %d: serving %d entries on %s", r.cfg.ID, r.log.len(), ln.Addr())
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		go r.serveConn(c)
	}
}

// catchUp asks every backup for the entries after the primary's own log
// and adopts the longest answer. It needs one backup's answer: with the
// primary, that is a majority, so every acknowledged write is found.
func (r *Replica) catchUp(ctx context.Context) {
	for ctx.Err() == nil {
		var best []Entry
		answered := 0
		for _, p := range r.peers {
			resp, err := p.call(Request{Type: "fetch", From: r.log.len() + 1}, r.cfg.ReplicationTimeout)
			if err != nil {
				continue
			}
			answered++
			if len(resp.Entries) > len(best) {
				best = resp.Entries
			}
		}
		if answered > 0 {
			r.mu.Lock()
			for _, e := range best {
				if e.Index == r.log.len()+1 {
					r.log.append(e)
					r.st.apply(e)
				}
			}
			r.log.sync()
			r.mu.Unlock()
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (r *Replica) serveConn(c net.Conn) {
	defer c.Close()
	dec := json.NewDecoder(bufio.NewReader(c))
	enc := json.NewEncoder(c)
	for {
		var req Request
		if err := dec.Decode(&req); err != nil {
			return
		}
		if err := enc.Encode(r.handle(req)); err != nil {
			return
		}
	}
}

func (r *Replica) handle(req Request) Response {
	switch req.Type {
	case "get":
		if r.cfg.ID != 0 {
			return Response{Err: "not primary"}
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		return Response{OK: true, Value: r.st.data[req.Key]}
	case "put", "cas":
		if r.cfg.ID != 0 {
			return Response{Err: "not primary"}
		}
		return r.write(req)
	case "replicate":
		return r.replicate(req)
	case "fetch":
		r.mu.Lock()
		defer r.mu.Unlock()
		var out []Entry
		for _, e := range r.log.entries {
			if e.Index >= req.From {
				out = append(out, e)
			}
		}
		return Response{OK: true, Len: r.log.len(), Entries: out}
	}
	return Response{Err: "bad request type " + req.Type}
}

// write is the primary's write path.
func (r *Replica) write(req Request) Response {
	r.mu.Lock()
	defer r.mu.Unlock()
	if a, ok := r.st.last[req.Client]; ok && a.Seq >= req.Seq {
		return a.Result // a retry of a write that took effect
	}
	e := Entry{Index: r.log.len() + 1, Client: req.Client, Seq: req.Seq, Op: req.Type, Key: req.Key, Value: req.Value, Old: req.Old}
	if err := r.log.append(e); err != nil {
		return Response{Err: "log: " + err.Error()}
	}
	if r.cfg.Bug {
		// The planted bug: acknowledge before anything is durable, and
		// let fsync and replication happen later.
		res := r.st.apply(e)
		go func() {
			time.Sleep(50 * time.Millisecond)
			r.mu.Lock()
			r.log.sync()
			snapshot := r.log.entries[:e.Index]
			r.mu.Unlock()
			r.replicateAll(e, snapshot)
		}()
		return res
	}
	if err := r.log.sync(); err != nil {
		return Response{Err: "log: " + err.Error()}
	}
	res := r.st.apply(e)
	if !r.replicateAll(e, r.log.entries[:e.Index]) {
		// Durable here but not yet on a majority: the outcome is unknown to
		// the client (the write will survive if this log does).
		return Response{Err: "unavailable"}
	}
	return res
}

// replicateAll sends e to every backup and reports whether one of them (a
// majority, with the primary) acknowledged it in time. log is the primary's
// log up to e, to fill a backup's gap from.
func (r *Replica) replicateAll(e Entry, log []Entry) bool {
	acks := make(chan bool, len(r.peers))
	for _, p := range r.peers {
		go func() { acks <- p.replicate(e, log, r.cfg.ReplicationTimeout) }()
	}
	timeout := time.NewTimer(r.cfg.ReplicationTimeout)
	defer timeout.Stop()
	for range r.peers {
		select {
		case ok := <-acks:
			if ok {
				return true
			}
		case <-timeout.C:
			return false
		}
	}
	return false
}

// replicate is the backup's side: append the entry durably, following the
// primary's log where it differs.
func (r *Replica) replicate(req Request) Response {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range append(req.Batch, *req.Entry) {
		switch {
		case e.Index <= r.log.len():
			if r.log.entries[e.Index-1] == e {
				continue
			}
			if err := r.log.truncate(e.Index - 1); err != nil {
				return Response{Err: err.Error()}
			}
			r.rebuild()
			fallthrough
		case e.Index == r.log.len()+1:
			if err := r.log.append(e); err != nil {
				return Response{Err: err.Error()}
			}
			r.st.apply(e)
		default:
			// A gap: tell the primary how far this log goes.
			return Response{Len: r.log.len()}
		}
	}
	if err := r.log.sync(); err != nil {
		return Response{Err: err.Error()}
	}
	return Response{OK: true, Len: r.log.len()}
}

func (r *Replica) rebuild() {
	r.st = newState()
	for _, e := range r.log.entries {
		r.st.apply(e)
	}
}

// peer is the primary's connection to a backup.
type peer struct {
	addr string
	mu   sync.Mutex
	conn net.Conn
	enc  *json.Encoder
	dec  *json.Decoder
}

var errNoAck = errors.New("no acknowledgement")

func (p *peer) call(req Request, timeout time.Duration) (Response, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conn == nil {
		c, err := net.DialTimeout("tcp", p.addr, timeout)
		if err != nil {
			return Response{}, err
		}
		p.conn, p.enc, p.dec = c, json.NewEncoder(c), json.NewDecoder(bufio.NewReader(c))
	}
	p.conn.SetDeadline(time.Now().Add(timeout))
	var resp Response
	err := p.enc.Encode(req)
	if err == nil {
		err = p.dec.Decode(&resp)
	}
	if err != nil {
		p.conn.Close()
		p.conn = nil
		return Response{}, err
	}
	return resp, nil
}

// replicate sends e to the backup, first filling any gap in its log from
// log (the primary's entries up to e).
func (p *peer) replicate(e Entry, log []Entry, timeout time.Duration) bool {
	resp, err := p.call(Request{Type: "replicate", Entry: &e}, timeout)
	if err != nil {
		return false
	}
	if !resp.OK && resp.Err == "" && resp.Len < e.Index-1 {
		missing := log[resp.Len : e.Index-1]
		resp, err = p.call(Request{Type: "replicate", Batch: missing, Entry: &e}, timeout)
		if err != nil {
			return false
		}
	}
	return resp.OK
}
