package kuery

import (
	"fmt"
	"strings"
	"testing"
)

// dump prints a tree as an S-expression, close to Kibana's KueryNode
// functions: (and ...), (or ...), (not x), (group x), (is field value),
// (range field op value), (nested path query), values as Go strings with
// flags: q quoted, w wildcard (star offsets), t typed.
func dump(n Node) string {
	var b strings.Builder
	var rec func(Node)
	rec = func(n Node) {
		switch n := n.(type) {
		case *Query:
			if n.X == nil {
				b.WriteString("(empty)")
				return
			}
			rec(n.X)
		case *BoolExpr:
			b.WriteString("(" + n.Op.String())
			for _, x := range n.Args {
				b.WriteByte(' ')
				rec(x)
			}
			b.WriteByte(')')
		case *ValueBool:
			b.WriteString("(" + n.Op.String())
			for _, x := range n.Args {
				b.WriteByte(' ')
				rec(x)
			}
			b.WriteByte(')')
		case *NotExpr:
			b.WriteString("(not ")
			rec(n.X)
			b.WriteByte(')')
		case *ValueNot:
			b.WriteString("(not ")
			rec(n.X)
			b.WriteByte(')')
		case *ParenExpr:
			b.WriteString("(group ")
			rec(n.X)
			b.WriteByte(')')
		case *ValueGroup:
			b.WriteString("(list ")
			rec(n.X)
			b.WriteByte(')')
		case *Match:
			b.WriteString("(is ")
			if n.Field == nil {
				b.WriteString("-")
			} else {
				rec(n.Field)
			}
			b.WriteByte(' ')
			rec(n.Value)
			b.WriteByte(')')
		case *Range:
			fmt.Fprintf(&b, "(range ")
			rec(n.Field)
			fmt.Fprintf(&b, " %s ", rangeOps[n.Op-Lt])
			rec(n.Value)
			b.WriteByte(')')
		case *Nested:
			b.WriteString("(nested ")
			rec(n.Field)
			b.WriteByte(' ')
			rec(n.X)
			b.WriteByte(')')
		case *Literal:
			fmt.Fprintf(&b, "%q", n.Value)
			if n.Quoted {
				b.WriteString("q")
			}
			if n.Wildcard() {
				fmt.Fprintf(&b, "w%v", n.Stars)
			}
			if n.Type != LitString {
				b.WriteString("t")
			}
		case *BadExpr, *BadValue:
			b.WriteString("BAD")
		}
	}
	rec(n)
	return b.String()
}

