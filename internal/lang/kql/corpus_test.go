package kql_test

import (
	"context"
	"fmt"
	"os"
	"runtime"

	"strings"
	"sync"
	"testing"

	"github.com/ruledex/ruledex/internal/kqldiff"
	"github.com/ruledex/ruledex/internal/lang/kql"
	"github.com/ruledex/ruledex/internal/testcorpus"
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

// corpusTextsQuiet reads the corpus's query texts, or says why it cannot.
func corpusTextsQuiet() ([]string, error) {
	if os.Getenv("RULEDEX_CORPUS") == "" {
		os.Setenv("RULEDEX_CORPUS", "../../../../shared/corpus")
	}
	dir, err := kqldiff.FindCorpus()
	if err != nil {
		return nil, err
	}
	qs, _, err := kqldiff.LoadQueries(context.Background(), dir)
	if err != nil {
		return nil, err
	}
	texts := make([]string, len(qs))
	for i, q := range qs {
		texts[i] = strings.Clone(q.Text)
	}
	return texts, nil
}

// corpusTexts returns the text of every corpus query, and nothing else: a
// benchmark holding the read rules would time the garbage collector's
// scans of them too.
func corpusTexts(tb testing.TB) []string {
	tb.Helper()
	if corpus.queries != nil {
		tb.Fatal("corpusTexts after corpusQueries: the read rules stay live")
	}
	texts, err := corpusTextsQuiet()
	if err != nil {
		tb.Skip("corpus absent, the benchmark needs ../shared/corpus: " + err.Error())
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
		s, errs := kql.Parse([]byte(q.Text))
		if len(errs) > 0 {
			bad++
			continue
		}
		ok++
		out := kql.Print(s)
		s2, errs2 := kql.Parse([]byte(out))
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
	srcs := make([][]byte, len(texts))
	for i, q := range texts {
		n += len(q)
		srcs[i] = []byte(q)
	}
	texts = nil
	b.SetBytes(int64(n))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := testcorpus.CPUTime()
	for i := 0; i < b.N; i++ {
		for _, q := range srcs {
			s, _ := kql.Parse(q)
			kql.Summarize(s)
		}
	}
	// MB per CPU-second: the figure on one core however loaded the machine
	// is (the wall-clock MB/s above drops when other processes share it).
	if cpu := testcorpus.CPUTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(n)*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
	}
}

// FuzzParse checks that no input makes the parser panic, that every error
// has a position, that every node's span lies inside the input and inside
// its parent's, and that whatever parses prints back to the same tree. It
// is seeded with queries written for it and, when ../shared/corpus is
// there, with every KQL query of the corpus.
func FuzzParse(f *testing.F) {
	if texts, err := corpusTextsQuiet(); err == nil {
		for _, q := range texts {
			f.Add(q)
		}
	}
	for _, s := range []string{
		"T | where a == 1", "let x = 1; T | extend y = x", `T | parse a with * "x" b:string`, "union A*, (B | take 1)",
		"T | mv-apply x = y on (top 1 by z)", "print dynamic({'a': [1, {}]})", "T | scan with (step s: a => b = 1;)",
		"datatable(a:int) [1, 2]", "T | join (U) on $left.a == $right.b", "T | summarize arg_max(t, *) by bin(t, 1h)",
		"T | where a between (1 .. 2) and b !in~ ('x')", "T | where ['a b'].c[0] has_any (dynamic(['x']))",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		s, errs := kql.Parse([]byte(src))
		if s == nil {
			t.Fatal("nil tree")
		}
		for _, e := range errs {
			if e.Line < 1 || e.Col < 1 || !e.Span.In(len(src)) {
				t.Fatalf("error without a position: %+v", e)
			}
		}
		// every node's span lies inside the input and inside its parent's
		var stack []kql.Node
		kql.Walk(s, func(n kql.Node) bool {
			pos, end := n.Span()
			if pos < 0 || pos > end || end > len(src) {
				t.Fatalf("%T span [%d,%d) outside the input (%d bytes)", n, pos, end, len(src))
			}
			if len(stack) > 0 {
				if pp, pe := stack[len(stack)-1].Span(); pos < pp || end > pe {
					t.Fatalf("%T span [%d,%d) outside its parent %T [%d,%d)", n, pos, end, stack[len(stack)-1], pp, pe)
				}
			}
			stack = append(stack, n)
			return true
		}, func(kql.Node) { stack = stack[:len(stack)-1] })
		kql.Summarize(s)
		if errs != nil {
			return
		}
		out := kql.Print(s)
		s2, errs2 := kql.Parse([]byte(out))
		if errs2 != nil {
			t.Fatalf("printed %q does not parse: %v", out, errs2)
		}
		if !kql.Equal(s, s2) {
			t.Fatalf("printed %q parses to another tree", out)
		}
	})
}
