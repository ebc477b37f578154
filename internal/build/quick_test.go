package build

import (
	"context"
	"database/sql"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/testcorpus"
)

// quickQueries dump every table of a catalog, rules by id.
var quickQueries = []string{
	"SELECT id, src_id, platform, language, product, kind, title, severity, status, repo, path, line, url, file_sha256, techniques, tables_, diag_errors, hex(body), diags, src_related, blurb FROM rules ORDER BY id",
	"SELECT r.id, f.facet, f.value FROM facets f, json_each('[' || f.rules || ']') j JOIN rules r ON r.n = j.value ORDER BY 1, 2, 3",
	"SELECT facet, value FROM facets ORDER BY 1, 2",
	"SELECT r.id, i.field, i.kind, i.match_kind, i.value, i.folded, i.case_sensitive, i.total, i.all_ FROM indicators i JOIN rules r ON r.n = i.rule ORDER BY 1,2,3,4,5,6,7,8,9",
	"SELECT count(*) FROM indicators",
	"SELECT r.id, c.field, c.kind, c.value, c.from_ FROM canonical_indicators c JOIN rules r ON r.n = c.rule ORDER BY 1,2,3,4,5",
	"SELECT count(*) FROM canonical_indicators",
	"SELECT r.id, a.space, a.value, a.match, a.label FROM actions a JOIN rules r ON r.n = a.rule ORDER BY 1,2,3,4,5",
	"SELECT count(*) FROM actions",
	"SELECT r.id, x.tbl, x.field FROM table_fields x JOIN rules r ON r.n = x.rule ORDER BY 1,2,3",
	"SELECT count(*) FROM table_fields",
	"SELECT r.id, hex(h.data), hex(h.sum), hex(h.body_sum), hex(h.findings_sum) FROM held h JOIN rules r ON r.n = h.rule ORDER BY 1",
	"SELECT count(*) FROM held",
	findingsByID,
	// findings in the order a rule's page reads them (RuleFindingsShown: by rowid)
	"SELECT r.id, group_concat(f.check_ || ':' || f.line || ':' || f.col, ' ') FROM (SELECT * FROM findings ORDER BY rowid) f JOIN rules r ON r.n = f.rule GROUP BY r.id ORDER BY 1",
	"SELECT count(*) FROM findings",
	"SELECT repo, path, abs, sha256, format, size, mtime, skipped, diags FROM files ORDER BY 1, 2",
	"SELECT count(*) FROM links",
	"SELECT key, value FROM meta WHERE key NOT IN ('written_over') ORDER BY 1",
}

