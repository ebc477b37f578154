package loweryaral

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/attack"
	"github.com/ruledex/ruledex/internal/catalog"
	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/lang/yaral"
	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/testcorpus"
)

type corpusFile = testcorpus.File

// corpusFiles reads the .yaral files of the corpus's chronicle folder.
func corpusFiles(tb testing.TB) []corpusFile {
	files := testcorpus.Files(tb, testcorpus.Dir(tb, "chronicle"), ".yaral")
	if len(files) == 0 {
		tb.Skip("no .yaral file in the corpus")
	}
	return files
}

// readFile reads one file as a build does: its format told from its
// content, every rule lowered, ATT&CK resolved, events filled.
func readFile(tb testing.TB, cf corpusFile) []*rule.Rule {
	tb.Helper()
	f := &lang.File{Repo: "chronicle", Path: cf.Rel, Data: cf.Data}
	ft := lang.Detect(f)
	if ft == nil || ft.Name != FormatName {
		tb.Errorf("%s: not detected as %s (%v)", cf.Rel, FormatName, ft)
		return nil
	}
	items, diags := lang.ReadAs(ft, f)
	for _, d := range diags {
		tb.Errorf("%s:%d:%d: %s", cf.Rel, d.Line, d.Col, d.Message)
	}
	var rules []*rule.Rule
	for _, it := range items {
		lang.Lower(it)
		attack.ResolveRule(it.Rule)
		catalog.FillEvents(it.Rule)
		rules = append(rules, it.Rule)
	}
	return rules
}

// openings counts the `rule NAME {` openings of src outside comments.
func openings(src []byte) int {
	out := append([]byte(nil), src...)
	for _, t := range yaral.Lex(src) {
		if t.Kind == yaral.TokComment {
			for i := t.Span.Start; i < t.Span.End; i++ {
				if out[i] != '\n' {
					out[i] = ' '
				}
			}
		}
	}
	return len(ruleOpening.FindAll(out, -1))
}

// namesAttack tells whether the rule's own text states ATT&CK techniques:
// a meta entry (not in a comment) whose key names a technique or an
// ATT&CK address, or a mitre list, with a value.
func namesAttack(r *rule.Rule) bool {
	f, _ := yaral.Parse([]byte(r.Query))
	if len(f.Rules) == 0 || f.Rules[0].Meta() == nil {
		return false
	}
	for _, e := range f.Rules[0].Meta().Entries {
		k := strings.ToLower(e.Key.Name)
		if !(strings.Contains(k, "technique") || k == "mitre" || strings.HasSuffix(k, "url") && strings.Contains(k, "mitre")) {
			continue
		}
		if s, ok := e.Value.(*yaral.String); ok && strings.TrimSpace(s.Value) != "" {
			return true
		}
	}
	return false
}

// TestCorpus reads every rule of the Chronicle corpus: every `rule NAME {`
// opening is a rule read, at least 99.5% with no error diagnostic; every
// rule that names ATT&CK carries techniques, all resolved; every rule has
// an events stage with predicates and a condition stage.
func TestCorpus(t *testing.T) {
	files := corpusFiles(t)
	var opened, read, clean, naming, carrying int
	for _, cf := range files {
		rules := readFile(t, cf)
		n := openings(cf.Data)
		opened += n
		read += len(rules)
		if len(rules) != n {
			t.Errorf("%s: %d rules opened, %d read", cf.Rel, n, len(rules))
		}
		for _, r := range rules {
			if !r.HasErrors() {
				clean++
			} else {
				for _, d := range r.Diagnostics {
					t.Logf("%s:%d:%d: %s: %s", cf.Rel, d.Line, d.Col, d.Severity, d.Message)
				}
			}
			if r.Title == "" || r.Query == "" {
				t.Errorf("%s: rule %q has no title or query", cf.Rel, r.Name)
			}
			var events, cond, preds int
			for _, st := range r.Stages {
				switch st.Kind {
				case "events":
					events++
					preds += len(st.Predicates) + len(st.Stages)
				case "condition":
					cond++
				}
			}
			if events == 0 || cond != 1 || preds == 0 {
				t.Errorf("%s: rule %s: %d events stages with %d predicates, %d condition stages", cf.Rel, r.Name, events, preds, cond)
			}
			if namesAttack(r) {
				naming++
				ok := len(r.Techniques) > 0
				for _, te := range r.Techniques {
					if te.Unknown || te.Name == "" {
						ok = false
						t.Errorf("%s: rule %s: technique %s not resolved", cf.Rel, r.Name, te.ID)
					}
				}
				if ok {
					carrying++
				} else if len(r.Techniques) == 0 {
					t.Errorf("%s: rule %s names ATT&CK but carries no technique", cf.Rel, r.Name)
				}
			}
		}
	}
	t.Logf("%d files: %d rules opened, %d read, %d with no error diagnostic (%.2f%%); %d name ATT&CK techniques, %d carry them all resolved",
		len(files), opened, read, clean, 100*float64(clean)/float64(max(opened, 1)), naming, carrying)
	if opened == 0 {
		t.Fatal("no rule opening in the corpus")
	}
	if float64(clean) < 0.995*float64(opened) {
		t.Errorf("%d of %d rules with no error diagnostic, below 99.5%%", clean, opened)
	}
}

