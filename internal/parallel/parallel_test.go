package parallel

import (
	"context"
	"sync/atomic"
	"testing"
)

func TestFor(t *testing.T) {
	for _, workers := range []int{0, 1, 3, 100} {
		seen := make([]atomic.Int32, 1000)
		if err := For(context.Background(), len(seen), workers, func(i int) { seen[i].Add(1) }); err != nil {
			t.Fatal(err)
		}
		for i := range seen {
			if seen[i].Load() != 1 {
				t.Fatalf("workers %d: piece %d ran %d times", workers, i, seen[i].Load())
			}
		}
	}
	Do(0, func(int) { t.Fatal("a piece of nothing ran") })
}

func TestForStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var ran atomic.Int32
	err := For(ctx, 1000, 2, func(i int) {
		if ran.Add(1) == 10 {
			cancel()
		}
	})
	if err == nil || ran.Load() >= 1000 {
		t.Fatalf("err %v after %d pieces: the pool did not stop", err, ran.Load())
	}
}
