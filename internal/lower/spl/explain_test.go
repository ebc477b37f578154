package lowerspl

import (
	"strings"
	"testing"
)

// TestExplainStageOrder: a sentence per stage in the stages' order (the
// stats before the join is said before it), each field a stage makes said
// with how it is made.
func TestExplainStageOrder(t *testing.T) {
	r := lowerQuery(t, `index=wineventlog EventCode=4625
| eval user=lower(TargetUserName), day=strftime(_time, "%Y-%m-%d")
| stats count dc(src_ip) as sources values(dest) as hosts by user
| where count > 10
| join user [search index=wineventlog EventCode=4624 | stats count as successes by user]
| rename user as account
| table account, count, sources, hosts, successes`)
	type want struct {
		stage int
		has   []string
	}
	wants := []want{
		{1, []string{"Reads index=wineventlog", "EventCode is 4625"}},
		{2, []string{"Sets the fields:", "user is TargetUserName in lower case", `day is _time formatted as "%Y-%m-%d"`}},
		{3, []string{"Groups the events by user", "count is the number of events", "sources is the number of distinct src_ip", "hosts is the distinct values of dest"}},
		{4, []string{"Keeps the events where count is greater than 10"}},
		{5, []string{"Joins the results of a subsearch"}},
		{6, []string{"Renames user to account"}},
		{7, []string{"Keeps only the fields account, count, sources, hosts and successes"}},
		{0, []string{"It emits account"}},
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
	if strings.Index(r.Explanation, "Groups the events") > strings.Index(r.Explanation, "Joins the results") {
		t.Errorf("the stats is said after the join: %s", r.Explanation)
	}
}
