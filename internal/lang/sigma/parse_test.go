package sigma

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/lang/diag"
	"github.com/ruledex/ruledex/internal/testcorpus"
)

const miniRule = `title: Test
id: 929a690e-bef0-4204-a928-ef5e620d6fcc
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\cmd.exe'
    condition: selection
level: high
`

func mustParse(t *testing.T, src string) *File {
	t.Helper()
	f, err := parsed(Parse([]byte(src)))
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, f.Errors)
	}
	return f
}

// wantError parses src and checks that an error containing msg is reported
// at line:col.
func wantError(t *testing.T, src string, line, col int, msg string) {
	t.Helper()
	f, _ := Parse([]byte(src))
	for _, e := range f.Errors {
		if strings.Contains(e.Msg, msg) {
			if e.Line != line || e.Col != col {
				t.Errorf("%q at %d:%d, want %d:%d", e.Msg, e.Line, e.Col, line, col)
			}
			return
		}
	}
	t.Errorf("no error containing %q; got:\n%s", msg, f.Errors)
}

func TestParseRule(t *testing.T) {
	f := mustParse(t, miniRule)
	if len(f.Rules()) != 1 {
		t.Fatalf("%d rules", len(f.Rules()))
	}
	d := f.Rules()[0]
	if d.Kind != DocRule || d.Meta.Title.Value != "Test" || d.Meta.Level.Value != "high" {
		t.Errorf("kind %s title %q level %q", d.Kind, d.Meta.Title.Value, d.Meta.Level.Value)
	}
	if d.Meta.Title.Pos.Line != 1 || d.Meta.Title.Pos.Col != 8 {
		t.Errorf("title at %s", d.Meta.Title.Pos)
	}
	s := d.Detection.Search("selection")
	if s == nil || s.Pos.Line != 7 || s.Pos.Col != 5 {
		t.Fatalf("selection %+v", s)
	}
	m := s.Alts[0].Matches[0]
	if m.Field != "Image" || len(m.Modifiers) != 1 || m.Modifiers[0].Name != "endswith" {
		t.Errorf("match %+v", m)
	}
	if m.Modifiers[0].Pos.Line != 8 || m.Modifiers[0].Pos.Col != 15 {
		t.Errorf("modifier at %s, want 8:15", m.Modifiers[0].Pos)
	}
	if v := m.Values[0]; v.Raw != `\cmd.exe` || v.Pos.Line != 8 || v.Pos.Col != 25 {
		t.Errorf("value %q at %s", v.Raw, v.Pos)
	}
	if s.Snippet != "selection:\n    Image|endswith: '\\cmd.exe'" {
		t.Errorf("snippet %q", s.Snippet)
	}
	c := d.Detection.Conditions[0]
	if c.Pos.Line != 9 || c.Pos.Col != 16 {
		t.Errorf("condition at %s", c.Pos)
	}
}

func TestSearchShapes(t *testing.T) {
	f := mustParse(t, `title: Shapes
logsource: {product: linux}
detection:
    sel_map:
        a: 1
        b|contains|all: [x, y]
    sel_list:
        - a: 1
        - b: 2
          c: null
    keywords:
        - 'evil'
        - 'bad*'
    keyword_all:
        '|all':
            - 'one'
            - 'two'
    single: 'word'
    condition: 1 of sel_* or keywords or keyword_all or single
`)
	det := f.Rules()[0].Detection
	want := map[string]SearchKind{"sel_map": SearchMap, "sel_list": SearchList, "keywords": SearchKeywords, "keyword_all": SearchMap, "single": SearchKeywords}
	for name, kind := range want {
		s := det.Search(name)
		if s == nil || s.Kind != kind {
			t.Errorf("%s: %v", name, s)
		}
	}
	if n := len(det.Search("sel_list").Alts); n != 2 {
		t.Errorf("sel_list: %d alternatives", n)
	}
	kw := det.Search("keywords").Alts[0].Matches[0]
	if !kw.Keyword || len(kw.Values) != 2 || !kw.Values[1].HasWildcards() {
		t.Errorf("keywords %+v", kw)
	}
	ka := det.Search("keyword_all").Alts[0].Matches[0]
	if !ka.Keyword || !ka.Has("all") || ka.Field != "" {
		t.Errorf("keyword_all %+v", ka)
	}
	null := det.Search("sel_list").Alts[1].Matches[1]
	if null.Values[0].Type != TypeNull {
		t.Errorf("c: null is %s", null.Values[0].Type)
	}
	if v := det.Search("sel_map").Alts[0].Matches[0].Values[0]; v.Type != TypeNumber {
		t.Errorf("a: 1 is %s", v.Type)
	}
}

