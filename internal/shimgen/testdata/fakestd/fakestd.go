// Package fake is a tiny std-like package used to test shimgen: its exported
// API exercises generics, variadics, consts, vars and names that a shim
// declares by hand.
package fake

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Constants, untyped and typed.
const (
	Untyped         = 42
	Name            = "fake"
	Typed     Level = 3
	HandConst       = 1 // declared by hand in fakeshim
)

// Level is a typed enum.
type Level int

// Levels.
const (
	LevelLow Level = iota
	LevelHigh
)

// Variables.
var (
	ErrFake = errors.New("fake")
	Counter int
	HandVar = 1 // declared by hand in fakeshim
)

// Pair is a generic type.
type Pair[K comparable, V any] struct {
	Key   K
	Value V
}

// number is an unexported constraint: shims must inline it.
type number interface {
	~int | ~int64 | ~float64
}

// Num is a generic type constrained by an unexported interface.
type Num[N number] struct{ V N }

// List is a generic alias.
type List[T any] = []T

// Handled is re-declared by hand (as a new type) in fakeshim.
type Handled struct{ X int }

// Get is a method of Handled.
func (h *Handled) Get() int { return h.X }

// NewHandled mentions Handled but is not declared by hand in fakeshim.
func NewHandled() *Handled { return &Handled{X: 7} }

// Clock is an interface.
type Clock interface{ Now() time.Time }

// Sum is generic and variadic.
func Sum[N number](xs ...N) N {
	var s N
	for _, x := range xs {
		s += x
	}
	return s
}

// Zero has a type parameter that occurs only in its result.
func Zero[T any]() T {
	var z T
	return z
}

// Keys has two type parameters.
func Keys[K comparable, V any](m map[K]V) []K {
	var ks []K
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// Swap uses a generic type of this package.
func Swap[K comparable](p Pair[K, K]) Pair[K, K] { return Pair[K, K]{p.Value, p.Key} }

// Join is variadic.
func Join(sep string, parts ...string) string { return strings.Join(parts, sep) }

// Unnamed has unnamed parameters.
func Unnamed(int, string) (int, error) { return 1, nil }

// Blank has a blank parameter whose natural replacement name is taken.
func Blank(p1 int, _ string) string { return fmt.Sprint(p1) }

// Stdfake has a parameter named like the natural import alias of this
// package in a shim.
func Stdfake(stdfake int) int { return stdfake + 1 }

// Copy has a parameter named like a package that its signature uses.
func Copy(io io.Writer, r io.Reader) (int64, error) { return 0, nil }

// Chans uses channel directions.
func Chans(in <-chan int, out chan<- string, both chan (<-chan int)) {}

// Callback has func, map and pointer parameters.
func Callback(f func(int, ...string) error, m map[string][]*Level) error { return f(len(m)) }

// Sleep uses a type from another package.
func Sleep(d time.Duration) time.Duration { return d }

// Anon uses struct and interface literals.
func Anon(s struct {
	A int `json:"a"`
}) interface {
	Clock
	Close() error
} {
	return nil
}

// Hand is declared by hand in fakeshim.
func Hand() int { return 1 }
