package build

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/store"
)

// sigmaRule returns a Sigma rule on Azure activity logs matching op.
func sigmaRule(title, op string, extra ...string) string {
	s := "title: " + title + "\nid: 5e3b1c2a-0000-4000-8000-" + strings.Repeat("0", 12-len(title)%12) + title[:len(title)%12] + `
status: test
description: Detects the operation ` + op + `
author: Test Author
tags:
    - attack.execution
    - attack.t1651
logsource:
    product: azure
    service: activitylogs
detection:
    selection:
        operationName: '` + op + `'
`
	for _, e := range extra {
		s += "        " + e + "\n"
	}
	return s + "    condition: selection\nlevel: medium\n"
}

// writeTree writes files (path → content) under dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, c := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const runCommand = "Microsoft.Compute/virtualMachines/runCommand/action"

func fixture(t *testing.T) (dir string, files map[string]string) {
	dir = filepath.Join(t.TempDir(), "rules")
	files = map[string]string{
		"azure/run_command.yml":  sigmaRule("VM Run Command", runCommand),
		"azure/run_command2.yml": sigmaRule("VM Run Command Again", runCommand), // same logic: near-duplicate
		"azure/ext_write.yml":    sigmaRule("VM Extension Write", "Microsoft.Compute/virtualMachines/extensions/write"),
		"azure/two.yml": sigmaRule("First Of Two", "Microsoft.Authorization/roleAssignments/write") + "---\n" +
			sigmaRule("Second Of Two", "Microsoft.Authorization/roleDefinitions/write"),
		"azure/broken.yml": "title: Broken\nlogsource:\n    product: azure\ndetection:\n    selection:\n        a: [unclosed\n    condition: selection\n",
		"LICENSE":          "Permission is granted.\n",
		"notes/data.csv":   "a,b\n1,2\n",
	}
	writeTree(t, dir, files)
	return dir, files
}

