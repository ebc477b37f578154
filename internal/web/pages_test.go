package web

import (
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/rule"
)

// TestLongRuleID serves the page and the JSON of a rule whose slug is longer
// than a path segment keeps readable, so that its path is cut and hashed.
func TestLongRuleID(t *testing.T) {
	long := "kusto/" + strings.Repeat("Suspicious-volume-of-API-calls-", 6) + "x"
	other := "kusto/" + strings.Repeat("Suspicious-volume-of-API-calls-", 6) + "y"
	m := NewMemory([]*rule.Rule{
		{ID: long, Platform: "kusto", Language: "kql", Kind: rule.KindDetection, Title: "Long one"},
		{ID: other, Platform: "kusto", Language: "kql", Kind: rule.KindDetection, Title: "Long two"},
	})
	s, err := New(m)
	if err != nil {
		t.Fatal(err)
	}
	p := RulePath(long)
	if !strings.Contains(p, "~~") {
		t.Fatalf("path %s is not cut", p)
	}
	if w := get(t, s, p); w.Code != 200 || !strings.Contains(w.Body.String(), "Long one") {
		t.Errorf("%s: status %d", p, w.Code)
	}
	if w := get(t, s, RulePath(other)); w.Code != 200 || !strings.Contains(w.Body.String(), "Long two") {
		t.Errorf("%s: status %d", RulePath(other), w.Code)
	}
	if w := get(t, s, "/api/v1/rules/"+IDPath(long)+".json"); w.Code != 200 || !strings.Contains(w.Body.String(), `"Long one"`) {
		t.Errorf("API by path: status %d", w.Code)
	}
	if w := get(t, s, "/api/v1/rules/"+long); w.Code != 200 {
		t.Errorf("API by id: status %d", w.Code)
	}
	// A cut path of no rule is not found.
	bad := p[:strings.Index(p, "~~")] + "~~0000000000000000/"
	if w := get(t, s, bad); w.Code != 404 {
		t.Errorf("%s: status %d", bad, w.Code)
	}
}
