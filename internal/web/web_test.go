package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/catalog"
)

func newTestServer(t testing.TB) *Server {
	t.Helper()
	s, err := New(testCatalog(t))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func get(t testing.TB, h http.Handler, path string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func TestPages(t *testing.T) {
	s := newTestServer(t)
	seed := RulePath("kusto/DetectAzureScriptOrRunCommandByRiskyUser")
	tests := []struct {
		name, path string
		status     int
		want       []string
	}{
		{"home", "/", 200, []string{"Detection rules, read and cross-referenced", `action="/search/"`, "hybridbrothers-seeds", "Most read tables", `href="/tables/azureactivity/"`, "Most covered techniques", `href="/attack/T1651/"`}},
		{"browse", "/rules/", 200, []string{"All rules", "Detect Custom Script or Run Command deployment by risky user", `class="facets"`, "Remote File Download Via Certutil.EXE"}},
		{"browse facet", "/rules/?f=platform:sigma", 200, []string{"Rules — platform: sigma", "Certutil", "remove"}},
		{"browse bad facet", "/rules/?f=nope:x", 400, []string{"bad facet"}},
		{"browse bad page", "/rules/?page=abc", 400, []string{"bad page"}},
		{"browse too many facets", "/rules/?" + strings.Repeat("f=platform:x&", 21), 400, []string{"at most 20"}},
		{"search too long", "/search?q=" + strings.Repeat("x", 501), 400, []string{"longer than 500"}},
		{"browse page past end", "/rules/?page=99", 404, nil},
		{"rule page", seed, 200, []string{
			`<nav class="crumbs"`, "Detection rules", ">kusto<",
			"Detect Custom Script or Run Command deployment by risky user",
			"time window", "1h", "group by", "Robbe Van den Daele",
			`href="https://github.com/HybridBrothers/Hunting-Queries-Detection-Rules/blob/main/Azure/DetectAzureScriptOrRunCommandByRiskyUser.md#L32"`, // the file at the rule's line
			"MITRE ATT&amp;CK", "Execution", `href="/attack/T1651/"`, "Cloud Administration Command", "Lateral Movement", `href="/attack/T1021.008/"`,
			"References", "Event coverage", `<code>Microsoft.Compute/virtualMachines/runCommand/action</code></a>`, "Rules detecting the same action", `href="/rules/kusto/DetectFirstTimeAzureCustomScriptOrRunCommand/"`,
			`<span class="k">where</span>`, `id="L32"`, "Stages and predicates", "inner pipeline", "AADUserRiskEvents", "time window 14d",
			"eq (case-insensitive)", "eq (case-sensitive)", `href="/indicators/operationnamevalue/eq/microsoft.compute~2Fvirtualmachines~2Fruncommand~2Faction/"`,
			"Output fields", "list_ActivityStatusValue", `href="#stage-6"`, "Explanation",
			`href="/tables/azureactivity/"`, `href="/search/?q=make_list"`}},
		{"rule section order", seed, 200, nil},
		{"rule missing", "/rules/kusto/Nope/", 404, []string{"not found"}},
		{"rule without slash", "/rules/kusto/DetectAzureScriptOrRunCommandByRiskyUser", 404, nil},
		{"sigma rule", "/rules/sigma/proc_creation_win_certutil_remote_download/", 200, []string{"Remote File Download Via Certutil.EXE", `<span class="m">|endswith</span>`, "Indicators", "selection"}},
		{"search", "/search?q=runCommand", 200, []string{"Search: runCommand", "<mark>", "Detect Custom Script or Run Command deployment by risky user", "Detect First Time Azure Custom Script Or Run Command"}},
		{"search slash", "/search/?q=certutil&f=platform:sigma", 200, []string{"Certutil", `name="facet" value="platform=sigma"`}},
		{"search nothing", "/search?q=zzzzqqq", 200, []string{"No rule found."}},
		{"attack", "/attack/", 200, []string{"ATT&amp;CK coverage", "Execution", `href="/attack/T1651/"`, "heat", "<details>", "T1021.008"}},
		{"technique", "/attack/T1651/", 200, []string{"T1651 Cloud Administration Command", "Detect Custom Script or Run Command deployment by risky user", "p-kusto", `href="/rules/?facet=technique%3DT1651&amp;facet=platform%3Dkusto"`}},
		{"technique parent", "/attack/T1021/", 200, []string{"Sub-techniques", "T1021.008", "Detect Custom Script"}},
		{"technique lower", "/attack/t1651/", 200, []string{"T1651"}},
		{"technique none", "/attack/T9999/", 404, nil},
		{"tables", "/tables/", 200, []string{"Tables and log sources", `href="/tables/azureactivity/"`, `href="/tables/windows~2F~2Fprocess_creation/"`}},
		{"table", "/tables/AzureActivity/", 200, []string{"Table AzureActivity", "Detect Custom Script"}},
		{"table sigma", "/tables/windows~2F~2Fprocess_creation/", 200, []string{"windows//process_creation", "Certutil"}},
		{"table missing", "/tables/NoSuchTable/", 404, nil},
		{"repos", "/repos/", 200, []string{"Repositories", `href="/repos/hybridbrothers-seeds/"`}},
		{"repo", "/repos/hybridbrothers-seeds/", 200, []string{"Repository hybridbrothers-seeds", "Detect First Time"}},
		{"events", "/events/", 200, []string{"Azure Activity", `href="/events/azure~20activity/microsoft.compute~2Fvirtualmachines~2Fruncommand~2Faction/"`}},
		{"event", "/events/Azure~20Activity/Microsoft.Compute~2FvirtualMachines~2FrunCommand~2Faction/", 200, []string{"Detect First Time", "Detect Custom Script"}},
		{"by index", "/by/platform/", 200, []string{"sigma", "kusto"}},
		{"by value", "/by/platform/sigma/", 200, []string{"Platform: sigma", "Certutil"}},
		{"by tactic", "/by/tactic/execution/", 200, []string{"Tactic: Execution"}},
		{"by bad key", "/by/nope/x/", 404, nil},
		{"field", "/fields/operationnamevalue/", 200, []string{"Field OperationNameValue", "Microsoft.Compute/virtualMachines/runCommand/action"}},
		{"field missing", "/fields/NoSuchField/", 404, nil},
		{"indicators", "/indicators/", 200, []string{"Indicators", "OperationNameValue", "CommandLine"}},
		{"indicators find", "/indicators/?q=certutil", 200, []string{"certutil.exe"}},
		{"indicator white space", "/indicators/?q=urlcache", 200, []string{`<span class="sp" title="white space">`}},
		{"indicator", "/indicators/operationnamevalue/eq/microsoft.compute~2Fvirtualmachines~2Fruncommand~2Faction/", 200, []string{"Detect Custom Script", "rules match this field, operator and value: kusto"}},
		{"indicator missing", "/indicators/OperationNameValue/eq/nope/", 404, nil},
		{"indicator bad escape", "/indicators/Op/eq/~ZZ/", 404, nil},
		{"static css", "/static/style.css", 200, []string{"prefers-color-scheme"}},
		{"static js", "/static/app.js", 200, []string{"data-theme"}},
		{"static missing", "/static/nope.css", 404, nil},
		{"static traversal encoded", "/static/..%2fweb.go", 404, nil},
		{"unknown", "/nope", 404, []string{"no such page"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := get(t, s, tt.path)
			if w.Code != tt.status {
				if w.Code == http.StatusMovedPermanently {
					t.Fatalf("%s: status %d (redirect to %s), want %d", tt.path, w.Code, w.Header().Get("Location"), tt.status)
				}
				t.Fatalf("%s: status %d, want %d\n%s", tt.path, w.Code, tt.status, w.Body.String())
			}
			body := w.Body.String()
			for _, want := range tt.want {
				if !strings.Contains(body, want) {
					t.Errorf("%s: body lacks %q", tt.path, want)
				}
			}
			if w.Header().Get("Content-Security-Policy") == "" || w.Header().Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s: security headers missing: %v", tt.path, w.Header())
			}
			if strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") && strings.Contains(body, "<script>") {
				t.Errorf("%s: inline script in page", tt.path)
			}
		})
	}
}

