package lowersigma

import (
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/testcorpus"
)

type sigmaFile = testcorpus.File

// loadSigmaFiles reads the .yml and .yaml files under dir.
func loadSigmaFiles(tb testing.TB, dir string) []sigmaFile {
	tb.Helper()
	return testcorpus.Files(tb, dir, ".yml", ".yaml")
}

// readSigmaFile reads one file as the pipeline does: detect its format, read
// it, lower every rule.
func readSigmaFile(tb testing.TB, repo string, sf sigmaFile) []*rule.Rule {
	tb.Helper()
	f := &lang.File{Repo: repo, Path: sf.Rel, Data: sf.Data}
	ft := lang.Detect(f)
	if ft == nil || ft.Name != "sigma_yaml" {
		tb.Fatalf("%s: not detected as sigma_yaml (%v)", sf.Rel, ft)
	}
	items, diags := lang.ReadAs(ft, f)
	for _, d := range diags {
		tb.Errorf("%s:%d:%d: %s", sf.Rel, d.Line, d.Col, d.Message)
	}
	var rules []*rule.Rule
	for _, it := range items {
		lang.Lower(it)
		rules = append(rules, it.Rule)
	}
	return rules
}

// TestSigmaCorpusLowering reads and lowers the whole SigmaHQ corpus: every
// rule has a title, a table, stages ending with its condition, at least one
// predicate, and no error diagnostic.
func TestSigmaCorpusLowering(t *testing.T) {
	files := loadSigmaFiles(t, testcorpus.Dir(t, "sigma"))
	kinds := map[string]int{}
	n := 0
	for _, sf := range files {
		for _, r := range readSigmaFile(t, "sigma", sf) {
			n++
			kinds[r.Kind]++
			if r.HasErrors() {
				t.Errorf("%s: %v", sf.Rel, r.Diagnostics)
			}
			if r.Title == "" || r.UID == "" || len(r.Tables) != 1 || strings.Count(r.Tables[0], "/") != 2 {
				t.Errorf("%s: title %q uid %q tables %v", sf.Rel, r.Title, r.UID, r.Tables)
			}
			if len(r.Stages) < 3 || r.Stages[0].Kind != "source" || r.Stages[len(r.Stages)-1].Kind != "condition" {
				t.Errorf("%s: stages %v", sf.Rel, r.Stages)
				continue
			}
			preds := 0
			var walk func([]rule.Stage)
			walk = func(ss []rule.Stage) {
				for _, st := range ss {
					preds += len(st.Predicates)
					if st.Line < 1 || st.Col < 1 || st.Text == "" {
						t.Errorf("%s: stage %d %s at %d:%d text %q", sf.Rel, st.N, st.Kind, st.Line, st.Col, st.Text)
					}
					walk(st.Stages)
				}
			}
			walk(r.Stages)
			if preds == 0 {
				t.Errorf("%s: no predicate", sf.Rel)
			}
			if r.Explanation == "" {
				t.Errorf("%s: no explanation", sf.Rel)
			}
		}
	}
	t.Logf("%d rules: %v", n, kinds)
	if kinds[rule.KindHunting] == 0 || kinds[rule.KindDetection] == 0 {
		t.Errorf("kinds %v: want detection and hunting rules", kinds)
	}
}

// TestSigmaSpecificationLinks reads the specification's examples with the
// SigmaHQ corpus and links them: each filter example names the rar.exe rule
// of the corpus, which must be found; references to rules that are in
// neither get a warning.
func TestSigmaSpecificationLinks(t *testing.T) {
	spec := loadSigmaFiles(t, testcorpus.Dir(t, "sigma-specification"))
	var all []*rule.Rule
	var specRules []*rule.Rule
	for _, sf := range spec {
		rs := readSigmaFile(t, "sigma-specification", sf)
		specRules = append(specRules, rs...)
		all = append(all, rs...)
	}
	for _, sf := range loadSigmaFiles(t, testcorpus.Dir(t, "sigma")) {
		if strings.Contains(string(sf.Data), "6f3e2987-db24-4c78-a860-b4f4095a7095") {
			all = append(all, readSigmaFile(t, "sigma", sf)...)
		}
	}
	diags := LinkSigma(all)
	var correlations, filters int
	for _, r := range specRules {
		switch r.Kind {
		case rule.KindCorrelation:
			correlations++
		case rule.KindFilter:
			filters++
		}
		for _, rel := range r.Related {
			switch rel.Type {
			case "filter":
				// 6f3e2987 is in the corpus; df0841c0 ("Login on jump host") is not.
				found := rel.ID == "6f3e2987-db24-4c78-a860-b4f4095a7095"
				warned := hasWarning(r, rel.ID)
				if found == warned {
					t.Errorf("%s: reference %s found %v, warned %v", r.Source.Path, rel.ID, found, warned)
				}
			case "correlation":
				if !hasWarning(r, rel.ID) {
					t.Errorf("%s: unresolved reference %s has no warning", r.Source.Path, rel.ID)
				}
			}
		}
	}
	if correlations != 8 || filters != 2 {
		t.Errorf("%d correlations, %d filters; want 8 and 2", correlations, filters)
	}
	if len(diags) == 0 {
		t.Error("no diagnostics returned")
	}
	// A second call adds nothing.
	before := 0
	for _, r := range all {
		before += len(r.Diagnostics)
	}
	LinkSigma(all)
	after := 0
	for _, r := range all {
		after += len(r.Diagnostics)
	}
	if before != after {
		t.Errorf("LinkSigma is not idempotent: %d then %d diagnostics", before, after)
	}
}

