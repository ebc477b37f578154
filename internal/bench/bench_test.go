package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ruledex/ruledex/internal/ingest"
	rulepkg "github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/store"
)

func ms(v ...int) []time.Duration {
	out := make([]time.Duration, len(v))
	for i, x := range v {
		out[i] = time.Duration(x) * time.Millisecond
	}
	return out
}

func TestPercentile(t *testing.T) {
	ds := ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
	for _, c := range []struct {
		p    float64
		want int
	}{{50, 5}, {90, 9}, {95, 10}, {99, 10}, {100, 10}, {1, 1}, {0, 1}} {
		if got := Percentile(ds, c.p); got != time.Duration(c.want)*time.Millisecond {
			t.Errorf("p%v = %v, want %dms", c.p, got, c.want)
		}
	}
	l := Summarize(ms(30, 10, 20))
	if l.N != 3 || l.P50 != 20*time.Millisecond || l.Max != 30*time.Millisecond || l.Total != 60*time.Millisecond {
		t.Errorf("Summarize = %+v", l)
	}
	if got := Summarize(nil); got.N != 0 || got.P99 != 0 {
		t.Errorf("Summarize(nil) = %+v", got)
	}
}

func TestMedian(t *testing.T) {
	if got := median(ms(5, 1, 3)); got != 3*time.Millisecond {
		t.Errorf("odd: %v", got)
	}
	if got := median(ms(4, 1, 3, 2)); got != 2500*time.Microsecond {
		t.Errorf("even: %v", got)
	}
	if got := median(nil); got != 0 {
		t.Errorf("empty: %v", got)
	}
}

func TestRepeat(t *testing.T) {
	n := 0
	_, _, runs := repeat(0, func() { n++ })
	if runs != 1 || n != 1 {
		t.Errorf("minTotal 0: %d runs, %d calls", runs, n)
	}
	n = 0
	_, _, runs = repeat(time.Hour, func() { n++ })
	if runs != 100 || n != 100 {
		t.Errorf("minTotal 1h: %d runs, %d calls, want the cap of 100", runs, n)
	}
	wall, _, _ := repeat(0, func() { time.Sleep(5 * time.Millisecond) })
	if wall < 5*time.Millisecond {
		t.Errorf("a 5ms run took %v", wall)
	}
}

func TestMachineInfo(t *testing.T) {
	info := "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC   7B13\nflags\t\t: fpu\n\nprocessor\t: 1\nmodel name\t: AMD EPYC 7B13\n"
	if got := cpuModel(strings.NewReader(info)); got != "AMD EPYC 7B13" {
		t.Errorf("cpuModel = %q", got)
	}
	if got := cpuModel(strings.NewReader("processor : 0\n")); got != "" {
		t.Errorf("cpuModel without a model = %q", got)
	}
	if got := memTotal("MemTotal:       24576000 kB\nMemFree: 1 kB\n"); got != 24576000*1024 {
		t.Errorf("memTotal = %d", got)
	}
	m := ThisMachine()
	if m.Cores < 1 || m.CPU == "" || m.GoVersion == "" {
		t.Errorf("ThisMachine = %+v", m)
	}
}

func TestSampleAndSpread(t *testing.T) {
	qs := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}
	if got := sample(qs, 5); !slices.Equal(got, []string{"a", "c", "e", "g", "i"}) {
		t.Errorf("sample = %v", got)
	}
	if got := sample(qs, 20); len(got) != 10 {
		t.Errorf("sample of more than there are = %v", got)
	}
	for _, n := range []int{1, 2, 7, 10, 7919, 7920} {
		ids := make([]string, n)
		for i := range ids {
			ids[i] = string(rune('a'+i%26)) + strings.Repeat("x", i/26)
		}
		got := spread(ids)
		sorted := slices.Clone(got)
		slices.Sort(sorted)
		want := slices.Clone(ids)
		slices.Sort(want)
		if !slices.Equal(sorted, want) {
			t.Errorf("spread of %d: not every id once", n)
		}
	}
	if spread(nil) != nil {
		t.Error("spread(nil)")
	}
}

