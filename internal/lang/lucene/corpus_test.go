package lucene

import (
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/testcorpus"
)

// rulesOf returns the rules of language language under
// ../shared/corpus/elastic/rules (a rule file that does not decode fails);
// it skips when the corpus is absent.
func rulesOf(tb testing.TB, language string) []testcorpus.TOMLRule {
	tb.Helper()
	return testcorpus.TOMLQueries(tb, testcorpus.Dir(tb, "elastic", "rules"), language, true)
}

// TestCorpus parses every rule of language "lucene" of the corpus: all must
// parse and print back. (The snapshot in ../shared/corpus has none: the
// test says so and skips; TestCorpusKueryAsLucene reads real queries.)
func TestCorpus(t *testing.T) {
	rules := rulesOf(t, "lucene")
	if len(rules) == 0 {
		t.Skipf("the corpus's elastic/rules (%d rules) has no rule of language lucene", len(testcorpus.TOMLRules(t, testcorpus.Dir(t, "elastic", "rules"))))
	}
	for _, r := range rules {
		q, errs := Parse([]byte(r.Query))
		if len(errs) > 0 {
			t.Errorf("%s: %v", r.Path, errs)
			continue
		}
		checkSpans(t, r.Path, q)
		roundTrip(t, r.Path, q)
	}
	t.Logf("%d lucene queries parse and round-trip", len(rules))
}

func roundTrip(t testing.TB, name string, q *Query) bool {
	t.Helper()
	out := Print(q)
	q2, errs := Parse([]byte(out))
	if len(errs) > 0 || !Equal(q, q2) {
		t.Errorf("%s: the print does not parse back to the same tree (%v):\n%s", name, errs, out)
		return false
	}
	return true
}

// TestCorpusKueryAsLucene reads the corpus's 674 KQL queries as Lucene
// query strings: real text of the same family (field:value, groups,
// quotes, wildcards, escapes). Most are valid Lucene too (lower-case
// "and"/"or"/"not" are then terms); every one must parse without a crash
// with its spans inside the query, and every one that parses must print
// back to the same tree.
func TestCorpusKueryAsLucene(t *testing.T) {
	rules := rulesOf(t, "kuery")
	ok, preds := 0, 0
	msgs := map[string]int{}
	for _, r := range rules {
		q, errs := Parse([]byte(r.Query))
		checkSpans(t, r.Path, q)
		if len(errs) > 0 {
			m := errs[0].Msg
			if i := strings.Index(m, ", expected"); i > 0 {
				m = m[:i]
			}
			msgs[m]++
			continue
		}
		if roundTrip(t, r.Path, q) {
			ok++
		}
		preds += len(Predicates(q))
	}
	t.Logf("%d KQL queries read as Lucene: %d parse and round-trip (%d predicates); the others' first errors: %v", len(rules), ok, preds, msgs)
	if ok == 0 {
		t.Error("no KQL query of the corpus parses as Lucene")
	}
}

func BenchmarkParseCorpus(b *testing.B) {
	rules := rulesOf(b, "lucene")
	what := "lucene"
	if len(rules) == 0 {
		// The snapshot has no lucene rule: the KQL queries, of the same
		// family, stand in.
		rules, what = rulesOf(b, "kuery"), "kuery"
	}
	srcs := make([][]byte, len(rules))
	total := 0
	for i, r := range rules {
		srcs[i] = []byte(r.Query)
		total += len(r.Query)
	}
	b.Logf("%d %s queries, %d bytes", len(srcs), what, total)
	b.SetBytes(int64(total))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, s := range srcs {
			Parse(s)
		}
	}
}
