package catalog

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/ruledex/ruledex/internal/rule"
)

func pred(field, kind string, cs, neg bool, vals ...string) rule.Predicate {
	return rule.Predicate{Field: field, Kind: kind, CaseSensitive: cs, Negated: neg, Values: vals}
}

func mk(id, platform, path string, tables []string, stages ...rule.Stage) *rule.Rule {
	r := &rule.Rule{ID: id, Platform: platform, Title: id, Source: rule.Source{Repo: "r", Path: path}, Tables: tables, Stages: stages, Kind: rule.KindDetection}
	for _, s := range stages {
		for _, p := range s.Predicates {
			if !p.Negated {
				r.Indicators = append(r.Indicators, rule.Indicator{Field: p.Field, Kind: p.Kind, CaseSensitive: p.CaseSensitive, Values: p.Values})
			}
		}
	}
	return r
}

func where(ps ...rule.Predicate) rule.Stage { return rule.Stage{Kind: "where", Predicates: ps} }

func TestIndicatorCounts(t *testing.T) {
	op := "Microsoft.Compute/virtualMachines/runCommand/action"
	rules := []*rule.Rule{
		mk("kusto/a", "kusto", "a.kql", []string{"AzureActivity"}, where(pred("OperationNameValue", rule.OpEq, false, false, op, "X/write"))),
		mk("kusto/b", "kusto", "b.kql", []string{"AzureActivity"}, where(pred("OperationNameValue", rule.OpIn, false, false, "MICROSOFT.COMPUTE/VIRTUALMACHINES/RUNCOMMAND/ACTION"))),
		mk("sigma/c", "sigma", "c.yml", []string{"azure/activitylogs/"}, where(pred("operationNameValue", rule.OpEq, false, false, op))),
		mk("kusto/d", "kusto", "d.kql", []string{"AzureActivity"}, where(pred("OperationNameValue", rule.OpEq, true, false, "x/write"))),
		mk("kusto/e", "kusto", "e.kql", []string{"AzureActivity"}, where(pred("OperationNameValue", rule.OpContains, false, false, op))),
	}
	IndicatorCounts(rules)
	got := rules[0].Indicators[0].Corpus
	if len(got) != 2 {
		t.Fatalf("corpus = %+v", got)
	}
	if got[0].Total != 2 || got[0].ByPlatform["kusto"] != 1 || got[0].ByPlatform["sigma"] != 1 {
		t.Errorf("runCommand: %+v, want 2 (kusto 1, sigma 1); contains must not count", got[0])
	}
	// a's "X/write" is case-insensitive: d's case-sensitive "x/write" is the same value folded.
	if got[1].Total != 1 {
		t.Errorf("X/write: %+v, want 1", got[1])
	}
	// d's case-sensitive "x/write": a matches it case-insensitively.
	if c := rules[3].Indicators[0].Corpus[0]; c.Total != 1 {
		t.Errorf("case-sensitive x/write: %+v, want 1", c)
	}
	// Running again gives the same counts, not doubled ones.
	IndicatorCounts(rules)
	if n := len(rules[0].Indicators[0].Corpus); n != 2 {
		t.Errorf("second run: %d counts", n)
	}
}