// TestRuleSectionOrder checks that the rule page's sections come in DESIGN.md's order.
func TestRuleSectionOrder(t *testing.T) {
	s := newTestServer(t)
	body := get(t, s, RulePath("kusto/DetectAzureScriptOrRunCommandByRiskyUser")).Body.String()
	order := []string{`class="crumbs"`, "<h1>", `class="head"`, `id="description"`, `id="attack"`, `id="references"`,
		`id="events"`, `id="same-action"`, `id="body"`, `id="stages"`, `id="indicators"`, `id="outputs"`, `id="explanation"`, `id="terms"`}
	last := -1
	for _, o := range order {
		i := strings.Index(body, o)
		if i < 0 {
			t.Fatalf("section %s missing", o)
		}
		if i < last {
			t.Errorf("section %s out of order", o)
		}
		last = i
	}
}

func TestETag(t *testing.T) {
	s := newTestServer(t)
	for _, p := range []string{"/", RulePath("kusto/DetectAzureScriptOrRunCommandByRiskyUser"), "/api/v1/rules/kusto/DetectAzureScriptOrRunCommandByRiskyUser", "/static/style.css"} {
		w := get(t, s, p)
		etag := w.Header().Get("ETag")
		if w.Code != 200 || etag == "" {
			t.Fatalf("%s: status %d, etag %q", p, w.Code, etag)
		}
		w2 := get(t, s, p, "If-None-Match", etag)
		if w2.Code != http.StatusNotModified || w2.Body.Len() != 0 {
			t.Errorf("%s: If-None-Match: status %d, %d bytes", p, w2.Code, w2.Body.Len())
		}
		w3 := get(t, s, p, "If-None-Match", `"other"`)
		if w3.Code != 200 {
			t.Errorf("%s: stale etag: status %d", p, w3.Code)
		}
	}
	// Different URLs have different ETags.
	a := get(t, s, "/search?q=a").Header().Get("ETag")
	b := get(t, s, "/search?q=b").Header().Get("ETag")
	if a == b {
		t.Error("two searches share an ETag")
	}
	// Errors carry none.
	if e := get(t, s, "/rules/kusto/Nope/").Header().Get("ETag"); e != "" {
		t.Errorf("404 has ETag %s", e)
	}
}

