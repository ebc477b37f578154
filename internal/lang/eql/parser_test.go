package eql

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/testcorpus"
)

// dump writes a tree as an S-expression that shows its structure: the
// table below checks precedence, grouping and decoding with it.
func dump(n Node) string {
	var b strings.Builder
	dumpTo(&b, n)
	return b.String()
}

func dumpList(b *strings.Builder, xs []Expr) {
	for _, x := range xs {
		b.WriteByte(' ')
		dumpTo(b, x)
	}
}

func dumpTo(b *strings.Builder, n Node) {
	switch n := n.(type) {
	case *Query:
		if n.Head != nil {
			dumpTo(b, n.Head)
		}
		for _, p := range n.Pipes {
			b.WriteString(" |")
			dumpTo(b, p)
		}
	case *EventQuery:
		cat := "?"
		if n.Category != nil {
			cat = n.Category.Name
		}
		fmt.Fprintf(b, "(%s ", cat)
		dumpTo(b, n.Cond)
		b.WriteByte(')')
	case *Sequence:
		b.WriteString("(sequence")
		if n.By != nil {
			b.WriteString(" by")
			dumpList(b, n.By.Keys)
		}
		if n.MaxSpan != nil {
			fmt.Fprintf(b, " maxspan=%v", n.MaxSpan.Duration())
		}
		for _, s := range n.Steps {
			b.WriteByte(' ')
			dumpTo(b, s)
		}
		if n.Until != nil {
			b.WriteString(" until ")
			dumpTo(b, n.Until)
		}
		b.WriteByte(')')
	case *Sample:
		b.WriteString("(sample")
		if n.By != nil {
			b.WriteString(" by")
			dumpList(b, n.By.Keys)
		}
		for _, s := range n.Steps {
			b.WriteByte(' ')
			dumpTo(b, s)
		}
		b.WriteByte(')')
	case *Join:
		b.WriteString("(join")
		for _, s := range n.Steps {
			b.WriteByte(' ')
			dumpTo(b, s)
		}
		b.WriteByte(')')
	case *Step:
		if n.Missing {
			b.WriteByte('!')
		}
		b.WriteByte('[')
		if n.Query != nil {
			dumpTo(b, n.Query)
		}
		b.WriteByte(']')
		if n.By != nil {
			b.WriteString(" by")
			dumpList(b, n.By.Keys)
		}
		if n.Runs != nil {
			fmt.Fprintf(b, " runs=%d", n.Runs.N)
		}
	case *Pipe:
		fmt.Fprintf(b, "(%s", n.Name.Name)
		dumpList(b, n.Args)
		b.WriteByte(')')
	case *Field:
		var parts []string
		for _, p := range n.Parts {
			if p.IsIndex {
				parts = append(parts, fmt.Sprintf("[%d]", p.Index))
			} else {
				parts = append(parts, p.Name)
			}
		}
		opt := ""
		if n.Optional {
			opt = "?"
		}
		fmt.Fprintf(b, "%s%s", opt, strings.Join(parts, "/"))
	case *Literal:
		switch n.Kind {
		case LitString, LitRawString:
			fmt.Fprintf(b, "%q", n.Str)
		default:
			fmt.Fprintf(b, "%v", n.Value())
		}
	case *Logical:
		fmt.Fprintf(b, "(%s", n.Op)
		dumpList(b, n.Terms)
		b.WriteByte(')')
	case *Not:
		b.WriteString("(not ")
		dumpTo(b, n.X)
		b.WriteByte(')')
	case *Compare:
		fmt.Fprintf(b, "(%s ", n.Op)
		dumpTo(b, n.X)
		b.WriteByte(' ')
		dumpTo(b, n.Y)
		b.WriteByte(')')
	case *In:
		op := n.Op.String()
		if n.Negated {
			op = "not-" + op
		}
		fmt.Fprintf(b, "(%s ", op)
		dumpTo(b, n.X)
		dumpList(b, n.Values)
		b.WriteByte(')')
	case *Match:
		fmt.Fprintf(b, "(%s ", n.Op)
		dumpTo(b, n.X)
		dumpList(b, n.Values)
		b.WriteByte(')')
	case *Binary:
		fmt.Fprintf(b, "(%s ", n.Op)
		dumpTo(b, n.X)
		b.WriteByte(' ')
		dumpTo(b, n.Y)
		b.WriteByte(')')
	case *Unary:
		fmt.Fprintf(b, "(%s", n.Op)
		dumpTo(b, n.X)
		b.WriteByte(')')
	case *Paren:
		dumpTo(b, n.X)
	case *Call:
		fmt.Fprintf(b, "(%s", n.Name.Name)
		dumpList(b, n.AllArgs())
		b.WriteByte(')')
	case *Of:
		fmt.Fprintf(b, "(%s-of ", n.Relation.Name)
		dumpTo(b, n.Sub)
		b.WriteByte(')')
	case *BadExpr:
		b.WriteString("BAD")
	case *BadHead:
		b.WriteString("BADHEAD")
	}
}

