// This file defines buggify, FoundationDB-style fault injection in user
// code: a site (keyed by file:line) is activated once per run with
// probability buggify.activate, decided the first time it is evaluated, and
// an active site then fires with probability buggify.fire times a
// contextual weight each time it is evaluated. Activation is drawn from a
// stream derived from the seed and the site's key, so whether a site is
// active does not depend on which sites ran first (adding a site does not
// move the others); firings draw from the buggify stream in evaluation
// order. Activations and firings are trace events. The user-facing API is
// the buggify package.

package runtime

import "sort"

// BuggifyOptions are the buggify probabilities of a run. Zero values turn
// buggify off (the performance profile, and option sets printed before
// buggify existed).
type BuggifyOptions struct {
	// Activate is the probability that a site is active for the run.
	Activate float64 `json:"activate"`
	// Fire is the probability that an active site fires each time it is
	// evaluated, before the site's weight is applied.
	Fire float64 `json:"fire"`
}

// Buggify evaluates the buggify site named site with the given contextual
// weight: the fire probability is multiplied by weight and capped at 1, so
// a site can fire more often in a dangerous state (writes pending) and
// never where weight is 0. It reports whether the site fires.
func (w *World) Buggify(site string, weight float64) bool {
	o := w.opts.Buggify
	if o.Activate <= 0 || o.Fire <= 0 {
		return false
	}
	c := w.checks()
	if c.buggify == nil {
		c.buggify = map[string]bool{}
	}
	active, seen := c.buggify[site]
	if !seen {
		active = NewStream(w.opts.Seed, StreamBuggify+"/"+site).Float64() < o.Activate
		c.buggify[site] = active
		if active {
			w.Trace("buggify.activate", w.cur, 0, site)
		}
	}
	if !active || weight <= 0 {
		return false
	}
	p := o.Fire * weight
	if p < 1 && w.Rand(StreamBuggify).Float64() >= p {
		return false
	}
	w.Trace("buggify.fire", w.cur, 0, site)
	return true
}

// BuggifyActive returns the sites activated in this run so far, sorted.
func (w *World) BuggifyActive() []string {
	if w.chk == nil {
		return nil
	}
	var out []string
	for s, a := range w.chk.buggify {
		if a {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// BuggifySeen returns every site evaluated in this run so far and whether
// it is active.
func (w *World) BuggifySeen() map[string]bool {
	out := map[string]bool{}
	if w.chk != nil {
		for s, a := range w.chk.buggify {
			out[s] = a
		}
	}
	return out
}
