// Package rewrite turns a user's Go packages into a simulated copy in which every
// source of nondeterminism (goroutines, channels, select, map iteration, and the
// shimmed standard packages) calls the Marionette simulator.
//
// The work is split by phase, one file each:
//
//	load.go     go/packages loading and per-package error checks
//	match.go    finding sites by type information; the plain Site data
//	rewrite.go  byte edits over the original text, with an origin for every byte
//	emit.go     header, //line directives, gofmt, and writing the output tree
//	gen.go      Generate: the whole pipeline and the output layout
//
// and by construct, one file each, holding the matcher and the renderer of that
// construct: goroutines.go, channels.go, select.go, maps.go, imports.go, tests.go,
// unsupported.go, globals.go (package state per node), driver.go (the main of a
// simulated binary).
//
// The user-facing description of what is rewritten is docs/rewriting.md.
package rewrite