func TestMethods(t *testing.T) {
	s := newTestServer(t)
	for _, p := range []string{"/", "/api/v1/rules"} {
		req := httptest.NewRequest("POST", p, strings.NewReader("x"))
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if w.Code != http.StatusMethodNotAllowed {
			t.Errorf("POST %s: status %d", p, w.Code)
		}
	}
	req := httptest.NewRequest("HEAD", "/", nil)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	if w.Code != 200 || w.Body.Len() != 0 {
		t.Errorf("HEAD /: status %d, %d bytes", w.Code, w.Body.Len())
	}
}

func decodeJSON(t *testing.T, w *httptest.ResponseRecorder, v any) {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("content type %q", ct)
	}
	if err := json.Unmarshal(w.Body.Bytes(), v); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, w.Body.String())
	}
}

func TestAPI(t *testing.T) {
	s := newTestServer(t)
	t.Run("index", func(t *testing.T) {
		var v map[string]any
		w := get(t, s, "/api/v1/")
		decodeJSON(t, w, &v)
		if v["routes"] == nil {
			t.Error("no routes")
		}
	})
	t.Run("stats", func(t *testing.T) {
		var st Stats
		decodeJSON(t, get(t, s, "/api/v1/stats"), &st)
		if st.Rules < 7 || st.ByPlatform["sigma"] < 4 {
			t.Errorf("stats %+v", st)
		}
	})
	t.Run("rule", func(t *testing.T) {
		w := get(t, s, "/api/v1/rules/kusto/DetectAzureScriptOrRunCommandByRiskyUser")
		if w.Code != 200 {
			t.Fatalf("status %d", w.Code)
		}
		want, _ := json.Marshal(seedRuleFromCatalog(t, s))
		if strings.TrimSpace(w.Body.String()) != string(want) {
			t.Errorf("rule JSON is not json.Marshal of the rule")
		}
		var m map[string]any
		decodeJSON(t, w, &m)
		for _, k := range []string{"id", "platform", "language", "stages", "indicators", "outputs", "same_action", "near_duplicates", "diagnostics"} {
			if _, ok := m[k]; !ok {
				t.Errorf("no %s", k)
			}
		}
		if m["near_duplicates"] == nil || m["diagnostics"] == nil {
			t.Error("null list in the contract")
		}
	})
	t.Run("rule missing", func(t *testing.T) {
		w := get(t, s, "/api/v1/rules/kusto/Nope")
		var e map[string]string
		decodeJSON(t, w, &e)
		if w.Code != 404 || e["error"] == "" {
			t.Errorf("status %d, %v", w.Code, e)
		}
	})
	t.Run("rules", func(t *testing.T) {
		var res Result
		decodeJSON(t, get(t, s, "/api/v1/rules?facet=platform:sigma&per_page=2"), &res)
		if res.Total != 4 || len(res.Hits) != 2 || res.PerPage != 2 {
			t.Errorf("total %d, hits %d", res.Total, len(res.Hits))
		}
		for _, h := range res.Hits {
			if h.Platform != "sigma" {
				t.Errorf("hit of platform %s", h.Platform)
			}
		}
		if len(res.Facets["platform"]) == 0 {
			t.Error("no facet counts")
		}
	})
	t.Run("search", func(t *testing.T) {
		var res Result
		decodeJSON(t, get(t, s, "/api/v1/search?q=runCommand"), &res)
		if res.Total < 2 {
			t.Fatalf("total %d", res.Total)
		}
		h := res.Hits[0]
		if h.Marks == nil || h.Snippet == "" {
			t.Fatalf("hit without snippet: %+v", h)
		}
		for _, m := range h.Marks {
			if !strings.EqualFold(h.Snippet[m.Start:m.End], "runcommand") {
				t.Errorf("mark %v covers %q", m, h.Snippet[m.Start:m.End])
			}
		}
	})
	t.Run("search facets", func(t *testing.T) {
		var res Result
		decodeJSON(t, get(t, s, "/api/v1/search?q=certutil&facet=platform:nosuchplatform"), &res)
		if res.Total != 0 {
			t.Errorf("total %d", res.Total)
		}
	})
	for _, bad := range []string{"/api/v1/search?facet=bad", "/api/v1/search?page=0", "/api/v1/search?per_page=100000", "/api/v1/rules?q=x", "/api/v1/indicators?value=x"} {
		t.Run("bad "+bad, func(t *testing.T) {
			w := get(t, s, bad)
			var e map[string]string
			decodeJSON(t, w, &e)
			if w.Code != 400 || e["error"] == "" {
				t.Errorf("status %d, %v", w.Code, e)
			}
		})
	}
	t.Run("indicators", func(t *testing.T) {
		var l IndicatorList
		// The seed rule's two values, and those of the KQL examples that
		// look at the same operations.
		decodeJSON(t, get(t, s, "/api/v1/indicators?field=OperationNameValue"), &l)
		seen := map[string]bool{}
		for _, in := range l.Indicators {
			if !strings.EqualFold(in.Field, "OperationNameValue") || in.Rules < 1 {
				t.Errorf("indicator %+v", in)
			}
			seen[in.Kind+" "+strings.ToLower(in.Value)] = true
		}
		if l.Total != len(l.Indicators) || !seen["eq microsoft.compute/virtualmachines/runcommand/action"] || !seen["eq microsoft.compute/virtualmachines/extensions/write"] {
			t.Errorf("total %d: %+v", l.Total, l)
		}
		var r IndicatorResult
		decodeJSON(t, get(t, s, "/api/v1/indicators?field=operationnamevalue&kind=eq&value=microsoft.compute/virtualMachines/runCommand/action"), &r)
		found := false
		for _, u := range r.Rules {
			found = found || u.ID == "kusto/DetectAzureScriptOrRunCommandByRiskyUser"
			if catalog.MatchKind(u.Kind) != "eq" {
				t.Errorf("use of kind %s: %+v", u.Kind, u)
			}
		}
		if !found || r.Field != "OperationNameValue" {
			t.Errorf("%+v", r)
		}
	})
	t.Run("facet", func(t *testing.T) {
		var f struct {
			Facet  string       `json:"facet"`
			Values []FacetCount `json:"values"`
		}
		decodeJSON(t, get(t, s, "/api/v1/facets/platform"), &f)
		if f.Facet != "platform" || len(f.Values) < 2 {
			t.Errorf("%+v", f)
		}
		if w := get(t, s, "/api/v1/facets/nope"); w.Code != 404 {
			t.Errorf("unknown facet: %d", w.Code)
		}
	})
	t.Run("coverage", func(t *testing.T) {
		var c Coverage
		first := get(t, s, "/api/v1/coverage")
		decodeJSON(t, first, &c)
		if c.Covered < 3 || len(c.Tactics) < 14 {
			t.Errorf("%+v", c)
		}
		// Encoded once (Server.coverageJSON), answered as encoded then.
		cov, err := s.cat.Coverage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(cov)
		again := get(t, s, "/api/v1/coverage")
		if first.Body.String() != string(want)+"\n" || again.Body.String() != first.Body.String() ||
			again.Header().Get("Content-Type") != "application/json; charset=utf-8" {
			t.Errorf("the coverage answered again is not the coverage encoded: %d and %d bytes, want %d", first.Body.Len(), again.Body.Len(), len(want)+1)
		}
		if b, ok := s.covJSON.Load(covKey{cov, false}); !ok || string(b.(json.RawMessage)) != string(want) {
			t.Errorf("the coverage's JSON is not kept")
		}
	})
	t.Run("navigator", func(t *testing.T) {
		var l struct {
			Domain     string `json:"domain"`
			Techniques []struct {
				TechniqueID string `json:"techniqueID"`
				Tactic      string `json:"tactic"`
				Score       int    `json:"score"`
			} `json:"techniques"`
		}
		w := get(t, s, "/api/v1/navigator")
		decodeJSON(t, w, &l)
		// Compact, as every answer of the API (the layer is made indented).
		if cov, err := s.cat.Coverage(context.Background()); err == nil {
			b, _ := navigatorJSON(cov)
			want, _ := json.Marshal(json.RawMessage(b))
			if w.Body.String() != string(want)+"\n" {
				t.Errorf("the layer answered is not the layer compacted: %d bytes, want %d", w.Body.Len(), len(want)+1)
			}
		}
		found := false
		for _, t := range l.Techniques {
			if t.TechniqueID == "T1651" && t.Tactic == "execution" && t.Score >= 2 {
				found = true
			}
		}
		if l.Domain != "enterprise-attack" || !found {
			t.Errorf("%+v", l)
		}
	})
	t.Run("unknown", func(t *testing.T) {
		w := get(t, s, "/api/v2/x")
		var e map[string]string
		decodeJSON(t, w, &e)
		if w.Code != 404 {
			t.Errorf("status %d", w.Code)
		}
	})
}

