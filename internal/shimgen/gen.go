package shimgen

// Regenerate every shim's zz_forward.go with `go generate ./internal/shimgen`.
// Keep these lines in sync with Shims (TestGenerateDirectives checks it).

//go:generate go run ../../cmd/shimgen time ../../shims/time
//go:generate go run ../../cmd/shimgen sync ../../shims/sync
//go:generate go run ../../cmd/shimgen context ../../shims/context
//go:generate go run ../../cmd/shimgen math/rand ../../shims/math/rand
//go:generate go run ../../cmd/shimgen math/rand/v2 ../../shims/math/rand/v2
//go:generate go run ../../cmd/shimgen crypto/rand ../../shims/crypto/rand
//go:generate go run ../../cmd/shimgen log ../../shims/log
//go:generate go run ../../cmd/shimgen log/slog ../../shims/log/slog
//go:generate go run ../../cmd/shimgen net ../../shims/net
//go:generate go run ../../cmd/shimgen os ../../shims/os
//go:generate go run ../../cmd/shimgen flag ../../shims/flag
//go:generate go run ../../cmd/shimgen io/ioutil ../../shims/io/ioutil

// Shim pairs a std package with the directory of its shim.
type Shim struct {
	StdPath string // import path of the std package, e.g. "math/rand/v2"
	Dir     string // shim directory, relative to the repository root, e.g. "shims/math/rand/v2"
}

// Shims lists every shim package whose forwarding file is generated.
var Shims = []Shim{
	{"time", "shims/time"},
	{"sync", "shims/sync"},
	{"context", "shims/context"},
	{"math/rand", "shims/math/rand"},
	{"math/rand/v2", "shims/math/rand/v2"},
	{"crypto/rand", "shims/crypto/rand"},
	{"log", "shims/log"},
	{"log/slog", "shims/log/slog"},
	{"net", "shims/net"},
	{"os", "shims/os"},
	{"flag", "shims/flag"},
	{"io/ioutil", "shims/io/ioutil"},
}
