package kql_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"time"

	"strings"
	"sync"
	"testing"

	"github.com/ruledex/ruledex/internal/kqldiff"
	"github.com/ruledex/ruledex/internal/lang/kql"
)

var corpus struct {
	once    sync.Once
	queries []*kqldiff.Query
	skip    string
}

// corpusQueries reads every KQL query of ../shared/corpus through ingest,
// once per test binary; it skips when the corpus is absent.
func corpusQueries(tb testing.TB) []*kqldiff.Query {
	tb.Helper()
	corpus.once.Do(func() {
		if os.Getenv("RULEDEX_CORPUS") == "" {
			os.Setenv("RULEDEX_CORPUS", "../../../../shared/corpus")
		}
		dir, err := kqldiff.FindCorpus()
		if err != nil {
			corpus.skip = "corpus absent, the test needs ../shared/corpus: " + err.Error()
			return
		}
		q, _, err := kqldiff.LoadQueries(context.Background(), dir)
		if err != nil {
			corpus.skip = err.Error()
			return
		}
		corpus.queries = q
	})
	if corpus.skip != "" {
		tb.Skip(corpus.skip)
	}
	return corpus.queries
}

// corpusTexts returns the text of every corpus query, and nothing else: a
// benchmark holding the read rules would time the garbage collector's
// scans of them too.
func corpusTexts(tb testing.TB) []string {
	tb.Helper()
	if corpus.queries != nil {
		tb.Fatal("corpusTexts after corpusQueries: the read rules stay live")
	}
	if os.Getenv("RULEDEX_CORPUS") == "" {
		os.Setenv("RULEDEX_CORPUS", "../../../../shared/corpus")
	}
	dir, err := kqldiff.FindCorpus()
	if err != nil {
		tb.Skip("corpus absent, the benchmark needs ../shared/corpus: " + err.Error())
	}
	qs, _, err := kqldiff.LoadQueries(context.Background(), dir)
	if err != nil {
		tb.Fatal(err)
	}
	texts := make([]string, len(qs))
	for i, q := range qs {
		texts[i] = strings.Clone(q.Text)
	}
	runtime.GC()
	return texts
}

// TestCorpusRoundTrip checks that parse → print → parse gives the same tree
// for every corpus query, and reports how many parse with no error.
func TestCorpusRoundTrip(t *testing.T) {
	qs := corpusQueries(t)
	ok, bad := 0, 0
	var fails []string
	for _, q := range qs {
		s, errs := kql.Parse(q.Text)
		if len(errs) > 0 {
			bad++
			continue
		}
		ok++
		out := kql.Print(s)
		s2, errs2 := kql.Parse(out)
		if len(errs2) > 0 || !kql.Equal(s, s2) {
			msg := ""
			if len(errs2) > 0 {
				msg = errs2[0].Error()
			}
			fails = append(fails, fmt.Sprintf("=== %s %s\n%s\n--- printed\n%s\n", q.Where(), msg, q.Text, out))
		}
	}
	t.Logf("%d queries: %d parse with no error, %d with errors; %d round trips differ", len(qs), ok, bad, len(fails))
	if len(fails) > 0 {
		os.WriteFile("/tmp/kql-roundtrip-failures.txt", []byte(strings.Join(fails, "\n")), 0o644)
		t.Errorf("%d of %d queries do not round-trip (first: %s)", len(fails), ok, fails[0][:min(len(fails[0]), 2000)])
	}
}

// BenchmarkParseCorpus parses every KQL query of the corpus once per
// iteration; MB/s is over the queries' text.
//
//	go test -run - -bench ParseCorpus -benchmem -cpu 1 ./internal/lang/kql
func BenchmarkParseCorpus(b *testing.B) {
	texts := corpusTexts(b)
	n := 0
	for _, q := range texts {
		n += len(q)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		for _, q := range texts {
			s, _ := kql.Parse(q)
			kql.Summarize(s)
		}
	}
	// MB per CPU-second: the figure on one core however loaded the machine
	// is (the wall-clock MB/s above drops when other processes share it).
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(n)*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
	}
}

// cpuTime is the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
