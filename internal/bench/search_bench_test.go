package bench

import (
	"context"
	"os"
	"reflect"
	"runtime"
	"sort"
	"testing"
	"time"

	"github.com/ruledex/ruledex/internal/store"
)

// BenchmarkSearchCatalog is the bench's search row alone, over the catalog
// at $RULEDEX_SEARCH_DB (a catalog of any scale, opened read-only): each
// iteration opens it afresh, times the first search (which loads the
// facet index), then the warming of the rest (store.DB.WarmSearch: the
// frequent terms' postings, as a server does at its start; wall and CPU
// time, and the memory it keeps), then the bench's 300 searches, each
// once, and reports their latency percentiles and the CPU a search (on
// average, its 99th percentile and most: the process's user and system
// time across the search, its parallel parts included; a figure the
// machine's load does not inflate as it does the wall time). With -v it logs the slowest
// searches, by wall time and by CPU time. For example:
//
//	RULEDEX_SEARCH_DB=/tmp/n15.db go test ./internal/bench -run '^$' \
//	    -bench SearchCatalog -benchtime 1x -v -cpuprofile cpu.out
func BenchmarkSearchCatalog(b *testing.B) {
	db := os.Getenv("RULEDEX_SEARCH_DB")
	if db == "" {
		b.Skip("RULEDEX_SEARCH_DB is not set: give it the path of a catalog (ruledex build --db)")
	}
	ctx := context.Background()
	type timed struct {
		q      store.Query
		d, cpu time.Duration
	}
	var all []timed
	var first, cpu, warm, warmCPU time.Duration
	held := 0
	var warmHeap int64 // bytes the warming added to the heap
	searches := 0
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		d, err := store.Open(db)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t0 := time.Now()
		if _, err := d.Search(ctx, store.Query{Text: "process"}); err != nil {
			b.Fatal(err)
		}
		first += time.Since(t0)
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		t0, c0 := time.Now(), processCPU()
		if held, err = d.WarmSearch(ctx); err != nil {
			b.Fatal(err)
		}
		warm, warmCPU = warm+time.Since(t0), warmCPU+processCPU()-c0
		runtime.GC()
		runtime.ReadMemStats(&m1)
		warmHeap += int64(m1.HeapAlloc) - int64(m0.HeapAlloc)
		b.StopTimer()
		qs, how, err := searchQueries(ctx, d, 300)
		if err != nil {
			b.Fatal(err)
		}
		if i == 0 {
			b.Logf("%d searches: %s; %d frequent terms held", len(qs), how, held)
		}
		b.StartTimer()
		cpu0 := processCPU()
		for _, q := range qs {
			t, c := time.Now(), processCPU()
			if _, err := d.Search(ctx, q); err != nil {
				b.Fatalf("search %q: %v", q.Text, err)
			}
			all = append(all, timed{q, time.Since(t), processCPU() - c})
		}
		cpu += processCPU() - cpu0
		searches += len(qs)
		b.StopTimer()
		d.Close()
		b.StartTimer()
	}
	ds, cs := make([]time.Duration, len(all)), make([]time.Duration, len(all))
	for i, t := range all {
		ds[i], cs[i] = t.d, t.cpu
	}
	l, c := Summarize(ds), Summarize(cs)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(l.P50), "p50-ms")
	b.ReportMetric(ms(l.P95), "p95-ms")
	b.ReportMetric(ms(l.P99), "p99-ms")
	b.ReportMetric(ms(l.Max), "max-ms")
	b.ReportMetric(ms(cpu)/float64(searches), "cpu-ms/search")
	b.ReportMetric(ms(c.P99), "cpu-p99-ms")
	b.ReportMetric(ms(c.Max), "cpu-max-ms")
	b.ReportMetric(ms(first)/float64(b.N), "first-ms")
	b.ReportMetric(ms(warm)/float64(b.N), "warm-ms")
	b.ReportMetric(ms(warmCPU)/float64(b.N), "warm-cpu-ms")
	b.ReportMetric(float64(warmHeap)/1e6/float64(b.N), "warm-heap-MB")
	// The slowest, by wall time, then by CPU time (which the machine's
	// load does not inflate).
	sort.Slice(all, func(i, j int) bool { return all[i].d > all[j].d })
	for _, t := range all[:min(12, len(all))] {
		b.Logf("%8.2f ms (%.2f ms CPU)  %q %v", ms(t.d), ms(t.cpu), t.q.Text, t.q.Facets)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].cpu > all[j].cpu })
	for _, t := range all[:min(12, len(all))] {
		b.Logf("%8.2f ms CPU (%.2f ms)  %q %v", ms(t.cpu), ms(t.d), t.q.Text, t.q.Facets)
	}
}

// TestSearchSampleRankedInGoIsFTS5s: every search of the bench's sample
// over the catalog at $RULEDEX_SEARCH_DB gives the same result (hits and
// their order, total, facets, snippets, why each matched) on a reader
// warmed as a server is (broad words ranked in Go from postings) and on
// one that is not (every ranking by FTS5), with each search's next pages
// and a facet. (store's TestFastRankIsFTS5s checks the same on the corpus
// catalog, with every fast ranking whole.)
func TestSearchSampleRankedInGoIsFTS5s(t *testing.T) {
	db := os.Getenv("RULEDEX_SEARCH_DB")
	if db == "" {
		t.Skip("RULEDEX_SEARCH_DB is not set: give it the path of a catalog (ruledex build --db)")
	}
	ctx := t.Context()
	slow, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	fast, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer fast.Close()
	held, err := fast.WarmSearch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	qs, how, err := searchQueries(ctx, slow, 300)
	if err != nil {
		t.Fatal(err)
	}
	n := len(qs)
	for _, q := range qs[:n] {
		if q.Text != "" {
			more := q
			more.Page = 4
			qs = append(qs, more)
			more.Facets = map[string][]string{"platform": {"sigma"}}
			more.Page = 2
			qs = append(qs, more)
		}
	}
	for _, q := range qs {
		want, err := slow.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		got, err := fast.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q %v page %d: warmed %d rules, %v; by FTS5 %d, %v", q.Text, q.Facets, q.Page, got.Total, ids(got), want.Total, ids(want))
		}
	}
	t.Logf("%d searches (%s, then pages and a facet), %d frequent terms held", len(qs), how, held)
}

func ids(r store.Result) []string {
	var out []string
	for _, h := range r.Hits {
		out = append(out, h.ID)
	}
	return out
}
