package spl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/testcorpus"

	"go.yaml.in/yaml/v3"
)

// FuzzParse checks that no input makes the parser panic, that every node's
// span lies inside the input and every error has a position, and that what
// parses without error prints and parses again to an equal tree. It is
// seeded with the table's inputs and, when ../shared/corpus is there, with
// every search of the corpus.
//
//	go test -run - -fuzz FuzzParse -fuzztime 60s -parallel 1 ./internal/lang/spl
func FuzzParse(f *testing.F) {
	for _, tc := range parseCases {
		f.Add(tc.src)
	}
	corpusDir, _ := testcorpus.Find("splunk")
	files, _ := filepath.Glob(filepath.Join(corpusDir, "detections", "*", "*.yml"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		var d struct {
			Search string `yaml:"search"`
		}
		if yaml.Unmarshal(b, &d) == nil && d.Search != "" {
			f.Add(d.Search)
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		q, errs := Parse([]byte(src))
		if q == nil || q.Pipeline == nil {
			t.Fatal("no tree")
		}
		for _, e := range errs {
			if e.Line < 1 || e.Col < 1 || !e.Span.In(len(src)) {
				t.Fatalf("error without a position: %+v", e)
			}
		}
		Inspect(q, func(n Node) bool {
			if !n.Span().In(len(src)) {
				t.Fatalf("%T span %v outside the input (%d bytes)", n, n.Span(), len(src))
			}
			return true
		})
		if len(errs) > 0 {
			return
		}
		out := Print(q)
		q2, errs2 := Parse([]byte(out))
		if len(errs2) > 0 {
			t.Fatalf("printed form does not parse: %v\n in:  %q\n out: %q", errs2, src, out)
		}
		if !Equal(q, q2) {
			t.Fatalf("round trip differs\n in:  %q\n out: %q\n %s\n %s", src, out, Dump(q), Dump(q2))
		}
		// the expansion of no macro is the identity
		if x, _ := Expand(src, nil); x.Text != src && !strings.Contains(src, "`") {
			t.Fatalf("Expand without macros changed %q to %q", src, x.Text)
		}
	})
}
