package web

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/rule"
)

// TestLongLinkLists: a rule with more rules of the same action, more
// near-duplicates and more of the same behaviour than a page shows: its page
// shows the first maxShownLinks of each, says how many there are and links
// the pages of each whole list; the list's pages and its JSON page it; the
// rule's JSON has every link.
func TestLongLinkLists(t *testing.T) {
	const n = 75 // rules; each links the n-1 others
	rs := make([]*rule.Rule, n)
	for i := range rs {
		r := seedRule()
		r.ID, r.Title = fmt.Sprintf("kusto/Fork%02d", i), fmt.Sprintf("Fork number %02d", i)
		rs[i] = r
	}
	for i, r := range rs {
		for j, o := range rs {
			if i == j {
				continue
			}
			r.SameAction = append(r.SameAction, rule.RuleRef{ID: o.ID, Actions: []string{"microsoft.compute/virtualmachines/runcommand/action"}})
			r.NearDuplicates = append(r.NearDuplicates, rule.RuleRef{ID: o.ID})
			r.SameBehaviour = append(r.SameBehaviour, rule.BehaviourRef{ID: o.ID, Score: 90, Shared: []string{"event.action eq x"}})
		}
	}
	s, err := New(catalogOf(t, rs))
	if err != nil {
		t.Fatal(err)
	}
	id := rs[0].ID
	body := get(t, s, RulePath(id)).Body.String()
	for _, list := range []string{listSameAction, listNearDuplicates, listSameBehaviour} {
		want := `The first 30 of 74 rules. <a href="` + LinksPath(list, id) + `">All 74</a>.`
		if !strings.Contains(body, want) {
			t.Errorf("rule page: no %q", want)
		}
	}
	// 30 of each list of 74 (each rule linked from three lists), besides
	// the crumbs and the rule itself.
	if c := strings.Count(body, `href="/rules/kusto/Fork`); c != 3*maxShownLinks {
		t.Errorf("rule page links %d rules, want %d", c, 3*maxShownLinks)
	}
	if strings.Contains(body, "Fork number 74") {
		t.Error("the rule page shows the last of a list")
	}

	for _, list := range []string{listSameAction, listNearDuplicates, listSameBehaviour} {
		w := get(t, s, LinksPath(list, id))
		if w.Code != 200 {
			t.Fatalf("%s: %d", LinksPath(list, id), w.Code)
		}
		if c := strings.Count(w.Body.String(), `href="/rules/kusto/Fork`); c != n+1 { // 74, and the rule in the crumbs and the intro
			t.Errorf("%s links %d rules, want %d", list, c, n+1)
		}
		if w := get(t, s, LinksPath(list, id)+"?page=2"); w.Code != 404 {
			t.Errorf("%s page 2 of 1: %d", list, w.Code)
		}
	}
	if w := get(t, s, "/links/nope/"+IDPath(id)+"/"); w.Code != 404 {
		t.Errorf("unknown list: %d", w.Code)
	}

	var page ruleLinksJSON
	w := get(t, s, "/api/v1/links/same-action/"+id+"?per_page=50&page=2")
	if err := json.Unmarshal(w.Body.Bytes(), &page); err != nil || w.Code != 200 {
		t.Fatalf("%d %v %s", w.Code, err, w.Body)
	}
	if page.Total != 74 || page.Page != 2 || page.PerPage != 50 || len(page.Rules) != 24 || page.Rules[0].ID != "kusto/Fork51" ||
		page.Rules[0].Title != "Fork number 51" || len(page.Rules[0].Actions) != 1 || len(page.Behaviour) != 0 {
		t.Errorf("API page 2 of same-action: total %d page %d per %d, %d rules (first %+v), %d behaviour",
			page.Total, page.Page, page.PerPage, len(page.Rules), page.Rules, len(page.Behaviour))
	}
	// Past the last page, the API answers as the list's HTML page does.
	for _, list := range []string{listSameAction, listNearDuplicates, listSameBehaviour} {
		if w := get(t, s, "/api/v1/links/"+list+"/"+id+"?per_page=50&page=3"); w.Code != 404 {
			t.Errorf("API %s page 3 of 2: %d %s", list, w.Code, w.Body)
		}
		if w := get(t, s, LinksPath(list, id)+"?page=3"); w.Code != 404 {
			t.Errorf("%s page 3 of 1: %d", list, w.Code)
		}
	}
	// A rule alone: its lists' first pages are empty, not missing.
	alone, err := New(catalogOf(t, []*rule.Rule{seedRule2()}))
	if err != nil {
		t.Fatal(err)
	}
	lone := seedRule2().ID
	if w := get(t, alone, "/api/v1/links/same-action/"+lone); w.Code != 200 {
		t.Errorf("API same-action of a rule with none: %d %s", w.Code, w.Body)
	}
	if w := get(t, alone, "/api/v1/links/same-action/"+lone+"?page=2"); w.Code != 404 {
		t.Errorf("API same-action page 2 of a rule with none: %d", w.Code)
	}
	w = get(t, s, "/api/v1/links/same-behaviour/"+id+"?per_page=10")
	if err := json.Unmarshal(w.Body.Bytes(), &page); err != nil || len(page.Behaviour) != 10 || page.Behaviour[0].Score != 90 || page.Total != 74 {
		t.Errorf("API same-behaviour: %v %s", err, w.Body)
	}

	var full rule.Rule
	if err := json.Unmarshal(get(t, s, "/api/v1/rules/"+id).Body.Bytes(), &full); err != nil {
		t.Fatal(err)
	}
	if len(full.SameAction) != 74 || len(full.NearDuplicates) != 74 || len(full.SameBehaviour) != 74 {
		t.Errorf("rule JSON: %d same action, %d near-duplicates, %d same behaviour; want 74 each",
			len(full.SameAction), len(full.NearDuplicates), len(full.SameBehaviour))
	}
	// After the whole rule was read, its page is the same.
	s2, _ := New(s.cat)
	if again := get(t, s2, RulePath(id)).Body.String(); again != body {
		t.Error("the rule page changed once the whole rule was read")
	}
}

