//go:build !amd64 && !arm64

package runtime

import (
	goruntime "runtime"
	"strconv"
	"strings"
)

// getg on other architectures parses the goroutine id out of the stack header.
// It is slower (about a microsecond) but portable.
func getg() uintptr {
	var buf [64]byte
	n := goruntime.Stack(buf[:], false)
	s := strings.TrimPrefix(string(buf[:n]), "goroutine ")
	if i := strings.IndexByte(s, ' '); i > 0 {
		id, _ := strconv.ParseUint(s[:i], 10, 64)
		return uintptr(id)
	}
	return 0
}
