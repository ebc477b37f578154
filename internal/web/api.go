package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/ruledex/ruledex/internal/catalog"
	"github.com/ruledex/ruledex/internal/rule"
)

// The JSON API, under /api/v1/. Every response is JSON, errors included
// ({"error": "..."} with the right status); lists are never null.

func (s *Server) apiRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /api/v1/{$}", s.api(s.apiIndex))
	m.HandleFunc("GET /api/v1/stats", s.api(s.apiStats))
	m.HandleFunc("GET /api/v1/rules", s.api(s.apiRules))
	m.HandleFunc("GET /api/v1/rules/{id...}", s.api(s.apiRule))
	m.HandleFunc("GET /api/v1/search", s.api(s.apiSearch))
	m.HandleFunc("GET /api/v1/indicators", s.api(s.apiIndicators))
	m.HandleFunc("GET /api/v1/facets/{key}", s.api(s.apiFacet))
	m.HandleFunc("GET /api/v1/actions", s.api(s.apiActions))
	m.HandleFunc("GET /api/v1/repos/{name}", s.api(s.apiRepo))
	m.HandleFunc("GET /api/v1/tables/{name}/fields", s.api(s.apiTableFields))
	m.HandleFunc("GET /api/v1/coverage", s.api(s.apiCoverage))
	m.HandleFunc("GET /api/v1/navigator", s.api(s.apiNavigator))
	m.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeJSONError(w, http.StatusMethodNotAllowed, "method not allowed")
			return
		}
		writeJSONError(w, http.StatusNotFound, "no such API route; see /api/v1/")
	})
}

// apiFunc answers an API request with a value to encode as JSON.
type apiFunc func(ctx context.Context, r *http.Request) (any, error)

func (s *Server) api(f apiFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if notModified(w, r, s.etag(r)) {
			return
		}
		v, err := f(r.Context(), r)
		if err != nil {
			w.Header().Del("ETag")
			setRetryAfter(w, err)
			s.noteDamaged(err)
			status, msg := statusOf(err)
			if status == http.StatusInternalServerError {
				s.logf("%s: %v", r.URL.Path, err)
			}
			writeJSONError(w, status, msg)
			return
		}
		data, err := json.Marshal(v)
		if err != nil {
			w.Header().Del("ETag")
			s.logf("%s: %v", r.URL.Path, err)
			writeJSONError(w, http.StatusInternalServerError, "internal error")
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/json; charset=utf-8")
		h.Set("Cache-Control", "no-cache")
		if r.Method != http.MethodHead {
			w.Write(data)
			w.Write([]byte("\n"))
		}
	}
}

func writeJSONError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	data, _ := json.Marshal(map[string]string{"error": msg})
	w.Write(data)
	w.Write([]byte("\n"))
}

func (s *Server) apiIndex(context.Context, *http.Request) (any, error) {
	return map[string]any{
		"version": s.cat.Version(),
		"routes": []string{
			"/api/v1/stats",
			"/api/v1/rules?facet=key:value&page=N&per_page=N",
			"/api/v1/rules/{platform}/{slug}",
			"/api/v1/rules/{platform}/{slug}/findings",
			"/api/v1/search?q=TEXT&facet=key:value&page=N&per_page=N",
			"/api/v1/indicators?field=F&kind=K&q=TEXT&page=N (with value=V: the rules matching field kind value)",
			"/api/v1/facets/{key} (every value of a facet with its number of rules)",
			"/api/v1/actions?value=V (the rules that look at an action, in any language)",
			"/api/v1/repos/{name} (a repository: rules by platform and kind, diagnostics, last build)",
			"/api/v1/tables/{name}/fields (the fields of a table the rules use, with their number of rules)",
			"/api/v1/coverage",
			"/api/v1/navigator",
		},
		"facets": FacetKeys,
	}, nil
}

func (s *Server) apiStats(ctx context.Context, _ *http.Request) (any, error) {
	return s.cat.Stats(ctx)
}

// apiQuery reads q, facet=key:value (repeated), page and per_page.
func apiQuery(r *http.Request) (Query, error) {
	q, err := queryOf(r)
	if err != nil {
		return q, err
	}
	pp, err := pageNumber(r.URL.Query(), "per_page")
	if err != nil {
		return q, err
	}
	if pp > MaxPerPage {
		return q, badRequest(fmt.Sprintf("per_page above %d", MaxPerPage))
	}
	q.PerPage = pp
	return q.Norm(), nil
}

func (s *Server) apiRules(ctx context.Context, r *http.Request) (any, error) {
	q, err := apiQuery(r)
	if err != nil {
		return nil, err
	}
	if q.Text != "" {
		return nil, badRequest("use /api/v1/search for text queries")
	}
	q.Browse = true
	return s.searchCat(ctx, q)
}

