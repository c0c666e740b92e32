// Package bank is the subject of mgen's swarm tests: accounts with two
// planted concurrency bugs that only some schedules expose, so some seeds
// pass and others fail, each in its own way.
package bank

import (
	"runtime"
	"sync"

	"github.com/marionette-dst/marionette/assert"
)

// Account is a balance behind a lock.
type Account struct {
	mu      sync.Mutex
	balance int
}

// Balance returns the balance.
func (a *Account) Balance() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.balance
}

// Deposit adds n. The planted bug: it reads and writes the balance under
// two separate critical sections, so two concurrent deposits can lose one
// (when the scheduler switches at the Gosched).
func (a *Account) Deposit(n int) {
	a.mu.Lock()
	b := a.balance
	a.mu.Unlock()
	runtime.Gosched()
	a.mu.Lock()
	assert.Sometimes(a.balance != b, "deposit raced with another", nil)
	a.balance = b + n
	if a.balance < 0 {
		assert.Reachable("negative balance", nil) // no test gets here
	}
	a.mu.Unlock()
}

// Transfer moves n from one account to another. The planted bug: it locks
// the two accounts in argument order, so two transfers in opposite
// directions can deadlock.
func Transfer(from, to *Account, n int) {
	from.mu.Lock()
	defer from.mu.Unlock()
	runtime.Gosched()
	to.mu.Lock()
	defer to.mu.Unlock()
	from.balance -= n
	to.balance += n
}
