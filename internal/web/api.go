package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/ruledex/ruledex/internal/catalog"
	"github.com/ruledex/ruledex/internal/lint"
	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/store"
)

// The JSON API, under /api/v1/. Every response is JSON, errors included
// ({"error": "..."} with the right status); lists are never null.

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
			writeJSONErrorOf(w, status, apiErrorJSON{Error: msg, DidYouMean: suggestionsOf(err)})
			return
		}
		var data []byte
		if raw, ok := v.(json.RawMessage); ok { // (made by the handler, valid: not checked again)
			data = raw
		} else {
			data, err = json.Marshal(v)
		}
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
	writeJSONErrorOf(w, status, apiErrorJSON{Error: msg})
}

// writeJSONErrorOf writes an error answer: {"error": "...", "did_you_mean": [...]}.
func writeJSONErrorOf(w http.ResponseWriter, status int, e apiErrorJSON) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	data, _ := json.Marshal(e)
	w.Write(data)
	w.Write([]byte("\n"))
}

func (s *Server) apiStats(ctx context.Context, _ *http.Request) (any, error) {
	return s.cat.Stats(ctx)
}

// apiQuery reads q, facet=KEY=VALUE (repeated), page and per_page.
func apiQuery(r *http.Request) (Query, error) {
	q, err := queryOf(r)
	if err != nil {
		return q, err
	}
	if q.Page, q.PerPage, err = paging(r.URL.Query(), DefaultPerPage); err != nil {
		return q, err
	}
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

// apiRuleID reads the rule id of /api/v1/rules/{platform}/{slug...}: the
// id, or the rule page's path of it, .json ending it or not.
func apiRuleID(r *http.Request) string {
	id := r.PathValue("platform") + "/" + strings.TrimSuffix(r.PathValue("slug"), "/")
	return strings.TrimSuffix(id, ".json")
}

// rule returns the rule with this id, or the page path of one; a 404 names
// the rules a typo may have meant.
func (s *Server) apiRuleOf(ctx context.Context, id string) (*rule.Rule, error) {
	ru, err := s.cat.Rule(ctx, id)
	if err != nil {
		// Accept the page path's encoding too.
		if dec, derr := s.ruleIDOf(ctx, id); derr == nil && dec != id {
			ru, err = s.cat.Rule(ctx, dec)
		}
	}
	if err == ErrNotFound {
		return nil, s.suggestRule(ctx, id, notFound("no rule "+id))
	}
	return ru, err
}

func (s *Server) apiRule(ctx context.Context, r *http.Request) (any, error) {
	id := apiRuleID(r)
	ru, err := s.apiRuleOf(ctx, id)
	if base, ok := strings.CutSuffix(id, "/findings"); ok && err != nil {
		// The findings of a rule whose id has more than two segments.
		if fs, ferr := s.ruleFindings(ctx, base); ferr == nil {
			return fs, nil
		}
	}
	if err != nil {
		return nil, err
	}
	return ruleJSON{ru}, nil
}

// apiRuleFindings answers /api/v1/rules/{platform}/{slug}/findings.
func (s *Server) apiRuleFindings(ctx context.Context, r *http.Request) (any, error) {
	id := apiRuleID(r)
	fs, err := s.ruleFindings(ctx, id)
	if err == ErrNotFound {
		// A rule whose id's last segment is "findings".
		if ru, rerr := s.cat.Rule(ctx, id+"/findings"); rerr == nil {
			return ruleJSON{ru}, nil
		}
		return nil, s.suggestRule(ctx, id, notFound("no rule "+id))
	}
	return fs, err
}

// ruleFindings returns what ruledex lint found in the rule with this id
// (the build ran it), never nil; ErrNotFound when there is no such rule.
func (s *Server) ruleFindings(ctx context.Context, id string) ([]lint.Finding, error) {
	fs, err := s.cat.RuleFindings(ctx, id)
	if err == ErrNotFound {
		if dec, derr := s.ruleIDOf(ctx, id); derr == nil && dec != id {
			fs, err = s.cat.RuleFindings(ctx, dec)
		}
	}
	if err != nil {
		return nil, err
	}
	if fs == nil {
		fs = []lint.Finding{}
	}
	return fs, nil
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
	n, pp, err := paging(v, DefaultPerPage)
	if err != nil {
		return nil, err
	}
	return s.cat.Indicators(ctx, IndicatorQuery{Field: v.Get("field"), Kind: v.Get("kind"), Text: v.Get("q"), Page: n, PerPage: pp})
}

func (s *Server) apiFacet(ctx context.Context, r *http.Request) (any, error) {
	key := r.PathValue("key")
	if !validFacetKey(key) {
		return nil, notFound(fmt.Sprintf("no facet %q; facets: %s", key, strings.Join(store.Facets, ", ")))
	}
	vals, err := s.facetValues(ctx, key)
	if err != nil {
		return nil, err
	}
	return facetValuesJSON{Facet: key, Values: vals}, nil
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
	return actionRulesJSON{Value: v, Rules: rules}, nil
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
	return tableFieldsJSON{Table: name, Fields: fs}, nil
}

// covKey keys the encoded forms of a coverage (Server.covJSON): the
// coverage (the catalog makes one per ATT&CK table), as the matrix or as
// the Navigator layer.
type covKey struct {
	cov       *Coverage
	navigator bool
}

func (s *Server) apiCoverage(ctx context.Context, _ *http.Request) (any, error) {
	return s.coverageJSON(ctx, false)
}

func (s *Server) apiNavigator(ctx context.Context, _ *http.Request) (any, error) {
	return s.coverageJSON(ctx, true)
}

// coverageJSON returns the catalog's coverage encoded as the API answers
// it (the Navigator layer when navigator), encoded once: the matrix names
// the rules of each technique, 24 MB of JSON at N = 15 forks of the
// corpus, which took 0.45 s a request to encode (0.03 s kept).
func (s *Server) coverageJSON(ctx context.Context, navigator bool) (json.RawMessage, error) {
	cov, err := s.cat.Coverage(ctx)
	if err != nil {
		return nil, err
	}
	k := covKey{cov, navigator}
	if b, ok := s.covJSON.Load(k); ok {
		return b.(json.RawMessage), nil
	}
	var b []byte
	if navigator {
		// Compact, as the API answers every value (the layer is made
		// indented for the static export's file).
		if b, err = navigatorJSON(cov); err == nil {
			b, err = json.Marshal(json.RawMessage(b))
		}
	} else {
		b, err = json.Marshal(cov)
	}
	if err != nil {
		return nil, err
	}
	v, _ := s.covJSON.LoadOrStore(k, json.RawMessage(b))
	return v.(json.RawMessage), nil
}

// navigatorJSON is the ATT&CK Navigator layer of a coverage (package catalog).
func navigatorJSON(cov *Coverage) ([]byte, error) {
	return catalog.NavigatorLayer(*cov, "ruledex coverage", catalog.LayerFilters{})
}
