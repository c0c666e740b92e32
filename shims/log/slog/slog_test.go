package slog_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	stdlog "log"
	stdslog "log/slog"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/marionette-dst/marionette/runtime"
	"github.com/marionette-dst/marionette/shims/log"
	"github.com/marionette-dst/marionette/shims/log/slog"
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

func nextLine() string {
	_, _, n, _ := goruntime.Caller(1)
	return fmt.Sprintf("slog_test.go:%d", n+1)
}

// sourceOpts keeps only the base name of the source file, for stable output.
var sourceOpts = &slog.HandlerOptions{AddSource: true, ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
	if a.Key == slog.SourceKey {
		s := a.Value.Any().(*slog.Source)
		if s.File == "" {
			return slog.Attr{} // no pc: dropped
		}
		return slog.String("src", fmt.Sprintf("%s:%d", s.File[strings.LastIndex(s.File, "/")+1:], s.Line))
	}
	return a
}}

func TestHandlersUseSimulatedClock(t *testing.T) {
	var text, js bytes.Buffer
	var lines []string
	simRun(t, func() {
		runtime.Current().Sleep(2*time.Second + 5*time.Millisecond)
		tl := slog.New(slog.NewTextHandler(&text, sourceOpts))
		jl := slog.New(slog.NewJSONHandler(&js, nil))
		lines = append(lines, nextLine())
		tl.Info("hi", "k", 1)
		lines = append(lines, nextLine())
		tl.With("a", "b").WithGroup("g").Warn("w", "x", 2)
		jl.Error("oops", slog.Int("n", 3))
		tl.Handler().Handle(context.Background(), slog.NewRecord(time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC), slog.LevelInfo, "given", 0))
	})
	wantText := "time=2025-01-01T00:00:02.005Z level=INFO src=" + lines[0] + " msg=hi k=1\n" +
		"time=2025-01-01T00:00:02.005Z level=WARN src=" + lines[1] + " msg=w a=b g.x=2\n" +
		"time=2001-02-03T04:05:06.000Z level=INFO msg=given\n" // a time the program chose is kept
	if text.String() != wantText {
		t.Errorf("text handler:\n%s\nwant:\n%s", text.String(), wantText)
	}
	if want := `{"time":"2025-01-01T00:00:02.005Z","level":"ERROR","msg":"oops","n":3}` + "\n"; js.String() != want {
		t.Errorf("json handler: %s want %s", js.String(), want)
	}
}

func saveDefault(t *testing.T) {
	d := slog.Default()
	w, f := log.Writer(), log.Flags()
	t.Cleanup(func() { slog.SetDefault(d); log.SetOutput(w); log.SetFlags(f) })
}

// The package functions stamp the simulated time and the caller's position.
func TestPackageFunctions(t *testing.T) {
	saveDefault(t)
	var buf bytes.Buffer
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, sourceOpts)))
	var lines []string
	simRun(t, func() {
		runtime.Current().Sleep(time.Minute)
		lines = append(lines, nextLine())
		slog.Info("a")
		lines = append(lines, nextLine())
		slog.WarnContext(context.Background(), "b")
		lines = append(lines, nextLine())
		slog.Log(context.Background(), slog.LevelError, "c", "k", "v")
		lines = append(lines, nextLine())
		slog.LogAttrs(context.Background(), slog.LevelInfo, "d", slog.Bool("ok", true))
		lines = append(lines, nextLine())
		slog.Default().Info("e") // a std Logger method: the wrapper fixes its time
		lines = append(lines, "")
		log.Print("f") // the log package now writes through the slog default (std captures no pc)
		slog.Debug("filtered out")
	})
	want := []string{
		"level=INFO src=%s msg=a", "level=WARN src=%s msg=b", "level=ERROR src=%s msg=c k=v",
		"level=INFO src=%s msg=d ok=true", "level=INFO src=%s msg=e", "level=INFO msg=f%s",
	}
	var w strings.Builder
	for i, x := range want {
		w.WriteString("time=2025-01-01T00:01:00.000Z " + fmt.Sprintf(x, lines[i]) + "\n")
	}
	if buf.String() != w.String() {
		t.Errorf("got:\n%s\nwant:\n%s", buf.String(), w.String())
	}
}

// Without SetDefault the default handler writes through std's default
// log.Logger, which the log shim stamps.
func TestDefaultHandler(t *testing.T) {
	saveDefault(t)
	var buf bytes.Buffer
	log.SetOutput(&buf)
	log.SetFlags(log.LstdFlags)
	simRun(t, func() {
		runtime.Current().Sleep(25 * time.Hour)
		slog.Info("hi", "k", 1)
		slog.Default().Warn("w")
		stdslog.Info("std") // code that is not rewritten
	})
	want := "2025/01/02 01:00:00 INFO hi k=1\n2025/01/02 01:00:00 WARN w\n2025/01/02 01:00:00 INFO std\n"
	if buf.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", buf.String(), want)
	}
}

func TestNewLogLogger(t *testing.T) {
	var buf bytes.Buffer
	simRun(t, func() {
		runtime.Current().Sleep(time.Second)
		var l *stdlog.Logger = slog.NewLogLogger(slog.NewTextHandler(&buf, nil), slog.LevelWarn)
		l.Print("bridged")
	})
	if want := "time=2025-01-01T00:00:01.000Z level=WARN msg=bridged\n"; buf.String() != want {
		t.Errorf("got %q, want %q", buf.String(), want)
	}
}

func TestNative(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slog.NewJSONHandler(&buf, nil))
	before := time.Now()
	l.Info("now")
	var got struct{ Time time.Time }
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil || got.Time.Before(before.Add(-time.Millisecond)) || got.Time.After(time.Now()) {
		t.Errorf("native record time %v (%v) is not the real clock (%v)", got.Time, err, before)
	}
	if slog.New(l.Handler()).Handler() != l.Handler() {
		t.Error("New wrapped an already wrapped handler")
	}
	defer func() {
		if recover() == nil {
			t.Error("New(nil) did not panic")
		}
	}()
	slog.New(nil)
}

// testEpoch is the epoch these tests run at: their expected strings name it.
var testEpoch = time.Date(2025, time.January, 1, 0, 0, 0, 0, time.UTC)
