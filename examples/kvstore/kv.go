// Package kvstore is Marionette's flagship example: a small replicated
// key-value store written as ordinary Go (net, os, time, goroutines, sync).
//
// Three replicas; the first is the primary. Every write is an entry of a
// replicated log: the primary appends it to its write-ahead log and fsyncs,
// sends it to the backups (each appends and fsyncs before acknowledging),
// and acknowledges the client once a majority (itself and one backup) holds
// it durably. Reads are served by the primary. A restarted primary recovers
// from its own log and then from the longest log among the backups, so an
// acknowledged write survives the loss of any single disk. Clients retry
// with idempotency keys (client id, sequence number), which the log carries,
// so a retried write takes effect once.
//
// Config.Bug plants a realistic bug: the primary acknowledges a write as
// soon as it is in its log buffer, before fsync and before any backup has
// it, and replicates in the background. A crash can then lose an
// acknowledged write, which a linearizability check catches.
package kvstore

import (
	"encoding/json"
	"fmt"
)

// Request is what a client or a replica sends.
type Request struct {
	Type   string  `json:"type"` // get, put, cas; replicate, fetch (between replicas)
	Client int     `json:"client,omitempty"`
	Seq    int     `json:"seq,omitempty"`
	Key    string  `json:"key,omitempty"`
	Value  string  `json:"value,omitempty"`
	Old    string  `json:"old,omitempty"`
	Entry  *Entry  `json:"entry,omitempty"`
	From   int     `json:"from,omitempty"` // fetch: first index wanted
	Batch  []Entry `json:"batch,omitempty"`
}

// Response answers a Request.
type Response struct {
	OK      bool    `json:"ok"`
	Value   string  `json:"value,omitempty"`
	Swapped bool    `json:"swapped,omitempty"`
	Err     string  `json:"err,omitempty"`
	Len     int     `json:"len,omitempty"` // replicate/fetch: the replica's log length
	Entries []Entry `json:"entries,omitempty"`
}

// Entry is one write in the replicated log.
type Entry struct {
	Index  int    `json:"index"` // from 1
	Client int    `json:"client"`
	Seq    int    `json:"seq"`
	Op     string `json:"op"` // put or cas
	Key    string `json:"key"`
	Value  string `json:"value"`
	Old    string `json:"old,omitempty"`
}

// state is the key-value state machine with the dedup table.
type state struct {
	data map[string]string
	last map[int]applied // per client: the last applied sequence number and its result
}

type applied struct {
	Seq    int
	Result Response
}

func newState() *state {
	return &state{data: map[string]string{}, last: map[int]applied{}}
}

// apply applies an entry once (a duplicate client sequence number returns
// the first result) and returns its result.
func (s *state) apply(e Entry) Response {
	if a, ok := s.last[e.Client]; ok && e.Client != 0 && a.Seq >= e.Seq {
		return a.Result
	}
	var r Response
	switch e.Op {
	case "put":
		s.data[e.Key] = e.Value
		r = Response{OK: true}
	case "cas":
		if s.data[e.Key] == e.Old {
			s.data[e.Key] = e.Value
			r = Response{OK: true, Swapped: true}
		} else {
			r = Response{OK: true, Swapped: false}
		}
	default:
		panic(fmt.Sprintf("kvstore: bad entry op %q", e.Op))
	}
	if e.Client != 0 {
		s.last[e.Client] = applied{e.Seq, r}
	}
	return r
}

func (e Entry) String() string {
	b, _ := json.Marshal(e)
	return string(b)
}
