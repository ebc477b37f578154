package store

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ruledex/ruledex/internal/catalog"
	"github.com/ruledex/ruledex/internal/ingest"
	"github.com/ruledex/ruledex/internal/rule"
)

// testBuild writes a catalog of the rule folders srcs at path for the
// store's reading tests: read (ingest.Read), linked and cross-referenced,
// written by WriteCatalog. Package build, which makes every other catalog
// (and tests its incremental pipeline), imports store, so these tests
// cannot use it.
func testBuild(t testing.TB, path string, srcs ...Source) {
	t.Helper()
	files, _, sum := testRead(t, srcs...)
	newPath := path + ".new"
	if _, err := WriteCatalog(t.Context(), Write{Path: newPath, Files: files, Sources: srcs, Summary: sum}); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(newPath, path); err != nil {
		t.Fatal(err)
	}
}

// testCatalog is testBuild into a new file of t.TempDir(), opened.
func testCatalog(t testing.TB, srcs ...Source) *DB {
	t.Helper()
	db := filepath.Join(t.TempDir(), "c.db")
	testBuild(t, db, srcs...)
	d, err := Open(db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// testRead reads srcs as a build does (read, link, cross-reference) and
// returns the files to write, their rules and the build's summary.
func testRead(t testing.TB, srcs ...Source) ([]File, []*rule.Rule, *Summary) {
	t.Helper()
	var targets []ingest.Target
	for _, s := range srcs {
		targets = append(targets, ingest.Target{Repo: s.Name, Path: s.Path})
	}
	res, err := ingest.Read(t.Context(), targets, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var all []*rule.Rule
	files := make([]File, len(res))
	sum := &Summary{Skipped: map[string]int{}, ByPlatform: map[string]int{}, ByKind: map[string]int{},
		ByPlatformKind: map[string]map[string]int{}, Diagnostics: map[string]int{}}
	for i, fr := range res {
		all = append(all, fr.Rules...)
		files[i] = File{Repo: fr.Repo, Path: fr.Path, Abs: fr.Abs, Format: fr.Format, Skipped: fr.Skipped, Size: fr.Size,
			Diags: fr.Diags, Rules: fr.Rules}
		sum.Files++
		for _, d := range fr.Diags {
			sum.Diagnostics[d.Severity]++
		}
	}
	ingest.Link(all)
	catalog.CrossReference(all)
	for _, r := range all {
		sum.Rules++
		sum.ByPlatform[r.Platform]++
		sum.ByKind[r.Kind]++
		for _, d := range r.Diagnostics {
			sum.Diagnostics[d.Severity]++
		}
	}
	return files, all, sum
}
