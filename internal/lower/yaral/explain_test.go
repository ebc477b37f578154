package loweryaral

import (
	"strings"
	"testing"
)

// TestExplainStageOrder: the sections are said in order (events, match,
// outcome, condition), each outcome variable with how it is made.
func TestExplainStageOrder(t *testing.T) {
	src := `rule certutil_download {
  events:
    $p.metadata.event_type = "PROCESS_LAUNCH"
    $p.target.process.command_line = /urlcache/ nocase
    $p.principal.hostname = $host
  match:
    $host over 5m
  outcome:
    $risk_score = max(35)
    $hosts = count_distinct($p.principal.hostname)
    $cmds = array_distinct($p.target.process.command_line)
  condition:
    $p
}
`
	rs := readRules(t, "c.yaral", []byte(src))
	if len(rs) != 1 {
		t.Fatalf("%d rules", len(rs))
	}
	r := rs[0]
	wants := []struct {
		stage int
		has   []string
	}{
		{0, []string{"It reads the event $p (UDM PROCESS_LAUNCH)."}},
		{1, []string{"For $p, it matches events where", "target.process.command_line matches the regular expression"}},
		{2, []string{"It groups the matches by $host over 5m"}},
		{3, []string{"It outputs: $risk_score (the risk score) is 35", "$hosts is the number of distinct $p.principal.hostname", "$cmds is the distinct values of $p.target.process.command_line"}},
		{4, []string{"It fires when $p"}},
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