func TestTitleWords(t *testing.T) {
	got := titleWords("Detect Azure RunCommand by a risky user (T1651) with PowerShell")
	want := []string{"detect", "azure", "runcommand", "risky", "user", "t1651", "powershell"}
	if !slices.Equal(got, want) {
		t.Errorf("titleWords = %v, want %v", got, want)
	}
	if got := longest(want); got != "runcommand" { // the first of the longest
		t.Errorf("longest = %q", got)
	}
}

const sigmaRule = `title: Whoami Execution
id: 11111111-2222-3333-4444-555555555555
status: test
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\whoami.exe'
    condition: selection
level: low
`

// TestChangeOneFile: the smallest source with a rule file is copied, one
// YAML rule file of the copy gets a comment, the original is untouched, and
// the build arguments name every source with the copy in its place.
func TestChangeOneFile(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big")
	small := filepath.Join(dir, "small")
	write := func(p, s string) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 5; i++ {
		write(filepath.Join(big, "rules", string(rune('a'+i))+".yml"), sigmaRule)
	}
	write(filepath.Join(small, "README.md"), "# notes\n")
	write(filepath.Join(small, "sub", "r.yml"), sigmaRule)
	srcs := []store.Source{{Name: "big", Path: big}, {Name: "small", Path: small}}
	args, changed, err := changeOneFile(srcs, filepath.Join(dir, "copy"))
	if err != nil {
		t.Fatal(err)
	}
	if changed != "small/sub/r.yml" {
		t.Errorf("changed %q", changed)
	}
	want := []string{"big=" + big, "small=" + filepath.Join(dir, "copy", "small")}
	if !slices.Equal(args, want) {
		t.Errorf("args = %v, want %v", args, want)
	}
	orig, _ := os.ReadFile(filepath.Join(small, "sub", "r.yml"))
	if string(orig) != sigmaRule {
		t.Error("the original file was changed")
	}
	got, err := os.ReadFile(filepath.Join(dir, "copy", "small", "sub", "r.yml"))
	if err != nil || string(got) != sigmaRule+"# changed by ruledex bench\n" {
		t.Errorf("changed copy = %q, %v", got, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "copy", "small", "README.md")); err != nil {
		t.Errorf("the other files are not copied: %v", err)
	}
	// No rule file anywhere: an error.
	empty := filepath.Join(dir, "empty")
	write(filepath.Join(empty, "notes.txt"), "nothing\n")
	if _, _, err := changeOneFile([]store.Source{{Name: "empty", Path: empty}}, filepath.Join(dir, "copy2")); err == nil {
		t.Error("no rule file: no error")
	}
}

// TestEditValue: the first quoted value of a rule's query gets an "x":
// in Markdown's first code block, in YAML from its detection, query or
// search on; a file with none is left as it is.
func TestEditValue(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ name, in, want string }{
		{"r.md", "# \"T\"\n```kql\nT | where A == \"cmd.exe\"\n```\n", "# \"T\"\n```kql\nT | where A == \"cmd.exex\"\n```\n"},
		{"r.md", "# T\n```\nT | take 1\n```\n```\nX | where A == \"b\"\n```\n", ""},
		{"r.yml", "title: 'T'\ndetection:\n  sel:\n    Image|endswith: '\\\\a.exe'\n", "title: 'T'\ndetection:\n  sel:\n    Image|endswith: '\\\\a.exex'\n"},
		{"r.yml", "name: \"T\"\nsearch: '| tstats count where x=\"y\"'\n", "name: \"T\"\nsearch: '| tstats count where x=\"yx\"'\n"},
		{"r.yml", "name: \"T\"\nquery: |\n  T | take 1\n", ""},
	} {
		checkEdit(t, filepath.Join(dir, c.name), c.in, c.want, editValue)
	}
}

