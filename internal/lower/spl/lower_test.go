package lowerspl

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/lang/spl"
	"github.com/ruledex/ruledex/internal/rule"
)

// lowerQuery lowers one raw search as a .spl file is lowered.
func lowerQuery(t *testing.T, q string) *rule.Rule {
	t.Helper()
	r := &rule.Rule{Platform: Platform, Language: Name, Format: FormatText, Kind: rule.KindDetection, Query: q, QueryLine: 1}
	lowerRule(r, nil)
	for _, d := range r.Diagnostics {
		if d.Severity == rule.SevError {
			t.Errorf("%q: %s", q, d.Message)
		}
	}
	return r
}

// show writes a predicate compactly: field kind "values", then the flags
// (cased, not, wild).
func show(p rule.Predicate) string {
	var vs []string
	for _, v := range p.Values {
		vs = append(vs, fmt.Sprintf("%q", v))
	}
	s := strings.TrimSpace(p.Field + " " + p.Kind + " " + strings.Join(vs, ","))
	if p.CaseSensitive {
		s += " cased"
	}
	if p.Negated {
		s += " not"
	}
	if p.Wildcards {
		s += " wild"
	}
	return s
}

// showStage writes a stage's predicates and inner and/or groups: "p; p;
// or(p; and(p; p))".
func showStage(st rule.Stage) string {
	var parts []string
	for _, p := range st.Predicates {
		parts = append(parts, show(p))
	}
	for _, in := range st.Stages {
		switch in.Kind {
		case "and", "or":
			parts = append(parts, in.Kind+"("+showStage(in)+")")
		default:
			parts = append(parts, in.Kind+"["+in.Source+"]{"+showStages(in.Stages)+"}")
		}
	}
	return strings.Join(parts, "; ")
}

func showStages(ss []rule.Stage) string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Kind+": "+showStage(s))
	}
	return strings.Join(out, " | ")
}

// TestHardConstructs: the predicates of the constructs issue 15 lists,
// written by hand from Splunk's Search Reference (Search, Where, Tstats,
// Rex, Stats; the Search Manual's Boolean expressions, NOT expressions,
// Case sensitivity, Wildcards).
func TestHardConstructs(t *testing.T) {
	cases := []struct {
		name, query string
		stages      string // every stage, by showStages
	}{
		{
			// OR binds tighter than the implied AND: (A OR B) AND C.
			"A OR B C", "A OR B C",
			`search: keyword "C"; or(keyword "A"; keyword "B")`,
		},
		{
			// NOT applies to the whole IN: events whose f is none of them, or without f.
			"NOT f IN", `index=main NOT process_name IN ("cmd.exe", "powershell.exe")`,
			`search: index eq "main"; process_name in "cmd.exe","powershell.exe" not`,
		},
		{
			// f!=v: f exists with another value; NOT f=v also matches events without f.
			"!= vs NOT =", `user!=admin NOT status=success`,
			`search: user ne "admin"; status eq "success" not`,
		},
		{
			// Unquoted values: \\ is one backslash; * at either end is
			// contains/startswith/endswith, one inside keeps the pattern;
			// values ignore case.
			"backslashes and wildcards", `process_path=*\\Windows\\System32\\cmd.exe CommandLine=*-enc*JAB* parent=C:\\Temp* dest=* ImagePath="*\\Users\\*" name=a\*b`,
			`search: process_path endswith "\\Windows\\System32\\cmd.exe"; CommandLine eq "*-enc*JAB*" wild; parent startswith "C:\\Temp"; dest exists; ImagePath contains "\\Users\\"; name eq "a*b"`,
		},
		{
			// tstats' where is a search (values ignore case); after
			// drop_dm_object_name the later where tests the unprefixed
			// name, case-sensitively.
			"tstats, drop_dm_object_name, where",
			"| tstats count from datamodel=Endpoint.Processes where Processes.process_name=certutil.exe by Processes.dest Processes.process_name | `drop_dm_object_name(Processes)` | where process_name=\"certutil.exe\"",
			`tstats: Processes.process_name eq "certutil.exe" | rename:  | where: process_name eq "certutil.exe" cased`,
		},
		{
			// CASE() makes a value, or a term, case-sensitive.
			"CASE()", `host=CASE(LOCALHOST) CASE(Error)`,
			`search: host eq "LOCALHOST" cased; keyword "Error" cased`,
		},
		{
			// In where, and/or in lower case are the operators; = is case-sensitive.
			"where with lowercase and/or", `sourcetype=x | where a="x" and (b="y" or c!="z")`,
			`search: sourcetype eq "x" | where: a eq "x" cased; or(b eq "y" cased; c ne "z" cased)`,
		},
		{
			// NOT in where: a comparison with a missing field is false, and so is its NOT.
			"NOT in where", `sourcetype=x | where NOT (a="x" OR like(b, "%y%"))`,
			`search: sourcetype eq "x" | where: a ne "x" cased; b contains "y" cased not`,
		},
		{
			// match() is a regex, case-sensitive unless (?i); isnull a negated exists.
			"match and isnull", `sourcetype=x | where match(cmd, "(?i)-enc") AND isnull(parent)`,
			`search: sourcetype eq "x" | where: cmd regex "(?i)-enc"; parent exists not`,
		},
		{
			// A subsearch is an inner stage with its own source.
			"subsearch", `index=main [search index=other sourcetype=y | fields user]`,
			`search: index eq "main"; subsearch[index=other, sourcetype=y]{search: index eq "other"; sourcetype eq "y" | fields: }`,
		},
	}
	for _, c := range cases {
		r := lowerQuery(t, c.query)
		if got := showStages(r.Stages); got != c.stages {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.stages)
		}
	}
}

