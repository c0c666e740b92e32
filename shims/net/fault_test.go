package net_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	stdtime "time"

	"github.com/marionette-dst/marionette/runtime"
	"github.com/marionette-dst/marionette/runtime/netsim"
	"github.com/marionette-dst/marionette/shims/context"
	"github.com/marionette-dst/marionette/shims/net"
	"github.com/marionette-dst/marionette/shims/time"
)

// These tests run under simulation only: each shows one mechanism of the
// network model doing what docs/network.md says.

// cluster runs main in a world with the given extra nodes; main gets the
// network and the nodes. The root goroutine runs on node0 (10.0.0.1).
func cluster(t *testing.T, o runtime.Options, names []string, main func(nw *netsim.Network, nodes []*runtime.Node)) *runtime.World {
	t.Helper()
	w := runtime.NewWorld(o)
	w.RecordAll()
	r := w.Run(func() {
		w := runtime.Current().World()
		var nodes []*runtime.Node
		for _, name := range names {
			nodes = append(nodes, w.NewNode(name))
		}
		main(netsim.Of(w), nodes)
	})
	if r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
	return w
}

// echoServer serves TCP echo on port of node n; it returns once listening.
func echoServer(n *runtime.Node, port int) {
	ready := make(chan bool)
	n.Go("echo server", func() {
		l := must(net.ListenTCP("tcp", &net.TCPAddr{Port: port}))
		runtime.Send(ready, true)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			runtime.Go(func() {
				io.Copy(c, c)
				c.Close()
			})
		}
	})
	runtime.Recv(ready)
}

// udpSink listens on port of node n and forwards every datagram to out.
func udpSink(n *runtime.Node, port int, out chan<- string) {
	ready := make(chan bool)
	n.Go("udp sink", func() {
		c := must(net.ListenUDP("udp", &net.UDPAddr{Port: port}))
		runtime.Send(ready, true)
		buf := make([]byte, 2048)
		for {
			k, _, err := c.ReadFromUDP(buf)
			if err != nil {
				return
			}
			runtime.Send(out, string(buf[:k]))
		}
	})
	runtime.Recv(ready)
}

// recvWithin receives from c until d of simulated time passes.
func recvWithin(c <-chan string, d stdtime.Duration) []string {
	var got []string
	deadline := time.After(d)
	for {
		v, to := runtime.RecvCase(c), runtime.RecvCase(deadline)
		if runtime.Select(false, v, to) == 1 {
			return got
		}
		got = append(got, v.V)
	}
}

func countEvents(w *runtime.World, kind string) int {
	n := 0
	for _, e := range w.Events() {
		if e.Kind == kind {
			n++
		}
	}
	return n
}

func TestPartitionTimesOutAndHeals(t *testing.T) {
	cluster(t, quiet(1), []string{"srv"}, func(nw *netsim.Network, nodes []*runtime.Node) {
		w := runtime.Current().World()
		srv, me := nodes[0], w.DefaultNode()
		echoServer(srv, 7000)
		c := must(net.Dial("tcp", "srv:7000"))
		buf := make([]byte, 16)
		c.Write([]byte("one"))
		n, err := c.Read(buf)
		if string(buf[:n]) != "one" || err != nil {
			t.Errorf("before the partition: %q %v", buf[:n], err)
		}

		nw.Partition([]*runtime.Node{me}, []*runtime.Node{srv})
		c.Write([]byte("two"))
		c.SetReadDeadline(time.Now().Add(5 * stdtime.Second))
		start := time.Now()
		n, err = c.Read(buf)
		var ne net.Error
		if n != 0 || !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("read during the partition: %d %v, want a timeout", n, err)
		}
		if waited := time.Since(start); waited != 5*stdtime.Second {
			t.Errorf("the read waited %v, want exactly its 5s deadline", waited)
		}
		if _, err := net.DialTimeout("tcp", "srv:7000", 2*stdtime.Second); !errors.Is(err, context.DeadlineExceeded) || err.Error() != "dial tcp 10.0.0.2:7000: i/o timeout" {
			t.Errorf("dial during the partition: %v, want std's i/o timeout", err)
		}

		nw.Heal()
		c.SetReadDeadline(time.Now().Add(time.Minute))
		start = time.Now()
		n, err = c.Read(buf)
		if string(buf[:n]) != "two" || err != nil {
			t.Errorf("after healing: %q %v, want the retransmitted data", buf[:n], err)
		}
		if time.Since(start) == 0 {
			t.Errorf("the data came back at once; it should wait for a retransmission")
		}
		c.Close()
	})
}

