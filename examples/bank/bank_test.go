package bank

import (
	"flag"
	"sync"
	"testing"
)

var buggy = flag.Bool("buggy", false, "exercise TransferUnordered, which has a lock-order deadlock")

func TestConcurrentTransfersConserveMoney(t *testing.T) {
	transfer := Transfer
	if *buggy {
		transfer = TransferUnordered
	}
	a, b := NewAccount(1, 100), NewAccount(2, 100)
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			transfer(a, b, 10)
		}()
		go func() {
			defer wg.Done()
			transfer(b, a, 5)
		}()
	}
	wg.Wait()
	if total := a.Balance() + b.Balance(); total != 200 {
		t.Fatalf("money not conserved: %d", total)
	}
}

func TestInsufficientFunds(t *testing.T) {
	a, b := NewAccount(1, 5), NewAccount(2, 0)
	if err := Transfer(a, b, 10); err != ErrInsufficient {
		t.Fatalf("got %v, want ErrInsufficient", err)
	}
}
