// This file is the one resolver of a run's option set. Test binaries
// (runtime/simtest), simulated binaries (runtime/simmain) and mgen test all
// turn the same three inputs — a seed, a profile and an option set, each
// given by an environment variable or by a flag standing for it — into
// Options with ResolveOptions, so the same environment always means the
// same run, and every mistake is reported before anything runs.
//
// Precedence and agreement:
//
//   - A flag (-seed, -profile, -options) replaces its own environment
//     variable (MARIONETTE_SEED, MARIONETTE_PROFILE, MARIONETTE_OPTIONS);
//     an empty value counts as not given.
//   - With an option set, the run replays it exactly. A seed given as well
//     must be the option set's seed, and a profile must be replay or the
//     option set's profile: anything else is a conflict, reported as an
//     error naming both inputs, never a silent override.
//   - Without one, the seed (default 1) and the profile (default smoke)
//     expand into the option set; the replay profile without an option set
//     is an error.
//
// An option set must be complete (every field of a printed set; the error
// names the missing ones) and valid (Options.Validate). An option set that
// is not exactly what its seed and profile expand to (one edited by hand)
// runs with profile replay, so summary lines and replay commands say so.

package runtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"strings"
	"time"
)

// OptionInput is one input of the resolver: its raw value ("" when not
// given) and where it came from, as errors name it ("$MARIONETTE_SEED",
// "-seed").
type OptionInput struct {
	Value string
	From  string
}

// OptionInputs are the three inputs a run's option set is resolved from.
type OptionInputs struct {
	Seed, Profile, Options OptionInput
	// OptionsVia says how an option set can be given, for the error of the
	// replay profile without one (default "$MARIONETTE_OPTIONS").
	OptionsVia string
}

// EnvOptionInputs reads MARIONETTE_SEED, MARIONETTE_PROFILE and
// MARIONETTE_OPTIONS.
func EnvOptionInputs() OptionInputs {
	return OptionInputs{
		Seed:       OptionInput{os.Getenv(EnvSeed), "$" + EnvSeed},
		Profile:    OptionInput{os.Getenv(EnvProfile), "$" + EnvProfile},
		Options:    OptionInput{os.Getenv(EnvOptions), "$" + EnvOptions},
		OptionsVia: "$" + EnvOptions,
	}
}

// Override returns in with every input that flags gives (a non-empty
// value) replacing in's, and flags' OptionsVia if it has one.
func (in OptionInputs) Override(flags OptionInputs) OptionInputs {
	for _, p := range []struct{ dst, src *OptionInput }{
		{&in.Seed, &flags.Seed}, {&in.Profile, &flags.Profile}, {&in.Options, &flags.Options},
	} {
		if p.src.Value != "" {
			*p.dst = *p.src
		}
	}
	if flags.OptionsVia != "" {
		in.OptionsVia = flags.OptionsVia
	}
	return in
}

// OptionsFromEnv resolves the option set from the environment alone
// (ResolveOptions of EnvOptionInputs).
func OptionsFromEnv() (Options, error) {
	return ResolveOptions(EnvOptionInputs())
}

