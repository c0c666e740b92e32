package runtime

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// env builds resolver inputs as the environment would give them.
func envInputs(seed, profile, options string) OptionInputs {
	return OptionInputs{
		Seed:       OptionInput{seed, "$" + EnvSeed},
		Profile:    OptionInput{profile, "$" + EnvProfile},
		Options:    OptionInput{options, "$" + EnvOptions},
		OptionsVia: "$" + EnvOptions,
	}
}

// fromEnv resolves the options from the environment (through the API test
// binaries have always used).
func fromEnv(t *testing.T, seed, profile, options string) (Options, error) {
	t.Setenv(EnvSeed, seed)
	t.Setenv(EnvProfile, profile)
	t.Setenv(EnvOptions, options)
	return OptionsFromEnv()
}

func mustExpand(t *testing.T, seed uint64, p Profile) Options {
	t.Helper()
	o, err := Expand(seed, p)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// Defect 11: partial option sets ran with seed 0, an empty profile or
// busy_wall 0 (no watchdog: a busy loop hung). Now each is an error that
// names the missing fields.
func TestResolvePartialOptionSetIsAnError(t *testing.T) {
	for _, c := range []struct {
		json string
		want []string
	}{
		{`{}`, []string{"incomplete option set: missing seed, profile, scheduler, preempt_probability, epoch, buggify, disk, network, clocks, nodes, limits"}},
		{`null`, []string{"want a JSON object"}},
		{`{"limits":{"sim_time":1000000000,"events":100,"goroutines":10,"report_events":8}}`,
			[]string{"missing seed, profile,", "disk, network, clocks, nodes, limits.busy_wall"}},
		{`{"seed":1} trailing`, []string{"unexpected data after the JSON object"}},
		{`{"seed":1,"bogus":2}`, []string{`unknown field "bogus"`}},
	} {
		_, err := fromEnv(t, "", "replay", c.json)
		if err == nil {
			t.Errorf("%s: accepted", c.json)
			continue
		}
		for _, w := range append(c.want, "marionette: $MARIONETTE_OPTIONS: ") {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q lacks %q", c.json, err, w)
			}
		}
	}
	// A section present with one field missing names that field.
	o := mustExpand(t, 3, Smoke)
	var m map[string]any
	json.Unmarshal([]byte(o.JSON()), &m)
	delete(m["network"].(map[string]any), "rto_max")
	m["clocks"].(map[string]any)["models"] = nil // an empty list prints as null: present
	b, _ := json.Marshal(m)
	if _, err := ParseOptions(string(b)); err == nil || !strings.Contains(err.Error(), "missing network.rto_max (") {
		t.Errorf("missing network.rto_max: %v", err)
	}
}

// Defect 11: negative limits were accepted.
func TestResolveRejectsNegativeAndZeroLimits(t *testing.T) {
	for _, set := range []struct {
		field string
		f     func(*Options)
	}{
		{"limits.busy_wall", func(o *Options) { o.Limits.BusyWall = -time.Second }},
		{"limits.busy_wall", func(o *Options) { o.Limits.BusyWall = 0 }},
		{"limits.sim_time", func(o *Options) { o.Limits.SimTime = -1 }},
		{"limits.events", func(o *Options) { o.Limits.Events = -5 }},
		{"limits.goroutines", func(o *Options) { o.Limits.Goroutines = 0 }},
		{"network.loss_probability", func(o *Options) { o.Network.LossProbability = 1.5 }},
		{"scheduler", func(o *Options) { o.Scheduler = "lifo" }},
		{"network.rto_min", func(o *Options) { o.Network.RTOMin = o.Network.RTOMax + 1 }},
	} {
		o := mustExpand(t, 1, Smoke)
		set.f(&o)
		_, err := fromEnv(t, "", "replay", o.JSON())
		if err == nil || !strings.Contains(err.Error(), "invalid option set: "+set.field+": ") {
			t.Errorf("%s: error %v, want one naming the field", set.field, err)
		}
	}
}

