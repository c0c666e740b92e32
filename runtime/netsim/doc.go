// Package netsim is the simulated network of a Marionette world: a node's
// network stack (ports, TCP-like streams, UDP sockets), the directed path
// between every pair of nodes (delay, loss, replay, capacity, clog, filters,
// hold, recording), the random fault processes (partitions, clogs) whose
// every change comes from the run's seed, and the controls a test uses to
// drive faults by hand.
//
// The package is a state machine driven by the world's events: it never
// blocks and never starts goroutines. shims/net is the layer that gives
// programs the standard net API on top of it, parking goroutines on the
// wait queues the sockets expose. docs/network.md is the model's
// specification.
//
// A test under simulation gets the network of its world with Current (or
// Of), its nodes from the runtime, and drives faults with Partition, Heal,
// Isolate, Pause, ResetNode, and per path with Path(a, b): Block, Clog,
// Hold, Deliver, Drop, SetDelay, SetLoss, SetReplay, SetCapacity, Record
// and Recorded; Replay sends recorded packets again.
package netsim
