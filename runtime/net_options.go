// This file defines the network section of the option set: every delay,
// fault probability, fault duration and protocol parameter of the simulated
// network (runtime/netsim), with the values each profile expands to. See
// docs/network.md for what each one means.

package runtime

import (
	"math/rand/v2"
	"time"
)

// Partition modes (NetworkOptions.PartitionMode).
const (
	PartitionNone             = "none"              // never partition
	PartitionUniformSize      = "uniform_size"      // a side of k nodes, k uniform in [1, n-1]
	PartitionUniformPartition = "uniform_partition" // each node joins a side with probability 1/2
	PartitionIsolateSingle    = "isolate_single"    // one node against the rest
)

// Partition symmetries (NetworkOptions.PartitionSymmetry).
const (
	PartitionSymmetric  = "symmetric"  // both directions between the sides are blocked
	PartitionAsymmetric = "asymmetric" // only paths from the first side to the other are blocked
)

// NetworkOptions are the parameters of the simulated network.
type NetworkOptions struct {
	// One-way delay of a path between two nodes: DelayMin plus an
	// exponential with mean DelayMean, drawn per packet.
	DelayMin  time.Duration `json:"delay_min"`
	DelayMean time.Duration `json:"delay_mean"`
	// LoopbackDelay is the fixed one-way delay of a node's path to itself.
	LoopbackDelay time.Duration `json:"loopback_delay"`
	// LossProbability is the chance a packet is dropped entering a path.
	LossProbability float64 `json:"loss_probability"`
	// ReplayProbability is the chance a packet is duplicated.
	ReplayProbability float64 `json:"replay_probability"`
	// PathCapacity is how many packets a path holds; a packet entering a
	// full path makes it drop a queued packet.
	PathCapacity int `json:"path_capacity"`

	// FaultTick is the granularity of the random fault processes.
	FaultTick time.Duration `json:"fault_tick"`
	// ClogProbability is the chance per tick that an unclogged path clogs;
	// a clog lasts an exponential time with mean ClogMean.
	ClogProbability float64       `json:"clog_probability"`
	ClogMean        time.Duration `json:"clog_mean"`

	// Partitions: mode, symmetry, the chance per tick to partition (healed
	// for at least UnpartitionStability) and to heal (partitioned for at
	// least PartitionStability).
	PartitionMode          string        `json:"partition_mode"`
	PartitionSymmetry      string        `json:"partition_symmetry"`
	PartitionProbability   float64       `json:"partition_probability"`
	UnpartitionProbability float64       `json:"unpartition_probability"`
	PartitionStability     time.Duration `json:"partition_stability"`
	UnpartitionStability   time.Duration `json:"unpartition_stability"`

	// Streams (TCP).
	TCPMSS           int           `json:"tcp_mss"`
	TCPRcvBuf        int           `json:"tcp_rcvbuf"`
	TCPSndBuf        int           `json:"tcp_sndbuf"`
	RTOInitial       time.Duration `json:"rto_initial"`
	RTOMin           time.Duration `json:"rto_min"`
	RTOMax           time.Duration `json:"rto_max"`
	RetransmitBudget int           `json:"retransmit_budget"`
	SynRetries       int           `json:"syn_retries"`
	DelayedAck       time.Duration `json:"delayed_ack"`
	Backlog          int           `json:"backlog"`

	// Datagrams (UDP).
	UDPMaxDatagram int `json:"udp_max_datagram"`
	UDPRcvBuf      int `json:"udp_rcvbuf"`
}

// smokeNetwork is the CI default: a LAN with rare, mild faults and no
// partitions.
func smokeNetwork() NetworkOptions {
	return NetworkOptions{
		DelayMin:          100 * time.Microsecond,
		DelayMean:         100 * time.Microsecond,
		LoopbackDelay:     10 * time.Microsecond,
		LossProbability:   0.001,
		ReplayProbability: 0.001,
		PathCapacity:      1024,
		FaultTick:         10 * time.Millisecond,
		ClogProbability:   0.0001,
		ClogMean:          100 * time.Millisecond,
		PartitionMode:     PartitionNone,
		PartitionSymmetry: PartitionSymmetric,
		TCPMSS:            1460,
		TCPRcvBuf:         65536,
		TCPSndBuf:         65536,
		RTOInitial:        time.Second,
		RTOMin:            200 * time.Millisecond,
		RTOMax:            120 * time.Second,
		RetransmitBudget:  15,
		SynRetries:        6,
		DelayedAck:        time.Millisecond,
		Backlog:           4096,
		UDPMaxDatagram:    65507,
		UDPRcvBuf:         212992,
	}
}