// checkEdit writes in to the file at p, edits it, and checks that it
// reads want then (in as it was, and no edit said, when want is "").
func checkEdit(t *testing.T, p, in, want string, edit func(string) (bool, error)) {
	t.Helper()
	if err := os.WriteFile(p, []byte(in), 0o644); err != nil {
		t.Fatal(err)
	}
	ok, err := edit(p)
	got, _ := os.ReadFile(p)
	switch {
	case err != nil:
		t.Errorf("%q: %v", in, err)
	case want == "" && (ok || string(got) != in):
		t.Errorf("%q: edited to %q (%v), want it left", in, got, ok)
	case want != "" && (!ok || string(got) != want):
		t.Errorf("%q: %q (%v), want %q", in, got, ok, want)
	}
}

// TestEditTitle: the first title stated on a line of its own gets
// " (edited)", inside its quotes; a file with none is left as it is.
func TestEditTitle(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ in, want string }{
		{"title: Run Command\nid: x\n", "title: Run Command (edited)\nid: x\n"},
		{"id: x\r\ntitle: 'Run Command'\r\n", "id: x\r\ntitle: 'Run Command (edited)'\r\n"},
		{"name: \"Run\"\nquery: |\n  title: no\n", "name: \"Run (edited)\"\nquery: |\n  title: no\n"},
		{"title: |\n  long\nname: Short", "title: |\n  long\nname: Short (edited)"},
		{"query: x\n  title: y\n", ""},
		{"# *Detect Run Command*\r\n\n## Query\n", "# *Detect Run Command (edited)*\r\n\n## Query\n"},
		{"## Query\n# Title\n", "## Query\n# Title (edited)\n"},
		{"text\n#nospace\n", ""},
	} {
		p := filepath.Join(dir, "r.yml")
		if strings.HasPrefix(c.in, "#") || strings.Contains(c.in, "## Query") || strings.Contains(c.in, "#nospace") {
			p = filepath.Join(dir, "r.md")
		}
		checkEdit(t, p, c.in, c.want, editTitle)
	}
}

// TestWrite: every label is printed, skipped parts say why, and figures come
// out in their units.
func TestWrite(t *testing.T) {
	r := &Report{
		Date:    time.Date(2025, 1, 2, 3, 4, 0, 0, time.UTC),
		Machine: Machine{CPU: "Test CPU", Cores: 2, MemBytes: 8 << 30, OS: "linux", Arch: "amd64", GoVersion: "go1.26", Load: [3]float64{0.5, 0.25, 0.1}},
		Corpus:  CorpusInfo{Dir: "corpus", Sources: 3, Files: 10, Bytes: 2e6},
		Full:    BuildRun{Wall: 2 * time.Second, CPU: 3 * time.Second, MaxRSS: 200e6, Summary: store.Summary{Rules: 7, Files: 10}},
		Parse: []Throughput{
			{Language: "kql", Stage: StageParse, Rules: 100, Bytes: 1e6, Wall: time.Second, CPU: 500 * time.Millisecond, Passes: 3},
		},
		Oracle: OracleFigures{Skipped: "skipped: node is not on PATH"},
		Search: Summarize(ms(1, 2, 3)),
		Pages:  Summarize(ms(4, 5)),
		ServeWarm: LoadRun{Conns: 64, Duration: 5 * time.Second, Pages: 10000, Latency: Summarize(ms(4, 5)),
			ServerCPU: 800 * time.Millisecond},
		Elapsed: 90 * time.Second,
	}
	var b bytes.Buffer
	r.Write(&b)
	out := b.String()
	for _, s := range []string{
		"ruledex bench, 2025-01-02 03:04 UTC", "machine                    Test CPU, 2 cores, 8.0 GiB",
		"full build                 2.0 s wall, 3.0 s CPU, peak RSS 200 MB; 7 rules from 10 files",
		"rebuild, nothing changed", "rebuild, one file changed", "rebuild, one rule changed  not measured",
		"rebuild, one value changed not measured",
		"kql       parse (front end alone)", "    2.00 ", // MB/s by CPU time: 1 MB in 0.5 s
		"sample                     skipped: node is not on PATH", "ratio                      skipped",
		"search latency             p50 2.00 ms, p95 3.00 ms", "page latency", "just started",
		"rule pages kept            64 connections, 5.0 s: 2000 rule pages/s, p50 4.00 ms, p99 5.00 ms; server 80 CPU-µs a page",
		"total                      1m30s",
	} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
}

