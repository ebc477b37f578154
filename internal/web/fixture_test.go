package web

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ruledex/ruledex/internal/build/buildtest"
	"github.com/ruledex/ruledex/internal/ingest"
	"github.com/ruledex/ruledex/internal/rule"
)

// hostile holds the strings of the security test: markup and script that
// must come out inert wherever rule text is shown.
const (
	hostileScript = `<script>alert(1)</script>`
	hostileImg    = `"><img src=x onerror=alert(2)>`
	hostileJS     = `javascript:alert(3)`
)

// seedID is the id of the seed page's rule (seedRule).
const seedID = "kusto/DetectAzureScriptOrRunCommandByRiskyUser"

// seedRule is the seed page's Kusto rule, as the KQL front end gives it.
func seedRule() *rule.Rule {
	q := `AzureActivity
| where TimeGenerated > ago(1h)
| where CategoryValue == "Administrative"
| where OperationNameValue =~ "Microsoft.Compute/virtualMachines/runCommand/action"
or OperationNameValue =~ "MICROSOFT.COMPUTE/VIRTUALMACHINES/EXTENSIONS/WRITE"
| extend VMName = tostring(todynamic(Properties).resource)
| summarize make_list(ActivityStatusValue), TimeGenerated = max(TimeGenerated) by CorrelationId, CallerIpAddress, Caller, ResourceGroup, VMName
| join kind=inner (AADUserRiskEvents | where TimeGenerated > ago(14d) ) on $left.Caller == $right.UserPrincipalName`
	return &rule.Rule{
		ID: "kusto/DetectAzureScriptOrRunCommandByRiskyUser", Platform: "kusto", Language: "kql", Format: "markdown",
		Title:       "Detect Custom Script or Run Command deployment by risky user",
		Description: "This detection rule flags when a user with risk events in Entra ID Identity Protection is deploying Custom Scripts or Run Commands.",
		Source:      rule.Source{Repo: "hybridbrothers-seeds", Path: "Azure/DetectAzureScriptOrRunCommandByRiskyUser.md", Line: 32, URL: "https://github.com/HybridBrothers/Hunting-Queries-Detection-Rules/blob/main/Azure/DetectAzureScriptOrRunCommandByRiskyUser.md"},
		Kind:        rule.KindDetection, Authors: []string{"Robbe Van den Daele"},
		References: []string{"https://learn.microsoft.com/en-us/azure/sentinel/ueba-reference"},
		Query:      q, QueryLine: 32, TimeWindow: "1h",
		GroupBy: []string{"CorrelationId", "CallerIpAddress", "Caller", "ResourceGroup", "VMName"},
		Techniques: []rule.Technique{
			{ID: "T1651", Name: "Cloud Administration Command", Tactic: "execution", Tactics: []string{"execution"}},
			{ID: "T1021.008", Name: "Remote Services: Direct Cloud VM Connections", Tactic: "lateral-movement", Tactics: []string{"lateral-movement"}},
		},
		Tables:    []string{"AzureActivity", "AADUserRiskEvents"},
		Operators: []string{"where", "extend", "summarize", "join"},
		Functions: []string{"ago", "tostring", "todynamic", "make_list", "max"},
		Keywords:  []string{"TimeGenerated", "CategoryValue", "OperationNameValue", "Properties", "ActivityStatusValue"},
		Stages: []rule.Stage{
			{N: 1, Kind: "source", Text: "AzureActivity", Line: 1, Col: 1, Source: "AzureActivity"},
			{N: 2, Kind: "where", Text: "| where TimeGenerated > ago(1h)", Line: 2, TimeWindow: "1h",
				Predicates: []rule.Predicate{{Field: "TimeGenerated", Kind: "gt", Values: []string{"ago(1h)"}}}},
			{N: 3, Kind: "where", Text: `| where CategoryValue == "Administrative"`, Line: 3,
				Predicates: []rule.Predicate{{Field: "CategoryValue", Kind: "eq", Values: []string{"Administrative"}, CaseSensitive: true}}},
			{N: 4, Kind: "where", Line: 4, Text: "| where OperationNameValue =~ ...",
				Predicates: []rule.Predicate{{Field: "OperationNameValue", Kind: "eq", Values: []string{"Microsoft.Compute/virtualMachines/runCommand/action", "MICROSOFT.COMPUTE/VIRTUALMACHINES/EXTENSIONS/WRITE"}}}},
			{N: 5, Kind: "extend", Line: 6, Text: "| extend VMName = tostring(todynamic(Properties).resource)"},
			{N: 6, Kind: "summarize", Line: 7, Text: "| summarize ..."},
			{N: 7, Kind: "join", Line: 8, Text: "| join kind=inner (AADUserRiskEvents | where TimeGenerated > ago(14d) ) on ...",
				Stages: []rule.Stage{
					{N: 1, Kind: "source", Source: "AADUserRiskEvents", Text: "AADUserRiskEvents", Line: 8},
					{N: 2, Kind: "where", Text: "where TimeGenerated > ago(14d)", Line: 8, TimeWindow: "14d",
						Predicates: []rule.Predicate{{Field: "TimeGenerated", Kind: "gt", Values: []string{"ago(14d)"}}}},
				}},
		},
		Indicators: []rule.Indicator{
			{Field: "CategoryValue", Kind: "eq", CaseSensitive: true, Values: []string{"Administrative"}},
			{Field: "OperationNameValue", Kind: "eq", Values: []string{"Microsoft.Compute/virtualMachines/runCommand/action", "MICROSOFT.COMPUTE/VIRTUALMACHINES/EXTENSIONS/WRITE"}},
		},
		Outputs: []rule.OutputField{
			{Name: "list_ActivityStatusValue", Source: "summarize", Stage: 6, Expr: "make_list(ActivityStatusValue)"},
			{Name: "TimeGenerated", Source: "summarize", Stage: 6, Expr: "max(TimeGenerated)"},
			{Name: "CorrelationId", Source: "summarize", Stage: 6},
		},
		Events: []rule.Event{
			{Provider: "Azure Activity", Event: "Microsoft.Compute/virtualMachines/runCommand/action"},
			{Provider: "Azure Activity", Event: "Microsoft.Compute/virtualMachines/extensions/write"},
		},
		Explanation: "Reads AzureActivity, keeps administrative run-command and extension writes of the last hour, and joins them with risk events of the same user.",
		Actions:     []string{"microsoft.compute/virtualmachines/runcommand/action", "microsoft.compute/virtualmachines/extensions/write"},
		SameAction: []rule.RuleRef{{ID: "kusto/DetectFirstTimeAzureCustomScriptOrRunCommand", Platform: "kusto",
			Title: "Detect First Time Azure Custom Script Or Run Command", Path: "Azure/DetectFirstTimeAzureCustomScriptOrRunCommand.md",
			Actions: []string{"microsoft.compute/virtualmachines/runcommand/action"}}},
	}
}

