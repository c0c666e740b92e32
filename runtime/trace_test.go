package runtime

import "testing"

// Output events hash their text with heap addresses normalised (defect 14).
func TestNormalizeOutput(t *testing.T) {
	for in, want := range map[string]string{
		"id=0xc000123456 x":         "id=0x? x",
		"0x205a80b86158,0XDEADBEEF": "0x?,0x?",
		"small 0x1f 0x1234567":      "small 0x1f 0x1234567",
		"a0xc000123456":             "a0xc000123456",
		"(0xc000123456)":            "(0x?)",
		"10xc000123456":             "10xc000123456",
		"no hex":                    "no hex",
		"0x":                        "0x",
	} {
		if got := NormalizeOutput(in); got != want {
			t.Errorf("NormalizeOutput(%q) = %q, want %q", in, got, want)
		}
	}
}

// An address cut by the end of the kept text compares as an address.
func TestSameEventCutAddress(t *testing.T) {
	long := func(tail string) TraceEvent {
		d := "n0: "
		for len(d)+len(tail) < 4+OutputText {
			d += "."
		}
		return TraceEvent{Kind: KindStderr, Arg: 400, Detail: d + tail}
	}
	if !sameEvent(long(" 0xc0001"), long(" 0xc0002")) {
		t.Error("a cut address made two output events differ")
	}
	if sameEvent(long(" abc"), long(" abd")) {
		t.Error("different text compared equal")
	}
}
