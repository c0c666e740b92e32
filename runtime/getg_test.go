package runtime

import (
	"sync"
	"testing"
)

func TestGetg(t *testing.T) {
	a := getg()
	if a == 0 || a != getg() {
		t.Fatal("bad")
	}
	var wg sync.WaitGroup
	wg.Add(1)
	var b uintptr
	go func() { b = getg(); wg.Done() }()
	wg.Wait()
	if b == a || b == 0 {
		t.Fatal("same")
	}
}