var parseTests = []struct {
	name, src string
	tree      string // the dump, when the query is accepted
	err       string // the first error, line:col: message, when it is not
}{
	{"event", `process where process.name == "cmd.exe"`, `(process (== process/name "cmd.exe"))`, ""},
	{"any", `any where true`, `(any true)`, ""},
	{"category is any name", `my_events where x != null`, `(my_events (!= x <nil>))`, ""},
	{"and binds tighter than or", `a where x == 1 or y == 2 and z == 3`, `(a (or (== x 1) (and (== y 2) (== z 3))))`, ""},
	{"not binds looser than ==", `a where not x == 1 and y == 2`, `(a (and (not (== x 1)) (== y 2)))`, ""},
	{"not not", `a where not not x == 1`, `(a (not (not (== x 1))))`, ""},
	{"parentheses", `a where (x == 1 or y == 2) and z == 3`, `(a (and (or (== x 1) (== y 2)) (== z 3)))`, ""},
	{"colon list", `a where f : ("A*", "b?c")`, `(a (: f "A*" "b?c"))`, ""},
	{"colon one", `a where f:"x"`, `(a (: f "x"))`, ""},
	{"like like~ regex regex~", `a where f like "x*" and f like~ "y" and f regex ".*" and f regex~ ("a", "b")`,
		`(a (and (like f "x*") (like~ f "y") (regex f ".*") (regex~ f "a" "b")))`, ""},
	{"in in~ not in", `a where f in ("a", "b",) and g in~ ("c") and h not in (1, 2)`,
		`(a (and (in f "a" "b") (in~ g "c") (not-in h 1 2)))`, ""},
	{"not f in", `a where not f in ("a")`, `(a (not (in f "a")))`, ""},
	{"comparisons", `a where x < 1 and x <= 2.5 and x > -3 and x >= .5 and y != "z"`,
		`(a (and (< x 1) (<= x 2.5) (> x (-3)) (>= x 0.5) (!= y "z")))`, ""},
	{"arithmetic precedence", `a where x + y * 2 - z % 3 == 4`, `(a (== (- (+ x (* y 2)) (% z 3)) 4))`, ""},
	{"optional field", `a where ?process.code_signature.trusted == false`, `(a (== ?process/code_signature/trusted false))`, ""},
	{"array index", `a where process.args[0] == "x" and a.b[1].c == "y"`, `(a (and (== process/args/[0] "x") (== a/b/[1]/c "y")))`, ""},
	{"escaped names", "a where `my field` == 1 and x.`0`.y == 2", "(a (and (== my field 1) (== x/0/y 2)))", ""},
	{"string escapes", `a where f == "a\"b\\c\td\u{41}"`, `(a (== f "a\"b\\c\tdA"))`, ""},
	{"raw string", `a where f regex """C:\\Windows\d+"""`, `(a (regex f "C:\\\\Windows\\d+"))`, ""},
	{"raw string with quotes at the end", `a where f == """say "hi""""`, `(a (== f "say \"hi\""))`, ""},
	{"functions", `a where startsWith~(f, "x") and stringContains(g, "y") and length(h) > 3 and cidrMatch(ip, "10.0.0.0/8", "::1")`,
		`(a (and (startsWith~ f "x") (stringContains g "y") (> (length h) 3) (cidrMatch ip "10.0.0.0/8" "::1")))`, ""},
	{"function name case", `a where STRINGCONTAINS(f, "x")`, `(a (STRINGCONTAINS f "x"))`, ""},
	{"unknown function any args", `a where myFunc(f, 1, "x", g.h)`, `(a (myFunc f 1 "x" g/h))`, ""},
	{"method call", `a where f:length() > 0`, `(a (> (length f) 0))`, ""},
	{"descendant of", `process where descendant of [process where process.name == "x"]`, `(process (descendant-of [(process (== process/name "x"))]))`, ""},
	{"comments", "a where /* one */ x == 1 // two\n and y == 2", `(a (and (== x 1) (== y 2)))`, ""},
	{"sequence", `sequence by host.id with maxspan=5m [process where a == 1] by p.id [file where b == 2] by f.id`,
		`(sequence by host/id maxspan=5m0s [(process (== a 1))] by p/id [(file (== b 2))] by f/id)`, ""},
	{"sequence with before by", `sequence with maxspan=30s by host.id [a where true] [b where true]`,
		`(sequence by host/id maxspan=30s [(a true)] [(b true)])`, ""},
	{"sequence runs until", `sequence by u [a where x == 1] with runs=5 until [b where y == 2]`,
		`(sequence by u [(a (== x 1))] runs=5 until [(b (== y 2))])`, ""},
	{"missing event", `sequence with maxspan=1h [a where true] ![b where true]`, `(sequence maxspan=1h0m0s [(a true)] ![(b true)])`, ""},
	{"sample", `sample by host.id [a where true] [b where true]`, `(sample by host/id [(a true)] [(b true)])`, ""},
	{"pipes", `a where true | head 5 | tail 2 | filter x == 1 | unique a, b | count c | unique_count d | sort e f`,
		`(a true) |(head 5) |(tail 2) |(filter (== x 1)) |(unique a b) |(count c) |(unique_count d) |(sort e f)`, ""},
	{"keyword in another case", `a where x == 1 AND y == 2 Or NOT z == 3`, `(a (or (and (== x 1) (== y 2)) (not (== z 3))))`, ""},

	{"single quotes", `a where f == 'x'`, "", `1:14: strings are "..." or """...""" in EQL: the Elasticsearch syntax rejects single quotes`},
	{"raw ?string", `a where f == ?"x"`, "", `1:14: strings are "..." or """...""" in EQL: the Elasticsearch syntax rejects ?"...raw strings`},
	{"single equals", `a where f = "x"`, "", "1:11: use == to compare (the Elasticsearch syntax rejects =)"},
	{"bad escape", `a where f == "C:\Windows"`, "", `1:17: invalid escape \W in string (EQL knows \b \t \n \f \r \" \' \\ \u{...}; use """...""" for a raw string)`},
	{"unterminated string", "a where f == \"abc\n and g == 1", "", "1:14: string not terminated (strings end on their line)"},
	{"unterminated comment", "a where x == 1 /* and", "", "1:16: comment not terminated (no */)"},
	{"missing where", `process x == 1`, "", `1:9: unexpected name x, expected "where"`},
	{"missing category", `where x == 1`, "", "1:1: missing event category before where (process where ..., any where ...)"},
	{"no base query", `| head 1`, "", "1:1: missing base query: a query starts with an event query, sequence or sample, not a pipe"},
	{"empty", ``, "", "1:1: empty query"},
	{"unbalanced paren", `a where (x == 1`, "", `1:16: unexpected end of query, expected ")"`},
	{"extra paren", `a where x == 1)`, "", `1:15: unexpected ")", expected "|" or the end of the query`},
	{"chained comparison", `a where 1 < x < 3`, "", "1:15: comparisons do not chain: use and (a < b and b < c)"},
	{"colon takes strings", `a where x : 5`, "", "1:13: : takes strings, found a number"},
	{"maxspan unit", `sequence with maxspan=5 [a where true] [b where true]`, "", "1:23: missing time unit after maxspan=5 (ms, s, m, h, d)"},
	{"maxspan unknown unit", `sequence with maxspan=5y [a where true] [b where true]`, "", `1:24: unknown time unit "y" (EQL knows ms, s, m, h, d)`},
	{"runs one", `sequence [a where true] with runs=1 [b where true]`, "", "1:25: runs must be greater than 1"},
	{"by counts", `sequence [a where true] by x [b where true] by x, y`, "", "1:45: expected 1 by key(s) as the first step has, found 2"},
	{"missing needs maxspan", `sequence [a where true] ![b where true]`, "", "1:1: a sequence with a missing event (![...]) needs with maxspan=..."},
	{"keyword as field", `a where x.in == 1`, "", "1:9: \"in\" is a keyword and cannot name a field part (write `in`)"},
	{"unknown pipe", `a where true | top 3`, "", `1:16: unknown pipe "top" (EQL has head, tail, filter, count, unique, unique_count, sort)`},
	{"arity", `a where startsWith(x)`, "", "1:9: startsWith takes 2 argument(s), found 1"},
	{"type: string compared to arithmetic", `a where x * y == "s"`, "", "1:9: cannot compare a number to a string"},
	{"type: condition as string argument", `a where endsWith(x >= y, "z")`, "", "1:18: endsWith wants a string, found a boolean"},
	{"type: condition is a string", `a where "abc"`, "", "1:9: expected a condition, found a string"},
	{"illegal character", `a where x == 1 # y`, "", `1:16: unexpected illegal character "#", expected "|" or the end of the query`},
	{"error position in runes", "a where f == \"é\" and ,", "", `1:22: unexpected ",", expected a value (a field, a string, a number, a function call)`},
}

