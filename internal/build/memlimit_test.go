package build

import (
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"testing"
	"time"
)

// TestLimitHeap: while builds run, Go's memory limit is the live heap and
// heapHeadroom (or half the live heap, when more), and moves with it; the limit before the first is set back
// when the last ends, not before; GOMEMLIMIT set leaves the limit alone.
// (Not parallel: the limit is the process's.)
func TestLimitHeap(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "") // (the environment's would leave the limit alone)
	before := debug.SetMemoryLimit(-1)
	limitOf := func(want func(int64) bool) int64 {
		deadline := time.Now().Add(10 * time.Second)
		for {
			runtime.GC()
			l := debug.SetMemoryLimit(-1)
			if want(l) || time.Now().After(deadline) {
				return l
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	runtime.GC() // (what lives now, not what an earlier test left)
	end1 := limitHeap()
	end2 := limitHeap()
	l1 := limitOf(func(l int64) bool { return l != before })
	if l1 < heapHeadroom || l1 > heapHeadroom+1<<30 {
		t.Fatalf("limit %d while a build runs; want the live heap and %d", l1, heapHeadroom)
	}
	kept := make([]byte, 200<<20) // lives: the limit follows it
	for i := range kept {
		kept[i] = byte(i)
	}
	l2 := limitOf(func(l int64) bool { return l >= l1+150<<20 })
	if l2 < l1+150<<20 {
		t.Errorf("limit %d after 200 MB more live, %d before", l2, l1)
	}
	runtime.KeepAlive(kept)
	end1()
	end1() // (once)
	if l := debug.SetMemoryLimit(-1); l == before {
		t.Errorf("limit set back while a build still runs")
	}
	end2()
	if l := debug.SetMemoryLimit(-1); l != before {
		t.Errorf("limit %d once the builds ended; want %d", l, before)
	}

	t.Setenv("GOMEMLIMIT", "4GiB")
	debug.SetMemoryLimit(4 << 30)
	defer debug.SetMemoryLimit(before)
	end := limitHeap()
	time.Sleep(100 * time.Millisecond)
	if l := debug.SetMemoryLimit(-1); l != 4<<30 {
		t.Errorf("limit %d with GOMEMLIMIT set; want it left", l)
	}
	end()
}

// TestLimitFor: the headroom is heapHeadroom, or half the live heap when
// that is more.
func TestLimitFor(t *testing.T) {
	for _, c := range []struct{ live, want int64 }{
		{0, heapHeadroom},
		{200 << 20, 200<<20 + heapHeadroom},
		{1 << 30, 1<<30 + heapHeadroom},
		{3 << 30, 3<<30 + 3<<29},
	} {
		if got := limitFor(c.live); got != c.want {
			t.Errorf("limitFor(%d) = %d, want %d", c.live, got, c.want)
		}
	}
}

// limitSeen records Go's memory limit each time the build writes its
// progress.
type limitSeen struct{ limits []int64 }

func (l *limitSeen) Write(p []byte) (int, error) {
	l.limits = append(l.limits, debug.SetMemoryLimit(-1))
	return len(p), nil
}

// TestLowMemoryBuild: a build with LowMemory bounds the heap while it runs
// and sets the limit back at its end; one without leaves it alone.
func TestLowMemoryBuild(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "")
	dir, _ := fixture(t)
	before := debug.SetMemoryLimit(-1)
	for _, low := range []bool{false, true} {
		var seen limitSeen
		db := filepath.Join(t.TempDir(), "c.db")
		if _, err := Build(t.Context(), Options{DB: db, Sources: []Source{{Name: "fixture", Path: dir}}, Progress: &seen, LowMemory: low}); err != nil {
			t.Fatal(err)
		}
		bounded := slices.ContainsFunc(seen.limits, func(l int64) bool { return l != before })
		if len(seen.limits) == 0 || bounded != low {
			t.Errorf("LowMemory %v: limits seen while building %v (before %d)", low, seen.limits, before)
		}
		if l := debug.SetMemoryLimit(-1); l != before {
			t.Errorf("LowMemory %v: limit %d after the build; want %d", low, l, before)
		}
	}
}
