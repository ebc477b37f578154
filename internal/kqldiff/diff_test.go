package kqldiff

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/rule"
)

// fakeParser answers from a table keyed by the query text.
type fakeParser map[string]Parsed

func (f fakeParser) Parse(q string) Parsed {
	if q == "panic" {
		panic("boom")
	}
	return f[q]
}

func TestCompare(t *testing.T) {
	ok := func(tables ...string) *Answer {
		return &Answer{Tables: tables, Operators: []string{"FilterOperator", "TakeOperator"}, Functions: []string{"ago", "toscalar"}}
	}
	bad := &Answer{SyntaxErrors: []string{"Error KS005 @3+1: Expected: )"}}
	cases := []struct {
		q      string
		a      *Answer
		p      Parsed
		class  string // expected disagreement, "" for none
		detail string
	}{
		{"same", ok("T"), Parsed{Tables: []string{"T"}, Operators: []string{"filter", "limit"}, Functions: []string{"ago"}}, "", ""},
		{"same2", ok("T"), Parsed{Tables: []string{"T", "T"}, Operators: []string{"where", "take", "where"}, Functions: []string{"ago", "toscalar"}}, "", ""},
		{"rejects", ok("T"), Parsed{Errors: []string{"1:5: unexpected ')'"}}, ClassRejects, "1:5: unexpected ')'"},
		{"panic", ok("T"), Parsed{}, ClassRejects, "panic: boom"},
		{"tables", ok("T", "U"), Parsed{Tables: []string{"T", "V"}, Operators: []string{"where", "take"}, Functions: []string{"ago"}}, ClassTables, "ruledex only [V]; oracle only [U]"},
		{"ops", ok("T"), Parsed{Tables: []string{"T"}, Operators: []string{"where"}, Functions: []string{"ago"}}, ClassOperators, "oracle only [take]"},
		{"both reject", bad, Parsed{Errors: []string{"x"}}, "", ""},
		{"accepts", bad, Parsed{}, ClassAccepts, "oracle: Error KS005 @3+1: Expected: )"},
		{"oracle failed", &Answer{Failed: "died"}, Parsed{}, "", ""},
	}
	var qs []*Query
	var as []*Answer
	p := fakeParser{}
	for i, c := range cases {
		qs = append(qs, &Query{Path: "r/" + c.q, Line: i + 1, Text: c.q})
		as = append(as, c.a)
		p[c.q] = c.p
	}
	r := Compare(qs, as, p)
	want := Report{Queries: 9, OracleFailed: 1, OracleAccepts: 6, RuledexAccepts: 4, OracleRejects: 2, RuledexRejects: 1,
		BothAccept: 4, TablesEqual: 3, OperatorsEqual: 3, FunctionsEqual: 4, AllEqual: 2}
	got := *r
	got.Disagreements = nil
	if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
		t.Errorf("figures\n got %+v\nwant %+v", got, want)
	}
	var ds []string
	for _, d := range r.Disagreements {
		ds = append(ds, d.Query.Text+"|"+d.Class+"|"+d.Detail)
	}
	var wantDs []string
	for _, c := range cases {
		if c.class != "" {
			wantDs = append(wantDs, c.q+"|"+c.class+"|"+c.detail)
		}
	}
	if !slices.Equal(ds, wantDs) {
		t.Errorf("disagreements\n got %q\nwant %q", ds, wantDs)
	}
	if r.AcceptRate() != Pct(4, 6) || r.SetRate() != 50 || r.RejectRate() != 50 {
		t.Errorf("rates %v %v %v", r.AcceptRate(), r.RejectRate(), r.SetRate())
	}
	var b strings.Builder
	if err := r.WriteFailures(&b); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"oracle accepts 6, of which ruledex accepts 4 (66.67%)", "=== r/tables:5  [tables differ]", "    panic\n"} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("failures file lacks %q:\n%s", s, b.String())
		}
	}
}

func TestTopClasses(t *testing.T) {
	q := &Query{Path: "p", Line: 1}
	r := &Report{Disagreements: []Disagreement{
		{q, ClassRejects, "3:7: unexpected 'foo' after 12"},
		{q, ClassRejects, "1:2: unexpected \"bar\" after 3"},
		{q, ClassRejects, "1:2: expected ')'"},
		{q, ClassTables, "ruledex only [X]"},
	}}
	got := r.TopClasses()
	if len(got) != 3 || got[0].Count != 2 || got[0].Key != "ruledex rejects: unexpected … after N" {
		t.Errorf("classes %+v", got)
	}
}

