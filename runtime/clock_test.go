package runtime

import (
	"strings"
	"testing"
	"time"
)

func TestIdealClockByDefault(t *testing.T) {
	runWorld(t, func() {
		n := Current().Node()
		a := n.Now()
		Current().Sleep(1500 * time.Millisecond)
		b := n.Now()
		if n.ClockModel() != ClockIdeal || !a.Round(0).Equal(DefaultEpoch) || b.Sub(a) != 1500*time.Millisecond {
			t.Errorf("model %s a %v b-a %v", n.ClockModel(), a, b.Sub(a))
		}
		if monotonicOK && !strings.Contains(a.String(), "m=+") {
			t.Errorf("no monotonic reading: %v", a)
		}
	})
}

func TestStepClockSkewsWallNotDurations(t *testing.T) {
	o := opts(3)
	o.Clocks = ClockOptions{Models: []string{ClockStep}, MaxOffset: time.Second, StepWithin: 10 * time.Second}
	r := NewWorld(o).Run(func() {
		w := Current().World()
		n := w.NewNode("skewed")
		before := n.Now()
		Current().Sleep(20 * time.Second) // past the step
		after := n.Now()
		if n.ClockModel() != ClockStep {
			t.Fatalf("model %s", n.ClockModel())
		}
		off := n.ClockOffset()
		if off == 0 || off > time.Second || off < -time.Second {
			t.Errorf("offset %v, want a non-zero step within 1s", off)
		}
		// Wall readings show the step...
		if got := after.Round(0).Sub(before.Round(0)); got != 20*time.Second+off {
			t.Errorf("wall elapsed %v, want %v", got, 20*time.Second+off)
		}
		// ...durations between readings do not (monotonic, as in Go).
		if monotonicOK && after.Sub(before) != 20*time.Second {
			t.Errorf("monotonic elapsed %v, want 20s", after.Sub(before))
		}
	})
	if r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
}

func TestClockOffsetsBoundedAndSeeded(t *testing.T) {
	offsets := func(seed uint64) (out []time.Duration) {
		o := opts(seed)
		o.Clocks = ClockOptions{Models: []string{ClockLinear, ClockPeriodic, ClockStep, ClockJitter},
			MaxOffset: 100 * time.Millisecond, MaxDriftPPM: 100000, Period: time.Minute, StepWithin: time.Minute}
		NewWorld(o).Run(func() {
			w := Current().World()
			var nodes []*Node
			for _, name := range []string{"a", "b", "c", "d", "e", "f"} {
				nodes = append(nodes, w.NewNode(name))
			}
			for i := 0; i < 120; i++ {
				for _, n := range nodes {
					off := n.ClockOffset()
					if off > 100*time.Millisecond || off < -100*time.Millisecond {
						t.Errorf("%s (%s) offset %v out of bounds", n.Name(), n.ClockModel(), off)
					}
					out = append(out, off)
				}
				Current().Sleep(time.Second)
			}
		})
		return out
	}
	a, b, c := offsets(1), offsets(1), offsets(2)
	same, differ := true, false
	for i := range a {
		same = same && a[i] == b[i]
		differ = differ || a[i] != c[i]
	}
	if !same || !differ {
		t.Fatalf("same seed same offsets: %v; different seeds differ: %v", same, differ)
	}
}
