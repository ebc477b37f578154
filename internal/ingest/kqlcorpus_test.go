package ingest

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/testcorpus"
)

// kqlCorpusFolders are the folders of ../shared/corpus that hold KQL rules.
var kqlCorpusFolders = []string{"azure-sentinel-2020", "m365-defender-hunting", "bertjanp-hunting", "reprise99-sentinel", "ep3p-sentinel", "hybridbrothers-seeds"}

var (
	reKQLFence   = regexp.MustCompile("(?mi)^\\s*(```|~~~)\\s*(kql|kusto|csl)?\\s*$")
	reTechnique  = regexp.MustCompile(`\bT\d{4}(?:\.\d{3})?\b`)
	reQueryKey   = regexp.MustCompile(`(?m)^\s*(query|queryText)\s*:`)
	reRelevantTk = regexp.MustCompile(`(?m)^relevantTechniques\s*:`)
)

// TestKQLCorpus reads every KQL folder of the corpus and checks issue 3's
// figures: every KQL file yields rules and no markdown query block is
// lost; at least 99% of the rules have no error; every rule has a title;
// at least 98% of the rules whose source states ATT&CK techniques carry
// them, resolved to names.
func TestKQLCorpus(t *testing.T) {
	corpus := testcorpus.Dir(t)
	total, withErrors, stating, carrying := 0, 0, 0, 0
	for _, folder := range kqlCorpusFolders {
		dir := filepath.Join(corpus, folder)
		if _, err := os.Stat(dir); err != nil {
			continue
		}
		results, err := Read(context.Background(), []Target{{Repo: folder, Path: dir}}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		files, rules := 0, 0
		for _, res := range results {
			data, err := os.ReadFile(res.Abs)
			if err != nil {
				continue
			}
			text := string(data)
			ext := strings.ToLower(filepath.Ext(res.Path))
			var kql []*rule.Rule
			for _, r := range res.Rules {
				if r.Language == "kql" {
					kql = append(kql, r)
				}
			}
			isKQL := false
			switch ext {
			case ".kql", ".csl":
				isKQL = strings.TrimSpace(text) != ""
			case ".yaml", ".yml":
				isKQL = reQueryKey.MatchString(text)
			case ".md":
				// blocks marked kql/kusto, or unmarked ones in a query section
				fences := 0
				for _, m := range reKQLFence.FindAllStringSubmatch(text, -1) {
					if m[2] != "" {
						fences++
					}
				}
				isKQL = fences > 0
				if fences > 0 && len(kql) < fences {
					t.Errorf("%s/%s: %d KQL blocks, %d rules: a query block is lost", folder, res.Path, fences, len(kql))
				}
			case ".txt":
				isKQL = len(kql) > 0 || strings.Contains(text, "| where") || strings.Contains(text, "|where")
			}
			if !isKQL && len(kql) == 0 {
				continue
			}
			files++
			if len(kql) == 0 {
				t.Errorf("%s/%s: a KQL file yields no rule (format %q, skipped %q, diagnostics %v)", folder, res.Path, res.Format, res.Skipped, res.Diags)
				continue
			}
			for _, r := range kql {
				rules++
				total++
				if r.Title == "" {
					t.Errorf("%s/%s: rule %s has no title", folder, res.Path, r.ID)
				}
				if r.HasErrors() {
					withErrors++
				}
				if statesTechniques(ext, text) {
					stating++
					resolved := len(r.Techniques) > 0
					for _, tk := range r.Techniques {
						if tk.Name == "" || tk.Unknown {
							resolved = false
						}
					}
					if resolved {
						carrying++
					} else if testing.Verbose() {
						t.Logf("%s/%s: techniques stated, rule carries %+v", folder, res.Path, r.Techniques)
					}
				}
			}
		}
		t.Logf("%-22s %4d KQL files, %5d rules", folder, files, rules)
	}
	if total == 0 {
		t.Fatal("no KQL rule read")
	}
	ok := 100 * float64(total-withErrors) / float64(total)
	carry := 100 * float64(carrying) / float64(max(stating, 1))
	t.Logf("%d KQL rules: %d with an error diagnostic, %.2f%% without; %d state ATT&CK techniques, %d carry them resolved (%.2f%%)",
		total, withErrors, ok, stating, carrying, carry)
	if ok < 99 {
		t.Errorf("%.2f%% of the rules have no error, want at least 99%%", ok)
	}
	if carry < 98 {
		t.Errorf("%.2f%% of the rules stating techniques carry them resolved, want at least 98%%", carry)
	}
}

// statesTechniques tells whether a file states ATT&CK techniques where a
// source reads them: Sentinel's relevantTechniques, a technique id in a
// markdown file or a raw query's comments.
func statesTechniques(ext, text string) bool {
	switch ext {
	case ".yaml", ".yml":
		return reRelevantTk.MatchString(text) && reTechnique.MatchString(text[reRelevantTk.FindStringIndex(text)[0]:])
	case ".md":
		// in a table row, a MITRE/ATT&CK/technique section, or a link to attack.mitre.org
		if reAttackLink.MatchString(text) {
			return true
		}
		inMitre := false
		for _, l := range strings.Split(text, "\n") {
			t := strings.TrimSpace(l)
			if strings.HasPrefix(t, "#") {
				h := strings.ToLower(t)
				inMitre = strings.Contains(h, "mitre") || strings.Contains(h, "att&ck") || strings.Contains(h, "technique")
				continue
			}
			if (inMitre || strings.HasPrefix(t, "|")) && reTechnique.MatchString(t) && !strings.Contains(t, "://") {
				return true
			}
		}
	}
	return false
}

var reAttackLink = regexp.MustCompile(`attack\.mitre\.org/techniques/T\d{4}`)

// TestSeedRules checks the two HybridBrothers rules whose pages are the
// seeds of ../shared/seeds, section by section.
func TestSeedRules(t *testing.T) {
	dir := filepath.Join(testcorpus.Dir(t), "hybridbrothers-seeds")
	results, err := Read(context.Background(), []Target{{Repo: "hybridbrothers-seeds", Path: dir}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	AssignIDs(results)
	byID := map[string]*rule.Rule{}
	for _, res := range results {
		for _, r := range res.Rules {
			byID[r.ID] = r
		}
	}
	r1 := byID["kusto/DetectAzureScriptOrRunCommandByRiskyUser"]
	r2 := byID["kusto/DetectFirstTimeAzureCustomScriptOrRunCommand"]
	if r1 == nil || r2 == nil {
		t.Fatalf("seed rules not found; ids %v", slices.Sorted(func(yield func(string) bool) {
			for k := range byID {
				if !yield(k) {
					return
				}
			}
		}))
	}
	for _, r := range []*rule.Rule{r1, r2} {
		if r.HasErrors() {
			t.Errorf("%s: %v", r.ID, r.Diagnostics)
		}
		if !slices.Equal(r.Authors, []string{"Robbe Van den Daele"}) {
			t.Errorf("%s: authors %v", r.ID, r.Authors)
		}
		var tks []string
		for _, tk := range r.Techniques {
			if tk.Name == "" {
				t.Errorf("%s: technique %s without a name", r.ID, tk.ID)
			}
			tks = append(tks, tk.ID)
		}
		if !slices.Equal(tks, []string{"T1021.008", "T1651"}) {
			t.Errorf("%s: techniques %v", r.ID, tks)
		}
		if r.TimeWindow != "1h" {
			t.Errorf("%s: time window %q", r.ID, r.TimeWindow)
		}
	}
	var kinds []string
	for _, s := range r1.Stages {
		kinds = append(kinds, s.Kind)
	}
	if !slices.Equal(kinds, []string{"source", "where", "where", "where", "extend", "summarize", "join"}) {
		t.Errorf("stages %v", kinds)
	}
	if j := r1.Stages[len(r1.Stages)-1]; len(j.Stages) != 2 || j.Stages[0].Source != "AADUserRiskEvents" || j.Stages[1].TimeWindow != "14d" {
		t.Errorf("join's inner pipeline %+v", j.Stages)
	}
	ind := func(r *rule.Rule) []string {
		var out []string
		for _, in := range r.Indicators {
			cs := "ci"
			if in.CaseSensitive {
				cs = "cs"
			}
			out = append(out, in.Field+" "+in.Kind+" "+cs+" "+strings.Join(in.Values, "|"))
		}
		return out
	}
	if got, want := ind(r1), []string{"CategoryValue eq cs Administrative",
		"OperationNameValue eq ci Microsoft.Compute/virtualMachines/runCommand/action|MICROSOFT.COMPUTE/VIRTUALMACHINES/EXTENSIONS/WRITE"}; !slices.Equal(got, want) {
		t.Errorf("indicators of %s\n got %q\nwant %q", r1.ID, got, want)
	}
	if got, want := ind(r2), []string{"ActivityInsights.EventMessage has_any ci runCommand/action|extensions/write",
		"ActivityInsights.FirstTimeUserPerformedAction eq cs True"}; !slices.Equal(got, want) {
		t.Errorf("indicators of %s\n got %q\nwant %q", r2.ID, got, want)
	}
	var outs []string
	for _, o := range r1.Outputs {
		outs = append(outs, o.Name+"<"+o.Source)
	}
	if want := []string{"CorrelationId<summarize", "CallerIpAddress<summarize", "Caller<summarize", "ResourceGroup<summarize", "VMName<summarize",
		"list_ActivityStatusValue<summarize", "TimeGenerated<summarize", "AADUserRiskEvents.*<join"}; !slices.Equal(outs, want) {
		t.Errorf("outputs\n got %v\nwant %v", outs, want)
	}
}
