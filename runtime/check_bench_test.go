package runtime

import "testing"

// BenchmarkPingPongSimChecked is BenchmarkPingPongSim with a checker that
// observes every event: the cost of event-by-event checking.
func BenchmarkPingPongSimChecked(b *testing.B) {
	o, _ := Expand(1, Performance)
	w := NewWorld(o)
	n := 0
	w.AddChecker("count", CheckerFunc(func(CheckEvent) error { n++; return nil }))
	r := w.Run(func() {
		ping, pong := make(chan int), make(chan int)
		Go(func() {
			for v := range Range(ping) {
				Send(pong, v)
			}
		})
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			Send(ping, i)
			Recv(pong)
		}
		b.StopTimer()
	})
	if r.Failure != nil || n == 0 {
		b.Fatal("checker saw nothing")
	}
}

// BenchmarkAssertSim is the cost of an assertion under simulation.
func BenchmarkAssertSim(b *testing.B) {
	o, _ := Expand(1, Performance)
	w := NewWorld(o)
	w.Run(func() {
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			w.Assert(AssertSometimes, i > 0, "i positive", nil, 0)
		}
		b.StopTimer()
	})
}

// BenchmarkBuggifySim is the cost of evaluating an active buggify site.
func BenchmarkBuggifySim(b *testing.B) {
	o, _ := Expand(1, Performance)
	o.Buggify = BuggifyOptions{Activate: 1, Fire: 0.01}
	w := NewWorld(o)
	w.Run(func() {
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			w.Buggify("bench.go:1", 1)
		}
		b.StopTimer()
	})
}
