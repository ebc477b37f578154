package lowerelastic

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

// TestGolden reads each example of testdata/golden (a TOML rule of each
// type and language, a deprecated rule, a hunting file, a raw query of
// each language) as ruledex tells its format, lowers it, and compares the
// rules, as JSON, with the .json file beside it (rewritten with -update).
func TestGolden(t *testing.T) {
	ins, _ := filepath.Glob(filepath.Join("testdata", "golden", "*"))
	n := 0
	for _, in := range ins {
		if strings.HasSuffix(in, ".json") {
			continue
		}
		n++
		name := filepath.Base(in)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			f := &lang.File{Repo: "golden", Path: name, Data: data}
			ft := lang.Detect(f)
			if ft == nil || ft.Language() == nil || ft.Language().Platform != Platform {
				t.Fatalf("%s is not told to be an Elastic rule file (format %v)", name, ft)
			}
			items, diags := lang.ReadAs(ft, f)
			var rules []*rule.Rule
			for _, it := range items {
				lang.Lower(it)
				it.Rule.Normalize()
				if it.Rule.HasErrors() {
					t.Errorf("%s: errors %v", it.Rule.Title, it.Rule.Diagnostics)
				}
				rules = append(rules, it.Rule)
			}
			if len(rules) == 0 {
				t.Errorf("no rule; diagnostics %v", diags)
			}
			out := struct {
				Format      string            `json:"format"`
				Rules       []*rule.Rule      `json:"rules"`
				Diagnostics []rule.Diagnostic `json:"diagnostics"`
			}{ft.Name, rules, diags}
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
			testcorpus.Golden(t, in+".json", buf.Bytes(), *update)
		})
	}
	if n < 10 {
		t.Fatalf("only %d golden inputs", n)
	}
}
