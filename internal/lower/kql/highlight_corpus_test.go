package lowerkql_test

import (
	"context"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/kqldiff"
	lowerkql "github.com/ruledex/ruledex/internal/lower/kql"
	"github.com/ruledex/ruledex/internal/testcorpus"
)

// corpusKQLTexts returns the text of every KQL query of ../shared/corpus,
// skipping when it is absent.
func corpusKQLTexts(tb testing.TB) []string {
	tb.Helper()
	if os.Getenv("RULEDEX_CORPUS") == "" {
		os.Setenv("RULEDEX_CORPUS", "../../../../shared/corpus")
	}
	dir, err := kqldiff.FindCorpus()
	if err != nil {
		tb.Skip("corpus absent, the test needs ../shared/corpus: " + err.Error())
	}
	qs, _, err := kqldiff.LoadQueries(context.Background(), dir)
	if err != nil {
		tb.Skip("corpus unreadable: " + err.Error())
	}
	texts := make([]string, len(qs))
	for i, q := range qs {
		texts[i] = strings.Clone(q.Text)
	}
	runtime.GC()
	return texts
}

// BenchmarkHighlightCorpus highlights every KQL query of the corpus once an
// iteration; MB/s is over the queries' text.
//
//	go test -run - -bench HighlightCorpus -benchmem -cpu 1 ./internal/lower/kql
func BenchmarkHighlightCorpus(b *testing.B) {
	texts := corpusKQLTexts(b)
	n := 0
	for _, q := range texts {
		n += len(q)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	cpu0 := testcorpus.CPUTime()
	for b.Loop() {
		for _, q := range texts {
			lowerkql.Highlight(q)
		}
	}
	b.ReportMetric(float64((testcorpus.CPUTime()-cpu0).Microseconds())/float64(b.N*len(texts)), "cpu-us/query")
}

// TestHighlightCorpus checks the tokens of every KQL query of the corpus:
// in the text, not empty, in order and not overlapping.
func TestHighlightCorpus(t *testing.T) {
	texts := corpusKQLTexts(t)
	for _, q := range texts {
		toks := lowerkql.Highlight(q)
		for i, tk := range toks {
			if tk.Start < 0 || tk.End > len(q) || tk.Start >= tk.End || i > 0 && tk.Start < toks[i-1].End {
				t.Fatalf("token %d %+v (before it %+v) of %q", i, tk, toks[max(i-1, 0)], q)
			}
		}
	}
	t.Logf("%d queries", len(texts))
}
