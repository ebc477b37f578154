package yaral

import (
	"testing"

	"unicode/utf8"

	"github.com/ruledex/ruledex/internal/testcorpus"
)

// FuzzParse checks, on any input: no panic; every node's span inside the
// input and inside its parent's; every error positioned inside the input;
// what parses without error prints and parses again, without error, to an
// equal tree. Seeds: the table's inputs and the corpus files.
//
//	go test -run - -fuzz FuzzParse -fuzztime 60s -parallel 1 ./internal/lang/yaral
func FuzzParse(f *testing.F) {
	for _, tc := range parseCases {
		f.Add([]byte(tc.src))
	}
	if _, ok := testcorpus.Find("chronicle", "rules", "community"); ok {
		for _, cf := range corpusFiles(f) {
			f.Add(cf.Data)
		}
	}
	f.Fuzz(fuzzCheck)
}

func fuzzCheck(t *testing.T, src []byte) {
	{
		file, errs := Parse(src)
		checkSpans(t, string(src), file)
		for _, e := range errs {
			if !e.Span.In(len(src)) || e.Line < 1 || e.Col < 1 {
				t.Fatalf("error %v: span %v or position outside the input", e, e.Span)
			}
		}
		for _, tk := range Lex(src) {
			if !tk.Span.In(len(src)) || tk.Text != string(src[tk.Span.Start:tk.Span.End]) {
				t.Fatalf("token %v %v outside the input or not its text", tk.Kind, tk.Span)
			}
		}
		if errs != nil || !utf8.Valid(src) {
			return
		}
		checkRoundTrip(t, file)
	}
}
