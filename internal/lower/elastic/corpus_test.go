package lowerelastic_test

import (
	"context"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/ruledex/ruledex/internal/ingest"
	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/testcorpus"
)

var (
	corpusOnce    sync.Once
	corpusResults []ingest.FileResult
	corpusErr     error
)

// readElastic reads ../shared/corpus/elastic through the whole pipeline
// (ingest: format detection, the TOML reader, the lowering, ATT&CK and
// events), once per test binary.
func readElastic(tb testing.TB) []ingest.FileResult {
	tb.Helper()
	dir := testcorpus.Dir(tb, "elastic")
	corpusOnce.Do(func() {
		corpusResults, corpusErr = ingest.Read(context.Background(), []ingest.Target{{Repo: "elastic", Path: dir}}, ingest.Options{})
	})
	if corpusErr != nil {
		tb.Fatal(corpusErr)
	}
	return corpusResults
}

// TestCorpusEveryRule: every TOML file of the corpus yields its rule
// (machine-learning rules too, without a query), and at least 99.5% of
// them have no error diagnostic.
func TestCorpusEveryRule(t *testing.T) {
	results := readElastic(t)
	files, rules, clean := 0, 0, 0
	byLang := map[string][2]int{}
	kinds := map[string]int{}
	var noRule, withErr []string
	for _, res := range results {
		if !strings.HasSuffix(res.Path, ".toml") {
			continue
		}
		files++
		if len(res.Rules) != 1 {
			noRule = append(noRule, res.Path+" ("+res.Skipped+")")
			continue
		}
		for _, r := range res.Rules {
			rules++
			kinds[r.Kind]++
			for _, tag := range r.Tags {
				if tag == "Rule Type: Higher-Order Rule" && r.Kind != rule.KindCorrelation && r.Kind != rule.KindBuildingBlock {
					t.Errorf("%s: a higher-order rule of kind %s", res.Path, r.Kind)
				}
			}
			c := byLang[r.Language]
			c[0]++
			if !r.HasErrors() {
				clean++
				c[1]++
			} else {
				for _, d := range r.Diagnostics {
					if d.Severity == rule.SevError {
						withErr = append(withErr, res.Path+":"+itoa(d.Line)+":"+itoa(d.Col)+": "+d.Message)
						break
					}
				}
			}
			byLang[r.Language] = c
			if r.Platform != "elastic" || r.Title == "" || r.UID == "" {
				t.Errorf("%s: platform %q, title %q, uid %q", res.Path, r.Platform, r.Title, r.UID)
			}
		}
	}
	rate := 100 * float64(clean) / float64(max(rules, 1))
	t.Logf("%d TOML files, %d rules, %d with no error diagnostic (%.2f%%)", files, rules, clean, rate)
	var langs []string
	for l := range byLang {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, l := range langs {
		t.Logf("  %s: %d rules, %d with no error", l, byLang[l][0], byLang[l][1])
	}
	t.Logf("  kinds: %v", kinds)
	for i, s := range withErr {
		if i == 20 {
			break
		}
		t.Logf("  error: %s", s)
	}
	if files < 1900 {
		t.Errorf("only %d TOML files read", files)
	}
	for _, s := range noRule {
		t.Errorf("no rule: %s", s)
	}
	if rate < 99.5 {
		t.Errorf("%.2f%% of the rules have no error diagnostic, want at least 99.5%%", rate)
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	neg := i < 0
	if neg {
		i = -i
	}
	var b []byte
	for i > 0 {
		b = append([]byte{byte('0' + i%10)}, b...)
		i /= 10
	}
	if neg {
		b = append([]byte{'-'}, b...)
	}
	return string(b)
}