func hasWarning(r *rule.Rule, ref string) bool {
	for _, d := range r.Diagnostics {
		if d.Severity == rule.SevWarning && strings.Contains(d.Message, `"`+ref+`"`) {
			return true
		}
	}
	return false
}

// TestSigmaLinkAcrossFiles links a correlation to rules of other files by
// name and by id, and reports an ambiguous name.
func TestSigmaLinkAcrossFiles(t *testing.T) {
	corr := `title: Brute force then success
correlation:
    type: temporal_ordered
    rules:
        - failed_login
        - 4d0a2c83-c62c-4ed4-b475-c7e23a9269b8
        - twice
    group-by: [User]
    timespan: 10m
`
	base := `title: %s
id: %s
name: %s
logsource: {product: windows, service: security}
detection:
    selection: {EventID: 4625}
    condition: selection
`
	files := []sigmaFile{
		{Rel: "corr.yml", Data: []byte(corr)},
		{Rel: "failed.yml", Data: []byte(sprintf(base, "Failed", "53ba33fd-3a50-4468-a5ef-c583635cfa92", "failed_login"))},
		{Rel: "ok.yml", Data: []byte(sprintf(base, "Success", "4D0A2C83-C62C-4ED4-B475-C7E23A9269B8", "successful_login"))},
		{Rel: "t1.yml", Data: []byte(sprintf(base, "T1", "11111111-3a50-4468-a5ef-c583635cfa92", "twice"))},
		{Rel: "t2.yml", Data: []byte(sprintf(base, "T2", "22222222-3a50-4468-a5ef-c583635cfa92", "twice"))},
	}
	var all []*rule.Rule
	for _, sf := range files {
		all = append(all, readSigmaFile(t, "repo", sf)...)
	}
	diags := LinkSigma(all)
	rel := all[0].Related
	if rel[0].ID != "53ba33fd-3a50-4468-a5ef-c583635cfa92" || rel[1].ID != "4D0A2C83-C62C-4ED4-B475-C7E23A9269B8" || rel[2].ID != "twice" {
		t.Errorf("related %v", rel)
	}
	if len(diags) != 1 || !strings.Contains(diags[0].Message, "which 2 rules are called") || diags[0].Line != 7 || diags[0].Col != 11 {
		t.Errorf("diagnostics %v", diags)
	}
}

func sprintf(format string, args ...string) string {
	for _, a := range args {
		format = strings.Replace(format, "%s", a, 1)
	}
	return format
}

// BenchmarkSigmaCorpus reads and lowers the whole SigmaHQ corpus (files
// already in memory): format detection, YAML, detection, conditions,
// lowering.
func BenchmarkSigmaCorpus(b *testing.B) {
	files := loadSigmaFiles(b, testcorpus.Dir(b, "sigma"))
	var size int64
	for _, sf := range files {
		size += int64(len(sf.Data))
	}
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rules := 0
		for _, sf := range files {
			f := &lang.File{Repo: "sigma", Path: sf.Rel, Data: sf.Data}
			ft := lang.Detect(f)
			if ft == nil {
				b.Fatalf("%s: no format", sf.Rel)
			}
			items, _ := lang.ReadAs(ft, f)
			for _, it := range items {
				lang.Lower(it)
				rules++
			}
		}
		if rules < 3000 {
			b.Fatalf("%d rules", rules)
		}
	}
}
