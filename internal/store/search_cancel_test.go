package store

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
)

// endingCtx ends after its first Err: a request that ends (its client gone,
// its deadline past) while its search runs.
type endingCtx struct {
	context.Context
	n    atomic.Int32
	done chan struct{}
}

func (c *endingCtx) Err() error {
	if c.n.Add(1) == 1 {
		return nil
	}
	return context.Canceled
}

func (c *endingCtx) Done() <-chan struct{} { return c.done }

// TestSearchEndedWhileMatching: a search whose context ends while its text
// is matched returns the context's error (it panicked on the match it did
// not get).
func TestSearchEndedWhileMatching(t *testing.T) {
	d := builtFixture(t)
	if _, err := d.Search(t.Context(), Query{Text: "Run"}); err != nil { // the facet index loaded
		t.Fatal(err)
	}
	for _, text := range []string{"write", "-write"} {
		ctx := &endingCtx{Context: t.Context(), done: make(chan struct{})}
		close(ctx.done)
		if _, err := d.Search(ctx, Query{Text: text}); !errors.Is(err, context.Canceled) {
			t.Errorf("search %q ended while matching: %v, want %v", text, err, context.Canceled)
		}
	}
}
