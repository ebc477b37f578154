// Package buildtest makes catalogs for tests (of web, cli, bench...) in
// the test's temporary folder, through package build.
package buildtest

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/ruledex/ruledex/internal/build"
	"github.com/ruledex/ruledex/internal/rule"
)

// Catalog builds the sources into a new catalog in t.TempDir(), as
// `ruledex build` does (build.Build), and returns its path.
func Catalog(t testing.TB, srcs ...build.Source) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "catalog.db")
	if _, err := build.Build(t.Context(), build.Options{DB: db, Sources: srcs}); err != nil {
		t.Fatalf("build %v: %v", srcs, err)
	}
	return db
}

// Rules writes rules made by the test, as they are (build.WriteRules), into
// a new catalog in t.TempDir() and returns its path.
func Rules(t testing.TB, rules []*rule.Rule) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "catalog.db")
	if _, err := build.WriteRules(t.Context(), db, rules); err != nil {
		t.Fatalf("write %d rules: %v", len(rules), err)
	}
	return db
}

// CorpusDir returns the shared rule corpus (RULEDEX_CORPUS, else
// ../../../shared/corpus from the test's package folder), or skips the test
// with a message that says where it looked.
func CorpusDir(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("RULEDEX_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "corpus")
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		tb.Skipf("rule corpus not found at %s (set RULEDEX_CORPUS): skipping", dir)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		tb.Fatal(err)
	}
	return abs
}

// CorpusSources returns every repository folder of the corpus as a
// source, as `ruledex build CORPUS` takes them; it skips without a corpus.
func CorpusSources(tb testing.TB) []build.Source {
	dir := CorpusDir(tb)
	ents, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var ss []build.Source
	for _, e := range ents {
		if e.IsDir() {
			ss = append(ss, build.Source{Name: e.Name(), Path: filepath.Join(dir, e.Name())})
		}
	}
	return ss
}

var corpus struct {
	once    sync.Once
	dir, db string
	err     error
}

// Corpus returns a catalog of the whole corpus, built once per test binary
// (build.Build) into a temporary folder that Cleanup removes (call it from
// TestMain after the tests ran); it skips without a corpus. Tests must not
// change it.
func Corpus(tb testing.TB) string {
	tb.Helper()
	srcs := CorpusSources(tb)
	corpus.once.Do(func() {
		if corpus.dir, corpus.err = os.MkdirTemp("", "ruledex-corpus-"); corpus.err != nil {
			return
		}
		corpus.db = filepath.Join(corpus.dir, "corpus.db")
		_, corpus.err = build.Build(context.Background(), build.Options{DB: corpus.db, Sources: srcs})
	})
	if corpus.err != nil {
		tb.Fatalf("build the corpus: %v", corpus.err)
	}
	return corpus.db
}

// Cleanup removes what Corpus built.
func Cleanup() {
	if corpus.dir != "" {
		os.RemoveAll(corpus.dir)
	}
}
