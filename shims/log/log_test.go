package log_test

import (
	"bytes"
	"fmt"
	"io"
	stdlog "log"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/marionette-dst/marionette/runtime"
	"github.com/marionette-dst/marionette/shims/log"
)

func simRun(t *testing.T, body func()) {
	t.Helper()
	o, err := runtime.Expand(1, runtime.Smoke)
	if err != nil {
		t.Fatal(err)
	}
	o.Epoch = testEpoch // the expected strings are written for this epoch
	if r := runtime.NewWorld(o).Run(body); r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
}

// line returns "log_test.go:N" for the line after the call.
func nextLine() string {
	_, _, n, _ := goruntime.Caller(1)
	return fmt.Sprintf("log_test.go:%d", n+1)
}

// The simulated clock is at the epoch (2025-01-01 00:00:00 UTC) plus 1.5s
// after the sleep.
func TestLoggerUsesSimulatedClock(t *testing.T) {
	cases := []struct {
		prefix string
		flags  int
		want   string // %s is the file:line
	}{
		{"", log.LstdFlags, "2025/01/01 00:00:01 msg\n"},
		{"p: ", log.LstdFlags | log.Lmicroseconds, "p: 2025/01/01 00:00:01.500000 msg\n"},
		{"p: ", log.Ltime | log.Lmsgprefix | log.Lshortfile, "00:00:01 %s: p: msg\n"},
		{"[x] ", log.Lmicroseconds | log.LUTC, "[x] 00:00:01.500000 msg\n"},
		{"p: ", log.Ldate, "p: 2025/01/01 msg\n"},
		{"p: ", 0, "p: msg\n"},
	}
	for _, c := range cases {
		var buf bytes.Buffer
		var pos string
		simRun(t, func() {
			runtime.Current().Sleep(1500 * time.Millisecond)
			l := log.New(&buf, c.prefix, c.flags)
			pos = nextLine()
			l.Print("msg")
		})
		want := c.want
		if strings.Contains(want, "%s") {
			want = fmt.Sprintf(want, pos)
		}
		if buf.String() != want {
			t.Errorf("prefix %q flags %#x: got %q, want %q", c.prefix, c.flags, buf.String(), want)
		}
	}
}

func TestLlongfile(t *testing.T) {
	var buf bytes.Buffer
	var file string
	var n int
	simRun(t, func() {
		l := log.New(&buf, "", log.Ldate|log.Llongfile)
		_, file, n, _ = goruntime.Caller(0)
		l.Printf("v=%d", 1)
	})
	if want := fmt.Sprintf("2025/01/01 %s:%d: v=1\n", file, n+1); buf.String() != want {
		t.Errorf("got %q, want %q", buf.String(), want)
	}
}

// saveDefault restores the standard logger after a test.
func saveDefault(t *testing.T) *bytes.Buffer {
	w, f, p := log.Writer(), log.Flags(), log.Prefix()
	t.Cleanup(func() { log.SetOutput(w); log.SetFlags(f); log.SetPrefix(p) })
	var buf bytes.Buffer
	log.SetOutput(&buf)
	return &buf
}

// The package functions log through the default logger with the user's
// position.
func TestPackageFunctions(t *testing.T) {
	buf := saveDefault(t)
	log.SetFlags(log.LstdFlags | log.Lshortfile)
	log.SetPrefix("app ")
	var lines []string
	simRun(t, func() {
		runtime.Current().Sleep(time.Hour)
		lines = append(lines, nextLine())
		log.Print("a", 1)
		lines = append(lines, nextLine())
		log.Printf("b%d", 2)
		lines = append(lines, nextLine())
		log.Println("c", 3)
		lines = append(lines, nextLine())
		log.Output(1, "d")
		lines = append(lines, nextLine())
		log.Default().Print("e")
		lines = append(lines, nextLine())
		stdlog.Print("f") // code that is not rewritten, through std's default logger
		func() {
			defer func() {
				if r := recover(); r != "g4" {
					t.Errorf("Panicf panicked with %v", r)
				}
			}()
			lines = append(lines, nextLine())
			log.Panicf("g%d", 4)
		}()
	})
	msgs := []string{"a1", "b2", "c 3", "d", "e", "f", "g4"}
	var want strings.Builder
	for i, m := range msgs {
		fmt.Fprintf(&want, "app 2025/01/01 01:00:00 %s: %s\n", lines[i], m)
	}
	if buf.String() != want.String() {
		t.Errorf("got:\n%s\nwant:\n%s", buf, want.String())
	}
	if log.Writer() != io.Writer(buf) {
		t.Errorf("Writer() = %T, want the buffer given to SetOutput", log.Writer())
	}
}

// Natively the output is std's, real clock included.
func TestNative(t *testing.T) {
	var shim, std bytes.Buffer
	flags := log.Lmsgprefix | log.Lshortfile
	ls := log.New(&shim, "x: ", flags)
	lt := stdlog.New(&std, "x: ", flags)
	for _, l := range []*log.Logger{ls, lt} {
		l.Println("hello") // one position for both
	}
	if shim.String() != std.String() || !strings.HasPrefix(shim.String(), "log_test.go:") {
		t.Errorf("shim %q, std %q", shim.String(), std.String())
	}

	buf := saveDefault(t)
	log.SetFlags(log.LstdFlags)
	before := time.Now()
	log.Print("now")
	stamp, err := time.ParseInLocation("2006/01/02 15:04:05", strings.TrimSuffix(buf.String(), " now\n"), time.Local)
	if err != nil || stamp.Before(before.Truncate(time.Second)) || stamp.After(time.Now()) {
		t.Errorf("native stamp %q (%v) is not the real clock", buf.String(), err)
	}
}

func TestDiscard(t *testing.T) {
	l := log.New(io.Discard, "", log.LstdFlags)
	if l.Writer() != io.Discard {
		t.Error("a discarding logger lost std's fast path")
	}
	saveDefault(t)
	log.SetOutput(io.Discard)
	log.Print("nothing")
	if log.Writer() != io.Discard {
		t.Error("SetOutput(io.Discard) not kept")
	}
}

// log.Fatal under simulation ends the calling node's process, not the test
// binary.
func TestFatalEndsTheNodeNotTheBinary(t *testing.T) {
	prev := stdlog.Writer()
	stdlog.SetOutput(io.Discard)
	defer stdlog.SetOutput(prev)
	o, _ := runtime.Expand(1, runtime.Smoke)
	o.Epoch = testEpoch
	r := runtime.NewWorld(o).Run(func() {
		w := runtime.Current().World()
		n := w.NewNode("victim")
		n.Start(func() { log.Fatal("bye") })
		runtime.Current().Sleep(time.Second)
		if n.State() != runtime.NodeExited || n.ExitCode() != 1 {
			t.Errorf("node %s, exit code %d; want exited with 1", n.State(), n.ExitCode())
		}
	})
	if r.Failure != nil {
		t.Fatal(r.Failure.Report())
	}
}

// testEpoch is the epoch these tests run at: their expected strings name it.
var testEpoch = time.Date(2025, time.January, 1, 0, 0, 0, 0, time.UTC)
