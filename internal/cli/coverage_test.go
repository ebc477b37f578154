package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/attack"
	"github.com/ruledex/ruledex/internal/catalog"
	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/store"
)

func TestCoverage(t *testing.T) {
	tmp := t.TempDir()
	src := filepath.Join(tmp, "rules")
	os.MkdirAll(src, 0o755)
	if err := os.WriteFile(filepath.Join(src, "whoami.yml"), []byte(showSigma), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(tmp, "c.db")
	if _, errs, code := runCmd(t, "build", "--quiet", "--db", db, src); code != 0 {
		t.Fatal(errs)
	}
	out, errs, code := runCmd(t, "coverage", "--db", db)
	if code != 0 || !strings.Contains(out, "T1033") || !strings.Contains(out, "Discovery") || !strings.Contains(out, "sigma 1") {
		t.Fatalf("coverage: %d\n%s\n%s", code, out, errs)
	}
	layerPath := filepath.Join(tmp, "layer.json")
	if _, errs, code := runCmd(t, "coverage", "--db", db, "--navigator", layerPath, "--name", "test layer"); code != 0 {
		t.Fatal(errs)
	}
	data, err := os.ReadFile(layerPath)
	var layer struct {
		Name       string `json:"name"`
		Techniques []struct {
			TechniqueID string `json:"techniqueID"`
			Score       int    `json:"score"`
		} `json:"techniques"`
	}
	if err != nil || json.Unmarshal(data, &layer) != nil || layer.Name != "test layer" || len(layer.Techniques) == 0 || layer.Techniques[0].TechniqueID != "T1033" {
		t.Fatalf("layer: %v\n%s", err, data)
	}
	out, _, code = runCmd(t, "coverage", "--db", db, "--platform", "kusto", "--json")
	var m struct{ Rules int }
	if code != 0 || json.Unmarshal([]byte(out), &m) != nil || m.Rules != 0 {
		t.Errorf("coverage of another platform: %d %s", code, out)
	}
}

// export navigator is the coverage layer, filtered by the search facets.
func TestExportNavigatorFacets(t *testing.T) {
	tmp := t.TempDir()
	layer := func(facets ...string) (int, string) {
		path := filepath.Join(tmp, "layer.json")
		args := append([]string{"export", "navigator", path, "../../examples"}, facets...)
		_, errs, code := runCmd(t, args...)
		if code != 0 {
			t.Fatalf("%v: %s", args, errs)
		}
		data, _ := os.ReadFile(path)
		var l struct {
			Description string
			Techniques  []struct{ TechniqueID string }
		}
		if err := json.Unmarshal(data, &l); err != nil {
			t.Fatal(err)
		}
		return len(l.Techniques), l.Description
	}
	all, _ := layer()
	sigma, desc := layer("--facet", "platform=sigma")
	if all == 0 || sigma == 0 || sigma >= all || !strings.Contains(desc, "platform=sigma") {
		t.Errorf("techniques: all %d, sigma only %d (%s)", all, sigma, desc)
	}
	if n, _ := layer("--facet", "platform=sigma", "--facet", "table=nothing"); n != 0 {
		t.Errorf("facets ANDed: %d techniques", n)
	}
	if _, errs, code := runCmd(t, "export", "navigator", filepath.Join(tmp, "x.json"), "../../examples", "--facet", "colour=red"); code == 0 || !strings.Contains(errs, "unknown facet") {
		t.Errorf("unknown facet: %d %s", code, errs)
	}
}

// TestCoverageDBAsFolder: the coverage of a catalog (each rule's head,
// the facets filtered by the catalog's index) is the coverage of the
// folder it was built from (each rule whole, the facets matched on it),
// with platforms and facets asked for.
func TestCoverageDBAsFolder(t *testing.T) {
	t.Cleanup(func() { attack.SetDefault(nil) }) // (--attack sets it)
	db := filepath.Join(t.TempDir(), "c.db")
	if _, errs, code := runCmd(t, "build", "--quiet", "--db", db, "../../examples"); code != 0 {
		t.Fatal(errs)
	}
	// Another ATT&CK table: the catalog's index holds the build's tactics
	// and techniques, the matrix and its facets are the table's.
	newer := filepath.Join(t.TempDir(), "enterprise-attack.json")
	if err := os.WriteFile(newer, []byte(newerBundle), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{},
		{"--platform", "sigma,Kusto"},
		{"--facet", "platform=sigma"},
		{"--facet", "tactic=execution", "--facet", "language=kql", "--facet", "language=sigma"},
		{"--platform", "sigma", "--facet", "platform=kusto"},
	} {
		fromDB, errs, code := runCmd(t, append([]string{"coverage", "--json", "--db", db}, args...)...)
		if code != 0 {
			t.Fatalf("%v: %s", args, errs)
		}
		fromFolder, errs, code := runCmd(t, append([]string{"coverage", "--json", "../../examples"}, args...)...)
		if code != 0 {
			t.Fatalf("%v: %s", args, errs)
		}
		if fromDB != fromFolder {
			t.Errorf("%v: the catalog's coverage is not the folder's:\n%s\n%s", args, fromDB, fromFolder)
		}
		var m struct{ Rules int }
		// (sigma's rules and kusto's: none; the newer table has no defense evasion)
		none := len(args) == 4 && args[0] == "--platform"
		if json.Unmarshal([]byte(fromDB), &m) != nil || (m.Rules == 0) != none {
			t.Errorf("%v: %d rules in %s", args, m.Rules, fromDB)
		}
	}
	// With --attack the catalog's rules are resolved again with the table
	// (a folder's are resolved as they are read, which gives a technique
	// its tactic anew: the two differ), the tactic and technique facets
	// matched then: as every stored rule whole, resolved and matched.
	d, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	all, err := d.AllRules(t.Context())
	d.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, facets := range []facetFlags{
		{"tactic": {"execution"}},
		{"tactic": {"defense-evasion"}, "platform": {"sigma"}}, // (none: the newer table has no defense evasion)
		{"technique": {"T1685", "T1059"}, "language": {"kql"}},
	} {
		args := []string{"coverage", "--json", "--db", db, "--attack", newer}
		for k, vs := range facets {
			for _, v := range vs {
				args = append(args, "--facet", k+"="+v)
			}
		}
		got, errs, code := runCmd(t, args...)
		if code != 0 {
			t.Fatalf("%v: %s", args, errs)
		}
		tb := attack.Default() // (the table --attack set)
		var kept []*rule.Rule
		for _, r := range all {
			r := *r
			r.Techniques = slices.Clone(r.Techniques)
			tb.ResolveRule(&r)
			if store.MatchFacets(&r, facets) {
				kept = append(kept, &r)
			}
		}
		var want strings.Builder // (encoded as coverage --json encodes it: no HTML escapes)
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(catalog.Coverage(kept, tb)); err != nil {
			t.Fatal(err)
		}
		if got != want.String() {
			t.Errorf("%v: not the coverage of the stored rules resolved with the table:\n%s\n%s", args, got, want.String())
		}
		if m := catalog.Coverage(kept, tb); (m.Rules == 0) != (facets["tactic"] != nil && facets["tactic"][0] == "defense-evasion") {
			t.Errorf("%v: %d rules", args, m.Rules)
		}
	}
}
