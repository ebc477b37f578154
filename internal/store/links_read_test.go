package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
)

// TestRuleShownAndLinks: a rule read with its lists cut keeps the first k of
// each, names them as its summary does (id, platform, title, path), says
// how long each whole list is; RuleLinks windows them; Rule reads them
// whole.
func TestRuleShownAndLinks(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rules")
	files := map[string]string{}
	for i := range 5 {
		files[fmt.Sprintf("azure/run_command%d.yml", i)] = sigmaRule(fmt.Sprintf("VM Run Command %d", i), runCommand)
	}
	files["azure/ext_write.yml"] = sigmaRule("VM Extension Write", "Microsoft.Compute/virtualMachines/extensions/write")
	writeTree(t, dir, files)
	db := filepath.Join(t.TempDir(), "c.db")
	testBuild(t, db, Source{Name: "fixture", Path: dir})
	d, err := Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx := t.Context()
	id := res0(t, d, `"VM Run Command 0"`)
	whole, err := d.Rule(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(whole.SameAction) != 4 || len(whole.NearDuplicates) != 4 {
		t.Fatalf("%s: %d same action, %d near-duplicates; want 4 each", id, len(whole.SameAction), len(whole.NearDuplicates))
	}
	byN, err := d.summaryMap(ctx, []int64{1, 2, 3, 4, 5, 6, 7, 8})
	if err != nil || len(byN) != 6 {
		t.Fatalf("summaries: %v %v", byN, err)
	}
	byID := map[string]RuleSummary{}
	for _, s := range byN {
		byID[s.ID] = s
	}
	for _, ref := range append(whole.SameAction, whole.NearDuplicates...) {
		s := byID[ref.ID]
		if ref.ID != s.ID || ref.Platform != s.Platform || ref.Title != s.Title || ref.Path != s.Path || ref.Title == "" || ref.Path == "" {
			t.Errorf("link %+v, its rule's summary %+v", ref, s)
		}
	}
	cut, tot, err := d.RuleShown(ctx, id, 2)
	if err != nil {
		t.Fatal(err)
	}
	if tot.SameAction != 4 || tot.NearDuplicates != 4 || tot.SameBehaviour != len(whole.SameBehaviour) ||
		len(cut.SameAction) != 2 || len(cut.NearDuplicates) != 2 || cut.SameAction[1].ID != whole.SameAction[1].ID ||
		cut.NearDuplicates[1].Path != whole.NearDuplicates[1].Path || cut.Title != whole.Title || cut.Query != whole.Query {
		t.Errorf("RuleShown(2): totals %+v, %d and %d links", tot, len(cut.SameAction), len(cut.NearDuplicates))
	}
	ls, err := d.RuleLinks(ctx, id, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	if ls.Totals != tot || len(ls.SameAction) != 1 || ls.SameAction[0].ID != whole.SameAction[3].ID ||
		len(ls.NearDuplicates) != 1 || ls.NearDuplicates[0].Title != whole.NearDuplicates[3].Title {
		t.Errorf("RuleLinks(3, 2): %+v", ls)
	}
	if _, err := d.RuleLinks(ctx, "sigma/nope", 0, 1); err == nil {
		t.Error("RuleLinks of no rule: no error")
	}
	if _, _, err := d.RuleShown(ctx, "sigma/nope", 1); err == nil {
		t.Error("RuleShown of no rule: no error")
	}
}

// TestLinksToGoneRules: a link to a rule whose row is gone is neither shown
// nor counted in its list's length (a page said "the first 28 of 30"), in
// RuleShown, RuleLinks and Rule alike.
func TestLinksToGoneRules(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rules")
	files := map[string]string{}
	for i := range 5 {
		files[fmt.Sprintf("azure/run_command%d.yml", i)] = sigmaRule(fmt.Sprintf("VM Run Command %d", i), runCommand)
	}
	writeTree(t, dir, files)
	db := filepath.Join(t.TempDir(), "c.db")
	testBuild(t, db, Source{Name: "fixture", Path: dir})
	d, err := Open(db)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	id := res0(t, d, `"VM Run Command 0"`)
	whole, err := d.Rule(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(whole.SameAction) != 4 {
		t.Fatalf("%s: %d rules of the same action, want 4", id, len(whole.SameAction))
	}
	gone := whole.SameAction[1].ID
	d.Close()
	w, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Exec(`DELETE FROM rules WHERE id = ?`, gone); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if d, err = Open(db); err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	r, tot, err := d.RuleShown(ctx, id, 2)
	if err != nil {
		t.Fatal(err)
	}
	if tot.SameAction != 3 || tot.NearDuplicates != 3 || len(r.SameAction) != 2 || r.SameAction[1].ID == gone {
		t.Errorf("RuleShown(2) with %s gone: totals %+v, %d shown", gone, tot, len(r.SameAction))
	}
	ls, err := d.RuleLinks(ctx, id, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if ls.Totals != tot || len(ls.SameAction) != 3 || len(ls.NearDuplicates) != 3 {
		t.Errorf("RuleLinks: totals %+v, %d and %d links", ls.Totals, len(ls.SameAction), len(ls.NearDuplicates))
	}
	for _, ref := range append(ls.SameAction, ls.NearDuplicates...) {
		if ref.ID == gone || ref.ID == "" {
			t.Errorf("RuleLinks names %q", ref.ID)
		}
	}
}

// TestLinkNamesRetried: the names of the linked rules that failed to load
// are loaded again by the next reader, not kept failed for the catalog's
// life.
func TestLinkNamesRetried(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rules")
	files := map[string]string{}
	for i := range 3 {
		files[fmt.Sprintf("azure/run_command%d.yml", i)] = sigmaRule(fmt.Sprintf("VM Run Command %d", i), runCommand)
	}
	writeTree(t, dir, files)
	db := filepath.Join(t.TempDir(), "c.db")
	testBuild(t, db, Source{Name: "fixture", Path: dir})
	d, err := Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	id := res0(t, d, `"VM Run Command 0"`)
	failing := errors.New("disk busy")
	loadNames = func(*DB, context.Context) (*linkNames, error) { return nil, failing }
	_, _, err = d.RuleShown(t.Context(), id, 10)
	loadNames = (*DB).loadLinkNames
	if !errors.Is(err, failing) {
		t.Fatalf("RuleShown while the names fail to load: %v", err)
	}
	r, tot, err := d.RuleShown(t.Context(), id, 10)
	if err != nil || tot.SameAction != 2 || len(r.SameAction) != 2 {
		t.Errorf("RuleShown after: %v, totals %+v", err, tot)
	}
}
