package context_test

import (
	stdcontext "context"
	goruntime "runtime"
	"strings"
	"testing"
	stdtime "time"

	"github.com/marionette-dst/marionette/runtime"
	"github.com/marionette-dst/marionette/shims/context"
	"github.com/marionette-dst/marionette/shims/time"
)

// Under simulation, deadlines are simulated instants and fire exactly.
func TestSimulatedDeadline(t *testing.T) {
	simulate(t, 1, func() {
		epoch := testEpoch
		time.Sleep(stdtime.Second)
		ctx, cancel := context.WithTimeoutCause(context.Background(), 5*stdtime.Second, errMine)
		defer cancel()
		dl, ok := ctx.Deadline()
		if !ok || !dl.Equal(epoch.Add(6*stdtime.Second)) {
			t.Errorf("Deadline() = %v, %v; want the simulated %v", dl, ok, epoch.Add(6*stdtime.Second))
		}
		if s := ctx.(interface{ String() string }).String(); !strings.HasSuffix(s, ".WithDeadline(2025-01-01 00:00:06 +0000 UTC [5s])") {
			t.Errorf("String() = %q", s)
		}
		child := context.WithValue(ctx, key("k"), 1)
		if d, _ := child.Deadline(); !d.Equal(dl) {
			t.Errorf("child deadline %v", d)
		}
		runtime.Recv(child.Done())
		if now := time.Since(epoch); now != 6*stdtime.Second {
			t.Errorf("timeout fired at %v, want 6s", now)
		}
		if ctx.Err() != stdcontext.DeadlineExceeded || context.Cause(child) != errMine {
			t.Errorf("after timeout: %s", state(child))
		}
		d2, c2 := context.WithDeadline(context.Background(), epoch.Add(stdtime.Hour))
		defer c2()
		runtime.Recv(d2.Done())
		if now := time.Since(epoch); now != stdtime.Hour {
			t.Errorf("WithDeadline fired at %v, want 1h", now)
		}
	})
}

// Creating and cancelling shim contexts, and std contexts derived from them
// by library code, starts no goroutine and no real timer (std's
// propagateCancel registers through the shim's AfterFunc method).
func TestNoGoroutines(t *testing.T) {
	simulate(t, 1, func() {
		w := runtime.Current().World()
		parent, cancelParent := context.WithCancelCause(context.Background())
		tctx, cancelT := context.WithTimeout(parent, stdtime.Hour)
		defer cancelT()
		vctx := context.WithValue(tctx, key("k"), "v")
		c, cancelC := context.WithCancel(vctx)
		defer cancelC()
		s1, cancelS1 := stdcontext.WithCancel(tctx)
		defer cancelS1()
		s2, cancelS2 := stdcontext.WithCancelCause(vctx)
		defer cancelS2(nil)
		s3 := stdcontext.WithValue(s1, key("x"), 1)
		if n := stdPropagators(); n != 0 {
			t.Errorf("std started %d propagation goroutines", n)
		}
		// A shim child of a std cancelCtx (s1) needs a simulated watcher.
		c2, cancelC2 := context.WithCancel(s3)
		defer cancelC2()
		cancelParent(errParent)
		for _, x := range []context.Context{tctx, vctx, c, s1, s2, s3} {
			if context.Cause(x) != errParent || x.Err() != stdcontext.Canceled {
				t.Errorf("%v: %s", x, state(x))
			}
		}
		// The watcher sees s1's native close when the world polls, at
		// the same instant.
		runtime.Recv(c2.Done())
		if context.Cause(c2) != errParent || c2.Err() != stdcontext.Canceled || w.Now() != 0 {
			t.Errorf("%v: %s at %v", c2, state(c2), w.Now())
		}
		if n := stdPropagators(); n != 0 {
			t.Errorf("std started %d propagation goroutines", n)
		}

		// The documented limitation, which also shows the count works:
		// std's valueCtx does not forward the afterFuncer protocol.
		x, cancelX := context.WithCancel(context.Background())
		defer cancelX()
		_, cancelL := stdcontext.WithCancel(stdcontext.WithValue(x, key("k"), 1))
		if n := stdPropagators(); n != 1 {
			t.Errorf("std started %d propagation goroutines under its own WithValue, want 1", n)
		}
		cancelL()
	})
}

// stdPropagators counts the goroutines std's propagateCancel started.
func stdPropagators() int {
	buf := make([]byte, 1<<20)
	return strings.Count(string(buf[:goruntime.Stack(buf, true)]), "created by context.(*cancelCtx).propagateCancel")
}

