package lowerspl_test

import (
	"encoding/json"
	"flag"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/examples"
	"github.com/ruledex/ruledex/internal/catalog"
	"github.com/ruledex/ruledex/internal/ingest"
	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/testcorpus"
)

var update = flag.Bool("update", false, "rewrite testdata/golden")

// TestExamples reads the embedded Splunk examples (examples/splunk: an
// ESCU detection with its macro, a savedsearches.conf with its
// macros.conf) as a build does, Link included, so that each detection's
// macros are the repository's, and compares the rules' JSON with
// testdata/golden/<path>.json (-update rewrites them; read the diff).
// package ingest's TestGolden holds the same files read alone.
func TestExamples(t *testing.T) {
	fsys := examples.FS()
	var results []ingest.FileResult
	for _, f := range testcorpus.FilesFS(t, fsys, "splunk") {
		results = append(results, ingest.ReadData("examples", f.Rel, f.Rel, f.Data, ""))
	}
	ingest.AssignIDs(results)
	var all []*rule.Rule
	for _, res := range results {
		all = append(all, res.Rules...)
	}
	ingest.Link(all)
	for _, r := range all {
		catalog.FillEvents(r) // as the build's cross-reference does after Link
	}
	if len(results) != 4 {
		t.Errorf("%d example files, want 4", len(results))
	}
	for _, res := range results {
		if len(res.Rules) == 0 {
			t.Errorf("%s: no rule (%s %v)", res.Path, res.Skipped, res.Diags)
		}
		for _, r := range res.Rules {
			r.Normalize()
			if len(r.Diagnostics) > 0 {
				t.Errorf("%s: %s: %v", res.Path, r.ID, r.Diagnostics)
			}
			if strings.HasSuffix(res.Path, "savedsearches.conf") || strings.Contains(res.Path, "/detections/") {
				if len(r.Stages) == 0 || len(r.Techniques) == 0 {
					t.Errorf("%s: %s without stages or techniques", res.Path, r.ID)
				}
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
}
