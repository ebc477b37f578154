package kuery

import (
	"testing"

	"github.com/ruledex/ruledex/internal/testcorpus"
)

// corpusRules returns every rule of language "kuery" under
// ../shared/corpus/elastic/rules (a rule file that does not decode fails);
// it skips when the corpus is absent.
func corpusRules(tb testing.TB) []testcorpus.TOMLRule {
	tb.Helper()
	rules := testcorpus.TOMLQueries(tb, testcorpus.Dir(tb, "elastic", "rules"), "kuery", true)
	if len(rules) == 0 {
		tb.Fatal("no kuery rule found under the corpus's elastic/rules")
	}
	return rules
}

// TestCorpus parses every kuery query of the corpus: all must parse, every
// span must lie inside its query.
func TestCorpus(t *testing.T) {
	rules := corpusRules(t)
	var bytes, preds, fields, wild, nested int
	for _, r := range rules {
		q, errs := Parse([]byte(r.Query))
		bytes += len(r.Query)
		if len(errs) > 0 {
			t.Errorf("%s: %v", r.Path, errs)
			continue
		}
		checkSpans(t, r.Path, q)
		ps := Predicates(q)
		preds += len(ps)
		fields += len(Fields(q))
		for _, p := range ps {
			if p.Wildcard() {
				wild++
			}
			if p.Nested != "" {
				nested++
			}
		}
	}
	t.Logf("%d kuery queries (%d bytes): %d predicates (%d with wildcards, %d nested), %d distinct fields a query summed",
		len(rules), bytes, preds, wild, nested, fields)
}

// TestCorpusRoundTrip prints every corpus query and parses the print:
// the trees must be equal.
func TestCorpusRoundTrip(t *testing.T) {
	rules := corpusRules(t)
	n := 0
	for _, r := range rules {
		q, errs := Parse([]byte(r.Query))
		if len(errs) > 0 {
			continue
		}
		out := Print(q)
		q2, errs2 := Parse([]byte(out))
		if len(errs2) > 0 || !Equal(q, q2) {
			t.Errorf("%s: the print does not parse back to the same tree (%v):\n%s", r.Path, errs2, out)
			continue
		}
		n++
	}
	t.Logf("%d of %d corpus queries round-trip", n, len(rules))
	if n != len(rules) {
		t.Errorf("%d queries do not round-trip", len(rules)-n)
	}
}

// checkSpans checks that every node's span lies inside the query.
func checkSpans(t testing.TB, name string, q *Query) {
	t.Helper()
	Inspect(q, func(n Node) bool {
		sp := n.Span()
		if !sp.In(len(q.Src)) {
			t.Errorf("%s: %T span %v outside the query (%d bytes)", name, n, sp, len(q.Src))
		}
		return true
	})
}

func BenchmarkParseCorpus(b *testing.B) {
	rules := corpusRules(b)
	srcs := make([][]byte, len(rules))
	total := 0
	for i, r := range rules {
		srcs[i] = []byte(r.Query)
		total += len(r.Query)
	}
	b.SetBytes(int64(total))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, s := range srcs {
			Parse(s)
		}
	}
}
