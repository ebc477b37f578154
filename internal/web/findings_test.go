package web

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFindingPages: /findings/ lists every check with its counts, linking
// the page of each check that found something; a check's page lists its
// findings with their rules and places; the JSON says the same, and the
// facet finding filters the same rules the check's counts say.
func TestFindingPages(t *testing.T) {
	s := newTestServer(t)
	var idx struct{ Checks []FindingCheck }
	decodeJSON(t, get(t, s, "/api/v1/findings"), &idx)
	var am *FindingCheck
	for i, c := range idx.Checks {
		if c.Check == "attack-missing" {
			am = &idx.Checks[i]
		}
		if c.Message == "" || c.Severity == "" || c.HelpURI == "" {
			t.Errorf("check %+v", c)
		}
	}
	if am == nil || am.Rules < 1 || am.Findings < am.Rules {
		t.Fatalf("attack-missing: %+v", am)
	}
	// The facet counts the rules the check found something in.
	res, err := s.cat.Search(t.Context(), Query{Facets: []Facet{{"finding", "attack-missing"}}, PerPage: MaxPerPage})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != am.Rules {
		t.Errorf("finding=attack-missing: %d rules, the check's count %d", res.Total, am.Rules)
	}
	w := get(t, s, "/findings/")
	if w.Code != 200 || !strings.Contains(w.Body.String(), `<a href="/findings/attack-missing/"><code>attack-missing</code></a>`) {
		t.Errorf("/findings/: %d %s", w.Code, w.Body.String())
	}
	var l CheckFindingList
	decodeJSON(t, get(t, s, "/api/v1/findings/attack-missing"), &l)
	if l.Total != am.Findings || len(l.Items) != min(am.Findings, findingsPerPage) || l.Help == "" {
		t.Fatalf("/api/v1/findings/attack-missing: total %d, %d items, want %d", l.Total, len(l.Items), am.Findings)
	}
	first := l.Items[0]
	w = get(t, s, "/findings/attack-missing/")
	body := w.Body.String()
	for _, want := range []string{`<h1>Finding <code>attack-missing</code></h1>`, `href="` + RulePath(first.Rule) + `#L`,
		`href="/rules/?facet=finding%3Dattack-missing"`} {
		if w.Code != 200 || !strings.Contains(body, want) {
			t.Errorf("/findings/attack-missing/: %d, no %q", w.Code, want)
		}
	}
	// Every finding of a rule shown on its page is in its check's list.
	fs, err := s.cat.RuleFindings(t.Context(), first.Rule)
	if err != nil || len(fs) == 0 {
		t.Fatalf("RuleFindings(%s): %v %v", first.Rule, fs, err)
	}
	if page := get(t, s, RulePath(first.Rule)).Body.String(); !strings.Contains(page, `<a href="/findings/attack-missing/"><code>attack-missing</code></a>`) {
		t.Errorf("the page of %s does not link its finding's check", first.Rule)
	}
	w = get(t, s, "/rules/?f=finding:attack-missing")
	if w.Code != 200 || !strings.Contains(w.Body.String(), RulePath(first.Rule)) {
		t.Errorf("/rules/?f=finding:attack-missing: %d", w.Code)
	}
	for _, p := range []string{"/findings/no-such-check/", "/api/v1/findings/no-such-check"} {
		if w := get(t, s, p); w.Code != 404 {
			t.Errorf("%s: %d", p, w.Code)
		}
	}
}

// TestExportFindings: the export has the findings' pages and JSON.
func TestExportFindings(t *testing.T) {
	dir := t.TempDir()
	if _, err := Export(t.Context(), testCatalog(t), dir, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"findings/index.html", "findings/attack-missing/index.html", "api/v1/findings.json"} {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f))); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "api/v1/findings/attack-missing.json"))
	if err != nil {
		t.Fatal(err)
	}
	var l CheckFindingList
	if err := json.Unmarshal(data, &l); err != nil || l.Total == 0 || len(l.Items) != l.Total {
		t.Errorf("attack-missing.json: %v, total %d, %d items", err, l.Total, len(l.Items))
	}
	page, err := os.ReadFile(filepath.Join(dir, "findings/attack-missing/index.html"))
	if err != nil || !strings.Contains(string(page), `href="../../rules/`) {
		t.Errorf("findings/attack-missing/index.html: %v, relative rule links missing", err)
	}
}
