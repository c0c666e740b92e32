// This file records the go command flags a simulation binary was built
// with that a command replaying one of its runs must repeat.

package runtime

import "strings"

var buildFlags []string

// SetBuildFlags records go command flags the binary was built with and
// that replaying one of its runs needs (the standard-library overlay sets
// -overlay and -vet=off at init). Replay commands include them after
// "go test".
func SetBuildFlags(flags ...string) { buildFlags = append([]string(nil), flags...) }

// BuildFlags returns the flags SetBuildFlags recorded, shell-quoted and
// joined, with a leading space; empty when there are none.
func BuildFlags() string {
	var b strings.Builder
	for _, f := range buildFlags {
		b.WriteByte(' ')
		if strings.ContainsAny(f, " '\"\\$`!*?[]{}()<>|&;#~") {
			b.WriteString("'" + strings.ReplaceAll(f, "'", `'\''`) + "'")
		} else {
			b.WriteString(f)
		}
	}
	return b.String()
}
