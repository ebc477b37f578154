package lowerelastic

import (
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/rule"
)

// readLowered reads a TOML text as the Elastic TOML format and lowers it.
func readLowered(t testing.TB, data string) ([]*rule.Rule, []rule.Diagnostic) {
	t.Helper()
	ft := lang.FormatByName("elastic_toml")
	f := &lang.File{Repo: "test", Path: "rule.toml", Data: []byte(data)}
	if !ft.Match(f) {
		t.Fatalf("not told to be an Elastic rule: %q", data)
	}
	items, diags := lang.ReadAs(ft, f)
	var rules []*rule.Rule
	for _, it := range items {
		lang.Lower(it)
		rules = append(rules, it.Rule)
	}
	return rules, diags
}

func tomlRule(language, typ, query string) string {
	return "[metadata]\ncreation_date = \"2024/01/01\"\n\n[rule]\nname = \"R\"\nrule_id = \"x\"\nlanguage = \"" + language + "\"\ntype = \"" + typ +
		"\"\nindex = [\"logs-*\"]\nquery = '''\n" + query + "\n'''\n"
}

// TestDeepNesting: a query nested 10,000 deep is an error of the rule, not
// a crash, in each language.
func TestDeepNesting(t *testing.T) {
	const depth = 10000
	for _, tc := range []struct{ language, typ, query string }{
		{"eql", "eql", "process where " + strings.Repeat("(", depth) + "a == 1" + strings.Repeat(")", depth)},
		{"eql", "eql", "process where " + strings.Repeat("not ", depth) + "a == 1"},
		{"kuery", "query", strings.Repeat("(", depth) + "a:1" + strings.Repeat(")", depth)},
		{"kuery", "query", "a:" + strings.Repeat("(", depth) + "1" + strings.Repeat(")", depth)},
		{"esql", "esql", "FROM logs-* | WHERE " + strings.Repeat("(", depth) + "a == 1" + strings.Repeat(")", depth)},
		{"lucene", "query", strings.Repeat("(", depth) + "a:1" + strings.Repeat(")", depth)},
	} {
		rules, _ := readLowered(t, tomlRule(tc.language, tc.typ, tc.query))
		if len(rules) != 1 {
			t.Fatalf("%s: %d rules", tc.language, len(rules))
		}
		if !rules[0].HasErrors() {
			t.Errorf("%s nested %d deep: no error", tc.language, depth)
		}
	}
}

// TestTOMLErrors: a file that is no valid TOML yields no rule and a placed
// diagnostic; a rule without a query says so.
func TestTOMLErrors(t *testing.T) {
	_, diags := readLowered(t, "[rule]\nname = \"x\"\nname = \"y\"\n")
	if len(diags) != 1 || diags[0].Line != 3 || !strings.Contains(diags[0].Message, "TOML") {
		t.Errorf("duplicate key: %+v", diags)
	}
	rules, _ := readLowered(t, "[rule]\nname = \"x\"\ntype = \"query\"\nlanguage = \"kuery\"\n")
	if len(rules) != 1 || !rules[0].HasErrors() {
		t.Errorf("a rule without a query: %+v", rules)
	}
}

