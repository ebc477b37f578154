package spl

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/ruledex/ruledex/internal/testcorpus"

	"go.yaml.in/yaml/v3"
)

// detection is one detection of the corpus: its file and its search.
type detection struct {
	Path   string
	Search string
}

var corpus struct {
	once       sync.Once
	detections []detection
	macros     []MacroDef
	err        error
}

// loadCorpus reads every detection's search and every macro of the
// corpus, once; it skips when the corpus is absent.
func loadCorpus(tb testing.TB) ([]detection, []MacroDef) {
	tb.Helper()
	corpusDir := testcorpus.Dir(tb, "splunk")
	corpus.once.Do(func() {
		var files []string
		filepath.WalkDir(filepath.Join(corpusDir, "detections"), func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(path, ".yml") {
				files = append(files, path)
			}
			return nil
		})
		sort.Strings(files)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				corpus.err = err
				return
			}
			var d struct {
				Search string `yaml:"search"`
			}
			if err := yaml.Unmarshal(b, &d); err != nil {
				corpus.err = err
				return
			}
			if d.Search != "" {
				rel, _ := filepath.Rel(corpusDir, f)
				corpus.detections = append(corpus.detections, detection{rel, d.Search})
			}
		}
		ms, _ := filepath.Glob(filepath.Join(corpusDir, "macros", "*.yml"))
		sort.Strings(ms)
		for _, f := range ms {
			b, err := os.ReadFile(f)
			if err != nil {
				corpus.err = err
				return
			}
			var m struct {
				Name       string   `yaml:"name"`
				Definition string   `yaml:"definition"`
				Arguments  []string `yaml:"arguments"`
			}
			if err := yaml.Unmarshal(b, &m); err != nil {
				corpus.err = err
				return
			}
			corpus.macros = append(corpus.macros, MacroDef{Name: m.Name, Args: m.Arguments, Definition: m.Definition})
		}
	})
	if corpus.err != nil {
		tb.Skipf("splunk corpus: ../shared/corpus not found (%v)", corpus.err)
	}
	return corpus.detections, corpus.macros
}

// TestCorpus parses every detection's search: none may fail, every span
// lies inside its parent; it logs what the parser read (run with -v).
func TestCorpus(t *testing.T) {
	dets, _ := loadCorpus(t)
	cmds := map[string]int{}
	raw := map[string]int{}
	nodes, macros := 0, 0
	failed := 0
	for _, d := range dets {
		q, errs := Parse([]byte(d.Search))
		if len(errs) > 0 {
			failed++
			if failed <= 10 {
				t.Errorf("%s: %v", d.Path, errs)
			}
			continue
		}
		checkSpans(t, d.Search, q)
		Inspect(q, func(n Node) bool {
			nodes++
			switch n := n.(type) {
			case Command:
				name := Name(n)
				if _, ok := n.(*Macro); ok {
					name = "`macro`"
				}
				cmds[name]++
				if r, ok := n.(*RawCommand); ok {
					raw[Name(r)]++
				}
			}
			if _, ok := n.(*Macro); ok {
				macros++
			}
			return true
		})
	}
	if failed > 0 {
		t.Errorf("%d of %d searches do not parse", failed, len(dets))
	}
	t.Logf("%d searches, %d parse without error, %d nodes, %d macro calls", len(dets), len(dets)-failed, nodes, macros)
	t.Logf("commands: %s", countList(cmds))
	t.Logf("kept raw: %s", countList(raw))
}

func countList(m map[string]int) string {
	type kv struct {
		k string
		v int
	}
	var l []kv
	for k, v := range m {
		l = append(l, kv{k, v})
	}
	sort.Slice(l, func(i, j int) bool { return l[i].v > l[j].v || l[i].v == l[j].v && l[i].k < l[j].k })
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %d", e.k, e.v)
	}
	return b.String()
}

