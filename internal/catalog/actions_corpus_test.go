package catalog_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/ruledex/ruledex/internal/catalog"
	"github.com/ruledex/ruledex/internal/ingest"
	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/testcorpus"
)

var (
	corpusOnce  sync.Once
	corpusRules []*rule.Rule
	corpusErr   error
)

// readCorpus reads every folder of the corpus through ingest, once per test
// binary, and returns its rules.
func readCorpus(tb testing.TB) []*rule.Rule {
	tb.Helper()
	base := filepath.Dir(testcorpus.Dir(tb, "sigma"))
	corpusOnce.Do(func() {
		entries, err := os.ReadDir(base)
		if err != nil {
			corpusErr = err
			return
		}
		var targets []ingest.Target
		for _, e := range entries {
			if e.IsDir() {
				targets = append(targets, ingest.Target{Repo: e.Name(), Path: filepath.Join(base, e.Name())})
			}
		}
		results, err := ingest.Read(context.Background(), targets, ingest.Options{})
		if err != nil {
			corpusErr = err
			return
		}
		for _, res := range results {
			corpusRules = append(corpusRules, res.Rules...)
		}
	})
	if corpusErr != nil {
		tb.Fatal(corpusErr)
	}
	return corpusRules
}

// TestCorpusActionKeys checks that the Sigma rules of Azure, AWS and Windows
// that filter on an action field give action keys, and that SameAction
// links only rules that share a key.
func TestCorpusActionKeys(t *testing.T) {
	rules := readCorpus(t)
	type want struct{ space, field string }
	wants := map[string]want{
		"azure/activitylogs/": {"azure", "operationname"},
		"aws/cloudtrail/":     {"aws", "eventname"},
		"windows/security/":   {"windows", "eventid"},
		"windows/system/":     {"windows", "eventid"},
		"okta/okta/":          {"okta", "eventtype"},
		"m365/audit/":         {"m365", "operation"},
	}
	stats := map[string][2]int{}
	var sigma []*rule.Rule
	for _, r := range rules {
		if r.Platform != "sigma" {
			continue
		}
		sigma = append(sigma, r)
		for _, tb := range r.Tables {
			w, ok := wants[tb]
			if !ok {
				continue
			}
			hasField := false
			for _, in := range r.Indicators {
				if strings.EqualFold(in.Field, w.field) && !in.Negated && in.Kind != rule.OpRegex && in.Kind != rule.OpExists {
					hasField = true
				}
			}
			if !hasField {
				continue
			}
			keys := catalog.ActionKeys(r)
			got := false
			for _, k := range keys {
				if k.Space == w.space {
					got = true
				}
			}
			s := stats[tb]
			s[0]++
			if got {
				s[1]++
			} else {
				t.Errorf("%s (%s): filters on %s but gives no %s action key (keys %v)", r.ID, r.Source.Path, w.field, w.space, keys)
			}
			stats[tb] = s
		}
	}
	var names []string
	for k := range stats {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		t.Logf("%-22s %4d rules on the action field, %4d with keys", k, stats[k][0], stats[k][1])
	}
	for _, tb := range []string{"azure/activitylogs/", "aws/cloudtrail/", "windows/security/"} {
		if stats[tb][1] < 10 {
			t.Errorf("%s: only %d rules with action keys", tb, stats[tb][1])
		}
	}

	catalog.SameAction(sigma)
	linked, links := 0, 0
	for _, r := range sigma {
		if len(r.SameAction) > 0 {
			linked++
			links += len(r.SameAction)
		}
		for _, ref := range r.SameAction {
			if len(ref.Actions) == 0 {
				t.Errorf("%s → %s: a link with no shared action", r.ID, ref.ID)
			}
			if ref.ID == r.ID {
				t.Errorf("%s links itself", r.ID)
			}
		}
	}
	t.Logf("Sigma: %d rules, %d linked to others by %d same-action links", len(sigma), linked, links)
	pairs := map[[2]string]bool{}
	for _, r := range sigma {
		for _, ref := range r.SameAction {
			pairs[[2]string{r.ID, ref.ID}] = true
		}
	}
	for p := range pairs {
		if !pairs[[2]string{p[1], p[0]}] {
			t.Errorf("%s links %s, but not the reverse", p[0], p[1])
		}
	}
}

func BenchmarkSameActionCorpus(b *testing.B) {
	rules := readCorpus(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		catalog.SameAction(rules)
	}
	links := 0
	for _, r := range rules {
		links += len(r.SameAction)
	}
	b.ReportMetric(float64(len(rules)), "rules")
	b.ReportMetric(float64(links), "links")
}

// TestCorpusSeedSameAction checks issue 5's seed: over the whole corpus,
// DetectAzureScriptOrRunCommandByRiskyUser links every rule that filters
// on the run-command or VM-extension operations (by name, display name or
// a part of it), the Defender seed among them, and no rule that shares
// neither (the seed page's AD FS and subscription-elevation rules).
func TestCorpusSeedSameAction(t *testing.T) {
	all := readCorpus(t)
	rules := make([]*rule.Rule, 0, len(all))
	for _, r := range all {
		c := *r
		rules = append(rules, &c)
	}
	ingest.AssignIDs([]ingest.FileResult{{Rules: rules}})
	catalog.SameAction(rules)
	var seed *rule.Rule
	for _, r := range rules {
		if strings.HasSuffix(r.ID, "/DetectAzureScriptOrRunCommandByRiskyUser") {
			seed = r
		}
	}
	if seed == nil {
		t.Fatal("the seed rule is not in the corpus")
	}
	got := map[string]bool{}
	for _, ref := range seed.SameAction {
		got[ref.ID] = true
		shared := strings.ToLower(strings.Join(ref.Actions, " "))
		if !strings.Contains(shared, "runcommand/action") && !strings.Contains(shared, "extensions/write") {
			t.Errorf("%s linked by %v, which is neither operation", ref.ID, ref.Actions)
		}
		if strings.Contains(strings.ToLower(ref.ID), "adfs") || strings.Contains(strings.ToLower(ref.ID), "elevation") {
			t.Errorf("%s must not be linked", ref.ID)
		}
	}
	for _, want := range []string{"DetectFirstTimeAzureCustomScriptOrRunCommand", "Multiple-RunCommandUEBABreach", "Anomalous-Code-Execution"} {
		found := false
		for id := range got {
			if strings.HasSuffix(id, "/"+want) {
				found = true
			}
		}
		if !found {
			t.Errorf("the seed rule does not link %s; it links %v", want, seed.SameAction)
		}
	}
	t.Logf("the seed rule links %d rules: %v", len(seed.SameAction), got)
}
