package kql

import (
	"strings"
	"testing"
)

func mustParse(t *testing.T, src string) *Script {
	t.Helper()
	s, errs := Parse([]byte(src))
	if errs != nil {
		t.Fatalf("Parse([]byte(%q)): %v", src, errs)
	}
	return s
}

func TestSummarizeSeedRule(t *testing.T) {
	src := `let riskyUsers = AADUserRiskEvents
| where TimeGenerated > ago(14d)
| summarize by UserPrincipalName;
AzureActivity
| where CategoryValue == "Administrative"
| where OperationNameValue =~ "Microsoft.Compute/virtualMachines/runCommand/action"
| join kind=inner (riskyUsers) on $left.Caller == $right.UserPrincipalName
| summarize make_list(ActivityStatusValue), TimeGenerated = max(TimeGenerated) by CorrelationId, CallerIpAddress
| extend timestamp = TimeGenerated`
	s := mustParse(t, src)
	sum := Summarize(s)
	want := Summary{
		Tables:    []string{"AADUserRiskEvents", "AzureActivity"},
		Operators: []string{"where", "summarize", "join", "extend"},
		Functions: []string{"ago", "make_list", "max"},
	}
	if strings.Join(sum.Tables, ",") != strings.Join(want.Tables, ",") ||
		strings.Join(sum.Operators, ",") != strings.Join(want.Operators, ",") ||
		strings.Join(sum.Functions, ",") != strings.Join(want.Functions, ",") {
		t.Errorf("Summarize = %+v, want %+v", sum, want)
	}
	if len(s.Stmts) != 2 {
		t.Fatalf("%d statements, want 2", len(s.Stmts))
	}
	let := s.Stmts[0].(*LetStmt)
	if let.Name.Name != "riskyUsers" {
		t.Errorf("let name %q", let.Name.Name)
	}
	// every node's span lies within its parent's and within the source
	checkSpans(t, src, s)
}

func checkSpans(t *testing.T, src string, root Node) {
	t.Helper()
	var stack []Node
	var visit func(n Node)
	visit = func(n Node) {
		p, e := n.Span()
		if p < 0 || e > len(src) || p > e {
			t.Errorf("%T span [%d,%d) outside the source (%d bytes)", n, p, e, len(src))
		}
		if len(stack) > 0 {
			pp, pe := stack[len(stack)-1].Span()
			if p < pp || e > pe {
				t.Errorf("%T span [%d,%d) %q outside its parent %T [%d,%d)", n, p, e, src[p:e], stack[len(stack)-1], pp, pe)
			}
		}
		stack = append(stack, n)
		eachChild(n, visit)
		stack = stack[:len(stack)-1]
	}
	visit(root)
}

