package build

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/lint"
	"github.com/ruledex/ruledex/internal/store"
)

// storedFindings returns every finding of the catalog at db, one string a
// finding (rule, place, check, severity, message, fingerprint), sorted;
// only those keep tells to (nil: all).
func storedFindings(t *testing.T, db string, keep func(check, repo string) bool) []string {
	t.Helper()
	var out []string
	for _, row := range tableRows(t, db, `SELECT r.id, r.repo, r.path, f.line, f.col, f.check_, f.severity, f.message, f.fingerprint
		FROM findings f JOIN rules r ON r.n = f.rule`) {
		parts := strings.Split(row, "\x00")
		if keep == nil || keep(parts[5], parts[1]) {
			out = append(out, row)
		}
	}
	slices.Sort(out)
	return out
}

func lintedFindings(fs []lint.Finding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = strings.Join([]string{f.Rule, f.Repo, f.Path, strconv.Itoa(f.Line), strconv.Itoa(f.Col), f.Check, f.Severity,
			f.Message, f.Fingerprint}, "\x00")
	}
	slices.Sort(out)
	return out
}

// TestLintAsBuild: Lint finds what a build of the same sources stores,
// every finding to its fingerprint (the corpus, when there, and rules with
// findings across the corpus and a source's checks disabled), with the
// checks it is given left out or alone, and leaves no file behind.
func TestLintAsBuild(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rules")
	writeTree(t, dir, map[string]string{"a.yml": lintedRule, "b.yml": targetRule, "c.yml": lintedRule,
		"d/e.yml": strings.Replace(lintedRule, "6c1a0000-0000-4000-8000-0000000000dd", "6c1a0000-0000-4000-8000-0000000000ee", 1),
		// (the same id as a.yml's, and it disables that check itself)
		"f.yml": lintedRule + "# ruledex:disable=duplicate-id\n"})
	srcs := []Source{{Name: "r", Path: dir}, {Name: "s", Path: filepath.Join(dir, "d"), LintDisable: []string{"attack-missing"}}}
	if st, err := os.Stat(corpusPath()); err != nil || !st.IsDir() || testing.Short() {
		t.Logf("the fixture alone (no corpus at %s, or -short)", corpusPath())
	} else {
		srcs = append(srcs, corpusSources(t)...)
	}
	db := filepath.Join(t.TempDir(), "c.db")
	if _, err := Build(context.Background(), Options{DB: db, Sources: srcs}); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	for _, c := range []struct {
		name   string
		checks LintChecks
		keep   func(check, repo string) bool
	}{
		{"every check", LintChecks{}, nil},
		{"one check", LintChecks{Enable: []string{"value-duplicate"}}, func(c, _ string) bool { return c == "value-duplicate" }},
		{"all but two", LintChecks{Disable: []string{"value-duplicate", "near-duplicate"}},
			func(c, _ string) bool { return c != "value-duplicate" && c != "near-duplicate" }},
		{"one repository's", LintChecks{RepoDisable: map[string][]string{"r": {"duplicate-id"}}},
			func(c, repo string) bool { return c != "duplicate-id" || repo != "r" }},
	} {
		rep, err := Lint(context.Background(), Options{Sources: srcs}, c.checks)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got, want := lintedFindings(rep.Findings), storedFindings(t, db, c.keep)
		if len(want) == 0 {
			t.Fatalf("%s: no finding to compare", c.name)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: %d findings, the build's %d; first difference:\n%s", c.name, len(got), len(want), firstDiff(got, want))
		}
		if n := len(tableRows(t, db, `SELECT n FROM rules`)); rep.Rules != n {
			t.Errorf("%s: %d rules, the build's %d", c.name, rep.Rules, n)
		}
		if abs := rep.Files[[2]string{"r", "a.yml"}]; abs != filepath.Join(dir, "a.yml") {
			t.Errorf("%s: a.yml is at %q", c.name, abs)
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("Lint left %d files in the temporary folder: %s", len(left), left[0].Name())
	}
	lintCatalogAsAll(t, db, len(srcs) > 2)
}

// lintCatalogAsAll: LintCatalog over the catalog at db finds what lint.Run
// over every rule of it at once finds (what `ruledex lint --db` ran before
// it), every finding to its fingerprint, with checks enabled, disabled and
// a repository's disabled; with the corpus (corpus), findings of both
// checks across the corpus among them.
func lintCatalogAsAll(t *testing.T, db string, corpus bool) {
	t.Helper()
	d, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, c := range []LintChecks{
		{},
		{Enable: []string{"common-indicators", "duplicate-id"}},
		{Disable: []string{"value-duplicate", "near-duplicate"}},
		{RepoDisable: map[string][]string{"r": {"duplicate-id", "attack-missing"}}},
	} {
		rep, err := LintCatalog(context.Background(), d, Options{Workers: 2}, c)
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		rules, err := d.AllRules(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got, want := lintedFindings(rep.Findings), lintedFindings(lint.Run(rules, lint.Options{Enable: c.Enable, Disable: c.Disable, RepoDisable: c.RepoDisable}))
		if len(want) == 0 || rep.Rules != len(rules) {
			t.Fatalf("%+v: %d findings to compare, %d rules of %d", c, len(want), rep.Rules, len(rules))
		}
		if !slices.Equal(got, want) {
			t.Errorf("catalog %+v: %d findings, lint.Run's %d; first difference:\n%s", c, len(got), len(want), firstDiff(got, want))
		}
		for _, check := range []string{"duplicate-id", "common-indicators"} {
			if corpus && (len(c.Enable) == 0 || slices.Contains(c.Enable, check)) && !slices.ContainsFunc(rep.Findings, func(f lint.Finding) bool { return f.Check == check }) {
				t.Errorf("catalog %+v: no %s finding to compare", c, check)
			}
		}
	}
}

// firstDiff returns the first line where a and b differ.
func firstDiff(a, b []string) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return "got  " + strings.ReplaceAll(a[i], "\x00", " | ") + "\nwant " + strings.ReplaceAll(b[i], "\x00", " | ")
		}
	}
	if len(a) > len(b) {
		return "got more: " + strings.ReplaceAll(a[len(b)], "\x00", " | ")
	}
	if len(b) > len(a) {
		return "want more: " + strings.ReplaceAll(b[len(a)], "\x00", " | ")
	}
	return ""
}
