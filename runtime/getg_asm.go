//go:build amd64 || arm64

package runtime

// getg returns an identity for the calling goroutine (the address of its
// runtime g). It is stable for the life of the goroutine.
func getg() uintptr