func seedRuleFromCatalog(t *testing.T, s *Server) any {
	r, err := s.cat.Rule(t.Context(), "kusto/DetectAzureScriptOrRunCommandByRiskyUser")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// hrefRE finds the links and sources of a page.
var hrefRE = regexp.MustCompile(`(?i)(href|src|action)\s*=\s*"([^"]*)"`)

// tagRE finds the tags of a page; escaped text never starts one.
var tagRE = regexp.MustCompile(`<[a-zA-Z][^<>]*>`)

// quotedRE finds quoted attribute values, where escaped text is inert.
var quotedRE = regexp.MustCompile(`"[^"]*"`)

// eventAttrRE finds event handler attributes in a tag.
var eventAttrRE = regexp.MustCompile(`(?i)\son[a-z]+\s*=`)

// checkInert fails when body holds live markup from the hostile rule: a
// script or img element, an event handler attribute, or a link whose target
// is a javascript: or data: URL.
func checkInert(t *testing.T, where, body string) {
	t.Helper()
	for _, tag := range tagRE.FindAllString(body, -1) {
		low := strings.ToLower(tag)
		if strings.HasPrefix(low, "<script") && !strings.Contains(low, ` src="`) {
			t.Errorf("%s: inline script %q", where, tag)
		}
		if strings.HasPrefix(low, "<img") || strings.HasPrefix(low, "<iframe") || strings.HasPrefix(low, "<object") {
			t.Errorf("%s: element from rule text %q", where, tag)
		}
		if eventAttrRE.MatchString(quotedRE.ReplaceAllString(tag, `""`)) {
			t.Errorf("%s: event handler in %q", where, tag)
		}
	}
	for _, m := range hrefRE.FindAllStringSubmatch(body, -1) {
		v := strings.ToLower(strings.TrimSpace(m[2]))
		if strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "data:") || strings.HasPrefix(v, "vbscript:") {
			t.Errorf("%s: live %s=%q", where, m[1], m[2])
		}
	}
}

