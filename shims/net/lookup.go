// This file defines name resolution: the shim's Resolver, DefaultResolver,
// the Lookup and Resolve functions. Under simulation names are resolved
// like a hosts file listing the world's nodes (node name -> its address,
// localhost -> 127.0.0.1) and nothing else exists; no real resolver is
// ever asked. Outside a simulation everything is std's.

package net

import (
	"context"
	stdnet "net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/marionette-dst/marionette/runtime"
)

// A Resolver looks up names and numbers.
//
// A nil *Resolver is equivalent to a zero Resolver. Under simulation the
// fields have no effect.
type Resolver struct {
	// PreferGo controls whether Go's built-in DNS resolver is preferred
	// on platforms where it's available.
	PreferGo bool

	// StrictErrors controls the behavior of temporary errors (including
	// timeout, socket errors, and SERVFAIL) when using Go's built-in
	// resolver.
	StrictErrors bool

	// Dial optionally specifies an alternate dialer for use by Go's
	// built-in DNS resolver to make TCP and UDP connections to DNS
	// services.
	Dial func(ctx context.Context, network, address string) (Conn, error)
}

// DefaultResolver is the resolver used by the package-level Lookup
// functions and by Dialers without a specified Resolver.
var DefaultResolver = &Resolver{}

// std returns the std resolver with r's settings.
func (r *Resolver) std() *stdnet.Resolver {
	if r == nil || (!r.PreferGo && !r.StrictErrors && r.Dial == nil) {
		return stdnet.DefaultResolver
	}
	return &stdnet.Resolver{PreferGo: r.PreferGo, StrictErrors: r.StrictErrors, Dial: r.Dial}
}

// lookupWorld returns the caller's world for a lookup (a synchronisation
// point), or nil outside a simulation.
func lookupWorld() *runtime.World {
	if e := simEnv(); e != nil {
		if e.g != nil {
			e.g.Preempt()
		}
		return e.w
	}
	return nil
}

func noSuchHost(name string) *DNSError {
	return &DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

// simLookup resolves host in world w. literal reports whether host was an
// IP address.
func simLookup(w *runtime.World, host string) (addrs []netip.Addr, literal bool, err error) {
	if host == "" {
		return nil, false, noSuchHost(host)
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a}, true, nil
	}
	name := strings.TrimSuffix(host, ".")
	lower := strings.ToLower(name)
	if lower == "localhost" || strings.HasSuffix(lower, ".localhost") {
		return []netip.Addr{netip.AddrFrom4([4]byte{127, 0, 0, 1})}, false, nil
	}
	if n := w.Node(name); n != nil {
		return []netip.Addr{n.Addr()}, false, nil
	}
	for _, n := range w.Nodes() {
		if strings.EqualFold(n.Name(), name) {
			return []netip.Addr{n.Addr()}, false, nil
		}
	}
	return nil, false, noSuchHost(host)
}

// simReverse returns the names of address a in world w.
func simReverse(w *runtime.World, addr string) ([]string, error) {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return nil, &DNSError{Err: "unrecognized address", Name: addr}
	}
	a = a.Unmap()
	if a.IsLoopback() {
		return []string{"localhost"}, nil
	}
	if n := w.NodeByAddr(a); n != nil {
		return []string{n.Name()}, nil
	}
	return nil, noSuchHost(addr)
}

// parsePort parses a port number or looks a service name up (std's
// service table; no network is involved).
func parsePort(network, service string) (int, error) {
	if service == "" {
		return 0, nil
	}
	if p, err := strconv.Atoi(service); err == nil {
		if p < 0 || p > 65535 {
			return 0, &AddrError{Err: "invalid port", Addr: service}
		}
		return p, nil
	}
	return stdnet.LookupPort(network, service)
}

// simAddr resolves "host:port" for a network ("tcp", "udp4"...): the first
// address of the right family, or an invalid address for an empty host.
func simAddr(w *runtime.World, network, address string) (netip.Addr, int, error) {
	host, port, err := SplitHostPort(address)
	if err != nil {
		return netip.Addr{}, 0, err
	}
	p, err := parsePort(network, port)
	if err != nil {
		return netip.Addr{}, 0, err
	}
	if host == "" {
		return netip.Addr{}, p, nil
	}
	addrs, _, err := simLookup(w, host)
	if err != nil {
		return netip.Addr{}, 0, err
	}
	fam := family(network)
	for _, a := range addrs {
		if fam == 0 || (fam == '4') == a.Unmap().Is4() {
			return a.Unmap(), p, nil
		}
	}
	return netip.Addr{}, 0, &AddrError{Err: "no suitable address found", Addr: host}
}

