package lucene

import (
	"fmt"
	"strings"
	"testing"
)

// dump prints a tree as an S-expression: (bool clause...), a clause as
// [conj] [mod] [field:] expr, with occurs computed (default operator OR):
// (must ...), (should ...), (must_not ...).
func dump(n Node) string {
	var b strings.Builder
	var rec func(Node)
	rec = func(n Node) {
		switch n := n.(type) {
		case *Query:
			if n.Body == nil {
				b.WriteString("(empty)")
				return
			}
			rec(n.Body)
		case *BooleanQuery:
			occ := n.Occurs(false)
			if len(n.Clauses) == 1 && occ[0] == Should {
				rec(n.Clauses[0])
				return
			}
			b.WriteString("(bool")
			for i, c := range n.Clauses {
				fmt.Fprintf(&b, " (%s ", occ[i])
				rec(c)
				b.WriteByte(')')
			}
			b.WriteByte(')')
		case *Clause:
			if n.Field != nil {
				fmt.Fprintf(&b, "%q:", n.Field.Name)
			}
			rec(n.X)
		case *Term:
			kinds := [...]string{"term", "star", "prefix", "wild", "regexp", "bare", "number"}
			fmt.Fprintf(&b, "%s%q", kinds[n.Kind], n.Value)
			if n.Fuzzy != nil {
				fmt.Fprintf(&b, "~%q", n.Fuzzy.Value())
			}
			if n.Boost != nil {
				fmt.Fprintf(&b, "^%s", n.Boost.Value())
			}
		case *Phrase:
			fmt.Fprintf(&b, "phrase%q", n.Value)
			if n.Fuzzy != nil {
				fmt.Fprintf(&b, "~%q", n.Fuzzy.Value())
			}
			if n.Boost != nil {
				fmt.Fprintf(&b, "^%s", n.Boost.Value())
			}
		case *Range:
			l, r := "{", "}"
			if n.LowerInclusive {
				l = "["
			}
			if n.UpperInclusive {
				r = "]"
			}
			fmt.Fprintf(&b, "range%s%q %q%s", l, n.Lower.Value, n.Upper.Value, r)
			if n.Boost != nil {
				fmt.Fprintf(&b, "^%s", n.Boost.Value())
			}
		case *Group:
			b.WriteString("(group ")
			rec(n.Body)
			b.WriteByte(')')
			if n.Boost != nil {
				fmt.Fprintf(&b, "^%s", n.Boost.Value())
			}
		case *BadExpr:
			b.WriteString("BAD")
		}
	}
	rec(n)
	return b.String()
}