// Every numeric field is checked (a new field without a check fails here):
// -1 is invalid for each, as is an unknown name for each string field.
func TestValidateChecksEveryField(t *testing.T) {
	base := mustExpand(t, 1, Swarm)
	var walk func(v reflect.Value, prefix string)
	walk = func(v reflect.Value, prefix string) {
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			name := prefix + strings.Split(f.Tag.Get("json"), ",")[0]
			fv := v.Field(i)
			if fv.Kind() == reflect.Struct && fv.Type() != timeType {
				walk(fv, name+".")
				continue
			}
			o := base
			target := fieldByPath(reflect.ValueOf(&o).Elem(), name)
			switch target.Kind() {
			case reflect.Int, reflect.Int64:
				target.SetInt(-1)
			case reflect.Float64:
				target.SetFloat(-1)
			case reflect.String:
				target.SetString("bogus")
			case reflect.Slice:
				target.Set(reflect.ValueOf([]string{"bogus"}))
				name += "[0]"
			case reflect.Uint64:
				continue // the seed: every value is valid
			case reflect.Struct: // the epoch
				target.Set(reflect.ValueOf(time.Time{}))
			default:
				t.Errorf("%s: kind %s not covered by this test", name, target.Kind())
				continue
			}
			if err := o.Validate(); err == nil || !strings.Contains(err.Error(), name+": ") {
				t.Errorf("%s set invalid: Validate = %v", name, err)
			}
		}
	}
	walk(reflect.ValueOf(base), "")
}

func fieldByPath(v reflect.Value, path string) reflect.Value {
	for _, part := range strings.Split(path, ".") {
		for i := 0; i < v.NumField(); i++ {
			if strings.Split(v.Type().Field(i).Tag.Get("json"), ",")[0] == part {
				v = v.Field(i)
				break
			}
		}
	}
	return v
}

// Every option set a profile expands to is valid, and reads back exactly.
func TestExpandedOptionsAreValid(t *testing.T) {
	for _, p := range []Profile{Smoke, Swarm, Performance} {
		for s := uint64(0); s < 300; s++ {
			o := mustExpand(t, s, p)
			if err := o.Validate(); err != nil {
				t.Fatalf("seed %d profile %s: %v", s, p, err)
			}
			back, err := ParseOptions(o.JSON())
			if err != nil || back.JSON() != o.JSON() || !back.Expanded() {
				t.Fatalf("seed %d profile %s: read back %v, expanded %v", s, p, err, back.Expanded())
			}
		}
	}
}