func TestParse(t *testing.T) {
	for _, tc := range parseTests {
		t.Run(tc.name, func(t *testing.T) {
			q, errs := Parse([]byte(tc.src))
			if tc.err == "" {
				if errs.HasErrors() {
					t.Fatalf("unexpected errors:\n%s", errs)
				}
				if got := dump(q); got != tc.tree {
					t.Errorf("tree\n got %s\nwant %s", got, tc.tree)
				}
				q2, errs2 := Parse([]byte(Print(q)))
				if errs2.HasErrors() || !Equal(q, q2) {
					t.Errorf("round trip: %q -> %v", Print(q), errs2.Err())
				}
				return
			}
			if !errs.HasErrors() {
				t.Fatalf("no error, want %q (tree %s)", tc.err, dump(q))
			}
			if got := errs[0].Error(); got != tc.err {
				t.Errorf("first error\n got %s\nwant %s\nall:\n%s", got, tc.err, errs)
			}
			checkSpans(t, tc.name, q, len(tc.src))
		})
	}
}

// TestRecovery checks that one bad clause does not spoil the rest: the
// good predicates around it are still in the tree.
func TestRecovery(t *testing.T) {
	src := `process where process.name == "a" and (x == ) and process.args : "b*" | head 5`
	q, errs := Parse([]byte(src))
	if !errs.HasErrors() {
		t.Fatal("no error")
	}
	got := dump(q)
	for _, want := range []string{`(== process/name "a")`, `(: process/args "b*")`, `(head 5)`, `BAD`} {
		if !strings.Contains(got, want) {
			t.Errorf("tree %s lacks %s", got, want)
		}
	}
	if f := Fields(q); strings.Join(f, ",") != "process.name,x,process.args" {
		t.Errorf("fields %v", f)
	}
}