func TestLongPartitionResetsStream(t *testing.T) {
	o := quiet(2)
	o.Network.RetransmitBudget = 5
	cluster(t, o, []string{"srv"}, func(nw *netsim.Network, nodes []*runtime.Node) {
		srv := nodes[0]
		echoServer(srv, 7000)
		c := must(net.Dial("tcp", "srv:7000"))
		nw.Isolate(srv)
		start := time.Now()
		c.Write([]byte("lost"))
		_, err := c.Read(make([]byte, 8))
		if !errors.Is(err, syscall.ETIMEDOUT) || !strings.HasSuffix(err.Error(), "read: connection timed out") {
			t.Errorf("read across a partition that never heals: %v, want ETIMEDOUT", err)
		}
		// 5 retransmissions with doubling timeouts from 1s (no RTT sample).
		if got := time.Since(start); got < 31*stdtime.Second {
			t.Errorf("gave up after %v, want the retransmission budget (>= 31s)", got)
		}
		_, err = c.Write([]byte("x"))
		if !errors.Is(err, syscall.EPIPE) {
			t.Errorf("write after the timeout: %v, want EPIPE", err)
		}
	})
}

func TestAsymmetricPartition(t *testing.T) {
	w := cluster(t, quiet(3), []string{"a", "b"}, func(nw *netsim.Network, nodes []*runtime.Node) {
		a, b := nodes[0], nodes[1]
		atA, atB := make(chan string, 16), make(chan string, 16)
		udpSink(a, 9000, atA)
		udpSink(b, 9000, atB)
		nw.PartitionOneWay([]*runtime.Node{a}, []*runtime.Node{b})
		sent := make(chan bool)
		send := func(from *runtime.Node, to string) {
			from.Go("sender", func() {
				c := must(net.Dial("udp", to+":9000"))
				for i := 0; i < 3; i++ {
					fmt.Fprintf(c, "from %s #%d", from.Name(), i)
				}
				c.Close()
				runtime.Send(sent, true)
			})
			runtime.Recv(sent)
		}
		send(a, "b")
		send(b, "a")
		if got := recvWithin(atB, stdtime.Second); len(got) != 0 {
			t.Errorf("b received %q through a blocked a->b path", got)
		}
		if got := recvWithin(atA, stdtime.Second); len(got) != 3 {
			t.Errorf("a received %q, want the 3 datagrams of the open b->a path", got)
		}
		if !nw.Path(a, b).Blocked() || nw.Path(b, a).Blocked() {
			t.Errorf("blocked: a->b %v b->a %v", nw.Path(a, b).Blocked(), nw.Path(b, a).Blocked())
		}
		// A stream needs both directions: the handshake cannot finish
		// either way.
		b.Go("dialer", func() {
			_, err := net.DialTimeout("tcp", "a:9001", 3*stdtime.Second)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("dial b->a across a one-way partition: %v, want a timeout", err)
			}
			runtime.Send(sent, true)
		})
		runtime.Recv(sent)
		nw.HealOneWay([]*runtime.Node{a}, []*runtime.Node{b})
		send(a, "b")
		if got := recvWithin(atB, stdtime.Second); len(got) != 3 {
			t.Errorf("after healing, b received %q", got)
		}
	})
	if countEvents(w, "net.block") != 1 || countEvents(w, "net.unblock") != 1 {
		t.Errorf("trace has %d net.block and %d net.unblock events, want 1 and 1", countEvents(w, "net.block"), countEvents(w, "net.unblock"))
	}
}

