// This file defines the determinism self-check: run one seed twice and
// compare the traces, naming the first event where they diverge.

package runtime

import "fmt"

// CheckDeterminism runs main twice in fresh worlds with the same options and
// returns an error naming the first diverging event if the traces differ.
// main must build all its state inside the run (it is called twice).
func CheckDeterminism(o Options, main func()) error {
	w1 := NewWorld(o)
	w1.RecordAll()
	r1 := w1.Run(main)
	w2 := NewWorld(o)
	w2.RecordAll()
	r2 := w2.Run(main)
	if r1.Hash == r2.Hash {
		return nil
	}
	e1, e2 := w1.Events(), w2.Events()
	i, a, b := FirstDivergence(e1, e2)
	if i < 0 {
		return fmt.Errorf("marionette: nondeterminism: seed %d gave trace hashes %016x and %016x; %s",
			o.Seed, r1.Hash, r2.Hash, NoVisibleDivergence)
	}
	// Name the event by its number in the run (events recorded before
	// RecordAll are not kept, so the index alone is off).
	n := int64(i + 1)
	if i < len(e1) {
		n = e1[i].N
	} else if i < len(e2) {
		n = e2[i].N
	}
	return fmt.Errorf("marionette: nondeterminism: seed %d gave trace hashes %016x and %016x; first divergence at event %d:\n  run 1: %s\n  run 2: %s",
		o.Seed, r1.Hash, r2.Hash, n, a, b)
}

// NoVisibleDivergence explains two traces whose hashes differ while every
// recorded event compares equal.
const NoVisibleDivergence = "every recorded event is the same: the runs differ in what events keep out of their detail (output past its first 256 bytes)"

// FirstDivergence returns the index of the first differing event of two
// traces and the two events there ("<end of trace>" past the end of one),
// or -1 if every event compares equal.
// Events compare as the hash covers them: spawn events by everything but
// their detail (a function name), output events with their addresses
// normalised and without their byte count (see TraceOutput).
func FirstDivergence(x, y []TraceEvent) (int, string, string) {
	n := max(len(x), len(y))
	for i := 0; i < n; i++ {
		if i >= len(x) || i >= len(y) || !sameEvent(x[i], y[i]) {
			return i, eventAt(x, i), eventAt(y, i)
		}
	}
	return -1, "", ""
}

func sameEvent(a, b TraceEvent) bool {
	if a.Kind == evNames[evSpawn] && b.Kind == a.Kind {
		a.Detail, b.Detail = "", ""
	}
	if IsOutputKind(a.Kind) && b.Kind == a.Kind {
		// As hashed: addresses normalised, no byte count. A detail cut
		// at OutputText bytes may end in part of an address.
		a.Detail, b.Detail = normalizeKept(a), normalizeKept(b)
		a.Arg, b.Arg = 0, 0
	}
	return a == b
}

func eventAt(x []TraceEvent, i int) string {
	if i >= len(x) {
		return "<end of trace>"
	}
	return x[i].String()
}

// normalizeKept normalises the detail of an output event; if the write was
// longer than the detail keeps, a hexadecimal number the cut ends in counts
// as an address too.
func normalizeKept(e TraceEvent) string {
	d := NormalizeOutput(e.Detail)
	if e.Arg <= OutputText {
		return d
	}
	i := len(d)
	for i > 0 && isHexDigit(d[i-1]) {
		i--
	}
	if i >= 2 && (d[i-1] == 'x' || d[i-1] == 'X') && d[i-2] == '0' && (i == 2 || !isWordByte(d[i-3])) {
		return d[:i-2] + "0x?"
	}
	return d
}
