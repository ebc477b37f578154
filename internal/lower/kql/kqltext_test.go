package lowerkql

import (
	"reflect"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/rule"
)

func TestKQLTextSplit(t *testing.T) {
	for _, tt := range []struct {
		name, src string
		titles    []string
		lines     []int
		queries   []string
		variants  []string
	}{
		{"header and one query",
			"// Failed sign-ins to disabled accounts\n// Finds sign-ins with error 50057.\n\nSigninLogs\n| where ResultType == \"50057\"\n",
			[]string{"Failed sign-ins to disabled accounts"}, []int{4},
			[]string{"SigninLogs\n| where ResultType == \"50057\""}, []string{""}},
		{"two queries, each with a comment",
			"// First\nT1\n| take 1\n\n// Second\nT2 | take 2\n",
			[]string{"First", "Second"}, []int{2, 6}, []string{"T1\n| take 1", "T2 | take 2"}, []string{"query-1", "query-2"}},
		{"blank line inside a pipeline",
			"T\n| where a == 1\n\n// then\n| where b == 2\n",
			[]string{"x"}, []int{1}, []string{"T\n| where a == 1\n\n// then\n| where b == 2"}, []string{""}},
		{"let statements before the query",
			"let a = 1;\n\nlet b = T\n    | where x > a;\n\nb | take 1\n",
			[]string{"x"}, []int{1}, []string{"let a = 1;\n\nlet b = T\n    | where x > a;\n\nb | take 1"}, []string{""}},
		{"open bracket across a blank line",
			"T\n| join (\n\n    U | where y\n) on k\n",
			[]string{"x"}, []int{1}, []string{"T\n| join (\n\n    U | where y\n) on k"}, []string{""}},
		{"trailing operator",
			"T\n| where a == 1 and\n\n  b == 2\n",
			[]string{"x"}, []int{1}, []string{"T\n| where a == 1 and\n\n  b == 2"}, []string{""}},
		{"multi-line string",
			"print s = ```\n\nhello\n```\n",
			[]string{"x"}, []int{1}, []string{"print s = ```\n\nhello\n```"}, []string{""}},
		{"comment with a bracket does not open",
			"T // (\n\nU\n",
			[]string{"x", "x"}, []int{1, 3}, []string{"T // (", "U"}, []string{"query-1", "query-2"}},
		{"product markers",
			"// Sign-ins from many countries\n// Data connector required for this query - Azure Active Directory - Signin Logs\n// Microsoft Sentinel query\nSigninLogs | take 1\n\n// Advanced Hunting query\nAADSignInEventsBeta | take 1\n",
			[]string{"Sign-ins from many countries", "Sign-ins from many countries"}, []int{4, 7},
			[]string{"SigninLogs | take 1", "AADSignInEventsBeta | take 1"}, []string{"sentinel", "defender-xdr"}},
	} {
		f := &lang.File{Path: "x.kql", Data: []byte(tt.src)}
		items, diags := lang.ReadAs(lang.Detect(f), f)
		var titles, queries, variants []string
		var lines []int
		for _, it := range items {
			titles = append(titles, it.Rule.Title)
			queries = append(queries, it.Rule.Query)
			variants = append(variants, it.Rule.Variant)
			lines = append(lines, it.Rule.QueryLine)
		}
		if !reflect.DeepEqual(titles, tt.titles) || !reflect.DeepEqual(lines, tt.lines) || !reflect.DeepEqual(queries, tt.queries) || !reflect.DeepEqual(variants, tt.variants) {
			t.Errorf("%s:\n titles %q\n lines %v\n queries %q\n variants %q\n diags %v", tt.name, titles, lines, queries, variants, diags)
		}
	}
}

func TestKQLTextHeader(t *testing.T) {
	src := "// Malware hidden in the recycle bin\n// Read more: https://example.org/recycle\n// Tags: #execution #SuspiciousPath\n// MITRE ATT&CK: T1036.005, T1564\n// Author: Jane Doe\nDeviceProcessEvents\n| where FolderPath contains \":\\\\$recycle.bin\"\n"
	rs := readAll(t, "hunting/recycle.txt", src)
	if len(rs) != 1 {
		t.Fatalf("%d rules", len(rs))
	}
	r := rs[0]
	if r.Format != "kql_text" || r.Kind != rule.KindHunting || r.Title != "Malware hidden in the recycle bin" {
		t.Errorf("format %q kind %q title %q", r.Format, r.Kind, r.Title)
	}
	if !reflect.DeepEqual(r.Tags, []string{"execution", "SuspiciousPath"}) || !reflect.DeepEqual(r.Authors, []string{"Jane Doe"}) ||
		!reflect.DeepEqual(r.References, []string{"https://example.org/recycle"}) {
		t.Errorf("tags %v authors %v references %v", r.Tags, r.Authors, r.References)
	}
	if len(r.Techniques) != 2 || r.Techniques[0].ID != "T1036.005" || r.Techniques[1].ID != "T1564" {
		t.Errorf("techniques %v", r.Techniques)
	}
	if !strings.Contains(r.Description, "Read more") || r.QueryLine != 6 {
		t.Errorf("description %q line %d", r.Description, r.QueryLine)
	}
}

func TestKQLTextFunctions(t *testing.T) {
	for _, src := range []string{
		".create-or-alter function with (folder = \"Parsers\") MyParser(lookback:timespan = 1d) {\n    T\n\n    | where TimeGenerated > ago(lookback)\n}\n",
		"// Save as a function in your workspace, then call it by its name\nlet idinfo = IdentityInfo | take 1;\nidinfo\n",
	} {
		rs := readAll(t, "f.kql", src)
		if len(rs) != 1 || rs[0].Kind != rule.KindFunction {
			t.Errorf("%q: %d rules, kind %v", src, len(rs), rs)
		}
	}
}

func TestKQLTextMatch(t *testing.T) {
	for _, tt := range []struct {
		path, src string
		want      bool
	}{
		{"q.kql", "T | take 1", true},
		{"q.kql", "  \n", false},
		{"q.txt", "// c\nDeviceEvents\n| take 1\n", true},
		{"q.txt", "print x = 1\n", true},
		{"q.txt", "\u200b AlertInfo\n| where x\n", true},
		{"readme.txt", "This folder holds dashboards.\n", false},
		{"requirements.txt", "pyyaml\nrequests\n", false},
		{"LICENSE.txt", "MIT License\n\nCopyright (c) Microsoft\n", false},
	} {
		if got := matchKQLText(&lang.File{Path: tt.path, Data: []byte(tt.src)}); got != tt.want {
			t.Errorf("%s %q: match %v, want %v", tt.path, tt.src, got, tt.want)
		}
	}
}

func FuzzKQLText(f *testing.F) {
	f.Add([]byte("// t\nT | take 1\n\n// u\nU\n| where x\n"))
	f.Add([]byte("let a = (\n\n1);\nprint ```\n\n``` \"\\\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		items, _ := readKQLText(&lang.File{Path: "f.kql", Data: data})
		lines := strings.Count(string(data), "\n") + 1
		for _, it := range items {
			r := it.Rule
			if r.QueryLine < 1 || r.QueryLine > lines || r.Title == "" {
				t.Fatalf("rule line %d (of %d) title %q", r.QueryLine, lines, r.Title)
			}
		}
	})
}

func BenchmarkKQLText(b *testing.B) {
	src := strings.Repeat("// A query\n// with a description\nSigninLogs\n| where ResultType == \"50126\"\n| summarize count() by UserPrincipalName\n\n", 20)
	data := []byte(src)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		readKQLText(&lang.File{Path: "x.kql", Data: data})
	}
}