func TestBuildSummary(t *testing.T) {
	dir, files := fixture(t)
	db := filepath.Join(t.TempDir(), "c.db")
	var progress bytes.Buffer
	sum, err := Build(context.Background(), Options{DB: db, Sources: []Source{{Name: "fixture", Path: dir}}, Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	// Counted from the files: every .yml file above but the broken one gives
	// rules (two.yml two); LICENSE and data.csv are no rule format.
	wantRules, wantWith, notRule := 0, 0, 0
	for p, c := range files {
		if !strings.HasSuffix(p, ".yml") {
			notRule++
			continue
		}
		if strings.Contains(c, "unclosed") {
			continue
		}
		wantRules += strings.Count(c, "\ntitle:") + 1
		wantWith++
	}
	if sum.Files != len(files) || sum.Read != len(files) || sum.Reused != 0 {
		t.Errorf("files %d read %d reused %d, want %d %d 0", sum.Files, sum.Read, sum.Reused, len(files), len(files))
	}
	brokenRules := sum.Rules - wantRules
	if brokenRules < 0 || brokenRules > 1 {
		t.Errorf("rules = %d, want %d (+1 if the broken file keeps what it could read)", sum.Rules, wantRules)
	}
	if sum.WithRules != wantWith+brokenRules {
		t.Errorf("files with rules = %d, want %d", sum.WithRules, wantWith+brokenRules)
	}
	if n := sum.Skipped["not a rule format ruledex reads"]; n != notRule {
		t.Errorf("skipped as no rule format = %d, want %d (%v)", n, notRule, sum.Skipped)
	}
	if sum.ByPlatform["sigma"] != sum.Rules || sum.ByPlatformKind["sigma"]["detection"] != sum.Rules {
		t.Errorf("by platform %v, by platform and kind %v", sum.ByPlatform, sum.ByPlatformKind)
	}
	if sum.Diagnostics[rule.SevError] == 0 {
		t.Errorf("no error diagnostic from broken.yml: %v", sum.Diagnostics)
	}
	if sum.NearDuplicates != 2 {
		t.Errorf("near-duplicates = %d, want 2 (run_command and run_command2)", sum.NearDuplicates)
	}
	var out bytes.Buffer
	sum.Write(&out)
	for _, want := range []string{"rules from 7 files", "sigma", "not a rule format ruledex reads", "diagnostics:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
	if !strings.Contains(progress.String(), "reading 7 files") {
		t.Errorf("progress:\n%s", progress.String())
	}
	// The catalog holds what the summary says.
	d, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	st, err := d.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.Rules != sum.Rules || st.Files != len(files) || st.ByRepo["fixture"] != sum.Rules || st.LastBuild.Summary.Rules != sum.Rules {
		t.Errorf("stats %+v disagree with summary %+v", st, sum)
	}
}

// TestIncremental changes, adds and removes files and checks that the
// incremental build equals a full one.
func TestIncremental(t *testing.T) {
	dir, _ := fixture(t)
	tmp := t.TempDir()
	db := filepath.Join(tmp, "c.db")
	src := []Source{{Name: "fixture", Path: dir, URL: "https://github.com/example/rules.git", Ref: "main"}}
	if _, err := Build(context.Background(), Options{DB: db, Sources: src}); err != nil {
		t.Fatal(err)
	}
	// Nothing changed: the catalog is left as it is.
	st0, _ := os.Stat(db)
	same, err := Build(context.Background(), Options{DB: db, Sources: src})
	if st1, _ := os.Stat(db); err != nil || !same.UpToDate || same.Rules == 0 || !st1.ModTime().Equal(st0.ModTime()) {
		t.Errorf("unchanged rebuild: %+v %v", same, err)
	}
	// Another link address is a change.
	src[0].Ref = "dev"
	if again, err := Build(context.Background(), Options{DB: db, Sources: src}); err != nil || again.UpToDate {
		t.Errorf("rebuild with another ref: %+v %v", again, err)
	}
	if d, err := store.Open(db); err == nil {
		r, _ := d.Rule(t.Context(), res0(t, d, `title:"VM Extension Write"`))
		if r == nil || !strings.Contains(r.Source.URL, "/blob/dev/") {
			t.Errorf("link after the ref changed: %+v", r)
		}
		d.Close()
	}
	src[0].Ref = "main"
	writeTree(t, dir, map[string]string{
		"azure/ext_write.yml": sigmaRule("VM Extension Write Changed", "Microsoft.Compute/virtualMachines/extensions/write"),
		"azure/new.yml":       sigmaRule("New Rule", runCommand, "properties.message: 'x'"),
	})
	if err := os.Remove(filepath.Join(dir, "azure", "run_command2.yml")); err != nil {
		t.Fatal(err)
	}
	sum, err := Build(context.Background(), Options{DB: db, Sources: src})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Read != 2 || sum.Removed != 1 || sum.Reused != sum.Files-2 {
		t.Errorf("read %d removed %d reused %d of %d, want 2, 1, %d", sum.Read, sum.Removed, sum.Reused, sum.Files, sum.Files-2)
	}
	full := filepath.Join(tmp, "full.db")
	if _, err := Build(context.Background(), Options{DB: full, Sources: src, Full: true}); err != nil {
		t.Fatal(err)
	}
	a, b := allJSON(t, db), allJSON(t, full)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("incremental build differs from a full build:\n%v\n%v", keys(a), keys(b))
		for k := range a {
			if a[k] != b[k] {
				t.Errorf("%s:\n%s\n%s", k, a[k], b[k])
			}
		}
	}
	d, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	res, err := d.Search(t.Context(), store.Query{Text: "Changed"})
	if err != nil || res.Total != 1 {
		t.Errorf("search Changed: %+v %v", res, err)
	}
	if res, _ := d.Search(t.Context(), store.Query{Text: `"VM Run Command Again"`}); res.Total != 0 {
		t.Errorf("removed rule still found: %+v", res)
	}
	r, err := d.Rule(t.Context(), res0(t, d, "New Rule"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Source.URL != "https://github.com/example/rules/blob/main/azure/new.yml" {
		t.Errorf("url %q", r.Source.URL)
	}
}

// res0 returns the id of the first rule found by text.
func res0(t *testing.T, d *store.DB, text string) string {
	t.Helper()
	res, err := d.Search(t.Context(), store.Query{Text: text})
	if err != nil || len(res.Hits) == 0 {
		t.Fatalf("search %q: %+v %v", text, res, err)
	}
	return res.Hits[0].ID
}

// sqlDB opens the catalog file at path with SQLite itself, read-write,
// for what the store does not show (row counts, meta); closed at the
// test's end.
func sqlDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func allJSON(t *testing.T, path string) map[string]string {
	d, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	m := map[string]string{}
	err = d.EachRule(t.Context(), func(r *rule.Rule) error {
		js, err := json.Marshal(r)
		m[r.ID] = string(js)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	raw := sqlDB(t, path)
	rows, err := raw.Query("SELECT id, diags, url, diag_errors FROM rules")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, diags, url string
		var errs int
		rows.Scan(&id, &diags, &url, &errs)
		m[id] += "\n" + diags + "\n" + url + "\n" + itoa(errs)
	}
	var facets, inds, fts, fields int
	raw.QueryRow("SELECT count(*) FROM facets, json_each('[' || facets.rules || ']')").Scan(&facets)
	raw.QueryRow("SELECT count(*) FROM indicators").Scan(&inds)
	raw.QueryRow("SELECT count(*) FROM search").Scan(&fts)
	raw.QueryRow("SELECT count(*) FROM table_fields").Scan(&fields)
	m["#counts"] = strings.Join([]string{itoa(facets), itoa(inds), itoa(fts), itoa(fields)}, " ")
	return m
}

func itoa(n int) string { return strings.TrimSpace(strings.Repeat(" ", 0) + fmtInt(n)) }

func fmtInt(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}

func keys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// cancelWriter cancels a build when its progress reaches a line holding at.
type cancelWriter struct {
	at     string
	cancel context.CancelFunc
}

func (w *cancelWriter) Write(p []byte) (int, error) {
	if strings.Contains(string(p), w.at) {
		w.cancel()
	}
	return len(p), nil
}

// TestCancelKeepsCatalog cancels builds while reading and while writing and
// checks that the last good catalog is still there, whole.
func TestCancelKeepsCatalog(t *testing.T) {
	dir, _ := fixture(t)
	db := filepath.Join(t.TempDir(), "c.db")
	src := []Source{{Name: "fixture", Path: dir}}
	first, err := Build(context.Background(), Options{DB: db, Sources: src})
	if err != nil {
		t.Fatal(err)
	}
	writeTree(t, dir, map[string]string{"azure/new.yml": sigmaRule("New Rule", runCommand)})
	for _, at := range []string{"reading", "cross-referencing", "writing", "(100%)"} {
		ctx, cancel := context.WithCancel(context.Background())
		_, err := Build(ctx, Options{DB: db, Sources: src, Full: true, Progress: &cancelWriter{at: at, cancel: cancel}})
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled at %q: err = %v", at, err)
		}
		for _, left := range []string{".new", ".new-search"} { // (the new catalog's side search index: store/sidesearch.go)
			if _, err := os.Stat(db + left); !os.IsNotExist(err) {
				t.Errorf("cancelled at %q: %s%s left behind", at, db, left)
			}
		}
		d, err := store.Open(db)
		if err != nil {
			t.Fatalf("cancelled at %q: %v", at, err)
		}
		st, err := d.Stats(t.Context())
		d.Close()
		if err != nil || st.Rules != first.Rules {
			t.Errorf("cancelled at %q: catalog has %d rules, want the first build's %d (%v)", at, st.Rules, first.Rules, err)
		}
	}
}

// TestBuildHostileFiles builds files no rule author would write: invalid
// UTF-8, NUL bytes, odd names, a rule of only a title. The build keeps going
// and the catalog can be searched.
func TestBuildHostileFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rules")
	writeTree(t, dir, map[string]string{
		"bad utf8 ü.yml":  sigmaRule("Bad \xff\xfe UTF-8", "a\x00b"),
		"nul.yml":         "title: x\x00y\nlogsource:\n  product: \x00\ndetection:\n  s:\n    a: \"\\u0000\"\n  condition: s\n",
		"only-title.yml":  "title: Only a title\nlogsource: {}\n",
		"deep.yml":        "title: Deep\nlogsource: {product: x}\ndetection:\n  s:\n    a: " + strings.Repeat("[", 500) + strings.Repeat("]", 500) + "\n  condition: s\n",
		"cond.yml":        "title: Cond\nlogsource: {product: x}\ndetection:\n  s: {a: b}\n  condition: " + strings.Repeat("(", 300) + "s" + strings.Repeat(")", 300) + "\n",
		"binary.yml":      "\x00\x01\x02title: \x03detection:\xff",
		"dup/run.yml":     sigmaRule("Same Id", runCommand),
		"dup/dup/run.yml": sigmaRule("Same Id", runCommand),
	})
	db := filepath.Join(t.TempDir(), "c.db")
	sum, err := Build(context.Background(), Options{DB: db, Sources: []Source{{Path: dir}}})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Files != 8 || sum.Rules < 4 {
		t.Errorf("summary %+v", sum)
	}
	d, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ids, err := d.IDs(t.Context())
	if err != nil || len(ids) != sum.Rules {
		t.Fatalf("ids %v %v", ids, err)
	}
	for _, id := range ids {
		if _, err := d.Rule(t.Context(), id); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
	for _, q := range []string{"bad", "x\x00y", "\xff", "Same"} {
		if _, err := d.Search(t.Context(), store.Query{Text: q}); err != nil {
			t.Errorf("search %q: %v", q, err)
		}
	}
}

func TestBuildRefusesConcurrentAndSameNames(t *testing.T) {
	dir, _ := fixture(t)
	db := filepath.Join(t.TempDir(), "c.db")
	unlock, err := lockBuild(resolveDB(db)) // the lock of the file the build writes (the temporary folder may be under a link)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Build(context.Background(), Options{DB: db, Sources: []Source{{Path: dir}}}); err == nil || !strings.Contains(err.Error(), "another build") {
		t.Errorf("concurrent build: %v", err)
	}
	unlock()
	if _, err := Build(context.Background(), Options{DB: db, Sources: []Source{{Path: dir}}}); err != nil {
		t.Errorf("after unlock: %v", err)
	}
	other := filepath.Join(t.TempDir(), "rules")
	writeTree(t, other, map[string]string{"a.yml": sigmaRule("A", runCommand)})
	if _, err := Build(context.Background(), Options{DB: db, Sources: []Source{{Path: dir}, {Path: other}}}); err == nil || !strings.Contains(err.Error(), "both named rules") {
		t.Errorf("two sources named rules: %v", err)
	}
	if _, err := Build(context.Background(), Options{DB: db, Sources: []Source{{Path: dir}, {Name: "other", Path: other}}}); err != nil {
		t.Errorf("named apart: %v", err)
	}
}

// TestOtherReaderReadsAgain: a catalog made by another ruledex (another
// reader fingerprint) is not reused; every file is read again.
func TestOtherReaderReadsAgain(t *testing.T) {
	dir, _ := fixture(t)
	db := filepath.Join(t.TempDir(), "c.db")
	src := []Source{{Path: dir}}
	if _, err := Build(context.Background(), Options{DB: db, Sources: src}); err != nil {
		t.Fatal(err)
	}
	sum, err := Build(context.Background(), Options{DB: db, Sources: src})
	if err != nil || sum.Reused != sum.Files {
		t.Fatalf("same reader: reused %d of %d (%v)", sum.Reused, sum.Files, err)
	}
	w := sqlDB(t, db)
	if _, err := w.Exec(`UPDATE meta SET value = 'older' WHERE key = 'reader'`); err != nil {
		t.Fatal(err)
	}
	w.Close()
	var progress strings.Builder
	sum, err = Build(context.Background(), Options{DB: db, Sources: src, Progress: &progress})
	if err != nil || sum.Reused != 0 || sum.Read != sum.Files {
		t.Errorf("other reader: read %d, reused %d of %d (%v)", sum.Read, sum.Reused, sum.Files, err)
	}
	if !strings.Contains(progress.String(), "built by another ruledex") {
		t.Errorf("progress does not say why:\n%s", progress.String())
	}
}
