package netsim

import (
	"math"
	"net/netip"
	"testing"
	"time"

	"github.com/marionette-dst/marionette/runtime"
)

func TestGeomTicksMean(t *testing.T) {
	r := runtime.NewStream(1, "test")
	for _, p := range []float64{0.5, 0.1, 0.01} {
		const n = 20000
		sum := 0.0
		for i := 0; i < n; i++ {
			k := geomTicks(r, p)
			if k < 1 {
				t.Fatalf("geomTicks(%v) = %d, want >= 1", p, k)
			}
			sum += float64(k)
		}
		mean, want := sum/n, 1/p
		if math.Abs(mean-want)/want > 0.05 {
			t.Errorf("mean ticks until a p=%v event: %.2f, want %.2f", p, mean, want)
		}
	}
	if geomTicks(r, 0) != 0 || geomTicks(r, 1) != 1 {
		t.Errorf("geomTicks(0), geomTicks(1) = %d, %d; want 0 (never), 1", geomTicks(r, 0), geomTicks(r, 1))
	}
}

func TestNextChange(t *testing.T) {
	tick := 10 * time.Millisecond
	for _, c := range []struct {
		from, stable time.Duration
		k            int64
		want         time.Duration
	}{
		{0, 0, 1, 10 * time.Millisecond},                       // the first tick after 0
		{5 * time.Millisecond, 0, 1, 10 * time.Millisecond},    // ticks are on a global grid
		{10 * time.Millisecond, 0, 3, 40 * time.Millisecond},   // the third tick strictly after
		{0, time.Second, 1, time.Second + 10*time.Millisecond}, // stability first
		{0, 0, 0, never},
	} {
		if got := nextChange(c.from, c.stable, tick, c.k); got != c.want {
			t.Errorf("nextChange(%v, %v, %v, %d) = %v, want %v", c.from, c.stable, tick, c.k, got, c.want)
		}
	}
	if got := nextChange(never-time.Second, 0, tick, 1<<40); got != never {
		t.Errorf("overflow: %v", got)
	}
}

func TestBindOverlaps(t *testing.T) {
	a := netip.MustParseAddr
	any4 := Bind{Addr: netip.IPv4Unspecified(), Port: 80}
	any6 := Bind{Addr: netip.IPv6Unspecified(), Port: 80}
	any6only := Bind{Addr: netip.IPv6Unspecified(), Port: 80, V6Only: true}
	lo := Bind{Addr: a("127.0.0.1"), Port: 80}
	lo2 := Bind{Addr: a("127.0.0.2"), Port: 80}
	node := Bind{Addr: a("10.0.0.1"), Port: 80}
	lo6 := Bind{Addr: a("::1"), Port: 80}
	for _, c := range []struct {
		x, y Bind
		want bool
	}{
		{any4, lo, true}, {any4, node, true}, {any4, lo6, false},
		{any6, lo, true}, {any6, lo6, true}, {any6, any4, true},
		{any6only, any4, false}, {any6only, lo, false}, {any6only, lo6, true},
		{lo, lo2, false}, {lo, node, false}, {lo, lo, true},
		{lo, Bind{Addr: a("127.0.0.1"), Port: 81}, false},
	} {
		if got := c.x.overlaps(c.y); got != c.want {
			t.Errorf("%v overlaps %v = %v, want %v", c.x, c.y, got, c.want)
		}
		if got := c.y.overlaps(c.x); got != c.want {
			t.Errorf("%v overlaps %v = %v, want %v (symmetry)", c.y, c.x, got, c.want)
		}
	}
}

// inWorld runs f with a network of n nodes.
func inWorld(t *testing.T, o runtime.Options, nodes int, f func(n *Network, ns []*runtime.Node)) *runtime.World {
	t.Helper()
	w := runtime.NewWorld(o)
	w.RecordAll()
	r := w.Run(func() {
		w := runtime.Current().World()
		ns := []*runtime.Node{w.DefaultNode()}
		for i := 1; i < nodes; i++ {
			ns = append(ns, w.NewNode("n"+string(rune('0'+i))))
		}
		f(Of(w), ns)
	})
	if r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
	return w
}