func TestClogDelaysThenReleases(t *testing.T) {
	cluster(t, quiet(4), []string{"a", "b"}, func(nw *netsim.Network, nodes []*runtime.Node) {
		a, b := nodes[0], nodes[1]
		echoServer(b, 7000)
		var c net.Conn
		done := make(chan bool)
		a.Go("client", func() {
			c = must(net.Dial("tcp", "b:7000"))
			runtime.Send(done, true)
		})
		runtime.Recv(done)
		p := nw.Path(a, b)
		p.Clog()
		got := make(chan string)
		var at time.Time
		a.Go("client", func() {
			c.Write([]byte("held"))
			buf := make([]byte, 8)
			n, _ := c.Read(buf)
			at = time.Now()
			runtime.Send(got, string(buf[:n]))
		})
		time.Sleep(10 * stdtime.Second)
		if len(p.Held()) == 0 {
			t.Errorf("nothing is held by the clogged path")
		}
		if v, ok, _ := runtime.TryRecvIn(runtime.Current().World(), got); ok {
			t.Errorf("echo %q arrived through a clogged path", v)
		}
		unclogged := time.Now()
		p.Unclog()
		if v := runtime.Recv(got); v != "held" {
			t.Errorf("after unclog: %q", v)
		}
		if d := at.Sub(unclogged); d < 0 || d > 10*stdtime.Millisecond {
			t.Errorf("echo arrived %v after the unclog, want one path delay", d)
		}
	})
}

func TestRandomClogs(t *testing.T) {
	o := quiet(5)
	o.Network.ClogProbability = 0.5
	o.Network.ClogMean = stdtime.Second
	o.Network.DelayMean = 0
	var delays []stdtime.Duration
	w := cluster(t, o, []string{"a", "b"}, func(nw *netsim.Network, nodes []*runtime.Node) {
		a, b := nodes[0], nodes[1]
		ready, done := make(chan bool), make(chan bool)
		b.Go("receiver", func() {
			c := must(net.ListenUDP("udp", &net.UDPAddr{Port: 9000}))
			runtime.Send(ready, true)
			buf := make([]byte, 64)
			for len(delays) < 40 {
				n, _, err := c.ReadFromUDP(buf)
				if err != nil {
					return
				}
				var sent int64
				fmt.Sscan(string(buf[:n]), &sent)
				delays = append(delays, time.Now().Sub(time.Unix(0, sent)))
			}
			runtime.Send(done, true)
		})
		runtime.Recv(ready)
		a.Go("pinger", func() {
			c := must(net.Dial("udp", "b:9000"))
			for i := 0; i < 40; i++ {
				fmt.Fprintf(c, "%d", time.Now().UnixNano())
				time.Sleep(100 * stdtime.Millisecond)
			}
		})
		runtime.Recv(done)
	})
	if len(delays) != 40 {
		t.Fatalf("%d of 40 datagrams arrived; clogs must delay, never drop", len(delays))
	}
	if countEvents(w, "net.clog") == 0 || countEvents(w, "net.unclog") == 0 {
		t.Errorf("no clog changes in the trace")
	}
	clogged := 0
	for _, d := range delays {
		if d < o.Network.DelayMin {
			t.Errorf("a datagram took %v, less than the path's minimum delay", d)
		}
		if d > o.Network.DelayMin {
			clogged++
		}
	}
	if clogged == 0 || clogged == len(delays) {
		t.Errorf("%d of %d datagrams were delayed by clogs; want some, not all", clogged, len(delays))
	}
}

func TestLossIsDelayNotCorruption(t *testing.T) {
	transfer := func(loss float64) (stdtime.Duration, int) {
		o := quiet(6)
		var took stdtime.Duration
		w := cluster(t, o, []string{"a", "b"}, func(nw *netsim.Network, nodes []*runtime.Node) {
			a, b := nodes[0], nodes[1]
			nw.Path(a, b).SetLoss(loss)
			nw.Path(b, a).SetLoss(loss)
			payload := make([]byte, 300<<10)
			rnd := rand.New(rand.NewPCG(1, 2))
			for i := range payload {
				payload[i] = byte(rnd.Uint32())
			}
			got := make(chan []byte)
			ready := make(chan bool)
			b.Go("receiver", func() {
				l := must(net.Listen("tcp", ":7000"))
				runtime.Send(ready, true)
				c := must(l.Accept())
				data, err := io.ReadAll(c)
				if err != nil {
					t.Errorf("receiver: %v", err)
				}
				runtime.Send(got, data)
			})
			runtime.Recv(ready)
			start := time.Now()
			a.Go("sender", func() {
				c := must(net.Dial("tcp", "b:7000"))
				if _, err := c.Write(payload); err != nil {
					t.Errorf("sender: %v", err)
				}
				c.Close()
			})
			data := runtime.Recv(got)
			took = time.Since(start)
			if !bytes.Equal(data, payload) {
				t.Errorf("loss %v: received %d bytes that differ from the %d sent", loss, len(data), len(payload))
			}
		})
		return took, countEvents(w, "net.tcp.retransmit")
	}
	clean, r0 := transfer(0)
	lossy, r1 := transfer(0.2)
	t.Logf("300 KiB: %v without loss, %v with 20%% loss (%d retransmission timeouts)", clean, lossy, r1)
	if r0 != 0 || r1 == 0 {
		t.Errorf("retransmissions: %d without loss, %d with loss", r0, r1)
	}
	if lossy <= clean {
		t.Errorf("loss did not show as delay: %v with loss, %v without", lossy, clean)
	}
}

