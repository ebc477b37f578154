package web

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/ruledex/ruledex/internal/lint"
	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/store"
)

// The API's route table: each route is registered from it (apiRoutes) and
// described from it, in the OpenAPI document (/api/v1/openapi.json) and
// the API index (/api/v1/), so that the routes served and the routes
// described cannot differ.

// apiRoute is one route of the API.
type apiRoute struct {
	// Path is the ServeMux pattern's path ({name...} for a wildcard that
	// takes the rest, {$} for the end); the method is GET (HEAD too).
	Path    string
	Summary string
	Params  []apiParam
	// Answer returns the JSON Schema of the route's answer (200).
	Answer  func(g *schemaGen) map[string]any
	handler func(s *Server) apiFunc
}

// apiParam is a parameter of a route: a path wildcard or a query parameter.
type apiParam struct {
	Name, In, Summary string // In: "path" or "query"
	Schema            map[string]any
	Required          bool
	Deprecated        bool
}

// OpenAPIPath is the path of the route as OpenAPI writes it.
func (r apiRoute) OpenAPIPath() string {
	p := strings.ReplaceAll(r.Path, "...}", "}")
	return strings.TrimSuffix(p, "{$}")
}

var (
	strSchema  = map[string]any{"type": "string"}
	pageSchema = map[string]any{"type": "integer", "minimum": 1, "maximum": 1_000_000}
)

func answerOf(v any) func(g *schemaGen) map[string]any {
	return func(g *schemaGen) map[string]any { return g.schemaOf(v) }
}

// object is the schema of an object with these properties, all required.
func objectSchema(props map[string]any) map[string]any {
	var req []string
	for k := range props {
		req = append(req, k)
	}
	sort.Strings(req)
	return map[string]any{"type": "object", "properties": props, "required": req, "additionalProperties": false}
}

func queryParam(name, summary string) apiParam {
	return apiParam{Name: name, In: "query", Summary: summary, Schema: strSchema}
}

func pathParam(name, summary string) apiParam {
	return apiParam{Name: name, In: "path", Summary: summary, Schema: strSchema, Required: true}
}

// listingParams are the parameters of a listing or a search.
func listingParams() []apiParam {
	facetKeys := make([]any, len(store.Facets))
	for i, f := range store.Facets {
		facetKeys[i] = f
	}
	return []apiParam{
		{Name: "facet", In: "query", Schema: map[string]any{"type": "array", "items": map[string]any{"type": "string", "pattern": "^[a-z]+[=:]"}},
			Summary: "keep rules with this facet value, KEY=VALUE (repeatable; values of one key are ORed, keys ANDed); the keys are " +
				strings.Join(store.Facets, ", ") + ". KEY:VALUE is read too."},
		{Name: "f", In: "query", Deprecated: true, Schema: map[string]any{"type": "array", "items": strSchema},
			Summary: "the same as facet (the older name)"},
		{Name: "sort", In: "query", Summary: "the order of the rules: " + strings.Join(store.Sorts, ", ") + " (default: title; a search, best match)",
			Schema: map[string]any{"type": "string", "enum": sortNames()}},
		{Name: "page", In: "query", Summary: "the page of results, from 1", Schema: pageSchema},
		{Name: "per_page", In: "query", Summary: "results per page (default 50, at most 1000)", Schema: pageSchema},
	}
}

func sortNames() []any {
	out := make([]any, len(store.Sorts))
	for i, s := range store.Sorts {
		out[i] = s
	}
	return out
}

// facetValuesJSON is the answer of /api/v1/facets/{key}.
type facetValuesJSON struct {
	Facet  string       `json:"facet"`
	Values []FacetCount `json:"values"`
}

// actionRulesJSON is the answer of /api/v1/actions.
type actionRulesJSON struct {
	Value string         `json:"value"`
	Rules []rule.RuleRef `json:"rules"`
}

// tableFieldsJSON is the answer of /api/v1/tables/{name}/fields.
type tableFieldsJSON struct {
	Table  string       `json:"table"`
	Fields []FieldCount `json:"fields"`
}

