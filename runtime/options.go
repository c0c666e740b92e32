// This file defines the option set a seed expands into, the profiles that
// expand it, and its text and JSON forms (the JSON form is what replay reads).

package runtime

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"time"
)

// Profile names a way of expanding a seed into options.
type Profile string

const (
	// Smoke is the CI default: seeded scheduling, light perturbation, few faults.
	Smoke Profile = "smoke"
	// Swarm varies every option per seed to explore broad combinations.
	Swarm Profile = "swarm"
	// Replay takes an option set back exactly (MARIONETTE_OPTIONS).
	Replay Profile = "replay"
	// Performance is low-noise: FIFO scheduling, no perturbation, no faults.
	Performance Profile = "performance"
)

// Profiles lists every profile.
var Profiles = []Profile{Smoke, Swarm, Replay, Performance}

// Scheduling policies.
const (
	SchedRandom = "random" // seeded uniform choice among runnable goroutines
	SchedFIFO   = "fifo"   // first runnable first
)

// DefaultEpoch is the wall-clock time at which simulations start in the
// smoke and performance profiles unless the options say otherwise. It is on
// no boundary on purpose (not midnight, not a whole second, not the first of
// a month or a year): a real process never starts exactly on one, and code
// that schedules by the wall clock (a cron) would otherwise meet artificial
// ties between its timers and its callers'. The swarm profile draws an epoch
// per seed.
var DefaultEpoch = time.Date(2025, time.June, 15, 13, 37, 42, 123456789, time.UTC)

