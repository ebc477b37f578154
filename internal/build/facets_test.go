package build

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/store"
)

// facetsByID are a catalog's facet values, a row a rule and value, their
// rules by id.
const facetsByID = "SELECT r.id, f.facet, f.value FROM facets f, json_each('[' || f.rules || ']') j JOIN rules r ON r.n = j.value ORDER BY 1, 2, 3"

// TestFacetsIncremental: the facets table's lists (a row a value as
// spelled, its rules in one list) after incremental builds are a full
// build's: a rule's tag changed, a rule deleted, a rule added that spells
// a value another way, a rule whose row is kept but whose findings change
// (another rule given its id: duplicate-id). A value spelled two ways is
// one facet value, spelled as its first rule spells it, and one spelling's
// rules gone, the other's stays.
func TestFacetsIncremental(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "rules")
	bravo := strings.Replace(sigmaRule("Bravo", "Microsoft.Compute/virtualMachines/restart/action"), "- attack.execution", "- Attack.Execution", 1)
	charlie := strings.Replace(sigmaRule("Charlie", "Microsoft.Compute/virtualMachines/start/action"), "    - attack.t1651\n", "    - attack.t1651\n    - custom.one\n", 1)
	writeTree(t, dir, map[string]string{"a.yml": sigmaRule("Alpha", runCommand), "b.yml": bravo, "c.yml": charlie})
	src := []Source{{Name: "r", Path: dir}}
	db, full := filepath.Join(tmp, "c.db"), filepath.Join(tmp, "full.db")
	if _, err := Build(context.Background(), Options{DB: db, Sources: src}); err != nil {
		t.Fatal(err)
	}
	tags := func(what string, want ...string) {
		t.Helper()
		d, err := store.Open(db)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		cs, err := d.FacetValues(context.Background(), store.FacetTag)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range cs {
			got = append(got, c.Value+"="+itoa(c.Count))
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: tag values %v, want %v", what, got, want)
		}
	}
	tags("built", "attack.execution=3", "attack.t1651=3", "custom.one=1")
	remove := func(name string) func() {
		return func() {
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, c := range []struct {
		what string
		do   func()
		tags []string
	}{
		{"a tag changed", func() {
			writeTree(t, dir, map[string]string{"c.yml": strings.Replace(charlie, "custom.one", "custom.two", 1)})
		}, []string{"attack.execution=3", "attack.t1651=3", "custom.two=1"}},
		{"the rule of the first spelling deleted", remove("a.yml"), []string{"Attack.Execution=2", "attack.t1651=2", "custom.two=1"}},
		{"the other spelling's rule deleted", remove("b.yml"), []string{"attack.execution=1", "attack.t1651=1", "custom.two=1"}},
		{"a rule added with a third spelling", func() {
			writeTree(t, dir, map[string]string{"d.yml": strings.Replace(sigmaRule("Delta", runCommand), "- attack.execution", "- ATTACK.EXECUTION", 1)})
		}, []string{"attack.execution=2", "attack.t1651=2", "custom.two=1"}},
		{"a kept rule's findings changed", func() {
			// e.yml states c.yml's id: both have a duplicate-id finding,
			// c.yml's row kept.
			writeTree(t, dir, map[string]string{"e.yml": strings.Replace(sigmaRule("Echo", "Microsoft.Compute/virtualMachines/stop/action"),
				"id: "+sigmaID("Echo"), "id: "+sigmaID("Charlie"), 1)})
		}, []string{"attack.execution=3", "attack.t1651=3", "custom.two=1"}},
		{"a kept rule's finding gone", remove("e.yml"), []string{"attack.execution=2", "attack.t1651=2", "custom.two=1"}},
		// A rule added takes the number of e.yml's, the highest row,
		// deleted by the build before (the writer numbers from the highest
		// row): the lists that held e.yml's must not give them to it. And
		// d.yml deleted.
		{"the last row's rule deleted", func() {
			remove("d.yml")()
			writeTree(t, dir, map[string]string{"f.yml": strings.Replace(sigmaRule("Foxtrot", "Microsoft.Compute/virtualMachines/deallocate/action"),
				"- attack.execution", "- Attack.EXECUTION", 1)})
		}, []string{"attack.execution=2", "attack.t1651=2", "custom.two=1"}},
		// Two findings of one check (two values with white space around
		// them): the rule is once in the check's list.
		{"two findings of a check", func() {
			writeTree(t, dir, map[string]string{"g.yml": sigmaRule("Golf", "Microsoft.Compute/virtualMachines/redeploy/action",
				"properties.a: ' spaced '", "properties.b: ' also '")})
		}, []string{"attack.execution=3", "attack.t1651=3", "custom.two=1"}},
	} {
		c.do()
		// Every other build into a new file: the lists of a copy of the
		// last catalog are written as those of one written in place.
		newFile := strings.Contains(c.what, "spelling") || strings.Contains(c.what, "last row")
		if _, err := Build(context.Background(), Options{DB: db, Sources: src, NewFile: newFile}); err != nil {
			t.Fatal(err)
		}
		tags(c.what, c.tags...)
		sameAsFull(t, db, full, src, c.what)
		sameRows(t, db, full, c.what, facetsByID, findingsByID)
	}
	if rows := tableRows(t, db, "SELECT f.value FROM facets f WHERE f.facet = 'finding' AND f.value = 'duplicate-id'"); len(rows) != 0 {
		t.Errorf("finding facet duplicate-id: %v, want none (no rule has the finding)", rows)
	}
	if n := tableRows(t, db, "SELECT count(*) FROM findings WHERE check_ = 'value-whitespace'"); len(n) != 1 || n[0] != "2" {
		t.Errorf("value-whitespace findings: %v, want 2 (the test tests nothing)", n)
	}
	if rows := tableRows(t, db, "SELECT f.rules FROM facets f WHERE f.facet = 'finding' AND f.value = 'value-whitespace'"); len(rows) != 1 || strings.Contains(rows[0], ",") {
		t.Errorf("finding facet value-whitespace: %v, want its one rule once", rows)
	}
	if n := tableRows(t, db, "SELECT count(*) FROM facets, json_each('[' || facets.rules || ']') j WHERE j.value NOT IN (SELECT n FROM rules)"); len(n) != 1 || n[0] != "0" {
		t.Errorf("facet lists name %v rows that hold no rule", n)
	}
}

// sigmaID is the id sigmaRule gives a rule of title.
func sigmaID(title string) string {
	return "5e3b1c2a-0000-4000-8000-" + strings.Repeat("0", 12-len(title)%12) + title[:len(title)%12]
}
