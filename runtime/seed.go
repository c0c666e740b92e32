// This file defines seeds: how a run's single source of randomness is written
// and parsed, and how named sub-streams are derived from it.

package runtime

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"strings"
)

// ParseSeed parses a seed. A seed is either a decimal uint64 or a 40-hex git
// commit hash, of which the first 16 hex digits (64 bits) are used, so CI runs
// can seed from the commit they test and stay reproducible.
func ParseSeed(s string) (uint64, error) {
	v, err := parseSeed(s)
	if err != nil {
		return 0, fmt.Errorf("marionette: %v", err)
	}
	return v, nil
}

// parseSeed is ParseSeed with errors that carry no prefix.
func parseSeed(s string) (uint64, error) {
	s = strings.TrimSpace(s)
	if len(s) == 40 && isHex(s) {
		v, err := strconv.ParseUint(s[:16], 16, 64)
		if err != nil {
			return 0, fmt.Errorf("bad seed %q: %v", s, err)
		}
		return v, nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("bad seed %q: want a decimal uint64 or a 40-hex git commit", s)
	}
	return v, nil
}

func isHex(s string) bool {
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// Stream names of the randomness authority. Every subsystem draws from its own
// stream so that adding a draw in one does not shift the others.
const (
	StreamScheduler = "scheduler"
	StreamSelect    = "select"
	StreamMaps      = "maps"
	StreamTimers    = "timers"
	StreamNetwork   = "network"
	StreamDisk      = "disk"
	StreamWorkload  = "workload"
	StreamUser      = "user"
	StreamCrypto    = "crypto"
	StreamOptions   = "options"
	StreamBuggify   = "buggify"
	StreamNodes     = "nodes"
)

// NewStream returns the named sub-stream of a seed: a PCG generator whose state
// is derived from the seed and an FNV-1a hash of the name.
func NewStream(seed uint64, name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.New(rand.NewPCG(seed, h.Sum64()^0x9e3779b97f4a7c15))
}
