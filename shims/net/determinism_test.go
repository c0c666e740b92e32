package net_test

import (
	"bufio"
	"fmt"
	"strings"
	"testing"
	stdtime "time"

	"github.com/marionette-dst/marionette/runtime"
	"github.com/marionette-dst/marionette/shims/net"
	"github.com/marionette-dst/marionette/shims/time"
)

// cluster4 is a small multi-node program: a line-protocol counter server,
// three clients on their own nodes that connect, send requests with
// deadlines and reconnect on errors, and UDP heartbeats between every pair
// of nodes. It runs for a simulated minute and reports what it saw.
func cluster4(report func(string)) func() {
	return func() {
		w := runtime.Current().World()
		srv := w.NewNode("srv")
		clients := []*runtime.Node{w.NewNode("c1"), w.NewNode("c2"), w.NewNode("c3")}
		end := w.Now() + stdtime.Minute
		ready := make(chan bool)
		srv.Go("server", func() {
			l := must(net.Listen("tcp", ":6000"))
			runtime.Send(ready, true)
			count := 0
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				runtime.Go(func() {
					defer c.Close()
					br := bufio.NewReader(c)
					for {
						c.SetReadDeadline(time.Now().Add(5 * stdtime.Second))
						line, err := br.ReadString('\n')
						if err != nil {
							return
						}
						count++
						fmt.Fprintf(c, "%d %s", count, line)
					}
				})
			}
		})
		runtime.Recv(ready)
		results := make(chan string, 3)
		for _, n := range append([]*runtime.Node{srv}, clients...) {
			n.Go("heartbeat", func() {
				c := must(net.ListenUDP("udp", &net.UDPAddr{Port: 7000}))
				runtime.Go(func() {
					buf := make([]byte, 64)
					for {
						if _, _, err := c.ReadFromUDP(buf); err != nil {
							return
						}
					}
				})
				for w.Now() < end {
					for _, peer := range []string{"srv", "c1", "c2", "c3"} {
						c.WriteTo([]byte(n.Name()), must(net.ResolveUDPAddr("udp", peer+":7000")))
					}
					time.Sleep(250 * stdtime.Millisecond)
				}
			})
		}
		for _, n := range clients {
			n.Go("client", func() {
				ok, failed, dials := 0, 0, 0
				var c net.Conn
				var br *bufio.Reader
				for i := 0; w.Now() < end; i++ {
					if c == nil {
						var err error
						dials++
						c, err = net.DialTimeout("tcp", "srv:6000", 2*stdtime.Second)
						if err != nil {
							failed++
							time.Sleep(500 * stdtime.Millisecond)
							continue
						}
						br = bufio.NewReader(c)
					}
					c.SetDeadline(time.Now().Add(2 * stdtime.Second))
					fmt.Fprintf(c, "%s-%d\n", n.Name(), i)
					line, err := br.ReadString('\n')
					if err != nil || !strings.HasSuffix(line, fmt.Sprintf(" %s-%d\n", n.Name(), i)) {
						failed++
						c.Close()
						c = nil
						continue
					}
					ok++
					time.Sleep(100 * stdtime.Millisecond)
				}
				runtime.Send(results, fmt.Sprintf("%s ok=%d failed=%d dials=%d", n.Name(), ok, failed, dials))
			})
		}
		var lines []string
		for range clients {
			lines = append(lines, runtime.Recv(results))
		}
		report(strings.Join(lines, "; "))
	}
}

func TestSwarmDeterminism(t *testing.T) {
	seeds := 12
	if testing.Short() {
		seeds = 4
	}
	hashes := map[uint64]uint64{}
	faulty := 0
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		o := expand(seed, runtime.Swarm)
		var got []string
		main := cluster4(func(s string) { got = append(got, s) })
		if err := runtime.CheckDeterminism(o, main); err != nil {
			t.Fatalf("seed %d: %v\noptions:\n%s", seed, err, o.Text())
		}
		w := runtime.NewWorld(o)
		w.RecordAll()
		r := w.Run(main)
		if r.Failure != nil {
			t.Fatalf("seed %d: %s", seed, r.Failure.Report())
		}
		hashes[r.Hash] = seed
		drops := countEvents(w, "net.drop") + countEvents(w, "net.partition") + countEvents(w, "net.clog")
		if drops > 0 {
			faulty++
		}
		t.Logf("seed %2d: %s; %d fault events; %s", seed, got[len(got)-1], drops, r.Summary())
	}
	if len(hashes) != seeds {
		t.Errorf("%d distinct trace hashes for %d seeds", len(hashes), seeds)
	}
	if faulty < seeds/2 {
		t.Errorf("only %d of %d swarm seeds produced network faults", faulty, seeds)
	}
}
