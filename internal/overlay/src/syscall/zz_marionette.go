//go:build ignore

// Marionette's overlay: the system-call wrappers that change the real
// machine (files, directories, links, modes) or open a socket ask the
// simulator first; a simulated goroutine's call is an escape, which fails
// its run, and is refused with EPERM (see marionette/hooks). Read-only
// opens pass: reading real files (time zones, certificates, testdata) is
// an input, not an effect.

package syscall

import "marionette/hooks"

func mrtEscape(call, what string) bool {
	h := hooks.Escape
	return h != nil && h(call, what)
}

func mrtOpen(path string, flags int) bool {
	if flags&(O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND) == 0 || path == "/dev/null" {
		return false
	}
	return mrtEscape("open", path)
}

func mrtSocket(domain int) bool {
	name := "domain " + itoa(domain)
	switch domain {
	case AF_INET:
		name = "AF_INET"
	case AF_INET6:
		name = "AF_INET6"
	case AF_UNIX:
		name = "AF_UNIX"
	}
	return mrtEscape("socket", name)
}

func itoa(v int) string {
	if v < 0 {
		return "-" + itoa(-v)
	}
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		if v /= 10; v == 0 {
			return string(b[i:])
		}
	}
}
