package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestBrowseSort checks the orders of browse: by severity (critical first),
// by platform, by date and by title, each with every rule, on the page
// and in the API; an unknown order is a bad request.
func TestBrowseSort(t *testing.T) {
	cat := testCatalog(t)
	all, err := cat.Search(t.Context(), Query{PerPage: MaxPerPage, Browse: true})
	if err != nil {
		t.Fatal(err)
	}
	rank := map[string]int{"critical": 0, "high": 1, "medium": 2, "low": 3, "informational": 4}
	sevRank := func(s string) int {
		if r, ok := rank[strings.ToLower(s)]; ok {
			return r
		}
		return 5
	}
	for _, sort := range []string{"title", "date", "severity", "platform"} {
		r, err := cat.Search(t.Context(), Query{PerPage: MaxPerPage, Browse: true, Sort: sort})
		if err != nil {
			t.Fatalf("%s: %v", sort, err)
		}
		if r.Total != all.Total || len(r.Hits) != len(all.Hits) {
			t.Errorf("%s: %d rules, want %d", sort, r.Total, all.Total)
		}
		for i := 1; i < len(r.Hits); i++ {
			a, b := r.Hits[i-1], r.Hits[i]
			switch sort {
			case "severity":
				if sevRank(a.Severity) > sevRank(b.Severity) {
					t.Errorf("severity: %s (%s) before %s (%s)", a.ID, a.Severity, b.ID, b.Severity)
				}
			case "platform":
				if strings.ToLower(a.Platform) > strings.ToLower(b.Platform) {
					t.Errorf("platform: %s before %s", a.ID, b.ID)
				}
			}
		}
	}
	if _, err := cat.Search(t.Context(), Query{Sort: "bogus"}); err == nil {
		t.Error("sort=bogus: no error")
	}
	s, err := New(cat)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]int{"/rules/?sort=severity": 200, "/rules/?sort=date&page=1": 200,
		"/rules/?sort=bogus": 400, "/api/v1/search?q=powershell&sort=platform": 200} {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != want {
			t.Errorf("%s: %d, want %d", path, rec.Code, want)
		}
		if path == "/rules/?sort=severity" && !strings.Contains(rec.Body.String(), `<b aria-current="true">severity</b>`) {
			t.Errorf("%s: no sort control saying severity", path)
		}
	}
}
