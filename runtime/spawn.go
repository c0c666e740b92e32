// This file defines the go statement for rewritten code.

package runtime

import (
	goruntime "runtime"
	"strings"
)

// Go is the statement `go f()`: it spawns a simulated goroutine. The
// rewriter evaluates the function value and its arguments at the go
// statement and passes a closure. Outside a simulation it is a plain go
// statement.
func Go(f func()) {
	g := Current()
	if g == nil {
		go f()
		return
	}
	w := g.w
	w.spawn(funcName(f), f, g)
	w.maybePreempt(g)
}

func funcName(f func()) string {
	fn := goruntime.FuncForPC(uintptrOf(f))
	if fn == nil {
		return "?"
	}
	name := fn.Name()
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	return name
}
