package build

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/lint"
	"github.com/ruledex/ruledex/internal/store"
)

// lintedRule is a Sigma rule with no ATT&CK tag (attack-missing) and the
// same value twice in one list (value-duplicate).
const lintedRule = `title: Whoami twice
id: 6c1a0000-0000-4000-8000-0000000000dd
description: Finds whoami.
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith:
            - '\whoami.exe'
            - '\whoami.exe'
    condition: selection
`

// checksOf returns the checks of a rule's stored findings, sorted.
func checksOf(t *testing.T, d *store.DB, id string) []string {
	t.Helper()
	fs, err := d.RuleFindings(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range fs {
		if f.Rule != id || f.Line < 1 || f.Fingerprint == "" {
			t.Errorf("%s: finding %+v", id, f)
		}
		out = append(out, f.Check)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestBuildStoresFindings checks that a build stores ruledex lint's
// findings, the facet "finding" agrees with them, a source's disabled
// checks are left out, and an incremental build follows the checks across
// the corpus: the same id in two files is found in the kept file, and goes
// when the copy goes.
func TestBuildStoresFindings(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rules")
	db := filepath.Join(t.TempDir(), "c.db")
	writeTree(t, dir, map[string]string{"a.yml": lintedRule, "b.yml": targetRule, "c.yml": lintedRule})
	open := func(src []Source) *store.DB {
		t.Helper()
		if _, err := Build(context.Background(), Options{DB: db, Sources: src}); err != nil {
			t.Fatal(err)
		}
		d, err := store.Open(db)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}
	d := open([]Source{{Name: "r", Path: dir}})
	ids, err := d.IDs(t.Context())
	if err != nil || len(ids) != 3 {
		t.Fatalf("ids %v, %v", ids, err)
	}
	idOf := map[string]string{}
	for _, id := range ids {
		r, err := d.Rule(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		idOf[r.Source.Path] = id
	}
	a, b := idOf["a.yml"], idOf["b.yml"]
	// near-duplicate too (of c.yml and b.yml); not syntax-warning, whose
	// link diagnostic of the shared id is duplicate-id's.
	want := []string{"attack-missing", "duplicate-id", "near-duplicate", "value-duplicate"}
	if got := checksOf(t, d, a); !slices.Equal(got, want) {
		t.Errorf("a.yml: checks %v, want %v", got, want)
	}
	if got := checksOf(t, d, b); slices.Contains(got, "value-duplicate") || slices.Contains(got, "duplicate-id") {
		t.Errorf("b.yml: checks %v", got)
	}
	// The facet, the checks' counts and a check's findings say the same.
	res, err := d.Search(t.Context(), store.Query{Facets: map[string][]string{store.FacetFinding: {"value-duplicate"}}, PerPage: 10})
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, h := range res.Hits {
		found = append(found, h.ID)
	}
	slices.Sort(found)
	if want := []string{a, idOf["c.yml"]}; !slices.Equal(found, want) {
		t.Errorf("finding=value-duplicate: %v, want %v", found, want)
	}
	checks, err := d.FindingChecks(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var vd *store.CheckCount
	for i := range checks {
		if checks[i].Check == "value-duplicate" {
			vd = &checks[i]
		}
	}
	if vd == nil || vd.Rules != 2 || vd.Findings != 2 || vd.Severity != "warning" {
		t.Errorf("value-duplicate: %+v in %+v", vd, checks)
	}
	fs, total, err := d.CheckFindings(t.Context(), "value-duplicate", 1, 1)
	if err != nil || total != 2 || len(fs) != 1 || fs[0].Rule != a || fs[0].Title != "Whoami twice" || fs[0].Line != 9 {
		t.Errorf("CheckFindings: %+v, %d, %v", fs, total, err)
	}
	if _, err := d.RuleFindings(t.Context(), "no/such"); err == nil {
		t.Error("RuleFindings of no rule: no error")
	}

	// The copy goes: a.yml is kept from the last catalog, its duplicate-id
	// goes. A source's disabled checks are not run.
	if err := os.Remove(filepath.Join(dir, "c.yml")); err != nil {
		t.Fatal(err)
	}
	d = open([]Source{{Name: "r", Path: dir, LintDisable: []string{"attack-missing"}}})
	if got, want := checksOf(t, d, a), []string{"near-duplicate", "value-duplicate"}; !slices.Equal(got, want) {
		t.Errorf("a.yml after c.yml went: checks %v, want %v", got, want)
	}
	res, err = d.Search(t.Context(), store.Query{Facets: map[string][]string{store.FacetFinding: {"duplicate-id"}}})
	if err != nil || res.Total != 0 {
		t.Errorf("finding=duplicate-id after c.yml went: %d rules, %v", res.Total, err)
	}
}

// TestIncrementalFindingsAsFull checks that an incremental build, which
// keeps the stored findings of the per-rule checks on the rules it holds as
// they are and lints only the others, stores the findings a full build of
// the same files stores: the kept rules' own findings (value-duplicate), and
// those across the corpus made afresh (duplicate-id of the copy).
func TestIncrementalFindingsAsFull(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rules")
	inc, full := filepath.Join(t.TempDir(), "inc.db"), filepath.Join(t.TempDir(), "full.db")
	writeTree(t, dir, map[string]string{"a.yml": lintedRule, "b.yml": targetRule, "c.yml": lintedRule})
	src := []Source{{Name: "r", Path: dir}}
	if _, err := Build(t.Context(), Options{DB: inc, Sources: src}); err != nil {
		t.Fatal(err)
	}
	// The findings of a rule that did not change are left as they are
	// (their rows: the same rowids), those of the rule that changed are
	// written again.
	rowids := func(path string) string {
		raw, err := sql.Open("sqlite", inc)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		var ids string
		if err := raw.QueryRow(`SELECT coalesce(group_concat(f.rowid), '') FROM findings f JOIN rules r ON r.n = f.rule WHERE r.path = ?`, path).Scan(&ids); err != nil {
			t.Fatal(err)
		}
		return ids
	}
	aRows, bRows := rowids("a.yml"), rowids("b.yml")
	writeTree(t, dir, map[string]string{"b.yml": strings.Replace(targetRule, "title: ", "title: Edited ", 1)})
	sum, err := Build(t.Context(), Options{DB: inc, Sources: src})
	if err != nil {
		t.Fatal(err)
	}
	if got := rowids("a.yml"); got != aRows || got == "" {
		t.Errorf("a.yml's findings: rows %q, were %q: written again", got, aRows)
	}
	if got := rowids("b.yml"); got == bRows && got != "" {
		t.Errorf("b.yml's findings: rows %q, were %q: not written again", got, bRows)
	}
	if sum.Reused != 2 || sum.Read != 1 {
		t.Fatalf("incremental build: %d files reused, %d read; want 2, 1", sum.Reused, sum.Read)
	}
	if _, err := Build(t.Context(), Options{DB: full, Sources: src, Full: true}); err != nil {
		t.Fatal(err)
	}
	findings := func(db string) map[string][]lint.Finding {
		d, err := store.Open(db)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		ids, err := d.IDs(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][]lint.Finding{}
		for _, id := range ids {
			fs, err := d.RuleFindings(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			out[id] = fs
		}
		return out
	}
	got, want := findings(inc), findings(full)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("incremental build's findings\n%+v\nfull build's\n%+v", got, want)
	}
	var checks []string
	for _, fs := range got {
		for _, f := range fs {
			checks = append(checks, f.Path+" "+f.Check)
		}
	}
	for _, c := range []string{"a.yml value-duplicate", "a.yml duplicate-id", "c.yml duplicate-id"} {
		if !slices.Contains(checks, c) {
			t.Errorf("no %s among %v", c, checks)
		}
	}
}

// TestNearDuplicateFindingsIncremental: a rule's one near-duplicate finding
// follows its near-duplicates through incremental builds as a full build
// makes it: four of them (named three and one more), three (named, none
// more), one (named alone), two again.
func TestNearDuplicateFindingsIncremental(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "dups")
	files := map[string]string{}
	for _, name := range []string{"DupA", "DupB", "DupC", "DupD", "DupE"} {
		files[strings.ToLower(name)+".yml"] = sigmaRule(name, runCommand)
	}
	writeTree(t, dir, files)
	src := []Source{{Name: "dups", Path: dir}}
	db, full := filepath.Join(tmp, "c.db"), filepath.Join(tmp, "full.db")
	if _, err := Build(context.Background(), Options{DB: db, Sources: src}); err != nil {
		t.Fatal(err)
	}
	message := func(id string) string {
		t.Helper()
		rows := tableRows(t, db, "SELECT f.message FROM findings f JOIN rules r ON r.n = f.rule WHERE f.check_ = 'near-duplicate' AND r.id = '"+id+"'")
		if len(rows) > 1 {
			t.Errorf("%s: %d near-duplicate findings, want one", id, len(rows))
		}
		return strings.Join(rows, "\n")
	}
	const a = "sigma/dupa"
	if m := message(a); !strings.HasPrefix(m, "same logic as 4 rules in other files: ") || !strings.HasSuffix(m, "(dupd.yml) and 1 more") {
		t.Errorf("four near-duplicates: %q", m)
	}
	for _, step := range []struct {
		remove, add string
		want        string // in DupA's finding
	}{
		{remove: "dupe.yml", want: "same logic as 3 rules in other files: "},
		{remove: "dupd.yml"},
		{remove: "dupc.yml", want: "same logic as sigma/dupb (dupb.yml)"},
		{add: "dupc.yml", want: "same logic as 2 rules in other files: "},
	} {
		what := "removed " + step.remove
		if step.add != "" {
			what = "added " + step.add
			writeTree(t, dir, map[string]string{step.add: files[step.add]})
		} else if err := os.Remove(filepath.Join(dir, step.remove)); err != nil {
			t.Fatal(err)
		}
		rebuild(t, db, src, false, what)
		if _, err := Build(context.Background(), Options{DB: full, Sources: src, Full: true}); err != nil {
			t.Fatal(err)
		}
		sameRows(t, db, full, what, findingsByID)
		if m := message(a); !strings.HasPrefix(m, step.want) || strings.HasSuffix(m, " more") {
			t.Errorf("%s: %q, want it to begin %q and name every one", what, m, step.want)
		}
	}
}
