package web

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ruledex/ruledex/internal/rule"
)

// TestLongRuleID serves the page and the JSON of a rule whose slug is longer
// than a path segment keeps readable, so that its path is cut and hashed.
func TestLongRuleID(t *testing.T) {
	long := "kusto/" + strings.Repeat("Suspicious-volume-of-API-calls-", 6) + "x"
	other := "kusto/" + strings.Repeat("Suspicious-volume-of-API-calls-", 6) + "y"
	odd := "kusto/" + strings.Repeat("Suspicious volume_of%API calls ", 5) + "é"
	m := catalogOf(t, []*rule.Rule{
		{ID: long, Platform: "kusto", Language: "kql", Kind: rule.KindDetection, Title: "Long one"},
		{ID: other, Platform: "kusto", Language: "kql", Kind: rule.KindDetection, Title: "Long two"},
		{ID: odd, Platform: "kusto", Language: "kql", Kind: rule.KindDetection, Title: "Long odd"},
	})
	// The store's catalog finds a cut path's rule among the ids of its
	// prefix; a catalog that cannot list them, among all its ids.
	for name, cat := range map[string]Catalog{"prefix": m, "all ids": struct{ Catalog }{m}} {
		t.Run(name, func(t *testing.T) {
			s, err := New(cat)
			if err != nil {
				t.Fatal(err)
			}
			p := RulePath(long)
			if !strings.Contains(p, "~~") || !strings.Contains(RulePath(odd), "~~") {
				t.Fatalf("paths %s, %s are not cut", p, RulePath(odd))
			}
			if w := get(t, s, p); w.Code != 200 || !strings.Contains(w.Body.String(), "Long one") {
				t.Errorf("%s: status %d", p, w.Code)
			}
			if w := get(t, s, RulePath(other)); w.Code != 200 || !strings.Contains(w.Body.String(), "Long two") {
				t.Errorf("%s: status %d", RulePath(other), w.Code)
			}
			if w := get(t, s, RulePath(odd)); w.Code != 200 || !strings.Contains(w.Body.String(), "Long odd") {
				t.Errorf("%s: status %d", RulePath(odd), w.Code)
			}
			if w := get(t, s, "/api/v1/rules/"+IDPath(long)+".json"); w.Code != 200 || !strings.Contains(w.Body.String(), `"Long one"`) {
				t.Errorf("API by path: status %d", w.Code)
			}
			if w := get(t, s, "/api/v1/rules/"+long); w.Code != 200 {
				t.Errorf("API by id: status %d", w.Code)
			}
			// A cut path of no rule is not found, nor one cut in an escape.
			for _, bad := range []string{p[:strings.Index(p, "~~")] + "~~0000000000000000/", "/rules/kusto/Sus~4~~0000000000000000/"} {
				if w := get(t, s, bad); w.Code != 404 {
					t.Errorf("%s: status %d", bad, w.Code)
				}
			}
		})
	}
}

// TestRuleSectionsWithoutModel: a rule whose query was not read into stages
// still has every section, each saying what is missing, and its entity
// mappings though it has no output fields.
func TestRuleSectionsWithoutModel(t *testing.T) {
	r := &rule.Rule{ID: "kusto/Unread", Platform: "kusto", Language: "kql", Kind: rule.KindDetection, Title: "Unread",
		Query: "SecurityEvent | where EventID == 4688", QueryLine: 3,
		EntityMappings: []rule.EntityMapping{{EntityType: "Account", Identifier: "FullName", Column: "SubjectUserName"}}}
	s, err := New(catalogOf(t, []*rule.Rule{r}))
	if err != nil {
		t.Fatal(err)
	}
	body := get(t, s, RulePath(r.ID)).Body.String()
	for _, want := range []string{`id="attack"`, "states no ATT&amp;CK technique", `id="events"`, "No event", `id="same-action"`,
		`id="body"`, `id="stages"`, "No stages were read", `id="indicators"`, "No field value", `id="outputs"`, "No output field",
		"Entity mappings", "<code>SubjectUserName</code>", `id="explanation"`, "No explanation", `id="terms"`, "No table, keyword"} {
		if !strings.Contains(body, want) {
			t.Errorf("rule page lacks %q", want)
		}
	}
}

