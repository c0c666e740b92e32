package stdsync

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"net/rpc"
	"testing"
	"time"
)

// io.Pipe blocks in a select on its own channels inside io: under
// simulation without the std overlay the run was stuck.
func TestIOPipe(t *testing.T) {
	r, w := io.Pipe()
	go func() {
		for _, s := range []string{"one ", "two ", "three"} {
			time.Sleep(time.Millisecond)
			if _, err := io.WriteString(w, s); err != nil {
				t.Error(err)
			}
		}
		w.Close()
	}()
	got, err := io.ReadAll(r)
	if err != nil || string(got) != "one two three" {
		t.Fatalf("ReadAll = %q, %v", got, err)
	}
}

type Arith struct{}

type Args struct{ A, B int }

func (Arith) Mul(args Args, reply *int) error {
	*reply = args.A * args.B
	return nil
}

// net/rpc starts its own goroutines (the client's reader, one per server
// call) and waits on channels inside net/rpc.
func TestNetRPC(t *testing.T) {
	srv := rpc.NewServer()
	if err := srv.Register(Arith{}); err != nil {
		t.Fatal(err)
	}
	c1, c2 := net.Pipe()
	go srv.ServeConn(c1)
	client := rpc.NewClient(c2)
	defer client.Close()
	calls := make([]*rpc.Call, 5)
	for i := range calls {
		var reply int
		calls[i] = client.Go("Arith.Mul", Args{i, 7}, &reply, nil)
	}
	for i, call := range calls {
		<-call.Done
		if call.Error != nil || *call.Reply.(*int) != i*7 {
			t.Fatalf("call %d: %v %v", i, call.Error, *call.Reply.(*int))
		}
	}
}

// database/sql starts a connection opener goroutine and hands connections
// over channels; the driver here is a tiny in-memory one.
func TestDatabaseSQL(t *testing.T) {
	db := sql.OpenDB(connector{})
	defer db.Close()
	db.SetMaxOpenConns(2)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	done := make(chan string, 4)
	for i := 0; i < 4; i++ {
		go func() {
			var s string
			if err := db.QueryRowContext(ctx, "hello").Scan(&s); err != nil {
				done <- err.Error()
				return
			}
			done <- s
		}()
	}
	for i := 0; i < 4; i++ {
		if s := <-done; s != "hello, world" {
			t.Fatal(s)
		}
	}
	if st := db.Stats(); st.OpenConnections > 2 {
		t.Fatalf("%d connections open, limit 2", st.OpenConnections)
	}
}

type connector struct{}

func (connector) Connect(context.Context) (driver.Conn, error) { return conn{}, nil }
func (connector) Driver() driver.Driver                       { return nil }

type conn struct{}

func (conn) Prepare(q string) (driver.Stmt, error) { return stmt(q), nil }
func (conn) Close() error                          { return nil }
func (conn) Begin() (driver.Tx, error)             { return nil, errors.New("no transactions") }

type stmt string

func (stmt) Close() error  { return nil }
func (stmt) NumInput() int { return 0 }
func (stmt) Exec([]driver.Value) (driver.Result, error) {
	return nil, errors.New("read only")
}
func (s stmt) Query([]driver.Value) (driver.Rows, error) {
	time.Sleep(time.Millisecond) // a query takes time: the second caller waits for a connection
	return &rows{v: []string{string(s) + ", world"}}, nil
}

type rows struct{ v []string }

func (*rows) Columns() []string { return []string{"s"} }
func (*rows) Close() error      { return nil }
func (r *rows) Next(dest []driver.Value) error {
	if len(r.v) == 0 {
		return io.EOF
	}
	dest[0], r.v = r.v[0], r.v[1:]
	return nil
}

