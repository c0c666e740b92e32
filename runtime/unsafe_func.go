package runtime

import "unsafe"

// uintptrOf returns the code pointer of a func value (for naming goroutines).
func uintptrOf(f func()) uintptr {
	return **(**uintptr)(unsafe.Pointer(&f))
}