// TestHostileRule renders every page that shows the hostile rule's text and
// checks that nothing of it is live markup or a javascript: link.
func TestHostileRule(t *testing.T) {
	s := newTestServer(t)
	r := hostileRule()
	h := hostileScript + hostileImg + hostileJS
	paths := []string{
		RulePath(r.ID), "/", "/rules/", "/search?q=evil", "/search?q=" + queryEscape(hostileScript), "/attack/", "/attack/T1059/",
		"/tables/", TablePath(h), "/repos/", RepoPath(r.Source.Repo), "/events/", EventPath(h, h),
		"/by/author/", FacetPath("author", h), "/by/severity/", "/indicators/", FieldPath(h), IndicatorPath(h, "eq", h), IndicatorPath(h, "eq", hostileJS),
		FieldPath("CommandLine"), "/rules/?f=" + queryEscape("table:"+h),
	}
	for _, p := range paths {
		w := get(t, s, p)
		if w.Code != 200 {
			t.Errorf("%s: status %d", p, w.Code)
			continue
		}
		checkInert(t, p, w.Body.String())
	}
	// The API returns the text as JSON strings, with the content type that keeps browsers from sniffing.
	w := get(t, s, "/api/v1/rules/"+r.ID)
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		t.Errorf("api: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	if strings.Contains(w.Body.String(), "<script>") {
		t.Error("api: raw <script> in JSON (json.Marshal escapes it)")
	}
}