func TestDuplicationAndReorderingReachUDPReader(t *testing.T) {
	var got []string
	cluster(t, quiet(7), []string{"a", "b"}, func(nw *netsim.Network, nodes []*runtime.Node) {
		a, b := nodes[0], nodes[1]
		p := nw.Path(a, b)
		p.SetReplay(0.5)
		p.SetDelay(0, 20*stdtime.Millisecond)
		arrivals := make(chan string, 256)
		udpSink(b, 9000, arrivals)
		a.Go("sender", func() {
			c := must(net.Dial("udp", "b:9000"))
			for i := 0; i < 50; i++ {
				fmt.Fprintf(c, "%02d", i)
			}
		})
		got = recvWithin(arrivals, 10*stdtime.Second)
	})
	seen := map[string]int{}
	for _, s := range got {
		seen[s]++
	}
	dups := len(got) - len(seen)
	if len(seen) != 50 || dups == 0 {
		t.Errorf("%d distinct datagrams, %d duplicates; want all 50 and some duplicates", len(seen), dups)
	}
	if slices.IsSorted(got) {
		t.Errorf("datagrams arrived in order despite independent delays: %v", got)
	}
}

func TestHoldAndDeliverOneByOne(t *testing.T) {
	cluster(t, quiet(8), []string{"a", "b"}, func(nw *netsim.Network, nodes []*runtime.Node) {
		a, b := nodes[0], nodes[1]
		p := nw.Path(a, b)
		p.SetDelay(stdtime.Millisecond, 0) // a fixed delay keeps the send order
		p.Hold()
		arrivals := make(chan string, 16)
		udpSink(b, 9000, arrivals)
		a.Go("sender", func() {
			c := must(net.Dial("udp", "b:9000"))
			for i := 1; i <= 5; i++ {
				fmt.Fprintf(c, "m%d", i)
			}
		})
		if got := recvWithin(arrivals, stdtime.Second); len(got) != 0 {
			t.Fatalf("a held path delivered %q", got)
		}
		held := p.Held()
		if len(held) != 5 {
			t.Fatalf("held %d packets, want 5", len(held))
		}
		if string(held[2].Data) != "m3" {
			t.Fatalf("third held packet is %q", held[2].Data)
		}
		if !p.Deliver(held[2].ID) {
			t.Fatalf("Deliver(%d) found nothing", held[2].ID)
		}
		if got := recvWithin(arrivals, stdtime.Second); !slices.Equal(got, []string{"m3"}) {
			t.Errorf("after delivering one: %q, want exactly [m3]", got)
		}
		if !p.Drop(held[0].ID) || p.Drop(held[0].ID) {
			t.Errorf("Drop of the first held packet did not work exactly once")
		}
		if n := len(nw.InFlight()); n != 3 {
			t.Errorf("%d packets in flight, want the 3 still held", n)
		}
		p.Release()
		if got := recvWithin(arrivals, stdtime.Second); !slices.Equal(got, []string{"m2", "m4", "m5"}) {
			t.Errorf("after release: %q, want [m2 m4 m5]", got)
		}
		if n := len(nw.InFlight()); n != 0 {
			t.Errorf("%d packets still in flight", n)
		}
	})
}