func (s *Server) apiRule(ctx context.Context, r *http.Request) (any, error) {
	id := strings.TrimSuffix(r.PathValue("id"), "/")
	id = strings.TrimSuffix(id, ".json")
	ru, err := s.cat.Rule(ctx, id)
	if base, ok := strings.CutSuffix(id, "/findings"); ok && err == ErrNotFound {
		// /api/v1/rules/{id}/findings: what ruledex lint found in the rule
		// (the build ran it).
		if fs, err := s.cat.RuleFindings(ctx, base); err == nil {
			return fs, nil
		} else if err != ErrNotFound {
			return nil, err
		}
	}
	if err != nil {
		// Accept the page path's encoding too.
		if dec, derr := s.ruleIDOf(ctx, id); derr == nil && dec != id {
			ru, err = s.cat.Rule(ctx, dec)
		}
	}
	if err != nil {
		if err == ErrNotFound {
			return nil, notFound("no rule " + id)
		}
		return nil, err
	}
	return ruleJSON{ru}, nil
}

func (s *Server) apiSearch(ctx context.Context, r *http.Request) (any, error) {
	q, err := apiQuery(r)
	if err != nil {
		return nil, err
	}
	return s.searchCat(ctx, q)
}

func (s *Server) apiIndicators(ctx context.Context, r *http.Request) (any, error) {
	v := r.URL.Query()
	if v.Has("value") {
		if v.Get("field") == "" {
			return nil, badRequest("value needs field")
		}
		res, err := s.cat.Indicator(ctx, v.Get("field"), v.Get("kind"), v.Get("value"))
		if err == ErrNotFound {
			return nil, notFound("no rule matches this indicator")
		}
		return res, err
	}
	n, err := pageNumber(v, "page")
	if err != nil {
		return nil, err
	}
	pp, err := pageNumber(v, "per_page")
	if err != nil {
		return nil, err
	}
	if pp > MaxPerPage {
		return nil, badRequest(fmt.Sprintf("per_page above %d", MaxPerPage))
	}
	return s.cat.Indicators(ctx, IndicatorQuery{Field: v.Get("field"), Kind: v.Get("kind"), Text: v.Get("q"), Page: n, PerPage: pp})
}

func (s *Server) apiFacet(ctx context.Context, r *http.Request) (any, error) {
	key := r.PathValue("key")
	if !validFacetKey(key) {
		return nil, notFound(fmt.Sprintf("no facet %q; facets: %s", key, strings.Join(FacetKeys, ", ")))
	}
	res, err := s.cat.Search(ctx, Query{PerPage: 1})
	if err != nil {
		return nil, err
	}
	vals := res.Facets[key]
	if vals == nil {
		vals = []FacetCount{}
	}
	return map[string]any{"facet": key, "values": vals}, nil
}

func (s *Server) apiActions(ctx context.Context, r *http.Request) (any, error) {
	v := strings.TrimSpace(r.URL.Query().Get("value"))
	if v == "" {
		return nil, badRequest("give value=, an action: an Azure operation, an event id, an event name...")
	}
	if len(v) > 500 {
		return nil, badRequest("value longer than 500 bytes")
	}
	rules, err := s.cat.Action(ctx, v)
	if err != nil {
		return nil, err
	}
	if rules == nil {
		rules = []rule.RuleRef{}
	}
	return map[string]any{"value": v, "rules": rules}, nil
}

func (s *Server) apiRepo(ctx context.Context, r *http.Request) (any, error) {
	info, err := s.cat.Repo(ctx, r.PathValue("name"))
	if err == ErrNotFound {
		return nil, notFound("no repository " + r.PathValue("name"))
	}
	return info, err
}

func (s *Server) apiTableFields(ctx context.Context, r *http.Request) (any, error) {
	name := r.PathValue("name")
	fs, err := s.cat.TableFields(ctx, name)
	if err == ErrNotFound && strings.Contains(name, "~") {
		// The name as the page path encodes it (Seg).
		if dec, hashed, ok := Unseg(name); ok && !hashed {
			name = dec
			fs, err = s.cat.TableFields(ctx, name)
		}
	}
	if err == ErrNotFound {
		return nil, notFound("no rule reads table " + name)
	}
	if err != nil {
		return nil, err
	}
	return map[string]any{"table": name, "fields": fs}, nil
}

func (s *Server) apiCoverage(ctx context.Context, _ *http.Request) (any, error) {
	return s.cat.Coverage(ctx)
}

func (s *Server) apiNavigator(ctx context.Context, _ *http.Request) (any, error) {
	cov, err := s.cat.Coverage(ctx)
	if err != nil {
		return nil, err
	}
	b, err := navigatorJSON(cov)
	if err != nil {
		return nil, err
	}
	return json.RawMessage(b), nil
}

// navigatorJSON is the ATT&CK Navigator layer of a coverage (package catalog).
func navigatorJSON(cov *Coverage) ([]byte, error) {
	return catalog.NavigatorLayer(*cov, "ruledex coverage", catalog.LayerFilters{})
}