func TestLexComments(t *testing.T) {
	toks := Lex([]byte("a where // c1\n x == 1 /* c2 */"))
	var kinds []string
	for _, tk := range toks {
		kinds = append(kinds, tk.Kind.String()+":"+tk.Text)
	}
	want := "name:a where:where comment:// c1 name:x ==:== integer:1 comment:/* c2 */ end of query:"
	if got := strings.Join(kinds, " "); got != want {
		t.Errorf("tokens\n got %s\nwant %s", got, want)
	}
	if !KwAnd.IsKeyword() || KwAnd.IsOperator() || !Eq.IsOperator() || !Path.IsLiteral() {
		t.Error("kind ranges are wrong")
	}
}

func TestPredicates(t *testing.T) {
	src := `sequence with maxspan=1m
  [process where not process.name : ("a*", "b") and ?x.y != null and not f not in~ ("q")]
  ![file where not length(file.name) > 3]
  until [any where startsWith~(g, "p")]`
	q, errs := Parse([]byte(src))
	if errs.HasErrors() {
		t.Fatal(errs)
	}
	var got []string
	for _, p := range Predicates(q) {
		got = append(got, fmt.Sprintf("%s %s%s %s %v ci=%v wc=%v neg=%v %s", p.Kind, p.Left, p.Name, p.Op, p.Values, p.CaseInsensitive, p.Wildcard, p.Negated, p.Where))
	}
	want := []string{
		"string_predicate process.name : [a* b] ci=true wc=true neg=true subquery",
		"comparison ?x.y != [<nil>] ci=false wc=false neg=false subquery",
		"in f not in~ [q] ci=true wc=false neg=false subquery",
		"comparison length(file.name) > [3] ci=false wc=false neg=true missing_subquery",
		"function length  [] ci=false wc=false neg=true missing_subquery",
		"function startsWith~  [p] ci=true wc=false neg=false until",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("predicates\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
}

// TestDeepNesting: 10,000-deep parentheses, nots and signs are an error,
// not a crash.
func TestDeepNesting(t *testing.T) {
	for name, src := range map[string]string{
		"parens": "a where " + strings.Repeat("(", 10000) + "x == 1" + strings.Repeat(")", 10000),
		"not":    "a where " + strings.Repeat("not ", 10000) + "x == 1",
		"sign":   "a where x == " + strings.Repeat("-(", 10000) + "1" + strings.Repeat(")", 10000),
		"calls":  "a where " + strings.Repeat("f(", 10000) + "x" + strings.Repeat(")", 10000),
		"in":     "a where x in " + strings.Repeat("(", 10000),
	} {
		q, errs := Parse([]byte(src))
		if !errs.HasErrors() {
			t.Errorf("%s: no error", name)
			continue
		}
		found := false
		for _, e := range errs {
			if strings.Contains(e.Msg, "nested more than 1000 deep") {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no depth error in %v", name, errs)
		}
		checkSpans(t, name, q, len(src))
	}
	ok := "a where " + strings.Repeat("(", 900) + "x == 1" + strings.Repeat(")", 900)
	if _, errs := Parse([]byte(ok)); errs.HasErrors() {
		t.Errorf("900 deep: %v", errs.Err())
	}
}

func FuzzParse(f *testing.F) {
	for _, tc := range parseTests {
		f.Add(tc.src)
	}
	if _, ok := testcorpus.Find("elastic", "rules"); ok {
		for i, c := range corpusQueries(f) {
			if i%10 == 0 {
				f.Add(c.Query)
			}
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		q, errs := Parse([]byte(src))
		if q == nil {
			t.Fatal("nil tree")
		}
		Inspect(q, func(n Node) bool {
			if sp := n.Span(); !sp.In(len(src)) {
				t.Fatalf("%T span %v outside the input (%d bytes)", n, sp, len(src))
			}
			return true
		})
		for _, e := range errs {
			if !e.Span.In(len(src)) || e.Line < 1 || e.Col < 1 {
				t.Fatalf("error %v badly placed", e)
			}
		}
		Fields(q)
		Predicates(q)
		if errs.HasErrors() {
			return
		}
		out := Print(q)
		q2, errs2 := Parse([]byte(out))
		if errs2.HasErrors() {
			t.Fatalf("printed query does not parse: %v\n%s", errs2.Err(), out)
		}
		if !Equal(q, q2) {
			t.Fatalf("printed query parses to another tree:\n%s\n%s\n%s", out, dump(q), dump(q2))
		}
	})
}