func ipAddrsOf(addrs []netip.Addr, literal bool) []IPAddr {
	out := make([]IPAddr, len(addrs))
	for i, a := range addrs {
		ip := IP(a.AsSlice())
		if literal {
			ip = ip.To16()
		}
		out[i] = IPAddr{IP: ip, Zone: a.Zone()}
	}
	return out
}

// LookupHost looks up the given host using the local resolver. It returns
// a slice of that host's addresses.
func (r *Resolver) LookupHost(ctx context.Context, host string) (addrs []string, err error) {
	w := lookupWorld()
	if w == nil {
		return r.std().LookupHost(ctx, host)
	}
	as, literal, err := simLookup(w, host)
	if err != nil {
		return nil, err
	}
	if literal {
		return []string{host}, nil
	}
	for _, a := range as {
		addrs = append(addrs, a.String())
	}
	return addrs, nil
}

// LookupIPAddr looks up host using the local resolver. It returns a slice
// of that host's IPv4 and IPv6 addresses.
func (r *Resolver) LookupIPAddr(ctx context.Context, host string) ([]IPAddr, error) {
	w := lookupWorld()
	if w == nil {
		return r.std().LookupIPAddr(ctx, host)
	}
	as, literal, err := simLookup(w, host)
	if err != nil {
		return nil, err
	}
	return ipAddrsOf(as, literal), nil
}

// LookupIP looks up host for the given network using the local resolver.
// It returns a slice of that host's IP addresses of the type specified by
// network. network must be one of "ip", "ip4" or "ip6".
func (r *Resolver) LookupIP(ctx context.Context, network, host string) ([]IP, error) {
	w := lookupWorld()
	if w == nil {
		return r.std().LookupIP(ctx, network, host)
	}
	switch network {
	case "ip", "ip4", "ip6":
	default:
		return nil, UnknownNetworkError(network)
	}
	as, literal, err := simLookup(w, host)
	if err != nil {
		return nil, err
	}
	var ips []IP
	for _, ia := range ipAddrsOf(as, literal) {
		if is4 := ia.IP.To4() != nil; network == "ip" || (network == "ip4") == is4 {
			ips = append(ips, ia.IP)
		}
	}
	if len(ips) == 0 {
		return nil, &AddrError{Err: "no suitable address found", Addr: host}
	}
	return ips, nil
}

// LookupNetIP looks up host using the local resolver. It returns a slice
// of that host's IP addresses of the type specified by network. The network
// must be one of "ip", "ip4" or "ip6".
func (r *Resolver) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	if lookupWorld() == nil {
		return r.std().LookupNetIP(ctx, network, host)
	}
	ips, err := r.LookupIP(ctx, network, host)
	if err != nil {
		return nil, err
	}
	out := make([]netip.Addr, 0, len(ips))
	for _, ip := range ips {
		if a, ok := netip.AddrFromSlice(ip); ok {
			out = append(out, a)
		}
	}
	return out, nil
}

// LookupPort looks up the port for the given network and service.
func (r *Resolver) LookupPort(ctx context.Context, network, service string) (port int, err error) {
	if lookupWorld() == nil {
		return r.std().LookupPort(ctx, network, service)
	}
	return parsePort(network, service)
}

// LookupCNAME returns the canonical name for the given host. Under
// simulation a node's name is its own canonical name.
func (r *Resolver) LookupCNAME(ctx context.Context, host string) (string, error) {
	w := lookupWorld()
	if w == nil {
		return r.std().LookupCNAME(ctx, host)
	}
	if _, _, err := simLookup(w, host); err != nil {
		return "", err
	}
	return host, nil
}

// LookupSRV tries to resolve an SRV query of the given service, protocol,
// and domain name. Under simulation there are no SRV records.
func (r *Resolver) LookupSRV(ctx context.Context, service, proto, name string) (string, []*SRV, error) {
	if lookupWorld() == nil {
		return r.std().LookupSRV(ctx, service, proto, name)
	}
	target := name
	if service != "" || proto != "" {
		target = "_" + service + "._" + proto + "." + name
	}
	return "", nil, noSuchHost(target)
}

// LookupMX returns the DNS MX records for the given domain name sorted by
// preference. Under simulation there are none.
func (r *Resolver) LookupMX(ctx context.Context, name string) ([]*MX, error) {
	if lookupWorld() == nil {
		return r.std().LookupMX(ctx, name)
	}
	return nil, noSuchHost(name)
}

// LookupNS returns the DNS NS records for the given domain name. Under
// simulation there are none.
func (r *Resolver) LookupNS(ctx context.Context, name string) ([]*NS, error) {
	if lookupWorld() == nil {
		return r.std().LookupNS(ctx, name)
	}
	return nil, noSuchHost(name)
}

// LookupTXT returns the DNS TXT records for the given domain name. Under
// simulation there are none.
func (r *Resolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	if lookupWorld() == nil {
		return r.std().LookupTXT(ctx, name)
	}
	return nil, noSuchHost(name)
}