// ResolveOptions turns the inputs into the run's option set, or an error
// prefixed "marionette: " naming the input at fault and why.
func ResolveOptions(in OptionInputs) (Options, error) {
	var seed uint64
	if in.Seed.Value != "" {
		v, err := parseSeed(in.Seed.Value)
		if err != nil {
			return Options{}, fmt.Errorf("marionette: %s: %v", in.Seed.From, err)
		}
		seed = v
	}
	p := Profile(strings.TrimSpace(in.Profile.Value))
	if p != "" && !knownProfile(p) {
		return Options{}, fmt.Errorf("marionette: %s: unknown profile %q (want smoke, swarm, replay or performance)", in.Profile.From, in.Profile.Value)
	}

	if in.Options.Value == "" {
		if p == Replay {
			via := in.OptionsVia
			if via == "" {
				via = "$" + EnvOptions
			}
			return Options{}, fmt.Errorf("marionette: %s: the replay profile needs the option set to replay (%s: a printed JSON option set, or @file)", in.Profile.From, via)
		}
		if in.Seed.Value == "" {
			seed = DefaultSeed
		}
		return Expand(seed, p)
	}

	raw := in.Options.Value
	if name, ok := strings.CutPrefix(raw, "@"); ok {
		b, err := os.ReadFile(name)
		if err != nil {
			return Options{}, fmt.Errorf("marionette: %s: %v", in.Options.From, err)
		}
		raw = string(b)
	}
	o, err := parseOptions(raw)
	if err != nil {
		return Options{}, fmt.Errorf("marionette: %s: %v", in.Options.From, err)
	}
	if in.Seed.Value != "" && seed != o.Seed {
		return Options{}, fmt.Errorf("marionette: %s=%s conflicts with %s, whose seed is %d (give one, or the same seed)",
			in.Seed.From, in.Seed.Value, in.Options.From, o.Seed)
	}
	if p != "" && p != Replay && p != o.Profile {
		return Options{}, fmt.Errorf("marionette: %s=%s conflicts with %s, whose profile is %s (an option set is replayed exactly: give profile replay, or no profile)",
			in.Profile.From, in.Profile.Value, in.Options.From, o.Profile)
	}
	if !o.Expanded() {
		o.Profile = Replay
	}
	return o, nil
}

func knownProfile(p Profile) bool {
	for _, q := range Profiles {
		if p == q {
			return true
		}
	}
	return false
}

// Expanded reports whether o is exactly what its seed and profile expand
// to, so that the seed and profile alone reproduce it.
func (o Options) Expanded() bool {
	if o.Profile == Replay {
		return false
	}
	e, err := Expand(o.Seed, o.Profile)
	return err == nil && e.JSON() == o.JSON()
}

// parseOptions reads a complete, valid option set printed by JSON. Its
// errors carry no prefix.
func parseOptions(s string) (Options, error) {
	var o Options
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return o, fmt.Errorf("bad option set: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return o, fmt.Errorf("bad option set: unexpected data after the JSON object")
	}
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
		return o, fmt.Errorf("bad option set: want a JSON object (the json line a run prints), got %.20s", t)
	}
	dec = json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		return o, fmt.Errorf("bad option set: %v", err)
	}
	var missing []string
	missingFields(reflect.TypeOf(o), raw, "", &missing)
	if len(missing) > 0 {
		return o, fmt.Errorf("incomplete option set: missing %s (a replay needs every field of a printed option set)", strings.Join(missing, ", "))
	}
	if !knownProfile(o.Profile) {
		return o, fmt.Errorf("invalid option set: profile: unknown profile %q (want smoke, swarm, replay or performance)", o.Profile)
	}
	if err := o.validate(); err != nil {
		return o, err
	}
	return o, nil
}

var timeType = reflect.TypeOf(time.Time{})

// missingFields appends the dotted names of the fields of struct type t
// that the JSON object raw lacks (or holds null for, except lists: an empty
// list prints as null). A missing section is named once, not field by field.
func missingFields(t reflect.Type, raw json.RawMessage, prefix string, out *[]string) {
	var m map[string]json.RawMessage
	json.Unmarshal(raw, &m) // decoded into t already: an object
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := strings.Split(f.Tag.Get("json"), ",")[0]
		if name == "" || name == "-" {
			continue
		}
		v, ok := m[name]
		if !ok || string(bytes.TrimSpace(v)) == "null" && f.Type.Kind() != reflect.Slice {
			*out = append(*out, prefix+name)
			continue
		}
		if f.Type.Kind() == reflect.Struct && f.Type != timeType {
			missingFields(f.Type, v, prefix+name+".", out)
		}
	}
}

