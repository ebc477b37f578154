package lowerelastic_test

import (
	"path/filepath"
	"testing"

	"github.com/ruledex/ruledex/internal/ingest"
	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/testcorpus"
)

// BenchmarkReadCorpus reads, lowers and resolves every TOML file of the
// Elastic corpus (ingest.ReadData: format, TOML, lowering, ATT&CK, events),
// one file after another.
func BenchmarkReadCorpus(b *testing.B) {
	dir := testcorpus.Dir(b, "elastic")
	files := testcorpus.Files(b, dir, ".toml")
	size := 0
	for _, f := range files {
		size += len(f.Data)
	}
	if len(files) == 0 {
		b.Skip("no corpus")
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		for _, f := range files {
			path := filepath.Join(dir, filepath.FromSlash(f.Rel))
			ingest.ReadData("elastic", path, path, f.Data, "")
		}
	}
}

// BenchmarkParseQueries parses every corpus query of each language with
// the registered parser (what `ruledex bench` measures per language).
func BenchmarkParseQueries(b *testing.B) {
	results := readElastic(b)
	byLang := map[string][][]byte{}
	for _, res := range results {
		for _, r := range res.Rules {
			if r.Query != "" {
				byLang[r.Language] = append(byLang[r.Language], []byte(r.Query))
			}
		}
	}
	for _, name := range []string{"eql", "kuery", "esql"} {
		qs := byLang[name]
		l := lang.Get(name)
		size := 0
		for _, q := range qs {
			size += len(q)
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				for _, q := range qs {
					l.Parse(q)
				}
			}
		})
	}
}