// LookupAddr performs a reverse lookup for the given address, returning a
// list of names mapping to that address. Under simulation a node's address
// maps to its name and loopback to localhost.
func (r *Resolver) LookupAddr(ctx context.Context, addr string) ([]string, error) {
	w := lookupWorld()
	if w == nil {
		return r.std().LookupAddr(ctx, addr)
	}
	return simReverse(w, addr)
}

// LookupHost looks up the given host using the local resolver. It returns
// a slice of that host's addresses.
func LookupHost(host string) (addrs []string, err error) {
	return DefaultResolver.LookupHost(context.Background(), host)
}

// LookupIP looks up host using the local resolver. It returns a slice of
// that host's IPv4 and IPv6 addresses.
func LookupIP(host string) ([]IP, error) {
	addrs, err := DefaultResolver.LookupIPAddr(context.Background(), host)
	if err != nil {
		return nil, err
	}
	ips := make([]IP, len(addrs))
	for i, ia := range addrs {
		ips[i] = ia.IP
	}
	return ips, nil
}

// LookupPort looks up the port for the given network and service.
func LookupPort(network, service string) (port int, err error) {
	return DefaultResolver.LookupPort(context.Background(), network, service)
}

// LookupCNAME returns the canonical name for the given host.
func LookupCNAME(host string) (cname string, err error) {
	return DefaultResolver.LookupCNAME(context.Background(), host)
}

// LookupSRV tries to resolve an SRV query of the given service, protocol,
// and domain name.
func LookupSRV(service, proto, name string) (cname string, addrs []*SRV, err error) {
	return DefaultResolver.LookupSRV(context.Background(), service, proto, name)
}

// LookupMX returns the DNS MX records for the given domain name sorted by
// preference.
func LookupMX(name string) ([]*MX, error) {
	return DefaultResolver.LookupMX(context.Background(), name)
}

// LookupNS returns the DNS NS records for the given domain name.
func LookupNS(name string) ([]*NS, error) {
	return DefaultResolver.LookupNS(context.Background(), name)
}

// LookupTXT returns the DNS TXT records for the given domain name.
func LookupTXT(name string) ([]string, error) {
	return DefaultResolver.LookupTXT(context.Background(), name)
}

// LookupAddr performs a reverse lookup for the given address, returning a
// list of names mapping to that address.
func LookupAddr(addr string) (names []string, err error) {
	return DefaultResolver.LookupAddr(context.Background(), addr)
}

// ResolveTCPAddr returns an address of TCP end point. Under simulation
// host names are node names.
func ResolveTCPAddr(network, address string) (*TCPAddr, error) {
	w := lookupWorld()
	if w == nil {
		return stdnet.ResolveTCPAddr(network, address)
	}
	switch network {
	case "tcp", "tcp4", "tcp6":
	case "":
		network = "tcp"
	default:
		return nil, UnknownNetworkError(network)
	}
	a, port, err := simAddr(w, network, address)
	if err != nil {
		return nil, err
	}
	return &TCPAddr{IP: ipOf(a), Port: port, Zone: a.Zone()}, nil
}

// ResolveUDPAddr returns an address of UDP end point. Under simulation
// host names are node names.
func ResolveUDPAddr(network, address string) (*UDPAddr, error) {
	w := lookupWorld()
	if w == nil {
		return stdnet.ResolveUDPAddr(network, address)
	}
	switch network {
	case "udp", "udp4", "udp6":
	case "":
		network = "udp"
	default:
		return nil, UnknownNetworkError(network)
	}
	a, port, err := simAddr(w, network, address)
	if err != nil {
		return nil, err
	}
	return &UDPAddr{IP: ipOf(a), Port: port, Zone: a.Zone()}, nil
}

// ResolveIPAddr returns an address of IP end point. Under simulation host
// names are node names.
func ResolveIPAddr(network, address string) (*IPAddr, error) {
	w := lookupWorld()
	if w == nil {
		return stdnet.ResolveIPAddr(network, address)
	}
	if network == "" {
		network = "ip"
	}
	base, _, _ := strings.Cut(network, ":")
	switch base {
	case "ip", "ip4", "ip6":
	default:
		return nil, UnknownNetworkError(network)
	}
	if address == "" {
		return &IPAddr{}, nil
	}
	addrs, literal, err := simLookup(w, address)
	if err != nil {
		return nil, err
	}
	for _, ia := range ipAddrsOf(addrs, literal) {
		if is4 := ia.IP.To4() != nil; base == "ip" || (base == "ip4") == is4 {
			return &ia, nil
		}
	}
	return nil, &AddrError{Err: "no suitable address found", Addr: address}
}
