package web

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// TestCorpusPages renders the page and the JSON of every rule of the corpus
// and checks that each highlighted body shows exactly the rule's text.
func TestCorpusPages(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus test skipped in -short mode")
	}
	m := corpusCatalog(t)
	s, err := New(m)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := m.RuleIDs(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	byLang := map[string]int{}
	for _, id := range ids {
		r, err := m.Rule(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{RulePath(r.ID), "/api/v1/rules/" + r.ID} {
			w := httptest.NewRecorder()
			s.ServeHTTP(w, httptest.NewRequest("GET", p, nil))
			if w.Code != 200 {
				t.Errorf("%s: %d", p, w.Code)
			}
		}
		if got := plainOf(string(Highlight(r.Language, r.Query, 1))); got != strings.ReplaceAll(r.Query, "\x00", "\uFFFD") {
			t.Errorf("%s: highlighted body differs from the query", r.ID)
		}
		byLang[r.Language]++
	}
	t.Logf("%d rule pages by language: %v", len(ids), byLang)
	for _, p := range []string{"/", "/rules/", "/attack/", "/tables/", "/events/", "/indicators/", "/repos/", "/search?q=powershell"} {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest("GET", p, nil))
		if w.Code != 200 {
			t.Errorf("%s: %d", p, w.Code)
		}
	}
}
