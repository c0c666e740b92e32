// Command mgen generates simulated copies of Go packages and runs their
// tests under the Marionette simulator. See doc.go for its usage.
package main

import (
	"errors"
	"fmt"
	"os"
)

func main() {
	err := run(os.Args[1:])
	if err == nil {
		return
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(os.Stderr, "mgen: %v\n%s", ue.err, usage)
		os.Exit(2)
	}
	var fe *failedError
	if !errors.As(err, &fe) {
		fmt.Fprintf(os.Stderr, "%v\n", prefixed(err))
	}
	os.Exit(1)
}
