// This file is the network's part of the liveness transition (see
// runtime/phase.go): the random fault processes stop, and every path
// between two nodes of the core is healed (unblocked, unclogged, released,
// back to the option set's parameters), as are the core nodes' isolation.
// Paths that touch a node outside the core keep whatever fault they have:
// failures outside the core become permanent.

package netsim

import "github.com/marionette-dst/marionette/runtime"

func (n *Network) healCore(core []string) {
	n.SetRandomFaults(false)
	var nodes []*runtime.Node
	for _, name := range core {
		if nd := n.w.Node(name); nd != nil {
			nodes = append(nodes, nd)
		}
	}
	for _, a := range nodes {
		n.Rejoin(a)
		for _, b := range nodes {
			if a == b {
				continue
			}
			p := n.Path(a, b)
			p.Unblock()
			p.Unclog()
			p.Release()
			p.ResetParams()
		}
	}
	n.trace("net.liveness", int64(len(nodes)), "core healed")
}
