// Package parallel runs the independent pieces of one job on the machine's
// cores: reading files, lowering rules, encoding them, ranking parts of a
// search. It is the one worker pool of ruledex.
package parallel

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
)

// For calls f(i) for every i in [0, n), on at most workers goroutines
// (GOMAXPROCS when workers <= 0), each taking the next i when it is done
// with one, so that a slow piece holds up no other. It stops handing out
// pieces once ctx is done, waits for those under way, and returns ctx's
// error then; nil when every piece ran.
func For(ctx context.Context, n, workers int, f func(i int)) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, n)
	var wg sync.WaitGroup
	var next atomic.Int64
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				f(i)
			}
		}()
	}
	wg.Wait()
	if int(next.Load()) < n {
		return ctx.Err()
	}
	return nil
}

// Do is For with no context and GOMAXPROCS workers.
func Do(n int, f func(i int)) { For(context.Background(), n, 0, f) }
