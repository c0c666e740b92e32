package context_test

import (
	stdcontext "context"
	"errors"
	"testing"
	stdtime "time"

	"github.com/marionette-dst/marionette/runtime"
	"github.com/marionette-dst/marionette/shims/context"
	"github.com/marionette-dst/marionette/shims/time"
)

var (
	errMine   = errors.New("my cause")
	errParent = errors.New("parent's cause")
)

// name names the sentinel errors and causes in logs.
func name(err error) string {
	switch err {
	case nil:
		return "nil"
	case context.Canceled:
		return "Canceled"
	case context.DeadlineExceeded:
		return "DeadlineExceeded"
	case errMine:
		return "errMine"
	case errParent:
		return "errParent"
	}
	return "other: " + err.Error()
}

func state(ctx context.Context) string {
	return "err=" + name(ctx.Err()) + " cause=" + name(context.Cause(ctx)) + " stdcause=" + name(stdcontext.Cause(ctx))
}

type key string

func TestTimeout(t *testing.T) {
	both(t, func(log func(string, ...any)) {
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 2*u)
		dl, ok := ctx.Deadline()
		log("deadline set: %v, %d units ahead", ok, units(dl.Sub(start)))
		log("before: %s, done: %v", state(ctx), closed(ctx.Done()))
		runtime.Recv(ctx.Done())
		log("done after %d units: %s", units(time.Since(start)), state(ctx))
		cancel()
		log("after cancel: %s", state(ctx))
		if !errors.Is(ctx.Err(), stdcontext.DeadlineExceeded) {
			log("Err is not std's DeadlineExceeded")
		}
	})
}

func TestTimeoutCause(t *testing.T) {
	both(t, func(log func(string, ...any)) {
		start := time.Now()
		ctx, cancel := context.WithTimeoutCause(context.Background(), u, errMine)
		defer cancel()
		child, cancelChild := context.WithCancel(ctx)
		defer cancelChild()
		grandchild := context.WithValue(child, key("k"), "v")
		later, cancelLater := context.WithTimeoutCause(ctx, stdtime.Hour, errParent)
		defer cancelLater()
		dl, _ := later.Deadline()
		log("a later deadline reports the parent's: %d units", units(dl.Sub(start)))
		runtime.Recv(grandchild.Done())
		log("parent: %s", state(ctx))
		log("child: %s", state(child))
		log("grandchild: %s, value %v", state(grandchild), grandchild.Value(key("k")))
		log("later child: %s", state(later))
		cancel()
		log("cancel after timeout: %s", state(ctx))

		past, cancelPast := context.WithDeadlineCause(context.Background(), time.Now().Add(-stdtime.Second), errMine)
		log("deadline in the past: %s, done: %v", state(past), closed(past.Done()))
		cancelPast()
		log("then cancelled: %s", state(past))
	})
}

func TestCancelPropagation(t *testing.T) {
	both(t, func(log func(string, ...any)) {
		parent, cancelParent := context.WithCancelCause(context.Background())
		c1, cancel1 := context.WithCancel(parent)
		defer cancel1()
		c2, cancel2 := context.WithTimeout(parent, stdtime.Hour)
		defer cancel2()
		c3, cancel3 := context.WithCancelCause(c2)
		defer cancel3(nil)
		early, cancelEarly := context.WithCancel(parent)
		cancelEarly()
		log("a child cancelled first: %s; parent: %s", state(early), state(parent))

		woke := make(chan string, 3)
		for _, c := range []context.Context{c1, c2, c3} {
			runtime.Go(func() {
				runtime.Recv(c.Done())
				runtime.Send(woke, state(c))
			})
		}
		time.Sleep(u)
		cancelParent(errParent)
		for range 3 {
			log("woken: %s", runtime.Recv(woke))
		}
		log("parent: %s", state(parent))
		cancelParent(errMine)
		cancel3(errMine)
		log("cancelling again changes nothing: %s / %s", state(parent), state(c3))

		plain, cancelPlain := context.WithCancelCause(context.Background())
		cancelPlain(nil)
		log("cancel(nil): %s", state(plain))
		fresh, cancelFresh := context.WithCancel(context.Background())
		log("not cancelled: %s, done: %v", state(fresh), closed(fresh.Done()))
		cancelFresh()
		log("cancelled: %s", state(fresh))
		already, cancelAlready := context.WithCancel(fresh)
		defer cancelAlready()
		log("child of a cancelled context: %s", state(already))
	})
}

