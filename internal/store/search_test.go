package store

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
)

func builtFixture(t *testing.T) *DB {
	t.Helper()
	dir, _ := fixture(t)
	return testCatalog(t, Source{Name: "fixture", Path: dir})
}

func TestSearch(t *testing.T) {
	d := builtFixture(t)
	for _, tc := range []struct {
		q      string
		facets map[string][]string
		want   []string // titles, in any order
	}{
		{q: "runCommand", want: []string{"VM Run Command", "VM Run Command Again"}},
		{q: runCommand, want: []string{"VM Run Command", "VM Run Command Again"}},
		{q: `"` + runCommand + `"`, want: []string{"VM Run Command", "VM Run Command Again"}},
		{q: "virtualMachines/runCommand", want: []string{"VM Run Command", "VM Run Command Again"}},
		{q: "runcommand/action", want: []string{"VM Run Command", "VM Run Command Again"}},
		{q: "virtualMachines", want: []string{"VM Run Command", "VM Run Command Again", "VM Extension Write"}},
		{q: "virtualMachines -runCommand", want: []string{"VM Extension Write"}},
		{q: "roleAssignments OR roleDefinitions", want: []string{"First Of Two", "Second Of Two"}},
		{q: "role*", want: []string{"First Of Two", "Second Of Two"}},
		{q: "title:again", want: []string{"VM Run Command Again"}},
		{q: "-virtualMachines", facets: map[string][]string{"kind": {"detection"}}, want: []string{"First Of Two", "Second Of Two", "Broken"}},
		{q: "detects", facets: map[string][]string{"technique": {"t1651"}, "table": {"azure/activitylogs/", "nothing"}},
			want: []string{"VM Run Command", "VM Run Command Again", "VM Extension Write", "First Of Two", "Second Of Two"}},
		{q: "operations", want: []string{"VM Run Command", "VM Run Command Again", "VM Extension Write", "First Of Two", "Second Of Two"}}, // porter: operation(s)
		{q: "nosuchword", want: nil},
		{q: `a"b OR OR -`, want: nil}, // a quote left open is an error (TestSearchUnterminatedQuoteIsAnError)
	} {
		res, err := d.Search(t.Context(), Query{Text: tc.q, Facets: tc.facets, PerPage: 100})
		if err != nil {
			t.Errorf("%q: %v", tc.q, err)
			continue
		}
		var got []string
		for _, h := range res.Hits {
			got = append(got, h.Title)
		}
		if !sameSet(got, tc.want) || res.Total != len(tc.want) {
			t.Errorf("%q %v: got %d %v, want %v", tc.q, tc.facets, res.Total, got, tc.want)
		}
		if tc.q != "" && !strings.HasPrefix(tc.q, "-") && len(res.Hits) > 0 {
			for _, h := range res.Hits {
				if !strings.Contains(h.Snippet, "<mark>") {
					t.Errorf("%q: %s: snippet without a mark: %q", tc.q, h.ID, h.Snippet)
				}
			}
		}
	}
	if _, err := d.Search(t.Context(), Query{Facets: map[string][]string{"colour": {"red"}}}); err == nil {
		t.Error("unknown facet: no error")
	}
}

func sameSet(a, b []string) bool {
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, v := range m {
		if v != 0 {
			return false
		}
	}
	return len(a) == len(b)
}

func TestSearchFacetsAndPages(t *testing.T) {
	d := builtFixture(t)
	res, err := d.Search(t.Context(), Query{PerPage: 2, Page: 2})
	if err != nil {
		t.Fatal(err)
	}
	all, _ := d.Rules(t.Context(), nil, 1, 100)
	if res.Total != all.Total || len(res.Hits) != 2 || res.Hits[0].ID != all.Hits[2].ID {
		t.Errorf("page 2 of 2: %+v; all: %+v", res.Hits, all.Hits)
	}
	if c := res.Facets["platform"]; len(c) != 1 || c[0].Value != "sigma" || c[0].Count != all.Total {
		t.Errorf("platform facet %v", c)
	}
	if c := res.Facets["technique"]; len(c) != 1 || c[0].Value != "T1651" && c[0].Value != "t1651" {
		t.Errorf("technique facet %v", c)
	}
	// Filtering on one title word and one severity: the severity facet still
	// counts the other severities of the text's rules.
	f, err := d.Search(t.Context(), Query{Facets: map[string][]string{"severity": {"high"}, "platform": {"sigma"}}})
	if err != nil || f.Total != 0 || len(f.Facets["severity"]) != 1 || f.Facets["severity"][0].Value != "medium" || f.Facets["platform"] == nil {
		t.Errorf("disjunctive facets: %+v %v", f, err)
	}
	vals, err := d.FacetValues(t.Context(), "table")
	if err != nil || len(vals) == 0 || vals[0].Value != "azure/activitylogs/" {
		t.Errorf("facet values: %v %v", vals, err)
	}
	if res, _ := d.Search(t.Context(), Query{Page: 99}); len(res.Hits) != 0 || res.Total != all.Total {
		t.Errorf("page past the end: %+v", res)
	}
}