// TestOutputs: the fields a search emits and its group-by.
func TestOutputs(t *testing.T) {
	cases := []struct {
		name, query string
		outputs     string // name<source:expr>, in order
		groupBy     string
	}{
		{
			"stats ... as x by y", `sourcetype=x | stats count as n dc(user) by host, src`,
			"host<stats:by> src<stats:by> n<stats:count> dc(user)<stats:dc(user)>", "host src",
		},
		{
			"rex named groups as fields", `sourcetype=x | rex field=_raw "user=(?<user>\w+) from (?P<src_ip>\S+)" | table user src_ip`,
			"user<rex:> src_ip<rex:>", "",
		},
		{
			"renames through drop_dm_object_name and rename, eval",
			"| tstats count min(_time) as firstTime from datamodel=Endpoint.Processes by Processes.dest Processes.user | `drop_dm_object_name(Processes)` | rename user as account | eval risk=count*10",
			"dest<tstats:by> account<tstats:by> count<tstats:count> firstTime<tstats:min(_time)> risk<eval:count*10>", "dest account",
		},
		{
			"fields - drops", `sourcetype=x | stats count by a b | fields - b`,
			"a<stats:by> count<stats:count>", "a b",
		},
	}
	for _, c := range cases {
		r := lowerQuery(t, c.query)
		var outs []string
		for _, o := range r.Outputs {
			outs = append(outs, o.Name+"<"+o.Source+":"+o.Expr+">")
		}
		if got := strings.Join(outs, " "); got != c.outputs {
			t.Errorf("%s: outputs\n got %s\nwant %s", c.name, got, c.outputs)
		}
		if got := strings.Join(r.GroupBy, " "); got != c.groupBy {
			t.Errorf("%s: group by %q, want %q", c.name, got, c.groupBy)
		}
	}
}

// TestMacros: repository macros expanded before the pipeline is split
// (a body with a pipe), arguments substituted, the expansion kept as a
// param; a cycle and an undefined macro reported, the latter kept as a stage.
func TestMacros(t *testing.T) {
	ctx := &Context{Macros: spl.MacroSet{}}
	ctx.Macros["sel"] = &spl.MacroDef{Name: "sel", Definition: "sourcetype=x | where a=\"1\""}
	ctx.Macros["pick(1)"] = &spl.MacroDef{Name: "pick", Args: []string{"f"}, Definition: "table $f$"}
	ctx.Macros["loop"] = &spl.MacroDef{Name: "loop", Definition: "`loop2`"}
	ctx.Macros["loop2"] = &spl.MacroDef{Name: "loop2", Definition: "`loop`"}
	r := &rule.Rule{Platform: Platform, Language: Name, Format: FormatText, Query: "`sel` | `pick(user)` | `nowhere`", QueryLine: 1}
	lowerRule(r, ctx)
	if got := showStages(r.Stages); got != `search: sourcetype eq "x" | where: a eq "1" cased | table:  | macro: ` {
		t.Errorf("stages: %s", got)
	}
	if len(r.Outputs) != 1 || r.Outputs[0].Name != "user" {
		t.Errorf("outputs %v", r.Outputs)
	}
	var params []string
	for _, p := range r.Params {
		params = append(params, p.Kind+" "+p.Name+"="+p.Value)
	}
	want := "macro (undefined) nowhere=|macro `sel`=sourcetype=x | where a=\"1\"|macro `pick(user)`=table user|expansion expanded search=sourcetype=x | where a=\"1\" | table user | `nowhere`"
	if got := strings.Join(params, "|"); got != want {
		t.Errorf("params\n got %s\nwant %s", got, want)
	}
	if !hasMessage(r, "undefined macro `nowhere`") {
		t.Errorf("no warning for the undefined macro: %v", r.Diagnostics)
	}
	r = &rule.Rule{Platform: Platform, Language: Name, Format: FormatText, Query: "index=a `loop`", QueryLine: 1}
	lowerRule(r, ctx)
	if !hasMessage(r, prefixExpand+"macro cycle") || !r.HasErrors() {
		t.Errorf("no cycle error: %v", r.Diagnostics)
	}
}

func hasMessage(r *rule.Rule, prefix string) bool {
	for _, d := range r.Diagnostics {
		if strings.HasPrefix(d.Message, prefix) {
			return true
		}
	}
	return false
}