// TestCorpusRoundTrip prints every search and parses it again, before and
// after its macros are expanded: the trees must be equal.
func TestCorpusRoundTrip(t *testing.T) {
	dets, defs := loadCorpus(t)
	set := NewMacroSet(defs)
	before, after, expandedErrs := 0, 0, 0
	for _, d := range dets {
		q, errs := Parse([]byte(d.Search))
		if len(errs) == 0 && checkRoundTrip(t, d.Path, q) {
			before++
		}
		x, xerrs := Expand(d.Search, set)
		if len(xerrs) > 0 {
			t.Errorf("%s: expand: %v", d.Path, xerrs)
			continue
		}
		q, errs = Parse([]byte(x.Text))
		if len(errs) > 0 {
			expandedErrs++
			t.Errorf("%s: the expanded search does not parse: %v\n%s", d.Path, errs, x.Text)
			continue
		}
		checkSpans(t, x.Text, q)
		if checkRoundTrip(t, d.Path+" (expanded)", q) {
			after++
		}
	}
	t.Logf("round trip: %d of %d searches as written, %d of %d with macros expanded", before, len(dets), after, len(dets))
}

// TestCorpusMacros resolves every macro call of every detection against
// macros/*.yml: each is expanded or listed as undefined.
func TestCorpusMacros(t *testing.T) {
	dets, defs := loadCorpus(t)
	set := NewMacroSet(defs)
	calls, resolved := 0, 0
	undefined := map[string]int{}
	nested := 0
	for _, d := range dets {
		q, _ := Parse([]byte(d.Search))
		var inTree int
		Inspect(q, func(n Node) bool {
			if _, ok := n.(*Macro); ok {
				inTree++
			}
			return true
		})
		x, errs := Expand(d.Search, set)
		if len(errs) > 0 {
			t.Errorf("%s: %v", d.Path, errs)
		}
		top := 0
		for _, u := range x.Undefined {
			if u.Nested {
				nested++
			} else {
				top++
			}
			undefined[u.Key]++
		}
		// every call of the tree is either expanded or undefined
		if got := len(x.Calls) + top; got != inTree {
			t.Errorf("%s: %d macro nodes, %d expanded + %d undefined", d.Path, inTree, len(x.Calls), top)
		}
		calls += inTree
		resolved += len(x.Calls)
		for _, c := range x.Calls {
			if src := d.Search[c.Src.Start:c.Src.End]; !strings.HasPrefix(src, "`") || !strings.HasSuffix(src, "`") {
				t.Errorf("%s: call span %v is %q", d.Path, c.Src, src)
			}
		}
	}
	n := 0
	for _, v := range undefined {
		n += v
	}
	t.Logf("%d macro definitions; %d macro calls in %d searches: %d resolved, %d undefined (%d distinct; %d more met inside definitions)",
		len(defs), calls, len(dets), resolved, calls-resolved, len(undefined), nested)
	filters, filterCalls := 0, 0
	other := map[string]int{}
	for k, v := range undefined {
		if strings.HasSuffix(k, "_filter") {
			filters++
			filterCalls += v
		} else {
			other[k] = v
		}
	}
	t.Logf("undefined: %d calls of %d per-detection *_filter macros (each detection's tuning hook, not shipped in macros/); the others: %s",
		filterCalls, filters, countList(other))
	if calls == 0 || resolved == 0 {
		t.Errorf("no macro resolved")
	}
}

// BenchmarkParseCorpus parses every search of the corpus once per
// iteration; MB/s is over the searches' text, MB/cpu-s the same per second
// of CPU the process used (the figure for one core, however loaded the
// machine is).
//
//	go test -run - -bench ParseCorpus -benchmem -cpu 1 ./internal/lang/spl
func BenchmarkParseCorpus(b *testing.B) {
	dets, _ := loadCorpus(b)
	srcs := make([][]byte, len(dets))
	n := 0
	for i, d := range dets {
		srcs[i] = []byte(d.Search)
		n += len(d.Search)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := testcorpus.CPUTime()
	for i := 0; i < b.N; i++ {
		for _, s := range srcs {
			Parse(s)
		}
	}
	if cpu := testcorpus.CPUTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(n)*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
	}
}
