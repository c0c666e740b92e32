// This file defines Map: a std sync.Map whose Range visits keys in a seeded
// order under simulation. std's order comes from a hash seed drawn from the
// Go runtime's random source when the map is first used, so it differs
// between processes; a simulated run must not depend on it.

package sync

import (
	stdsync "sync"

	"github.com/marionette-dst/marionette/runtime"
)

// Map is like a Go map[any]any but is safe for concurrent use by multiple
// goroutines without additional locking or coordination. The zero Map is
// empty and ready for use. A Map must not be copied after first use.
//
// It is std's sync.Map. Only Range differs under simulation: it visits the
// keys present when it starts in the order a range over a Go map would
// (canonical order shuffled with the world's "maps" stream), skipping keys
// deleted before they are reached, and never visits keys stored during the
// Range (the std contract allows either for those). Store, LoadOrStore and
// Swap number the pointers and channels in a key (runtime.MapKey), so keys
// holding them are ordered by when they were first stored, not by address.
type Map struct {
	m stdsync.Map
}

// Load returns the value stored in the map for a key, or nil if no value is
// present. The ok result indicates whether value was found in the map.
func (m *Map) Load(key any) (value any, ok bool) { return m.m.Load(key) }

// Store sets the value for a key.
func (m *Map) Store(key, value any) { m.m.Store(runtime.MapKey(key), value) }

// Clear deletes all the entries, resulting in an empty Map.
func (m *Map) Clear() { m.m.Clear() }

// LoadOrStore returns the existing value for the key if present. Otherwise,
// it stores and returns the given value. The loaded result is true if the
// value was loaded, false if stored.
func (m *Map) LoadOrStore(key, value any) (actual any, loaded bool) {
	return m.m.LoadOrStore(runtime.MapKey(key), value)
}

// LoadAndDelete deletes the value for a key, returning the previous value if
// any. The loaded result reports whether the key was present.
func (m *Map) LoadAndDelete(key any) (value any, loaded bool) { return m.m.LoadAndDelete(key) }

// Delete deletes the value for a key.
func (m *Map) Delete(key any) { m.m.Delete(key) }

// Swap swaps the value for a key and returns the previous value if any. The
// loaded result reports whether the key was present.
func (m *Map) Swap(key, value any) (previous any, loaded bool) {
	return m.m.Swap(runtime.MapKey(key), value)
}

// CompareAndSwap swaps the old and new values for key if the value stored in
// the map is equal to old. The old value must be of a comparable type.
func (m *Map) CompareAndSwap(key, old, new any) (swapped bool) {
	return m.m.CompareAndSwap(key, old, new)
}

// CompareAndDelete deletes the entry for key if its value is equal to old.
// The old value must be of a comparable type. If there is no current value
// for key in the map, CompareAndDelete returns false.
func (m *Map) CompareAndDelete(key, old any) (deleted bool) {
	return m.m.CompareAndDelete(key, old)
}

// Range calls f sequentially for each key and value present in the map. If
// f returns false, range stops the iteration. f may call any method of m.
func (m *Map) Range(f func(key, value any) bool) {
	if runtime.Current() == nil {
		m.m.Range(f)
		return
	}
	keys := make(map[any]struct{})
	m.m.Range(func(k, _ any) bool {
		keys[k] = struct{}{}
		return true
	})
	for k := range runtime.MapRange(keys) {
		v, ok := m.m.Load(k)
		if !ok {
			continue // deleted since Range started
		}
		if !f(k, v) {
			return
		}
	}
}