// Defect 11: MARIONETTE_OPTIONS silently overrode MARIONETTE_SEED, and the
// replay profile or a bogus one were found out only when the first test
// ran. The precedence: a flag replaces its own variable; an option set is
// replayed exactly and a seed or profile given with it must agree.
func TestResolvePrecedence(t *testing.T) {
	swarm7 := mustExpand(t, 7, Swarm).JSON()
	edited := mustExpand(t, 7, Swarm)
	edited.Limits.BusyWall = time.Second
	file := filepath.Join(t.TempDir(), "opts.json")
	os.WriteFile(file, []byte(swarm7), 0o644)
	flags := func(seed, profile, options string) OptionInputs {
		return OptionInputs{Seed: OptionInput{seed, "-seed"}, Profile: OptionInput{profile, "-profile"}, Options: OptionInput{options, "-options"},
			OptionsVia: "-options or $" + EnvOptions}
	}
	for _, c := range []struct {
		name        string
		in          OptionInputs
		seed        uint64
		profile     Profile
		err         string
		sameAsSwarm bool
	}{
		{name: "defaults", in: envInputs("", "", ""), seed: 1, profile: Smoke},
		{name: "env seed and profile", in: envInputs("42", "swarm", ""), seed: 42, profile: Swarm},
		{name: "git commit seed", in: envInputs("0000000000000010aaaaaaaaaaaaaaaaaaaaaaaa", "", ""), seed: 16, profile: Smoke},
		{name: "options alone", in: envInputs("", "", swarm7), seed: 7, profile: Swarm, sameAsSwarm: true},
		{name: "options from a file", in: envInputs("", "replay", "@"+file), seed: 7, profile: Swarm, sameAsSwarm: true},
		{name: "options with the same seed and profile", in: envInputs("7", "swarm", swarm7), seed: 7, profile: Swarm},
		{name: "edited options run as replay", in: envInputs("", "replay", edited.JSON()), seed: 7, profile: Replay},
		{name: "options and another seed", in: envInputs("42", "", swarm7), err: "marionette: $MARIONETTE_SEED=42 conflicts with $MARIONETTE_OPTIONS, whose seed is 7"},
		{name: "options and another profile", in: envInputs("", "smoke", swarm7), err: "marionette: $MARIONETTE_PROFILE=smoke conflicts with $MARIONETTE_OPTIONS, whose profile is swarm"},
		{name: "replay without options", in: envInputs("3", "replay", ""), err: "marionette: $MARIONETTE_PROFILE: the replay profile needs the option set to replay ($MARIONETTE_OPTIONS"},
		{name: "bogus profile", in: envInputs("", "bogus", ""), err: `marionette: $MARIONETTE_PROFILE: unknown profile "bogus"`},
		{name: "bad seed", in: envInputs("x1", "", ""), err: `marionette: $MARIONETTE_SEED: bad seed "x1"`},
		{name: "missing file", in: envInputs("", "", "@/nonexistent/o.json"), err: "marionette: $MARIONETTE_OPTIONS: open /nonexistent/o.json"},
		{name: "flag seed replaces env seed", in: envInputs("42", "swarm", "").Override(flags("5", "", "")), seed: 5, profile: Swarm},
		{name: "flag options and env seed", in: envInputs("42", "", "").Override(flags("", "", swarm7)), err: "marionette: $MARIONETTE_SEED=42 conflicts with -options, whose seed is 7"},
		{name: "flag replay without options", in: envInputs("", "", "").Override(flags("", "replay", "")), err: "marionette: -profile: the replay profile needs the option set to replay (-options or $MARIONETTE_OPTIONS"},
	} {
		o, err := ResolveOptions(c.in)
		if c.err != "" {
			if err == nil || !strings.HasPrefix(err.Error(), c.err) {
				t.Errorf("%s: error %v, want %q", c.name, err, c.err)
			}
			continue
		}
		if err != nil || o.Seed != c.seed || o.Profile != c.profile {
			t.Errorf("%s: seed %d profile %s err %v; want seed %d profile %s", c.name, o.Seed, o.Profile, err, c.seed, c.profile)
		}
		if c.sameAsSwarm && o.JSON() != swarm7 {
			t.Errorf("%s: options differ from the option set given", c.name)
		}
	}
}

// The environment cases of TestResolvePrecedence, through OptionsFromEnv.
func TestOptionsFromEnvConflicts(t *testing.T) {
	swarm7 := mustExpand(t, 7, Swarm).JSON()
	if o, err := fromEnv(t, "9", "", swarm7); err == nil || !strings.Contains(err.Error(), "$MARIONETTE_SEED=9 conflicts with $MARIONETTE_OPTIONS, whose seed is 7") {
		t.Errorf("seed 9 with an option set of seed 7: seed %d, %v", o.Seed, err)
	}
	if o, err := fromEnv(t, "", "smoke", swarm7); err == nil || !strings.Contains(err.Error(), "$MARIONETTE_PROFILE=smoke conflicts with $MARIONETTE_OPTIONS") {
		t.Errorf("profile smoke with a swarm option set: profile %s, %v", o.Profile, err)
	}
	if o, err := fromEnv(t, "7", "swarm", swarm7); err != nil || o.JSON() != swarm7 {
		t.Errorf("seed and profile that agree with the option set: %v", err)
	}
}