// TestKustoParse runs the Kusto.Language timing script on a few queries, one
// of them broken, when node and the oracle are here.
func TestKustoParse(t *testing.T) {
	if testing.Short() {
		t.Skip("starts node")
	}
	if _, err := FindOracle(filepath.Join("..", "..", "..", "shared", "corpus")); err != nil {
		t.Skipf("no KQL oracle: %v", err)
	}
	qs := []string{
		"SigninLogs | where TimeGenerated > ago(1d) | summarize count() by UserPrincipalName",
		"T | where x > 1 | project a, b",
		"T | where | summarize by",
	}
	var o OracleFigures
	if why := msParse(t.Context(), &o, qs, t.TempDir(), true); why != "" {
		if strings.Contains(why, "not installed") {
			t.Skip(why)
		}
		t.Fatal(why)
	}
	if o.MS <= 0 || o.MSPasses != 1 || o.MSInit <= 0 {
		t.Errorf("figures: %+v", o)
	}
	if o.MSRejected != 1 {
		t.Errorf("Kusto.Language rejected %d queries, want 1", o.MSRejected)
	}
}

// TestForks: each copy is a source of its own whose rules read as the
// original's with the title, the id and one value changed, the same way in
// every file of the copy; copy 1 is the original.
func TestForks(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	rule := sigmaRule + "related:\n    - id: 22222222-3333-4444-5555-666666666666\n      type: derived\n"
	rule = strings.Replace(rule, "    condition:", "        OriginalFileName: 'whoami.exe'\n    condition:", 1)
	other := strings.NewReplacer("11111111-2222-3333-4444-555555555555", "22222222-3333-4444-5555-666666666666",
		"Whoami Execution", "Whoami Again", "whoami.exe", "whoami2.exe").Replace(sigmaRule)
	for p, s := range map[string]string{"a/r.yml": rule, "b/s.yml": other} {
		if err := os.MkdirAll(filepath.Join(src, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(src, p), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srcs, size, err := Forks(context.Background(), []store.Source{{Name: "src", Path: src}}, 3, filepath.Join(dir, "forks"))
	if err != nil {
		t.Fatal(err)
	}
	if len(srcs) != 3 || srcs[0].Path != src || srcs[1].Name != "src-fork2" || srcs[2].Name != "src-fork3" {
		t.Fatalf("sources %+v", srcs)
	}
	if size != int64(len(rule)+len(other)) {
		t.Errorf("size %d", size)
	}
	read := func(s store.Source, p string) *rulepkg.Rule {
		res := ingest.ReadFile(s.Name, s.Path, filepath.Join(s.Path, p), "")
		if len(res.Rules) != 1 {
			t.Fatalf("%s/%s: %d rules, %v", s.Path, p, len(res.Rules), res.Diags)
		}
		return res.Rules[0]
	}
	orig := read(srcs[0], "a/r.yml")
	uids := map[string]bool{orig.UID: true}
	for k, s := range srcs[1:] {
		r := read(s, "a/r.yml")
		if want := orig.Title + fmt.Sprintf(" fork %d", k+2); r.Title != want {
			t.Errorf("fork %d: title %q, want %q", k+2, r.Title, want)
		}
		if uids[r.UID] || len(r.UID) != len(orig.UID) {
			t.Errorf("fork %d: uid %q", k+2, r.UID)
		}
		uids[r.UID] = true
		data, _ := os.ReadFile(filepath.Join(s.Path, "a/r.yml"))
		if !strings.Contains(string(data), fmt.Sprintf("'whoami.exe_f%d'", k+2)) {
			t.Errorf("fork %d: no value changed:\n%s", k+2, data)
		}
		// The related id names the other file's rule, changed the same way.
		o := read(s, "b/s.yml")
		if len(r.Related) != 1 || r.Related[0].ID != o.UID {
			t.Errorf("fork %d: related %+v, other rule's id %q", k+2, r.Related, o.UID)
		}
	}
}
