package store

import (
	"context"
	"path/filepath"
	"sort"
	"testing"

	"github.com/ruledex/ruledex/internal/ingest"
	"github.com/ruledex/ruledex/internal/rule"
)

// TestBuildCorpus builds the whole shared corpus and checks the catalog
// against the files and the summary.
func TestBuildCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the whole corpus")
	}
	srcs := corpusSources(t)
	files := 0
	for _, s := range srcs {
		fs, err := ingest.ListFiles(sourceTarget(s))
		if err != nil {
			t.Fatal(err)
		}
		files += len(fs)
	}
	db := filepath.Join(t.TempDir(), "c.db")
	sum, err := Build(context.Background(), Options{DB: db, Sources: srcs})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Files != files {
		t.Errorf("summary counts %d files, the sources hold %d", sum.Files, files)
	}
	skipped := 0
	for _, n := range sum.Skipped {
		skipped += n
	}
	if sum.WithRules+skipped != files {
		t.Errorf("%d files with rules + %d skipped != %d files", sum.WithRules, skipped, files)
	}
	d, err := Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	st, err := d.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Rules != sum.Rules || st.Files != files {
		t.Errorf("stats: %d rules, %d files; summary: %d rules, %d files", st.Rules, st.Files, sum.Rules, files)
	}
	for p, n := range sum.ByPlatform {
		res, err := d.Search(Query{Facets: map[string][]string{"platform": {p}}})
		if err != nil || res.Total != n {
			t.Errorf("platform %s: search finds %d, summary says %d (%v)", p, res.Total, n, err)
		}
	}
	// The summary is true: its counts are the files' and the catalog's.
	counted := checkAgainstFiles(t, d, srcs, sum)
	checkSummary(t, d, sum)
	t.Logf("rules counted from the files, by format: %v", counted)
	n := 0
	if err := d.EachRule(func(*rule.Rule) error { n++; return nil }); err != nil || n != sum.Rules {
		t.Errorf("EachRule: %d rules, %v", n, err)
	}
	// The operation, whole or by one of its parts, finds the same rules.
	whole, err := d.Search(Query{Text: runCommand, PerPage: 500})
	if err != nil {
		t.Fatal(err)
	}
	part, err := d.Search(Query{Text: "runCommand/action", PerPage: 500})
	if err != nil {
		t.Fatal(err)
	}
	ids := func(r Result) (s []string) {
		for _, h := range r.Hits {
			s = append(s, h.ID)
		}
		sort.Strings(s)
		return s
	}
	if w, p := ids(whole), ids(part); !subset(w, p) {
		t.Errorf("%s finds %v; runCommand/action finds %v", runCommand, w, p)
	}
	// The seed rule that asks has_any ('runCommand/action') looks at the
	// action in part: the whole operation finds it, once KQL is lowered.
	if seed, err := d.Rule("kusto/DetectFirstTimeAzureCustomScriptOrRunCommand"); err == nil && len(seed.Actions) > 0 {
		found := false
		for _, h := range whole.Hits {
			found = found || h.ID == seed.ID
		}
		if !found {
			t.Errorf("%s does not find %s (actions %v)", runCommand, seed.ID, seed.Actions)
		}
	} else {
		t.Logf("seed rule without actions yet (%v): partial action match not checked", err)
	}
	t.Logf("%d rules from %d files in %s; %s finds %d rules, runCommand/action %d", sum.Rules, files, sum.Duration, runCommand, whole.Total, part.Total)
}

func subset(a, b []string) bool {
	m := map[string]bool{}
	for _, x := range b {
		m[x] = true
	}
	for _, x := range a {
		if !m[x] {
			return false
		}
	}
	return true
}
