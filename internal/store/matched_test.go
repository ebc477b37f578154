package store

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/catalog"
	"github.com/ruledex/ruledex/internal/rule"
)

// sigmaProcRule is a Sigma process-creation rule with a title, one tag and
// a command-line value.
func sigmaProcRule(title, tag, cmd string) string {
	return "title: " + title + "\nstatus: test\ndescription: A test rule.\nauthor: Test Author\ntags:\n    - " + tag + `
logsource:
    product: windows
    category: process_creation
detection:
    selection:
        Image|endswith: '\tool.exe'
        CommandLine|contains: '` + cmd + `'
    condition: selection
level: medium
`
}

// TestSearchRankingAndMatched: a rule found by its title, or by its query
// and indicators, ranks before a rule found by its technique's name alone
// (T1651 is Cloud Administration Command), and each hit says where it
// matched.
func TestSearchRankingAndMatched(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rules")
	writeTree(t, dir, map[string]string{
		// Found by the name of its technique only, many times over.
		"a_technique.yml": sigmaProcRule("Cloud Command Seen", "attack.t1651", "run"),
		// Found by its title.
		"b_title.yml": sigmaProcRule("A Long Title About Service Administration Of Hosts In A Large Domain With Many Words", "attack.t1059", "start"),
		// Found by its query and its indicator value.
		"c_value.yml": sigmaProcRule("Tool Run With A Switch", "attack.t1059", "/administration"),
	})
	d := testCatalog(t, Source{Name: "sigma", Path: dir})
	res, err := d.Search(t.Context(), Query{Text: "administration"})
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	matched := map[string][]string{}
	for _, h := range res.Hits {
		order = append(order, h.Path)
		matched[h.Path] = h.Matched
	}
	if len(order) != 3 || order[2] != "a_technique.yml" {
		t.Errorf("order %v: the rule found by its technique's name alone must be last", order)
	}
	for path, want := range map[string][]string{
		"a_technique.yml": {MatchTechnique},
		"b_title.yml":     {MatchTitle},
		"c_value.yml":     {MatchQuery, MatchIndicator},
	} {
		if !slices.Equal(matched[path], want) {
			t.Errorf("%s matched %v, want %v", path, matched[path], want)
		}
	}
	// A column named narrows where a hit matched; a word of a tag is a tag.
	res, err = d.Search(t.Context(), Query{Text: "title:administration"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != 1 || !slices.Equal(res.Hits[0].Matched, []string{MatchTitle}) {
		t.Errorf("title:administration: %+v", res.Hits)
	}
	res, err = d.Search(t.Context(), Query{Text: "t1059 switch"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != 1 || !slices.Equal(res.Hits[0].Matched, []string{MatchTitle, MatchTechnique, MatchTag}) {
		t.Errorf("t1059 switch: %+v", res.Hits)
	}
	// Every platform's spelling of a field the rule's indicators test: the
	// rule writes CommandLine and Image.
	for _, q := range []string{"process.command_line", "ProcessCommandLine", "field:process.name", "Processes.process"} {
		res, err = d.Search(t.Context(), Query{Text: q})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 3 {
			t.Errorf("%s found %d rules, want the 3", q, res.Total)
		}
		for _, h := range res.Hits {
			if !slices.Equal(h.Matched, []string{MatchIndicator}) {
				t.Errorf("%s: %s matched %v, want indicator", q, h.Path, h.Matched)
			}
		}
	}
	// The spellings are whole names: a part of one (UDM's "target") finds nothing.
	if res, err = d.Search(t.Context(), Query{Text: "target"}); err != nil || res.Total != 0 {
		t.Errorf("target: %d rules, %v", res.Total, err)
	}
}

func TestMatchedIn(t *testing.T) {
	for _, tc := range []struct {
		text, q string
		want    bool
	}{
		{"Suspicious Certutil Download", "certutil", true},
		{"certutil.exe -urlcache", "urlcache", true},
		{"certutil.exe -urlcache", "certutil.exe", true},
		{"certutil.exe -urlcache", `"certutil exe"`, true},
		{"detects operations", "operation", true},
		{"Microsoft.Compute/virtualMachines/runCommand/action", "runCommand/action", true},
		{"Microsoft.Compute/virtualMachines/runCommand/action", "run*", true},
		{"process creation", `"creation process"`, false},
		{"encoded command", "encode", true},
		{"administrator", "admin", false},
		{"certutil.exe -urlcache -f", `"certutil.exe -urlcache"`, true},
		{"xcertutil.exe", "certutil", false},
		{"a_certutil.exe", "certutil", true},
		{"process-creation", `"process creation"`, true},
	} {
		r := &rule.Rule{Title: tc.text}
		if got := len(newMatcher(tc.q).matchedIn(r, "")) == 1; got != tc.want {
			t.Errorf("%q in %q: %v, want %v", tc.q, tc.text, got, tc.want)
		}
	}
}

// TestCorpusFieldSearch: a field's name, as any platform writes it, finds
// the rules of every platform whose indicators test the field.
func TestCorpusFieldSearch(t *testing.T) {
	d, err := Open(corpusCatalog(t))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	all, err := d.Search(t.Context(), Query{FacetKeys: []string{FacetPlatform}, FacetLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	var platforms []string
	for _, c := range all.Facets[FacetPlatform] {
		platforms = append(platforms, c.Value)
	}
	for _, q := range []string{"process.command_line", "CommandLine", "ProcessCommandLine", "Processes.process", "target.process.command_line"} {
		res, err := d.Search(t.Context(), Query{Text: "field:" + q, FacetKeys: []string{FacetPlatform}, FacetLimit: -1, PerPage: 5})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, c := range res.Facets[FacetPlatform] {
			got[c.Value] = c.Count
		}
		var missing []string
		for _, p := range platforms {
			if got[p] == 0 {
				missing = append(missing, p)
			}
		}
		t.Logf("field:%s: %d rules %v", q, res.Total, got)
		if len(missing) > 0 {
			t.Errorf("field:%s finds no rule of %s (of %s)", q, strings.Join(missing, ", "), strings.Join(platforms, ", "))
		}
	}
}

// TestMayHoldKey: the test matchedIn makes before lower-casing a text
// says no only when strings.ToLower(text) holds none of the keys, and,
// for ASCII, says yes exactly when it holds one.
func TestKeySetMayHold(t *testing.T) {
	texts := []string{"", "Process", "PROCESS creation", "a proc", "pro", "pr", "\u212Aerberos", "İstanbul", "ProcessCommandLine", "x-PRO-y", "décès PRO"}
	keys := [][]string{{"pro"}, {"ker"}, {"pr", "cre"}, {"ist"}, {"dé"}, {"zzz"}, {"i̇st"}}
	for _, s := range texts {
		for _, ks := range keys {
			want := false
			for _, k := range ks {
				want = want || strings.Contains(strings.ToLower(s), k)
			}
			got := newKeySet(ks).mayHold(s)
			if want && !got {
				t.Errorf("mayHold(%q, %q) = false; ToLower holds a key", s, ks)
			}
			if catalog.ASCII(s) && catalog.ASCII(strings.Join(ks, "")) && got != want {
				t.Errorf("mayHold(%q, %q) = %v, want %v", s, ks, got, want)
			}
		}
	}
}
