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
	"github.com/ruledex/ruledex/internal/testcorpus"
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
	seedPath := filepath.Join(testcorpus.Dir(t, "hybridbrothers-seeds"), "Azure", "DetectAzureScriptOrRunCommandByRiskyUser.md")
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

// TestWindowsActions: a Windows event id of an Elastic rule is keyed with
// its provider: the one the rule names (winlog.provider_name), else the
// one of the log its index patterns name.
func TestWindowsActions(t *testing.T) {
	for _, tc := range []struct {
		index, query, want string
	}{
		{`"winlogbeat-*"`, `event.code:3 and winlog.provider_name:"Microsoft-Windows-Sysmon"`, "windows:microsoft-windows-sysmon:3"},
		{`"winlogbeat-*", "logs-system.security*", "logs-windows.forwarded*"`, `event.code:"5136" and host.os.type:"windows"`, "windows:microsoft-windows-security-auditing:5136"},
		{`"logs-windows.forwarded*"`, `winlog.event_id:4104 and event.provider:"Microsoft-Windows-PowerShell"`, "windows:microsoft-windows-powershell:4104"},
	} {
		data := "[rule]\nname = \"W\"\nrule_id = \"w\"\ntype = \"query\"\nlanguage = \"kuery\"\nindex = [" + tc.index + "]\nquery = '''\n" + tc.query + "\n'''\n"
		res := ingest.ReadData("test", "w.toml", "w.toml", []byte(data), "")
		if len(res.Rules) != 1 {
			t.Fatalf("%s: %v", tc.query, res.Diags)
		}
		var keys []string
		for _, k := range catalog.ActionKeys(res.Rules[0]) {
			keys = append(keys, k.Space+":"+k.Value)
		}
		if len(keys) != 1 || keys[0] != tc.want {
			t.Errorf("%s on %s: actions %v, want %s", tc.query, tc.index, keys, tc.want)
		}
	}
}