// Timeouts and cancellations are in the trace, and a cancelled context's
// deadline event is removed from the queue.
func TestTraceRecords(t *testing.T) {
	w := runtime.NewWorld(smoke(1))
	w.RecordAll()
	r := w.Run(func() {
		ctx, cancel := context.WithTimeout(context.Background(), stdtime.Second)
		runtime.Recv(ctx.Done())
		cancel()
		ctx, cancel = context.WithTimeout(context.Background(), stdtime.Hour)
		cancel()
	})
	if r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
	if r.SimElapsed != stdtime.Second {
		t.Errorf("run ended at %v: a cancelled deadline kept it alive?", r.SimElapsed)
	}
	var got []string
	for _, e := range w.Events() {
		switch {
		case strings.HasPrefix(e.Kind, "timer.") && e.Detail == "context.deadline",
			e.Kind == "context.cancel":
			got = append(got, e.Kind+" "+e.Detail)
		}
	}
	want := []string{
		"timer.set context.deadline", "timer.fire context.deadline", "context.cancel context deadline exceeded",
		"timer.set context.deadline", "timer.stop context.deadline", "context.cancel context canceled",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("trace records:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A std parent cancelled by simulated code (a library's cancel func) reaches
// shim children at the same simulated instant, and AfterFunc runs f in a new
// simulated goroutine even when the cancellation happens in an event.
func TestStdParentAndAfterFuncGoroutine(t *testing.T) {
	simulate(t, 1, func() {
		std, stdCancel := stdcontext.WithCancel(stdcontext.Background())
		child, cancel := context.WithTimeout(std, stdtime.Hour)
		defer cancel()
		runtime.Go(func() {
			time.Sleep(stdtime.Minute)
			stdCancel()
		})
		runtime.Recv(child.Done())
		if now := time.Since(testEpoch); now != stdtime.Minute {
			t.Errorf("std parent's cancellation seen at %v, want 1m", now)
		}

		tctx, tcancel := context.WithTimeout(context.Background(), stdtime.Second)
		defer tcancel()
		self := runtime.Current()
		ran := make(chan *runtime.G)
		context.AfterFunc(tctx, func() { runtime.Send(ran, runtime.Current()) })
		if g := runtime.Recv(ran); g == nil || g == self {
			t.Errorf("AfterFunc's f ran on %v", g)
		}
	})
}

// A goroutine unwound at the end of a run may cancel contexts in its
// deferred calls while others still wait on them.
func TestCancelDuringTeardown(t *testing.T) {
	simulate(t, 1, func() {
		ctx, cancel := context.WithCancel(context.Background())
		for range 3 {
			runtime.Go(func() { runtime.Recv(ctx.Done()) })
		}
		runtime.Go(func() {
			defer cancel()
			runtime.Recv(make(chan int))
		})
		runtime.Go(func() { runtime.Recv(ctx.Done()) })
		time.Sleep(stdtime.Second)
	})
}

// If std's private key could not be learnt, Cause still finds the shim's
// own causes.
func TestCauseFallback(t *testing.T) {
	old := context.SetStdCancelKey(nil)
	defer context.SetStdCancelKey(old)
	if old == nil {
		t.Fatal("std's cancelCtxKey was not found: std.Cause is not exact on shim contexts")
	}
	simulate(t, 1, func() {
		ctx, cancel := context.WithTimeoutCause(context.Background(), stdtime.Second, errMine)
		defer cancel()
		v := context.WithValue(ctx, key("k"), 1)
		c, cancelC := context.WithCancel(v)
		defer cancelC()
		wc := context.WithoutCancel(c)
		if context.Cause(c) != nil || context.Cause(wc) != nil {
			t.Error("cause before cancellation")
		}
		runtime.Recv(c.Done())
		if context.Cause(ctx) != errMine || context.Cause(v) != errMine || context.Cause(c) != errMine || context.Cause(wc) != nil {
			t.Errorf("fallback causes: %v %v %v %v", context.Cause(ctx), context.Cause(v), context.Cause(c), context.Cause(wc))
		}
	})
}

// program uses contexts in many goroutines over span of simulated time.
func program(span stdtime.Duration) func() {
	return func() {
		root, stop := context.WithTimeout(context.Background(), span)
		defer stop()
		done := make(chan bool)
		workers := 4
		for i := range workers {
			runtime.Go(func() {
				defer runtime.Send(done, true)
				for root.Err() == nil {
					ctx, cancel := context.WithTimeoutCause(root, stdtime.Duration(1+i)*stdtime.Minute, errMine)
					context.AfterFunc(ctx, func() {})
					sub, subCancel := context.WithCancel(context.WithValue(ctx, key("i"), i))
					runtime.Go(func() {
						time.Sleep(stdtime.Duration(30+i*20) * stdtime.Second)
						subCancel()
					})
					a, b := runtime.RecvCase(sub.Done()), runtime.RecvCase(ctx.Done())
					runtime.Select(false, a, b)
					cancel()
				}
			})
		}
		for range workers {
			runtime.Recv(done)
		}
	}
}

func TestDeterminism(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		if err := runtime.CheckDeterminism(smoke(seed), program(3*stdtime.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	r1 := simulate(t, 7, program(3*stdtime.Hour))
	r2 := simulate(t, 7, program(3*stdtime.Hour))
	if r1.Hash != r2.Hash {
		t.Fatalf("same seed, different hashes: %016x %016x", r1.Hash, r2.Hash)
	}
}

func TestDayOfTimeoutsIsFast(t *testing.T) {
	start := stdtime.Now()
	r := simulate(t, 1, program(24*stdtime.Hour))
	wall := stdtime.Since(start)
	t.Logf("%s", r.Summary())
	if r.SimElapsed < 24*stdtime.Hour {
		t.Fatalf("simulated %v, want at least 24h", r.SimElapsed)
	}
	if !raceEnabled && wall > 500*stdtime.Millisecond {
		t.Errorf("24 simulated hours took %v of wall time", wall)
	}
}