func TestNoReadOutside(t *testing.T) {
	s := newTestServer(t)
	for _, p := range []string{"/static/../../go.mod", "/static/%2e%2e/%2e%2e/go.mod", "/static//etc/passwd", "/rules/../../go.mod", "/static/templates/layout.html"} {
		w := get(t, s, p)
		if w.Code == 200 {
			b, _ := io.ReadAll(w.Body)
			t.Errorf("%s: status 200: %.80s", p, b)
		}
	}
}

// TestConcurrent serves many pages at once (run with -race).
func TestConcurrent(t *testing.T) {
	s := newTestServer(t)
	paths := []string{"/", "/rules/", "/search?q=certutil", "/attack/", "/events/", "/tables/", RulePath(seedID), "/api/v1/search?q=run", "/indicators/"}
	done := make(chan bool)
	for g := 0; g < 8; g++ {
		go func(g int) {
			defer func() { done <- true }()
			for i := 0; i < 20; i++ {
				p := paths[(g+i)%len(paths)]
				req := httptest.NewRequest("GET", p, nil)
				w := httptest.NewRecorder()
				s.ServeHTTP(w, req)
				if w.Code != 200 {
					t.Errorf("%s: %d", p, w.Code)
				}
			}
		}(g)
	}
	for g := 0; g < 8; g++ {
		<-done
	}
}
