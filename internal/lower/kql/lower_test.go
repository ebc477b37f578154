package lowerkql

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/rule"
)

// The query of the seed rule DetectAzureScriptOrRunCommandByRiskyUser
// (HybridBrothers), as its markdown block holds it.
const seedQuery = `AzureActivity 
| where TimeGenerated > ago(1h)
| where CategoryValue == "Administrative"
| where OperationNameValue =~ "Microsoft.Compute/virtualMachines/runCommand/action"
    or OperationNameValue =~ "MICROSOFT.COMPUTE/VIRTUALMACHINES/EXTENSIONS/WRITE"
| extend VMName = tostring(todynamic(Properties).resource)
| summarize make_list(ActivityStatusValue), TimeGenerated = max(TimeGenerated) by CorrelationId, CallerIpAddress, Caller, ResourceGroup, VMName
| join kind=inner (AADUserRiskEvents | where TimeGenerated > ago(14d) ) on $left.Caller == $right.UserPrincipalName
`

func lowerKQL(t *testing.T, q string) *rule.Rule {
	t.Helper()
	r := &rule.Rule{Language: "kql", Platform: "kusto", Query: q, QueryLine: 1, Source: rule.Source{Path: "q.kql"}}
	lang.Lower(lang.Item{Rule: r})
	r.Normalize()
	return r
}

