#include "textflag.h"

// func getg() uintptr
// Returns the address of the current goroutine's g structure. It is used only
// as an identity key for the goroutine registry, never dereferenced.
TEXT ·getg(SB),NOSPLIT,$0-8
	MOVQ (TLS), AX
	MOVQ AX, ret+0(FP)
	RET
