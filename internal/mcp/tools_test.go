package mcp

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ruledex/ruledex/internal/lint"
	"github.com/ruledex/ruledex/internal/web"
)

// The tests drive the server with the SDK's own client over its in-memory
// transport, on the embedded examples built into a catalog, and check the
// answers against the catalog read directly (web.StoreCatalog) and against
// what the examples hold.

func TestListTools(t *testing.T) {
	cs := session(t, nil)
	res, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range res.Tools {
		names = append(names, tool.Name)
		in, _ := json.Marshal(tool.InputSchema)
		out, _ := json.Marshal(tool.OutputSchema)
		if !strings.Contains(string(in), `"type":"object"`) || !strings.Contains(string(out), `"properties"`) {
			t.Errorf("%s: input schema %s, output schema %s: want object schemas with properties", tool.Name, in, out)
		}
		if tool.Description == "" || tool.Annotations == nil || !tool.Annotations.ReadOnlyHint {
			t.Errorf("%s: no description or not said read-only", tool.Name)
		}
	}
	slices.Sort(names)
	want := []string{"attack_coverage", "compare_rules", "get_rule", "indicator_counts", "lint_rule", "related_rules", "search_rules"}
	if !slices.Equal(names, want) {
		t.Errorf("tools %v, want %v", names, want)
	}
}