// apiIndexJSON is the answer of /api/v1/: the routes as data.
type apiIndexJSON struct {
	Version string         `json:"version"` // the catalog's (changes with every build)
	OpenAPI string         `json:"openapi"` // the path of the OpenAPI document
	Routes  []apiRouteInfo `json:"routes"`
	Facets  []string       `json:"facets"` // the facet keys filters take
}

// apiRouteInfo is a route as the index lists it.
type apiRouteInfo struct {
	Method  string `json:"method"`
	Path    string `json:"path"`
	Summary string `json:"summary"`
}

// apiRouteTable returns the API's routes.
func apiRouteTable() []apiRoute {
	return []apiRoute{
		{Path: "/api/v1/{$}", Summary: "this index: the routes of the API and the facet keys",
			Answer: answerOf(apiIndexJSON{}), handler: func(s *Server) apiFunc { return s.apiIndex }},
		{Path: "/api/v1/openapi.json", Summary: "the OpenAPI 3.1 document of the API",
			Answer: func(*schemaGen) map[string]any {
				return map[string]any{"type": "object", "required": []string{"openapi", "info", "paths"}}
			},
			handler: func(s *Server) apiFunc { return s.apiOpenAPI }},
		{Path: "/api/v1/stats", Summary: "counts of the catalog: rules by platform, language, kind and repository, tables, techniques, indicators",
			Answer: answerOf(Stats{}), handler: func(s *Server) apiFunc { return s.apiStats }},
		{Path: "/api/v1/rules", Summary: "a page of rules, by title, filtered by facets (third-party alert feeds left out)",
			Params: listingParams(), Answer: answerOf(Result{}), handler: func(s *Server) apiFunc { return s.apiRules }},
		{Path: "/api/v1/rules/{platform}/{slug}/findings", Summary: "what ruledex lint finds in one rule",
			Params: []apiParam{pathParam("platform", "the rule id's platform"), pathParam("slug", "the rule id's rest")},
			Answer: answerOf([]lint.Finding{}), handler: func(s *Server) apiFunc { return s.apiRuleFindings }},
		{Path: "/api/v1/rules/{platform}/{slug...}", Summary: "one rule: the JSON contract of ruledex parse (a typo in the id: 404 with the rules it may mean)",
			Params: []apiParam{pathParam("platform", "the rule id's platform"),
				pathParam("slug", "the rule id's rest, as in the rule page's path; .json may end it")},
			Answer: answerOf(rule.Rule{}), handler: func(s *Server) apiFunc { return s.apiRule }},
		{Path: "/api/v1/links/{list}/{platform}/{slug...}", Summary: "a page of one of a rule's lists of links: the rules of the same action, its near-duplicates or the rules of the same behaviour (a rule page shows the first 30 of each)",
			Params: []apiParam{{Name: "list", In: "path", Required: true, Summary: "same-action, near-duplicates or same-behaviour", Schema: strSchema},
				pathParam("platform", "the rule id's platform"), pathParam("slug", "the rule id's rest, as in the rule page's path"),
				{Name: "page", In: "query", Summary: "the page, from 1", Schema: pageSchema},
				{Name: "per_page", In: "query", Summary: "rules per page (default 200, at most 1000)", Schema: pageSchema}},
			Answer: answerOf(ruleLinksJSON{}), handler: func(s *Server) apiFunc { return s.apiRuleLinks }},
		{Path: "/api/v1/search", Summary: "a page of rules matching a text: words, \"phrases\", -not, prefix*, OR, title:word; with facets and snippets",
			Params: append([]apiParam{queryParam("q", "the search text")}, listingParams()...),
			Answer: answerOf(Result{}), handler: func(s *Server) apiFunc { return s.apiSearch }},
		{Path: "/api/v1/indicators", Summary: "a page of the distinct indicators (field, kind, value), most used first; with value=, the rules that match that one",
			Params: []apiParam{queryParam("field", "the indicator's field (exact, case-insensitive)"), queryParam("kind", "the match kind"),
				queryParam("q", "a part of the value"), queryParam("value", "one value: answer the rules that match field kind value"),
				{Name: "page", In: "query", Summary: "the page, from 1", Schema: pageSchema},
				{Name: "per_page", In: "query", Summary: "indicators per page (at most 1000)", Schema: pageSchema}},
			Answer: func(g *schemaGen) map[string]any {
				return map[string]any{"oneOf": []any{g.schemaOf(IndicatorList{}), g.schemaOf(IndicatorResult{})}}
			},
			handler: func(s *Server) apiFunc { return s.apiIndicators }},
		{Path: "/api/v1/facets/{key}", Summary: "every value of a facet with its number of rules, most frequent first",
			Params: []apiParam{{Name: "key", In: "path", Required: true, Summary: "the facet: " + strings.Join(store.Facets, ", "), Schema: strSchema}},
			Answer: answerOf(facetValuesJSON{}), handler: func(s *Server) apiFunc { return s.apiFacet }},
		{Path: "/api/v1/actions", Summary: "the rules that look at an action (an Azure operation, an event id, an event name...), in any language",
			Params: []apiParam{{Name: "value", In: "query", Required: true, Summary: "the action, whole or in part", Schema: strSchema}},
			Answer: answerOf(actionRulesJSON{}), handler: func(s *Server) apiFunc { return s.apiActions }},
		{Path: "/api/v1/repos/{name}", Summary: "a repository: its rules by platform and kind, their diagnostics, the last build",
			Params: []apiParam{pathParam("name", "the repository's name")},
			Answer: answerOf(RepoInfo{}), handler: func(s *Server) apiFunc { return s.apiRepo }},
		{Path: "/api/v1/tables/{name}/fields", Summary: "the fields of a table or log source that its rules use, with their number of rules",
			Params: []apiParam{pathParam("name", "the table (or its page path's segment)")},
			Answer: answerOf(tableFieldsJSON{}), handler: func(s *Server) apiFunc { return s.apiTableFields }},
		{Path: "/api/v1/findings", Summary: "every check of ruledex lint with its severity, message and numbers of rules and findings in the catalog",
			Answer: func(g *schemaGen) map[string]any {
				return objectSchema(map[string]any{"checks": map[string]any{"type": "array", "items": g.schemaOf(FindingCheck{})}})
			},
			handler: func(s *Server) apiFunc { return s.apiFindings }},
		{Path: "/api/v1/findings/{check}", Summary: "a page of the findings of one check, each with its rule",
			Params: []apiParam{pathParam("check", "the check's id (ruledex lint --list); .json may end it"),
				{Name: "page", In: "query", Summary: "the page, from 1", Schema: pageSchema},
				{Name: "per_page", In: "query", Summary: "findings per page (default 200, at most 1000)", Schema: pageSchema}},
			Answer: answerOf(CheckFindingList{}), handler: func(s *Server) apiFunc { return s.apiCheckFindings }},
		{Path: "/api/v1/canonical", Summary: "the rules of every platform that match one canonical indicator (a field of the common vocabulary), and how each writes it",
			Params: []apiParam{{Name: "field", In: "query", Required: true, Summary: "the canonical field", Schema: strSchema},
				queryParam("kind", "the match kind"),
				{Name: "value", In: "query", Required: true, Summary: "the value", Schema: strSchema}},
			Answer: answerOf(store.CanonicalResult{}), handler: func(s *Server) apiFunc { return s.apiCanonical }},
		{Path: "/api/v1/coverage", Summary: "ATT&CK coverage: tactics in matrix order, each technique with the rules that cover it",
			Answer: answerOf(Coverage{}), handler: func(s *Server) apiFunc { return s.apiCoverage }},
		{Path: "/api/v1/navigator", Summary: "the ATT&CK Navigator layer (format 4.5) of the coverage",
			Answer: func(*schemaGen) map[string]any {
				return map[string]any{"type": "object", "required": []string{"name", "domain", "techniques"}}
			},
			handler: func(s *Server) apiFunc { return s.apiNavigator }},
	}
}

