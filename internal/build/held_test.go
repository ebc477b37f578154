package build

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ruledex/ruledex/internal/catalog"
	"github.com/ruledex/ruledex/internal/ingest"
	"github.com/ruledex/ruledex/internal/lint"
	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/store"
)

// TestHeldAsWhole builds the corpus as Build does, its rules held out of
// memory between their reading and their writing (heldRules), and as the
// pipeline does with every rule whole in memory (read, ids, Link,
// CrossReference, lint, written whole), and finds the same rules (bodies
// and diagnostics), links and findings in both catalogs: what a skeleton
// leaves out is what the cross-reference, linking and the corpus checks do
// not read. It fails when one of them starts reading a field the skeleton
// does not keep (or keeps only in part, as the query).
func TestHeldAsWhole(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the whole corpus twice")
	}
	srcs := corpusSources(t)
	dir := t.TempDir()
	held := filepath.Join(dir, "held.db")
	if _, err := Build(context.Background(), Options{DB: held, Sources: srcs}); err != nil {
		t.Fatal(err)
	}
	whole := filepath.Join(dir, "whole.db")
	writeWhole(t, srcs, whole)
	// (and the rows made from each rule as it is written: facets,
	// indicators with their counts, canonical indicators, actions, fields:
	// quickQueries but the rules', held records' and files' own)
	for _, q := range append([]string{
		"SELECT id, body, diags FROM rules ORDER BY n",
		"SELECT rule, data FROM links ORDER BY rule",
		"SELECT rule, check_, severity, message, line, col, fingerprint FROM findings ORDER BY rule, line, col, check_, message, fingerprint",
	}, quickQueries[1:11]...) {
		a, b := tableRows(t, held, q), tableRows(t, whole, q)
		if len(a) == 0 {
			t.Errorf("%s: no rows", q)
		}
		if len(a) != len(b) {
			t.Errorf("%s: %d rows held, %d whole", q, len(a), len(b))
		}
		bad := 0
		for i := range min(len(a), len(b)) {
			if a[i] != b[i] && bad < 5 {
				bad++
				t.Errorf("%s: row %d differs:\nheld:  %.300q\nwhole: %.300q", q, i, a[i], b[i])
			}
		}
	}
}

// writeWhole writes the catalog of srcs with every rule whole in memory
// from its reading (the build's own: examineSources, readRest) to its
// writing.
func writeWhole(t *testing.T, srcs []Source, path string) {
	_, read, err := examineSources(context.Background(), Options{Sources: srcs}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var results []ingest.FileResult
	for i := range read {
		if fr := &read[i]; fr.toRead {
			fr.readRest(nil)
			results = append(results, fr.FileResult)
		}
	}
	ingest.AssignIDs(results)
	var all []*rule.Rule
	abs := map[string]string{}
	files := make([]store.File, len(results))
	for i, fr := range results {
		all = append(all, fr.Rules...)
		abs[fr.Repo+"\x00"+fr.Path] = fr.Abs
		files[i] = store.File{Repo: fr.Repo, Path: fr.Path, Abs: fr.Abs, Format: fr.Format, Rules: fr.Rules}
	}
	ingest.Link(all)
	catalog.CrossReference(all)
	findings := lint.Run(all, lint.Options{Source: func(r *rule.Rule) []byte {
		data, _ := ingest.ReadBounded(abs[r.Source.Repo+"\x00"+r.Source.Path])
		return data
	}})
	if _, err := store.WriteCatalog(context.Background(), store.Write{Path: path, Files: files,
		Findings: findings, Summary: &store.Summary{}}); err != nil {
		t.Fatal(err)
	}
}

// tableRows returns the rows q selects from the catalog at path, each as
// one string.
func tableRows(t *testing.T, path, q string) []string {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			parts[i] = fmt.Sprint(v)
		}
		out = append(out, strings.Join(parts, "\x00"))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return slices.Clip(out)
}

