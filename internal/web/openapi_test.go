package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/ruledex/ruledex/internal/catalog"
	"github.com/ruledex/ruledex/internal/ingest"
	"github.com/ruledex/ruledex/internal/rule"
)

// openAPIRequests are real requests of every route of the API on the test
// catalog (testCatalog), the answers expected: 200s, and the errors the
// document describes. TestOpenAPI fails for a route of the table with no
// request here, so that a new route is checked.
var openAPIRequests = map[string][]struct {
	target string
	status int
}{
	"/api/v1/{$}":          {{"/api/v1/", 200}},
	"/api/v1/openapi.json": {{"/api/v1/openapi.json", 200}},
	"/api/v1/stats":        {{"/api/v1/stats", 200}},
	"/api/v1/rules": {{"/api/v1/rules", 200}, {"/api/v1/rules?facet=platform=sigma&per_page=2&page=1", 200},
		{"/api/v1/rules?f=platform:kusto", 200}, {"/api/v1/rules?facet=operator=where", 200}, {"/api/v1/rules?facet=nope=x", 400}, {"/api/v1/rules?sort=date", 200}},
	"/api/v1/rules/{platform}/{slug}/findings": {{"/api/v1/rules/" + seedID + "/findings", 200}, {"/api/v1/rules/kusto/Nope/findings", 404}},
	"/api/v1/rules/{platform}/{slug...}": {{"/api/v1/rules/" + seedID, 200}, {"/api/v1/rules/" + seedID + ".json", 200},
		{"/api/v1/rules/" + seedID[:len(seedID)-1] + "x", 404}, {"/api/v1/rules/kusto/Nope", 404}},
	"/api/v1/links/{list}/{platform}/{slug...}": {{"/api/v1/links/same-action/" + seedID, 200},
		{"/api/v1/links/near-duplicates/" + seedID + "?page=1&per_page=2", 200}, {"/api/v1/links/same-behaviour/" + seedID, 200},
		{"/api/v1/links/nope/" + seedID, 404}, {"/api/v1/links/same-action/kusto/Nope", 404}, {"/api/v1/links/same-action/" + seedID + "?per_page=5000", 400}},
	"/api/v1/search": {{"/api/v1/search?q=runCommand", 200}, {"/api/v1/search?q=runCommand&facet=platform=kusto&facet=tag=x", 200},
		{"/api/v1/search?q=%22open", 400}, {"/api/v1/search?per_page=100000", 400}},
	"/api/v1/indicators": {{"/api/v1/indicators?field=OperationNameValue", 200},
		{"/api/v1/indicators?field=operationnamevalue&kind=eq&value=microsoft.compute/virtualMachines/runCommand/action", 200},
		{"/api/v1/indicators?value=x", 400}},
	"/api/v1/facets/{key}":         {{"/api/v1/facets/platform", 200}, {"/api/v1/facets/operator", 200}, {"/api/v1/facets/tag", 200}, {"/api/v1/facets/nope", 404}},
	"/api/v1/actions":              {{"/api/v1/actions?value=runCommand", 200}, {"/api/v1/actions", 400}},
	"/api/v1/repos/{name}":         {{"/api/v1/repos/hybridbrothers-seeds", 200}, {"/api/v1/repos/nope", 404}},
	"/api/v1/tables/{name}/fields": {{"/api/v1/tables/AzureActivity/fields", 200}, {"/api/v1/tables/Nope/fields", 404}},
	"/api/v1/findings":             {{"/api/v1/findings", 200}},
	"/api/v1/findings/{check}": {{"/api/v1/findings/attack-missing", 200}, {"/api/v1/findings/attack-missing?page=1&per_page=2", 200},
		{"/api/v1/findings/no-such-check", 404}},
	"/api/v1/canonical": {{"/api/v1/canonical?field=process.name&kind=eq&value=certutil.exe", 200},
		{"/api/v1/canonical?field=process.name", 400}},
	"/api/v1/coverage":  {{"/api/v1/coverage", 200}},
	"/api/v1/navigator": {{"/api/v1/navigator", 200}},
}