// seedRule2 is the seed's second rule, the one that looks for the same operations.
func seedRule2() *rule.Rule {
	return &rule.Rule{
		ID: "kusto/DetectFirstTimeAzureCustomScriptOrRunCommand", Platform: "kusto", Language: "kql", Kind: rule.KindHunting,
		Title:      "Detect First Time Azure Custom Script Or Run Command",
		Source:     rule.Source{Repo: "hybridbrothers-seeds", Path: "Azure/DetectFirstTimeAzureCustomScriptOrRunCommand.md", Line: 30},
		Query:      "BehaviorAnalytics\n| where TimeGenerated > ago(1h)\n| where ActivityInsights.EventMessage has_any ('runCommand/action', 'extensions/write')",
		Techniques: []rule.Technique{{ID: "T1651", Name: "Cloud Administration Command", Tactic: "execution"}},
		Tables:     []string{"BehaviorAnalytics"},
		Indicators: []rule.Indicator{{Field: "ActivityInsights.EventMessage", Kind: "has_any", Values: []string{"runCommand/action", "extensions/write"}},
			{Field: "CommandLine", Kind: "contains", Values: []string{" -urlcache "}}},
		Events: []rule.Event{{Provider: "Azure Activity", Event: "Microsoft.Compute/virtualMachines/runCommand/action"}},
	}
}

