package store

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"
)

// benchCatalog is a catalog of the whole corpus, built once per test binary.
var benchCatalog struct {
	once sync.Once
	dir  string
	db   string
	err  error
}

func corpusCatalog(b testing.TB) string {
	srcs := corpusSources(b)
	benchCatalog.once.Do(func() {
		benchCatalog.dir, benchCatalog.err = os.MkdirTemp("", "ruledex-bench-")
		if benchCatalog.err != nil {
			return
		}
		benchCatalog.db = filepath.Join(benchCatalog.dir, "corpus.db")
		testBuild(b, benchCatalog.db, srcs...)
	})
	if benchCatalog.err != nil {
		b.Fatal(benchCatalog.err)
	}
	return benchCatalog.db
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchCatalog.dir != "" {
		os.RemoveAll(benchCatalog.dir)
	}
	os.Exit(code)
}

// searchMix is a realistic mix of searches: single words, identifiers with
// separators, phrases, prefixes, negations, OR, facets alone and with text.
var searchMix = []Query{
	{Text: "powershell"},
	{Text: "runCommand"},
	{Text: "Microsoft.Compute/virtualMachines/runCommand/action"},
	{Text: "mimikatz"},
	{Text: `"encoded command"`},
	{Text: "lsass dump"},
	{Text: "cmd.exe -whoami"},
	{Text: "certutil*"},
	{Text: "password OR credential"},
	{Text: "T1059.001"},
	{Text: "SigninLogs"},
	{Text: "process_creation"},
	{Text: "rundll32 javascript"},
	{Text: "title:suspicious"},
	{Text: "registry run keys persistence"},
	{Text: "aws cloudtrail"},
	{Text: ""},
	{Facets: map[string][]string{"platform": {"sigma"}}},
	{Facets: map[string][]string{"table": {"windows//process_creation"}, "severity": {"high", "critical"}}},
	{Text: "powershell", Facets: map[string][]string{"technique": {"T1059.001"}}},
	{Text: "schtasks", Page: 2},
	{Text: "net user add"},
}

// BenchmarkSearch runs searchMix over the corpus catalog and reports the
// latency percentiles of one search (first page, facet counts, snippets).
func BenchmarkSearch(b *testing.B) {
	d, err := Open(corpusCatalog(b))
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Search(context.Background(), Query{Text: "warm"}); err != nil { // loads the facet index
		b.Fatal(err)
	}
	var lat []time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		q := searchMix[i%len(searchMix)]
		t0 := time.Now()
		if _, err := d.Search(context.Background(), q); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(float64(len(lat))*p))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
}

// BenchmarkOpenFirstSearch is the cost of a one-shot CLI search: open the
// catalog, load the facet index, search.
func BenchmarkOpenFirstSearch(b *testing.B) {
	db := corpusCatalog(b)
	b.ReportAllocs()
	for b.Loop() {
		d, err := Open(db)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := d.Search(context.Background(), Query{Text: "powershell"}); err != nil {
			b.Fatal(err)
		}
		d.Close()
	}
}