// TestOpenAPI validates the OpenAPI document the server gives (with
// kin-openapi, as OpenAPI 3.1: JSON Schema 2020-12), then makes real
// requests of every route of the route table and validates each request
// and answer against the document.
func TestOpenAPI(t *testing.T) {
	s := newTestServer(t)
	w := get(t, s, "/api/v1/openapi.json")
	if w.Code != 200 {
		t.Fatalf("openapi.json: %d %s", w.Code, w.Body)
	}
	ctx := t.Context()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(w.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !doc.IsOpenAPI31OrLater() || doc.IsOpenAPI32OrLater() {
		t.Fatalf("openapi %q, want 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(ctx); err != nil {
		t.Fatalf("the document is not valid OpenAPI 3.1: %v", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	table := apiRouteTable()
	if len(doc.Paths.Map()) != len(table) {
		t.Errorf("%d paths in the document, %d routes", len(doc.Paths.Map()), len(table))
	}
	var index apiIndexJSON
	decodeJSON(t, get(t, s, "/api/v1/"), &index)
	if len(index.Routes) != len(table) {
		t.Errorf("the index lists %d routes, the table has %d", len(index.Routes), len(table))
	}
	for i, r := range table {
		if doc.Paths.Find(r.OpenAPIPath()) == nil {
			t.Errorf("%s: not in the document", r.Path)
		}
		if i < len(index.Routes) && (index.Routes[i].Path != r.OpenAPIPath() || index.Routes[i].Method != "GET" || index.Routes[i].Summary == "") {
			t.Errorf("index route %d: %+v, want %s", i, index.Routes[i], r.OpenAPIPath())
		}
		reqs := openAPIRequests[r.Path]
		if len(reqs) == 0 {
			t.Errorf("%s: no request of this route in openAPIRequests", r.Path)
		}
		ok200 := false
		var h http.Handler = s
		if r.Path == "/api/v1/canonical" {
			h = canonicalServer(t) // the test catalog has no canonical indicator
		}
		for _, tc := range reqs {
			w := get(t, h, tc.target)
			if w.Code != tc.status {
				t.Errorf("%s: %d, want %d: %s", tc.target, w.Code, tc.status, w.Body)
				continue
			}
			ok200 = ok200 || w.Code == 200
			validateExchange(t, router, tc.target, w)
		}
		if !ok200 {
			t.Errorf("%s: no request answered 200", r.Path)
		}
	}
	// Each request reached the route it names: a route the table lists but
	// the server answered with the catch-all would have failed above (its
	// 404 for a 200); and a path no route has is a 404 the document does
	// not describe.
	if _, _, err := router.FindRoute(httptest.NewRequest("GET", "/api/v1/nosuchroute", nil)); err == nil {
		t.Error("the router found a route for /api/v1/nosuchroute")
	}
}

// validateExchange validates a request and the server's answer against the
// document.
func validateExchange(t *testing.T, router routers.Router, target string, w *httptest.ResponseRecorder) {
	t.Helper()
	req := httptest.NewRequest("GET", "http://localhost"+target, nil)
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Errorf("%s: no route in the document: %v", target, err)
		return
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{MultiError: true}}
	if w.Code < 400 {
		if err := openapi3filter.ValidateRequest(t.Context(), in); err != nil {
			t.Errorf("%s: the request does not fit the document: %v", target, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: w.Code, Header: w.Header(),
		Options: &openapi3filter.Options{MultiError: true, IncludeResponseStatus: true}}
	out.SetBodyBytes(w.Body.Bytes())
	if err := openapi3filter.ValidateResponse(t.Context(), out); err != nil {
		msg := err.Error()
		if len(msg) > 3000 {
			msg = msg[:3000] + "…"
		}
		t.Errorf("%s: the answer (%d) does not fit the document: %s", target, w.Code, msg)
	}
}

// TestOpenAPIFailsOnDrift shows that the check can fail: an answer with a
// property the document does not name, or without one it requires, is
// rejected.
func TestOpenAPIFailsOnDrift(t *testing.T) {
	s := newTestServer(t)
	w := get(t, s, "/api/v1/openapi.json")
	doc, err := openapi3.NewLoader().LoadFromData(w.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	stats := get(t, s, "/api/v1/stats")
	var m map[string]any
	if err := json.Unmarshal(stats.Body.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	for name, change := range map[string]func(map[string]any){
		"extra property":   func(m map[string]any) { m["surprise"] = 1 },
		"missing property": func(m map[string]any) { delete(m, "rules") },
		"wrong type":       func(m map[string]any) { m["rules"] = "many" },
	} {
		c := map[string]any{}
		for k, v := range m {
			c[k] = v
		}
		change(c)
		body, _ := json.Marshal(c)
		req := httptest.NewRequest("GET", "http://localhost/api/v1/stats", nil)
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Fatal(err)
		}
		out := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
			Status:                 200, Header: http.Header{"Content-Type": {"application/json"}}}
		out.SetBodyBytes(body)
		if err := openapi3filter.ValidateResponse(t.Context(), out); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestAPIIndexIsData: the index lists routes as data, one object each.
func TestAPIIndexIsData(t *testing.T) {
	s := newTestServer(t)
	var raw map[string]json.RawMessage
	decodeJSON(t, get(t, s, "/api/v1/"), &raw)
	var routes []map[string]string
	if err := json.Unmarshal(raw["routes"], &routes); err != nil {
		t.Fatalf("routes: %v", err)
	}
	for _, r := range routes {
		if len(r) != 3 || r["method"] != "GET" || !strings.HasPrefix(r["path"], "/api/v1/") || r["summary"] == "" ||
			strings.ContainsAny(r["path"], " ?&") {
			t.Errorf("route %v: want {method, path, summary}", r)
		}
	}
}

// TestAPIRoutesOnlyInTable: no file of the package registers an API route
// but the route table's (apiroutes.go), so that the document describes
// every route served.
func TestAPIRoutesOnlyInTable(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`Handle(Func)?\("(GET |HEAD |POST )?/api/v`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "apiroutes.go" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if loc := re.FindIndex(data); loc != nil {
			t.Errorf("%s registers an API route outside the route table (apiroutes.go): %s", f, data[loc[0]:loc[1]])
		}
	}
}

// canonicalServer serves a catalog with canonical indicators: a Sigma rule
// and a KQL query for certutil, cross-referenced.
func canonicalServer(t *testing.T) *Server {
	t.Helper()
	dir := t.TempDir()
	for name, body := range map[string]string{
		"sigma/certutil.yml": "title: Certutil Download\nid: 6c1b3c5e-2a4e-4d7e-9a43-4e1b0f6f1a11\nlogsource:\n    category: process_creation\n    product: windows\n" +
			"detection:\n    selection:\n        Image|endswith: '\\certutil.exe'\n    condition: selection\nlevel: high\n",
		"kql/certutil.kql": "DeviceProcessEvents\n| where FileName =~ \"certutil.exe\"\n",
		"kql/net.kql":      "DeviceNetworkEvents\n| where RemotePort == 4444\n",
		"kql/reg.kql":      "DeviceRegistryEvents\n| where RegistryKey has \"RunOnce\"\n",
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err := ingest.Read(t.Context(), []ingest.Target{{Repo: "fixture", Path: dir}}, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var rs []*rule.Rule
	for _, fr := range res {
		rs = append(rs, fr.Rules...)
	}
	catalog.CrossReference(rs)
	s, err := New(catalogOf(t, rs))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRuleTypoSuggests: a rule id with a typo answers 404 naming the rule,
// on the page (a link) and in the API (did_you_mean).
func TestRuleTypoSuggests(t *testing.T) {
	s := newTestServer(t)
	typo := seedID[:len(seedID)-1] + "x"
	w := get(t, s, RulePath(typo))
	if w.Code != 404 || !strings.Contains(w.Body.String(), `href="`+RulePath(seedID)+`"`) {
		t.Errorf("page %s: %d, no link to %s", RulePath(typo), w.Code, seedID)
	}
	var e apiErrorJSON
	w = get(t, s, "/api/v1/rules/"+typo)
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || w.Code != 404 || len(e.DidYouMean) == 0 || e.DidYouMean[0].ID != seedID {
		t.Errorf("API %s: %d %s", typo, w.Code, w.Body)
	}
	w = get(t, s, "/search?q=%22open")
	if w.Code != 400 || !strings.Contains(w.Body.String(), "unterminated quote") {
		t.Errorf("search with an open quote: %d", w.Code)
	}
}