// hostileRule puts markup, script and javascript: links in every text a page shows.
func hostileRule() *rule.Rule {
	h := hostileScript + hostileImg + hostileJS
	return &rule.Rule{
		ID: "kusto/Hostile", Platform: "kusto", Language: "kql", Kind: rule.KindDetection,
		Title: "Evil " + h, Description: "desc " + h, Status: h, Severity: h, Authors: []string{h},
		Source:     rule.Source{Repo: "evil" + hostileScript, Path: "x/" + h + ".md", Line: 1, URL: hostileJS},
		References: []string{hostileJS, "JAVASCRIPT:alert(4)", " javascript:alert(5)", "data:text/html,<script>alert(6)</script>", h},
		Tags:       []string{h}, TimeWindow: h, GroupBy: []string{h},
		Query:      "T | where " + h + " == \"" + h + "\" // " + h,
		QueryLine:  1,
		Techniques: []rule.Technique{{ID: "T1059", Name: h, Tactic: h}},
		Tables:     []string{h, "windows//process_creation", ".."},
		Keywords:   []string{h}, Operators: []string{h}, Functions: []string{h},
		Params: []rule.Param{{Name: h, Kind: "scalar", Value: h}},
		Stages: []rule.Stage{{N: 1, Kind: h, Text: h, Line: 1, Source: h,
			Predicates: []rule.Predicate{{Field: h, Kind: "eq", Values: []string{h, hostileJS}}},
			Stages:     []rule.Stage{{N: 1, Kind: "source", Text: h, Source: h}}}},
		Indicators: []rule.Indicator{{Field: h, Kind: "eq", Values: []string{h, hostileJS}},
			{Field: "CommandLine", Kind: "contains", Values: []string{h}}},
		Outputs:        []rule.OutputField{{Name: h, Source: h, Stage: 1, Expr: h, Entity: h}},
		EntityMappings: []rule.EntityMapping{{EntityType: h, Identifier: h, Column: h}},
		Events:         []rule.Event{{Provider: h, Event: h, Title: h}},
		Explanation:    h,
		SameAction:     []rule.RuleRef{{ID: "kusto/" + h, Platform: h, Title: h, Path: h, Actions: []string{h}}},
		NearDuplicates: []rule.RuleRef{{ID: h, Platform: h, Title: h, Path: h}},
		Diagnostics:    []rule.Diagnostic{{Path: h, Line: 1, Col: 1, Severity: h, Message: h}},
		FalsePositives: []string{h}, DataConnectors: []string{h},
	}
}

// exampleRules reads the Sigma examples of the repository through ingest.
func exampleRules(t testing.TB) []*rule.Rule {
	t.Helper()
	dir := filepath.Join("..", "..", "examples")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("examples folder not found: %v", err)
	}
	res, err := ingest.Read(t.Context(), []ingest.Target{{Repo: "examples", Path: dir}}, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var rs []*rule.Rule
	for _, fr := range res {
		rs = append(rs, fr.Rules...)
	}
	return rs
}

// testCatalog is the catalog of the handler tests: the two seed rules, the
// hostile rule and the Sigma examples.
func testCatalog(t testing.TB) *StoreCatalog {
	t.Helper()
	rs := []*rule.Rule{seedRule(), seedRule2(), hostileRule()}
	rs = append(rs, exampleRules(t)...)
	return catalogOf(t, rs)
}

// catalogOf writes rules made by a test, as they are, into a catalog in
// t.TempDir() (buildtest.Rules) and opens it, closed when the test ends.
func catalogOf(t testing.TB, rules []*rule.Rule) *StoreCatalog {
	t.Helper()
	return openCatalog(t, buildtest.Rules(t, rules))
}

// openCatalog opens the catalog at path, closed when the test ends.
func openCatalog(t testing.TB, path string) *StoreCatalog {
	t.Helper()
	c, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// corpusCatalog opens the catalog of the whole corpus, built once by
// build.Build (buildtest.Corpus); it skips without a corpus.
func corpusCatalog(t testing.TB) *StoreCatalog {
	t.Helper()
	return openCatalog(t, buildtest.Corpus(t))
}

func TestMain(m *testing.M) {
	code := m.Run()
	buildtest.Cleanup()
	os.Exit(code)
}