func TestPartitionModes(t *testing.T) {
	for _, mode := range []string{runtime.PartitionUniformSize, runtime.PartitionUniformPartition, runtime.PartitionIsolateSingle} {
		o, _ := runtime.Expand(3, runtime.Smoke)
		o.Network.PartitionMode = mode
		sizes := map[int]int{}
		inWorld(t, o, 5, func(n *Network, ns []*runtime.Node) {
			for i := 0; i < 400; i++ {
				n.part.partition(0)
				k := 0
				for _, s := range n.part.side {
					if s {
						k++
					}
				}
				sizes[k]++
				n.part.heal(0, "test")
			}
		})
		for k := range sizes {
			if k < 1 || k > 4 {
				t.Errorf("%s: a side of %d of 5 nodes", mode, k)
			}
		}
		switch mode {
		case runtime.PartitionIsolateSingle:
			if sizes[1] != 400 {
				t.Errorf("%s: side sizes %v, want always 1", mode, sizes)
			}
		case runtime.PartitionUniformSize:
			for k := 1; k <= 4; k++ {
				if sizes[k] < 60 { // uniform: about 100 each
					t.Errorf("%s: side sizes %v, want each of 1..4 about equally often", mode, sizes)
				}
			}
		case runtime.PartitionUniformPartition:
			if sizes[2]+sizes[3] < sizes[1]+sizes[4] {
				t.Errorf("%s: side sizes %v, want balanced sides most often", mode, sizes)
			}
		}
	}
}

func TestPartitionSymmetry(t *testing.T) {
	for _, sym := range []string{runtime.PartitionSymmetric, runtime.PartitionAsymmetric} {
		o, _ := runtime.Expand(4, runtime.Smoke)
		o.Network.PartitionMode = runtime.PartitionIsolateSingle
		o.Network.PartitionSymmetry = sym
		inWorld(t, o, 3, func(n *Network, ns []*runtime.Node) {
			n.part.partition(0)
			var iso int
			for i, s := range n.part.side {
				if s {
					iso = i
				}
			}
			other := (iso + 1) % 3
			out := n.part.blocks(iso, other)
			in := n.part.blocks(other, iso)
			if sym == runtime.PartitionSymmetric && !(out && in) || sym == runtime.PartitionAsymmetric && !(out && !in) {
				t.Errorf("%s: isolated -> other blocked %v, other -> isolated blocked %v", sym, out, in)
			}
			if n.part.blocks(other, (iso+2)%3) {
				t.Errorf("%s: a path between two nodes of one side is blocked", sym)
			}
		})
	}
}

// The clog process of a path is a function of the seed and the path alone:
// observing it often or rarely, with or without other traffic, gives the
// same clog intervals.
func TestClogTimelineIndependentOfObservation(t *testing.T) {
	o, _ := runtime.Expand(5, runtime.Smoke)
	o.Network.ClogProbability = 0.01
	o.Network.ClogMean = 200 * time.Millisecond
	intervals := func(step time.Duration, noise bool) []int64 {
		w := inWorld(t, o, 3, func(n *Network, ns []*runtime.Node) {
			p := n.Path(ns[0], ns[1])
			g := runtime.Current()
			for g.World().Now() < time.Minute {
				p.clog.until(g.World().Now())
				if noise {
					n.Path(ns[1], ns[2]).clog.until(g.World().Now())
				}
				g.Sleep(step)
			}
		})
		var out []int64
		for _, e := range w.Events() {
			if (e.Kind == "net.clog" || e.Kind == "net.unclog") && e.Detail == "10.0.0.1->10.0.0.2" {
				out = append(out, e.Arg)
			}
		}
		return out
	}
	often := intervals(time.Millisecond, false)
	rarely := intervals(7*time.Second, true)
	if len(often) < 10 {
		t.Fatalf("only %d clog changes in a minute", len(often))
	}
	for i := range rarely {
		if i >= len(often) || rarely[i] != often[i] {
			t.Fatalf("clog changes differ with the observation pattern:\noften  %v\nrarely %v", often, rarely)
		}
	}
}

func TestWithDefaults(t *testing.T) {
	o := runtime.NetworkOptions{}.WithDefaults()
	if o.TCPMSS == 0 || o.PathCapacity == 0 || o.RTOInitial == 0 || o.FaultTick == 0 || o.PartitionMode != runtime.PartitionNone {
		t.Errorf("zero options not completed: %+v", o)
	}
	if o.LossProbability != 0 || o.ClogProbability != 0 {
		t.Errorf("defaults added faults: %+v", o)
	}
}
