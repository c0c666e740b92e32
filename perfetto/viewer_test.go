package perfetto_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/marionette-dst/marionette/perfetto"
)

// TestDevToolsParserLoadsExport loads an exported trace with Chrome
// DevTools' own trace parser (SDK.TracingModel of chrome-devtools-frontend)
// under node, and requires it to report no error and to see every track.
// It needs node and `npm install --prefix perfetto/testdata/devtools`;
// without them it is skipped.
func TestDevToolsParserLoadsExport(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	if _, err := os.Stat("testdata/devtools/node_modules/devtools-timeline-model"); err != nil {
		t.Skip("run: npm install --prefix perfetto/testdata/devtools")
	}
	runs := sample(t)
	var buf bytes.Buffer
	if err := perfetto.Write(&buf, runs, perfetto.Options{}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "trace.json")
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "check.js", file)
	cmd.Dir = "testdata/devtools"
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("devtools parser: %v\n%s", err, out)
	}
	var got struct {
		Processes []string
		Threads   int
		Slices    int
		Instants  int
		Errors    []string
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("parser output %q: %v", out, err)
	}
	if len(got.Errors) > 0 || len(got.Processes) != 1 || got.Processes[0] != "TestSample seed 3" || got.Threads != 6 || got.Slices < 20 || got.Instants < 5 {
		t.Fatalf("devtools parser saw %+v", got)
	}
	t.Logf("devtools parser: %s", out)
}
