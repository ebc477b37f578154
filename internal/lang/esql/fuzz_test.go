package esql_test

import (
	"testing"

	"github.com/ruledex/ruledex/internal/lang/esql"
	"github.com/ruledex/ruledex/internal/testcorpus"
)

// FuzzParse checks, on any input, that Parse does not panic, that every
// node's span lies inside the input, and that what parses without error
// prints to text that parses again to an Equal tree and prints the same.
// Seeds: the table of TestParse and the corpus (when present).
func FuzzParse(f *testing.F) {
	for _, tt := range parseTests {
		f.Add(tt.src)
	}
	if _, ok := testcorpus.Find("elastic"); ok {
		for _, q := range corpusQueries(f) {
			f.Add(q.Query)
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		root, errs := esql.Parse([]byte(src))
		if root == nil {
			t.Fatal("nil tree")
		}
		checkSpans(t, "input", root, len(src))
		for _, e := range errs {
			if !e.Span.In(len(src)) || e.Line < 1 || e.Col < 1 {
				t.Fatalf("error %v has span %v, outside the input or not located", e, e.Span)
			}
		}
		for _, tk := range esql.Lex([]byte(src)) {
			if !tk.Span.In(len(src)) || tk.Text != src[tk.Span.Start:tk.Span.End] {
				t.Fatalf("token %v %q at %v", tk.Kind, tk.Text, tk.Span)
			}
		}
		if len(errs) > 0 {
			return
		}
		text := esql.Print(root)
		again, errs := esql.Parse([]byte(text))
		if len(errs) > 0 {
			t.Fatalf("%q prints as %q, which does not parse: %v", src, text, errs)
		}
		if !esql.Equal(root, again) {
			t.Fatalf("%q prints as %q, which parses to another tree (%q)", src, text, esql.Print(again))
		}
		if t2 := esql.Print(again); t2 != text {
			t.Fatalf("printing is not stable: %q then %q", text, t2)
		}
	})
}
