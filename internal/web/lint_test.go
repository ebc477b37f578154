package web

import (
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/lint"
)

// TestAPIFindings: /api/v1/rules/{id}/findings gives what ruledex lint
// finds in the rule, and a list (empty) for a rule with none.
func TestAPIFindings(t *testing.T) {
	s := newTestServer(t)
	var id string
	for _, r := range exampleRules(t) {
		if strings.HasSuffix(r.Source.Path, "rare-service-installs.kql") && len(r.Techniques) == 0 {
			id = r.ID // the file's second query: no ATT&CK, no description
		}
	}
	if id == "" {
		t.Fatal("no example rule rare-service-installs.kql")
	}
	var fs []lint.Finding
	decodeJSON(t, get(t, s, "/api/v1/rules/"+id+"/findings"), &fs)
	checks := map[string]bool{}
	for _, f := range fs {
		checks[f.Check] = true
		if f.Rule != id || f.Line < 1 || f.Fingerprint == "" {
			t.Errorf("finding %+v", f)
		}
	}
	if !checks["attack-missing"] || !checks["description-missing"] {
		t.Errorf("findings of %s: %+v", id, fs)
	}
	if w := get(t, s, "/api/v1/rules/kusto/Nope/findings"); w.Code != 404 {
		t.Errorf("findings of no rule: %d", w.Code)
	}
	if w := get(t, s, "/api/v1/rules/kusto/DetectAzureScriptOrRunCommandByRiskyUser/findings"); w.Code != 200 || !strings.HasPrefix(strings.TrimSpace(w.Body.String()), "[") {
		t.Errorf("findings of the seed rule: %d %s", w.Code, w.Body.String())
	}
}

// TestRulePageFindings: the rule page has a Findings section, each
// finding with its check and help, text escaped.
func TestRulePageFindings(t *testing.T) {
	s := newTestServer(t)
	for _, r := range exampleRules(t) {
		// The file's second query states no ATT&CK and has no description.
		if !strings.HasSuffix(r.Source.Path, "rare-service-installs.kql") || len(r.Techniques) > 0 {
			continue
		}
		w := get(t, s, RulePath(r.ID))
		body := w.Body.String()
		for _, want := range []string{`<section id="findings"><h2>Findings</h2>`, "<code>attack-missing</code>", "<details><summary>why</summary>A detection that names the ATT&amp;CK techniques"} {
			if !strings.Contains(body, want) {
				t.Errorf("no %q on the page of %s", want, r.ID)
			}
		}
		return
	}
	t.Fatal("no example rule rare-service-installs.kql")
}