// TestStaleSpillRemoved: the spill a build stopped by a crash left beside
// the catalog is removed by the next build, and a build leaves none.
func TestStaleSpillRemoved(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	q := "SecurityEvent\n| where EventID == 4688\n| where CommandLine has \"whoami\"\n"
	if err := os.WriteFile(filepath.Join(src, "a.kql"), []byte(q), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "c.db")
	stale := db + ".rules-123456"
	if err := os.WriteFile(stale, []byte("left by a crash"), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := Build(context.Background(), Options{DB: db, Sources: []Source{{Name: "src", Path: src}}})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Rules != 1 {
		t.Fatalf("%d rules, want 1", sum.Rules)
	}
	left, _ := filepath.Glob(db + ".rules-*")
	if len(left) != 0 {
		t.Errorf("spills left beside the catalog: %v", left)
	}
}

// TestIncrementalHeld: an incremental build takes the rules of the sources
// none of whose files changed as the last catalog held them (no rule of
// theirs read whole, prepared or spilled), those of the source that
// changed whole, and makes the catalog a full build makes; a catalog
// whose held records are gone (an older writer's) is read whole, the same.
func TestIncrementalHeld(t *testing.T) {
	dir, files := fixture(t)
	tmp := t.TempDir()
	extra := filepath.Join(tmp, "extra")
	writeTree(t, extra, map[string]string{"touched.yml": sigmaRule("Touched 0", runCommand)})
	writeTree(t, dir, map[string]string{"README.md": "# Not a rule\n"}) // a file that gives no rule is no change
	src := []Source{{Name: "fixture", Path: dir}, {Name: "extra", Path: extra}}
	db := filepath.Join(tmp, "c.db")
	if _, err := Build(context.Background(), Options{DB: db, Sources: src}); err != nil {
		t.Fatal(err)
	}
	fixtureRules := 0
	for p := range files {
		if strings.HasSuffix(p, ".yml") {
			fixtureRules++
		}
	}
	full := filepath.Join(tmp, "full.db")
	for i, drop := range []bool{false, true} {
		if drop { // as an older catalog: no held records
			d, err := sql.Open("sqlite", db)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := d.Exec(`DELETE FROM held`); err != nil {
				t.Fatal(err)
			}
			d.Close()
		}
		writeTree(t, extra, map[string]string{"touched.yml": sigmaRule(fmt.Sprintf("Touched %d", i+1), runCommand, "properties.message: 'x'")})
		var out strings.Builder
		sum, err := Build(context.Background(), Options{DB: db, Sources: src, Progress: &out})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Read != 1 {
			t.Errorf("read %d files, want 1", sum.Read)
		}
		held := fmt.Sprintf("rules (%d as the last catalog held them)", sum.Rules-1)
		if got := strings.Contains(out.String(), held); got == drop || sum.Rules-1 < fixtureRules/2 {
			t.Errorf("held records dropped %v: progress says %q, want %q said %v", drop, out.String(), held, !drop)
		}
		sameAsFull(t, db, full, src, fmt.Sprintf("held records dropped %v", drop))
	}
}

// TestIncrementalSourceMoved: a source moved to another folder lints its
// rules as before, so a rebuild keeps the findings of its rules that did
// not change (their rows) and reads none of them whole, and makes a full
// build's catalog.
func TestIncrementalSourceMoved(t *testing.T) {
	dir, _ := fixture(t)
	tmp := t.TempDir()
	db := filepath.Join(tmp, "c.db")
	if _, err := Build(context.Background(), Options{DB: db, Sources: []Source{{Name: "fixture", Path: dir}}}); err != nil {
		t.Fatal(err)
	}
	findingRows := func() string {
		var rows string
		if err := sqlDB(t, db).QueryRow(`SELECT coalesce(group_concat(rowid), '') FROM findings`).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		return rows
	}
	before := findingRows()
	moved := filepath.Join(tmp, "moved")
	if err := os.Rename(dir, moved); err != nil {
		t.Fatal(err)
	}
	src := []Source{{Name: "fixture", Path: moved}}
	var out strings.Builder
	var whole atomic.Int32
	wholeFromPrev = func() { whole.Add(1) }
	defer func() { wholeFromPrev = nil }()
	sum, err := Build(context.Background(), Options{DB: db, Sources: src, Progress: &out})
	if err != nil {
		t.Fatal(err)
	}
	if n := whole.Load(); n != 0 {
		t.Errorf("%d rules read whole from the last catalog, want none", n)
	}
	if want := fmt.Sprintf("keeping the cross-references of %[1]d rules (%[1]d as the last catalog held them)", sum.Rules); !strings.Contains(out.String(), want) {
		t.Errorf("progress %q, want %q", out.String(), want) // (every rule as it was, but for its source's folder)
	}
	if got := findingRows(); got != before || got == "" {
		t.Errorf("finding rows %q, were %q: written again", got, before)
	}
	sameAsFull(t, db, filepath.Join(tmp, "full.db"), src, "source moved")
}

// sameAsFull builds src in full into the catalog full and reports every
// rule (and count of rows) in which the catalog db differs from it.
func sameAsFull(t *testing.T, db, full string, src []Source, what string) {
	t.Helper()
	if _, err := Build(context.Background(), Options{DB: full, Sources: src, Full: true}); err != nil {
		t.Fatal(err)
	}
	a, b := allJSON(t, db), allJSON(t, full)
	if len(a) != len(b) {
		t.Errorf("%s: the incremental build has %d rules and counts, a full build %d", what, len(a), len(b))
	}
	for k := range b {
		if a[k] != b[k] {
			x, y := firstDifference(a[k], b[k])
			t.Errorf("%s: incremental and full builds differ on %s:\n…%s…\n…%s…", what, k, x, y)
		}
	}
}

// TestHeldRecordCut: a held record read back whole gives the skeleton, what
// Prepare made and the checks turned off that were written; any record
// cut short or with a byte changed is an error or a record, never a panic
// (a damaged catalog's records are read by the next build, which then
// reads the rules whole).
func TestHeldRecordCut(t *testing.T) {
	res := ingest.ReadData("r", "a.yml", "a.yml", []byte(sigmaRule("Held Record", runCommand, "properties.message: 'x'")), "")
	if len(res.Rules) != 1 {
		t.Fatalf("%d rules", len(res.Rules))
	}
	r := res.Rules[0]
	p := catalog.Prepare(r)
	s := skeleton(r, &names{})
	rec := heldRecord(nil, s, p, []string{"check-a", "check-b"})
	got, gp, off, err := heldOf(rec)
	if err != nil || got.Title != "Held Record" || !slices.Equal(off, []string{"check-a", "check-b"}) {
		t.Fatalf("heldOf: %v, %+v, %v", err, got, off)
	}
	if string(gp.AppendBinary(nil)) != string(p.AppendBinary(nil)) {
		t.Error("what Prepare made did not read back")
	}
	for i := range rec {
		heldOf(rec[:i])
		bad := slices.Clone(rec)
		bad[i] ^= 0xff
		heldOf(bad)
	}
}
