package runtime

import (
	"sync"
	"testing"
)

func TestRegistry(t *testing.T) {
	gs := make([]*G, 5000)
	for i := range gs {
		gs[i] = &G{id: int64(i)}
		register(uintptr(0x10000+i*0x3a0), gs[i])
	}
	for i := range gs {
		if lookup(uintptr(0x10000+i*0x3a0)) != gs[i] {
			t.Fatalf("entry %d lost", i)
		}
	}
	for i := 0; i < len(gs); i += 2 {
		unregister(uintptr(0x10000 + i*0x3a0))
	}
	for i := range gs {
		got := lookup(uintptr(0x10000 + i*0x3a0))
		if (i%2 == 0) != (got == nil) || (got != nil && got != gs[i]) {
			t.Fatalf("entry %d: got %v", i, got)
		}
	}
	for i := 1; i < len(gs); i += 2 {
		unregister(uintptr(0x10000 + i*0x3a0))
	}
	// Concurrent readers of their own entries while others come and go.
	var wg sync.WaitGroup
	for r := 0; r < 8; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			gp := getg()
			me := &G{}
			register(gp, me)
			for i := 0; i < 2000; i++ {
				if lookup(gp) != me {
					t.Error("own entry lost")
					return
				}
				k := uintptr(0x900000 + r*100000 + i*0x3a0)
				register(k, me)
				unregister(k)
			}
			unregister(gp)
		}()
	}
	wg.Wait()
}
