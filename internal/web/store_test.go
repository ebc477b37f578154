package web

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/build"
	"github.com/ruledex/ruledex/internal/build/buildtest"
)

// TestStoreCatalog builds a catalog of the examples into SQLite and serves it.
func TestStoreCatalog(t *testing.T) {
	cat := openCatalog(t, buildtest.Catalog(t, build.Source{Name: "examples", Path: filepath.Join("..", "..", "examples")}))
	s, err := New(cat)
	if err != nil {
		t.Fatal(err)
	}
	ids, _ := cat.RuleIDs(t.Context())
	if len(ids) < 4 {
		t.Fatalf("%d rules", len(ids))
	}
	for _, tt := range []struct {
		path string
		want []string
	}{
		{"/", []string{"sigma"}},
		{"/rules/", []string{"Certutil"}},
		{RulePath(ids[0]), []string{"Rule body", `<span class="l" id="L`}},
		{"/search?q=certutil", []string{"<mark>", "Certutil"}},
		{"/search?q=certutil&f=platform:sigma", []string{"Certutil"}},
		{"/attack/", []string{"T1105"}},
		{"/attack/T1105/", []string{"Certutil"}},
		{"/tables/", []string{"process_creation"}},
		{"/indicators/", []string{"CommandLine"}},
		{"/api/v1/search?q=certutil", []string{`"marks":[{`}},
		{"/api/v1/rules/" + ids[0], []string{`"id":"` + ids[0] + `"`}},
		{"/repos/examples/", []string{"last build", "diagnostics"}},
		{"/api/v1/repos/examples", []string{`"name":"examples"`, `"by_kind":{`}},
		{"/tables/" + Seg("windows//process_creation") + "/", []string{"Fields used", "<code>CommandLine</code>"}},
		{"/api/v1/actions?value=CreateAccessKey", []string{`"id":"sigma/aws_cloudtrail_iam_access_key_for_other_user"`, `"actions":["AWS CloudTrail: CreateAccessKey"]`}},
	} {
		w := get(t, s, tt.path)
		if w.Code != 200 {
			t.Errorf("%s: %d %s", tt.path, w.Code, w.Body.String())
			continue
		}
		for _, want := range tt.want {
			if !strings.Contains(w.Body.String(), want) {
				t.Errorf("%s: lacks %q", tt.path, want)
			}
		}
	}
	if w := get(t, s, "/rules/sigma/none/"); w.Code != 404 {
		t.Errorf("missing rule: %d", w.Code)
	}
}
