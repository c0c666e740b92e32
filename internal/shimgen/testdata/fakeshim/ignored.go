//go:build ignore

package fake

// Excluded by its build constraint: Counter must still be forwarded.
var Counter int
