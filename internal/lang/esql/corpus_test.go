package esql_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/pelletier/go-toml/v2"

	"github.com/ruledex/ruledex/internal/lang/esql"
	"github.com/ruledex/ruledex/internal/testcorpus"
)

type corpusQuery struct {
	Path  string // relative to the elastic folder: rules/...toml
	Query string
}

var corpus struct {
	once    sync.Once
	queries []corpusQuery
	skip    string
}

// corpusQueries returns every ES|QL query of the elastic corpus (rules
// with language = "esql", _deprecated left out), sorted by path; it skips
// when the corpus is absent.
func corpusQueries(tb testing.TB) []corpusQuery {
	tb.Helper()
	root := testcorpus.Dir(tb, "elastic")
	corpus.once.Do(func() {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == "_deprecated" {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".toml") {
				return nil
			}
			var doc struct {
				Rule struct {
					Language string `toml:"language"`
					Query    string `toml:"query"`
				} `toml:"rule"`
				Hunt struct {
					Language []string `toml:"language"`
					Query    []string `toml:"query"`
				} `toml:"hunt"`
			}
			data, err := os.ReadFile(path)
			if err == nil {
				err = toml.Unmarshal(data, &doc)
			}
			if err != nil {
				return nil // not a rule file this test reads
			}
			rel, _ := filepath.Rel(root, path)
			rel = filepath.ToSlash(rel)
			if doc.Rule.Language == "esql" {
				corpus.queries = append(corpus.queries, corpusQuery{rel, doc.Rule.Query})
			}
			for i, q := range doc.Hunt.Query {
				if len(doc.Hunt.Language) > 0 && strings.EqualFold(doc.Hunt.Language[0], "ES|QL") {
					corpus.queries = append(corpus.queries, corpusQuery{rel + "#" + string(rune('0'+i)), q})
				}
			}
			return nil
		})
		if err != nil {
			corpus.skip = "esql corpus tests: " + err.Error()
		}
		sort.Slice(corpus.queries, func(i, j int) bool { return corpus.queries[i].Path < corpus.queries[j].Path })
	})
	if corpus.skip != "" {
		tb.Skip(corpus.skip)
	}
	return corpus.queries
}

// refLine is one line of elastic-reference/esql.jsonl.
type refLine struct {
	Path      string `json:"path"`
	Query     string `json:"query"`
	Reference struct {
		OK         bool           `json:"ok"`
		Commands   []string       `json:"commands"`
		Fields     []string       `json:"fields"`
		Assigned   []string       `json:"assigned"`
		Functions  []string       `json:"functions"`
		Predicates []refPredicate `json:"predicates"`
		Errors     []struct {
			Message string `json:"message"`
			Line    int    `json:"line"`
			Column  int    `json:"column"`
		} `json:"errors"`
	} `json:"reference"`
}

type refPredicate struct {
	Kind    string   `json:"kind"`
	Left    string   `json:"left"`
	Op      string   `json:"op"`
	Values  []string `json:"values"`
	Negated bool     `json:"negated"`
}

// TestCorpus parses every ES|QL query of the corpus: each must parse
// without error, and every node's span must lie inside the query.
func TestCorpus(t *testing.T) {
	qs := corpusQueries(t)
	if len(qs) == 0 {
		t.Fatal("no ES|QL query found in the corpus")
	}
	failed, cmds, bytes := 0, map[string]int{}, 0
	for _, q := range qs {
		bytes += len(q.Query)
		root, errs := esql.Parse([]byte(q.Query))
		if len(errs) > 0 {
			failed++
			t.Errorf("%s: %v", q.Path, errs)
		}
		checkSpans(t, q.Path, root, len(q.Query))
		for _, c := range esql.CommandNames(root) {
			cmds[c]++
		}
	}
	t.Logf("corpus: %d ES|QL queries (%d bytes), %d parse without error (%.1f%%)", len(qs), bytes, len(qs)-failed, 100*float64(len(qs)-failed)/float64(len(qs)))
	t.Logf("commands: %v", cmds)
}

// TestCorpusRoundTrip prints every corpus query and parses the text again:
// the tree must be Equal, and printing it again gives the same text.
func TestCorpusRoundTrip(t *testing.T) {
	qs := corpusQueries(t)
	ok, n := 0, 0
	for _, q := range qs {
		root, errs := esql.Parse([]byte(q.Query))
		if len(errs) > 0 {
			continue
		}
		n++
		text := esql.Print(root)
		again, errs := esql.Parse([]byte(text))
		if len(errs) > 0 {
			t.Errorf("%s: the printed query does not parse: %v\n%s", q.Path, errs, text)
			continue
		}
		if !esql.Equal(root, again) {
			t.Errorf("%s: the printed query parses to another tree:\n%s\n%s", q.Path, text, esql.Print(again))
			continue
		}
		if t2 := esql.Print(again); t2 != text {
			t.Errorf("%s: printing is not stable:\n%s\n%s", q.Path, text, t2)
			continue
		}
		ok++
	}
	t.Logf("round trip: %d of %d parsed corpus queries", ok, n)
}

// checkSpans fails when a node's span is not a valid span of an input of
// n bytes.
func checkSpans(t testing.TB, name string, root esql.Node, n int) {
	t.Helper()
	esql.Inspect(root, func(x esql.Node) bool {
		sp := x.Span()
		if !sp.In(n) {
			t.Errorf("%s: %T span %v outside the input (%d bytes)", name, x, sp, n)
		}
		return true
	})
}

// BenchmarkParseCorpus parses every ES|QL query of the corpus.
func BenchmarkParseCorpus(b *testing.B) {
	qs := corpusQueries(b)
	srcs := make([][]byte, len(qs))
	size := 0
	for i, q := range qs {
		srcs[i] = []byte(q.Query)
		size += len(q.Query)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	cpu0 := testcorpus.CPUTime()
	for b.Loop() {
		for _, s := range srcs {
			esql.Parse(s)
		}
	}
	// The machine is shared: wall-clock MB/s falls when others run; the
	// throughput per CPU second does not.
	if cpu := testcorpus.CPUTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(size)*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
	}
}
