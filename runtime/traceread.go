// This file reads trace files written with MARIONETTE_TRACE back, so tools
// can compare two runs event by event.

package runtime

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
)

// TraceRun is one run of a trace file: its name, events and final hash.
type TraceRun struct {
	Name   string
	Seed   uint64
	Events []TraceEvent
	Hash   string
	Result string
}

// ReadTrace parses a trace file: for each run, a header line ({"run":...}),
// one line per event, and a tail line ({"hash":...}).
func ReadTrace(r io.Reader) ([]TraceRun, error) {
	var runs []TraceRun
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	line := 0
	var cur *TraceRun
	for sc.Scan() {
		line++
		var probe map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &probe); err != nil {
			return nil, fmt.Errorf("trace line %d: %v", line, err)
		}
		switch {
		case probe["run"] != nil:
			var h struct {
				Run  string `json:"run"`
				Seed uint64 `json:"seed"`
			}
			if err := json.Unmarshal(sc.Bytes(), &h); err != nil {
				return nil, fmt.Errorf("trace line %d: %v", line, err)
			}
			runs = append(runs, TraceRun{Name: h.Run, Seed: h.Seed})
			cur = &runs[len(runs)-1]
		case probe["hash"] != nil:
			if cur == nil {
				return nil, fmt.Errorf("trace line %d: summary without a run header", line)
			}
			json.Unmarshal(probe["hash"], &cur.Hash)
			json.Unmarshal(probe["result"], &cur.Result)
			cur = nil
		default:
			if cur == nil {
				return nil, fmt.Errorf("trace line %d: event outside a run", line)
			}
			var ev TraceEvent
			if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
				return nil, fmt.Errorf("trace line %d: %v", line, err)
			}
			cur.Events = append(cur.Events, ev)
		}
	}
	return runs, sc.Err()
}
