// This file pins the local time zone of simulation binaries. A time zone is
// an input from outside the seed: the same seed on a machine with another
// TZ would format, parse and schedule differently (robfig/cron's suite did).
// Every binary that imports the runtime is a simulation binary (generated
// packages, simulated tests, mgen build output), so the runtime makes its
// local zone UTC, or the zone named by MARIONETTE_TZ, before any package
// that depends on it initialises (the time shim copies time.Local at its
// own initialisation).

package runtime

import (
	"fmt"
	"os"
	"time"
)

// EnvTZ names the local time zone of a simulation binary (default UTC).
const EnvTZ = "MARIONETTE_TZ"

func init() {
	name := os.Getenv(EnvTZ)
	if name == "" || name == "UTC" {
		os.Setenv("TZ", "") // std: an empty TZ means UTC
		time.Local = time.UTC
		return
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		fmt.Fprintf(os.Stderr, "marionette: %s=%q: %v; using UTC\n", EnvTZ, name, err)
		loc = time.UTC
	}
	os.Setenv("TZ", name)
	time.Local = loc
}
