// Package fake does not compile: Check must say so instead of comparing.
package fake

var Counter int = "not an int"
