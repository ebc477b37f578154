package web

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/catalog"
	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/store"
)

// TestExportStoreIndicators: the export's listings of indicators, made
// once a listing, are the store's page for page: every indicator's and
// each field's, at the lengths of page the export and the API ask.
func TestExportStoreIndicators(t *testing.T) {
	cat := testCatalog(t)
	es := newExportStore(cat)
	ctx := t.Context()
	first, err := cat.Indicators(ctx, IndicatorQuery{PerPage: 1})
	if err != nil {
		t.Fatal(err)
	}
	if first.Total < 3 || len(first.Fields) < 2 {
		t.Fatalf("the test catalog has %d indicators in %d fields, too few to compare", first.Total, len(first.Fields))
	}
	fields := []string{""}
	for _, f := range first.Fields {
		fields = append(fields, f.Value)
	}
	fields = append(fields, "no-such-field")
	compared := 0
	for _, field := range fields {
		for _, per := range []int{0, 1, 2, 200, MaxPerPage, 5000} {
			for page := 0; page <= 4; page++ {
				q := IndicatorQuery{Field: field, Page: page, PerPage: per}
				want, err := cat.Indicators(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				got, err := es.Indicators(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%+v: the export's\n%+v\nthe store's\n%+v", q, got, want)
				}
				compared += len(want.Indicators)
			}
		}
	}
	if compared == 0 {
		t.Fatal("no indicator compared")
	}
}

// TestExportStoreRulePages: every rule's page and JSON from the export's
// catalog (a rule read whole once for both) are the server's.
func TestExportStoreRulePages(t *testing.T) {
	cat := testCatalog(t)
	ctx := t.Context()
	ids, err := cat.RuleIDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(cat)
	if err != nil {
		t.Fatal(err)
	}
	exp, err := New(newExportStore(cat))
	if err != nil {
		t.Fatal(err)
	}
	// And of a catalog whose rule cache does not hold every rule (as at
	// 164,000 rules): the export reads each from the store.
	part := testCatalog(t)
	part.shownFindings = nil
	part.version = cat.version // the same rules in another file: the pages name the catalog
	cold := newExportStore(part)
	if !cold.cold {
		t.Fatal("the export reads the rules through the cache of a catalog that holds some")
	}
	expCold, err := New(cold)
	if err != nil {
		t.Fatal(err)
	}
	withFindings := 0
	for _, id := range ids {
		want, _ := rulePageAndJSON(t, srv, id)
		got, d := rulePageAndJSON(t, exp, id)
		if got != want {
			t.Errorf("%s: the export's page or JSON differs from the server's", id)
		}
		if d.FindingsTotal > 0 {
			withFindings++
		}
		if got, _ := rulePageAndJSON(t, expCold, id); got != want {
			t.Errorf("%s: the export's page or JSON read from the store differs from the server's", id)
		}
	}
	if withFindings == 0 || withFindings == len(ids) {
		t.Errorf("%d of %d rules with findings: the test compares rules with and without", withFindings, len(ids))
	}
	if _, err := cold.Rule(ctx, "no-such-rule"); err != ErrNotFound {
		t.Errorf("no-such-rule from the store: %v, want ErrNotFound", err)
	}
}

// rulePageAndJSON returns the JSON and the page of rule id as s makes them
// (the JSON first, as the export may make it before the page).
func rulePageAndJSON(t *testing.T, s *Server, id string) (string, *ruleData) {
	t.Helper()
	ctx := t.Context()
	r, err := s.cat.Rule(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	b, err := marshalRule(r)
	if err != nil {
		t.Fatal(err)
	}
	pg := newStaticPage(RulePath(id), s.cat.Version())
	name, v, err := s.rulePage(ctx, pg, id)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := s.render(&buf, name, v); err != nil {
		t.Fatal(err)
	}
	return string(b) + "\n" + buf.String(), v.(*ruleData)
}

// TestExportStoreCanonical: the export's lists of canonical indicators,
// made once a list, are the store's, page by page, for every field, with
// and without the indicators of one rule.
func TestExportStoreCanonical(t *testing.T) {
	rs := append([]*rule.Rule{seedRule(), seedRule2(), hostileRule()}, exampleRules(t)...)
	catalog.CrossReference(rs)
	cat := catalogOf(t, rs)
	es := newExportStore(cat)
	ctx := t.Context()
	all, err := cat.CanonicalIndicators(ctx, store.CanonicalQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if all.Total < 3 || len(all.Fields) < 2 {
		t.Fatalf("the test catalog has %d canonical indicators in %d fields, too few to compare", all.Total, len(all.Fields))
	}
	fields := []string{""}
	for _, f := range all.Fields {
		fields = append(fields, f.Value)
	}
	fields = append(fields, "no-such-field")
	for range 2 { // the second time from the memo
		for _, field := range fields {
			for _, minRules := range []int{0, 2} {
				for _, per := range []int{0, 1, 2, 50} {
					for page := 0; page <= 4; page++ {
						q := store.CanonicalQuery{Field: field, MinRules: minRules, Page: page, PerPage: per}
						want, err := cat.CanonicalIndicators(ctx, q)
						if err != nil {
							t.Fatal(err)
						}
						got, err := es.CanonicalIndicators(ctx, q)
						if err != nil {
							t.Fatal(err)
						}
						if !reflect.DeepEqual(got, want) {
							t.Fatalf("%+v: the export's\n%+v\nthe store's\n%+v", q, got, want)
						}
					}
				}
			}
		}
	}
}

// TestExportStoreRepos: the export's summaries of the repositories, made
// in one pass over the rules, are the store's, asked by any case of the
// name; a name that is no repository's is not found.
func TestExportStoreRepos(t *testing.T) {
	cat := testCatalog(t)
	es := newExportStore(cat)
	ctx := t.Context()
	all, err := cat.Search(ctx, Query{PerPage: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Facets["repo"]) < 2 {
		t.Fatalf("the test catalog has %d repositories, too few to compare", len(all.Facets["repo"]))
	}
	problems := 0
	for _, v := range all.Facets["repo"] {
		for _, name := range []string{v.Value, strings.ToUpper(v.Value)} {
			want, err := cat.Repo(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			got, err := es.Repo(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: the export's\n%+v\nthe store's\n%+v", name, got, want)
			}
			problems += len(want.Problems)
		}
	}
	if problems == 0 {
		t.Error("no repository with a rule's diagnostics compared")
	}
	if _, err := es.Repo(ctx, "no-such-repository"); err != ErrNotFound {
		t.Errorf("no-such-repository: %v, want ErrNotFound", err)
	}
}