// apiRoutes registers the API's routes on m.
func (s *Server) apiRoutes(m *http.ServeMux) {
	for _, r := range apiRouteTable() {
		m.HandleFunc("GET "+r.Path, s.api(r.handler(s)))
	}
	m.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeJSONError(w, http.StatusMethodNotAllowed, "method not allowed")
			return
		}
		writeJSONError(w, http.StatusNotFound, "no such API route; see /api/v1/")
	})
}

func (s *Server) apiIndex(context.Context, *http.Request) (any, error) {
	idx := apiIndexJSON{Version: s.cat.Version(), OpenAPI: "/api/v1/openapi.json", Facets: store.Facets}
	for _, r := range apiRouteTable() {
		idx.Routes = append(idx.Routes, apiRouteInfo{Method: http.MethodGet, Path: r.OpenAPIPath(), Summary: r.Summary})
	}
	return idx, nil
}

var (
	openAPIOnce sync.Once
	openAPIDoc  json.RawMessage
	openAPIErr  error
)

func (s *Server) apiOpenAPI(context.Context, *http.Request) (any, error) {
	openAPIOnce.Do(func() { openAPIDoc, openAPIErr = json.Marshal(OpenAPI()) })
	return openAPIDoc, openAPIErr
}

// OpenAPI returns the OpenAPI 3.1 document of the API, made from the
// route table.
func OpenAPI() map[string]any {
	g := newSchemaGen()
	errRef := g.schemaOf(apiErrorJSON{})
	errResp := func(what string) map[string]any {
		return map[string]any{"description": what, "content": map[string]any{"application/json": map[string]any{"schema": errRef}}}
	}
	paths := map[string]any{}
	for _, r := range apiRouteTable() {
		var params []any
		for _, p := range r.Params {
			q := map[string]any{"name": p.Name, "in": p.In, "description": p.Summary, "schema": p.Schema}
			if p.Required {
				q["required"] = true
			}
			if p.Deprecated {
				q["deprecated"] = true
			}
			if p.In == "query" {
				if t, _ := p.Schema["type"].(string); t == "array" {
					q["style"], q["explode"] = "form", true
				}
			}
			params = append(params, q)
		}
		op := map[string]any{
			"summary":     r.Summary,
			"operationId": operationID(r.OpenAPIPath()),
			"responses": map[string]any{
				"200": map[string]any{"description": "the answer",
					"content": map[string]any{"application/json": map[string]any{"schema": r.Answer(g)}}},
				"304": map[string]any{"description": "not modified (the ETag given in If-None-Match is current)"},
				"400": errResp("a bad parameter, or a search text that does not parse"),
				"404": errResp("nothing by this name"),
				"503": errResp("too busy, cancelled or the catalog damaged; Retry-After may say when to try again"),
			},
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		paths[r.OpenAPIPath()] = map[string]any{"get": op}
	}
	schemas := map[string]any{}
	for name, s := range g.components {
		schemas[name] = s
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "ruledex API",
			"version":     "1",
			"description": "The JSON API of a ruledex catalog: detection rules of many languages in one model. Every answer is JSON, errors included; lists are never null.",
		},
		"paths":      paths,
		"components": map[string]any{"schemas": schemas},
	}
}

// apiErrorJSON is the answer of a request that failed.
type apiErrorJSON struct {
	Error      string       `json:"error"`
	DidYouMean []Suggestion `json:"did_you_mean,omitempty"` // for a rule id no rule has: the rules it may mean
}

// operationID names an operation after its path: /api/v1/rules/{platform}/{slug}
// is getRulesPlatformSlug.
func operationID(path string) string {
	var b strings.Builder
	b.WriteString("get")
	for _, seg := range strings.Split(strings.TrimPrefix(path, "/api/v1"), "/") {
		seg = strings.Trim(seg, "{}")
		seg = strings.TrimSuffix(seg, ".json")
		for _, part := range strings.FieldsFunc(seg, func(r rune) bool { return r == '_' || r == '-' || r == '.' }) {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	if b.Len() == 3 {
		b.WriteString("Index")
	}
	return b.String()
}
