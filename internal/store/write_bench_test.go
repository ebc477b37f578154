//go:build unix

package store

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ruledex/ruledex/internal/rule"
)

// BenchmarkWriteCatalog is the writing of a new catalog of the corpus
// (WriteCatalog alone: the rules are read and cross-referenced once, before
// the timer), with the catalog's size on disk.
func BenchmarkWriteCatalog(b *testing.B) {
	srcs := corpusSources(b)
	files, all, sum := testRead(b, srcs...)
	for _, r := range all {
		r.Normalize()
	}
	dir := b.TempDir()
	var size int64
	var cpu time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		// WriteCatalog lets go of each rule it writes: each round writes
		// copies of the files' lists.
		in := make([]File, len(files))
		for k, f := range files {
			f.Rules = append([]*rule.Rule(nil), f.Rules...)
			in[k] = f
		}
		p := filepath.Join(dir, fmt.Sprintf("c%d.db", i))
		b.StartTimer()
		c0 := cpuTime()
		if _, err := WriteCatalog(b.Context(), Write{Path: p, Files: in, Sources: srcs, Summary: sum}); err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime() - c0
		b.StopTimer()
		if st, err := os.Stat(p); err == nil {
			size = st.Size()
		}
		os.Remove(p)
		b.StartTimer()
	}
	b.ReportMetric(float64(len(all)), "rules")
	b.ReportMetric(float64(size)/1e6, "MB")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
}

// cpuTime is the process's user and system CPU time so far: the machine
// is shared, and CPU time depends on its load less than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