func TestNearDuplicates(t *testing.T) {
	base := []rule.Predicate{pred("Image", rule.OpEndsWith, false, false, `\cmd.exe`)}
	many := func(n int, extra ...rule.Predicate) rule.Stage {
		var ps []rule.Predicate
		for i := 0; i < n; i++ {
			ps = append(ps, pred("CommandLine", rule.OpContains, false, false, string(rune('a'+i))+"x"))
		}
		return where(append(append(ps, base...), extra...)...)
	}
	tbl := []string{"windows//process_creation"}
	rules := []*rule.Rule{
		mk("sigma/a", "sigma", "a.yml", tbl, many(10)),
		mk("sigma/b", "sigma", "b.yml", tbl, many(10, pred("User", rule.OpEq, false, false, "SYSTEM"))), // 11 vs 12: 11/12 = 0.917
		mk("sigma/c", "sigma", "c.yml", tbl, many(5)),                                                   // 6/11: no
		mk("sigma/d", "sigma", "d.yml", []string{"linux//process_creation"}, many(10)),                  // other table
		mk("sigma/e", "sigma", "a.yml", tbl, many(10)),                                                  // same file as a
		mk("sigma/f", "sigma", "f.yml", []string{"WINDOWS//PROCESS_CREATION"}, many(10)),                // equal, table case-folded
		mk("sigma/g", "sigma", "g.yml", tbl),                                                            // no predicates
	}
	NearDuplicates(rules)
	ids := func(r *rule.Rule) (s []string) {
		for _, x := range r.NearDuplicates {
			s = append(s, x.ID)
		}
		return s
	}
	want := map[string][]string{
		"sigma/a": {"sigma/b", "sigma/f"},
		"sigma/b": {"sigma/a", "sigma/e", "sigma/f"},
		"sigma/c": nil,
		"sigma/d": nil,
		"sigma/e": {"sigma/b", "sigma/f"},
		"sigma/g": nil,
	}
	for _, r := range rules {
		w, ok := want[r.ID]
		if !ok {
			continue
		}
		if g := ids(r); len(g) != len(w) || (len(g) > 0 && !equal(g, w)) {
			t.Errorf("%s: near duplicates %v, want %v", r.ID, g, w)
		}
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestClassifyKind(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    *rule.Rule
		want string
	}{
		{"SecurityAlert by product", &rule.Rule{Platform: "kusto", Kind: "detection", Tables: []string{"SecurityAlert"},
			Stages: []rule.Stage{{Kind: "source"}, where(pred("ProductName", rule.OpEq, false, false, "Azure Advanced Threat Protection"))}}, rule.KindAlertFeed},
		{"AlertInfo join AlertEvidence", &rule.Rule{Platform: "kusto", Kind: "hunting", Tables: []string{"AlertInfo", "AlertEvidence"},
			Stages: []rule.Stage{{Kind: "source"}, {Kind: "join"}}}, rule.KindAlertFeed},
		{"vendor alerts table", &rule.Rule{Platform: "kusto", Kind: "detection", Tables: []string{"CrowdStrikeAlerts_CL"}}, rule.KindAlertFeed},
		{"alerts counted per host", &rule.Rule{Platform: "kusto", Kind: "detection", Tables: []string{"SecurityAlert"},
			Stages: []rule.Stage{{Kind: "source"}, {Kind: "summarize"}}}, rule.KindDetection},
		{"alerts joined with sign-ins", &rule.Rule{Platform: "kusto", Kind: "detection", Tables: []string{"SecurityAlert", "SigninLogs"}}, rule.KindDetection},
		{"incidents", &rule.Rule{Platform: "kusto", Kind: "hunting", Tables: []string{"SecurityIncident"}}, rule.KindHunting},
		{"ECS external alerts", &rule.Rule{Platform: "elastic", Kind: "detection",
			Stages: []rule.Stage{where(pred("event.kind", rule.OpEq, false, false, "alert"), pred("event.module", rule.OpEq, false, true, "endpoint"))}}, rule.KindAlertFeed},
		{"ECS alert with process", &rule.Rule{Platform: "elastic", Kind: "detection",
			Stages: []rule.Stage{where(pred("event.kind", rule.OpEq, false, false, "alert"), pred("process.name", rule.OpEq, false, false, "x.exe"))}}, rule.KindDetection},
		{"sigma", &rule.Rule{Platform: "sigma", Language: "sigma", Kind: "detection", Tables: []string{"azure/alerts/"}}, rule.KindDetection},
		{"correlation stays", &rule.Rule{Platform: "kusto", Kind: rule.KindCorrelation, Tables: []string{"SecurityAlert"}}, rule.KindCorrelation},
	} {
		ClassifyKind(tc.r)
		if tc.r.Kind != tc.want {
			t.Errorf("%s: kind %q, want %q", tc.name, tc.r.Kind, tc.want)
		}
	}
}

// BenchmarkIndicatorCounts: 10,000 rules, each with a value shared by all
// (EventID 1), one shared by a hundred and one of its own.
func BenchmarkIndicatorCounts(b *testing.B) {
	var rules []*rule.Rule
	for i := 0; i < 10000; i++ {
		platform := []string{"kusto", "sigma", "elastic"}[i%3]
		rules = append(rules, mk(fmt.Sprint(i), platform, fmt.Sprint(i), nil, where(
			pred("EventID", rule.OpEq, false, false, "1"),
			pred("Image", rule.OpEndsWith, false, false, fmt.Sprintf(`\tool%d.exe`, i%100)),
			pred("CommandLine", rule.OpContains, i%50 == 0, false, fmt.Sprintf("-arg%d", i)),
		)))
	}
	b.ReportAllocs()
	for b.Loop() {
		IndicatorCounts(rules)
	}
	if c := rules[0].Indicators[0].Corpus[0]; c.Total != 9999 {
		b.Fatalf("EventID 1: %+v", c)
	}
}

// TestPreparedRoundTrip: what Prepare made of each rule reads back as it
// was written (the catalog keeps it for incremental builds), and a cut
// record is an error or another record, never a panic.
func TestPreparedRoundTrip(t *testing.T) {
	op := "Microsoft.Compute/virtualMachines/runCommand/action"
	rules := []*rule.Rule{
		mk("kusto/a", "kusto", "a.kql", []string{"AzureActivity"}, where(pred("OperationNameValue", rule.OpEq, false, false, op, "X/write"))),
		mk("sigma/c", "sigma", "c.yml", []string{"azure/activitylogs/"}, where(pred("operationNameValue", rule.OpEq, false, false, op), pred("Caller", rule.OpEq, true, true, "x"))),
		mk("kusto/e", "kusto", "e.kql", nil),
	}
	some := 0
	for _, r := range rules {
		p := Prepare(r)
		if len(p.keys) > 0 && len(p.logic.Triples) > 0 {
			some++
		}
		b := p.AppendBinary([]byte("x"))[1:]
		got, rest, err := DecodePrepared(append(b, 7))
		if err != nil || len(rest) != 1 || rest[0] != 7 {
			t.Fatalf("%s: decode: %v, rest %v", r.ID, err, rest)
		}
		if !reflect.DeepEqual(got, p) && !(len(got.keys) == 0 && len(p.keys) == 0 && len(got.logic.Triples) == 0 && len(p.logic.Triples) == 0 && got.logic.Tables == p.logic.Tables) {
			t.Fatalf("%s: got %+v, want %+v", r.ID, got, p)
		}
		for i := range b {
			if _, _, err := DecodePrepared(b[:i]); err == nil && i < len(b) {
				// A prefix may decode only when it is a whole record itself.
				if q, _, _ := DecodePrepared(b[:i]); reflect.DeepEqual(q, p) {
					t.Fatalf("%s: a cut record decoded whole", r.ID)
				}
			}
		}
	}
	if some == 0 {
		t.Fatal("no example rule has both action keys and logic: the test tests nothing")
	}
}

// TestFoldEqual: FoldEqual is Fold(a) == Fold(b), ASCII or not.
func TestFoldEqual(t *testing.T) {
	words := []string{"", "a", "A", "ab", "aB", "Microsoft-Windows-Sysmon", "microsoft-windows-sysmon", "MICROSOFT-WINDOWS-SYSMON!",
		"\u212a", "k", "K", "İ", "i", "i̇", "ß", "SS", "ss", "ÉVÉNEMENT", "événement", "a\x00b", "A\x00B", "\xff", "\xFF"}
	for _, a := range words {
		for _, b := range words {
			if got, want := FoldEqual(a, b), Fold(a) == Fold(b); got != want {
				t.Errorf("FoldEqual(%q, %q) = %v, want %v", a, b, got, want)
			}
		}
	}
}
