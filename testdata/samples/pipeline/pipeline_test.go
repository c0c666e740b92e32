package pipeline

import (
	"fmt"
	"slices"
	"sync"
	"testing"
)

func TestSquares(t *testing.T) {
	got := Squares([]int{3, 1, 2, 4}, 3)
	if want := []int{1, 4, 9, 16}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestCounter(t *testing.T) {
	var c Counter
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Inc(fmt.Sprint(i % 3))
		}()
	}
	wg.Wait()
	if c.Total() != 10 {
		t.Fatalf("total %d", c.Total())
	}
}

func TestFirst(t *testing.T) {
	a, b := make(chan int, 1), make(chan int, 1)
	go func() { b <- 7 }()
	t.Run("either", func(t *testing.T) {
		if v, i := First(a, b); v != 7 || i != 1 {
			t.Fatalf("got %d from %d", v, i)
		}
	})
}