func TestKQLSeedRule(t *testing.T) {
	r := lowerKQL(t, seedQuery)
	if r.HasErrors() {
		t.Fatalf("diagnostics: %+v", r.Diagnostics)
	}
	var kinds []string
	for _, s := range r.Stages {
		kinds = append(kinds, s.Kind)
	}
	if want := []string{"source", "where", "where", "where", "extend", "summarize", "join"}; !slices.Equal(kinds, want) {
		t.Fatalf("stages %v, want %v", kinds, want)
	}
	if r.Stages[0].Source != "AzureActivity" || r.Stages[1].TimeWindow != "1h" || len(r.Stages[1].Predicates) != 0 {
		t.Errorf("source or time stage: %+v %+v", r.Stages[0], r.Stages[1])
	}
	join := r.Stages[6]
	if len(join.Stages) != 2 || join.Stages[0].Kind != "source" || join.Stages[0].Source != "AADUserRiskEvents" || join.Stages[1].TimeWindow != "14d" {
		t.Errorf("join's inner pipeline: %+v", join.Stages)
	}
	if r.TimeWindow != "1h" {
		t.Errorf("time window %q", r.TimeWindow)
	}
	type ind struct {
		field, kind string
		cs          bool
		values      string
	}
	var got []ind
	for _, in := range r.Indicators {
		got = append(got, ind{in.Field, in.Kind, in.CaseSensitive, strings.Join(in.Values, "|")})
	}
	want := []ind{
		{"CategoryValue", "eq", true, "Administrative"},
		{"OperationNameValue", "eq", false, "Microsoft.Compute/virtualMachines/runCommand/action|MICROSOFT.COMPUTE/VIRTUALMACHINES/EXTENSIONS/WRITE"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("indicators\n got %+v\nwant %+v", got, want)
	}
	var outs []string
	for _, o := range r.Outputs {
		outs = append(outs, o.Name+"<"+o.Source)
	}
	wantOuts := []string{"CorrelationId<summarize", "CallerIpAddress<summarize", "Caller<summarize", "ResourceGroup<summarize",
		"VMName<summarize", "list_ActivityStatusValue<summarize", "TimeGenerated<summarize", "AADUserRiskEvents.*<join"}
	if !slices.Equal(outs, wantOuts) {
		t.Errorf("outputs\n got %v\nwant %v", outs, wantOuts)
	}
	if !slices.Equal(r.GroupBy, []string{"CorrelationId", "CallerIpAddress", "Caller", "ResourceGroup", "VMName"}) {
		t.Errorf("group by %v", r.GroupBy)
	}
	if !slices.Equal(r.Tables, []string{"AzureActivity", "AADUserRiskEvents"}) {
		t.Errorf("tables %v", r.Tables)
	}
	if !slices.Equal(r.Operators, []string{"where", "where", "where", "extend", "summarize", "join", "where"}) &&
		!slices.Equal(r.Operators, []string{"where", "extend", "summarize", "join"}) {
		t.Errorf("operators %v", r.Operators)
	}
	for _, f := range []string{"ago", "tostring", "todynamic", "make_list", "max"} {
		if !slices.Contains(r.Functions, f) {
			t.Errorf("functions %v lack %s", r.Functions, f)
		}
	}
	for _, k := range []string{"TimeGenerated", "CategoryValue", "OperationNameValue", "Properties", "ActivityStatusValue", "Caller", "UserPrincipalName"} {
		if !slices.Contains(r.Keywords, k) {
			t.Errorf("keywords %v lack %s", r.Keywords, k)
		}
	}
	for _, w := range []string{"AzureActivity", "1h", "Administrative", "AADUserRiskEvents", "list_ActivityStatusValue"} {
		if !strings.Contains(r.Explanation, w) {
			t.Errorf("explanation lacks %q: %s", w, r.Explanation)
		}
	}
	if testing.Verbose() {
		b, _ := json.MarshalIndent(r, "", "  ")
		t.Logf("%s", b)
	}
}

// The Defender query of seed 002 looks for the same two operations through
// ActivityInsights.EventMessage has_any (...).
func TestKQLHasAnyDottedField(t *testing.T) {
	r := lowerKQL(t, `let ops = dynamic(["Microsoft.Compute/virtualMachines/runCommand/action", "Microsoft.Compute/virtualMachines/extensions/write"]);
CloudAppEvents
| where Timestamp > ago(7d)
| where ActivityInsights.EventMessage has_any (ops)
| where ActivityInsights.FirstTimeUserPerformedAction == "True"
| project Timestamp, AccountDisplayName, ActivityInsights
`)
	if r.HasErrors() {
		t.Fatalf("diagnostics: %+v", r.Diagnostics)
	}
	if len(r.Params) != 1 || r.Params[0].Name != "ops" || r.Params[0].Kind != "scalar" {
		t.Errorf("params %+v", r.Params)
	}
	var found int
	for _, in := range r.Indicators {
		switch {
		case in.Field == "ActivityInsights.EventMessage" && in.Kind == "has_any" && len(in.Values) == 2:
			found++
		case in.Field == "ActivityInsights.FirstTimeUserPerformedAction" && in.Kind == "eq" && in.CaseSensitive && slices.Equal(in.Values, []string{"True"}):
			found++
		}
	}
	if found != 2 {
		t.Errorf("indicators %+v", r.Indicators)
	}
	if r.TimeWindow != "7d" {
		t.Errorf("time window %q", r.TimeWindow)
	}
}

func TestKQLPredicateKinds(t *testing.T) {
	cases := []struct {
		where string
		want  string // field kind cs neg all values
	}{
		{`A == "x"`, `A eq true false false x`},
		{`A =~ "x"`, `A eq false false false x`},
		{`A != "x"`, `A eq true true false x`},
		{`A !~ "x"`, `A eq false true false x`},
		{`A has "x"`, `A has false false false x`},
		{`A has_cs "x"`, `A has true false false x`},
		{`A !has "x"`, `A has false true false x`},
		{`A contains "x"`, `A contains false false false x`},
		{`A !contains_cs "x"`, `A contains true true false x`},
		{`A startswith "x"`, `A startswith false false false x`},
		{`A endswith_cs "x"`, `A endswith true false false x`},
		{`A matches regex "x+"`, `A regex true false false x+`},
		{`A in ("x", "y")`, `A in true false false x,y`},
		{`A in~ ("x", "y")`, `A in false false false x,y`},
		{`A !in~ ("x", "y")`, `A in false true false x,y`},
		{`A has_any ("x", "y")`, `A has_any false false false x,y`},
		{`A has_all ("x", "y")`, `A has_all false false true x,y`},
		{`A > 5`, `A gt true false false 5`},
		{`A between (1 .. 5)`, `A between true false false 1,5`},
		{`isnotempty(A)`, `A exists true false false `},
		{`isempty(A)`, `A exists true true false `},
		{`not(A has "x")`, `A has false true false x`},
		{`tolower(A) == "x"`, `A eq false false false x`},
		{`Properties["x"] == "y"`, `Properties["x"] eq true false false y`},
		{`ipv4_is_in_range(A, "10.0.0.0/8")`, `A cidr true false false 10.0.0.0/8`},
	}
	for _, c := range cases {
		r := lowerKQL(t, "T\n| where "+c.where+"\n")
		if r.HasErrors() {
			t.Errorf("%s: %+v", c.where, r.Diagnostics)
			continue
		}
		if len(r.Stages) != 2 || len(r.Stages[1].Predicates) != 1 {
			t.Errorf("%s: stages %+v", c.where, r.Stages)
			continue
		}
		p := r.Stages[1].Predicates[0]
		got := strings.Join([]string{p.Field, p.Kind, b2s(p.CaseSensitive), b2s(p.Negated), b2s(p.All), strings.Join(p.Values, ",")}, " ")
		if got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.where, got, c.want)
		}
	}
}

