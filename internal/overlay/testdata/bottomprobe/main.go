// Command bottomprobe uses the overlay's bottom package (marionette/hooks)
// the way rewritten standard-library code does: goroutines, channel sends,
// receives, closes, ranges and selects through its generic functions, mixed
// with rewritten-style operations of the runtime on the same channels, in a
// world and natively. It builds only with the std overlay.
package main

import (
	"fmt"
	"marionette/hooks"
	"os"
	"strconv"
	"time"

	"github.com/marionette-dst/marionette/runtime"
	_ "github.com/marionette-dst/marionette/runtime/stdhooks"
)

func main() {
	seed, _ := strconv.ParseUint(os.Args[1], 10, 64)
	fmt.Println("native:", scenario(func(d time.Duration) { time.Sleep(d) }))
	o, err := runtime.Expand(seed, runtime.Smoke)
	if err != nil {
		panic(err)
	}
	var got string
	r := runtime.NewWorld(o).Run(func() {
		got = scenario(func(d time.Duration) { runtime.Current().Sleep(d) })
	})
	fmt.Println("simulated:", got)
	fmt.Println(r.Summary())
	if r.Failure != nil {
		fmt.Println(r.Failure.Report())
		os.Exit(1)
	}
}

// scenario returns what it observed; it is the same natively and simulated.
func scenario(sleep func(time.Duration)) string {
	out := ""
	// Ping-pong between a goroutine started through the bottom package and
	// this one, which uses the runtime's generic operations (in a world) or
	// native ones: the same channel, two kinds of callers.
	ping, pong := make(chan int), make(chan int)
	hooks.Go(func() {
		for v := range hooks.Range(ping) {
			hooks.Send(pong, v*10)
		}
		hooks.Close(pong)
	})
	for i := 1; i <= 3; i++ {
		runtime.Send(ping, i)
		out += strconv.Itoa(runtime.Recv(pong)) + " "
	}
	runtime.Close(ping)
	_, ok := hooks.Recv2(pong)
	out += fmt.Sprintf("closed:%v ", !ok)

	// Select: default when nothing is ready, then the ready case, then a
	// case that becomes ready while the select waits.
	a, b := make(chan string, 1), make(chan string)
	if hooks.Select(true, hooks.RecvCase(a), hooks.RecvCase(b)) == -1 {
		out += "default "
	}
	a <- "a"
	ra, rb := hooks.RecvCase(a), hooks.RecvCase(b)
	switch hooks.Select(false, ra, rb) {
	case 0:
		out += ra.V + fmt.Sprint(ra.OK) + " "
	case 1:
		out += "b? "
	}
	hooks.Go(func() {
		sleep(time.Millisecond)
		hooks.Send(b, "b")
	})
	ra, rb = hooks.RecvCase(a), hooks.RecvCase(b)
	switch hooks.Select(false, ra, rb) {
	case 0:
		out += "a? "
	case 1:
		out += rb.V + fmt.Sprint(rb.OK) + " "
	}
	done := make(chan struct{})
	hooks.Go(func() { hooks.Close(done) })
	rd := hooks.RecvCase(done)
	if hooks.Select(false, rd, hooks.SendCase(make(chan int), 1)) == 0 && !rd.OK {
		out += "done"
	}
	return out
}
