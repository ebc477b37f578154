package lowersigma

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/testcorpus"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/golden")

// readRules reads a Sigma file through the whole pipeline: the sigma_yaml
// format, then the lowering.
func readRules(t testing.TB, repo, path string, data []byte) ([]*rule.Rule, []rule.Diagnostic) {
	t.Helper()
	ft := lang.FormatByName("sigma_yaml")
	if ft == nil {
		t.Fatal("format sigma_yaml is not registered")
	}
	f := &lang.File{Repo: repo, Path: path, Data: data}
	items, diags := lang.ReadAs(ft, f)
	var rules []*rule.Rule
	for _, it := range items {
		lang.Lower(it)
		rules = append(rules, it.Rule)
	}
	return rules, diags
}

// TestGolden reads each testdata/golden/*.yml and compares the rules it
// gives, as JSON, with the .json file beside it (rewritten with -update).
func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "golden", "*.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, in := range files {
		name := strings.TrimSuffix(filepath.Base(in), ".yml")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			if !LooksLikeSigma(data) {
				t.Errorf("%s is not told to be Sigma from its content", in)
			}
			rules, diags := readRules(t, "golden", filepath.Base(in), data)
			LinkSigma(rules)
			out := struct {
				Rules       []*rule.Rule      `json:"rules"`
				Diagnostics []rule.Diagnostic `json:"diagnostics"`
			}{rules, diags}
			if out.Rules == nil {
				out.Rules = []*rule.Rule{}
			}
			if out.Diagnostics == nil {
				out.Diagnostics = []rule.Diagnostic{}
			}
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(out); err != nil {
				t.Fatal(err)
			}
			testcorpus.Golden(t, strings.TrimSuffix(in, ".yml")+".json", buf.Bytes(), *update)
		})
	}
	// No golden output without its input.
	outs, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.json"))
	for _, o := range outs {
		if _, err := os.Stat(strings.TrimSuffix(o, ".json") + ".yml"); err != nil {
			t.Errorf("%s has no input", o)
		}
	}
}