func TestRecordAndReplay(t *testing.T) {
	type arrival struct {
		Msg string
		At  stdtime.Duration
	}
	run := func(replay []netsim.Packet) (recorded []netsim.Packet, got []arrival) {
		cluster(t, quiet(9), []string{"client", "server"}, func(nw *netsim.Network, nodes []*runtime.Node) {
			client, server := nodes[0], nodes[1]
			w := runtime.Current().World()
			p := nw.Path(client, server)
			p.Record()
			arrivals := make(chan string, 16)
			udpSink(server, 9000, arrivals)
			t0 := w.Now()
			if replay == nil {
				client.Go("client", func() {
					c := must(net.Dial("udp", "server:9000"))
					for i := 1; i <= 4; i++ {
						fmt.Fprintf(c, "request %d", i)
						time.Sleep(stdtime.Duration(i) * 100 * stdtime.Millisecond)
					}
				})
			} else if err := nw.Replay(replay); err != nil {
				t.Fatal(err)
			}
			for _, m := range recvWithin(arrivals, 5*stdtime.Second) {
				_ = m
			}
			recorded = p.Recorded()
			for _, pk := range recorded {
				got = append(got, arrival{string(pk.Data), pk.Sent - t0})
			}
		})
		return
	}
	recorded, orig := run(nil)
	if len(recorded) != 4 {
		t.Fatalf("recorded %d packets, want 4", len(recorded))
	}
	// Through JSON, as a test would keep them in testdata.
	b, err := json.Marshal(recorded)
	if err != nil {
		t.Fatal(err)
	}
	var loaded []netsim.Packet
	if err := json.Unmarshal(b, &loaded); err != nil {
		t.Fatal(err)
	}
	_, replayed := run(loaded)
	base := func(as []arrival) []arrival {
		out := slices.Clone(as)
		for i := range out {
			out[i].At -= as[0].At
		}
		return out
	}
	if !slices.Equal(base(orig), base(replayed)) {
		t.Errorf("replay differs:\noriginal %v\nreplayed %v", base(orig), base(replayed))
	}
}

func TestFullPathDropsQueuedPackets(t *testing.T) {
	cluster(t, quiet(10), []string{"a", "b"}, func(nw *netsim.Network, nodes []*runtime.Node) {
		a, b := nodes[0], nodes[1]
		p := nw.Path(a, b)
		p.SetCapacity(4)
		arrivals := make(chan string, 64)
		udpSink(b, 9000, arrivals)
		a.Go("sender", func() {
			c := must(net.Dial("udp", "b:9000"))
			for i := 0; i < 20; i++ {
				if _, err := fmt.Fprintf(c, "%d", i); err != nil {
					t.Errorf("send %d failed: %v; a full path must not fail sends", i, err)
				}
			}
		})
		got := recvWithin(arrivals, stdtime.Second)
		if len(got) != 4 || p.Stats().Overflow != 16 {
			t.Errorf("delivered %q with %d overflow drops; want 4 delivered and 16 dropped", got, p.Stats().Overflow)
		}
	})
}

func TestSlowReaderAppliesBackpressure(t *testing.T) {
	cluster(t, quiet(11), []string{"a", "b"}, func(nw *netsim.Network, nodes []*runtime.Node) {
		a, b := nodes[0], nodes[1]
		opts := nw.Options()
		payload := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
		var srv net.Conn
		ready := make(chan bool)
		b.Go("server", func() {
			l := must(net.Listen("tcp", ":7000"))
			runtime.Send(ready, true)
			srv = must(l.Accept())
			runtime.Send(ready, true)
		})
		runtime.Recv(ready)
		written := 0
		wrote := make(chan bool)
		a.Go("writer", func() {
			c := must(net.Dial("tcp", "b:7000"))
			for off := 0; off < len(payload); off += 4096 {
				n, err := c.Write(payload[off : off+4096])
				written += n
				if err != nil {
					t.Errorf("write: %v", err)
				}
			}
			c.Close()
			runtime.Send(wrote, true)
		})
		runtime.Recv(ready)
		time.Sleep(10 * stdtime.Second)
		if limit := opts.TCPSndBuf + opts.TCPRcvBuf + 4096; written > limit || written == 0 {
			t.Errorf("with nobody reading, the writer wrote %d bytes; want some, at most the buffers (%d)", written, limit)
		}
		got, err := io.ReadAll(srv)
		runtime.Recv(wrote)
		if err != nil || !bytes.Equal(got, payload) {
			t.Errorf("read %d bytes (%v), want the 1 MiB written", len(got), err)
		}
	})
}