// TestSemantics checks the lowering of single tests against Elastic's
// documented semantics, one language at a time.
func TestSemantics(t *testing.T) {
	type want struct {
		field, kind string
		values      []string
		cs, neg     bool
		wild        bool
	}
	for _, tc := range []struct {
		language, typ, query string
		want                 want
	}{
		// EQL: == case-sensitive and literal, : case-insensitive with wildcards
		{"eql", "eql", `any where process.name == "*.exe"`, want{"process.name", rule.OpEq, []string{"*.exe"}, true, false, false}},
		{"eql", "eql", `any where process.name : "*.exe"`, want{"process.name", rule.OpEq, []string{"*.exe"}, false, false, true}},
		{"eql", "eql", `any where process.name != "cmd.exe"`, want{"process.name", rule.OpEq, []string{"cmd.exe"}, true, true, false}},
		{"eql", "eql", `any where process.name like "CMD*"`, want{"process.name", rule.OpEq, []string{"CMD*"}, true, false, true}},
		{"eql", "eql", `any where process.name like~ "cmd*"`, want{"process.name", rule.OpEq, []string{"cmd*"}, false, false, true}},
		{"eql", "eql", `any where process.name regex~ "c.d"`, want{"process.name", rule.OpRegex, []string{"c.d"}, false, false, false}},
		{"eql", "eql", `any where process.name not in ("a", "b")`, want{"process.name", rule.OpIn, []string{"a", "b"}, true, true, false}},
		{"eql", "eql", `any where not process.name in~ ("a")`, want{"process.name", rule.OpIn, []string{"a"}, false, true, false}},
		{"eql", "eql", `any where ?process.name != null`, want{"process.name", rule.OpExists, []string{}, true, false, false}},
		{"eql", "eql", `any where endsWith~(file.path, ".ps1")`, want{"file.path", rule.OpEndsWith, []string{".ps1"}, false, false, false}},
		{"eql", "eql", `any where not not stringContains(file.path, "x")`, want{"file.path", rule.OpContains, []string{"x"}, true, false, false}},
		{"eql", "eql", `any where cidrMatch(source.ip, "10.0.0.0/8")`, want{"source.ip", rule.OpCIDR, []string{"10.0.0.0/8"}, true, false, false}},
		// kuery: exact and case-sensitive, * the wildcard, field:* exists
		{"kuery", "query", `process.name:CMD.exe`, want{"process.name", rule.OpEq, []string{"CMD.exe"}, true, false, false}},
		{"kuery", "query", `not process.name:cmd*`, want{"process.name", rule.OpEq, []string{"cmd*"}, true, true, true}},
		{"kuery", "query", `process.name:"a b?"`, want{"process.name", rule.OpEq, []string{"a b?"}, true, false, false}},
		{"kuery", "query", `process.name:*`, want{"process.name", rule.OpExists, []string{}, true, false, false}},
		{"kuery", "query", `event.duration > 5`, want{"event.duration", rule.OpGt, []string{"5"}, true, false, false}},
		{"kuery", "query", `mimikatz`, want{"", rule.OpKeyword, []string{"mimikatz"}, false, false, false}},
		{"kuery", "query", `powershell.file.script_block_text:"Invoke-Mimikatz"`, want{"powershell.file.script_block_text", rule.OpHas, []string{"Invoke-Mimikatz"}, false, false, false}},
		{"kuery", "query", `source.ip:10.0.0.0/8`, want{"source.ip", rule.OpCIDR, []string{"10.0.0.0/8"}, true, false, false}},
		// ES|QL: exact and case-sensitive; TO_LOWER folds; LIKE wildcards; RLIKE regex
		{"esql", "esql", `FROM logs-* | WHERE process.name == "cmd.exe"`, want{"process.name", rule.OpEq, []string{"cmd.exe"}, true, false, false}},
		{"esql", "esql", `FROM logs-* | WHERE TO_LOWER(process.name) == "cmd.exe"`, want{"process.name", rule.OpEq, []string{"cmd.exe"}, false, false, false}},
		{"esql", "esql", `FROM logs-* | WHERE process.name NOT LIKE "*.exe"`, want{"process.name", rule.OpEq, []string{"*.exe"}, true, true, true}},
		{"esql", "esql", `FROM logs-* | WHERE process.name RLIKE "c.d"`, want{"process.name", rule.OpRegex, []string{"c.d"}, true, false, false}},
		{"esql", "esql", `FROM logs-* | WHERE process.name IS NULL`, want{"process.name", rule.OpExists, []string{}, true, true, false}},
		{"esql", "esql", `FROM logs-* | WHERE message : "evil"`, want{"message", rule.OpHas, []string{"evil"}, false, false, false}},
		// Lucene: exact on keyword fields, wildcards, regex, ranges
		{"lucene", "query", `process.name:cmd.exe`, want{"process.name", rule.OpEq, []string{"cmd.exe"}, true, false, false}},
		{"lucene", "query", `NOT process.name:c?d*`, want{"process.name", rule.OpEq, []string{"c?d*"}, true, true, true}},
		{"lucene", "query", `event.severity:[1 TO 5]`, want{"event.severity", rule.OpBetween, []string{"1", "5"}, true, false, false}},
		{"lucene", "query", `message:"access denied"`, want{"message", rule.OpHas, []string{"access denied"}, false, false, false}},
		{"lucene", "query", `_exists_:user.name`, want{"user.name", rule.OpExists, []string{}, true, false, false}},
	} {
		rules, _ := readLowered(t, tomlRule(tc.language, tc.typ, tc.query))
		if len(rules) != 1 || rules[0].HasErrors() {
			t.Errorf("%s: %+v", tc.query, rules)
			continue
		}
		var got []rule.Predicate
		for _, st := range rules[0].Stages {
			if st.Kind == "source" || st.Kind == "from" {
				continue
			}
			got = append(got, st.Predicates...)
		}
		if len(got) != 1 {
			t.Errorf("%s: %d predicates %+v", tc.query, len(got), got)
			continue
		}
		p, w := got[0], tc.want
		if p.Field != w.field || p.Kind != w.kind || strings.Join(p.Values, "|") != strings.Join(w.values, "|") || p.CaseSensitive != w.cs || p.Negated != w.neg || p.Wildcards != w.wild {
			t.Errorf("%s:\n  got  %s %s %q cs=%v neg=%v wild=%v\n  want %s %s %q cs=%v neg=%v wild=%v", tc.query,
				p.Field, p.Kind, p.Values, p.CaseSensitive, p.Negated, p.Wildcards, w.field, w.kind, w.values, w.cs, w.neg, w.wild)
		}
	}
}

