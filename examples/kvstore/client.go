package kvstore

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"time"
)

// ErrUnknown is returned when a write's outcome is unknown: every attempt
// timed out or the store was unavailable. The write may or may not have
// taken effect (it may still, later).
var ErrUnknown = errors.New("kvstore: outcome unknown")

// Client talks to the primary. Writes carry the client's id and a sequence
// number (an idempotency key), so retries take effect once.
type Client struct {
	ID      int
	Primary string
	Timeout time.Duration // per attempt (default 500ms)
	Retries int           // attempts after the first (default 5)

	seq  int
	conn net.Conn
	enc  *json.Encoder
	dec  *json.Decoder
}

// Get reads a key ("" when missing).
func (c *Client) Get(key string) (string, error) {
	resp, err := c.do(Request{Type: "get", Key: key})
	return resp.Value, err
}

// Put writes a key.
func (c *Client) Put(key, value string) error {
	c.seq++
	_, err := c.do(Request{Type: "put", Client: c.ID, Seq: c.seq, Key: key, Value: value})
	return err
}

// Cas sets key to value if it holds old, and reports whether it did.
func (c *Client) Cas(key, old, value string) (bool, error) {
	c.seq++
	resp, err := c.do(Request{Type: "cas", Client: c.ID, Seq: c.seq, Key: key, Old: old, Value: value})
	return resp.Swapped, err
}

// Close closes the client's connection.
func (c *Client) Close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

func (c *Client) do(req Request) (Response, error) {
	timeout, retries := c.Timeout, c.Retries
	if timeout == 0 {
		timeout = 500 * time.Millisecond
	}
	if retries == 0 {
		retries = 5
	}
	var last error
	for attempt := 0; attempt <= retries; attempt++ {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt) * 100 * time.Millisecond)
		}
		resp, err := c.attempt(req, timeout)
		if err == nil && resp.Err == "" {
			return resp, nil
		}
		if err == nil {
			err = errors.New(resp.Err)
		}
		last = err
	}
	return Response{}, fmt.Errorf("%w: %s %s after %d attempts: %v", ErrUnknown, req.Type, req.Key, retries+1, last)
}

func (c *Client) attempt(req Request, timeout time.Duration) (Response, error) {
	if c.conn == nil {
		conn, err := net.DialTimeout("tcp", c.Primary, timeout)
		if err != nil {
			return Response{}, err
		}
		c.conn, c.enc, c.dec = conn, json.NewEncoder(conn), json.NewDecoder(bufio.NewReader(conn))
	}
	c.conn.SetDeadline(time.Now().Add(timeout))
	var resp Response
	err := c.enc.Encode(req)
	if err == nil {
		err = c.dec.Decode(&resp)
	}
	if err != nil {
		c.Close()
		return Response{}, err
	}
	return resp, nil
}