// TestTableFields: a table's page lists the fields its rules use; a rule
// that reads two tables gives each the fields of its own pipeline.
func TestTableFields(t *testing.T) {
	s := newTestServer(t)
	body := get(t, s, TablePath("AADUserRiskEvents")).Body.String()
	if !strings.Contains(body, "Fields used") || !strings.Contains(body, "<code>TimeGenerated</code>") {
		t.Errorf("AADUserRiskEvents page lacks its fields:\n%s", body)
	}
	if strings.Contains(body, "<code>OperationNameValue</code>") {
		t.Error("AADUserRiskEvents page lists a field of the other table of the join")
	}
	body = get(t, s, TablePath("AzureActivity")).Body.String()
	for _, want := range []string{`<a href="/fields/operationnamevalue/"><code>OperationNameValue</code></a>`, "<code>CategoryValue</code>"} {
		if !strings.Contains(body, want) {
			t.Errorf("AzureActivity page lacks %s", want)
		}
	}
	var got struct {
		Table  string       `json:"table"`
		Fields []FieldCount `json:"fields"`
	}
	for _, p := range []string{"/api/v1/tables/AzureActivity/fields", "/api/v1/tables/" + Seg("windows//process_creation") + "/fields"} {
		w := get(t, s, p)
		if w.Code != 200 {
			t.Fatalf("%s: %d", p, w.Code)
		}
		decodeJSON(t, w, &got)
		if len(got.Fields) == 0 || got.Fields[0].Rules < 1 {
			t.Errorf("%s: %+v", p, got)
		}
	}
	if w := get(t, s, "/api/v1/tables/NoSuchTable/fields"); w.Code != 404 {
		t.Errorf("unknown table: %d", w.Code)
	}
}

// TestRepoPage: a repository's page shows its counts, its last build and the
// diagnostics of its rules.
func TestRepoPage(t *testing.T) {
	bad := &rule.Rule{ID: "sigma/bad", Platform: "sigma", Language: "sigma", Kind: rule.KindDetection, Title: "Bad rule",
		Source: rule.Source{Repo: "r1", Path: "bad.yml"},
		Diagnostics: []rule.Diagnostic{{Path: "bad.yml", Line: 4, Col: 2, Severity: rule.SevError, Message: "unexpected thing"},
			{Path: "bad.yml", Line: 5, Col: 1, Severity: rule.SevWarning, Message: "odd field"}}}
	good := &rule.Rule{ID: "sigma/good", Platform: "sigma", Language: "sigma", Kind: rule.KindHunting, Title: "Good rule",
		Source: rule.Source{Repo: "r1", Path: "good.yml"}}
	other := &rule.Rule{ID: "kusto/other", Platform: "kusto", Language: "kql", Kind: rule.KindDetection, Title: "Other",
		Source: rule.Source{Repo: "r2", Path: "o.md"}, Diagnostics: []rule.Diagnostic{{Severity: rule.SevWarning, Message: "not this one"}}}
	s, err := New(catalogOf(t, []*rule.Rule{bad, good, other}))
	if err != nil {
		t.Fatal(err)
	}
	body := get(t, s, RepoPath("r1")).Body.String()
	for _, want := range []string{"last build", "1 error, 1 warning in 1 rule (1 with errors)", `href="/rules/sigma/bad/"`,
		"4:2 <b>error</b> unexpected thing", "odd field", "Good rule", "sigma 2", "detection 1, hunting 1"} {
		if !strings.Contains(body, want) {
			t.Errorf("repository page lacks %q", want)
		}
	}
	if strings.Contains(body, "not this one") {
		t.Error("repository page shows another repository's diagnostics")
	}
	var info RepoInfo
	w := get(t, s, "/api/v1/repos/r1")
	decodeJSON(t, w, &info)
	if info.Rules != 2 || info.WithErrors != 1 || info.WithDiagnostics != 1 || len(info.Problems) != 1 || info.Diagnostics["warning"] != 1 || info.Built == "" {
		t.Errorf("repo JSON: %+v", info)
	}
	if w := get(t, s, "/api/v1/repos/nope"); w.Code != 404 || !strings.Contains(w.Body.String(), `"error"`) {
		t.Errorf("unknown repo: %d %s", w.Code, w.Body.String())
	}
	if home := get(t, s, "/").Body.String(); !strings.Contains(home, "Last build: <time") {
		t.Error("home page does not say when the catalog was built")
	}
}

