package rewrite

import (
	"iter"
	"testing"
)

// The generated code passes channels of every direction and named channel
// types to generic functions shaped like the runtime's; these compile only
// if type inference takes a bidirectional or named channel for chan<- T and
// <-chan T. This file compiling is the test.

func send[T any](c chan<- T, v T)       {}
func recv[T any](c <-chan T) T          { var z T; return z }
func rng[T any](c <-chan T) iter.Seq[T] { return func(func(T) bool) {} }

type namedChan chan float64

func TestChannelInference(t *testing.T) {
	c := make(chan int)
	var n namedChan
	send(c, 1)
	send(n, 1) // untyped constant converts to the inferred float64
	_ = recv(c) + 1
	_ = recv(n)
	for range rng(c) {
	}
	generic(c)
}

func generic[C ~chan E, E any](c C) {
	var e E
	send(c, e)
	_ = recv(c)
}