// parseTests are inputs with the tree (dump) or the first error (line:col:
// message) Kibana's grammar makes of them; FuzzParse starts from them too.
var parseTests = []struct {
	name, src, want, err string
}{
	{"empty", "", "(empty)", ""},
	{"spaces", "  \n ", "(empty)", ""},
	{"field value", "f:v", `(is "f" "v")`, ""},
	{"spaced", " f : v ", `(is "f" "v")`, ""},
	{"quoted", `f:"a b"`, `(is "f" "a b"q)`, ""},
	{"quoted field", `"my field":x`, `(is "my field"q "x")`, ""},
	{"free text", "hello", `(is - "hello")`, ""},
	{"free text words", "hello big world", `(is - "hello big world")`, ""},
	{"several words", "f: a b  c", `(is "f" "a b  c")`, ""},
	{"field with spaces", "a b: c", `(is "a b" "c")`, ""},
	{"and", "a:1 and b:2", `(and (is "a" "1") (is "b" "2"))`, ""},
	{"AND upper", "a:1 AND b:2", `(and (is "a" "1") (is "b" "2"))`, ""},
	{"mixed case", "a:1 aNd b:2 Or c:3", `(or (and (is "a" "1") (is "b" "2")) (is "c" "3"))`, ""},
	{"precedence", "a:1 or b:2 and c:3", `(or (is "a" "1") (and (is "b" "2") (is "c" "3")))`, ""},
	{"not binds tightest", "not a:1 and b:2", `(and (not (is "a" "1")) (is "b" "2"))`, ""},
	{"NOT", "NOT a:1", `(not (is "a" "1"))`, ""},
	{"group", "(a:1 or b:2) and c:3", `(and (group (or (is "a" "1") (is "b" "2"))) (is "c" "3"))`, ""},
	{"nary", "a or b or c", `(or (is - "a") (is - "b") (is - "c"))`, ""},
	{"value list", "f:(a or b and c)", `(is "f" (list (or "a" (and "b" "c"))))`, ""},
	{"value list not", "f:(a and not b)", `(is "f" (list (and "a" (not "b"))))`, ""},
	{"nested list", "f:(a or (b and c))", `(is "f" (list (or "a" (list (and "b" "c")))))`, ""},
	{"exists", "f:*", `(is "f" "*"w[0])`, ""},
	{"wildcards", `f:*.exe`, `(is "f" "*.exe"w[0])`, ""},
	{"field wildcard", `a.*.b:x`, `(is "a.*.b"w[2] "x")`, ""},
	{"quoted star", `f:"*"`, `(is "f" "*"q)`, ""},
	{"escaped star", `f:a\*b*`, `(is "f" "a*b*"w[3])`, ""},
	{"escapes", `f:a\:b\(c\)\\d\"e`, `(is "f" "a:b(c)\\d\"e")`, ""},
	{"escaped keyword", `f:a \or b`, `(is "f" "a or b")`, ""},
	{"escaped NOT", `f:\NOT x`, `(is "f" "NOT x")`, ""},
	{"escaped n before ot", `f:a\not`, `(is "f" "a\not")`, ""},
	{"escapes trimmed", `f:\not`, `(is "f" "ot")`, ""},
	{"unicode escape", `f:caf\u00e9`, `(is "f" "café")`, ""},
	{"quoted escapes", `f:"a\"b\\c\td\x"`, `(is "f" "a\"b\\c\td\\x"q)`, ""},
	{"quoted backslash", `f:"C:\Windows"`, `(is "f" "C:\\Windows"q)`, ""},
	{"booleans", "f:true and g:false and h:null", `(and (is "f" "true"t) (is "g" "false"t) (is "h" "null"t))`, ""},
	{"quoted true", `f:"true"`, `(is "f" "true"q)`, ""},
	{"range", "f >= 10", `(range "f" >= "10")`, ""},
	{"range tight", `f<"2020-01-01"`, `(range "f" < "2020-01-01"q)`, ""},
	{"range value starting with =", "f > =x", `(range "f" > "=x")`, ""},
	{"range gt", "f>1.5 and g<=2", `(and (range "f" > "1.5") (range "g" <= "2"))`, ""},
	{"nested", "a:{ b:1 and c:2 }", `(nested "a" (and (is "b" "1") (is "c" "2")))`, ""},
	{"nested in nested", "a:{ b:{ c:1 } }", `(nested "a" (nested "b" (is "c" "1")))`, ""},
	{"or at the end is a word", "f:a or", `(is "f" "a or")`, ""},
	{"and without space after", "f:a and(b)", "", `1:8: unexpected "(", expected AND, OR or end of query`},
	{"first word or", "f: or x", `(is "f" "or x")`, ""},
	{"first word and after and", "a and and b", `(and (is - "a") (is - "and b"))`, ""},
	{"not inside a word", "f: cannot x", "", `1:7: unexpected NOT, expected AND, OR or end of query`},
	{"not at the end", "f: a not", `(is "f" "a not")`, ""},
	{"notx is a word", "f: notx", `(is "f" "notx")`, ""},
	{"nbsp", "f:a\u00a0and\u00a0g:b", `(and (is "f" "a") (is "g" "b"))`, ""},
	{"equals is a character", "f = 10", `(is - "f = 10")`, ""},
	{"not not", "not not a", "", `1:5: NOT NOT: Kibana's grammar takes one NOT before a clause; write not (not ...)`},
	{"not without space", "not(a)", "", `1:4: unexpected "(", expected AND, OR or end of query`},
	{"trailing or and space", "a or ", "", `1:6: unexpected end of query, expected a field, a value, NOT or "("`},
	{"or before a closing parenthesis", "(a or )", "", `1:7: unexpected ")", expected a field, a value, NOT or "("`},
	{"value after not", "f: not x", "", `1:4: unexpected NOT, expected a value or "("`},
	{"unclosed paren", "(a:1", "", `1:5: unexpected end of query, expected ")"`},
	{"unclosed list", "f:(a or b", "", `1:10: unexpected end of query, expected AND, OR or ")"`},
	{"unclosed brace", "a:{ b:1 ", "", `1:9: unexpected end of query, expected "}"`},
	{"unterminated string", `f:"abc`, "", `1:3: unterminated quoted string`},
	{"bad escape", `f:a\x`, "", `1:4: unexpected "\\" (a backslash escapes only \ ( ) : < > " * { }, \t \r \n, \uXXXX and \and \or \not), expected AND, OR or end of query`},
	{"colon in value", "f:a:b", "", `1:4: unexpected ":", expected AND, OR or end of query`},
	{"stray close", "a:1)", "", `1:4: unexpected ")", expected AND, OR or end of query`},
	{"missing value", "f:", "", `1:3: unexpected end of query, expected a value or "("`},
	{"missing range value", "f >=", "", `1:5: unexpected end of query, expected a value`},
	{"empty group", "()", "", `1:2: unexpected ")", expected a query`},
	{"quoted then word", `f:"a" b`, "", `1:7: unexpected "b", expected AND, OR or end of query`},
	{"error on line 2", "a:1 and\nb:(c d", "", `2:7: unexpected end of query, expected AND, OR or ")"`},
	{"recovery keeps the rest", "a:1 and b:c:d and e:f", "", `1:12: unexpected ":", expected AND, OR or end of query`},
}