func TestRandomPartitionsHaveStability(t *testing.T) {
	o := quiet(12)
	o.Network.PartitionMode = runtime.PartitionIsolateSingle
	o.Network.PartitionProbability = 0.05
	o.Network.UnpartitionProbability = 0.05
	o.Network.PartitionStability = 2 * stdtime.Second
	o.Network.UnpartitionStability = 3 * stdtime.Second
	w := cluster(t, o, []string{"a", "b", "c"}, func(nw *netsim.Network, nodes []*runtime.Node) {
		arrivals := make(chan string, 1024)
		for _, n := range nodes {
			udpSink(n, 9000, arrivals)
		}
		for _, n := range nodes {
			n.Go("pinger", func() {
				c := must(net.ListenUDP("udp", nil))
				for i := 0; i < 600; i++ {
					for _, to := range []string{"a", "b", "c"} {
						c.WriteTo([]byte(n.Name()), must(net.ResolveUDPAddr("udp", to+":9000")))
					}
					time.Sleep(100 * stdtime.Millisecond)
				}
			})
		}
		recvWithin(arrivals, 61*stdtime.Second)
		nw.SetRandomFaults(false)
		if nw.Partitioned() {
			t.Errorf("still partitioned after turning random faults off")
		}
	})
	var last int64 = 0
	partitioned := false
	changes := 0
	for _, e := range w.Events() {
		switch e.Kind {
		case "net.partition":
			if partitioned {
				t.Fatalf("partition while partitioned: %v", e)
			}
			if e.Arg-last < int64(o.Network.UnpartitionStability) {
				t.Errorf("partitioned after %v healed, below the %v stability", stdtime.Duration(e.Arg-last), o.Network.UnpartitionStability)
			}
			partitioned, last = true, e.Arg
			changes++
		case "net.heal":
			if e.Detail != "random" {
				continue // turned off by the test
			}
			if e.Arg-last < int64(o.Network.PartitionStability) {
				t.Errorf("healed after %v partitioned, below the %v stability", stdtime.Duration(e.Arg-last), o.Network.PartitionStability)
			}
			partitioned, last = false, e.Arg
			changes++
		}
	}
	if changes < 4 {
		t.Errorf("%d partition changes in a minute; want several", changes)
	}
	if countEvents(w, "net.drop") == 0 {
		t.Errorf("no packet was dropped by the random partitions")
	}
}

func TestNodeResetPauseAndCrash(t *testing.T) {
	cluster(t, quiet(13), []string{"a", "b"}, func(nw *netsim.Network, nodes []*runtime.Node) {
		a, b := nodes[0], nodes[1]
		dial := func() net.Conn {
			var c net.Conn
			done := make(chan bool)
			a.Go("dial", func() { c = must(net.Dial("tcp", "b:7000")); runtime.Send(done, true) })
			runtime.Recv(done)
			return c
		}
		roundTrip := func(c net.Conn, msg string, within stdtime.Duration) (string, error) {
			c.SetReadDeadline(time.Now().Add(within))
			c.Write([]byte(msg))
			buf := make([]byte, 64)
			n, err := c.Read(buf)
			return string(buf[:n]), err
		}

		echoServer(b, 7000)
		c := dial()
		if got, err := roundTrip(c, "hi", stdtime.Second); got != "hi" || err != nil {
			t.Fatalf("echo: %q %v", got, err)
		}
		// Pause: silence, then everything arrives on resume.
		b.Pause()
		if _, err := roundTrip(c, "paused", 5*stdtime.Second); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("echo from a paused node: %v, want a timeout", err)
		}
		b.Resume()
		if got, err := roundTrip(c, "", 30*stdtime.Second); got != "paused" || err != nil {
			t.Errorf("after resume: %q %v", got, err)
		}
		// ResetNode: the peer learns by a reset when it next sends.
		nw.ResetNode(b)
		if _, err := roundTrip(c, "after reset", 10*stdtime.Second); !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("echo after the server's node reset: %v, want ECONNRESET", err)
		}
		// A crash does the same through the node's life cycle, and a
		// restarted server can listen on its port again.
		b.Start(func() { echoServer(b, 7000); runtime.Select(false) })
		time.Sleep(stdtime.Millisecond)
		c = dial()
		if got, err := roundTrip(c, "again", stdtime.Second); got != "again" || err != nil {
			t.Fatalf("echo from the started node: %q %v", got, err)
		}
		b.Crash()
		if _, err := roundTrip(c, "after crash", 10*stdtime.Second); !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("echo after the server's node crashed: %v, want ECONNRESET", err)
		}
		b.Restart()
		time.Sleep(stdtime.Millisecond)
		c = dial()
		if got, err := roundTrip(c, "restarted", stdtime.Second); got != "restarted" || err != nil {
			t.Errorf("echo from the restarted node: %q %v", got, err)
		}
	})
}

