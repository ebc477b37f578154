package web

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// benchCatalog is the corpus, built once (buildtest.Corpus) and opened
// afresh (nothing kept from another benchmark); skipped without a corpus.
func benchCatalog(b *testing.B) *StoreCatalog { return corpusCatalog(b) }

// pagePaths returns the rule page paths of every rule of m.
func pagePaths(b *testing.B, m Catalog) []string {
	ids, err := m.RuleIDs(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	ps := make([]string, len(ids))
	for i, id := range ids {
		ps[i] = RulePath(id)
	}
	return ps
}

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[min(int(float64(len(ds))*p), len(ds)-1)]
}

// BenchmarkRulePage serves rule pages of the corpus one after another through
// the handler (routing, catalog lookup, highlighting, template), and reports
// the 50th and 99th percentile of the time per page.
func BenchmarkRulePage(b *testing.B) {
	m := benchCatalog(b)
	s, err := New(m)
	if err != nil {
		b.Fatal(err)
	}
	paths := pagePaths(b, m)
	durs := make([]time.Duration, 0, b.N)
	var bytes int64
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; b.Loop(); i++ {
		req := httptest.NewRequest("GET", paths[i%len(paths)], nil)
		w := httptest.NewRecorder()
		t0 := time.Now()
		s.ServeHTTP(w, req)
		durs = append(durs, time.Since(t0))
		if w.Code != 200 {
			b.Fatalf("%s: %d", paths[i%len(paths)], w.Code)
		}
		bytes += int64(w.Body.Len())
	}
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(len(durs)), "cpu-us/page")
	b.ReportMetric(float64(percentile(durs, 0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(percentile(durs, 0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(bytes)/float64(len(durs)), "bytes/page")
}

// BenchmarkSearchPage serves search result pages.
func BenchmarkSearchPage(b *testing.B) {
	m := benchCatalog(b)
	s, err := New(m)
	if err != nil {
		b.Fatal(err)
	}
	qs := []string{"/search?q=certutil", "/search?q=powershell+encoded", "/search?q=lsass", "/rules/?f=platform:sigma", "/search?q=runCommand"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest("GET", qs[i%len(qs)], nil))
		if w.Code != 200 {
			b.Fatalf("%d", w.Code)
		}
	}
}

// BenchmarkServeConcurrent is the load test: 64 clients fetch rule pages of
// the corpus over HTTP (loopback) from one server, as fast as they can; it
// reports pages per second and the 99th percentile latency. Each rule is
// asked once while b.N is under their number (every page made: a server
// just started), then again (pages kept).
func BenchmarkServeConcurrent(b *testing.B) {
	loadTest(b, benchCatalog(b))
}

// BenchmarkServeConcurrentStore is the load test on a built SQLite catalog
// (RULEDEX_BENCH_DB), as `ruledex serve --db` serves it.
func BenchmarkServeConcurrentStore(b *testing.B) {
	cat := benchStore(b)
	loadTest(b, cat)
}

func loadTest(b *testing.B, cat Catalog) {
	s, err := New(cat)
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(s)
	defer ts.Close()
	ids, err := cat.RuleIDs(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	ids = spreadIDs(ids) // not the first by id, which OpenStore keeps decoded
	paths := make([]string, len(ids))
	for i, id := range ids {
		paths[i] = RulePath(id)
	}
	const clients = 64
	tr := &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var next atomic.Int64
	var failed atomic.Int64
	lat := make([][]time.Duration, clients)
	b.ReportAllocs()
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				t0 := time.Now()
				resp, err := client.Get(ts.URL + paths[int(i)%len(paths)])
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					failed.Add(1)
				}
				lat[c] = append(lat[c], time.Since(t0))
			}
		}(c)
	}
	wg.Wait()
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	b.StopTimer()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d requests failed", n)
	}
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "pages/s")
	b.ReportMetric(float64(percentile(all, 0.99).Microseconds())/1000, "p99-ms")
	// The processor time per page, server and clients: what a busy machine
	// changes least; 2 cores make 2 s of it a second.
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-us/page")
}