// searchTerms dumps the search index (contentless: by its vocabulary) of a
// catalog, rules by id: every term, column and offset of each rule.
func searchTerms(t *testing.T, path string) []string {
	t.Helper()
	cp := filepath.Join(t.TempDir(), "copy.db")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cp, b, 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+cp)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, search, 'instance')`); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`SELECT r.id, v.term, v.col, v.offset FROM temp.v v JOIN rules r ON r.n = v.doc ORDER BY 1, 2, 3, 4`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, term, col string
		var off int
		if err := rows.Scan(&id, &term, &col, &off); err != nil {
			t.Fatal(err)
		}
		out = append(out, id+" "+term+" "+col+" "+itoa(off))
	}
	var n int
	db.QueryRow(`SELECT count(*) FROM temp.v`).Scan(&n)
	out = append(out, "#instances "+itoa(n))
	return out
}

// lastSummary is the last build's summary of a catalog, but for what a
// build's files read and its time.
func lastSummary(t *testing.T, path string) string {
	t.Helper()
	rows := tableRows(t, path, "SELECT summary FROM builds ORDER BY n DESC LIMIT 1")
	if len(rows) != 1 {
		t.Fatalf("%s: %d builds", path, len(rows))
	}
	var s Summary
	if err := json.Unmarshal([]byte(rows[0]), &s); err != nil {
		t.Fatal(err)
	}
	s.Read, s.Reused, s.Removed, s.Duration = 0, 0, 0, 0
	return summaryJSON(t, &s)
}

// quickRebuild rebuilds srcs into db, and reports whether it was a quick
// rebuild; then compares every table with a full build's.
func quickRebuild(t *testing.T, db string, srcs []Source, what string, wantQuick bool) {
	t.Helper()
	before := quickBuilds.Load()
	var out strings.Builder
	if _, err := Build(context.Background(), Options{DB: db, Sources: srcs, Progress: &out}); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if got := quickBuilds.Load() > before; got != wantQuick {
		t.Errorf("%s: quick %v, want %v; progress:\n%s", what, got, wantQuick, out.String())
	}
	sameAsFullAll(t, db, srcs, what)
}

// sameAsFullAll compares every table of db, and its search index term for
// term (not for the corpus: too long), with a full build's of srcs.
func sameAsFullAll(t *testing.T, db string, srcs []Source, what string) {
	t.Helper()
	full := filepath.Join(t.TempDir(), "full.db")
	sameAsFull(t, db, full, srcs, what)
	sameRows(t, db, full, what, quickQueries...)
	if testing.Short() || len(tableRows(t, db, "SELECT n FROM rules")) > 1000 {
		// (the search index compared by sameAsFull's rows alone)
	} else if a, b := strings.Join(searchTerms(t, db), "\n"), strings.Join(searchTerms(t, full), "\n"); a != b {
		t.Errorf("%s: search index differs from a full build's: %s", what, testcorpus.FirstDiff(b, a))
	}
	if a, b := lastSummary(t, db), lastSummary(t, full); a != b {
		t.Errorf("%s: summary\n%s\nwant\n%s", what, a, b)
	}
}

func editFile(t *testing.T, path, from, to string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if !strings.Contains(s, from) {
		t.Fatalf("%s holds no %q", path, from)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(s, from, to, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

func touchFile(t *testing.T, path string) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	mt := st.ModTime().Add(3e9)
	if err := os.Chtimes(path, mt, mt); err != nil {
		t.Fatal(err)
	}
}

// TestQuickFixture: quick rebuilds of the fixture (comments, touches,
// descriptions, several files at once) make a full build's catalog, table
// for table and the search index term for term.
func TestQuickFixture(t *testing.T) {
	dir, _, db, src := builtFixture(t)
	az := func(p string) string { return filepath.Join(dir, "azure", p) }
	sameAsFullAll(t, db, src, "first build")

	appendLine(t, az("run_command.yml"), "# c1")
	appendLine(t, az("ext_write.yml"), "# c2")
	quickRebuild(t, db, src, "two files, comments", true)

	touchFile(t, az("run_command2.yml"))
	appendLine(t, az("run_command.yml"), "# c3")
	quickRebuild(t, db, src, "touched + comment", true)

	touchFile(t, az("ext_write.yml"))
	quickRebuild(t, db, src, "touched alone", true)

	appendLine(t, az("two.yml"), "# c4")
	quickRebuild(t, db, src, "multi-document comment", true)

	editFile(t, az("two.yml"), "description: Detects", "description: Now finds")
	quickRebuild(t, db, src, "multi-document description (first doc)", true)

	editFile(t, az("run_command.yml"), "description: Detects the operation", "description: Looks for the operation, every time it is seen,")
	quickRebuild(t, db, src, "description", true)

	editFile(t, az("run_command.yml"), "author: Test Author", "author: Someone Else")
	quickRebuild(t, db, src, "author", true)

	appendLine(t, filepath.Join(dir, "LICENSE"), "More text.")
	quickRebuild(t, db, src, "a skipped file, skipped again", true)

	appendLine(t, filepath.Join(dir, "notes", "data.csv"), "3,4")
	appendLine(t, az("run_command.yml"), "# c5")
	quickRebuild(t, db, src, "a skipped file and a comment", true)

	appendLine(t, az("broken.yml"), "# c6")
	quickRebuild(t, db, src, "a file that fails to parse", true)

	// A title: no other rule reads it; its line in the query alone changed.
	editFile(t, az("run_command.yml"), "title: VM Run Command", "title: VM Run Command Changed")
	quickRebuild(t, db, src, "title", true)

	// Fallbacks.
	editFile(t, az("run_command.yml"), "title: VM Run Command Changed", "title: VM Run Command\n  Changed")
	quickRebuild(t, db, src, "title on two lines (the id's line moves)", false)

	writeTree(t, dir, map[string]string{"azure/new.yml": sigmaRule("New Rule", "Microsoft.Compute/virtualMachines/new/action")})
	appendLine(t, az("ext_write.yml"), "# c7")
	quickRebuild(t, db, src, "added + comment", false)

	os.Remove(az("new.yml"))
	appendLine(t, az("ext_write.yml"), "# c8")
	quickRebuild(t, db, src, "removed + comment", false)

	editFile(t, az("ext_write.yml"), "level: medium", "level: high")
	quickRebuild(t, db, src, "level", false)

	appendLine(t, az("ext_write.yml"), "# ruledex:disable=near-duplicate")
	quickRebuild(t, db, src, "a disable comment", false) // (Sigma's query is the YAML, comments included)

	editFile(t, az("ext_write.yml"), "description: Detects", "description: ruledex:disable=near-duplicate Detects")
	quickRebuild(t, db, src, "a disable in the description", false)
}

// TestQuickFilesAlone: a quick rebuild of a repository whose rules no
// language links by repository links and compares the rules of the files
// read again alone; so does one of a repository whose language links its
// rules with its definitions (a Splunk detection, with the macros), but
// every rule of it when a definition's file is read again (a macro's).
func TestQuickFilesAlone(t *testing.T) {
	dir, _, db, src := builtFixture(t)
	before := quickRules.Load()
	appendLine(t, filepath.Join(dir, "azure", "run_command.yml"), "# c")
	quickRebuild(t, db, src, "a comment", true)
	if n := quickRules.Load() - before; n != 1 {
		t.Errorf("a comment in a file of one rule: %d rules linked and compared again, want 1", n)
	}

	tmp := t.TempDir()
	splunk := filepath.Join(tmp, "splunk")
	writeTree(t, splunk, map[string]string{
		"macros/m.yml":     "definition: index=main\ndescription: m\nname: m\n",
		"detections/a.yml": escuDetection("A", "1", "", "`m` process_name=whoami.exe | stats count by dest"),
		"detections/b.yml": escuDetection("B", "2", "", "`m` process_name=net.exe | stats count by user"),
	})
	src = []Source{{Name: "splunk", Path: splunk}}
	db = filepath.Join(tmp, "s.db")
	if _, err := Build(context.Background(), Options{DB: db, Sources: src}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		file string
		want int64
	}{{"detections/a.yml", 1}, {"macros/m.yml", 3}} {
		before = quickRules.Load()
		appendLine(t, filepath.Join(splunk, c.file), "# c")
		quickRebuild(t, db, src, "a comment in "+c.file, true)
		if n := quickRules.Load() - before; n != c.want {
			t.Errorf("a comment in %s: %d rules linked and compared again, want %d", c.file, n, c.want)
		}
	}
}

// copyTree copies the folder from to to.
func copyTree(t *testing.T, from, to string) { copyEvery(t, from, to, 1) }

// copyEvery copies the folder from to to, every k-th file of it.
func copyEvery(t *testing.T, from, to string, k int) {
	t.Helper()
	i := 0
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		if i++; !d.Type().IsRegular() || (i-1)%k != 0 {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// filesOf lists the files of dir ending in ext, sorted.
func filesOf(t *testing.T, dir, ext string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ext) {
			out = append(out, p)
		}
		return nil
	})
	return out
}

func appendText(t *testing.T, p, s string) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 0 && b[len(b)-1] != '\n' {
		s = "\n" + s
	}
	if err := os.WriteFile(p, append(b, s...), 0o644); err != nil {
		t.Fatal(err)
	}
}

func replaceFirst(t *testing.T, p, from, to string) bool {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), from) {
		return false
	}
	return os.WriteFile(p, []byte(strings.Replace(string(b), from, to, 1)), 0o644) == nil
}

// TestQuickCorpus: edits of the corpus's files of five languages (a
// comment, a description, a touch, several repositories at once, a Splunk
// macro), each rebuild, quick or not, a full build's catalog.
func TestQuickCorpus(t *testing.T) {
	tmp := t.TempDir()
	// A tenth of each repository's files (each rebuild is compared with a
	// full build, table for table; a macro's edits: TestQuickMacroDefinition).
	repos := map[string]int{"splunk": 10, "chronicle": 10, "azure-sentinel-2020": 10, "elastic": 10, "sigma": 10}
	var srcs []Source
	for _, r := range slices.Sorted(maps.Keys(repos)) {
		copyEvery(t, testcorpus.Dir(t, r), filepath.Join(tmp, r), repos[r])
		srcs = append(srcs, Source{Name: r, Path: filepath.Join(tmp, r)})
	}
	db := filepath.Join(tmp, "c.db")
	if _, err := Build(context.Background(), Options{DB: db, Sources: srcs}); err != nil {
		t.Fatal(err)
	}
	type edit struct {
		repo, ext string
		k         int // which file (stride)
		how       string
	}
	apply := func(e edit) string {
		fs := filesOf(t, filepath.Join(tmp, e.repo), e.ext)
		if len(fs) == 0 {
			t.Fatalf("no %s in %s", e.ext, e.repo)
		}
		p := fs[(e.k*7919)%len(fs)]
		switch e.how {
		case "comment#":
			appendText(t, p, "# review comment\n")
		case "comment//":
			appendText(t, p, "// review comment\n")
		case "touch":
			touchFile(t, p)
		case "descyaml":
			if !replaceFirst(t, p, "\ndescription: ", "\ndescription: Changed here. ") && !replaceFirst(t, p, "\ndescription: |\n", "\ndescription: |\n  Changed here.\n") {
				t.Logf("no description in %s", p)
			}
		case "desctoml":
			if !replaceFirst(t, p, "description = \"", "description = \"Changed here. ") && !replaceFirst(t, p, "description = \"\"\"\n", "description = \"\"\"\nChanged here.\n") {
				t.Logf("no description in %s", p)
			}
		case "titleyaml":
			if !replaceFirst(t, p, "title: ", "title: Renamed ") && !replaceFirst(t, p, "name: ", "name: Renamed ") {
				t.Logf("no title in %s", p)
			}
		case "titletoml":
			if !replaceFirst(t, p, "\nname = \"", "\nname = \"Renamed ") {
				t.Logf("no name in %s", p)
			}
		case "descyaral":
			if !replaceFirst(t, p, "description = \"", "description = \"Changed here. ") {
				t.Logf("no description in %s", p)
			}
		}
		rel, _ := filepath.Rel(tmp, p)
		return e.how + " " + rel
	}
	steps := [][]edit{
		{{"splunk", ".yml", 1, "comment#"}},
		{{"splunk", ".yml", 2, "descyaml"}},
		{{"splunk", ".yml", 3, "comment#"}, {"splunk", ".yml", 4, "comment#"}, {"splunk", ".yml", 5, "touch"}},
		{{"chronicle", ".yaral", 1, "comment//"}},
		{{"chronicle", ".yaral", 2, "descyaral"}},
		{{"azure-sentinel-2020", ".yaml", 1, "comment#"}},
		{{"azure-sentinel-2020", ".yaml", 2, "descyaml"}, {"azure-sentinel-2020", ".yaml", 3, "comment#"}},
		{{"elastic", ".toml", 1, "comment#"}},
		{{"elastic", ".toml", 2, "desctoml"}},
		{{"sigma", ".yml", 1, "comment#"}, {"sigma", ".yml", 2, "descyaml"}, {"elastic", ".toml", 3, "comment#"}, {"splunk", ".yml", 6, "descyaml"}},
		{{"sigma", ".yml", 3, "titleyaml"}},
		{{"splunk", ".yml", 7, "titleyaml"}},
		{{"azure-sentinel-2020", ".yaml", 4, "titleyaml"}},
		{{"elastic", ".toml", 4, "titletoml"}},
		{{"sigma", ".yml", 4, "titleyaml"}, {"sigma", ".yml", 5, "comment#"}, {"chronicle", ".yaral", 3, "comment//"}},
	}
	quick := 0
	for i, st := range steps {
		var what []string
		for _, e := range st {
			what = append(what, apply(e))
		}
		w := itoa(i) + ": " + strings.Join(what, "; ")
		before := quickBuilds.Load()
		var out strings.Builder
		if _, err := Build(context.Background(), Options{DB: db, Sources: srcs, Progress: &out}); err != nil {
			t.Fatalf("%s: %v", w, err)
		}
		if quickBuilds.Load() > before {
			quick++
			t.Logf("%s: quick", w)
		} else {
			t.Logf("%s: the whole way", w)
		}
		sameAsFullAll(t, db, srcs, w)
	}
	if quick < len(steps)/2 {
		t.Errorf("%d quick rebuilds of %d: the test tests little", quick, len(steps))
	}
}

// A repository linked again whose rule, in a file not read again, changes
// (its body: a deployment's schedule) and has a finding in its query,
// embedded in YAML: the finding's column is the file's.
func TestQuickRelinkedColumns(t *testing.T) {
	detection := escuDetection("Whoami Run", "1", "data_source:\n- Sysmon EventID 1\n", "X")
	detection = strings.Replace(detection, "search: 'X'\n", "search: |\n      | tstats count from datamodel=Endpoint.Processes where Processes.process_name=\"whoami.exe \" by Processes.dest Processes.user\n", 1)
	db, srcs := escuScheduleChanged(t, detection)
	quickRebuild(t, db, srcs, "a deployment's schedule", true)
}

// A file the build does not read (examined: a broken symbolic link, a file
// too large), whose examination changed, with a comment added elsewhere.
func TestQuickExaminedSkip(t *testing.T) {
	dir, _, db, src := builtFixture(t)
	az := func(p string) string { return filepath.Join(dir, "azure", p) }
	if err := os.Symlink("nowhere1", az("link.yml")); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("# padding line of a file too large to read\n", 9<<20/43)
	writeTree(t, dir, map[string]string{"azure/big.yml": big})
	if _, err := Build(context.Background(), Options{DB: db, Sources: src}); err != nil {
		t.Fatal(err)
	}
	sameAsFullAll(t, db, src, "link and big file added")

	os.Remove(az("link.yml"))
	if err := os.Symlink("nowhere2", az("link.yml")); err != nil {
		t.Fatal(err)
	}
	appendLine(t, az("big.yml"), "# one more line")
	appendLine(t, az("run_command.yml"), "# a comment")
	quickRebuild(t, db, src, "link moved, big file grown, a comment", false)
}

// TestQuickTwoRepos: quick rebuilds across two repositories (a
// correlation's target, an id two repositories state, a file of each),
// and the changes that must take the whole way (an id, a title's
// spacing before the id, the sources, more files than quickFiles).
func TestQuickTwoRepos(t *testing.T) {
	dir, _ := fixture(t)
	tmp := t.TempDir()
	extra := filepath.Join(tmp, "extra")
	touched := sigmaRule("Touched", runCommand)
	related := strings.Replace(sigmaRule("Related", "Microsoft.Compute/virtualMachines/restart/action"), "status: test\n",
		"related:\n    - id: 5e3b1c2a-0000-4000-8000-0000000Touched\n      type: derived\nstatus: test\n", 1)
	// the same rule as the fixture's run_command.yml: the same id, in another repository
	writeTree(t, extra, map[string]string{"touched.yml": touched, "dup.yml": sigmaRule("Touched", "Microsoft.Compute/virtualMachines/start/action"),
		"related.yml": related, "corr.yml": corrRule, "target.yml": targetRule,
		"run_command.yml": sigmaRule("VM Run Command", runCommand)})
	src := []Source{{Name: "fixture", Path: dir}, {Name: "extra", Path: extra}}
	db := filepath.Join(tmp, "c.db")
	if _, err := Build(context.Background(), Options{DB: db, Sources: src}); err != nil {
		t.Fatal(err)
	}
	sameAsFullAll(t, db, src, "first")
	ex := func(p string) string { return filepath.Join(extra, p) }
	az := func(p string) string { return filepath.Join(dir, "azure", p) }

	appendLine(t, ex("target.yml"), "# c")
	quickRebuild(t, db, src, "a correlation's target, a comment", true)
	editFile(t, ex("target.yml"), "title: Whoami", "title: Whoami\ndescription: Now described")
	quickRebuild(t, db, src, "a correlation's target, a description (a line added: the lines move)", false)
	appendLine(t, ex("touched.yml"), "# c")
	quickRebuild(t, db, src, "a duplicate id, a comment", true)
	editFile(t, ex("touched.yml"), "title: Touched", "title:    Touched")
	quickRebuild(t, db, src, "a duplicate id, the title's spaces (the query up to the id)", false)
	appendLine(t, ex("related.yml"), "# c")
	appendLine(t, az("run_command.yml"), "# c")
	quickRebuild(t, db, src, "a file of each repository", true)
	appendLine(t, ex("run_command.yml"), "# c")
	quickRebuild(t, db, src, "the colliding id's rule", true)
	editFile(t, ex("run_command.yml"), "description: Detects", "description: Finds")
	appendLine(t, az("run_command.yml"), "# d")
	quickRebuild(t, db, src, "both rules of the colliding id", true)
	// the ids given: extra/run_command.yml takes another id, freeing the fixture's
	editFile(t, az("run_command.yml"), "id: 5e3b1c2a", "id: 6e3b1c2a")
	quickRebuild(t, db, src, "an id changed", false)
	// sources changed: another name
	src2 := []Source{{Name: "fixture", Path: dir}, {Name: "extra2", Path: extra}}
	appendLine(t, ex("related.yml"), "# e")
	quickRebuild(t, db, src2, "sources renamed", false)
	// more than quickFiles
	defer func(n int) { quickFiles = n }(quickFiles)
	quickFiles = 1
	appendLine(t, ex("related.yml"), "# f")
	appendLine(t, ex("target.yml"), "# f")
	quickRebuild(t, db, src2, "two files, quickFiles 1", false)
}

// A read-only catalog: the quick rebuild can not write in place and takes
// the whole way, with what quickSource loaded reset.
func TestQuickReadOnly(t *testing.T) {
	dir, _, db, src := builtFixture(t)
	az := func(p string) string { return filepath.Join(dir, "azure", p) }
	appendLine(t, az("run_command.yml"), "# c")
	appendLine(t, az("two.yml"), "# c")
	// Another writer holds the catalog (BEGIN IMMEDIATE): openInPlace says
	// ErrNotInPlace, as for a read-only file.
	other, err := sql.Open("sqlite", "file:"+db)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	other.SetMaxOpenConns(1)
	if _, err := other.Exec("BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	quickRebuild(t, db, src, "catalog not writable in place", false)
	other.Exec("ROLLBACK")
	// and once more, writable now (the new file is the build's)
	appendLine(t, az("run_command.yml"), "# d")
	quickRebuild(t, db, src, "after", true)
}

// A last catalog whose rules can not be loaded: the whole way builds anew
// ("last catalog not reused"); a quick rebuild says why it is not made
// and leaves it to the whole way.
func TestQuickUnloadable(t *testing.T) {
	dir, _, db, src := builtFixture(t)
	raw := sqlDB(t, db)
	if _, err := raw.Exec("ALTER TABLE held RENAME TO held_gone"); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	appendLine(t, filepath.Join(dir, "azure", "run_command.yml"), "# c")
	var out strings.Builder
	before := quickBuilds.Load()
	if _, err := Build(context.Background(), Options{DB: db, Sources: src, Progress: &out}); err != nil {
		t.Fatalf("%v; progress:\n%s", err, out.String())
	}
	if quickBuilds.Load() > before || !strings.Contains(out.String(), "no quick rebuild") || !strings.Contains(out.String(), "last catalog not reused") {
		t.Errorf("progress:\n%s", out.String())
	}
	sameAsFullAll(t, db, src, "a catalog whose rules do not load")
}

// TestQuickMacroDefinition: a Splunk macro's definition changed, which
// changes the tables of the searches that use it (linking lowers them
// again) while their files do not change: a full build's catalog, quick
// (spacing) or not (another source).
func TestQuickMacroDefinition(t *testing.T) {
	tmp := t.TempDir()
	copyTree(t, testcorpus.Dir(t, "splunk"), filepath.Join(tmp, "splunk"))
	srcs := []Source{{Name: "splunk", Path: filepath.Join(tmp, "splunk")}}
	db := filepath.Join(tmp, "c.db")
	if _, err := Build(context.Background(), Options{DB: db, Sources: srcs}); err != nil {
		t.Fatal(err)
	}
	m := filepath.Join(tmp, "splunk", "macros", "sysmon.yml")
	for _, e := range [][2]string{
		{"definition: sourcetype=", "definition: sourcetype = "},
		{"OR source=Syslog:Linux-Sysmon/Operational", "OR source=Syslog:Linux-Sysmon/Operational OR source=Review"},
	} {
		if !replaceFirst(t, m, e[0], e[1]) {
			t.Fatalf("no %q", e[0])
		}
		if _, err := Build(context.Background(), Options{DB: db, Sources: srcs}); err != nil {
			t.Fatal(err)
		}
		sameAsFullAll(t, db, srcs, e[1])
	}
}
