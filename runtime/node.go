// This file defines nodes: the simulated machines of a world. Every
// goroutine belongs to a node (inherited from the goroutine that started it;
// the root goroutine belongs to the world's default node), so shims know
// whose address, disk, environment and clock a call uses. Crash, restart and
// per-node clocks build on this (issue 7).

package runtime

import (
	"fmt"
	"net/netip"
	"sort"
)

// Node is a simulated machine.
type Node struct {
	id     int
	name   string
	addr   netip.Addr
	w      *World
	locals map[any]any
	life   nodeLife
	clock  nodeClock

	faulty  bool        // takes part in the node faults of the option set
	byFault bool        // down because of an injected fault
	pending func() bool // has non-durable disk writes (set by the disk)

	pkgCells []pkgCell // package variables of rewritten code, by Var id (pkgstate.go)
}

// ID returns the node's number in its world (the default node is 0).
func (n *Node) ID() int { return n.id }

// Name returns the node's name, which is also its host name.
func (n *Node) Name() string { return n.name }

// Addr returns the node's IPv4 address on the simulated network:
// 10.0.0.<id+1> (the default node is 10.0.0.1).
func (n *Node) Addr() netip.Addr { return n.addr }

// World returns the node's world.
func (n *Node) World() *World { return n.w }

// Local returns per-node state stored under key, creating it with mk (the
// network stack, the disk and the environment of a node live here).
func (n *Node) Local(key any, mk func() any) any {
	v, ok := n.locals[key]
	if !ok {
		v = mk()
		n.locals[key] = v
	}
	return v
}

// Go starts a goroutine on the node (the node's main function, a server).
func (n *Node) Go(name string, f func()) *G {
	g := n.w.spawn(name, f, n.w.cur)
	g.node = n
	return g
}

func (n *Node) String() string { return fmt.Sprintf("%s(%s)", n.name, n.addr) }

// DefaultNodeName is the name of the node every world starts with.
const DefaultNodeName = "node0"

// NewNode adds a node to the world. Names must be unique; addresses are
// assigned in creation order.
func (w *World) NewNode(name string) *Node {
	if _, dup := w.nodeByName[name]; dup {
		panic(fmt.Sprintf("marionette: node %q already exists", name))
	}
	id := len(w.nodes)
	if id >= 250*256 {
		panic("marionette: too many nodes")
	}
	n := &Node{
		id:     id,
		name:   name,
		addr:   netip.AddrFrom4([4]byte{10, 0, byte((id + 1) / 256), byte((id + 1) % 256)}),
		w:      w,
		locals: make(map[any]any),
		clock:  newNodeClock(w.opts.Clocks, w.opts.Seed, name),
	}
	w.nodes = append(w.nodes, n)
	w.nodeByName[name] = n
	w.record(evNode, 0, int64(id), name)
	for _, h := range w.nodeHooks {
		n.On(h.event, h.f)
	}
	return n
}

// Nodes returns the world's nodes in creation order.
func (w *World) Nodes() []*Node { return append([]*Node(nil), w.nodes...) }

// Node returns the node with the given name, or nil.
func (w *World) Node(name string) *Node { return w.nodeByName[name] }

// NodeByAddr returns the node with the given address, or nil.
func (w *World) NodeByAddr(a netip.Addr) *Node {
	i := sort.Search(len(w.nodes), func(i int) bool { return !w.nodes[i].addr.Less(a) })
	if i < len(w.nodes) && w.nodes[i].addr == a {
		return w.nodes[i]
	}
	return nil
}

// DefaultNode returns the node the root goroutine runs on.
func (w *World) DefaultNode() *Node { return w.nodes[0] }

// Node returns the node the goroutine belongs to.
func (g *G) Node() *Node { return g.node }