// FuzzLower: reading and lowering any TOML text never panics.
func FuzzLower(f *testing.F) {
	f.Add(tomlRule("eql", "eql", `sequence by host.id [process where a : "x"] [file where b == 1]`))
	f.Add(tomlRule("kuery", "query", `a:(b or c*) and not d:* and e > 3`))
	f.Add(tomlRule("esql", "esql", `FROM logs-* | WHERE a LIKE "x*" AND KQL("b:c") | STATS n = COUNT(*) BY d | KEEP d, n`))
	f.Add(tomlRule("lucene", "query", `a:b AND -c:/d/ AND e:[1 TO *]`))
	f.Add("[hunt]\nname = \"h\"\nquery = ['''from x | where a == 1''', \"SELECT 1\"]\n")
	f.Add("[rule]\ntype = \"threshold\"\nquery = \"a:b\"\n[rule.threshold]\nfield = [\"a\"]\nvalue = 3\n")
	f.Fuzz(func(t *testing.T, data string) {
		ft := lang.FormatByName("elastic_toml")
		file := &lang.File{Path: "f.toml", Data: []byte(data)}
		if !ft.Match(file) {
			return
		}
		items, _ := lang.ReadAs(ft, file)
		for _, it := range items {
			lang.Lower(it)
			for _, st := range it.Rule.Stages {
				for _, p := range st.Predicates {
					if p.Values == nil {
						t.Fatalf("predicate with nil values: %+v", p)
					}
				}
			}
		}
	})
}

// TestUnquotedDates: dates TOML states unquoted (local dates, date-times)
// are the rule's dates as written, and an unquoted deprecation date marks
// the rule deprecated, as the quoted ones detection-rules writes do.
func TestUnquotedDates(t *testing.T) {
	data := "[metadata]\ncreation_date = 2021-02-03\nupdated_date = 2022-03-04T05:06:07Z\ndeprecation_date = 2023-01-01\n" +
		"[rule]\nname = \"D\"\nrule_id = \"d\"\ntype = \"query\"\nlanguage = \"kuery\"\nquery = '''\nprocess.name : x\n'''\n"
	rules, diags := readLowered(t, data)
	if len(rules) != 1 {
		t.Fatalf("%v", diags)
	}
	r := rules[0]
	if r.Date != "2021-02-03" || r.Modified != "2022-03-04T05:06:07Z" || r.Status != "deprecated" {
		t.Errorf("date %q, modified %q, status %q", r.Date, r.Modified, r.Status)
	}
}
