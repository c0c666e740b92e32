// Package fake is a deliberately broken shim of fakestd: Check must report
// every mistake below, and every fakestd name not declared here as missing.
package fake

import "time"

// Wrong value.
const Untyped = 41

// Wrong type.
var Counter int64

// Wrong kind: a var where std has a func.
var Hand = func() int { return 1 }

// Not variadic.
func Join(sep string, parts []string) string { return "" }

// Narrower constraint than std's.
func Sum[N ~int](xs ...N) N { return 0 }

// Wrong parameter type.
func Sleep(d int64) time.Duration { return 0 }

// New type with a different underlying kind.
type Level string

// New type lacking std's field X and method Get.
type Handled struct{}

// Returns the shim's Handled, as it should.
func NewHandled() *Handled { return nil }

// Returns std's Level type mapping: the shim's Level, as it should.
func Keys[K comparable, V any](m map[K]V) []K { return nil }
