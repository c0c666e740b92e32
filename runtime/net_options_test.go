package runtime

import (
	"strings"
	"testing"
)

func TestNetworkOptionsProfiles(t *testing.T) {
	smoke, _ := Expand(1, Smoke)
	if n := smoke.Network; n.PartitionMode != PartitionNone || n.LossProbability > 0.01 || n.LossProbability == 0 {
		t.Errorf("smoke network: %+v, want low faults and no partitions", n)
	}
	perf, _ := Expand(1, Performance)
	if n := perf.Network; n.LossProbability != 0 || n.ReplayProbability != 0 || n.ClogProbability != 0 || n.PartitionMode != PartitionNone || n.DelayMean != 0 {
		t.Errorf("performance network has faults or jitter: %+v", n)
	}
	// Swarm varies the network per seed, reproducibly.
	seen := map[NetworkOptions]bool{}
	modes := map[string]bool{}
	for seed := uint64(1); seed <= 40; seed++ {
		a, _ := Expand(seed, Swarm)
		b, _ := Expand(seed, Swarm)
		if a.Network != b.Network {
			t.Fatalf("seed %d expands to two network sections", seed)
		}
		seen[a.Network] = true
		modes[a.Network.PartitionMode] = true
	}
	if len(seen) < 35 || len(modes) != 4 {
		t.Errorf("40 swarm seeds gave %d distinct network sections and partition modes %v", len(seen), modes)
	}
}

func TestNetworkOptionsPrintAndReplay(t *testing.T) {
	o, _ := Expand(7, Swarm)
	text := o.Text()
	for _, key := range []string{"network.delay_mean = ", "network.partition_mode = ", "network.clog_probability = ", "network.retransmit_budget = "} {
		if !strings.Contains(text, key) {
			t.Errorf("printed options lack %q", key)
		}
	}
	back, err := ParseOptions(o.JSON())
	if err != nil {
		t.Fatal(err)
	}
	if back.Network != o.Network {
		t.Errorf("replayed network options differ:\n%+v\n%+v", back.Network, o.Network)
	}
}
