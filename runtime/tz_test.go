package runtime

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestLocalZoneIsPinned(t *testing.T) {
	if os.Getenv("TZ_CHILD") == "1" {
		// In the child: the host said New York, the binary must say UTC.
		if time.Local != time.UTC || time.Now().Format("-0700") != "+0000" {
			t.Fatalf("local zone %v", time.Local)
		}
		return
	}
	if _, err := time.LoadLocation("America/New_York"); err != nil {
		t.Skip("no zoneinfo for America/New_York on this machine: the child could not tell")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestLocalZoneIsPinned$", "-test.v")
	cmd.Env = append(os.Environ(), "TZ_CHILD=1", "TZ=America/New_York")
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "PASS") {
		t.Fatalf("child: %v\n%s", err, out)
	}
}