// BenchmarkServeRate offers rule pages of the corpus at a fixed rate
// (RULEDEX_BENCH_RATE a second, 2,000 by default) over 64 connections on
// loopback, and reports the rate held and the latency percentiles. Each
// latency runs from the time the request was due, so that a server falling
// behind shows as queueing rather than as clients asking less (the load
// test above, with clients asking as fast as they can, measures the most
// the server holds; its latency is that of a saturated server). Every rule
// is asked in turn, b.N pages in all; the first pass over the rules
// (pages not yet kept) is reported apart.
func BenchmarkServeRate(b *testing.B) {
	rateTest(b, benchCatalog(b))
}

// BenchmarkServeRateStore is BenchmarkServeRate on a built SQLite catalog
// (RULEDEX_BENCH_DB), as `ruledex serve --db` serves it.
func BenchmarkServeRateStore(b *testing.B) {
	cat := benchStore(b)
	rateTest(b, cat)
}

func rateTest(b *testing.B, cat Catalog) {
	rate := 2000.0
	if v := os.Getenv("RULEDEX_BENCH_RATE"); v != "" {
		if _, err := fmt.Sscan(v, &rate); err != nil || rate <= 0 {
			b.Fatalf("RULEDEX_BENCH_RATE=%q", v)
		}
	}
	s, err := New(cat)
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(s)
	defer ts.Close()
	ids, err := cat.RuleIDs(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	paths := make([]string, len(ids))
	for i, id := range ids {
		paths[i] = ts.URL + RulePath(id)
	}
	const clients = 64
	tr := &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	type req struct {
		i   int
		due time.Time
	}
	reqs := make(chan req, b.N)
	lat := make([]time.Duration, b.N)
	var failed atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range reqs {
				resp, err := client.Get(paths[r.i%len(paths)])
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						err = fmt.Errorf("%d", resp.StatusCode)
					}
				}
				if err != nil {
					failed.Add(1)
				}
				lat[r.i] = time.Since(r.due)
			}
		}()
	}
	interval := time.Duration(float64(time.Second) / rate)
	for i := 0; i < b.N; {
		now := time.Now()
		for ; i < b.N; i++ {
			due := start.Add(time.Duration(i) * interval)
			if due.After(now) {
				break
			}
			reqs <- req{i, due}
		}
		if i < b.N {
			time.Sleep(start.Add(time.Duration(i) * interval).Sub(now))
		}
	}
	close(reqs)
	wg.Wait()
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	b.StopTimer()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d requests failed", n)
	}
	first := min(len(paths), b.N)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "pages/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-us/page")
	b.ReportMetric(float64(percentile(slices.Clone(lat[:first]), 0.99).Microseconds())/1000, "p99-first-ms")
	if b.N > first {
		rest := lat[first:]
		b.ReportMetric(float64(percentile(rest, 0.50).Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(percentile(rest, 0.99).Microseconds())/1000, "p99-ms")
	}
}

// BenchmarkHighlightKQL measures the KQL highlighter.
func BenchmarkHighlightKQL(b *testing.B) {
	q := seedRule().Query
	b.SetBytes(int64(len(q)))
	b.ReportAllocs()
	for b.Loop() {
		Highlight("kql", q, 1)
	}
}

// BenchmarkHighlightSigma measures the YAML highlighter on a Sigma rule.
func BenchmarkHighlightSigma(b *testing.B) {
	rs := exampleRules(b)
	q := rs[len(rs)-1].Query
	b.SetBytes(int64(len(q)))
	b.ReportAllocs()
	for b.Loop() {
		Highlight("sigma", q, 1)
	}
}

