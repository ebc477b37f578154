package lowerelastic_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/catalog"
	"github.com/ruledex/ruledex/internal/ingest"
	"github.com/ruledex/ruledex/internal/rule"
)

// seedOps are the two operations of issue 5's seed rule,
// DetectAzureScriptOrRunCommandByRiskyUser.
var seedOps = []string{"microsoft.compute/virtualmachines/runcommand/action", "microsoft.compute/virtualmachines/extensions/write"}

// TestSeedSameActionElastic is the Elastic variant of catalog's
// TestCorpusSeedSameAction: with the Elastic corpus read beside the seed
// rule, the seed's "rules detecting the same action" list every Elastic
// rule that filters the Azure activity log's operation
// (azure.activitylogs.operation_name, or event.action of the activity
// logs) on the run-command action or the extensions write, and no Elastic
// rule that matches neither.
func TestSeedSameActionElastic(t *testing.T) {
	seedPath := filepath.Join(corpusRoot, "hybridbrothers-seeds", "Azure", "DetectAzureScriptOrRunCommandByRiskyUser.md")
	if _, err := os.Stat(seedPath); err != nil {
		t.Skipf("corpus: %v", err)
	}
	results := append([]ingest.FileResult(nil), readElastic(t)...)
	seedRes, err := ingest.Read(context.Background(), []ingest.Target{{Repo: "hybridbrothers-seeds", Path: seedPath}}, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	results = append(results, seedRes...)
	var rules []*rule.Rule
	for _, res := range results {
		for _, r := range res.Rules {
			c := *r
			rules = append(rules, &c)
		}
	}
	catalog.SameAction(rules)
	var seed *rule.Rule
	want := map[string]bool{}
	for _, r := range rules {
		if strings.HasSuffix(r.ID, "/DetectAzureScriptOrRunCommandByRiskyUser") {
			seed = r
		}
		if r.Platform == "elastic" && filtersSeedOp(r.Stages) {
			want[r.ID] = true
		}
	}
	if seed == nil {
		t.Fatal("the seed rule was not read")
	}
	if len(want) < 4 {
		t.Errorf("only %d Elastic rules filter the operations: %v", len(want), want)
	}
	got := map[string]bool{}
	for _, ref := range seed.SameAction {
		if ref.Platform != "elastic" {
			continue
		}
		got[ref.ID] = true
		shared := strings.ToLower(strings.Join(ref.Actions, " "))
		if !strings.Contains(shared, "runcommand/action") && !strings.Contains(shared, "extensions/write") {
			t.Errorf("%s linked by %v, which is neither operation", ref.ID, ref.Actions)
		}
		if !want[ref.ID] {
			t.Errorf("%s linked, but it filters neither operation", ref.ID)
		}
	}
	for id := range want {
		if !got[id] {
			t.Errorf("%s filters an operation of the seed but is not linked", id)
		}
	}
	var ids []string
	for id := range got {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	t.Logf("the seed rule links %d Elastic rules (of %d rules linked): %v", len(got), len(seed.SameAction), ids)
}

// filtersSeedOp tells whether a positive predicate of the stages tests the
// Azure activity log operation on one of the seed's operations.
func filtersSeedOp(ss []rule.Stage) bool {
	for _, st := range ss {
		for _, p := range st.Predicates {
			if p.Negated || p.Field != "azure.activitylogs.operation_name" && p.Field != "event.action" {
				continue
			}
			for _, v := range p.Values {
				for _, op := range seedOps {
					if strings.EqualFold(v, op) {
						return true
					}
				}
			}
		}
		if filtersSeedOp(st.Stages) {
			return true
		}
	}
	return false
}
