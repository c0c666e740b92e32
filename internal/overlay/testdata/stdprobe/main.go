// Command stdprobe runs one simulated world whose goroutines use standard
// library state directly (this file is not rewritten by mgen): a contended
// std sync.Mutex held across a simulated sleep, a sync.WaitGroup, a
// sync.Cond, the clock, Sleep and AfterFunc, and std's crypto and
// math/rand randomness. Built
// with the std overlay it prints what it observed and the run's summary;
// built without it, the second locker blocks in the Go runtime and the run
// is stuck.
package main

import (
	"crypto/rand"
	"fmt"
	mathrand "math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/marionette-dst/marionette/runtime"
	_ "github.com/marionette-dst/marionette/runtime/stdhooks"
)

func main() {
	seed, _ := strconv.ParseUint(os.Args[1], 10, 64)
	if len(os.Args) > 2 {
		escape(seed, os.Args[2], os.Args[3])
		return
	}
	o, err := runtime.Expand(seed, runtime.Smoke)
	if err != nil {
		panic(err)
	}
	o.Limits.BusyWall = 2 * time.Second
	var log []string
	logf := func(format string, args ...any) { log = append(log, fmt.Sprintf(format, args...)) }
	r := runtime.NewWorld(o).Run(func() {
		start := time.Now()
		var mu sync.Mutex
		var wg sync.WaitGroup
		cond := sync.NewCond(&mu)
		ready := 0
		for i := range 3 {
			wg.Add(1)
			runtime.Go(func() {
				defer wg.Done()
				mu.Lock()
				runtime.Current().Sleep(time.Duration(i+1) * time.Millisecond) // holds the std lock while parked
				ready++
				cond.Broadcast()
				mu.Unlock()
				logf("g%d done at %v", i, time.Since(start))
			})
		}
		mu.Lock()
		for ready < 3 {
			cond.Wait()
		}
		mu.Unlock()
		wg.Wait()
		var b [8]byte
		rand.Read(b[:])
		logf("all done at %v; crypto %x; math %d", time.Since(start), b, mathrand.IntN(1000))

		// std's Sleep and AfterFunc run on the simulated clock.
		var firedAt, resetAt time.Duration
		never := time.AfterFunc(time.Hour, func() { panic("a stopped timer fired") })
		time.AfterFunc(2*time.Millisecond, func() { firedAt = time.Since(start) })
		moved := time.AfterFunc(time.Millisecond, func() { resetAt = time.Since(start) })
		stopped := never.Stop()
		reset := moved.Reset(3 * time.Millisecond)
		time.Sleep(5 * time.Millisecond)
		logf("slept until %v; AfterFunc fired at %v, reset one at %v; Stop %v, Reset %v, Stop again %v",
			time.Since(start), firedAt, resetAt, stopped, reset, never.Stop())
	})
	for _, l := range log {
		fmt.Println(l)
	}
	fmt.Println("replay flags: " + strings.Join(runtime.BuildFlags(), " "))
	fmt.Println(r.Summary())
	if r.Failure != nil {
		fmt.Println(r.Failure.Report())
		os.Exit(1)
	}
}

// escape runs a world whose root goroutine reads the real file in (allowed:
// an input) and then makes the real call named by what, through std (this
// file is not rewritten): "write" creates a file, "socket" opens a real
// socket, "exec" starts a process; "dial" dials with std's net, which the
// overlay sends to the simulated network (nothing listens there).
// Built with the overlay, the run fails with kind escape and the call is
// refused.
func escape(seed uint64, in, what string) {
	o, err := runtime.Expand(seed, runtime.Smoke)
	if err != nil {
		panic(err)
	}
	var callErr error
	r := runtime.NewWorld(o).Run(func() {
		if _, err := os.ReadFile(in); err != nil {
			panic(err)
		}
		switch what {
		case "write":
			callErr = os.WriteFile(in+".escaped", []byte("x"), 0o644)
		case "socket":
			var fd int
			if fd, callErr = syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0); callErr == nil {
				syscall.Close(fd)
			}
		case "exec":
			callErr = exec.Command("/bin/true").Run()
		case "dial":
			var c net.Conn
			c, callErr = net.Dial("tcp", "127.0.0.1:1")
			if c != nil {
				c.Close()
			}
		}
	})
	fmt.Println("call error:", callErr)
	fmt.Println(r.Summary())
	if r.Failure != nil {
		fmt.Println(r.Failure.Report())
		os.Exit(r.Failure.Kind.ExitCode())
	}
}