// TestParse reads each input and compares the tree (dump) or the first
// error (line:col: message) with what Kibana's grammar
// (packages/kbn-es-query/src/kuery/grammar/grammar.peggy) makes of it.
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

// TestRecovery checks that one bad clause leaves the others in the tree.
func TestRecovery(t *testing.T) {
	q, errs := Parse([]byte("a:1 and b:c:d and (e:f or g:) and h:{ i:1"))
	if len(errs) != 3 {
		t.Errorf("%d errors, want 3: %v", len(errs), errs)
	}
	got := dump(q)
	want := `(and (is "a" "1") (is "b" "c") BAD (group (or (is "e" "f") (is "g" BAD))) (nested "h" (is "i" "1")))`
	if got != want {
		t.Errorf("tree:\n got  %s\n want %s", got, want)
	}
	fields := Fields(q)
	if strings.Join(fields, ",") != "a,b,e,g,h,h.i" {
		t.Errorf("fields of the partial tree: %q", fields)
	}
}

// TestDeepNesting checks that 10,000 nested groups, negations and value
// lists are one error, not a crash, and that MaxDepth levels are read.
func TestDeepNesting(t *testing.T) {
	const n = 10000
	for _, src := range []string{
		strings.Repeat("(", n) + "a:1" + strings.Repeat(")", n),
		strings.Repeat("not ", n) + "a",
		"f:" + strings.Repeat("(", n) + "a" + strings.Repeat(")", n),
		"f:(" + strings.Repeat("not ", n) + "a)",
		strings.Repeat("a:{ ", n) + "b:1" + strings.Repeat(" }", n),
		strings.Repeat("(", n),
	} {
		q, errs := Parse([]byte(src))
		if len(errs) == 0 || !strings.Contains(errs.String(), "nesting deeper than 1000") {
			t.Errorf("%.20s...: errors %v, want nesting deeper than 1000", src, errs)
		}
		checkSpans(t, "deep", q)
	}
	ok := strings.Repeat("(", MaxDepth) + "a:1" + strings.Repeat(")", MaxDepth)
	if _, errs := Parse([]byte(ok)); len(errs) > 0 {
		t.Errorf("%d levels: %v", MaxDepth, errs)
	}
}

// TestPredicates checks the predicates of a query with every kind, and the
// negation parity.
func TestPredicates(t *testing.T) {
	q, errs := Parse([]byte(`a:x and not b:(y or not "z") and c:* and not (d >= 5 or e:{ f:g* }) and free`))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var got []string
	for _, p := range Predicates(q) {
		s := fmt.Sprintf("%s %s %q neg=%v", p.Kind, p.Field, p.Value, p.Negated)
		if p.Wildcard() {
			s += " w"
		}
		if p.Nested != "" {
			s += " in " + p.Nested
		}
		got = append(got, s)
	}
	want := []string{
		`is a "x" neg=false`,
		`is b "y" neg=true`,
		`is b "z" neg=false`,
		`exists c "" neg=false`,
		`range d "5" neg=true`,
		`is e.f "g*" neg=true w in e`,
		`is  "free" neg=false`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("predicates:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	lit := &Literal{Value: `a*b?c\*`, Stars: []int{1}}
	if p := lit.Pattern(); p != `a*b\?c\\\*` {
		t.Errorf("Pattern = %q", p)
	}
}

// TestLex checks the token kinds, keywords by their white space.
func TestLex(t *testing.T) {
	toks := Lex([]byte(`f:(a or b) AND not g >= "x" orx and\ or a\x`))
	var got []string
	for _, tk := range toks {
		got = append(got, tk.Kind.String()+" "+tk.Text)
	}
	s := strings.Join(got, "|")
	if !strings.HasPrefix(s, `value f|":" :|"(" (|value a|OR or|value b|")" )|AND AND|NOT not|value g|">=" >=|quoted string "x"|value orx|`) {
		t.Errorf("tokens: %s", s)
	}
	if !strings.HasSuffix(s, `|value a|illegal character \|value x|end of query `) {
		t.Errorf("tokens: %s", s)
	}
	for _, tk := range toks {
		if tk.Kind.IsKeyword() != (tk.Kind == And || tk.Kind == Or || tk.Kind == Not) || tk.Kind.IsOperator() && tk.Kind.IsLiteral() {
			t.Errorf("kind ranges wrong for %v", tk.Kind)
		}
	}
}
