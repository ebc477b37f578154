package build

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// heapHeadroom is how far past what lived at the last collection the Go
// heap may grow while a build without a last catalog runs (the first, or
// --full), or half what lived when that is more: the build sets Go's soft
// memory limit
// (https://go.dev/doc/gc-guide#Memory_limit) to the live heap and this,
// and moves it as the live heap moves. (A fixed headroom alone costs a
// heap that lives large dear, each collection marking all of it after
// 512 MiB allocated: tried on `ruledex lint`, which holds every rule
// whole, 2.3 times its CPU. A rebuild is left to Go's pacing: one that
// cross-references every rule again holds about 1.5 GB, and at N = 15
// took 30% more CPU with the bound, half of it with this one, for 2.2
// GB instead of 2.5: 37.7 and 39.8 s of CPU against 29.8 and 29.2,
// 2026-12-07.) Go's own pacing alone (GOGC=100)
// lets the heap reach twice what lives, and what lives at the largest
// builds is most of a gigabyte (the rules' skeletons and the
// cross-reference's indexes): at N = 15 forks of the corpus (164,070
// rules) the full build peaked at 2.0 to 2.1 GB RSS with about 1.0 GB
// live; with the limit where this puts it (a fixed GOMEMLIMIT=1400MiB
// measured the same) it peaked at 1.47 GB, in the same time (1m57s wall,
// 3m10s CPU, 2026-12-07). A small build never reaches it (at N = 1 about
// 250 MB lives). Go's collector takes at most half the CPU to hold a
// limit, so a heap that outgrows it slows a build rather than failing it;
// and as the limit follows what lives, it never sits below it.
//
// GOMEMLIMIT, when set, is the user's limit: the build leaves it alone.
const heapHeadroom = 512 << 20

// limiter is the limit's state: the builds running (a process may run
// several: serve's, the tests'), the limit before the first, and the
// goroutine that moves it.
var limiter struct {
	sync.Mutex
	builds int
	prev   int64
	stop   chan struct{}
	done   chan struct{}
}

// limitHeap bounds the heap by heapHeadroom while a build runs and returns
// the function that ends it (the limit before the first build running is
// set back when the last ends).
func limitHeap() (end func()) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	limiter.Lock()
	defer limiter.Unlock()
	limiter.builds++
	if limiter.builds == 1 {
		limiter.prev = debug.SetMemoryLimit(-1)
		limiter.stop, limiter.done = make(chan struct{}), make(chan struct{})
		go followHeap(limiter.stop, limiter.done)
	}
	return sync.OnceFunc(func() {
		limiter.Lock()
		defer limiter.Unlock()
		if limiter.builds--; limiter.builds == 0 {
			close(limiter.stop)
			<-limiter.done
			debug.SetMemoryLimit(limiter.prev)
		}
	})
}

// followHeap sets the memory limit to the live heap and its headroom,
// after each collection (the live heap is measured by each), until stop
// is closed.
func followHeap(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	set := ^uint64(0)
	for {
		metrics.Read(s)
		if s[0].Value.Kind() == metrics.KindUint64 {
			if live := s[0].Value.Uint64(); live != set {
				debug.SetMemoryLimit(limitFor(int64(live)))
				set = live
			}
		}
		select {
		case <-stop:
			return
		case <-tick.C:
		}
	}
}

// limitFor returns the memory limit for a live heap of live bytes.
func limitFor(live int64) int64 { return live + max(heapHeadroom, live/2) }
