package bank

import (
	"math/rand"
	"sync"
	"testing"
	"time"
)

// settle waits a seed-dependent number of seconds, so failing seeds differ
// in simulated time (what mgen orders failures by).
func settle() { time.Sleep(time.Duration(rand.Intn(5)) * time.Second) }

func TestDeposits(t *testing.T) {
	settle()
	var a Account
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.Deposit(10)
		}()
	}
	wg.Wait()
	if b := a.Balance(); b != 20 {
		t.Fatalf("balance %d after two deposits of 10", b)
	}
}

func TestTransfers(t *testing.T) {
	settle()
	a, b := &Account{balance: 100}, &Account{balance: 100}
	done := make(chan bool)
	go func() { Transfer(a, b, 10); done <- true }()
	go func() { Transfer(b, a, 30); done <- true }()
	<-done
	<-done
	if a.Balance() != 120 || b.Balance() != 80 {
		t.Fatalf("balances %d and %d", a.Balance(), b.Balance())
	}
}
