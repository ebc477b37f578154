package lowerelastic_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
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
	type file struct {
		path string
		data []byte
	}
	var files []file
	size := 0
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".toml") {
			data, _ := os.ReadFile(p)
			files = append(files, file{p, data})
			size += len(data)
		}
		return nil
	})
	if len(files) == 0 {
		b.Skip("no corpus")
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		for _, f := range files {
			ingest.ReadData("elastic", f.path, f.path, f.data, "")
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
