package yaral

import (
	"regexp"
	"runtime"
	"testing"

	"time"

	"github.com/ruledex/ruledex/internal/testcorpus"
)

type corpusFile = testcorpus.File

// corpusFiles reads every .yaral file of the corpus, or skips the test
// when the corpus is absent.
func corpusFiles(tb testing.TB) []corpusFile {
	tb.Helper()
	corpusDir := testcorpus.Dir(tb, "chronicle", "rules", "community")
	files := testcorpus.Files(tb, corpusDir, ".yaral")
	if len(files) == 0 {
		tb.Skip("yaral corpus test: no .yaral file under " + corpusDir)
	}
	return files
}

// ruleOpening is `rule NAME {` (the brace may be on the next line) at the
// start of a line, outside comments: how the corpus's files open a rule.
var ruleOpening = regexp.MustCompile(`(?m)^[ \t]*rule[ \t]+[A-Za-z_][A-Za-z0-9_]*\s*\{`)

// stripComments blanks the comments of src (keeping its length and lines)
// so that a `rule x {` in a comment is not counted.
func stripComments(src []byte) []byte {
	out := append([]byte(nil), src...)
	for _, t := range Lex(src) {
		if t.Kind == TokComment {
			for i := t.Span.Start; i < t.Span.End; i++ {
				if out[i] != '\n' {
					out[i] = ' '
				}
			}
		}
	}
	return out
}

// TestCorpus parses every corpus file: every rule the file opens must be
// read, at least 99.5% of them with no error; every file that parses with
// no error must print and parse again to an equal tree.
func TestCorpus(t *testing.T) {
	files := corpusFiles(t)
	var opened, read, clean, roundTrips, bytes int
	var failures []string
	start := time.Now()
	for _, cf := range files {
		bytes += len(cf.Data)
		f, errs := Parse(cf.Data)
		checkSpans(t, string(cf.Data), f)
		n := len(ruleOpening.FindAll(stripComments(cf.Data), -1))
		opened += n
		read += len(f.Rules)
		if len(f.Rules) != n {
			t.Errorf("%s: %d rules opened, %d read", cf.Rel, n, len(f.Rules))
		}
		if errs != nil {
			failures = append(failures, cf.Rel+": "+errs.Error())
			// the rules of a file with errors: count those without an error in their span
			for _, r := range f.Rules {
				ok := true
				for _, e := range errs {
					if r.Span().Start <= e.Span.Start && e.Span.Start <= r.Span().End {
						ok = false
					}
				}
				if ok {
					clean++
				}
			}
			continue
		}
		clean += len(f.Rules)
		out := Print(f)
		g, errs2 := Parse([]byte(out))
		if errs2 != nil || !Equal(f, g) {
			t.Errorf("%s: does not round-trip (%v)\n%s", cf.Rel, errs2, out)
			continue
		}
		roundTrips++
	}
	elapsed := time.Since(start)
	t.Logf("%d files, %d bytes: %d rules opened, %d read, %d with no error (%.2f%%); %d of %d error-free files round-trip; %v",
		len(files), bytes, opened, read, clean, 100*float64(clean)/float64(max(opened, 1)), roundTrips, len(files)-len(failures), elapsed)
	for _, f := range failures {
		t.Log("error: " + f)
	}
	if opened == 0 {
		t.Fatal("no rule opening found in the corpus")
	}
	if float64(clean) < 0.995*float64(opened) {
		t.Errorf("%d of %d rules read with no error, below 99.5%%", clean, opened)
	}
}

// BenchmarkParseCorpus parses every corpus file once per iteration; MB/s
// is over the files' bytes.
//
//	go test -run - -bench ParseCorpus -benchmem -cpu 1 ./internal/lang/yaral
func BenchmarkParseCorpus(b *testing.B) {
	files := corpusFiles(b)
	var n int64
	for _, f := range files {
		n += int64(len(f.Data))
	}
	runtime.GC()
	b.SetBytes(n)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, f := range files {
			Parse(f.Data)
		}
	}
}
