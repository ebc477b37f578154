package ingest

import (
	"encoding/json"
	"flag"
	"path"
	"path/filepath"
	"testing"

	"github.com/ruledex/ruledex/examples"
	"github.com/ruledex/ruledex/internal/testcorpus"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/golden")

// TestGolden reads every example rule ruledex embeds (examples/, one or
// more per source format) and compares the rules' JSON, the contract of
// DESIGN.md, with testdata/golden/<file>.json. Run with -update to rewrite
// them after a deliberate change, and read the diff.
func TestGolden(t *testing.T) {
	fsys := examples.FS()
	var results []FileResult
	for _, f := range testcorpus.FilesFS(t, fsys, ".") {
		results = append(results, ReadData("examples", f.Rel, f.Rel, f.Data, ""))
	}
	AssignIDs(results)
	formats := map[string]bool{}
	for _, res := range results {
		if len(res.Rules) == 0 {
			t.Errorf("%s: no rule (format %q, skipped %q, diagnostics %v)", res.Path, res.Format, res.Skipped, res.Diags)
			continue
		}
		formats[res.Format] = true
		for _, r := range res.Rules {
			r.Normalize()
			if r.HasErrors() {
				t.Errorf("%s: %s has errors: %v", res.Path, r.ID, r.Diagnostics)
			}
		}
		got, err := json.MarshalIndent(struct {
			Path  string `json:"path"`
			Rules any    `json:"rules"`
		}{res.Path, res.Rules}, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, '\n')
		testcorpus.Golden(t, filepath.Join("testdata", "golden", filepath.FromSlash(res.Path)+".json"), got, *update)
	}
	for _, f := range []string{"sentinel_yaml", "kql_markdown", "kql_text", "sigma_yaml"} {
		if !formats[f] {
			t.Errorf("no example of format %s (formats met: %v)", f, formats)
		}
	}
	_ = path.Base
}