// Validate reports every field of o whose value the simulator cannot run
// with: probabilities outside [0, 1], negative durations, sizes and
// factors, limits and intervals that must be positive, unknown names. The
// error names each field as its dotted JSON key, with the reason.
func (o Options) Validate() error {
	if !knownProfile(o.Profile) {
		return fmt.Errorf("marionette: invalid option set: profile: unknown profile %q (want smoke, swarm, replay or performance)", o.Profile)
	}
	if err := o.validate(); err != nil {
		return errors.New("marionette: " + err.Error())
	}
	return nil
}

func (o Options) validate() error {
	var c optCheck
	c.oneOf("scheduler", o.Scheduler, SchedRandom, SchedFIFO)
	c.prob("preempt_probability", o.PreemptProbability)
	if y := o.Epoch.Year(); y < 1678 || y > 2261 {
		c.bad("epoch", "must be between the years 1678 and 2261 (nanoseconds since 1970 fit in 64 bits)", o.Epoch.Format(time.RFC3339Nano))
	}
	c.prob("buggify.activate", o.Buggify.Activate)
	c.prob("buggify.fire", o.Buggify.Fire)

	d := o.Disk
	c.positive("disk.sector_size", int64(d.SectorSize))
	c.dur("disk.read_latency_min", d.ReadLatencyMin, false)
	c.dur("disk.read_latency_mean", d.ReadLatencyMean, false)
	c.dur("disk.write_latency_min", d.WriteLatencyMin, false)
	c.dur("disk.write_latency_mean", d.WriteLatencyMean, false)
	c.dur("disk.sync_latency_min", d.SyncLatencyMin, false)
	c.dur("disk.sync_latency_mean", d.SyncLatencyMean, false)
	c.prob("disk.read_error", d.ReadError)
	c.prob("disk.write_error", d.WriteError)
	c.prob("disk.sync_error", d.SyncError)
	c.nonNegative("disk.capacity", d.Capacity)
	c.prob("disk.corrupt", d.Corrupt)
	c.prob("disk.misdirect", d.Misdirect)
	c.prob("disk.latent", d.Latent)
	c.prob("disk.crash_keep", d.CrashKeep)
	c.prob("disk.crash_tear", d.CrashTear)
	c.prob("disk.crash_probability", d.CrashProbability)
	c.factor("disk.crash_pending_factor", d.CrashPendingFactor)
	c.dur("disk.writeback_after", d.WritebackAfter, false)
	c.oneOf("disk.fault_scope", d.FaultScope, FaultScopeDeclared, FaultScopeAll)

	n := o.Network
	c.dur("network.delay_min", n.DelayMin, false)
	c.dur("network.delay_mean", n.DelayMean, false)
	c.dur("network.loopback_delay", n.LoopbackDelay, false)
	c.prob("network.loss_probability", n.LossProbability)
	c.prob("network.replay_probability", n.ReplayProbability)
	c.positive("network.path_capacity", int64(n.PathCapacity))
	c.dur("network.fault_tick", n.FaultTick, true)
	c.prob("network.clog_probability", n.ClogProbability)
	c.dur("network.clog_mean", n.ClogMean, true)
	c.oneOf("network.partition_mode", n.PartitionMode, PartitionNone, PartitionUniformSize, PartitionUniformPartition, PartitionIsolateSingle)
	c.oneOf("network.partition_symmetry", n.PartitionSymmetry, PartitionSymmetric, PartitionAsymmetric)
	c.prob("network.partition_probability", n.PartitionProbability)
	c.prob("network.unpartition_probability", n.UnpartitionProbability)
	c.dur("network.partition_stability", n.PartitionStability, false)
	c.dur("network.unpartition_stability", n.UnpartitionStability, false)
	c.positive("network.tcp_mss", int64(n.TCPMSS))
	c.positive("network.tcp_rcvbuf", int64(n.TCPRcvBuf))
	c.positive("network.tcp_sndbuf", int64(n.TCPSndBuf))
	c.dur("network.rto_initial", n.RTOInitial, true)
	c.dur("network.rto_min", n.RTOMin, true)
	c.dur("network.rto_max", n.RTOMax, true)
	if n.RTOMin > 0 && n.RTOMax > 0 && n.RTOMin > n.RTOMax {
		c.bad("network.rto_min", "must not exceed network.rto_max ("+n.RTOMax.String()+")", n.RTOMin.String())
	}
	c.positive("network.retransmit_budget", int64(n.RetransmitBudget))
	c.positive("network.syn_retries", int64(n.SynRetries))
	c.dur("network.delayed_ack", n.DelayedAck, false)
	c.positive("network.backlog", int64(n.Backlog))
	c.positive("network.udp_max_datagram", int64(n.UDPMaxDatagram))
	c.positive("network.udp_rcvbuf", int64(n.UDPRcvBuf))

	k := o.Clocks
	for i, m := range k.Models {
		c.oneOf(fmt.Sprintf("clocks.models[%d]", i), m, ClockIdeal, ClockLinear, ClockPeriodic, ClockStep, ClockJitter)
	}
	c.dur("clocks.max_offset", k.MaxOffset, false)
	c.factor("clocks.max_drift_ppm", k.MaxDriftPPM)
	c.dur("clocks.period", k.Period, false)
	c.dur("clocks.step_within", k.StepWithin, false)

	f := o.Nodes
	c.dur("nodes.check_interval", f.CheckInterval, true)
	c.prob("nodes.crash_probability", f.CrashProbability)
	c.factor("nodes.pending_writes_factor", f.PendingWritesFactor)
	c.prob("nodes.restart_probability", f.RestartProbability)
	c.prob("nodes.pause_probability", f.PauseProbability)
	c.prob("nodes.resume_probability", f.ResumeProbability)
	c.dur("nodes.min_up", f.MinUp, false)
	c.dur("nodes.min_down", f.MinDown, false)
	c.nonNegative("nodes.max_down", int64(f.MaxDown))

	l := o.Limits
	c.dur("limits.sim_time", l.SimTime, true)
	c.positive("limits.events", l.Events)
	c.positive("limits.goroutines", int64(l.Goroutines))
	c.dur("limits.busy_wall", l.BusyWall, true)
	c.positive("limits.report_events", int64(l.ReportEvents))

	if len(c.problems) == 0 {
		return nil
	}
	return fmt.Errorf("invalid option set: %s", strings.Join(c.problems, "; "))
}

