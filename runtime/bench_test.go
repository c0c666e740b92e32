package runtime

import (
	"testing"
)

// Ping-pong: a round trip over two unbuffered channels between two goroutines.

func BenchmarkPingPongNative(b *testing.B) {
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v
		}
	}()
	for i := 0; i < b.N; i++ {
		ping <- i
		<-pong
	}
	close(ping)
}

func BenchmarkPingPongSim(b *testing.B) {
	o, _ := Expand(1, Performance)
	r := NewWorld(o).Run(func() {
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
	if r.Failure != nil {
		b.Fatal(r.Failure.Report())
	}
}

// Context switch: two goroutines hand control back and forth without data.

func BenchmarkSwitchNative(b *testing.B) {
	turn := make(chan struct{})
	done := make(chan struct{})
	go func() {
		for range turn {
			turn <- struct{}{}
		}
		close(done)
	}()
	for i := 0; i < b.N; i++ {
		turn <- struct{}{}
		<-turn
	}
	close(turn)
	<-done
}

func BenchmarkSwitchSim(b *testing.B) {
	o, _ := Expand(1, Performance)
	r := NewWorld(o).Run(func() {
		stop := false
		g := Current()
		Go(func() {
			me := Current()
			for !stop {
				me.Yield()
			}
		})
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			g.Yield()
		}
		b.StopTimer()
		stop = true
	})
	if r.Failure != nil {
		b.Fatal(r.Failure.Report())
	}
}

// Spawn: start a goroutine and wait for it.

func BenchmarkSpawnNative(b *testing.B) {
	done := make(chan struct{})
	for i := 0; i < b.N; i++ {
		go func() { done <- struct{}{} }()
		<-done
	}
}

func BenchmarkSpawnSim(b *testing.B) {
	o, _ := Expand(1, Performance)
	NewWorld(o).Run(func() {
		done := make(chan struct{})
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			Go(func() { Send(done, struct{}{}) })
			Recv(done)
		}
		b.StopTimer()
	})
}

// A deferred unlock as written (native) and as mgen writes it (the call
// wrapped in a literal that starts with Deferred).

type benchLock struct{ n int }

func (l *benchLock) unlock() { l.n++ }

//go:noinline
func deferNative(l *benchLock) { defer l.unlock() }

//go:noinline
func deferGuarded(l *benchLock) {
	{
		f := l.unlock
		defer func() { Deferred(); f() }()
	}
}

func BenchmarkDeferNative(b *testing.B) {
	var l benchLock
	for i := 0; i < b.N; i++ {
		deferNative(&l)
	}
}

func BenchmarkDeferGuarded(b *testing.B) {
	var l benchLock
	for i := 0; i < b.N; i++ {
		deferGuarded(&l)
	}
}
