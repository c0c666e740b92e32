package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mrt "github.com/marionette-dst/marionette/runtime"
)

// traceFile runs two small worlds with MARIONETTE_TRACE set and returns the
// directory holding trace.jsonl.
func traceFile(t *testing.T) string {
	dir := t.TempDir()
	t.Setenv(mrt.EnvTrace, filepath.Join(dir, "trace.jsonl"))
	for _, name := range []string{"TestA", "TestB"} {
		o, _ := mrt.Expand(2, mrt.Smoke)
		w := mrt.NewWorld(o)
		w.SetName(name)
		w.Run(func() {
			c := make(chan int)
			mrt.Go(func() { mrt.Send(c, 1) })
			mrt.Recv(c)
			mrt.Current().Sleep(time.Second)
			w.Trace("fault.crash", mrt.Current(), 0, "node1")
		})
	}
	return dir
}

func TestTraceCommand(t *testing.T) {
	dir := traceFile(t)
	var out, errb bytes.Buffer
	e := env{dir: dir, stdout: &out, stderr: &errb}
	if err := runIn(e, []string{"trace", "trace.jsonl"}); err != nil {
		t.Fatal(err)
	}
	var tr struct {
		TraceEvents []map[string]any `json:"traceEvents"`
	}
	if err := json.Unmarshal(out.Bytes(), &tr); err != nil {
		t.Fatalf("output is not trace JSON: %v\n%.300s", err, out.String())
	}
	procs := map[string]bool{}
	crash := false
	for _, ev := range tr.TraceEvents {
		if ev["name"] == "process_name" {
			procs[ev["args"].(map[string]any)["name"].(string)] = true
		}
		if ev["name"] == "fault.crash" && ev["s"] == "p" {
			crash = true
		}
	}
	if !procs["TestA seed 2"] || !procs["TestB seed 2"] || !crash {
		t.Fatalf("processes %v, fault instant %v", procs, crash)
	}

	// -run selects one run; -o writes a file.
	if err := runIn(e, []string{"trace", "-run", "TestB", "-clock", "seq", "-o", "b.json", "trace.jsonl"}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "b.json"))
	if err != nil || strings.Contains(string(b), "TestA") || !strings.Contains(string(b), "TestB seed 2") {
		t.Fatalf("-run TestB -o b.json: %v\n%.300s", err, b)
	}

	// Errors.
	var ue usageError
	if err := runIn(e, []string{"trace", "-clock", "wall", "trace.jsonl"}); !errors.As(err, &ue) {
		t.Errorf("bad -clock: %v, want a usage error", err)
	}
	if err := runIn(e, []string{"trace"}); !errors.As(err, &ue) {
		t.Errorf("no file: %v, want a usage error", err)
	}
	if err := runIn(e, []string{"trace", "-run", "TestC", "trace.jsonl"}); err == nil || !strings.Contains(err.Error(), "no run to convert (2 runs") {
		t.Errorf("-run TestC: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "bad.jsonl"), []byte("not json\n"), 0o644)
	if err := runIn(e, []string{"trace", "bad.jsonl"}); err == nil || !strings.Contains(err.Error(), "bad.jsonl: trace line 1") {
		t.Errorf("bad file: %v", err)
	}
}
