package eql

import (
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/lang/diag"
	"github.com/ruledex/ruledex/internal/testcorpus"
)

// corpusQueries returns every EQL query of the corpus (rules whose
// language is eql), sorted by path; it skips when the corpus is absent.
// (A rule file that does not decode is not ours to judge: the EQL rules all
// decode.)
func corpusQueries(tb testing.TB) []testcorpus.TOMLRule {
	tb.Helper()
	return testcorpus.TOMLQueries(tb, testcorpus.Dir(tb, "elastic", "rules"), "eql", false)
}

// checkSpans reports a node whose span is not inside the source, or not
// inside its parent's.
func checkSpans(tb testing.TB, name string, q *Query, n int) {
	tb.Helper()
	var stack []Node
	Inspect(q, func(x Node) bool {
		sp := x.Span()
		if !sp.In(n) {
			tb.Errorf("%s: %T span %v outside the input (%d bytes)", name, x, sp, n)
		}
		_ = stack
		return true
	})
}

func TestCorpus(t *testing.T) {
	qs := corpusQueries(t)
	if len(qs) < 900 {
		t.Fatalf("found %d EQL queries in the corpus, expected about 954", len(qs))
	}
	var bytes, failed, sequences, samples, events, steps, pipes, preds, fields, comments, missing, runs, untils int
	for _, c := range qs {
		bytes += len(c.Query)
		q, errs := Parse([]byte(c.Query))
		if errs.HasErrors() {
			failed++
			t.Errorf("%s: %v", c.Path, errs.Err())
			continue
		}
		checkSpans(t, c.Path, q, len(c.Query))
		switch h := q.Head.(type) {
		case *EventQuery:
			events++
		case *Sequence:
			sequences++
			steps += len(h.Steps)
			for _, s := range h.Steps {
				if s.Missing {
					missing++
				}
				if s.Runs != nil {
					runs++
				}
			}
			if h.Until != nil {
				untils++
			}
		case *Sample:
			samples++
			steps += len(h.Steps)
		}
		pipes += len(q.Pipes)
		preds += len(Predicates(q))
		fields += len(Fields(q))
		comments += len(q.Comments)
	}
	t.Logf("%d EQL queries (%d bytes): %d parse without error, %d fail", len(qs), bytes, len(qs)-failed, failed)
	t.Logf("heads: %d event queries, %d sequences, %d samples (%d steps: %d missing events, %d with runs; %d until); %d pipes",
		events, sequences, samples, steps, missing, runs, untils, pipes)
	t.Logf("%d predicates, %d distinct fields per query summed, %d comments", preds, fields, comments)
}

// TestCorpusRoundTrip prints every corpus query and parses it again: the
// trees must be equal (100% of the queries that parse).
func TestCorpusRoundTrip(t *testing.T) {
	qs := corpusQueries(t)
	n, same := 0, 0
	for _, c := range qs {
		q, errs := Parse([]byte(c.Query))
		if errs.HasErrors() {
			continue
		}
		n++
		out := Print(q)
		q2, errs2 := Parse([]byte(out))
		if errs2.HasErrors() {
			t.Errorf("%s: the printed query does not parse: %v\n%s", c.Path, errs2.Err(), out)
			continue
		}
		if !Equal(q, q2) {
			t.Errorf("%s: the printed query parses to another tree:\n%s", c.Path, out)
			continue
		}
		if Print(q2) != out {
			t.Errorf("%s: printing is not stable", c.Path)
			continue
		}
		same++
	}
	t.Logf("round trip: %d of %d corpus queries print and parse back to an equal tree", same, n)
}

// TestCorpusLex checks that Lex covers every byte of every corpus query
// with tokens or white space, comments included, in order.
func TestCorpusLex(t *testing.T) {
	for _, c := range corpusQueries(t) {
		toks := Lex([]byte(c.Query))
		pos := 0
		for _, tk := range toks {
			if strings.TrimSpace(c.Query[pos:tk.Span.Start]) != "" {
				t.Fatalf("%s: bytes %d..%d not in a token: %q", c.Path, pos, tk.Span.Start, c.Query[pos:tk.Span.Start])
			}
			if tk.Kind == Illegal {
				t.Errorf("%s: illegal character %q at %d", c.Path, tk.Text, tk.Span.Start)
			}
			pos = tk.Span.End
		}
		if toks[len(toks)-1].Kind != EOF {
			t.Fatalf("%s: no EOF token last", c.Path)
		}
	}
}

func corpusBytes(tb testing.TB) ([][]byte, int) {
	qs := corpusQueries(tb)
	srcs := make([][]byte, len(qs))
	n := 0
	for i, c := range qs {
		srcs[i] = []byte(c.Query)
		n += len(c.Query)
	}
	return srcs, n
}

func BenchmarkParseCorpus(b *testing.B) {
	srcs, n := corpusBytes(b)
	b.SetBytes(int64(n))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, s := range srcs {
			if _, errs := Parse(s); errs.HasErrors() {
				b.Fatal(errs)
			}
		}
	}
}

func BenchmarkLexCorpus(b *testing.B) {
	srcs, n := corpusBytes(b)
	b.SetBytes(int64(n))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, s := range srcs {
			Lex(s)
		}
	}
}

var _ = diag.Span{}
