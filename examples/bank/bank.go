// Package bank is a small example with a bug that only shows up under an
// unlucky interleaving: TransferUnordered locks the two accounts in argument
// order, so two opposite transfers running at once can deadlock. Natively the
// window is a few instructions wide and the tests almost always pass; under
// simulation the scheduler's seeded preemption at every lock finds it.
package bank

import (
	"errors"
	"sync"
)

// Account is a balance guarded by a mutex.
type Account struct {
	ID      int
	mu      sync.Mutex
	balance int
}

// NewAccount opens an account.
func NewAccount(id, balance int) *Account { return &Account{ID: id, balance: balance} }

// Balance returns the current balance.
func (a *Account) Balance() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.balance
}

// ErrInsufficient is returned when the source account lacks the funds.
var ErrInsufficient = errors.New("insufficient funds")

// Transfer moves amount from one account to another, locking the accounts in
// ID order so concurrent transfers cannot deadlock.
func Transfer(from, to *Account, amount int) error {
	first, second := from, to
	if to.ID < from.ID {
		first, second = to, from
	}
	first.mu.Lock()
	defer first.mu.Unlock()
	second.mu.Lock()
	defer second.mu.Unlock()
	return move(from, to, amount)
}

// TransferUnordered is Transfer with the bug: it locks in argument order.
func TransferUnordered(from, to *Account, amount int) error {
	from.mu.Lock()
	defer from.mu.Unlock()
	to.mu.Lock()
	defer to.mu.Unlock()
	return move(from, to, amount)
}

func move(from, to *Account, amount int) error {
	if from.balance < amount {
		return ErrInsufficient
	}
	from.balance -= amount
	to.balance += amount
	return nil
}