// swarmEpoch draws an epoch between 2001 and 2035, to the nanosecond, from
// the seed's own options stream for the epoch.
func swarmEpoch(seed uint64) time.Time {
	r := NewStream(seed, "options/epoch")
	lo := time.Date(2001, time.January, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	hi := time.Date(2035, time.December, 31, 0, 0, 0, 0, time.UTC).UnixNano()
	return time.Unix(0, lo+r.Int64N(hi-lo)).UTC()
}

// Options is the complete, typed option set of one run. Every probability,
// duration, budget and limit of the simulator lives here, so a printed option
// set is enough to replay a run. Later subsystems add their own sections.
type Options struct {
	Seed    uint64  `json:"seed"`
	Profile Profile `json:"profile"`

	// Scheduler is SchedRandom or SchedFIFO.
	Scheduler string `json:"scheduler"`
	// PreemptProbability is the chance that a goroutine yields at each
	// synchronisation point (channel op, lock, select...), to perturb
	// interleavings beyond what blocking alone produces.
	PreemptProbability float64 `json:"preempt_probability"`
	// Epoch is the wall-clock time of simulated instant zero.
	Epoch time.Time `json:"epoch"`
	// Buggify sets the probabilities of buggify sites (check_buggify.go).
	Buggify BuggifyOptions `json:"buggify"`
	// Disk parameterises the simulated disks (disk_options.go).
	Disk DiskOptions `json:"disk"`
	// Network parameterises the simulated network (net_options.go).
	Network NetworkOptions `json:"network"`
	// Clocks bound the nodes' clock offsets (clock.go).
	Clocks ClockOptions `json:"clocks"`
	// Nodes are the crash, restart and pause faults (node_faults.go).
	Nodes NodeFaultOptions `json:"nodes"`

	Limits Limits `json:"limits"`
}

// Limits bound a run. Exceeding one is a failure of kind "limit".
type Limits struct {
	// SimTime bounds simulated time.
	SimTime time.Duration `json:"sim_time"`
	// Events bounds the number of trace events.
	Events int64 `json:"events"`
	// Goroutines bounds the number of live simulated goroutines.
	Goroutines int `json:"goroutines"`
	// BusyWall is the real-time budget one goroutine may run without
	// reaching a yield point before the run fails as "stuck". It is
	// measured on the monotonic clock, by the watchdog's own ticks, so
	// stretches in which the process was stopped do not count; nor does
	// the simulator's own work (event callbacks, World.SimWork).
	BusyWall time.Duration `json:"busy_wall"`
	// ReportEvents is how many trailing events a failure report shows.
	ReportEvents int `json:"report_events"`
}

func defaultLimits() Limits {
	return Limits{
		SimTime:      30 * 24 * time.Hour,
		Events:       50_000_000,
		Goroutines:   100_000,
		BusyWall:     10 * time.Second,
		ReportEvents: 24,
	}
}

// Expand turns a seed and a profile into a full option set. It is a pure
// function: the same seed and profile always give the same options.
func Expand(seed uint64, p Profile) (Options, error) {
	o := Options{
		Seed:      seed,
		Profile:   p,
		Scheduler: SchedRandom,
		Epoch:     DefaultEpoch,
		Limits:    defaultLimits(),
	}
	switch p {
	case Smoke, "":
		o.Profile = Smoke
		o.PreemptProbability = 0.02
		o.Buggify = BuggifyOptions{Activate: 0.1, Fire: 0.25}
	case Swarm:
		r := NewStream(seed, StreamOptions)
		o.PreemptProbability = []float64{0, 0.01, 0.05, 0.2, 0.5}[r.IntN(5)]
		if r.IntN(8) == 0 {
			o.Scheduler = SchedFIFO
		}
		o.Epoch = swarmEpoch(seed)
		o.Buggify = BuggifyOptions{
			Activate: []float64{0, 0.1, 0.25, 0.5}[r.IntN(4)],
			Fire:     []float64{0.05, 0.25, 0.5}[r.IntN(3)],
		}
	case Performance:
		o.Scheduler = SchedFIFO
		o.PreemptProbability = 0
	case Replay:
		return o, fmt.Errorf("marionette: the replay profile needs MARIONETTE_OPTIONS (a printed JSON option set, or @file)")
	default:
		return o, fmt.Errorf("marionette: unknown profile %q (want smoke, swarm, replay or performance)", p)
	}
	o.Disk = diskOptions(seed, o.Profile)
	o.Network = networkOptions(seed, o.Profile)
	o.Clocks = clockOptions(seed, o.Profile)
	o.Nodes = nodeFaultOptions(seed, o.Profile)
	return o, nil
}

// JSON returns the option set as one line of JSON, the form replay reads.
func (o Options) JSON() string {
	b, err := json.Marshal(o)
	if err != nil {
		panic(err) // Options holds only plain data.
	}
	return string(b)
}

// ParseOptions reads an option set printed by JSON. It must be complete
// (every field present; the error names the missing ones) and valid
// (Validate).
func ParseOptions(s string) (Options, error) {
	o, err := parseOptions(s)
	if err != nil {
		return o, fmt.Errorf("marionette: %v", err)
	}
	return o, nil
}

// Text renders the option set one `key = value` per line, nested sections
// as dotted keys, in declaration order.
func (o Options) Text() string {
	var b strings.Builder
	writeFields(&b, "", reflect.ValueOf(o))
	return b.String()
}

func writeFields(b *strings.Builder, prefix string, v reflect.Value) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := strings.Split(f.Tag.Get("json"), ",")[0]
		if name == "" || name == "-" {
			continue
		}
		fv := v.Field(i)
		if fv.Kind() == reflect.Struct && fv.Type() != reflect.TypeOf(time.Time{}) {
			writeFields(b, prefix+name+".", fv)
			continue
		}
		var s string
		switch x := fv.Interface().(type) {
		case time.Time:
			s = x.Format(time.RFC3339Nano)
		case time.Duration:
			s = x.String()
		default:
			s = fmt.Sprint(x)
		}
		fmt.Fprintf(b, "%s%s = %s\n", prefix, name, s)
	}
}

// Environment variables read by OptionsFromEnv (and ResolveOptions).
const (
	EnvSeed    = "MARIONETTE_SEED"
	EnvProfile = "MARIONETTE_PROFILE"
	EnvOptions = "MARIONETTE_OPTIONS"
	EnvTrace   = "MARIONETTE_TRACE"
)

// Observing a run must not change it: the variables that only say where a
// run's observations go (its trace, its artifacts) are removed from the
// environment simulated programs see (NodeEnviron). The variables that
// define the run (seed, profile, options) stay visible.
func isObservationEnv(kv string) bool {
	k, _, _ := strings.Cut(kv, "=")
	return k == EnvTrace || k == EnvArtifacts
}

// NodeEnviron returns the environment a simulated node's process starts
// with: the real one, without the observation variables (MARIONETTE_TRACE,
// MARIONETTE_ARTIFACTS).
func NodeEnviron() []string {
	env := os.Environ()
	out := env[:0]
	for _, kv := range env {
		if !isObservationEnv(kv) {
			out = append(out, kv)
		}
	}
	return out
}

// DefaultSeed is the seed used when MARIONETTE_SEED is not set.
const DefaultSeed = 1