func TestSearchRules(t *testing.T) {
	cs := session(t, nil)
	cat := openExamples(t)
	var out SearchOut
	call(t, cs, "search_rules", map[string]any{"query": "certutil"}, &out)
	direct, err := cat.Search(context.Background(), web.Query{Text: "certutil", PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	if out.Total != direct.Total || out.Total < 4 {
		t.Errorf("certutil: %d rules, the catalog finds %d (want at least the 4 certutil examples)", out.Total, direct.Total)
	}
	ids := hitIDs(out.Hits)
	for _, id := range []string{"sigma/proc_creation_win_certutil_remote_download", "kusto/certutil-remote-download", "elastic/execution_certutil_remote_download"} {
		if !slices.Contains(ids, id) {
			t.Errorf("certutil: %s not found in %v", id, ids)
		}
	}
	for k, vs := range out.Facets {
		if len(vs) > maxFacetValues {
			t.Errorf("facet %s: %d values, more than %d", k, len(vs), maxFacetValues)
		}
	}

	// Facets filter; pages do not overlap.
	var sigma SearchOut
	call(t, cs, "search_rules", map[string]any{"facets": []string{"platform=sigma"}, "per_page": 2}, &sigma)
	var sigma2 SearchOut
	call(t, cs, "search_rules", map[string]any{"facets": []string{"platform=sigma"}, "per_page": 2, "page": 2}, &sigma2)
	if sigma.Total != 4 || len(sigma.Hits) != 2 || !sigma.More || len(sigma2.Hits) != 2 || sigma2.More {
		t.Errorf("platform=sigma by 2: total %d, %d hits (more %v), then %d (more %v); want 4 rules in two pages",
			sigma.Total, len(sigma.Hits), sigma.More, len(sigma2.Hits), sigma2.More)
	}
	for _, h := range append(sigma.Hits, sigma2.Hits...) {
		if h.Platform != "sigma" {
			t.Errorf("platform=sigma found %s (%s)", h.ID, h.Platform)
		}
	}
	if slices.ContainsFunc(hitIDs(sigma.Hits), func(id string) bool { return slices.Contains(hitIDs(sigma2.Hits), id) }) {
		t.Errorf("pages 1 and 2 overlap: %v %v", hitIDs(sigma.Hits), hitIDs(sigma2.Hits))
	}

	// Tool errors: arguments the assistant can correct.
	for _, args := range []map[string]any{
		{"facets": []string{"colour=red"}},
		{"facets": []string{"platform"}},
		{"per_page": MaxPerPage + 1},
		{"per_page": "ten"},
	} {
		res := call(t, cs, "search_rules", args, nil)
		if !res.IsError || text(res) == "" {
			t.Errorf("search_rules %v: want a tool error with a message, got %s", args, text(res))
		}
	}
	if res := call(t, cs, "search_rules", map[string]any{"facets": []string{"colour=red"}}, nil); !strings.Contains(text(res), "technique") {
		t.Errorf("an unknown facet's error lists no facets: %s", text(res))
	}
}

func TestGetRule(t *testing.T) {
	cs := session(t, nil)
	cat := openExamples(t)
	const id = "kusto/EncodedPowerShellFromOffice"
	r, err := cat.Rule(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out GetRuleOut
	call(t, cs, "get_rule", map[string]any{"id": id}, &out)
	if out.ID != id || out.Title != r.Title || out.Explanation == "" || out.Explanation != r.Explanation {
		t.Errorf("get_rule %s: id %q title %q explanation %q", id, out.ID, out.Title, out.Explanation)
	}
	if out.Rule["id"] != id || !strings.Contains(out.Rule["query"].(string), "powershell.exe") || len(out.Omitted) != 0 {
		t.Errorf("get_rule %s: the rule's JSON has id %v, query %v, omitted %v", id, out.Rule["id"], out.Rule["query"], out.Omitted)
	}
	// The JSON is the API's: the same keys as web.MarshalRule's.
	data, err := web.MarshalRule(r)
	if err != nil {
		t.Fatal(err)
	}
	var api map[string]any
	json.Unmarshal(data, &api)
	if len(api) != len(out.Rule) {
		t.Errorf("get_rule has %d keys of the rule's JSON, the API %d", len(out.Rule), len(api))
	}

	// fields selects keys; an unknown one is a tool error naming the keys.
	var some GetRuleOut
	call(t, cs, "get_rule", map[string]any{"id": id, "fields": []string{"title", "techniques"}}, &some)
	if len(some.Rule) != 2 || some.Rule["title"] != r.Title {
		t.Errorf("fields title, techniques: %v", some.Rule)
	}
	if res := call(t, cs, "get_rule", map[string]any{"id": id, "fields": []string{"nope"}}, nil); !res.IsError || !strings.Contains(text(res), "indicators") {
		t.Errorf("an unknown field: %s", text(res))
	}
	if res := call(t, cs, "get_rule", map[string]any{"id": "kusto/NoSuchRule"}, nil); !res.IsError || !strings.Contains(text(res), "NoSuchRule") {
		t.Errorf("an unknown id: %s", text(res))
	}
	// A typo is answered with the rules it may mean; a Sigma UUID finds its rule.
	if res := call(t, cs, "get_rule", map[string]any{"id": "kusto/EncodedPowerShelFromOffice"}, nil); !res.IsError || !strings.Contains(text(res), "did you mean "+id) {
		t.Errorf("a typo in an id: %s", text(res))
	}
	var byUID GetRuleOut
	call(t, cs, "get_rule", map[string]any{"id": "CE5E3191-696e-4ab3-b31b-3237862216b8", "fields": []string{"uid"}}, &byUID)
	if byUID.ID != "sigma/mf_certutil_build_servers" {
		t.Errorf("a Sigma UUID found %q", byUID.ID)
	}
	stored, err := cat.RuleFindings(context.Background(), id)
	if err != nil || len(out.Findings) != len(stored) {
		t.Errorf("findings: %d, the catalog stored %d (%v)", len(out.Findings), len(stored), err)
	}
	if res := call(t, cs, "get_rule", map[string]any{}, nil); !res.IsError {
		t.Errorf("no id: %s", text(res))
	}

	// A rule larger than the cap leaves its largest parts out, and says so.
	defer func(n int) { maxRuleBytes = n }(maxRuleBytes)
	maxRuleBytes = 2000
	var capped GetRuleOut
	call(t, cs, "get_rule", map[string]any{"id": id}, &capped)
	b, _ := json.Marshal(capped.Rule)
	if len(capped.Omitted) == 0 || len(b) > maxRuleBytes {
		t.Errorf("capped at %d bytes: %d bytes answered, %v omitted", maxRuleBytes, len(b), capped.Omitted)
	}
	for _, o := range capped.Omitted {
		if _, ok := capped.Rule[o.Key]; ok || o.Bytes == 0 {
			t.Errorf("omitted %v but answered", o)
		}
	}
}

func TestRelatedRules(t *testing.T) {
	cs := session(t, nil)
	cat := openExamples(t)
	const id = "elastic/execution_azure_run_command_by_user"
	r, err := cat.Rule(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out RelatedOut
	call(t, cs, "related_rules", map[string]any{"id": id}, &out)
	var want []string
	for _, o := range r.SameAction {
		want = append(want, o.ID)
	}
	var got []string
	for _, o := range out.SameAction.Rules {
		got = append(got, o.ID)
	}
	if len(want) < 3 || !slices.Equal(got, want) || out.SameAction.Total != len(want) {
		t.Errorf("same action as %s: %v (total %d), the catalog's %v", id, got, out.SameAction.Total, want)
	}
	if !slices.Contains(got, "kusto/VMRunCommandFromUntrustedIP") {
		t.Errorf("the KQL rule of the same Azure operation is not related to %s: %v", id, got)
	}
	// Same behaviour: what the rule's JSON records under same_behaviour.
	parts, err := ruleParts(r)
	if err != nil {
		t.Fatal(err)
	}
	if raw, ok := parts["same_behaviour"]; ok {
		var refs []map[string]any
		json.Unmarshal(raw, &refs)
		if !out.SameBehaviour.Recorded || out.SameBehaviour.Total != len(refs) || len(out.SameBehaviour.Rules) != len(refs) {
			t.Errorf("same behaviour: %+v, the rule's JSON lists %d", out.SameBehaviour, len(refs))
		}
	} else if out.SameBehaviour.Recorded || out.SameBehaviour.Note == "" {
		t.Errorf("same behaviour recorded %v with no same_behaviour in the rule's JSON", out.SameBehaviour.Recorded)
	}

	// Paging.
	var p2 RelatedOut
	call(t, cs, "related_rules", map[string]any{"id": id, "per_page": 2, "page": 2}, &p2)
	if len(p2.SameAction.Rules) != len(want)-2 || p2.SameAction.Rules[0].ID != want[2] {
		t.Errorf("page 2 by 2 of %v: %v", want, p2.SameAction.Rules)
	}

	// By action, in another spelling than the rules'.
	var byAction RelatedOut
	call(t, cs, "related_rules", map[string]any{"action": "microsoft.compute/virtualmachines/runcommand/action"}, &byAction)
	var acted []string
	for _, o := range byAction.SameAction.Rules {
		acted = append(acted, o.ID)
	}
	for _, w := range []string{id, "kusto/VMRunCommandFromUntrustedIP", "kusto/VMRunCommandByUncommonCaller"} {
		if !slices.Contains(acted, w) {
			t.Errorf("rules of the run-command action: %v, want %s among them", acted, w)
		}
	}
	for _, args := range []map[string]any{{}, {"id": id, "action": "x"}, {"id": "nope/nope"}} {
		if res := call(t, cs, "related_rules", args, nil); !res.IsError {
			t.Errorf("related_rules %v: want a tool error", args)
		}
	}
}

func TestIndicatorCounts(t *testing.T) {
	cs := session(t, nil)
	var out IndicatorsOut
	call(t, cs, "indicator_counts", map[string]any{"value": "certutil"}, &out)
	if out.Total < 5 {
		t.Errorf("indicators with certutil: %d, want the examples' 5 or more", out.Total)
	}
	platforms := map[string]bool{}
	for _, in := range out.Indicators {
		n := 0
		for p, c := range in.ByPlatform {
			n += c
			platforms[p] = true
		}
		if !strings.Contains(strings.ToLower(in.Value), "certutil") || in.Rules == 0 || n != in.Rules {
			t.Errorf("indicator %+v: value without certutil, or counts by platform that do not add up", in)
		}
	}
	for _, p := range []string{"kusto", "sigma", "elastic", "chronicle"} {
		if !platforms[p] {
			t.Errorf("no certutil indicator of %s: %v", p, out.Indicators)
		}
	}

	var exact IndicatorsOut
	call(t, cs, "indicator_counts", map[string]any{"field": "process.name", "value": "CERTUTIL.exe", "exact": true}, &exact)
	if exact.RulesTotal != 1 || len(exact.Rules) != 1 || exact.Rules[0].ID != "elastic/execution_certutil_remote_download" ||
		len(exact.Indicators) != 1 || exact.Indicators[0].ByPlatform["elastic"] != 1 {
		t.Errorf("process.name certutil.exe: %+v", exact)
	}
	for _, args := range []map[string]any{{"exact": true}, {"field": "process.name", "value": "nothing-like-it", "exact": true}, {"page": -1}} {
		if res := call(t, cs, "indicator_counts", args, nil); !res.IsError {
			t.Errorf("indicator_counts %v: want a tool error", args)
		}
	}
}

func TestAttackCoverage(t *testing.T) {
	cs := session(t, nil)
	var out CoverageOut
	call(t, cs, "attack_coverage", map[string]any{}, &out)
	if out.Attack == "" || out.Rules == 0 || out.Covered == 0 || len(out.Tactics) < 12 {
		t.Fatalf("coverage: %+v", out)
	}
	var exec *TacticCoverage
	for i, ta := range out.Tactics {
		if ta.Techniques != ta.Covered+ta.GapCount || len(ta.Top) > DefaultPerPage || len(ta.Gaps) > DefaultPerPage {
			t.Errorf("%s: %d techniques, %d covered, %d gaps (%d and %d listed)", ta.ID, ta.Techniques, ta.Covered, ta.GapCount, len(ta.Top), len(ta.Gaps))
		}
		if ta.Shortname == "execution" {
			exec = &out.Tactics[i]
		}
	}
	if exec == nil || len(exec.Top) == 0 || exec.Top[0].ID != "T1651" || exec.Top[0].Rules != 4 || exec.Top[0].ByPlatform["kusto"] != 3 {
		t.Fatalf("execution: %+v, want T1651 first with 4 rules, 3 of them kusto", exec)
	}
	// A gap has no rule: a search for its technique finds none.
	gap := exec.Gaps[0].ID
	var found SearchOut
	call(t, cs, "search_rules", map[string]any{"facets": []string{"technique=" + gap}}, &found)
	if found.Total != 0 {
		t.Errorf("gap %s: %d rules have it", gap, found.Total)
	}

	// One tactic, by name; the facets of a search.
	var one CoverageOut
	call(t, cs, "attack_coverage", map[string]any{"tactic": "Execution", "facets": []string{"platform=kusto"}, "max": 100}, &one)
	if len(one.Tactics) != 1 || one.Tactics[0].ID != exec.ID || one.Rules >= out.Rules || one.Tactics[0].GapCount != len(one.Tactics[0].Gaps) {
		t.Fatalf("execution, kusto: %+v", one)
	}
	for _, te := range one.Tactics[0].Top {
		for p := range te.ByPlatform {
			if p != "kusto" {
				t.Errorf("platform=kusto counted a %s rule for %s", p, te.ID)
			}
		}
	}
	for _, args := range []map[string]any{{"tactic": "nope"}, {"facets": []string{"nope=x"}}, {"max": 1000}} {
		if res := call(t, cs, "attack_coverage", args, nil); !res.IsError {
			t.Errorf("attack_coverage %v: want a tool error", args)
		}
	}
}

func TestLintRule(t *testing.T) {
	cs := session(t, nil)
	var kql LintOut
	call(t, cs, "lint_rule", map[string]any{"language": "kql", "text": "SecurityEvent\n| where EventID == 4688\n"}, &kql)
	if kql.Format == "" || len(kql.Rules) != 1 || kql.Rules[0].Language != "kql" || !hasCheck(kql.Findings, "kql-no-time-filter") {
		t.Errorf("a KQL query with no time filter: %+v", kql)
	}
	sigma := "title: t\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n  sel:\n    Image|endswith: '\\certutil.exe'\n  condition: sel and nope\n"
	var sg LintOut
	call(t, cs, "lint_rule", map[string]any{"file_name": "dir/x.yml", "text": sigma}, &sg)
	if sg.Format != "sigma_yaml" || !hasCheck(sg.Findings, "syntax-error") || sg.Counts["error"] == 0 || len(sg.Diagnostics) == 0 {
		t.Errorf("a Sigma rule naming an unknown selection: %+v", sg)
	}
	for _, f := range sg.Findings {
		if f.Path != "x.yml" || f.Line == 0 {
			t.Errorf("finding %+v: want path x.yml and a line", f)
		}
	}
	for _, args := range []map[string]any{
		{"text": ""},
		{"text": "SecurityEvent | take 1"}, // no language, format or telling name
		{"text": "SecurityEvent | take 1", "language": "cobol"}, // no such language
		{"text": "SecurityEvent | take 1", "format": "nope"},    // no such format
		{"text": strings.Repeat("a", MaxLintBytes+1), "language": "kql"},
	} {
		if res := call(t, cs, "lint_rule", args, nil); !res.IsError || text(res) == "" {
			t.Errorf("lint_rule %.80v: want a tool error", args)
		}
	}
}

func TestCompareRules(t *testing.T) {
	cs := session(t, nil)
	var out CompareOut
	call(t, cs, "compare_rules", map[string]any{"a": "kusto/VMRunCommandFromUntrustedIP--sentinel", "b": "elastic/execution_azure_run_command_by_user"}, &out)
	if !slices.Equal(out.Techniques.Shared, []string{"T1651"}) || !slices.Equal(out.Techniques.OnlyA, []string{"T1078.004"}) {
		t.Errorf("techniques: %+v", out.Techniques)
	}
	if !out.SameAction || out.Actions.SharedCount != 1 || out.Events.SharedCount != 1 {
		t.Errorf("the same Azure operation in two spellings: same action %v, actions %+v, events %+v", out.SameAction, out.Actions, out.Events)
	}
	if !slices.Contains(out.Values.Shared, "Microsoft.Compute/virtualMachines/runCommand/action") || out.Indicators.SharedCount != 0 {
		t.Errorf("the operation's value is shared whatever the field, no field:kind:value is: values %+v, indicators %+v", out.Values, out.Indicators)
	}
	if out.Fields.SharedCount != 0 || out.Fields.OnlyACount == 0 || out.Fields.OnlyBCount == 0 {
		t.Errorf("fields of KQL and Elastic rules: %+v", out.Fields)
	}
	var self CompareOut
	call(t, cs, "compare_rules", map[string]any{"a": "sigma/proc_creation_win_certutil_remote_download", "b": "sigma/proc_creation_win_certutil_remote_download"}, &self)
	if self.Indicators.OnlyACount+self.Indicators.OnlyBCount != 0 || self.Indicators.SharedCount == 0 {
		t.Errorf("a rule with itself: %+v", self.Indicators)
	}
	if res := call(t, cs, "compare_rules", map[string]any{"a": "sigma/proc_creation_win_certutil_remote_download", "b": "x/y"}, nil); !res.IsError {
		t.Errorf("an unknown rule: want a tool error")
	}
}

// A tool that does not exist is a protocol error, not a tool result.
func TestUnknownToolIsProtocolError(t *testing.T) {
	cs := session(t, nil)
	res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "drop_tables"})
	if err == nil {
		t.Fatalf("calling an unknown tool answered %v, want a JSON-RPC error", res)
	}
}

func openExamples(t *testing.T) *web.StoreCatalog {
	t.Helper()
	cat, err := web.OpenStore(examplesDB(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	return cat
}

func hitIDs(hs []web.Hit) []string {
	var ids []string
	for _, h := range hs {
		ids = append(ids, h.ID)
	}
	return ids
}

func hasCheck(fs []lint.Finding, id string) bool {
	return slices.ContainsFunc(fs, func(f lint.Finding) bool { return f.Check == id })
}