func TestSplitString(t *testing.T) {
	show := func(ps []Part) string {
		var b strings.Builder
		for _, p := range ps {
			switch p.Kind {
			case PartText:
				fmt.Fprintf(&b, "[%s]", p.Text)
			case PartStar:
				b.WriteString("*")
			case PartQuestion:
				b.WriteString("?")
			case PartPlaceholder:
				fmt.Fprintf(&b, "{%s}", p.Text)
			}
		}
		return b.String()
	}
	for _, tt := range []struct {
		in     string
		expand bool
		want   string
	}{
		{`C:\Windows\*.exe`, false, `[C:\Windows*.exe]`}, // \* escapes the star
		{`C:\Windows\\*.exe`, false, `[C:\Windows\]*[.exe]`},
		{`prog?.exe`, false, `[prog]?[.exe]`},
		{`a\*b`, false, `[a*b]`},
		{`a\?b`, false, `[a?b]`},
		{`a\\*`, false, `[a\]*`},
		{`a\\\*`, false, `[a\*]`},
		{`\\\\server`, false, `[\\server]`},
		{`C:\temp\`, false, `[C:\temp\]`},
		{`%name%`, false, `[%name%]`},
		{`%name%`, true, `{name}`},
		{`\%plain%name%`, true, `[%plain]{name}`},
		{`*%Workstations%*`, true, `*{Workstations}*`},
		{`50% off`, true, `[50% off]`},
	} {
		if got := show(SplitString(tt.in, tt.expand)); got != tt.want {
			t.Errorf("SplitString(%q, %v) = %s, want %s", tt.in, tt.expand, got, tt.want)
		}
	}
}

func TestModifierValidation(t *testing.T) {
	ok := []string{
		"Image|endswith: x",
		"CommandLine|contains|all: [a, b]",
		"CommandLine|contains|windash: ' -enc '",
		"CommandLine|base64offset|contains: 'IEX'",
		"CommandLine|wide|base64offset|contains: 'IEX'",
		"CommandLine|utf16le|base64: 'x'",
		"Path|re: '^C:\\\\.*'",
		"Path|re|i: '^c:'",
		"Path|re|i|m|s: '^c:'",
		"DestinationIp|cidr: 10.0.0.0/8",
		"DestinationIp|cidr: ['10.0.0.0/8', 'fe80::/10']",
		"User|exists: true",
		"User|exists: false",
		"Count|gt: 5",
		"Count|gte: 5",
		"Count|lt: 5.5",
		"Count|lte: 0",
		"Time|hour|gte: 20",
		"Time|day: 1",
		"User|cased: Admin",
		"User|neq: admin",
		"Target|fieldref: Source",
		"Target|fieldref|neq: Source",
		"Target|fieldref|endswith: Source",
		"Name|expand: '%Servers%'",
		"Name|contains|expand: '%Servers%'",
		"Name|startswith|cased: Adm",
		"Name|utf16be|base64: x",
		"Name|utf16|base64: x",
		"Name|all|contains: [a, b]",
	}
	for _, line := range ok {
		src := "title: t\nlogsource: {product: x}\ndetection:\n    sel:\n        " + line + "\n    condition: sel\n"
		f, err := parsed(Parse([]byte(src)))
		if err != nil {
			t.Errorf("%s: %v", line, err)
		}
		for _, e := range f.Errors {
			t.Logf("%s: %s", line, e)
		}
	}
	bad := []struct{ line, msg string }{
		{"Image|endwith: x", "unknown modifier \"endwith\""},
		{"Image|Contains: x", "modifiers are lower case"},
		{"Image||contains: x", "empty modifier"},
		{"Image|contains|endswith: x", "\"endswith\" cannot be combined with \"contains\""},
		{"Image|re|contains: x", "\"contains\" cannot be combined with \"re\""},
		{"Image|i: x", "flag of the re modifier"},
		{"Image|i|re: x", "flag of the re modifier"},
		{"Image|re|windash: x", "\"windash\" cannot be combined with \"re\""},
		{"Ip|cidr: 10.0.0.0/33", "not a network range"},
		{"Ip|cidr: banana", "not a network range"},
		{"Ip|cidr|contains: 10.0.0.0/8", "cannot be combined"},
		{"User|exists: yes", "takes one value, true or false"},
		{"User|exists|contains: true", "cannot be combined"},
		{"Count|gt: five", "compares numbers"},
		{"Count|gt|lt: 5", "cannot be combined"},
		{"Count|gt|contains: 5", "cannot be combined"},
		{"Time|hour|minute: 5", "cannot be combined with \"hour\""},
		{"Time|hour|contains: 5", "cannot be combined with the time modifier"},
		{"Time|hour: noon", "compares numbers"},
		{"X|base64|base64offset: a", "cannot be combined with \"base64\""},
		{"X|base64|utf16le: a", "must come before \"base64\""},
		{"X|utf16le|wide: a", "cannot be combined with \"utf16le\""},
		{"X|fieldref|re: a", "cannot be combined with \"fieldref\""},
		{"X: [a, null]", "null cannot be part of a list"},
		{"X: []", "empty list of values"},
		{"X: {a: b}", "must be a string, number"},
		{"X: [[a]]", "must be strings, numbers"},
		{"'|gt': 5", "needs a field"},
		{"X|contains|all: a", "needs a list of values"},
		{"X|contains|all: [a]", "needs a list of values"},
	}
	for _, tt := range bad {
		src := "title: t\nlogsource: {product: x}\ndetection:\n    sel:\n        " + tt.line + "\n    condition: sel\n"
		f, err := parsed(Parse([]byte(src)))
		found := false
		for _, e := range f.Errors {
			if strings.Contains(e.Msg, tt.msg) && e.Severity == diag.Error {
				found = true
				if e.Line != 5 {
					t.Errorf("%s: %q at line %d, want 5", tt.line, e.Msg, e.Line)
				}
			}
		}
		if err == nil || !found {
			t.Errorf("%s: want an error %q, got:\n%s", tt.line, tt.msg, f.Errors)
		}
	}
}

func TestModifierPositions(t *testing.T) {
	// The unknown modifier's position is its first character.
	wantError(t, "title: t\nlogsource: {product: x}\ndetection:\n    sel:\n        Image|contains|bogus: x\n    condition: sel\n",
		5, 24, "unknown modifier \"bogus\"")
	// In a quoted key, one column later.
	wantError(t, "title: t\nlogsource: {product: x}\ndetection:\n    sel:\n        'Image|bogus': x\n    condition: sel\n",
		5, 16, "unknown modifier \"bogus\"")
}

func TestConditionPositionsInFile(t *testing.T) {
	// Plain scalar on the key's line.
	wantError(t, "title: t\nlogsource: {product: x}\ndetection:\n    sel:\n        a: 1\n    condition: sel and nope\n",
		6, 24, "unknown search identifier \"nope\"")
	// Quoted.
	wantError(t, "title: t\nlogsource: {product: x}\ndetection:\n    sel:\n        a: 1\n    condition: 'sel and nope'\n",
		6, 25, "unknown search identifier \"nope\"")
	// Block scalar over several lines.
	wantError(t, "title: t\nlogsource: {product: x}\ndetection:\n    sel:\n        a: 1\n    condition: |\n        sel and\n          (nope or sel)\n",
		8, 12, "unknown search identifier \"nope\"")
	// Folded plain scalar.
	wantError(t, "title: t\nlogsource: {product: x}\ndetection:\n    sel:\n        a: 1\n    condition: sel and\n        (1 of x_* or sel)\n",
		7, 15, "pattern \"x_*\" matches no search identifier")
	// A syntax error.
	wantError(t, "title: t\nlogsource: {product: x}\ndetection:\n    sel:\n        a: 1\n    condition: sel and (sel or\n",
		6, 31, "condition: unexpected end of condition")
	// Unused identifiers are warned of; "_" ones are not.
	f, err := parsed(Parse([]byte("title: t\nlogsource: {product: x}\ndetection:\n    sel:\n        a: 1\n    other:\n        b: 1\n    _helper:\n        c: 1\n    condition: sel\n")))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Errors) != 1 || !strings.Contains(f.Errors[0].Msg, "\"other\" is not used") {
		t.Errorf("errors %v", f.Errors)
	}
}

func TestOfThem(t *testing.T) {
	f := mustParse(t, "title: t\nlogsource: {product: x}\ndetection:\n    a:\n        x: 1\n    b:\n        y: 1\n    _c:\n        z: 1\n    condition: 1 of them and _c\n")
	det := f.Rules()[0].Detection
	x := det.Conditions[0].Expr.(*BinaryExpr).Args[0].(*OfExpr)
	var names []string
	for _, s := range det.Match(x) {
		names = append(names, s.Name)
	}
	if strings.Join(names, ",") != "a,b" {
		t.Errorf("them = %v", names)
	}
}

func TestDocumentErrors(t *testing.T) {
	wantError(t, "title: t\nlogsource: {product: x}\n", 1, 1, "detection is missing")
	wantError(t, "logsource: {product: x}\ndetection:\n    sel: {a: 1}\n    condition: sel\n", 1, 1, "title is missing")
	wantError(t, "title: t\nlogsource: {product: x}\ndetection:\n    sel: {a: 1}\n", 3, 1, "detection has no condition")
	wantError(t, "- a\n- b\n", 1, 1, "a Sigma document is a map")
	wantError(t, "title: t\ndetection:\n    sel:\n        a: 1\n        a: 2\n    condition: sel\nlogsource: {product: x}\n", 5, 9, "key \"a\" is given twice")
	wantError(t, "title: [unclosed\nlogsource: x\n", 1, 1, "YAML:")
	wantError(t, "title: t\nlogsource: {product: x}\ndetection:\n    sel: {a: 1}\n    condition: sel | count() > 5\n", 5, 20, "obsolete since Sigma 2.0")
	wantError(t, "title: t\nstatus: testing\nlogsource: {product: x}\ndetection:\n    sel: {a: 1}\n    condition: sel\n", 2, 9, "status \"testing\"")
	// A broken document keeps its title, read from the text.
	f, _ := Parse([]byte("title: Broken rule\nlogsource: [\n"))
	if rs := f.Rules(); len(rs) != 1 || rs[0].Meta.Title.Value != "Broken rule" {
		t.Errorf("broken document: %+v", rs)
	}
}

func TestMultiDocument(t *testing.T) {
	src := miniRule + "---\n" + strings.Replace(miniRule, "title: Test", "title: Second", 1) + "---\n# only a comment\n"
	f := mustParse(t, src)
	rs := f.Rules()
	if len(rs) != 2 {
		t.Fatalf("%d rules", len(rs))
	}
	if rs[1].StartLine != 12 || rs[1].Meta.Title.Value != "Second" || rs[1].Meta.Title.Pos.Line != 12 {
		t.Errorf("second document starts at %d, title %q at %s", rs[1].StartLine, rs[1].Meta.Title.Value, rs[1].Meta.Title.Pos)
	}
	if rs[1].Detection.Conditions[0].Pos.Line != 20 {
		t.Errorf("condition of the second at %s", rs[1].Detection.Conditions[0].Pos)
	}
	if !strings.HasPrefix(rs[1].Text, "title: Second") {
		t.Errorf("text %q", rs[1].Text)
	}
}

func TestLegacyCollection(t *testing.T) {
	src := `action: global
title: Suspicious Process
author: Someone
detection:
    selection:
        CommandLine|contains: 'evil'
    condition: selection
level: high
---
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID: 4688
---
logsource:
    category: process_creation
    product: windows
---
action: repeat
logsource:
    product: linux
---
action: reset
---
title: Alone
logsource: {product: x}
detection:
    sel: {a: 1}
    condition: sel
`
	f := mustParse(t, src)
	rs := f.Rules()
	if len(rs) != 4 {
		t.Fatalf("%d rules, want 4 (two from global, one repeat, one after reset)", len(rs))
	}
	first := rs[0]
	if first.Meta.Title.Value != "Suspicious Process" || first.Meta.Level.Value != "high" || first.Logsource.Service.Value != "security" {
		t.Errorf("first: %+v", first.Meta)
	}
	sel := first.Detection.Search("selection")
	if len(sel.Alts[0].Matches) != 2 {
		t.Errorf("merged selection has %d matches, want CommandLine and EventID", len(sel.Alts[0].Matches))
	}
	if rs[1].Logsource.Category.Value != "process_creation" || len(rs[1].Detection.Search("selection").Alts[0].Matches) != 1 {
		t.Errorf("second: %+v", rs[1].Logsource)
	}
	rep := rs[2]
	if rep.Kind != DocRepeat || rep.Logsource.Product.Value != "linux" || rep.Logsource.Category.Value != "process_creation" || rep.Meta.Title.Value != "Suspicious Process" {
		t.Errorf("repeat: kind %s logsource %+v title %q", rep.Kind, rep.Logsource, rep.Meta.Title.Value)
	}
	if rs[3].Meta.Title.Value != "Alone" || rs[3].Meta.Author.Value != "" {
		t.Errorf("after reset: %+v", rs[3].Meta)
	}
}

func TestCorrelationAndFilter(t *testing.T) {
	src := `title: Many failed logins
id: 0e95725d-7320-415d-80f7-004da920fc11
correlation:
    type: value_count
    rules:
        - failed_login
    group-by:
        - ComputerName
    timespan: 1h
    condition:
        field: User
        gt: 10
        lte: 200
    aliases:
        host:
            failed_login: ComputerName
generate: true
---
title: Failed login
name: failed_login
logsource: {product: windows, service: security}
detection:
    selection:
        EventID: 4625
    condition: selection
`
	f := mustParse(t, src)
	c := f.Rules()[0].Correlation
	if c.Type.Value != "value_count" || len(c.Rules) != 1 || c.Timespan.Value != "1h" || len(c.Condition) != 2 || c.Field[0].Value != "User" {
		t.Errorf("correlation %+v", c)
	}
	if f.Rules()[0].Meta.Generate.Value != "true" || len(c.Aliases) != 1 {
		t.Errorf("generate %q aliases %v", f.Rules()[0].Meta.Generate.Value, c.Aliases)
	}
	if d := f.Lookup("failed_login"); d == nil || d.Meta.Title.Value != "Failed login" {
		t.Errorf("Lookup(failed_login) = %v", d)
	}
	wantError(t, "title: c\ncorrelation:\n    type: event_counts\n    rules: [a]\n    timespan: 1h\n", 3, 11, "unknown correlation type")
	wantError(t, "title: c\ncorrelation:\n    type: event_count\n    rules: [a]\n    group-by: [x]\n    timespan: 1h\n", 2, 1, "needs a condition")
	wantError(t, "title: c\ncorrelation:\n    type: value_sum\n    rules: [a]\n    group-by: [x]\n    timespan: 1h\n    condition: {gt: 1}\n", 7, 5, "needs the field")
	wantError(t, "title: c\ncorrelation:\n    type: temporal\n    rules: [a]\n    group-by: [x]\n    timespan: 1 hour\n", 6, 15, "timespan \"1 hour\"")
	wantError(t, "title: c\ncorrelation:\n    type: event_count\n    rules: [a]\n    group-by: [x]\n    timespan: 1h\n    condition: {gte: many}\n", 7, 22, "takes a number")
	wantError(t, "title: c\ncorrelation:\n    type: event_count\n    rules: [a]\n    group-by: [x]\n    timespan: 1h\n    condition: {over: 1}\n", 7, 17, "unknown condition \"over\"")
	wantError(t, "title: c\ncorrelation:\n    type: temporal\n    rules: [a]\n    group-by: [ip]\n    timespan: 1h\n    aliases:\n        ip:\n            b: src\n", 9, 13, "names rule \"b\"")

	ff := mustParse(t, `title: Filter admins
logsource: {product: windows, category: process_creation}
filter:
    rules:
        - 6f3e2987-db24-4c78-a860-b4f4095a7095
    selection:
        User|startswith: 'adm_'
    condition: selection
`)
	fd := ff.Rules()[0]
	if fd.Kind != DocFilter || len(fd.Filter.Rules) != 1 || fd.Filter.Detection.Search("selection") == nil {
		t.Errorf("filter %+v", fd.Filter)
	}
	wantError(t, "title: f\nlogsource: {product: x}\nfilter:\n    selection: {a: 1}\n    condition: selection\n", 3, 1, "names no rules")
}

// TestSpecificationExamples reads the specification's test rules.
func TestSpecificationExamples(t *testing.T) {
	dir := testcorpus.Dir(t, "sigma-specification")
	files := yamlFiles(t, dir)
	kinds := map[DocKind]int{}
	for _, file := range files {
		p, src := filepath.Join(dir, filepath.FromSlash(file.Rel)), file.Data
		f, err := parsed(Parse(src))
		if err != nil {
			t.Errorf("%s: %v", p, err)
		}
		for _, d := range f.Rules() {
			kinds[d.Kind]++
			if d.Kind == DocCorrelation && filepath.Base(filepath.Dir(p)) != "correlation" {
				t.Errorf("%s: correlation outside correlation/", p)
			}
		}
	}
	if kinds[DocCorrelation] != 8 || kinds[DocFilter] != 2 || kinds[DocRule] != 2 {
		t.Errorf("kinds %v, want 8 correlations, 2 filters, 2 rules", kinds)
	}
}

// ---- Limits: each hostile input gives a diagnostic, with work bounded by
// the node and depth caps (structural, not timed).

func TestAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("title: lol\nlogsource: {product: x}\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n")
	prev := "a"
	for _, c := range "bcdefghi" {
		fmt.Fprintf(&b, "%c: &%c [*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s]\n", c, c, prev, prev, prev, prev, prev, prev, prev, prev, prev)
		prev = string(c)
	}
	b.WriteString("detection:\n    sel:\n        x: *i\n    condition: sel\n")
	f, err := parsed(Parse([]byte(b.String())))
	if err == nil || !strings.Contains(err.Error(), "more than 50000 YAML nodes") {
		t.Fatalf("want a node-limit error, got %v", err)
	}
	d := f.Documents[0]
	if !d.TooLarge || d.Meta.Title.Value != "lol" || d.Detection != nil {
		t.Errorf("too large %v, title %q, detection %v", d.TooLarge, d.Meta.Title.Value, d.Detection)
	}
}

func TestHugeList(t *testing.T) {
	src := "title: big\nlogsource: {product: x}\ndetection:\n    sel:\n        x:\n" + strings.Repeat("            - a\n", 100000) + "    condition: sel\n"
	f, err := parsed(Parse([]byte(src)))
	if err == nil || !strings.Contains(err.Error(), "document too large") {
		t.Fatalf("want a size error, got %v", err)
	}
	if rs := f.Rules(); len(rs) != 1 || rs[0].Meta.Title.Value != "big" {
		t.Errorf("the rule and its title should be kept: %v", rs)
	}
	// The same in flow style, which packs more nodes per byte.
	src = "title: big\nlogsource: {product: x}\ndetection:\n    sel:\n        x: [" + strings.Repeat("1,", 100000) + "1]\n    condition: sel\n"
	if _, err := parsed(Parse([]byte(src))); err == nil || !strings.Contains(err.Error(), "document too large") {
		t.Fatalf("flow list: want a size error, got %v", err)
	}
}

func TestDeepCondition(t *testing.T) {
	src := "title: deep\nlogsource: {product: x}\ndetection:\n    sel: {a: 1}\n    condition: " + strings.Repeat("(", 10000) + "sel" + strings.Repeat(")", 10000) + "\n"
	_, err := parsed(Parse([]byte(src)))
	if err == nil || !strings.Contains(err.Error(), "nested deeper than 100") {
		t.Fatalf("want a depth error, got %v", err)
	}
	if e := err.(diag.ErrorList)[0]; e.Line != 5 || e.Col != 16+MaxConditionDepth {
		t.Errorf("depth error at %d:%d", e.Line, e.Col)
	}
}

func TestDeepYAML(t *testing.T) {
	for name, src := range map[string]string{
		"flow":  "title: deep\nx: " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + "\n",
		"block": "title: deep\nx:\n" + deepBlock(200),
	} {
		t.Run(name, func(t *testing.T) {
			f, err := parsed(Parse([]byte(src)))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), "nested deeper than 64") && !strings.Contains(err.Error(), "document too large") {
				t.Errorf("error %v", err)
			}
			if rs := f.Rules(); len(rs) != 1 || rs[0].Meta.Title.Value != "deep" {
				t.Errorf("title not kept: %v", rs)
			}
		})
	}
}

func deepBlock(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(strings.Repeat(" ", i+1) + "k:\n")
	}
	return b.String()
}

func TestManyDocuments(t *testing.T) {
	src := strings.Repeat("---\na: 1\n", 2000)
	f, _ := Parse([]byte(src))
	if !strings.Contains(f.Errors.String(), "more than 1000 YAML documents") {
		t.Fatalf("no error on the number of documents")
	}
	if len(f.Documents) != MaxDocuments {
		t.Errorf("%d documents", len(f.Documents))
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(miniRule))
	f.Add([]byte("title: t\ncorrelation:\n    type: temporal\n    rules: [a, b]\n    group-by: [x]\n    timespan: 5m\n"))
	f.Add([]byte("title: f\nlogsource: {product: x}\nfilter:\n    rules: [a]\n    selection: {User|startswith: adm_}\n    condition: selection\n"))
	f.Add([]byte("action: global\ntitle: g\n---\nlogsource: {product: x}\ndetection:\n    s: {a: 1}\n    condition: s\n---\naction: repeat\nlogsource: {product: y}\n"))
	f.Add([]byte("title: t\nlogsource: {product: x}\ndetection:\n    k: ['a*', 'b\\\\*']\n    s:\n        - A|re|i: x\n        - B|base64offset|contains: y\n    condition: |\n        1 of them and\n        not k\n"))
	f.Add([]byte("a: &a [x, *a]\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		f, _ := Parse(src)
		if f == nil {
			t.Fatal("nil file")
		}
		for _, e := range f.Errors {
			if e.Line < 0 || e.Msg == "" {
				t.Fatalf("bad error %+v", e)
			}
		}
		for _, d := range f.Rules() {
			if d.Detection != nil {
				for _, c := range d.Detection.Conditions {
					Inspect(c.Expr, func(x Expr) bool {
						if x.Pos() < 0 || x.End() > len(c.Text) {
							t.Fatalf("condition span out of its text")
						}
						return true
					})
				}
			}
		}
	})
}

// parsed returns Parse's results with its errors as an error: nil when
// there is none, else the errors alone (warnings left out), as callers
// that only care for errors see them.
func parsed(f *File, l diag.ErrorList) (*File, error) {
	var errs diag.ErrorList
	for _, e := range l {
		if e.Severity == diag.Error {
			errs = append(errs, e)
		}
	}
	if len(errs) == 0 {
		return f, nil
	}
	return f, errs
}
