package build

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkBuildCorpus is a full build of the corpus (every file read and
// parsed, cross-referenced and written). Peak memory: run the CLI under
// /usr/bin/time -v (see the package's report).
func BenchmarkBuildCorpus(b *testing.B) {
	srcs := corpusSources(b)
	dir := b.TempDir()
	var size int64
	for _, s := range srcs {
		filepath.WalkDir(s.Path, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				if st, err := d.Info(); err == nil {
					size += st.Size()
				}
			}
			return nil
		})
	}
	b.SetBytes(size)
	b.ReportAllocs()
	var rules int
	for i := 0; b.Loop(); i++ {
		sum, err := Build(context.Background(), Options{DB: filepath.Join(dir, fmt.Sprintf("c%d.db", i)), Sources: srcs, Full: true})
		if err != nil {
			b.Fatal(err)
		}
		rules = sum.Rules
	}
	b.ReportMetric(float64(rules), "rules")
}

// BenchmarkIncrementalBuild rebuilds the corpus catalog after one file
// changed: the corpus plus a folder of one rule that is rewritten each time.
func BenchmarkIncrementalBuild(b *testing.B) {
	srcs, path, db := corpusAndOne(b)
	write := func(i int) {
		if err := os.WriteFile(path, []byte(sigmaRule(fmt.Sprintf("Touched %d", i), runCommand)), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for i := 1; b.Loop(); i++ {
		write(i)
		sum, err := Build(context.Background(), Options{DB: db, Sources: srcs})
		if err != nil {
			b.Fatal(err)
		}
		if sum.Read != 1 {
			b.Fatalf("read %d files, want 1", sum.Read)
		}
	}
}

// BenchmarkQuickRebuild rebuilds the corpus catalog after a comment was
// added to one file: a quick rebuild (quick.go), which writes that file's
// rules again and loads nothing else of the catalog but its files.
func BenchmarkQuickRebuild(b *testing.B) {
	srcs, path, db := corpusAndOne(b)
	b.ReportAllocs()
	for i := 1; b.Loop(); i++ {
		appendLine(b, path, fmt.Sprintf("# comment %d", i))
		quicks := quickBuilds.Load()
		if _, err := Build(context.Background(), Options{DB: db, Sources: srcs}); err != nil {
			b.Fatal(err)
		}
		if quickBuilds.Load() == quicks {
			b.Fatal("not a quick rebuild")
		}
	}
}

// corpusAndOne builds the corpus and a folder of one rule (path) into a
// catalog (db), for the rebuilds of the benchmarks.
func corpusAndOne(b *testing.B) (srcs []Source, path, db string) {
	srcs = corpusSources(b)
	tmp := b.TempDir()
	extra := filepath.Join(tmp, "extra")
	os.MkdirAll(extra, 0o755)
	path = filepath.Join(extra, "touched.yml")
	if err := os.WriteFile(path, []byte(sigmaRule("Touched", runCommand)), 0o644); err != nil {
		b.Fatal(err)
	}
	srcs = append(srcs, Source{Name: "extra", Path: extra})
	db = filepath.Join(tmp, "c.db")
	if _, err := Build(context.Background(), Options{DB: db, Sources: srcs}); err != nil {
		b.Fatal(err)
	}
	return srcs, path, db
}