// parseTests are inputs with their tree (dump) or first error, from the
// syntax of Lucene's classic query parser
// (https://lucene.apache.org/core/9_0_0/queryparser/org/apache/lucene/queryparser/classic/package-summary.html)
// and Elasticsearch's query string syntax
// (https://www.elastic.co/docs/reference/query-languages/query-dsl/query-dsl-query-string-query#query-string-syntax).
var parseTests = []struct {
	name, src, want, err string
}{
	{"empty", "", "(empty)", ""},
	{"term", "quick", `term"quick"`, ""},
	{"terms", "quick brown", `(bool (should term"quick") (should term"brown"))`, ""},
	{"field", "status:active", `"status":term"active"`, ""},
	{"field group", "title:(quick OR brown)", `"title":(group (bool (should term"quick") (should term"brown")))`, ""},
	{"phrase", `author:"John Smith"`, `"author":phrase"John Smith"`, ""},
	{"escaped space in field", `first\ name:Alice`, `"first name":term"Alice"`, ""},
	{"escaped star in field", `book.\*:(quick OR brown)`, `"book.*":(group (bool (should term"quick") (should term"brown")))`, ""},
	{"exists", "_exists_:title", `"_exists_":term"title"`, ""},
	{"wildcards", "qu?ck bro*", `(bool (should wild"qu?ck") (should prefix"bro"))`, ""},
	{"leading wildcard", "*ing", `wild"*ing"`, ""},
	{"star", "field:*", `"field":star"*"`, ""},
	{"match all", "*:*", `"*":star"*"`, ""},
	{"regexp", "name:/joh?n(ath[oa]n)/", `"name":regexp"joh?n(ath[oa]n)"`, ""},
	{"regexp escaped slash", `path:/a\/b/`, `"path":regexp"a\\/b"`, ""},
	{"fuzzy", "quikc~ brwn~ foks~", `(bool (should term"quikc"~"") (should term"brwn"~"") (should term"foks"~""))`, ""},
	{"fuzzy distance", "quikc~1", `term"quikc"~"1"`, ""},
	{"proximity", `"fox quick"~5`, `phrase"fox quick"~"5"`, ""},
	{"range inclusive", "count:[1 TO 5]", `"count":range["1" "5"]`, ""},
	{"range exclusive", "tag:{alpha TO omega}", `"tag":range{"alpha" "omega"}`, ""},
	{"range open", "count:[10 TO *]", `"count":range["10" "*"]`, ""},
	{"range mixed", "count:[1 TO 5}", `"count":range["1" "5"}`, ""},
	{"range dates", "date:{* TO 2012-01-01}", `"date":range{"*" "2012-01-01"}`, ""},
	{"range quoted", `date:["2012-01-01 00:00" TO "2012-12-31"]`, `"date":range["2012-01-01 00:00" "2012-12-31"]`, ""},
	{"comparison", "age:>=10", `"age":term">=10"`, ""},
	{"comparison group", "age:(>=10 AND <20)", `"age":(group (bool (must term">=10") (must term"<20")))`, ""},
	{"boost", "quick^2 fox", `(bool (should term"quick"^2) (should term"fox"))`, ""},
	{"boost phrase group", `"john smith"^2 (foo bar)^4`, `(bool (should phrase"john smith"^2) (should (group (bool (should term"foo") (should term"bar")))^4))`, ""},
	{"boost then fuzzy", "a^2~1", `term"a"~"1"^2`, ""},
	{"boost decimal", "a^0.5", `term"a"^0.5`, ""},
	{"plus minus", "quick brown +fox -news", `(bool (should term"quick") (should term"brown") (must term"fox") (must_not term"news"))`, ""},
	{"and or precedence", "a OR b AND c", `(bool (should term"a") (must term"b") (must term"c"))`, ""},
	{"and not", "a AND NOT b", `(bool (must term"a") (must_not term"b"))`, ""},
	{"symbols", "a && b || !c", `(bool (must term"a") (must term"b") (must_not term"c"))`, ""},
	{"lower-case words are terms", "a and b or not c", `(bool (should term"a") (should term"and") (should term"b") (should term"or") (should term"not") (should term"c"))`, ""},
	{"keyword prefix is a term", "ANDroid ORacle NOTe", `(bool (should term"ANDroid") (should term"ORacle") (should term"NOTe"))`, ""},
	{"&& before a word is a term", "&&x", `term"&&x"`, ""},
	{"nested groups", "((quick AND fox) OR (brown AND fox) OR fox) AND NOT news", `(bool (must (group (bool (should (group (bool (must term"quick") (must term"fox")))) (should (group (bool (must term"brown") (must term"fox")))) (should term"fox")))) (must_not term"news"))`, ""},
	{"hyphen inside a term", "foo-bar", `term"foo-bar"`, ""},
	{"escapes", `\(1\+1\)\=2`, `term"(1+1)=2"`, ""},
	{"unicode escape", `caf\u00e9`, `term"café"`, ""},
	{"escaped wildcard is a term", `a\*b`, `term"a*b"`, ""},
	{"escaped star in a prefix", `a\*b*`, `prefix"a*b"`, ""},
	{"escaped star in a pattern", `a\*b?`, `wild"a\\*b?"`, ""},
	{"bare operator", "a + b", `(bool (should term"a") (should bare"+") (should term"b"))`, ""},
	{"field on a quoted phrase with slop", `body:"a b"~2^3`, `"body":phrase"a b"~"2"^3`, ""},
	{"windows path", `process.executable:C\:\\Windows\\*`, `"process.executable":prefix"C:\\Windows\\"`, ""},
	{"phrase escapes", `f:"say \"hi\""`, `"f":phrase"say \"hi\""`, ""},
	{"ideographic space", "a\u3000b", `(bool (should term"a") (should term"b"))`, ""},
	{"unterminated phrase", `f:"abc`, "", `1:3: unterminated phrase`},
	{"unterminated regexp", `f:/abc`, "", `1:3: unterminated regular expression`},
	{"unclosed group", "(a OR b", "", `1:8: unexpected end of query, expected ")"`},
	{"stray close", "a)", "", `1:2: unexpected ")", expected a clause, AND, OR or end of query`},
	{"stray bracket", "a]", "", `1:2: unexpected "]", expected a term, a phrase, a range or "("`},
	{"range without TO", "f:[1 5]", "", `1:6: unexpected range bound "5", expected TO`},
	{"range unclosed", "f:[1 TO 5", "", `1:10: unexpected end of query, expected "]" or "}"`},
	{"lower-case to", "f:[1 to 5]", "", `1:6: unexpected range bound "to", expected TO`},
	{"boost without number", "a^x", "", `1:3: unexpected "x", expected a number after ^`},
	{"boost with space", "a^ 2", "", `1:3: unexpected " ", expected a number after ^`},
	{"and first", "AND a", "", `1:1: AND with no clause before it`},
	{"and at the end", "a AND", "", `1:6: unexpected end of query, expected a term, a phrase, a range or "("`},
	{"not not", "NOT NOT a", "", `1:5: unexpected NOT, expected a term, a phrase, a range or "("`},
	{"double colon", "a:b:c", "", `1:4: unexpected ":", expected a term, a phrase, a range or "("`},
	{"quoted field", `"a b":c`, "", `1:6: a field name cannot be a pattern or a phrase: escape its * and ? (book.\*:x)`},
	{"wildcard field", `a.*.b:c`, "", `1:6: a field name cannot be a pattern or a phrase: escape its * and ? (book.\*:x)`},
	{"empty group", "()", "", `1:2: unexpected ")", expected a clause`},
	{"trailing escape", `a\`, "", `1:2: unexpected "\\", expected a term, a phrase, a range or "("`},
	{"bad unicode escape", `a\u12`, "", `1:1: truncated unicode escape sequence`},
	{"error on line 2", "a AND\nb:(c", "", `2:5: unexpected end of query, expected ")"`},
}

func TestParse(t *testing.T) {
	for _, tc := range parseTests {
		t.Run(tc.name, func(t *testing.T) {
			q, errs := Parse([]byte(tc.src))
			checkSpans(t, tc.name, q)
			if tc.err != "" {
				if len(errs) == 0 {
					t.Fatalf("no error, tree %s; want %s", dump(q), tc.err)
				}
				if got := errs[0].Error(); got != tc.err {
					t.Fatalf("first error:\n got  %s\n want %s", got, tc.err)
				}
				return
			}
			if len(errs) > 0 {
				t.Fatalf("errors: %v", errs)
			}
			if got := dump(q); got != tc.want {
				t.Fatalf("tree:\n got  %s\n want %s", got, tc.want)
			}
			q2, errs := Parse([]byte(Print(q)))
			if len(errs) > 0 || !Equal(q, q2) {
				t.Fatalf("Print %q does not parse back to the same tree: %v, %s", Print(q), errs, dump(q2))
			}
		})
	}
}

// checkSpans checks that every node's span lies inside the query.
func checkSpans(t testing.TB, name string, q *Query) {
	t.Helper()
	Inspect(q, func(n Node) bool {
		if sp := n.Span(); !sp.In(len(q.Src)) {
			t.Errorf("%s: %T span %v outside the query (%d bytes)", name, n, sp, len(q.Src))
		}
		return true
	})
}

// TestRecovery checks that one bad clause leaves the others in the tree.
func TestRecovery(t *testing.T) {
	q, errs := Parse([]byte(`a:1 AND b:] AND c:[1 5] AND (d OR e:) AND f:"x"`))
	if len(errs) != 3 {
		t.Errorf("%d errors, want 3: %v", len(errs), errs)
	}
	want := `(bool (must "a":term"1") (must "b":BAD) (must "c":BAD) (must (group (bool (should term"d") (should "e":BAD)))) (must "f":phrase"x"))`
	if got := dump(q); got != want {
		t.Errorf("tree:\n got  %s\n want %s", got, want)
	}
	if got := strings.Join(Fields(q), ","); got != "a,f" {
		t.Errorf("fields of the partial tree: %s", got)
	}
}

// TestDeepNesting checks that 10,000 nested groups are one error, not a
// crash, and that MaxDepth levels are read.
func TestDeepNesting(t *testing.T) {
	const n = 10000
	for _, src := range []string{
		strings.Repeat("(", n) + "a" + strings.Repeat(")", n),
		strings.Repeat("(", n),
		strings.Repeat("f:(", n) + "a" + strings.Repeat(")", n),
	} {
		q, errs := Parse([]byte(src))
		if !strings.Contains(errs.String(), "nesting deeper than 1000") {
			t.Errorf("%.20s...: errors %v, want nesting deeper than 1000", src, errs)
		}
		checkSpans(t, "deep", q)
	}
	ok := strings.Repeat("(", MaxDepth) + "a" + strings.Repeat(")", MaxDepth)
	if _, errs := Parse([]byte(ok)); len(errs) > 0 {
		t.Errorf("%d levels: %v", MaxDepth, errs)
	}
}

// TestPredicates checks the predicates of a query with every kind.
func TestPredicates(t *testing.T) {
	q, errs := Parse([]byte(`event.code:4624 AND NOT user:(admin OR "svc acct") AND proc:*.exe AND _exists_:host AND f:* AND n:[1 TO *} AND age:>=10 AND r:/a.c/ AND fz:abc~2 AND p:pre* AND -x:y`))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var got []string
	for _, p := range Predicates(q) {
		s := fmt.Sprintf("%s %s %q %s neg=%v", p.Kind, p.Field, p.Value, p.Occur, p.Negated)
		if p.Kind == PredRange {
			s += fmt.Sprintf(" [%q %v %v %q %v %v]", p.Lower, p.LowerInclusive, p.LowerOpen, p.Upper, p.UpperInclusive, p.UpperOpen)
		}
		if p.Slop != "" {
			s += " slop=" + p.Slop
		}
		got = append(got, s)
	}
	want := []string{
		`term event.code "4624" must neg=false`,
		`term user "admin" should neg=true`,
		`phrase user "svc acct" should neg=true`,
		`wildcard proc "*.exe" must neg=false`,
		`exists _exists_ "host" must neg=false`,
		`exists f "f" must neg=false`,
		`range n "" must neg=false ["1" true false "" false true]`,
		`range age "" must neg=false ["10" true false "" false true]`,
		`regexp r "a.c" must neg=false`,
		`fuzzy fz "abc" must neg=false slop=2`,
		`prefix p "pre" must neg=false`,
		`term x "y" must_not neg=true`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("predicates:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := strings.Join(Fields(q), ","); got != "age,event.code,f,fz,host,n,p,proc,r,user,x" {
		t.Errorf("fields: %s", got)
	}
}

// TestOccursDefaultAnd checks Lucene's addClause with the default operator AND.
func TestOccursDefaultAnd(t *testing.T) {
	q, _ := Parse([]byte("a b OR c -d"))
	var got []string
	for _, o := range q.Body.Occurs(true) {
		got = append(got, o.String())
	}
	if s := strings.Join(got, " "); s != "must should should must_not" {
		t.Errorf("occurs: %s", s)
	}
}

// TestLex checks token kinds and lexical states.
func TestLex(t *testing.T) {
	var got []string
	for _, tk := range Lex([]byte(`f:[a TO "b c"} AND x^2 ~1 /r/ - y&&z`)) {
		got = append(got, tk.Kind.String()+" "+tk.Text)
	}
	want := `term f|":" :|"[" [|range bound a|TO TO|quoted range bound "b c"|"}" }|AND AND|term x|"^" ^|number 2|"~" ~1|regular expression /r/|bare operator - |term y&&z|end of query `
	if s := strings.Join(got, "|"); s != want {
		t.Errorf("tokens:\n got  %s\n want %s", s, want)
	}
}