// optCheck collects the problems of an option set, one "field: why (got
// value)" each.
type optCheck struct{ problems []string }

func (c *optCheck) bad(field, why string, got any) {
	c.problems = append(c.problems, fmt.Sprintf("%s: %s (got %v)", field, why, got))
}

func (c *optCheck) prob(field string, v float64) {
	if !(v >= 0 && v <= 1) {
		c.bad(field, "must be a probability between 0 and 1", v)
	}
}

func (c *optCheck) factor(field string, v float64) {
	if !(v >= 0) || math.IsInf(v, 1) {
		c.bad(field, "must be a finite number of at least 0", v)
	}
}

func (c *optCheck) positive(field string, v int64) {
	if v <= 0 {
		c.bad(field, "must be positive", v)
	}
}

func (c *optCheck) nonNegative(field string, v int64) {
	if v < 0 {
		c.bad(field, "must not be negative", v)
	}
}

func (c *optCheck) dur(field string, d time.Duration, positive bool) {
	switch {
	case positive && d <= 0:
		c.bad(field, "must be a positive duration in nanoseconds", d)
	case d < 0:
		c.bad(field, "must not be a negative duration", d)
	}
}

func (c *optCheck) oneOf(field, v string, allowed ...string) {
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	c.bad(field, "must be one of "+strings.Join(allowed, ", "), fmt.Sprintf("%q", v))
}
