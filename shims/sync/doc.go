// Package sync is the simulated replacement of the standard package sync.
// Rewritten code imports it under the std name; its API is std's.
//
// # Outside a simulation
//
// In package initialisation, TestMain and any code not running in a world,
// every type behaves as std's: Mutex and RWMutex are a std sync.Mutex and
// sync.RWMutex, and blocking blocks the native goroutine.
//
// # Under simulation
//
// Mutex, RWMutex, WaitGroup, Once, Cond and Map are new types (zero value
// ready to use) with std's methods. A goroutine that must wait parks in the
// world's scheduler (runtime G.Park), never in the Go runtime, so the run
// stays deterministic and a cycle of waiters is reported as a deadlock
// failure naming the operation (sync.Mutex.Lock, sync.RWMutex.RLock,
// sync.WaitGroup.Wait, sync.Cond.Wait, sync.Once.Do) and the holder.
// Every operation (Lock, Unlock, TryLock, RLock, Add, Wait, Signal...) is a
// synchronisation point: it starts with the runtime's preemption hook
// (G.Preempt), which yields with the run's preemption probability.
// WaitGroup.Go starts a simulated goroutine.
//
// Wake-up order is deterministic; every queue is FIFO:
//   - Mutex: Unlock wakes the longest waiter and releases the lock; the woken
//     goroutine competes with goroutines that lock before it runs (Go's
//     normal mode). One that loses goes back to the head of the queue and
//     the next Unlock hands it the lock directly (Go's starvation mode,
//     entered after one lost race rather than after 1ms of wall time).
//   - RWMutex: the lock is handed over, never raced for. A writer's Unlock
//     grants every waiting reader at once; otherwise the first waiting writer
//     gets the lock when the last reader leaves. New readers queue behind a
//     waiting writer, as with std.
//   - WaitGroup and Cond: waiters are released in the order they started
//     waiting (Broadcast, counter reaching zero) or the longest first
//     (Signal).
//
// Woken goroutines become runnable in that order; which runs first is the
// scheduler's seeded choice.
//
// # Run-time errors
//
// std reports some misuse with unrecoverable fatal errors: "sync: unlock of
// unlocked mutex", "sync: Unlock of unlocked RWMutex", "sync: RUnlock of
// unlocked RWMutex". Natively the shim keeps std's fatal errors (it calls
// std). Under simulation it panics with the same text, so the run fails
// with a panic report naming the goroutine instead of killing the test
// process. Panics std already uses keep their text in both modes ("sync:
// negative WaitGroup counter", "sync: WaitGroup is reused before previous
// Wait has returned", "sync.Cond is copied").
//
// # Native and simulated use of one value
//
// A value may be used natively and then under simulation (a package-level
// mutex locked during initialisation, a Once done in init): the lock state,
// counters and done flags are shared. A Mutex or RWMutex still locked by
// native code when a simulated goroutine wants it is simply locked: the
// goroutine parks until a simulated goroutine unlocks it (a mutex is not
// owned by a goroutine), and if nothing will, the run fails as a deadlock
// whose report says the lock is "held by code outside the simulation".
//
// A world runs its goroutines one at a time, but several worlds may run in
// parallel in one process (parallel tests). A primitive with simulated
// goroutines of one world waiting on it, or locked by one, must not be used
// from another world at that time: the shim detects it and panics with a
// message naming the type, rather than let two schedulers race. The same
// message appears when a run ended with a goroutine holding a lock it
// never released (at the end of a run leftover goroutines are killed, as a
// process's goroutines stop when it exits: the deferred calls of rewritten
// code, deferred Unlocks included, do not run, so their locks stay locked)
// and a later run then waits for it.
//
// The runtime's event callbacks run in the scheduler and cannot block: a
// Lock or Wait that would block there panics.
//
// # Copying
//
// As with std, values must not be copied after first use; `go vet`
// (copylocks) reports copies of every type here, and Cond also detects a
// copy at run time.
//
// # Map and Pool
//
// Map is std's sync.Map except for Range, which under simulation visits keys
// in a seeded order (std's order depends on a per-process hash seed).
//
// Pool is std's sync.Pool (an alias). Whether Get returns a previously Put
// object or calls New depends on garbage collections and on which P runs the
// goroutine, neither of which the simulation controls. Code whose observable
// behaviour depends on it (rather than only its allocation rate) is outside
// the determinism contract.
//
// Locker is std's interface (an alias).
package sync
