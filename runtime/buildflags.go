// This file records the go command flags a simulation binary was built
// with that a command replaying one of its runs must repeat.

package runtime

var buildFlags []string

// SetBuildFlags records go command flags the binary was built with and
// that replaying one of its runs needs (the standard-library overlay sets
// -overlay and -vet=off at init). Replay commands include them after
// "go test".
func SetBuildFlags(flags ...string) { buildFlags = append([]string(nil), flags...) }

// BuildFlags returns the flags SetBuildFlags recorded.
func BuildFlags() []string { return append([]string(nil), buildFlags...) }
