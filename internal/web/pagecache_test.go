package web

import (
	"strconv"
	"testing"
)

// TestKeptPages: rule pages are kept by URL without a query string and
// served again as they were; the cache holds at most its size, and reading
// every page in turn through a cache too small for them all still finds
// most of those it keeps.
func TestKeptPages(t *testing.T) {
	s := newTestServer(t)
	p := RulePath("kusto/DetectAzureScriptOrRunCommandByRiskyUser")
	a := get(t, s, p)
	b := get(t, s, p)
	if a.Body.String() != b.Body.String() || s.rulePages.hits != 1 || b.Header().Get("Content-Length") != strconv.Itoa(b.Body.Len()) {
		t.Errorf("second rule page: same %v, %d hits, length %q", a.Body.String() == b.Body.String(), s.rulePages.hits, b.Header().Get("Content-Length"))
	}
	get(t, s, p+"?x=1")
	if _, ok := s.rulePages.idx[p+"?x=1"]; ok {
		t.Error("a rule page with a query string was kept")
	}
	if w := get(t, s, "/rules/kusto/Nope/"); w.Code != 404 || len(s.rulePages.ents) != 1 {
		t.Errorf("an error page was kept (%d pages)", len(s.rulePages.ents))
	}

	c := newKeptPages(16 * 100)
	for i := range 20 {
		c.put("p"+strconv.Itoa(i), make([]byte, 100))
	}
	if c.size > c.max || len(c.ents) != 16 || len(c.idx) != 16 {
		t.Fatalf("size %d of %d, %d pages", c.size, c.max, len(c.ents))
	}
	for k, i := range c.idx {
		if c.ents[i].key != k {
			t.Fatalf("index of %s points at %s", k, c.ents[i].key)
		}
	}
	c.put("p19", make([]byte, 50))
	if c.size != 15*100+50 {
		t.Errorf("replacing a page: size %d", c.size)
	}
	c.put("huge", make([]byte, 101)) // more than a sixteenth of the cache
	if _, ok := c.get("huge"); ok {
		t.Error("a page of more than a sixteenth of the cache was kept")
	}
	// 32 pages read in turn, 10 times, through a cache of 16.
	c = newKeptPages(16 * 100)
	for range 10 {
		for i := range 32 {
			k := "q" + strconv.Itoa(i)
			if _, ok := c.get(k); !ok {
				c.put(k, make([]byte, 100))
			}
		}
	}
	if c.hits < 32*10/8 { // a strict least-recently-used order finds none
		t.Errorf("%d hits of %d reads in turn", c.hits, 32*10)
	}
}