func TestRuleIndicatorStats(t *testing.T) {
	d := builtFixture(t)
	id := res0(t, d, `title:"VM Run Command Again"`)
	r, err := d.Rule(t.Context(), strings.ToUpper(id))
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != id || r.Title != "VM Run Command Again" {
		t.Errorf("rule %s: %q", r.ID, r.Title)
	}
	if len(r.NearDuplicates) != 1 || r.NearDuplicates[0].Title != "VM Run Command" {
		t.Errorf("near duplicates %+v", r.NearDuplicates)
	}
	var counted bool
	for _, in := range r.Indicators {
		for _, c := range in.Corpus {
			if strings.EqualFold(c.Value, runCommand) {
				counted = c.Total == 1 && c.ByPlatform["sigma"] == 1
			}
		}
	}
	if !counted {
		t.Errorf("corpus count of %s: %+v", runCommand, r.Indicators)
	}
	if _, err := d.Rule(t.Context(), "sigma/none"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing rule: %v", err)
	}
	for _, tc := range []struct{ field, kind, value string }{
		{"operationName", "eq", strings.ToUpper(runCommand)},
		{"", "", runCommand},
		{"OPERATIONNAME", "in", runCommand},
	} {
		sums, err := d.Indicator(t.Context(), tc.field, tc.kind, tc.value)
		if err != nil || len(sums) != 2 {
			t.Errorf("indicator %v: %+v %v", tc, sums, err)
		}
	}
	if sums, _ := d.Indicator(t.Context(), "operationName", "contains", runCommand); len(sums) != 0 {
		t.Errorf("indicator of another kind: %+v", sums)
	}
	rules, err := d.AllRules(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	st, _ := d.Stats(t.Context())
	if len(rules) != st.Rules || st.ByKind["detection"] != st.Rules {
		t.Errorf("all rules %d, stats %+v", len(rules), st)
	}
}

func TestParseQuery(t *testing.T) {
	for _, tc := range []struct{ q, pos, neg string }{
		{"runCommand", `"runCommand"`, ""},
		{runCommand, `("Microsoft.Compute/virtualMachines/runCommand/action" OR {meta parts} : "Microsoft Compute virtualMachines runCommand action")`, ""},
		{`a -b c*`, `"a" AND "c"*`, `"b"`},
		{`a OR b`, `"a" OR "b"`, ""},
		{`title:"x y" z`, `title : "x y" AND "z"`, ""},
		{`"a""b`, `"a" AND "b"`, ""},
		{`say "unterminated`, `"say" AND "unterminated"`, ""},
		{`cmd.exe`, `("cmd.exe" OR {meta parts} : "cmd exe")`, ""},
		{`query:cmd.exe`, `(query : "cmd.exe" OR parts : "cmd exe")`, ""},
		{`x("y")`, `"x y"`, ""},
		{`OR -`, "", ""},
		{"-\tx", `"x"`, ""},
		{"title: x", `"x"`, ""},
		{"title:", "", ""},
	} {
		pos, neg := ftsQuery(tc.q)
		if pos != tc.pos || neg != tc.neg {
			t.Errorf("%q: got %s | %s, want %s | %s", tc.q, pos, neg, tc.pos, tc.neg)
		}
	}
}

func TestPartsText(t *testing.T) {
	got := strings.Fields(partsText("a " + runCommand + " b.c b.c plain"))
	want := []string{"Microsoft", "Compute", "virtualMachines", "runCommand", "action", "b", "c"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v", got)
	}
}

func TestSnippet(t *testing.T) {
	for _, tc := range []struct {
		q     string
		texts []string
		html  string
	}{
		{"runcommand", []string{"first\n  where a == \"<x>/runCommand/action\"\n"}, `first where a == &#34;&lt;x&gt;/<mark>runCommand</mark>/action&#34;`},
		{"add", []string{"address only", "net user /ADD"}, `net user /<mark>ADD</mark>`},
		{"operations", []string{"Detects the operation X"}, `Detects the <mark>operation</mark> X`},
		{"cmd.exe -whoami", []string{"Image|endswith: '\\cmd.exe' and cmd"}, `Image|endswith: &#39;\<mark>cmd.exe</mark>&#39; and <mark>cmd</mark>`},
		{"nothing", []string{"", "Some title"}, `Some title`},
		{"zz", []string{strings.Repeat("a ", 100) + "zz" + strings.Repeat(" b", 200)}, "…" + strings.Repeat("a ", 24) + "<mark>zz</mark>" + strings.Repeat(" b", 74) + "…"},
		{"certutil*", []string{"run CertUtil.exe -decode"}, `run <mark>CertUtil</mark>.exe -decode`},
		{"é", []string{"Ünïcode É done"}, `Ünïcode <mark>É</mark> done`},
	} {
		words := snippetWords(tc.q)
		s := snippetOf(words, wordKeys(words), tc.texts...)
		if got := s.HTML(); got != tc.html {
			t.Errorf("%q: got\n%s\nwant\n%s", tc.q, got, tc.html)
		}
		for _, m := range s.Marks {
			if m.Start < 0 || m.End > len(s.Text) || m.Start >= m.End {
				t.Errorf("%q: bad mark %v in %q", tc.q, m, s.Text)
			}
		}
	}
}

func TestIndicatorsBrowseVersion(t *testing.T) {
	d := builtFixture(t)
	list, err := d.Indicators(t.Context(), IndicatorQuery{Text: "runcommand"})
	if err != nil {
		t.Fatal(err)
	}
	if list.Total != 1 || len(list.Indicators) != 1 || list.Indicators[0].Rules != 2 || list.Indicators[0].ByPlatform["sigma"] != 2 ||
		list.Indicators[0].Value != runCommand || len(list.Fields) != 1 || list.Fields[0].Value != "operationName" {
		t.Errorf("indicators: %+v", list)
	}
	all, _ := d.Indicators(t.Context(), IndicatorQuery{PerPage: 2, Page: 2})
	if all.Total != 4 || len(all.Indicators) != 2 {
		t.Errorf("page 2 of all indicators: %+v", all)
	}
	if l, _ := d.Indicators(t.Context(), IndicatorQuery{Field: "OPERATIONNAME", Kind: "eq"}); l.Total != 4 {
		t.Errorf("by field and kind: %+v", l)
	}
	if l, _ := d.Indicators(t.Context(), IndicatorQuery{Kind: "contains"}); l.Total != 0 {
		t.Errorf("by another kind: %+v", l)
	}
	// Technique T1651 with no sub-technique stated: the parent matches itself;
	// a parent stands for its sub-techniques.
	if res, _ := d.Search(t.Context(), Query{Facets: map[string][]string{"technique": {"T1651"}}}); res.Total != 5 {
		t.Errorf("technique facet: %d", res.Total)
	}
	st, err := d.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.Indicators != 4 || st.Techniques != 1 || st.Tables != 1 || st.ByLanguage["sigma"] != st.Rules || st.Events == 0 {
		t.Errorf("stats %+v", st)
	}
	if d.Version() == "" || !strings.HasPrefix(d.Version(), "1-") {
		t.Errorf("version %q", d.Version())
	}
	ids, err := d.IDs(t.Context())
	if err != nil || len(ids) != st.Rules {
		t.Errorf("ids %v %v", ids, err)
	}
}

func TestBrowseLeavesOutAlertFeeds(t *testing.T) {
	ix := &index{ids: map[string][]int32{"kind\x00alert_feed": {0}, "kind\x00detection": {1}, "technique\x00t1059.001": {2},
		"technique\x00t1059": {3}}}
	ix.add(1, 0)
	ix.add(2, 1)
	ix.add(2, 2)
	ix.add(2, 3)
	ix.feeds = ix.ruleSetOf(ix.ids["kind\x00alert_feed"])
	if got := ix.filter([]int64{1, 2}, nil, true); len(got) != 1 || got[0] != 2 {
		t.Errorf("browse: %v", got)
	}
	if got := ix.filter([]int64{1, 2}, nil, false); len(got) != 2 {
		t.Errorf("search: %v", got)
	}
	if got := ix.filter([]int64{1, 2}, map[string][]string{"technique": {"T1059"}}, false); len(got) != 1 || got[0] != 2 {
		t.Errorf("parent technique: %v", got)
	}
}

// TestSearchFindsPartialActions: a rule that matches the operation by a part
// of it (endswith) is found by the whole operation, and by Action.
func TestSearchFindsPartialActions(t *testing.T) {
	dir, _ := fixture(t)
	writeTree(t, dir, map[string]string{"azure/partial.yml": strings.Replace(sigmaRule("Run Command By Its End", "x"),
		"operationName: 'x'", "operationName|endswith: '/runCommand/action'", 1)})
	db := filepath.Join(t.TempDir(), "c.db")
	testBuild(t, db, Source{Name: "fixture", Path: dir})
	d, err := Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	res, err := d.Search(t.Context(), Query{Text: runCommand})
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, h := range res.Hits {
		titles = append(titles, h.Title)
	}
	if !sameSet(titles, []string{"VM Run Command", "VM Run Command Again", "Run Command By Its End"}) {
		t.Errorf("search %s: %v", runCommand, titles)
	}
	hits, err := d.Action(t.Context(), strings.ToUpper(runCommand))
	if err != nil || len(hits) != 3 {
		t.Fatalf("action: %+v %v", hits, err)
	}
	for _, h := range hits {
		if len(h.Actions) == 0 {
			t.Errorf("%s: no action label", h.ID)
		}
	}
	if hits, _ := d.Action(t.Context(), "Microsoft.Compute/virtualMachines/extensions/write"); len(hits) != 1 {
		t.Errorf("extensions/write: %+v", hits)
	}
	// A part of the operation with a separator finds the rules that look at
	// the whole one; a bare word is no part.
	if hits, _ := d.Action(t.Context(), "RunCommand/Action"); len(hits) != 2 {
		t.Errorf("runCommand/action: %+v", hits)
	}
	if hits, _ := d.Action(t.Context(), "runCommand"); len(hits) != 0 {
		t.Errorf("runCommand: %+v", hits)
	}
	// Several words are a text search only.
	if res, _ := d.Search(t.Context(), Query{Text: runCommand + " again"}); res.Total != 1 {
		t.Errorf("two words: %d", res.Total)
	}
}

// TestTopIsSorted checks the facet counts' best-values selection against a
// sort, on many values with ties.
func TestTopIsSorted(t *testing.T) {
	ix := &index{}
	var cs []idCount
	for id := range 500 {
		ix.value = append(ix.value, fmt.Sprintf("v%03d", id))
		cs = append(cs, idCount{int32(id), int32((id * 7919) % 13)})
	}
	for _, limit := range []int{0, 1, 5, 25, 124, 125, 499, 500, 501, -1} {
		got := ix.top(slices.Clone(cs), limit)
		want := slices.Clone(cs)
		sort.Slice(want, func(i, j int) bool {
			if want[i].n != want[j].n {
				return want[i].n > want[j].n
			}
			return want[i].id < want[j].id
		})
		if limit >= 0 && limit < len(want) {
			want = want[:limit]
		}
		if len(got) != len(want) {
			t.Fatalf("limit %d: %d values, want %d", limit, len(got), len(want))
		}
		for i := range want {
			if got[i] != (Count{Value: ix.value[want[i].id], Count: int(want[i].n)}) {
				t.Fatalf("limit %d: value %d is %v, want %v", limit, i, got[i], want[i])
			}
		}
	}
}

// TestCountOfMostRules: the facet counts of a set of most rules (taken as
// the postings' counts less the other rules' values), of a large set (the
// dense values by bits) and of a few are the rules' own values counted one
// by one.
func TestCountOfMostRules(t *testing.T) {
	ix := &index{spans: map[string][2]int32{}}
	facets := []string{FacetPlatform, FacetField}
	for id := range 60 {
		f := FacetPlatform
		if id >= 4 {
			f = FacetField
		}
		ix.facet = append(ix.facet, f)
		ix.value = append(ix.value, fmt.Sprintf("v%02d", id))
	}
	ix.spans[FacetPlatform], ix.spans[FacetField] = [2]int32{0, 4}, [2]int32{4, 60}
	for id := range int32(60) {
		for n := range int64(300) {
			// Values 40 to 59 are in fewer than 64 rules: not dense.
			if n%4 == int64(id%4) && id < 4 || id >= 4 && id < 40 && (n*int64(id))%7 < 3 || id >= 40 && n%20 == int64(id-40) {
				ix.add(n, id)
			}
		}
	}
	for n := range int64(310) { // rules 300 to 309 without facets
		ix.order = append(ix.order, (n*37)%310)
	}
	for i, keep := range []int64{1, 2, 3, 5, 50, 309, 310, 1, 2, 3, 5, 50, 309, 310} {
		if i == 7 { // the same counts once the rules' values are packed
			ix.pack()
			if len(ix.dense) == 0 || len(ix.dense) == len(ix.value) {
				t.Fatalf("%d dense values of %d", len(ix.dense), len(ix.value))
			}
		}
		var ns []int64
		for n := range int64(310) {
			if (n*13)%keep < keep*3/4+1 && n%keep != 1 {
				ns = append(ns, n)
			}
		}
		want := map[string][]Count{}
		for _, f := range facets {
			byValue := map[int32]int{}
			for _, n := range ns {
				for _, id := range ix.ruleList(n) {
					if ix.facet[id] == f {
						byValue[id]++
					}
				}
			}
			var cs []idCount
			for id, c := range byValue {
				cs = append(cs, idCount{id, int32(c)})
			}
			want[f] = ix.top(cs, -1)
		}
		if got := ix.count(ns, -1, facets); !reflect.DeepEqual(got, want) {
			t.Errorf("%d of %d rules: counted %v, want %v", len(ns), len(ix.order), got, want)
		}
		for _, f := range facets {
			if got := ix.countFacet(ns, f, -1); !reflect.DeepEqual(got, want[f]) {
				t.Errorf("%d of %d rules, %s alone: counted %v, want %v", len(ns), len(ix.order), f, got, want[f])
			}
		}
	}
}

// TestSearchRankCache: a search asked again (another page, a facet added)
// gives what a reader that never searched gives, from the kept ranking;
// no more rankings are kept than the cache holds.
func TestSearchRankCache(t *testing.T) {
	d := builtFixture(t)
	fresh := func() *DB {
		d2, err := Open(d.path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d2.Close() })
		return d2
	}
	qs := []Query{
		{Text: "virtualMachines"}, {Text: "virtualMachines", Page: 2, PerPage: 1},
		{Text: "virtualMachines", Facets: map[string][]string{"technique": {"t1651"}}},
		{Text: "detects -runCommand"}, {Text: "-virtualMachines"}, {Text: "role*"}, {Text: "virtualMachines"},
	}
	for _, q := range qs {
		got, err := d.Search(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		want, err := fresh().Search(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%+v: kept ranking gives %+v, a fresh reader %+v", q, got, want)
		}
	}
	pos, _ := ftsQuery("virtualMachines")
	if _, ok := d.ranked.get(pos); !ok {
		t.Errorf("the ranking of %q is not kept", pos)
	}
	for i := range 2 * rankCacheSize {
		if _, err := d.Search(t.Context(), Query{Text: fmt.Sprintf("word%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(d.ranked.ents); n != rankCacheSize {
		t.Errorf("%d rankings kept, the cache holds %d", n, rankCacheSize)
	}
}

// TestRankInParts: a text ranked in parts (rowid ranges merged by score),
// as a whole or its best k, among all its rules or some of them, gives the
// order one statement gives: on the fixture with every text split, and on
// the corpus for broad words.
func TestRankInParts(t *testing.T) {
	check := func(t *testing.T, d *DB, texts []string) {
		t.Helper()
		for _, text := range texts {
			pos, neg := ftsQuery(text)
			tm, err := d.matchText(t.Context(), pos, neg)
			if err != nil {
				t.Fatal(err)
			}
			ranked, err := d.rankRange(t.Context(), tm.expr, math.MinInt64, math.MaxInt64, nil, -1)
			if err != nil {
				t.Fatal(err)
			}
			one := make([]int64, len(ranked))
			for i, r := range ranked {
				one[i] = r.n
			}
			if got := slices.Sorted(slices.Values(one)); !slices.Equal(got, tm.set) {
				t.Errorf("%q: ranked %d rules, matched %d", text, len(got), len(tm.set))
			}
			for _, k := range []int{len(one), 20, 1} {
				parts, err := d.rankTop(t.Context(), tm, tm.set, k, false)
				if err != nil {
					t.Fatal(err)
				}
				if want := one[:min(k, len(one))]; !slices.Equal(parts, want) {
					t.Errorf("%q: best %d ranked in parts %v…, in one statement %v…", text, k, head64(parts, 8), head64(want, 8))
				}
			}
			// Every third rule: ranked by themselves, in the order of the whole.
			var some, want []int64
			for i, n := range tm.set {
				if i%3 == 0 {
					some = append(some, n)
				}
			}
			for _, n := range one {
				if _, ok := slices.BinarySearch(some, n); ok {
					want = append(want, n)
				}
			}
			got, err := d.rankTop(t.Context(), tm, some, len(some), true)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%q: a third of the rules ranked %v…, in the whole ranking %v…", text, head64(got, 8), head64(want, 8))
			}
		}
	}
	defer func(n int) { rankSplitMin = n }(rankSplitMin)
	t.Run("fixture", func(t *testing.T) {
		rankSplitMin = 1
		check(t, builtFixture(t), []string{"virtualMachines", "detects", "role*", "detects -runCommand", "write OR action"})
	})
	t.Run("corpus", func(t *testing.T) {
		rankSplitMin = 600
		d, err := Open(corpusCatalog(t))
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		check(t, d, []string{"detects", "windows", "process", "user", "suspicious", "password OR credential", "windows -powershell", "azure"})
	})
}

func head64(s []int64, n int) []int64 { return s[:min(n, len(s))] }

// TestSearchPagesAreTheWholeRanking: a search's page, ranked only as far as
// it goes (and among the rules a facet leaves), is the page of the whole
// ranking filtered, with the rules found by their actions after.
func TestSearchPagesAreTheWholeRanking(t *testing.T) {
	d, err := Open(corpusCatalog(t))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx := t.Context()
	ix, err := d.index(ctx)
	if err != nil {
		t.Fatal(err)
	}
	qs := slices.Clone(searchMix)
	for _, text := range []string{"process", "windows", "suspicious", "detection"} {
		qs = append(qs,
			Query{Text: text, Page: 3},
			Query{Text: text, Facets: map[string][]string{"platform": {"sigma"}}},
			Query{Text: text, Facets: map[string][]string{"platform": {"sigma"}}, Page: 40},
			Query{Text: text, Facets: map[string][]string{"technique": {"T1059.001"}}},
			Query{Text: text, Facets: map[string][]string{"severity": {"high"}}, Page: 2, PerPage: 7},
			Query{Text: text, Browse: true, PerPage: 50},
		)
	}
	for _, q := range qs {
		d.ranked = rankCache{} // nothing kept from the other searches
		got, err := d.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		pos, neg := ftsQuery(q.Text)
		if pos == "" || q.Sort != "" {
			continue
		}
		tm, err := d.matchText(ctx, pos, neg)
		if err != nil {
			t.Fatal(err)
		}
		whole, err := d.rankRange(ctx, tm.expr, math.MinInt64, math.MaxInt64, nil, -1)
		if err != nil {
			t.Fatal(err)
		}
		var all []int64
		for _, s := range whole {
			all = append(all, s.n)
		}
		extra, err := d.withActions(ctx, tm.set, q.Text)
		if err != nil {
			t.Fatal(err)
		}
		all = ix.filter(append(all, extra...), q.Facets, q.Browse)
		per := q.PerPage
		if per == 0 {
			per = 20
		}
		from := (max(q.Page, 1) - 1) * per
		want := all[min(from, len(all)):min(from+per, len(all))]
		var gotN []int64
		for _, h := range got.Hits {
			var n int64
			if err := d.db.QueryRowContext(ctx, `SELECT n FROM rules WHERE id = ?`, h.ID).Scan(&n); err != nil {
				t.Fatal(err)
			}
			gotN = append(gotN, n)
		}
		if got.Total != len(all) || !slices.Equal(gotN, want) {
			t.Errorf("%+v: %d rules, page %v; the whole ranking: %d, page %v", q, got.Total, gotN, len(all), want)
		}
	}
}
