package stdsync

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// counter is a handler that takes a mutex, as real handlers do.
type counter struct {
	mu sync.Mutex
	n  int
}

func (c *counter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.n++
	n := c.n
	c.mu.Unlock()
	time.Sleep(time.Millisecond)
	fmt.Fprintf(w, "hello %s #%d", r.URL.Query().Get("who"), n)
}

// An http.Server on a listener from net.Listen, the default client, many
// concurrent requests, and Shutdown.
func TestHTTPServerDefaultClient(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &counter{}
	srv := &http.Server{Handler: c}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	url := "http://" + ln.Addr().String() + "/?who="
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Get(url + fmt.Sprint(i))
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil || !strings.HasPrefix(string(body), fmt.Sprintf("hello %d #", i)) {
				errs <- fmt.Errorf("body %q, %v", body, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if c.n != 8 {
		t.Errorf("%d requests served, want 8", c.n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-served; err != http.ErrServerClosed {
		t.Fatalf("Serve returned %v", err)
	}
	http.DefaultClient.CloseIdleConnections()
}

// httptest.NewServer, its client, and HTTP/2 over TLS.
func TestHTTPTestAndHTTP2(t *testing.T) {
	ts := httptest.NewServer(&counter{})
	defer ts.Close()
	resp, err := ts.Client().Get(ts.URL + "/?who=plain")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "hello plain #1" || resp.ProtoMajor != 1 {
		t.Fatalf("HTTP/1: %q %s", body, resp.Proto)
	}

	h2 := httptest.NewUnstartedServer(&counter{})
	h2.EnableHTTP2 = true
	h2.StartTLS()
	defer h2.Close()
	client := h2.Client()
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := client.Get(fmt.Sprintf("%s/?who=h2-%d", h2.URL, i))
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.ProtoMajor != 2 || !strings.HasPrefix(string(body), fmt.Sprintf("hello h2-%d #", i)) {
				t.Errorf("HTTP/2: %s %q", resp.Proto, body)
			}
		}()
	}
	wg.Wait()
}