func TestNodeAddressesAndNames(t *testing.T) {
	cluster(t, quiet(14), []string{"db", "web"}, func(nw *netsim.Network, nodes []*runtime.Node) {
		db, web := nodes[0], nodes[1]
		if got := must(net.LookupHost("db")); !slices.Equal(got, []string{"10.0.0.2"}) {
			t.Errorf("LookupHost(db) = %v", got)
		}
		if got := must(net.LookupAddr("10.0.0.3")); !slices.Equal(got, []string{"web"}) {
			t.Errorf("LookupAddr(10.0.0.3) = %v", got)
		}
		_, err := net.LookupHost("nosuch")
		var de *net.DNSError
		if !errors.As(err, &de) || !de.IsNotFound || err.Error() != "lookup nosuch: no such host" {
			t.Errorf("LookupHost(nosuch) = %v", err)
		}
		if _, err := net.Dial("tcp", "nosuch:80"); err == nil || err.Error() != "dial tcp: lookup nosuch: no such host" {
			t.Errorf("dial unknown name: %v", err)
		}
		done := make(chan bool)
		db.Go("db", func() {
			// A node cannot bind another node's address.
			_, err := net.Listen("tcp", "10.0.0.3:5432")
			if !errors.Is(err, syscall.EADDRNOTAVAIL) {
				t.Errorf("listen on web's address from db: %v", err)
			}
			l := must(net.Listen("tcp", "10.0.0.2:5432"))
			runtime.Send(done, true)
			c := must(l.Accept())
			fmt.Fprintf(c, "hello %s", c.RemoteAddr())
			c.Close()
		})
		runtime.Recv(done)
		web.Go("web", func() {
			c := must(net.Dial("tcp", "db:5432"))
			b, _ := io.ReadAll(c)
			if !strings.HasPrefix(string(b), "hello 10.0.0.3:") || !strings.HasPrefix(c.LocalAddr().String(), "10.0.0.3:") {
				t.Errorf("web got %q from %v", b, c.LocalAddr())
			}
			// Loopback on web does not reach db's listener.
			if _, err := net.Dial("tcp", "127.0.0.1:5432"); !errors.Is(err, syscall.ECONNREFUSED) {
				t.Errorf("loopback dial on web: %v, want ECONNREFUSED", err)
			}
			start := time.Now()
			if _, err := net.Dial("tcp", "10.9.9.9:80"); !errors.Is(err, syscall.EHOSTUNREACH) || time.Since(start) != 3*stdtime.Second {
				t.Errorf("dial an address no node has: %v after %v, want EHOSTUNREACH after 3s", err, time.Since(start))
			}
			runtime.Send(done, true)
		})
		runtime.Recv(done)
		if ifs := must(net.Interfaces()); len(ifs) != 2 || ifs[1].Name != "eth0" {
			t.Errorf("Interfaces() = %v", ifs)
		}
	})
}

