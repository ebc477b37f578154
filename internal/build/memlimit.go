package build

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// heapHeadroom is how far past what lived at the last collection the Go
// heap may grow while a build runs with Options.LowMemory (`ruledex build
// --low-memory`), or half what lived when that is more: the build sets
// Go's soft memory limit (https://go.dev/doc/gc-guide#Memory_limit) to
// the live heap and this, and moves it as the live heap moves, where Go's
// own pacing (GOGC=100) lets the heap reach twice what lives. What lives
// at the largest builds is most of a gigabyte (the rules' skeletons and
// the cross-reference's indexes: about 890 MB at N = 15 forks of the
// corpus, 164,070 rules). The full build at N = 15, back to back on the
// same binary (2026-12-07 21:31 to 21:41): with the bound 1.45 and 1.43 GB
// peak RSS, 2m00s and 2m17s wall, 3m18s and 3m49s CPU; without, 2.15 and
// 1.90 GB, 1m52s and 1m53s, 3m03s and 3m03s. Not the default, then: it
// takes a build past the 2 minutes it should take. A rebuild that
// cross-references every rule again held about 1.5 GB (gctrace,
// 2026-12-07 evening): 2.2 GB instead of 2.5 with the bound, for 30% more
// CPU. (A headroom of 512 MiB alone costs a heap that lives large dearer
// still, each collection marking all of it: tried on `ruledex lint` when
// it held every rule whole, 3.25 GB instead of 5.44 for 2.3 times its
// CPU.) A small build never reaches it (the N = 1 build peaks at 260 MB
// RSS in all, under the headroom alone). Go's collector takes at most
// half the CPU to hold a limit, so a heap that outgrows it slows a build
// rather than failing it; and as the limit follows what lives, it never
// sits below it.
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
		debug.SetMemoryLimit(limitFor(liveHeap())) // (at once: followHeap's first look may come later)
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
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	set := int64(-1)
	for {
		if live := liveHeap(); live != set {
			debug.SetMemoryLimit(limitFor(live))
			set = live
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

// liveHeap returns the heap's bytes that the last collection found live.
func liveHeap() int64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(s[0].Value.Uint64())
}