func TestOperatorsAndExpressions(t *testing.T) {
	for _, tc := range []struct{ src, ops string }{
		{`T | where A has "x" and B !has "y" or C in~ ("a", "b") and D !in (1, 2)`, "where"},
		{`T | where A between (1 .. 10) and B !between (ago(1d) .. now())`, "where"},
		{`T | where A matches regex @"^\d+$" and B has_any (list) and C has_all ("a", "b") and D !contains_cs 'x'`, "where"},
		{`T | project-away A*, B | project-rename X = Y | project-reorder C asc, D* | project-keep E`, "project-away project-rename project-reorder project-keep"},
		{`T | summarize (Time, Id) = arg_max(TimeGenerated, *), count(), dcount(X) by bin(TimeGenerated, 1h), Y`, "summarize"},
		{`T | mv-expand kind=array bagexpansion=bag X = Props to typeof(string) limit 10`, "mv-expand"},
		{`T | mv-apply with_itemindex=i e = Entities to typeof(dynamic) on (where e.Type == "ip" | project Ip = e.Address)`, "mv-apply where project"},
		{`T | parse kind=regex flags=Ui Msg with * "user=" User:string " from " Ip *`, "parse"},
		{`T | parse-kv Msg as (a:string, b:long) with (pair_delimiter=",", kv_delimiter="=")`, "parse-kv"},
		{`T | evaluate bag_unpack(Props) | evaluate pivot(X): (A:string, B:long)`, "evaluate"},
		{`T | make-series n = count() default = 0 on TimeGenerated from ago(7d) to now() step 1h by Host`, "make-series"},
		{`T | make-series n = count() on TimeGenerated in range(ago(7d), now(), 1d)`, "make-series"},
		{`T | top 10 by Count desc nulls last | top-nested 3 of A by count(), top-nested 2 of B with others = "x" by max(C) desc`, "top top-nested"},
		{`union kind=outer withsource=Src isfuzzy=true Device*, (T | take 1), *Events`, "union take"},
		{`T | lookup kind=leftouter (U) on $left.A == $right.B, C`, "lookup"},
		{`T | fork (where A > 1) (summarize count()) | facet by A, B with (take 3)`, "fork where summarize facet take"},
		{`T | partition hint.strategy=native by Host (top 1 by TimeGenerated)`, "partition top"},
		{`T | sort by A asc, B desc | take 10 | sample 5 | distinct A | count | as hint.materialized=true X | getschema`, "sort take sample distinct count as getschema"},
		{`T | render timechart with (title="x", kind=stacked) `, "render"},
		{`range x from 1 to 10 step 1 | extend y = x * 2`, "range extend"},
		{`print a = 1, b = "x"`, "print"},
		{`search in (T, U) "needle" and Col:"x"`, "search"},
		{`find in (T, U) where A has "x" project A, B`, "find"},
		{`T | scan declare (s:string = "") with (step a: A == 1 => s = A; step b optional: B == 2;)`, "scan"},
		{`T | invoke f(1) | serialize r = row_number() | sample-distinct 3 of A | top-hitters 5 of B by C`, "invoke serialize sample-distinct top-hitters"},
		{`let f = (T:(*), n:long = 5) { T | take n }; let v = view () { print 1 }; f(U)`, "take print"},
		{`declare query_parameters(a:string = "x"); set notruncation; T | where A == a`, "where"},
		{`datatable(a:string, b:long) ["x", 1, "y", 2] | where a == "x"`, "where"},
		{`externaldata(ip:string) [@"https://example.com/list.txt"] with (format="txt") | where ip has "1"`, "where"},
		{`T | extend a = Props.Name, b = Props["k"], c = Props['k'], d = Arr[0], e = dynamic({"a": [1, 2, {"b": null}]}), f = dynamic(['x'])`, "extend"},
		{`T | where TimeGenerated > datetime(2024-01-01 10:00) and D < 1.5s and G == guid(74be27de-1e4e-49d9-b579-fe0b331d3642) and L == long(null)`, "where"},
		{"T | where A == ```multi\nline``` and B == h'hidden' and C == @'c:\\x' and D == 'a' \"b\"", "where"},
		{`T | where ['My Col'] == 1 | project-rename ['new name'] = ['My Col']`, "where project-rename"},
		{`T | join hint.strategy=shuffle kind=leftanti (U | where x) on A`, "join where"},
	} {
		s, errs := Parse([]byte(tc.src))
		if errs != nil {
			t.Errorf("Parse([]byte(%q)): %v", tc.src, errs)
			continue
		}
		if got := strings.Join(Summarize(s).Operators, " "); got != tc.ops {
			t.Errorf("%q: operators %q, want %q", tc.src, got, tc.ops)
		}
		checkSpans(t, tc.src, s)
		out := Print(s)
		s2, errs := Parse([]byte(out))
		if errs != nil || !Equal(s, s2) {
			t.Errorf("%q: printed %q does not parse back the same (%v)", tc.src, out, errs)
		}
	}
}

func TestPrecedence(t *testing.T) {
	s := mustParse(t, `T | where a == 1 or b has "x" and c + 2 * 3 > -d`)
	w := s.Stmts[0].(*ExprStmt).X.(*PipeExpr).Op.(*Operator).Clauses[0].Exprs[0]
	or, ok := w.(*BinaryExpr)
	if !ok || or.Op != "or" {
		t.Fatalf("top is %T %v, want or", w, w)
	}
	and := or.Y.(*BinaryExpr)
	if and.Op != "and" {
		t.Fatalf("right of or is %q", and.Op)
	}
	gt := and.Y.(*BinaryExpr)
	if gt.Op != ">" || gt.X.(*BinaryExpr).Op != "+" || gt.X.(*BinaryExpr).Y.(*BinaryExpr).Op != "*" {
		t.Errorf("c + 2 * 3 > -d read as %s", Print(gt))
	}
	if _, ok := gt.Y.(*UnaryExpr); !ok {
		t.Errorf("-d is %T", gt.Y)
	}
}

