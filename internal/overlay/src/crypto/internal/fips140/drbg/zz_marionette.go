//go:build ignore

// Marionette's overlay: every source of cryptographic randomness of the
// standard library reads through Read; a simulated goroutine's reads come
// from its world's seeded crypto stream (see marionette/hooks).

package drbg

import "marionette/hooks"

func mrtRead(b []byte) bool {
	h := hooks.Rand
	return h != nil && h(b)
}