// BenchmarkRulePageStore serves rule pages from a built SQLite catalog, as
// `ruledex serve --db` does. Set RULEDEX_BENCH_DB to a catalog built with
// `ruledex build`; skipped otherwise. The rules are taken spread over the
// catalog (not the first by id, which are those OpenStore keeps decoded),
// each once while b.N is under their number: every page is made.
func BenchmarkRulePageStore(b *testing.B) {
	cat := benchStore(b)
	s, err := New(cat)
	if err != nil {
		b.Fatal(err)
	}
	ids, _ := cat.RuleIDs(b.Context())
	ids = spreadIDs(ids)
	durs := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; b.Loop(); i++ {
		req := httptest.NewRequest("GET", RulePath(ids[i%len(ids)]), nil)
		w := httptest.NewRecorder()
		t0 := time.Now()
		s.ServeHTTP(w, req)
		durs = append(durs, time.Since(t0))
		if w.Code != 200 {
			b.Fatalf("%d", w.Code)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(len(durs)), "cpu-us/page")
	b.ReportMetric(float64(percentile(durs, 0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(percentile(durs, 0.99).Microseconds())/1000, "p99-ms")
}

// BenchmarkExportStore exports the whole site of a built SQLite catalog
// (RULEDEX_BENCH_DB), as `ruledex export site DIR --db` does, into a
// temporary folder; it reports the files written per second.
func BenchmarkExportStore(b *testing.B) {
	db := benchDBPath(b)
	var files int
	for b.Loop() {
		b.StopTimer()
		cat, err := OpenStore(db)
		if err != nil {
			b.Fatal(err)
		}
		dir := b.TempDir()
		b.StartTimer()
		sum, err := Export(b.Context(), cat, dir, ExportOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		files += sum.Files
		cat.Close()
		os.RemoveAll(dir)
		b.StartTimer()
	}
	b.ReportMetric(float64(files)/b.Elapsed().Seconds(), "files/s")
}

// spreadIDs returns ids in an order that takes them from all over the
// list: the k-th is ids[k*stride mod len], stride prime to the length.
func spreadIDs(ids []string) []string {
	n := len(ids)
	gcd := func(a, b int) int {
		for b != 0 {
			a, b = b, a%b
		}
		return a
	}
	stride := 7919
	for n > 0 && gcd(n, stride) != 1 {
		stride++
	}
	out := make([]string, n)
	for k := range out {
		out[k] = ids[k*stride%n]
	}
	return out
}

// benchDBPath returns the catalog RULEDEX_BENCH_DB names, skipping the
// benchmark when it names none.
func benchDBPath(b *testing.B) string {
	db := os.Getenv("RULEDEX_BENCH_DB")
	if db == "" {
		b.Skip("set RULEDEX_BENCH_DB to a catalog built with ruledex build")
	}
	return db
}

// benchStore opens the catalog of benchDBPath, closed when b ends.
func benchStore(b *testing.B) *StoreCatalog {
	cat, err := OpenStore(benchDBPath(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cat.Close() })
	return cat
}

// BenchmarkRulePageStoreByPlatform makes every rule page of the catalog
// (RULEDEX_BENCH_DB) in id order, none kept, and logs the median and 90th
// percentile of the time a page by platform (-v): a platform's pages are
// made by its own highlighter and show its own sections.
func BenchmarkRulePageStoreByPlatform(b *testing.B) {
	cat := benchStore(b)
	s, err := New(cat)
	if err != nil {
		b.Fatal(err)
	}
	ids, _ := cat.RuleIDs(b.Context())
	by := map[string][]time.Duration{}
	for b.Loop() {
		s.rulePages = newKeptPages(0) // none kept: every page made
		for _, id := range ids {
			w := httptest.NewRecorder()
			t0 := time.Now()
			s.ServeHTTP(w, httptest.NewRequest("GET", RulePath(id), nil))
			platform, _, _ := strings.Cut(id, "/")
			by[platform] = append(by[platform], time.Since(t0))
			if w.Code != 200 {
				b.Fatalf("%s: %d", id, w.Code)
			}
		}
	}
	platforms := make([]string, 0, len(by))
	for p := range by {
		platforms = append(platforms, p)
	}
	sort.Strings(platforms)
	for _, p := range platforms {
		b.Logf("%s: %d pages, p50 %v, p90 %v", p, len(by[p]), percentile(by[p], 0.5).Round(time.Microsecond), percentile(by[p], 0.9).Round(time.Microsecond))
	}
}

// BenchmarkOpenStore opens the catalog RULEDEX_BENCH_DB as `ruledex serve
// --db` does before it listens, and closes it.
func BenchmarkOpenStore(b *testing.B) {
	db := benchDBPath(b)
	cpu0 := cpuTime()
	for b.Loop() {
		cat, err := OpenStore(db)
		if err != nil {
			b.Fatal(err)
		}
		cat.Close()
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
}
