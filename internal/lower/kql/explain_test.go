package lowerkql

import (
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/rule"
)

// TestExplainStageOrder: the explanation says the stages in their order (a
// summarize before a join before it, the join's inner pipeline under it),
// and how each column a stage makes is made.
func TestExplainStageOrder(t *testing.T) {
	r := lowerKQL(t, `let threshold = 5;
SigninLogs
| where TimeGenerated > ago(1d)
| where ResultType != "0"
| summarize Failures = count(), Total = sum(Attempts), Apps = make_set(AppDisplayName) by UserPrincipalName
| where Failures > threshold
| join kind=inner (AADUserRiskEvents | where RiskLevel == "high") on UserPrincipalName
| extend Ratio = todouble(Failures) / Total, User = tolower(UserPrincipalName)
`)
	type want struct {
		stage int
		has   []string
	}
	wants := []want{
		{0, []string{"Defines: threshold is 5."}},
		{1, []string{"Reads SigninLogs."}},
		{2, []string{"Keeps the rows of the last 1d."}},
		{3, []string{"Keeps the rows where ResultType is not 0"}},
		{4, []string{"Groups the rows by UserPrincipalName", "Failures is the number of rows", "Total is the sum of Attempts", "Apps is the set of distinct AppDisplayName"}},
		{5, []string{"Keeps the rows where Failures is greater than"}},
		{6, []string{"Joins each row with every matching row of the query below on UserPrincipalName:"}},
		{7, []string{"Adds columns:", "Ratio is computed as `todouble(Failures) / Total`", "User is UserPrincipalName in lower case"}},
		{0, []string{"Emits "}},
	}
	ps := r.ExplanationParts
	if len(ps) != len(wants) {
		t.Fatalf("%d parts, want %d: %s", len(ps), len(wants), r.Explanation)
	}
	for i, w := range wants {
		if ps[i].Stage != w.stage {
			t.Errorf("part %d (%q): stage %d, want %d", i, ps[i].Text, ps[i].Stage, w.stage)
		}
		for _, h := range w.has {
			if !strings.Contains(ps[i].Text, h) {
				t.Errorf("part %d: %q lacks %q", i, ps[i].Text, h)
			}
		}
	}
	join := ps[6]
	if join.Op != rule.ExplainSteps || len(join.Items) != 2 || join.Items[0].Text != "Reads AADUserRiskEvents." ||
		!strings.Contains(join.Items[1].Text, `RiskLevel is "high"`) {
		t.Errorf("join's inner pipeline: %+v", join.Items)
	}
	if !strings.HasPrefix(r.Explanation, "Defines: threshold is 5. Reads SigninLogs. Keeps the rows of the last 1d.") ||
		strings.Index(r.Explanation, "Groups the rows") > strings.Index(r.Explanation, "Joins each row") {
		t.Errorf("explanation text: %s", r.Explanation)
	}
}

// TestMarkdownKeepsSections: a markdown query's Risk and Notes sections
// are kept as sections of the rule, under their headings, in file order;
// the description stays the description.
func TestMarkdownKeepsSections(t *testing.T) {
	src := "# Certutil Remote Download\n\n" +
		"## Query Information\n\n" +
		"#### Description\nCertutil can download files.\n\n" +
		"#### Risk\nAn adversary transferred tools to the device.\n\n" +
		"#### Notes\nTune the list of domains.\nSecond line.\n\n" +
		"#### False Positives\n- Admins using certutil\n\n" +
		"#### References\n- https://lolbas-project.github.io/lolbas/Binaries/Certutil/\n\n" +
		"## Defender XDR\n```KQL\nDeviceProcessEvents\n| where FileName == \"certutil.exe\"\n```\n"
	rs := readAll(t, "Living Off The Land/CertutilRemoteDownload.md", src)
	if len(rs) != 1 {
		t.Fatalf("%d rules", len(rs))
	}
	r := rs[0]
	want := []rule.Section{
		{Title: "Risk", Text: "An adversary transferred tools to the device."},
		{Title: "Notes", Text: "Tune the list of domains.\nSecond line."},
		{Title: "False Positives", Text: "- Admins using certutil"},
	}
	if len(r.Sections) != len(want) {
		t.Fatalf("sections %+v, want %+v", r.Sections, want)
	}
	for i := range want {
		if r.Sections[i] != want[i] {
			t.Errorf("section %d: %+v, want %+v", i, r.Sections[i], want[i])
		}
	}
	if r.Description != "Certutil can download files." {
		t.Errorf("description %q", r.Description)
	}
}
