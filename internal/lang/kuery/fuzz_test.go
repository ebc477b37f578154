package kuery

import (
	"testing"

	"github.com/ruledex/ruledex/internal/testcorpus"
)

// FuzzParse checks, on any input: no panic, every node's span inside the
// input, every token's span inside it and in order, and that what parses
// without error prints and parses again to an equal tree. Seeds: the table
// of TestParse and, when present, the corpus.
func FuzzParse(f *testing.F) {
	for _, tc := range parseTests {
		f.Add(tc.src)
	}
	if _, ok := testcorpus.Find("elastic", "rules"); ok {
		for _, r := range corpusRules(f) {
			f.Add(r.Query)
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		q, errs := Parse([]byte(src))
		checkSpans(t, "input", q)
		for _, e := range errs {
			if !e.Span.In(len(src)) || e.Line < 1 || e.Col < 1 {
				t.Fatalf("error %v: span %v outside the input or unlocated", e, e.Span)
			}
		}
		last := 0
		for _, tk := range Lex([]byte(src)) {
			if !tk.Span.In(len(src)) || tk.Span.Start < last || tk.Text != src[tk.Span.Start:tk.Span.End] {
				t.Fatalf("token %v %q: span %v out of order or outside the input", tk.Kind, tk.Text, tk.Span)
			}
			last = tk.Span.End
		}
		if len(errs) > 0 {
			return
		}
		out := Print(q)
		q2, errs2 := Parse([]byte(out))
		if len(errs2) > 0 {
			t.Fatalf("the print of %q does not parse: %q: %v", src, out, errs2)
		}
		if !Equal(q, q2) {
			t.Fatalf("the print of %q parses to another tree:\n%s\n%s", src, dump(q), dump(q2))
		}
		Predicates(q)
		Fields(q)
	})
}