// TestCertutil checks the lowering of the corpus rule
// suspicious_download_via_certutil_exe: its PROCESS_LAUNCH stage, the
// certutil and urlcache predicates with their case sensitivity, its
// outcome fields and its technique.
func TestCertutil(t *testing.T) {
	dir := testcorpus.Dir(t, "chronicle")
	rel := "rules/community/microsoft/windows/suspicious_download_via_certutil_exe.yaral"
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		t.Skipf("%s: %v", rel, err)
	}
	rules := readFile(t, corpusFile{Rel: rel, Data: data})
	if len(rules) != 1 {
		t.Fatalf("%d rules, want 1", len(rules))
	}
	r := rules[0]
	if r.ID != "suspicious_download_via_certutil_exe" || r.Title != "Suspicious Download Via Certutil.EXE" || r.Severity != "Medium" {
		t.Errorf("id %q title %q severity %q", r.ID, r.Title, r.Severity)
	}
	if len(r.Stages) != 4 || r.Stages[0].Kind != "events" || r.Stages[0].Source != "UDM PROCESS_LAUNCH" {
		t.Fatalf("stages %+v", r.Stages)
	}
	find := func(ss []rule.Stage, field, value string) *rule.Predicate {
		var found *rule.Predicate
		var walk func(ss []rule.Stage)
		walk = func(ss []rule.Stage) {
			for i := range ss {
				for j := range ss[i].Predicates {
					p := &ss[i].Predicates[j]
					if p.Field == field && len(p.Values) == 1 && p.Values[0] == value && found == nil {
						found = p
					}
				}
				walk(ss[i].Stages)
			}
		}
		walk(ss)
		return found
	}
	ev := r.Stages[:1]
	checks := []struct {
		field, value, kind string
		cased              bool
	}{
		{"metadata.event_type", "PROCESS_LAUNCH", rule.OpEq, true},
		// re.regex(..., `\\certutil\.exe$`) nocase: unanchored at the start, case-insensitive
		{"target.process.file.full_path", `\\certutil\.exe$`, rule.OpRegex, false},
		{"src.process.file.full_path", "certutil.exe", rule.OpEq, false},
		// strings.contains(strings.to_lower(...), "urlcache "): case-insensitive
		{"target.process.command_line", "urlcache ", rule.OpContains, false},
		{"target.process.command_line", "verifyctl ", rule.OpContains, false},
		{"target.process.command_line", "http", rule.OpContains, false},
	}
	for _, c := range checks {
		p := find(ev, c.field, c.value)
		if p == nil {
			t.Errorf("no predicate %s %q in the events stage", c.field, c.value)
			continue
		}
		if p.Kind != c.kind || p.CaseSensitive != c.cased || p.Negated || p.Wildcards {
			t.Errorf("%s %q: kind %s case-sensitive %v negated %v, want %s %v false", c.field, c.value, p.Kind, p.CaseSensitive, p.Negated, c.kind, c.cased)
		}
	}
	// certutil and urlcache are alternatives of their lines: two "or" stages
	if n := len(r.Stages[0].Stages); n != 2 || r.Stages[0].Stages[0].Kind != "or" || r.Stages[0].Stages[1].Kind != "or" {
		t.Errorf("inner stages %+v, want two or stages", r.Stages[0].Stages)
	}
	if len(r.Outputs) != 14 || r.Outputs[0].Name != "$risk_score" || r.Outputs[0].Entity != "Risk score" ||
		r.Outputs[13].Name != "$log_type" || r.Outputs[8].Expr != "array_distinct($process.target.process.command_line)" {
		t.Errorf("outputs %+v", r.Outputs)
	}
	for _, o := range r.Outputs {
		if o.Source != "outcome" || o.Stage != 3 || o.Expr == "" {
			t.Errorf("output %+v", o)
		}
	}
	if len(r.Techniques) != 1 || r.Techniques[0].ID != "T1027" || r.Techniques[0].Tactic != "defense-evasion" {
		t.Errorf("techniques %+v", r.Techniques)
	}
	if r.TimeWindow != "5m" || len(r.GroupBy) != 1 || r.GroupBy[0] != "$hostname" {
		t.Errorf("time window %q group by %v", r.TimeWindow, r.GroupBy)
	}
}

// BenchmarkReadCorpus reads and lowers every file of the corpus per
// iteration (format, lowering, ATT&CK, events).
//
//	go test -run - -bench ReadCorpus -benchmem -cpu 1 ./internal/lower/yaral
func BenchmarkReadCorpus(b *testing.B) {
	files := corpusFiles(b)
	var n int64
	for _, f := range files {
		n += int64(len(f.Data))
	}
	b.SetBytes(n)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := testcorpus.CPUTime()
	for i := 0; i < b.N; i++ {
		for _, f := range files {
			readFile(b, f)
		}
	}
	if cpu := testcorpus.CPUTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(n)*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
	}
}

// BenchmarkParseQueries parses, with the registry's Parse (what `ruledex
// bench` times: ParseUnit "query"), the query of every corpus rule per
// iteration; MB/s is over the queries' bytes.
//
//	go test -run - -bench ParseQueries -benchmem -cpu 1 ./internal/lower/yaral
func BenchmarkParseQueries(b *testing.B) {
	var queries [][]byte
	var n int64
	for _, f := range corpusFiles(b) {
		for _, r := range readFile(b, f) {
			queries = append(queries, []byte(r.Query))
			n += int64(len(r.Query))
		}
	}
	l := lang.Get(Name)
	b.SetBytes(n)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := testcorpus.CPUTime()
	for i := 0; i < b.N; i++ {
		for _, q := range queries {
			l.Parse(q)
		}
	}
	if cpu := testcorpus.CPUTime() - cpu0; cpu > 0 {
		// MB per second of the process's CPU time: the figure on one core,
		// whatever else the machine runs
		b.ReportMetric(float64(n)*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
	}
}