// TestActionAPI: the rules that look at an action, by its full name or through a part of it.
func TestActionAPI(t *testing.T) {
	s := newTestServer(t)
	var got struct {
		Value string         `json:"value"`
		Rules []rule.RuleRef `json:"rules"`
	}
	decodeJSON(t, get(t, s, "/api/v1/actions?value=microsoft.compute/virtualMachines/runCommand/action"), &got)
	ids := map[string]bool{}
	for _, r := range got.Rules {
		ids[r.ID] = len(r.Actions) > 0
	}
	if !ids[seedID] || !ids["kusto/DetectFirstTimeAzureCustomScriptOrRunCommand"] {
		t.Errorf("runCommand/action: %+v", got.Rules)
	}
	decodeJSON(t, get(t, s, "/api/v1/actions?value=NoSuchOperation"), &got)
	if got.Rules == nil || len(got.Rules) != 0 {
		t.Errorf("unknown action: %+v", got.Rules)
	}
	if w := get(t, s, "/api/v1/actions"); w.Code != 400 {
		t.Errorf("no value: %d", w.Code)
	}
}

// TestMalformedQuery: a query string that does not parse is a 400, as an
// HTML page or, under /api/, as JSON.
func TestMalformedQuery(t *testing.T) {
	s := newTestServer(t)
	for _, p := range []string{"/search?q=%zz", "/rules/?f=platform:sigma&%%", "/search?q=a;b", "/?" + strings.Repeat("a&", 12000)} {
		if w := get(t, s, p); w.Code != 400 || !strings.Contains(w.Body.String(), "malformed query string") {
			t.Errorf("%.40s: status %d", p, w.Code)
		}
	}
	w := get(t, s, "/api/v1/search?q=%")
	if w.Code != 400 || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		t.Errorf("API: status %d, %s", w.Code, w.Header().Get("Content-Type"))
	}
}

// TestInvalidUTF8: bytes that are not UTF-8, in a rule or in a URL, come out
// of pages and the export as U+FFFD.
func TestInvalidUTF8(t *testing.T) {
	r := &rule.Rule{ID: "kusto/latin1", Platform: "kusto", Language: "kql", Kind: rule.KindDetection,
		Title: "caf\xe9 rule", Description: "na\xefve \xff", Query: "T | where x == \"\xe9\"", Tables: []string{"T\xff"},
		Techniques: []rule.Technique{{ID: "T1059"}}}
	m := catalogOf(t, []*rule.Rule{r})
	s, err := New(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{RulePath(r.ID), "/rules/", "/search?q=caf%e9", "/search?q=%ff%fe", TablePath("T\xff"), "/attack/~FF/", "/tables/~FF/"} {
		w := get(t, s, p)
		if !utf8.Valid(w.Body.Bytes()) {
			t.Errorf("%s: status %d, not UTF-8", p, w.Code)
		}
	}
	if body := get(t, s, RulePath(r.ID)).Body.String(); !strings.Contains(body, "caf\uFFFD rule") {
		t.Error("the title's stray byte is not shown as U+FFFD")
	}
	dir := t.TempDir()
	if _, err := Export(t.Context(), m, dir, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "rules", "kusto", "latin1", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !utf8.Valid(b) {
		t.Error("exported rule page is not UTF-8")
	}
}

// TestPageCache: pages slow to make are kept by URL and served again as
// they were; the cache holds at most its size, least recently used dropped.
func TestPageCache(t *testing.T) {
	s := newTestServer(t)
	s.slowPage = 0 // keep every page
	a := get(t, s, "/attack/").Body.String()
	b := get(t, s, "/attack/").Body.String()
	if a != b || s.pages.hits != 1 {
		t.Errorf("second /attack/: same %v, %d hits", a == b, s.pages.hits)
	}
	if c := get(t, s, "/attack/?covered=1").Body.String(); c == a || s.pages.hits != 1 {
		t.Error("another query string got the kept page")
	}
	if w := get(t, s, "/attack/", "If-None-Match", get(t, s, "/attack/").Header().Get("ETag")); w.Code != 304 {
		t.Errorf("If-None-Match on a kept page: %d", w.Code)
	}
	if w := get(t, s, "/rules/kusto/Nope/"); w.Code != 404 || s.pages.items["/rules/kusto/Nope/"] != nil {
		t.Error("an error page was kept")
	}

	c := newPageCache(100)
	c.put("a", make([]byte, 40))
	c.put("b", make([]byte, 40))
	c.get("a")
	c.put("c", make([]byte, 40)) // drops b, the least recently used
	c.put("big", make([]byte, 101))
	_, okA := c.get("a")
	_, okB := c.get("b")
	_, okC := c.get("c")
	_, okBig := c.get("big")
	if !okA || okB || !okC || okBig || c.size != 80 {
		t.Errorf("a %v b %v c %v big %v, size %d", okA, okB, okC, okBig, c.size)
	}
	c.put("a", make([]byte, 10))
	if c.size != 50 {
		t.Errorf("replacing a page: size %d", c.size)
	}
}
