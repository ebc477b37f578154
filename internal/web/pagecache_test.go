package web

import (
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
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

// TestIndicatorsIndex: a page of the indicators asked for by field, kind
// and text is what a scan of the whole list finds.
func TestIndicatorsIndex(t *testing.T) {
	m := testCatalog(t)
	whole, err := m.Indicators(t.Context(), IndicatorQuery{PerPage: MaxPerPage})
	if err != nil || whole.Total == 0 || whole.Total > MaxPerPage {
		t.Fatalf("%d indicators (%v)", whole.Total, err)
	}
	all := whole.Indicators
	scan := func(q IndicatorQuery) *IndicatorList {
		qq := Query{Page: q.Page, PerPage: q.PerPage}.Norm()
		out := &IndicatorList{Page: qq.Page, PerPage: qq.PerPage, Indicators: []IndicatorSummary{}, Fields: []FacetCount{}}
		fields := map[string]*FacetCount{}
		start := (qq.Page - 1) * qq.PerPage
		for _, s := range all {
			if q.Field != "" && !strings.EqualFold(s.Field, q.Field) || q.Kind != "" && s.Kind != q.Kind ||
				q.Text != "" && !strings.Contains(strings.ToLower(s.Value), strings.ToLower(q.Text)) {
				continue
			}
			k := strings.ToLower(s.Field)
			if fields[k] == nil {
				fields[k] = &FacetCount{Value: s.Field}
			}
			fields[k].Count++
			if out.Total >= start && out.Total < start+qq.PerPage {
				out.Indicators = append(out.Indicators, s)
			}
			out.Total++
		}
		for _, f := range fields {
			out.Fields = append(out.Fields, *f)
		}
		sort.Slice(out.Fields, func(i, j int) bool {
			a, b := out.Fields[i], out.Fields[j]
			if a.Count != b.Count {
				return a.Count > b.Count
			}
			return strings.ToLower(a.Value) < strings.ToLower(b.Value)
		})
		return out
	}
	field := all[0].Field
	for _, q := range []IndicatorQuery{
		{}, {PerPage: 3}, {PerPage: 3, Page: 2}, {Page: 1000}, {Field: field}, {Field: strings.ToUpper(field), PerPage: 1, Page: 2},
		{Field: field, Kind: all[0].Kind}, {Kind: "eq"}, {Text: "exe"}, {Field: "CommandLine", Text: "EXE", PerPage: 2}, {Field: "nope"},
	} {
		got, err := m.Indicators(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		if want := scan(q); !reflect.DeepEqual(got, want) {
			t.Errorf("%+v:\n got %+v\nwant %+v", q, got, want)
		}
	}
}

// TestWarmRulePages: the warm-up keeps every rule page, as the handler
// makes it, and stops when the cache is full.
func TestWarmRulePages(t *testing.T) {
	s := newTestServer(t)
	ids, _ := s.cat.RuleIDs(t.Context())
	n, err := s.WarmRulePages(t.Context())
	if err != nil || n != len(ids) {
		t.Fatalf("warmed %d of %d pages: %v", n, len(ids), err)
	}
	fresh, err := New(s.cat)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		p := RulePath(id)
		if got, want := get(t, s, p).Body.String(), get(t, fresh, p).Body.String(); got != want {
			t.Errorf("%s: kept page differs from the page made", p)
		}
	}
	if s.rulePages.misses != 0 || s.rulePages.hits != len(ids) {
		t.Errorf("%d hits, %d misses after warming", s.rulePages.hits, s.rulePages.misses)
	}
	if n, err := s.WarmRulePages(t.Context()); n != 0 || err != nil {
		t.Errorf("second warm-up made %d pages: %v", n, err)
	}
	c := newKeptPages(16 * 100)
	for i := range 15 {
		if kept, full := c.putIfRoom("p"+strconv.Itoa(i), make([]byte, 100)); !kept || full {
			t.Fatalf("p%d: kept %v full %v", i, kept, full)
		}
	}
	if kept, full := c.putIfRoom("big", make([]byte, 101)); kept || full {
		t.Errorf("a page too large: kept %v full %v", kept, full)
	}
	if kept, full := c.putIfRoom("p15", make([]byte, 100)); !kept || full {
		t.Errorf("the last page: kept %v full %v", kept, full)
	}
	if kept, full := c.putIfRoom("p16", make([]byte, 1)); kept || !full || c.size != c.max {
		t.Errorf("a page past the size: kept %v full %v, size %d", kept, full, c.size)
	}
}

// TestKeptPagesWhenFull: pages are kept while they fit; once the cache is
// full, one page made in eight (at random) is kept in place of another.
func TestKeptPagesWhenFull(t *testing.T) {
	c := newKeptPages(16 * 100)
	for i := range 16 {
		if !c.wants(100) {
			t.Fatalf("page %d not wanted in a cache with room", i)
		}
		c.put("p"+strconv.Itoa(i), make([]byte, 100))
	}
	if c.wants(c.max/16 + 1) {
		t.Error("a page of more than a sixteenth of the cache wanted")
	}
	wanted := 0
	for i := range 800 {
		if c.wants(100) {
			wanted++
			c.put("q"+strconv.Itoa(i), make([]byte, 100))
		}
	}
	if wanted < 50 || wanted > 150 || c.size > c.max || len(c.ents) != 16 {
		t.Errorf("full cache: %d of 800 pages wanted (want about 100), size %d of %d, %d pages", wanted, c.size, c.max, len(c.ents))
	}
}

// TestQuietWait: the server's start-up work waits while requests come, until
// none came for the quiet time or the deadline passed; at once when none
// came yet.
func TestQuietWait(t *testing.T) {
	s := newTestServer(t)
	now := time.Now()
	deadline := now.Add(time.Minute)
	if w := s.quietWait(now, time.Second, deadline); w != 0 {
		t.Errorf("no request yet: waits %v", w)
	}
	get(t, s, "/")
	last := time.Unix(0, s.lastReq.Load())
	if w := s.quietWait(last.Add(300*time.Millisecond), time.Second, deadline); w != 700*time.Millisecond {
		t.Errorf("0.3 s after a request: waits %v, want 0.7 s", w)
	}
	if w := s.quietWait(last.Add(time.Second), time.Second, deadline); w != 0 {
		t.Errorf("1 s after a request: waits %v", w)
	}
	if w := s.quietWait(last.Add(300*time.Millisecond), time.Second, last.Add(500*time.Millisecond)); w != 200*time.Millisecond {
		t.Errorf("0.2 s before the deadline: waits %v", w)
	}
	if w := s.quietWait(deadline, time.Second, deadline); w != 0 {
		t.Errorf("at the deadline: waits %v", w)
	}
}
