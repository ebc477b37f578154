package web

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/lint"
	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/store"
)

// apiResult gets a listing or a search from the JSON API.
func apiResult(t testing.TB, s *Server, path string) *Result {
	t.Helper()
	w := get(t, s, path)
	if w.Code != 200 {
		t.Fatalf("%s: %d %s", path, w.Code, w.Body.String())
	}
	var res Result
	if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &res
}

// withFacet returns the API path p with the facet key:value added.
func withFacet(p, key, value string) string {
	sep := "?"
	if strings.Contains(p, "?") {
		sep = "&"
	}
	return p + sep + "f=" + url.QueryEscape(key+":"+value)
}

// onlyFacet returns the API path p with key:value in place of the values of
// key it filters on: what a listing's count of a value of a facet it
// filters on stands for (the rules that value alone gives).
func onlyFacet(t testing.TB, p, key, value string) string {
	u, err := url.Parse(p)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	var keep []string
	for _, f := range q["f"] {
		if !strings.HasPrefix(f, key+":") {
			keep = append(keep, f)
		}
	}
	q["f"] = append(keep, key+":"+value)
	u.RawQuery = q.Encode()
	return u.String()
}

// checkFacetsAgree checks that the count the listing or search at path
// (an API path) shows for each value of each facet is the total of the
// same listing or search with that facet, and returns the number of
// values checked. At most perKey values of each facet are tried (all when
// perKey < 0).
func checkFacetsAgree(t testing.TB, s *Server, path string, perKey int) int {
	t.Helper()
	res := apiResult(t, s, path)
	n := 0
	for _, k := range FacetKeys {
		for i, fc := range res.Facets[k] {
			if perKey >= 0 && i >= perKey {
				break
			}
			n++
			if got := apiResult(t, s, onlyFacet(t, path, k, fc.Value)+"&per_page=1").Total; got != fc.Count {
				t.Errorf("%s: facet %s:%s counts %d rules, a search with it finds %d", path, k, fc.Value, fc.Count, got)
			}
			if up := strings.ToUpper(fc.Value); up != fc.Value {
				if got := apiResult(t, s, onlyFacet(t, path, k, up)+"&per_page=1").Total; got != fc.Count {
					t.Errorf("%s: facet %s:%s (upper case) finds %d rules, not %d", path, k, up, got, fc.Count)
				}
			}
		}
	}
	return n
}

// TestBrowseAndSearchAgree: on every facet, the counts the browse listing
// and a search show are the totals of the listing or search with that
// facet; and they are the rules whose facets (store.MatchFacets, the one
// definition the build writes) have the value, alert feeds left out of the
// browse.
func TestBrowseAndSearchAgree(t *testing.T) {
	m := testCatalog(t)
	s, err := New(m)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range []string{"/api/v1/rules", "/api/v1/search", "/api/v1/search?q=rule", "/api/v1/search?q=runCommand",
		withFacet("/api/v1/rules", "platform", "sigma")} {
		n += checkFacetsAgree(t, s, p, -1)
	}
	if n < 50 {
		t.Errorf("only %d facet values checked", n)
	}
	ids, err := m.RuleIDs(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var rules []*rule.Rule
	for _, id := range ids {
		r, err := m.Rule(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		rules = append(rules, r)
	}
	for _, browse := range []bool{true, false} {
		res, err := m.Search(t.Context(), Query{Browse: browse, PerPage: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range FacetKeys {
			for _, fc := range res.Facets[k] {
				want := 0
				for _, r := range rules {
					has := store.MatchFacets(r, map[string][]string{k: {fc.Value}})
					if k == "finding" {
						// The checks of the findings the build stored, which
						// the facet is written from (not from the rule alone).
						fs, err := m.RuleFindings(t.Context(), r.ID)
						if err != nil {
							t.Fatal(err)
						}
						has = slices.ContainsFunc(fs, func(f lint.Finding) bool { return strings.EqualFold(f.Check, fc.Value) })
					}
					if (!browse || r.Kind != rule.KindAlertFeed) && has {
						want++
					}
				}
				if fc.Count != want {
					t.Errorf("browse %v: facet %s:%s counts %d rules, %d rules have it", browse, k, fc.Value, fc.Count, want)
				}
			}
		}
	}
	// A tactic is counted as the search finds it: under its shortname,
	// whatever way the rule wrote it.
	res := apiResult(t, s, "/api/v1/rules")
	for _, fc := range res.Facets["tactic"] {
		if tc, ok := LookupTactic(fc.Value); !ok && fc.Value != "other" || ok && tc.Short != fc.Value {
			t.Errorf("tactic facet value %q is not a tactic's shortname", fc.Value)
		}
	}
}

// TestCorpusFacetsAgree is TestBrowseAndSearchAgree over the corpus: the
// ten most frequent values of every facet, in the browse listing, a
// listing with a facet, and searches.
func TestCorpusFacetsAgree(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus test skipped in -short mode")
	}
	s, err := New(corpusCatalog(t))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range []string{"/api/v1/rules", "/api/v1/search", "/api/v1/search?q=powershell", "/api/v1/search?q=runCommand",
		withFacet("/api/v1/rules", "platform", "sigma"), withFacet("/api/v1/search?q=process", "tactic", "execution")} {
		n += checkFacetsAgree(t, s, p, 10)
	}
	t.Logf("%d facet values checked", n)
}

// TestKeywordIndicator: an indicator of no field (a keyword) is its own:
// its page lists the rules that match the keyword, not those that match the
// same value in a field, and links no other kind of it.
func TestKeywordIndicator(t *testing.T) {
	kw := &rule.Rule{ID: "sigma/kw", Platform: "sigma", Language: "sigma", Kind: rule.KindDetection, Title: "Keyword",
		Indicators: []rule.Indicator{{Field: "", Kind: "keyword", Values: []string{"-acmr"}}}}
	field := &rule.Rule{ID: "sigma/field", Platform: "sigma", Language: "sigma", Kind: rule.KindDetection, Title: "Field",
		Indicators: []rule.Indicator{{Field: "CommandLine", Kind: "contains", Values: []string{"-acmr"}}}}
	s, err := New(catalogOf(t, []*rule.Rule{kw, field}))
	if err != nil {
		t.Fatal(err)
	}
	w := get(t, s, IndicatorPath("", "keyword", "-acmr"))
	body := w.Body.String()
	if w.Code != 200 || !strings.Contains(body, "sigma/kw") || strings.Contains(body, "sigma/field") ||
		strings.Contains(body, IndicatorPath("", "contains", "-acmr")) {
		t.Errorf("keyword indicator page: %d\n%s", w.Code, body)
	}
	if w := get(t, s, IndicatorPath("", "contains", "-acmr")); w.Code != 404 {
		t.Errorf("a field's indicator as a keyword: %d", w.Code)
	}
}
