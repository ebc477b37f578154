package lowerelastic_test

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/ruledex/ruledex/internal/catalog"
	"github.com/ruledex/ruledex/internal/ingest"
)

// TestExamples reads the example Elastic rules of examples/elastic through
// the whole pipeline: one rule each, no diagnostic, a rule of each of the
// four languages, the Azure one detecting the seed's actions.
func TestExamples(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "..", "examples", "elastic", "*.toml"))
	if len(files) == 0 {
		t.Fatal("no example in examples/elastic")
	}
	langs := map[string]bool{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		res := ingest.ReadData("examples", "elastic/"+filepath.Base(f), f, data, "")
		if res.Format != "elastic_toml" || len(res.Rules) != 1 {
			t.Errorf("%s: format %q, %d rules, %v", f, res.Format, len(res.Rules), res.Diags)
			continue
		}
		r := res.Rules[0]
		langs[r.Language] = true
		if len(r.Diagnostics) > 0 || len(r.Indicators) == 0 || len(r.Techniques) == 0 || r.Explanation == "" {
			t.Errorf("%s: diagnostics %v, %d indicators, %d techniques", f, r.Diagnostics, len(r.Indicators), len(r.Techniques))
		}
		if filepath.Base(f) == "execution_azure_run_command_by_user.toml" {
			var keys []string
			for _, k := range catalog.ActionKeys(r) {
				keys = append(keys, k.String())
			}
			sort.Strings(keys)
			if len(keys) != 2 {
				t.Errorf("%s: actions %v, want the run command and the extension write", f, keys)
			}
		}
	}
	for _, l := range []string{"eql", "kuery", "esql", "lucene"} {
		if !langs[l] {
			t.Errorf("no example rule in %s", l)
		}
	}
}
