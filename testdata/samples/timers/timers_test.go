package timers

import (
	"testing"
	"time"
)

func TestWithTimeoutFast(t *testing.T) {
	if err := WithTimeout(time.Second, func() { time.Sleep(time.Millisecond) }); err != nil {
		t.Fatal(err)
	}
}

func TestWithTimeoutSlow(t *testing.T) {
	start := time.Now()
	if err := WithTimeout(20*time.Millisecond, func() { time.Sleep(time.Second) }); err != ErrTimeout {
		t.Fatalf("got %v, want ErrTimeout", err)
	}
	if el := time.Since(start); el < 20*time.Millisecond {
		t.Fatalf("returned after %v", el)
	}
}

func TestTicks(t *testing.T) {
	n := Ticks(10*time.Millisecond, 55*time.Millisecond)
	if n < 2 || n > 6 {
		t.Fatalf("%d ticks in 55ms at 10ms", n)
	}
}