func b2s(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func TestKQLOutputNames(t *testing.T) {
	cases := []struct{ q, want string }{
		{`T | summarize count() by A`, `A count_`},
		{`T | summarize dcount(B), make_set(C), countif(D > 1), arg_max(TimeGenerated, E) by bin(TimeGenerated, 1h)`, `TimeGenerated dcount_B set_C countif_ TimeGenerated1 E`},
		{`T | project A, Properties.y, Z = 2, tolower(X), bin(Y, 1h)`, `A Properties_y Z Column1 Y`},
		{`T | summarize by A, B | extend C = 1`, `A B C`},
		{`T | distinct A, B`, `A B`},
		{`T | count`, `Count`},
		{`T | project A, B | project-rename C = A`, `C B`},
		{`T | project A, B, C | project-away B`, `A C`},
		{`T | summarize make_list(tostring(Z)), count(), count() by A`, `A list_Z count_ count_1`},
	}
	for _, c := range cases {
		r := lowerKQL(t, c.q)
		var names []string
		for _, o := range r.Outputs {
			names = append(names, o.Name)
		}
		if got := strings.Join(names, " "); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.q, got, c.want)
		}
	}
}

func TestKQLTimeWindows(t *testing.T) {
	for q, want := range map[string]string{
		"T | where TimeGenerated > ago(24h)":                                         "24h",
		"let lookback = 14d; T | where TimeGenerated >= ago(lookback)":               "14d",
		"let timeframe = 1d; T | where TimeGenerated > ago(2*timeframe)":             "2d",
		"T | where TimeGenerated between (ago(7d) .. now())":                         "7d",
		"T | where Timestamp > ago(1h + 30m)":                                        "90m",
		"let s = startofday(ago(3d)); T | where TimeGenerated > s":                   "3d",
		"T | where TimeGenerated between (startofday(ago(1d)) .. startofday(now()))": "1d",
	} {
		r := lowerKQL(t, q)
		if r.TimeWindow != want {
			t.Errorf("%s: time window %q, want %q", q, r.TimeWindow, want)
		}
		if len(r.Indicators) != 0 {
			t.Errorf("%s: time filter as indicator %+v", q, r.Indicators)
		}
	}
}

// longList returns a query testing a column against n distinct values
// with in, and against n more in a dynamic list with has_any.
func longList(n int) string {
	var b strings.Builder
	b.WriteString("T | where A in (")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "\"v%d\"", i)
	}
	b.WriteString(") and B has_any (dynamic([")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "\"w%d\"", i)
	}
	b.WriteString("]))")
	return b.String()
}

// TestKQLLongListLinear: the lowering of an in (...) or dynamic([...])
// list drops repeated values in linear work: the values looked at to drop
// repeats grow with the list, not with its square (a list of 100,000 took
// 14 s when each value was looked for in the list so far).
func TestKQLLongListLinear(t *testing.T) {
	probes := func(n int) int {
		valueProbes.Store(0)
		r := lowerKQL(t, longList(n)+" | where A in (\"v1\", \"v2\", \"x\")")
		if len(r.Indicators) != 2 || len(r.Indicators[0].Values) != n+1 || len(r.Indicators[1].Values) != n {
			t.Fatalf("%d values: indicators %d, values %d (want the distinct ones, repeats dropped)", n, len(r.Indicators), len(r.Indicators[0].Values))
		}
		if v := r.Indicators[0].Values; v[0] != "v0" || v[n-1] != fmt.Sprintf("v%d", n-1) || v[n] != "x" {
			t.Fatalf("values out of order: %q ... %q", v[:2], v[n-1:])
		}
		return int(valueProbes.Load())
	}
	small, large := probes(1000), probes(8000)
	if large > 10*small || large > 4*8000 {
		t.Errorf("8,000 values looked at %d values to drop repeats, 1,000 values %d: not linear", large, small)
	}
}

// BenchmarkKQLLongList lowers a rule whose where tests a column against a
// list of 200,000 values (in) and another against 200,000 (has_any with a
// dynamic list).
func BenchmarkKQLLongList(b *testing.B) {
	q := longList(200000)
	b.SetBytes(int64(len(q)))
	b.ReportAllocs()
	for b.Loop() {
		r := &rule.Rule{Language: "kql", Query: q}
		LowerKQL(lang.Item{Rule: r})
	}
}
