package runtime

import goruntime "runtime"

func goschedNative() { goruntime.Gosched() }