// TestLongFindings: a rule page shows the first maxShownFindings findings of
// a rule with more, says how many there are and links them all (JSON).
func TestLongFindings(t *testing.T) {
	r := seedRule()
	for i := range 45 { // a syntax-warning finding each
		r.Diagnostics = append(r.Diagnostics, rule.Diagnostic{Path: r.Source.Path, Line: i + 1, Col: 1, Severity: rule.SevWarning,
			Message: fmt.Sprintf("odd thing number %d", i)})
	}
	s, err := New(catalogOf(t, []*rule.Rule{r, seedRule2()}))
	if err != nil {
		t.Fatal(err)
	}
	all, err := s.cat.RuleFindings(t.Context(), r.ID)
	if err != nil || len(all) < 45 {
		t.Fatalf("RuleFindings: %d (%v), want 45 or more", len(all), err)
	}
	fs, total, err := s.cat.RuleFindingsShown(t.Context(), r.ID)
	if err != nil || len(fs) != maxShownFindings || total != len(all) || fs[0] != all[0] {
		t.Fatalf("RuleFindingsShown: %d of %d (%v), want %d of %d", len(fs), total, err, maxShownFindings, len(all))
	}
	body := get(t, s, RulePath(r.ID)).Body.String()
	want := fmt.Sprintf(`The first 30 of %d findings. <a href="/api/v1/rules/%s/findings">All of them</a> (JSON).`, len(all), r.ID)
	if !strings.Contains(body, want) {
		t.Errorf("rule page: no %q", want)
	}
	sec := body[strings.Index(body, `<section id="findings">`):]
	sec = sec[:strings.Index(sec, "</section>")]
	if c := strings.Count(sec, "<li "); c != maxShownFindings {
		t.Errorf("the page shows %d findings, want %d", c, maxShownFindings)
	}
}

// TestWarmStopsWhenPagesWillNotFit: the warm-up stops after its sample of
// pages when they say the catalog's pages will not all fit.
func TestWarmStopsWhenPagesWillNotFit(t *testing.T) {
	const n = 260
	rs := make([]*rule.Rule, n)
	for i := range rs {
		r := seedRule2()
		r.ID, r.Title = fmt.Sprintf("%s%03d", r.ID, i), fmt.Sprintf("Copy %03d", i)
		rs[i] = r
	}
	s, err := New(catalogOf(t, rs))
	if err != nil {
		t.Fatal(err)
	}
	one := len(get(t, s, RulePath(rs[0].ID)).Body.Bytes())
	s, _ = New(s.cat)
	s.rulePages = newKeptPages(240 * one) // 240 pages fit, not 260
	kept, err := s.WarmRulePages(t.Context())
	if err != nil || kept != 200 {
		t.Errorf("warmed %d pages (%v), want the sample of 200", kept, err)
	}
	s.rulePages = newKeptPages(300 * one)
	if kept, err := s.WarmRulePages(t.Context()); err != nil || kept != n {
		t.Errorf("warmed %d pages (%v), want all %d", kept, err, n)
	}
}