func TestFixesColumns(t *testing.T) {
	for _, c := range []struct {
		stages string
		want   bool
	}{
		{"source where project", true},
		{"source summarize where sort take", true},
		{"source project extend project-away", true},
		{"source summarize join", false},
		{"source where", false},
		{"source where extend", false},
		{"source summarize mv-expand where", true},
		{"source project union", false},
		{"source count", true},
		{"source distinct*", false},
		{"source distinct", true},
		{"source make-series render", true},
		{"source summarize evaluate", false},
	} {
		r := &rule.Rule{}
		for _, k := range strings.Fields(c.stages) {
			text := k
			k = strings.TrimSuffix(k, "*")
			r.Stages = append(r.Stages, rule.Stage{Kind: k, Text: text})
		}
		if got := fixesColumns(r); got != c.want {
			t.Errorf("%s: fixesColumns = %v, want %v", c.stages, got, c.want)
		}
	}
}

func TestCompareColumns(t *testing.T) {
	mk := func(stages string, outs ...string) *rule.Rule {
		r := &rule.Rule{}
		for _, k := range strings.Fields(stages) {
			r.Stages = append(r.Stages, rule.Stage{Kind: k})
		}
		for _, o := range outs {
			r.Outputs = append(r.Outputs, rule.OutputField{Name: o})
		}
		return r
	}
	cols := func(c ...string) *Answer { return &Answer{Columns: c} }
	qs := []*Query{
		{Path: "a", Rule: mk("source project", "a", "b")},
		{Path: "b", Rule: mk("source project", "b", "a")},
		{Path: "c", Rule: mk("source summarize", "count_", "x")},
		{Path: "d", Rule: mk("source where", "a")},                       // not fixed
		{Path: "e", Rule: mk("source summarize join", "a", "T.*")},       // not fixed
		{Path: "f", Rule: mk("source project")},                          // no outputs
		{Path: "g", Rule: nil},                                           // fallback extractor
		{Path: "h", Rule: mk("source project", "a")},                     // oracle rejects
		{Path: "i", Rule: mk("source summarize", "x", "arg_max_t", "*")}, // wildcard
	}
	as := []*Answer{cols("a:string", "b:long"), cols("a:string", "b:long"), cols("x:unknown", "count_:long", "y:int"),
		cols("a:unknown"), cols("a:unknown"), cols("a:unknown"), cols("a"), {SyntaxErrors: []string{"e"}}, cols("x:unknown")}
	c := CompareColumns(qs, as)
	if c.Queries != 7 || c.NoOutputs != 1 || c.Eligible != 3 || c.Equal != 2 || c.OrderedEqual != 1 {
		t.Errorf("figures %+v", c)
	}
	if len(c.Mismatches) != 1 || c.Mismatches[0].Detail != "oracle only [y]" {
		t.Errorf("mismatches %+v", c.Mismatches)
	}
}

func TestExtractQueries(t *testing.T) {
	md := "# Title\n\n```KQL\nT\n| take 1\n```\n\ntext\n\n```PowerShell\nGet-X\n```\n~~~\nU | count\n~~~\n```kusto\n```\n"
	got := ExtractQueries("a/b.md", []byte(md))
	var s []string
	for _, q := range got {
		s = append(s, fmt.Sprintf("%s@%d", q.Text, q.Line))
	}
	if want := []string{"T\n| take 1@4", "U | count@14"}; !slices.Equal(s, want) {
		t.Errorf("markdown: %q, want %q", s, want)
	}
	y := "id: x\nname: y\nquery: |\n  T\n  | take 1\nother:\n  queryText: U\n"
	got = ExtractQueries("r.yaml", []byte(y))
	if len(got) != 2 || got[0].Text != "T\n| take 1\n" || got[0].Line != 4 || got[1].Text != "U" || got[1].Line != 7 {
		for _, q := range got {
			t.Logf("%+v", *q)
		}
		t.Errorf("yaml: %d queries", len(got))
	}
	if got := ExtractQueries("x.kql", []byte("T | take 1\n")); len(got) != 1 || got[0].Line != 1 {
		t.Errorf("kql: %+v", got)
	}
	if got := ExtractQueries("x.kql", []byte(" \n")); len(got) != 0 {
		t.Errorf("blank kql file gives %d queries", len(got))
	}
	if got := ExtractQueries("x.yaml", []byte("{{{")); len(got) != 0 {
		t.Errorf("bad yaml gives %d queries", len(got))
	}
}