// TestPartialTree checks that the tree keeps what could be read, and the
// statements after an error (the errors themselves are in testdata/errors).
func TestPartialTree(t *testing.T) {
	s, errs := Parse([]byte("T | where a ==; U | take 1"))
	if len(errs) != 1 || len(s.Stmts) != 2 {
		t.Errorf("partial tree: %d statements, errors %v", len(s.Stmts), errs)
	}
	if got := Summarize(s).Tables; strings.Join(got, ",") != "T,U" {
		t.Errorf("tables of the partial tree %v", got)
	}
	// a pipe followed by no operator is a BadOperator spanning what was skipped
	s, errs = Parse([]byte("T | 42 x | take 1"))
	if len(errs) == 0 {
		t.Fatal("no error for a missing operator")
	}
	pipe := s.Stmts[0].(*ExprStmt).X.(*PipeExpr)
	bad, ok := pipe.Source.(*PipeExpr).Op.(*BadOperator)
	if !ok || bad.Pos != 4 || bad.End != 8 {
		t.Errorf("bad operator %#v, want [4, 8)", pipe.Source.(*PipeExpr).Op)
	}
	if pipe.Pipe != 9 || pipe.Source.(*PipeExpr).Pipe != 2 {
		t.Errorf("pipes at %d and %d, want 2 and 9", pipe.Source.(*PipeExpr).Pipe, pipe.Pipe)
	}
	checkSpans(t, "T | 42 x | take 1", s)
}

// TestDeepNesting checks that deep nesting is an error, not a crash, and
// that the parse stays linear: the parser's work (nesting entries and
// tokens looked at ahead) is bounded by a small multiple of the tokens.
func TestDeepNesting(t *testing.T) {
	for _, src := range []string{
		"T | where " + strings.Repeat("(", 10000) + "a" + strings.Repeat(")", 10000),
		"print " + strings.Repeat("- ", 10000) + "1",
		"print dynamic(" + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + ")",
		"print " + strings.Repeat("f(", 10000) + strings.Repeat(")", 10000),
		"T | project " + strings.Repeat("(a, ", 3000) + "b" + strings.Repeat(")", 3000),
	} {
		_, errs, work := parse(src)
		if len(errs) == 0 || !strings.Contains(errs.Error(), "nesting deeper") {
			t.Errorf("%.20q…: errors %v, want nesting error", src, errs)
		}
		toks, _, _ := Lex([]byte(src))
		if work > 8*len(toks) {
			t.Errorf("%.20q…: %d steps for %d tokens", src, work, len(toks))
		}
	}
}

func TestComments(t *testing.T) {
	s := mustParse(t, "// Title\n// more\nT // trailing\n| take 1")
	if len(s.Comments) != 3 || s.Comments[0].Text != " Title" {
		t.Errorf("comments %+v", s.Comments)
	}
}

func TestLiterals(t *testing.T) {
	s := mustParse(t, `print a = 'it\'s', b = @"c:\temp", c = "a" 'b', d = 1h, e = 0x1F, f = 1e3, g = datetime(2020-01-01), h = true`)
	want := map[string]string{"a": "it's", "b": `c:\temp`, "c": "ab", "d": "1h", "e": "0x1F", "f": "1e3", "g": "2020-01-01", "h": "true"}
	for _, x := range s.Stmts[0].(*ExprStmt).X.(*PipeExpr).Op.(*Operator).Clauses[0].Exprs {
		n := x.(*NamedExpr)
		name := n.Name.(*Ident).Name
		if lit := n.Value.(*Literal); lit.Value != want[name] {
			t.Errorf("%s = %q, want %q", name, lit.Value, want[name])
		}
	}
}

func TestUnquote(t *testing.T) {
	for in, want := range map[string]string{
		`"abc"`: "abc", `'a\'b'`: "a'b", `"C:\\Windows\\System32"`: `C:\Windows\System32`, `"x\ny"`: "x\ny",
		`"tab\there\\"`: "tab\there\\", `@"C:\temp\"`: `C:\temp\`, `@'it''s'`: "it's", `h"secret"`: "secret",
		"```multi\nline```": "multi\nline", `"\u0041B"`: "AB", `"end\"`: `end\`, `""`: "",
	} {
		if got := Unquote(in); got != want {
			t.Errorf("Unquote(%s) = %q, want %q", in, got, want)
		}
	}
}

