package fake

// Hand-written part of the fake shim: these names must not be forwarded.

const HandConst = 1

var HandVar = 1

// Handled is a new type, not an alias of the std one.
type Handled struct{ X int }

// Get is a method; methods do not count as hand-declared names.
func (h *Handled) Get() int { return h.X }

func Hand() int { return 2 }
