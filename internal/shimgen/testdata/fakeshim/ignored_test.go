package fake_test

// Test files are not hand-written shim code: Name must still be forwarded.
const Name = "test"