// TestUnknownEscape: a backslash that starts no escape Kusto knows
// ("\Windows") is an error at the backslash, as Kusto's parser says, and
// the value keeps what the author wrote rather than dropping the
// backslash; the escapes Kusto knows are decoded.
func TestUnknownEscape(t *testing.T) {
	src := `print x = "C:\Windows\System32", y = h'\d'`
	s, errs := Parse([]byte(src))
	if len(errs) != 3 {
		t.Fatalf("errors %v, want one at each unknown escape", errs)
	}
	for i, col := range []int{14, 22, 40} {
		if e := errs[i]; e.Line != 1 || e.Col != col || !strings.Contains(e.Msg, "escape") || e.Span.Len() != 2 {
			t.Errorf("error %d: %v (span %v), want an escape error at 1:%d over 2 bytes", i, e, e.Span, col)
		}
	}
	exprs := s.Stmts[0].(*ExprStmt).X.(*PipeExpr).Op.(*Operator).Clauses[0].Exprs
	if got := exprs[0].(*NamedExpr).Value.(*Literal).Value; got != `C:\Windows\System32` {
		t.Errorf("value %q, want the text as written", got)
	}
	if got := exprs[1].(*NamedExpr).Value.(*Literal).Value; got != `\d` {
		t.Errorf("value %q, want the text as written", got)
	}
	s = mustParse(t, `print x = "\a\b\f\v\t\r\n\\\"\'\0\x41\u0042\U00000043\101\7x\x123"`)
	lit := s.Stmts[0].(*ExprStmt).X.(*PipeExpr).Op.(*Operator).Clauses[0].Exprs[0].(*NamedExpr).Value.(*Literal)
	if want := "\a\b\f\v\t\r\n\\\"'\x00ABCA\x07x\x123"; lit.Value != want {
		t.Errorf("value %q, want %q", lit.Value, want)
	}
	for _, bad := range []string{`"\x4"`, `"\u12"`, `"\U0041"`, `"\8"`, `"\/"`} {
		if _, errs := Parse([]byte("print " + bad)); len(errs) == 0 {
			t.Errorf("%s: no error (Kusto rejects it)", bad)
		}
	}
}

// TestIndexAfterSpace: white space between a path and its index is allowed,
// as Kusto allows it (ConnectedNetworks ["Name"], A ["x"] in a project
// names the column A_x).
func TestIndexAfterSpace(t *testing.T) {
	for _, src := range []string{
		`T | extend a = ConnectedNetworks ["Name"]`,
		`T | extend a = ConnectedNetworks  [ "Name" ]`,
		`T | extend a = ConnectedNetworks ['Name']`,
		"T | extend a = ConnectedNetworks\n\t[\"Name\"]",
	} {
		s := mustParse(t, src)
		ix, ok := s.Stmts[0].(*ExprStmt).X.(*PipeExpr).Op.(*Operator).Clauses[0].Exprs[0].(*NamedExpr).Value.(*IndexExpr)
		if !ok {
			t.Errorf("%q: no index expression", src)
			continue
		}
		if lit, ok := ix.Index.(*Literal); !ok || lit.Value != "Name" {
			t.Errorf("%q: index %#v", src, ix.Index)
		}
		checkSpans(t, src, s)
		out := Print(s)
		if s2, errs := Parse([]byte(out)); errs != nil || !Equal(s, s2) {
			t.Errorf("%q printed as %q does not parse back the same (%v)", src, out, errs)
		}
	}
}

// TestLookup: every keyword and word operator is found by its text, in
// the group its kind says; other words are names.
func TestLookup(t *testing.T) {
	for k := wordOperatorBeg + 1; k < keywordEnd; k++ {
		if kindNames[k] == "" { // a sentinel
			continue
		}
		if got := Lookup(k.String()); got != k || !(k.IsWordOperator() && k.IsOperator() || k.IsKeyword()) || !k.IsName() {
			t.Errorf("Lookup(%q) = %v", k.String(), got)
		}
	}
	// operator names (where, count) are names: the parser tells them by place
	for _, w := range []string{"TimeGenerated", "where", "x", "hasx", "Let", "tostring", "count"} {
		if k := Lookup(w); k != Name {
			t.Errorf("Lookup(%q) = %v, want a name", w, k)
		}
	}
	if Lookup("TRUE") != TRUE || Lookup("False") != FALSE || !Pipe.IsPunct() || !String.IsLiteral() || Pipe.IsName() ||
		!NOTLIKE.IsComparisonWord() || !HAS.IsComparisonWord() || AND.IsComparisonWord() || MATCHES.IsComparisonWord() {
		t.Error("kinds of true, false or the groups")
	}
}
