package context

// SetStdCancelKey replaces the learnt std key (nil disables its use) and
// returns the previous value.
func SetStdCancelKey(k any) (old any) {
	old, stdCancelKey = stdCancelKey, k
	return old
}