func TestDialContextCancel(t *testing.T) {
	cluster(t, quiet(15), []string{"srv"}, func(nw *netsim.Network, nodes []*runtime.Node) {
		nw.Isolate(nodes[0])
		ctx, cancel := context.WithCancel(context.Background())
		runtime.Go(func() {
			time.Sleep(2 * stdtime.Second)
			cancel()
		})
		start := time.Now()
		var d net.Dialer
		_, err := d.DialContext(ctx, "tcp", "srv:80")
		if !errors.Is(err, context.Canceled) || err.Error() != "dial tcp 10.0.0.2:80: operation was canceled" || time.Since(start) != 2*stdtime.Second {
			t.Errorf("cancelled dial: %v after %v", err, time.Since(start))
		}
		d.Timeout = 5 * stdtime.Second
		_, err = d.Dial("tcp", "srv:80")
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("dial with a timeout: %v", err)
		}
		// Without a deadline the handshake gives up on its own.
		_, err = net.Dial("tcp", "srv:80")
		if !errors.Is(err, syscall.ETIMEDOUT) || err.Error() != "dial tcp 10.0.0.2:80: connect: connection timed out" {
			t.Errorf("dial into an isolated node: %v", err)
		}
	})
}

// Under every swarm option set, a stream delivers exactly the bytes sent,
// in order, or fails with an error; it never delivers wrong data.
func TestStreamIntegrityUnderSwarmFaults(t *testing.T) {
	seeds := 16
	if testing.Short() {
		seeds = 4
	}
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		o := expand(seed, runtime.Swarm)
		o.Network.PartitionMode = runtime.PartitionNone // keep the run short; partitions are tested above
		var okBytes, errs int
		cluster(t, o, []string{"srv", "cli"}, func(nw *netsim.Network, nodes []*runtime.Node) {
			srv, cli := nodes[0], nodes[1]
			echoServer(srv, 7000)
			done := make(chan bool)
			cli.Go("client", func() {
				rnd := rand.New(rand.NewPCG(seed, 7))
				var c net.Conn
				for i := 0; i < 60; i++ {
					if c == nil {
						var err error
						if c, err = net.DialTimeout("tcp", "srv:7000", 10*stdtime.Second); err != nil {
							errs++
							continue
						}
					}
					msg := make([]byte, 1+rnd.IntN(20000))
					for j := range msg {
						msg[j] = byte(rnd.Uint32())
					}
					c.SetDeadline(time.Now().Add(time.Minute))
					runtime.Go(func() { c.Write(msg) })
					got := make([]byte, len(msg))
					n, err := io.ReadFull(c, got)
					if !bytes.Equal(got[:n], msg[:n]) {
						t.Errorf("seed %d: message %d: the echo differs from what was sent within its first %d bytes", seed, i, n)
						break
					}
					if err != nil {
						errs++
						c.Close()
						c = nil
						continue
					}
					okBytes += n
				}
				runtime.Send(done, true)
			})
			runtime.Recv(done)
		})
		t.Logf("seed %d: %d bytes echoed intact, %d stream errors (loss %v, replay %v, capacity %d)",
			seed, okBytes, errs, o.Network.LossProbability, o.Network.ReplayProbability, o.Network.PathCapacity)
		if okBytes == 0 {
			t.Errorf("seed %d: nothing got through", seed)
		}
	}
}

// Deadlines are relative to the caller's clock through its monotonic
// reading, as in std: a node whose wall clock is an hour off still times
// out after the duration it asked for.
func TestDeadlinesIgnoreClockOffset(t *testing.T) {
	cluster(t, quiet(21), []string{"skewed", "srv"}, func(nw *netsim.Network, nodes []*runtime.Node) {
		skewed := nodes[0]
		skewed.SetClockOffset(stdtime.Hour)
		echoServer(nodes[1], 7000)
		done := make(chan bool)
		skewed.Go("client", func() {
			w := runtime.Current().World()
			c := must(net.Dial("tcp", "srv:7000"))
			start := w.Now()
			c.SetReadDeadline(time.Now().Add(stdtime.Second))
			_, err := c.Read(make([]byte, 1))
			if waited := w.Now() - start; !errors.Is(err, os.ErrDeadlineExceeded) || waited != stdtime.Second {
				t.Errorf("read deadline on a node an hour ahead: %v after %v, want a timeout after 1s", err, waited)
			}
			nw.Isolate(nodes[1])
			start = w.Now()
			_, err = net.DialTimeout("tcp", "srv:7000", 2*stdtime.Second)
			if waited := w.Now() - start; !errors.Is(err, context.DeadlineExceeded) || waited != 2*stdtime.Second {
				t.Errorf("dial timeout on a node an hour ahead: %v after %v", err, waited)
			}
			runtime.Send(done, true)
		})
		runtime.Recv(done)
	})
}