func TestAfterFunc(t *testing.T) {
	both(t, func(log func(string, ...any)) {
		ran := make(chan string, 8)
		ctx, cancel := context.WithCancelCause(context.Background())
		stop1 := context.AfterFunc(ctx, func() { runtime.Send(ran, "f1") })
		stop2 := context.AfterFunc(ctx, func() { runtime.Send(ran, "f2 sees "+state(ctx)) })
		log("stop before cancel: %v, again: %v", stop1(), stop1())
		cancel(errMine)
		log("ran: %s", runtime.Recv(ran))
		log("stop after f started: %v", stop2())
		stop3 := context.AfterFunc(ctx, func() { runtime.Send(ran, "f3 on a cancelled context") })
		log("ran: %s", runtime.Recv(ran))
		log("stop: %v", stop3())

		stop4 := context.AfterFunc(context.Background(), func() { runtime.Send(ran, "never") })
		log("never-cancelled context: stop %v, again %v", stop4(), stop4())

		tctx, tcancel := context.WithTimeout(context.Background(), u)
		defer tcancel()
		start := time.Now()
		context.AfterFunc(tctx, func() { runtime.Send(ran, "f5 after "+name(tctx.Err())) })
		log("ran: %s after %d units", runtime.Recv(ran), units(time.Since(start)))

		vctx := context.WithValue(tctx, key("k"), 1)
		context.AfterFunc(vctx, func() { runtime.Send(ran, "f6 through WithValue") })
		log("ran: %s", runtime.Recv(ran))
		log("nothing else ran: %v", runtime.Select(true, runtime.RecvCase(ran)) == -1)
	})
}

func TestWithoutCancelAndValues(t *testing.T) {
	both(t, func(log func(string, ...any)) {
		base := context.WithValue(context.Background(), key("a"), "A")
		ctx, cancel := context.WithTimeoutCause(base, u, errMine)
		ctx = context.WithValue(ctx, key("b"), "B")
		ctx = context.WithValue(ctx, key("a"), "A2")
		wc := context.WithoutCancel(ctx)
		child, cancelChild := context.WithCancel(wc)
		defer cancelChild()
		dl, ok := wc.Deadline()
		log("WithoutCancel: done nil %v, deadline %v %v, values %v %v %v", wc.Done() == nil, dl.IsZero(), ok,
			wc.Value(key("a")), wc.Value(key("b")), wc.Value(key("c")))
		runtime.Recv(ctx.Done())
		cancel()
		log("after the parent timed out: parent %s; WithoutCancel %s; its child %s", state(ctx), state(wc), state(child))
		log("values through a cancel context: %v %v", child.Value(key("a")), child.Value(key("b")))
		chain, cancelChain := context.WithCancelCause(context.WithValue(context.WithoutCancel(base), key("k"), 7))
		defer cancelChain(nil)
		chain, cancelChain2 := context.WithCancel(context.WithValue(chain, key("s"), key("t")))
		defer cancelChain2()
		log("strings: %v", chain)
		log("nil parent: %v", panicOf(func() { context.WithCancel(nil) }))
		log("nil parent: %v", panicOf(func() { context.WithTimeout(nil, 1) }))
		log("nil parent: %v", panicOf(func() { context.WithValue(nil, 1, 1) }))
		log("nil key: %v", panicOf(func() { context.WithValue(context.Background(), nil, 1) }))
		log("bad key: %v", panicOf(func() { context.WithValue(context.Background(), []int{}, 1) }))
	})
}

// Contexts of std types on either side of the shim's: a library's std
// children of shim contexts, and shim children of std contexts.
func TestStdInterop(t *testing.T) {
	both(t, func(log func(string, ...any)) {
		parent, cancelParent := context.WithCancelCause(context.Background())
		stdChild, stdCancel := stdcontext.WithCancel(parent)
		defer stdCancel()
		stdTimer, stdTimerCancel := stdcontext.WithTimeout(parent, stdtime.Hour)
		defer stdTimerCancel()
		stdValue := stdcontext.WithValue(parent, key("k"), "v")
		shimOfStd, cancelShimOfStd := context.WithCancel(stdChild)
		defer cancelShimOfStd()
		cancelParent(errParent)
		log("std child: %s", state(stdChild))
		log("std timeout child: %s", state(stdTimer))
		log("std value child: %s", state(stdValue))
		runtime.Recv(shimOfStd.Done())
		log("shim child of the std child: %s", state(shimOfStd))

		stdParent, stdParentCancel := stdcontext.WithCancelCause(stdcontext.Background())
		c1, cancel1 := context.WithTimeout(stdParent, stdtime.Hour)
		defer cancel1()
		c2, cancel2 := context.WithCancel(stdcontext.WithValue(stdParent, key("k"), "v"))
		defer cancel2()
		woke := make(chan string, 2)
		for _, c := range []context.Context{c1, c2} {
			runtime.Go(func() {
				runtime.Recv(c.Done())
				runtime.Send(woke, state(c))
			})
		}
		stdParentCancel(errMine)
		log("shim children of a cancelled std context: %s / %s", runtime.Recv(woke), runtime.Recv(woke))

		// A std context cancelled by its own (real) deadline.
		stdDl, stdDlCancel := stdcontext.WithDeadline(stdcontext.Background(), stdtime.Now().Add(-stdtime.Second))
		defer stdDlCancel()
		c3, cancel3 := context.WithCancel(stdDl)
		defer cancel3()
		log("shim child of an expired std context: %s", state(c3))
	})
}
