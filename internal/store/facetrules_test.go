package store

import (
	"cmp"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unsafe"
)

// TestFacetRulesMigration: a catalog of schema 12 (a row a rule and facet
// value) migrated to 13 holds a row a value as spelled with its rules in
// order, and reads as it read before: a value spelled two ways one value,
// spelled as its first rule spells it, each rule with its spelling.
func TestFacetRulesMigration(t *testing.T) {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, m := range migrations() {
		if m.version > 12 {
			break
		}
		if _, err := db.Exec(m.sql); err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
	}
	if _, err := db.Exec(`PRAGMA user_version = 12`); err != nil {
		t.Fatal(err)
	}
	// Inserted out of order: the lists are in the rules' order all the same.
	for _, r := range [][3]any{{"tag", "b", 7}, {"tag", "A", 9}, {"tag", "a", 12}, {"tag", "a", 3}, {"tag", "a", 10}, {"platform", "sigma", 2}, {"tag", "c", 1}} {
		if _, err := db.Exec(`INSERT INTO facets (facet, value, rule) VALUES (?, ?, ?)`, r[0], r[1], r[2]); err != nil {
			t.Fatal(err)
		}
	}
	if err := migrate(t.Context(), db); err != nil {
		t.Fatal(err)
	}
	var rows []string
	rs, err := db.Query(`SELECT facet, value, rules FROM facets ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	for rs.Next() {
		var f, v, l string
		if err := rs.Scan(&f, &v, &l); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, f+"="+v+":"+l)
	}
	rs.Close()
	if got, want := strings.Join(rows, " "), "platform=sigma:2 tag=A:9 tag=a:3,10,12 tag=b:7 tag=c:1"; got != want {
		t.Errorf("migrated rows %s, want %s", got, want)
	}
	var got []string
	if err := eachFacetGroup(t.Context(), db, func(g *facetGroup) error {
		got = append(got, fmt.Sprintf("%s=%s:%v:%v", g.facet, g.value, g.rules, g.spellings))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if g, want := strings.Join(got, " "), "platform=sigma:[2]:[] tag=a:[3 9 10 12]:[a A a a] tag=b:[7]:[] tag=c:[1]:[]"; g != want {
		t.Errorf("values read %s, want %s", g, want)
	}
}

// TestFacetValueCopied: the writer keeps a copy of a facet value, not the
// value as given, which may be part of a larger string (a rule decoded
// from the build's spill is views of one string) that it would keep whole
// until the end of the writing.
func TestFacetValueCopied(t *testing.T) {
	record := strings.Repeat("x", 1<<16) + "Attack.Execution"
	v := record[1<<16:]
	var w writer
	for n := range int64(3) {
		if err := w.addFacet(FacetTag, v, n); err != nil {
			t.Fatal(err)
		}
	}
	if len(w.facetRules.added) != 1 {
		t.Fatalf("%d values, want 1", len(w.facetRules.added))
	}
	for k, ns := range w.facetRules.added {
		if k.value != v || len(*ns) != 3 {
			t.Errorf("%q: %v", k.value, *ns)
		}
		if unsafe.StringData(k.value) == unsafe.StringData(v) {
			t.Error("the facet value kept is the string given, part of a larger one")
		}
	}
}

// TestEachFacet: EachFacet gives every (facet, value, rule) of the catalog,
// each rule's value as that rule spells it, by facet, then value (values
// the same but for ASCII case together), then rule, as the export's search
// files want them.
func TestEachFacet(t *testing.T) {
	d := builtFixture(t)
	var got []string
	type row struct {
		facet, value string
		n            int64
	}
	var rows []row
	if err := d.EachFacet(t.Context(), func(f, v string, n int64) error {
		rows = append(rows, row{f, v, n})
		got = append(got, fmt.Sprintf("%s\x00%s\x00%d", f, v, n))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(rows) < 20 {
		t.Fatalf("%d rows", len(rows))
	}
	for i := 1; i < len(rows); i++ {
		a, b := rows[i-1], rows[i]
		if c := cmp.Or(cmp.Compare(a.facet, b.facet), cmp.Compare(foldNoCase(a.value), foldNoCase(b.value)), cmp.Compare(a.n, b.n)); c >= 0 {
			t.Errorf("out of order: %v then %v", a, b)
		}
	}
	var want []string
	q, err := d.db.Query(`SELECT f.facet, f.value, j.value FROM facets f, json_each('[' || f.rules || ']') j`)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	for q.Next() {
		var f, v string
		var n int64
		if err := q.Scan(&f, &v, &n); err != nil {
			t.Fatal(err)
		}
		want = append(want, fmt.Sprintf("%s\x00%s\x00%d", f, v, n))
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("EachFacet gives %d rows, the table holds %d (or other spellings)", len(got), len(want))
	}
}
