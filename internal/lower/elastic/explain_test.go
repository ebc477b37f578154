package lowerelastic

import (
	"strings"
	"testing"
)

// TestExplainStageOrder: an ES|QL query is said a sentence per command in
// order (the STATS before the WHERE on its result is said before it), each
// field an EVAL or STATS makes with how it is made. (Stage 1 is the
// rule's index, stage 2 the FROM.)
func TestExplainStageOrder(t *testing.T) {
	rs, _ := readLowered(t, tomlRule("esql", "esql", `FROM logs-endpoint.events.process-*
| WHERE process.name == "certutil.exe"
| EVAL cmd = TO_LOWER(process.command_line) // lower case
| STATS hosts = COUNT_DISTINCT(host.id), n = COUNT(*) BY cmd
| WHERE hosts < 3
| KEEP cmd, hosts, n`))
	if len(rs) != 1 {
		t.Fatalf("%d rules", len(rs))
	}
	r := rs[0]
	wants := []struct {
		stage int
		has   []string
	}{
		{0, []string{"Reads logs-* and logs-endpoint.events.process-*."}},
		{3, []string{`process.name is "certutil.exe"`}},
		{4, []string{"Sets a field: cmd is process.command_line in lower case"}},
		{5, []string{"Groups the rows by cmd", "hosts is the number of distinct host.id", "n is the number of rows"}},
		{6, []string{"Keeps rows where hosts is less than 3"}},
		{7, []string{"Keeps only the fields cmd, hosts and n"}},
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
}