// performanceNetwork has no faults and no jitter.
func performanceNetwork() NetworkOptions {
	o := smokeNetwork()
	o.DelayMean = 0
	o.LossProbability = 0
	o.ReplayProbability = 0
	o.ClogProbability = 0
	return o
}

// swarmNetwork draws every network parameter for one seed. It uses its own
// stream so that draws added to other sections do not shift these.
func swarmNetwork(r *rand.Rand) NetworkOptions {
	pick := func(xs ...time.Duration) time.Duration { return xs[r.IntN(len(xs))] }
	pickF := func(xs ...float64) float64 { return xs[r.IntN(len(xs))] }
	pickI := func(xs ...int) int { return xs[r.IntN(len(xs))] }
	o := smokeNetwork()
	o.DelayMin = pick(0, 50*time.Microsecond, 500*time.Microsecond, 5*time.Millisecond)
	o.DelayMean = pick(0, 100*time.Microsecond, time.Millisecond, 10*time.Millisecond, 100*time.Millisecond)
	o.LossProbability = pickF(0, 0.001, 0.01, 0.05, 0.2)
	o.ReplayProbability = pickF(0, 0.001, 0.01, 0.1)
	o.PathCapacity = pickI(8, 64, 256, 1024)
	o.ClogProbability = pickF(0, 0.0001, 0.001, 0.01)
	o.ClogMean = pick(10*time.Millisecond, 100*time.Millisecond, time.Second, 10*time.Second)
	o.PartitionMode = []string{PartitionNone, PartitionUniformSize, PartitionUniformPartition, PartitionIsolateSingle}[r.IntN(4)]
	o.PartitionSymmetry = []string{PartitionSymmetric, PartitionAsymmetric}[r.IntN(2)]
	o.PartitionProbability = pickF(0.0001, 0.001, 0.01)
	o.UnpartitionProbability = pickF(0.001, 0.01, 0.1)
	o.PartitionStability = pick(100*time.Millisecond, time.Second, 10*time.Second)
	o.UnpartitionStability = pick(100*time.Millisecond, time.Second, 10*time.Second)
	o.TCPMSS = pickI(536, 1460, 8960)
	buf := pickI(4096, 65536, 262144)
	o.TCPRcvBuf, o.TCPSndBuf = buf, buf
	o.RetransmitBudget = pickI(5, 8, 15)
	o.SynRetries = pickI(3, 6)
	o.DelayedAck = pick(0, time.Millisecond, 40*time.Millisecond)
	o.UDPMaxDatagram = pickI(1472, 65507)
	return o
}

// StreamNetworkOptions is the stream the swarm profile draws network
// options from.
const StreamNetworkOptions = "options.network"

// WithDefaults returns o with every zero size and timer replaced by its
// smoke value (probabilities stay as they are: zero means no fault), so an
// option set built by hand is usable.
func (o NetworkOptions) WithDefaults() NetworkOptions {
	d := smokeNetwork()
	dur := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	num := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	dur(&o.LoopbackDelay, d.LoopbackDelay)
	num(&o.PathCapacity, d.PathCapacity)
	dur(&o.FaultTick, d.FaultTick)
	dur(&o.ClogMean, d.ClogMean)
	if o.PartitionMode == "" {
		o.PartitionMode = PartitionNone
	}
	if o.PartitionSymmetry == "" {
		o.PartitionSymmetry = PartitionSymmetric
	}
	num(&o.TCPMSS, d.TCPMSS)
	num(&o.TCPRcvBuf, d.TCPRcvBuf)
	num(&o.TCPSndBuf, d.TCPSndBuf)
	dur(&o.RTOInitial, d.RTOInitial)
	dur(&o.RTOMin, d.RTOMin)
	dur(&o.RTOMax, d.RTOMax)
	num(&o.RetransmitBudget, d.RetransmitBudget)
	num(&o.SynRetries, d.SynRetries)
	num(&o.Backlog, d.Backlog)
	num(&o.UDPMaxDatagram, d.UDPMaxDatagram)
	num(&o.UDPRcvBuf, d.UDPRcvBuf)
	return o
}

// networkOptions expands the network section for a seed and profile.
func networkOptions(seed uint64, p Profile) NetworkOptions {
	switch p {
	case Swarm:
		return swarmNetwork(NewStream(seed, StreamNetworkOptions))
	case Performance:
		return performanceNetwork()
	}
	return smokeNetwork()
}
