package esql_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/lang/esql"
)

// sexpr prints the structure of an expression, every operator node in
// parentheses, to show how the parser grouped it.
func sexpr(x esql.Node) string {
	switch x := x.(type) {
	case *esql.BinaryExpr:
		return "(" + x.Op.String() + " " + sexpr(x.X) + " " + sexpr(x.Y) + ")"
	case *esql.UnaryExpr:
		return "(" + x.Op.String() + " " + sexpr(x.X) + ")"
	case *esql.ParenExpr:
		return sexpr(x.X)
	case *esql.CastExpr:
		return "(:: " + sexpr(x.X) + " " + x.Type + ")"
	case *esql.InExpr:
		var b strings.Builder
		b.WriteString("(")
		if x.Not {
			b.WriteString("NOT ")
		}
		b.WriteString("IN " + sexpr(x.X))
		for _, v := range x.List {
			b.WriteString(" " + sexpr(v))
		}
		return b.String() + ")"
	case *esql.LikeExpr:
		var b strings.Builder
		b.WriteString("(")
		if x.Not {
			b.WriteString("NOT ")
		}
		b.WriteString(x.Op.String() + " " + sexpr(x.X))
		for _, v := range x.Patterns {
			b.WriteString(" " + sexpr(v))
		}
		return b.String() + ")"
	case *esql.IsNullExpr:
		if x.Not {
			return "(IS NOT NULL " + sexpr(x.X) + ")"
		}
		return "(IS NULL " + sexpr(x.X) + ")"
	case *esql.MatchExpr:
		return "(: " + sexpr(x.Field) + " " + sexpr(x.Query) + ")"
	case *esql.Literal:
		if x.Kind == esql.LitString {
			return fmt.Sprintf("%q", x.Value)
		}
		return x.Raw
	case *esql.Duration:
		return "(duration " + x.Value.Raw + " " + x.Unit + ")"
	case *esql.FieldRef:
		return "$" + x.Name.String()
	case *esql.Call:
		var b strings.Builder
		b.WriteString(x.Lower() + "(")
		if x.Star {
			b.WriteString("*")
		}
		for i, a := range x.Args {
			if i > 0 {
				b.WriteString(" ")
			}
			b.WriteString(sexpr(a))
		}
		if x.Options != nil {
			b.WriteString(" " + esql.Print(x.Options))
		}
		return b.String() + ")"
	case *esql.BadExpr:
		return "BAD"
	case esql.Expr:
		return esql.Print(x)
	}
	return fmt.Sprintf("%T", x)
}

// parseTests is the table of TestParse, and the fuzz seeds.
var parseTests = []struct {
	name, src string
	print     string // Print of the tree, "" to skip
	expr      string // sexpr of the WHERE condition or EVAL's first value, "" to skip
	err       string // the first error, "" when none
}{
	// commands
	{name: "from", src: "FROM logs-*", print: "FROM logs-*"},
	{name: "from several, metadata", src: "from logs-endpoint.events.*, .ds-logs-*-2024.01.01 metadata _id, _index, _version",
		print: "FROM logs-endpoint.events.*, .ds-logs-*-2024.01.01 METADATA _id, _index, _version"},
	{name: "from cluster and selector", src: "FROM remote:logs-*, logs::failures, \"quoted-*\"", print: `FROM remote:logs-*, logs::failures, "quoted-*"`},
	{name: "from date math", src: "FROM <logs-{now/d}>", print: "FROM <logs-{now/d}>"},
	{name: "ts", src: "TS metrics-*", print: "TS metrics-*"},
	{name: "row", src: "ROW a = 1, b = \"two\", c = [1, 2], d = null", print: `ROW a = 1, b = "two", c = [1, 2], d = null`},
	{name: "show", src: "show info", print: "SHOW info"},
	{name: "where", src: "FROM i | WHERE a == 1", print: "FROM i | WHERE a == 1", expr: "(== $a 1)"},
	{name: "eval", src: "FROM i | EVAL x = a + 1, b * 2", print: "FROM i | EVAL x = a + 1, b * 2", expr: "(+ $a 1)"},
	{name: "stats by", src: "FROM i | STATS c = COUNT(*), m = max(x) BY host.name, b = BUCKET(@timestamp, 1 hour)",
		print: "FROM i | STATS c = COUNT(*), m = max(x) BY host.name, b = BUCKET(@timestamp, 1 hour)"},
	{name: "stats where", src: "FROM i | STATS c = COUNT(*) WHERE x > 1, d = COUNT(*) BY h",
		print: "FROM i | STATS c = COUNT(*) WHERE x > 1, d = COUNT(*) BY h"},
	{name: "stats by only", src: "FROM i | STATS BY h", print: "FROM i | STATS BY h"},
	{name: "inline stats", src: "FROM i | inline stats c = count(*) by h", print: "FROM i | INLINE STATS c = count(*) BY h"},
	{name: "inlinestats", src: "FROM i | INLINESTATS c = count(*) by h", print: "FROM i | INLINESTATS c = count(*) BY h"},
	{name: "keep drop patterns", src: "FROM i | KEEP host.*, `a b`, @timestamp | DROP *.id", print: "FROM i | KEEP host.*, `a b`, @timestamp | DROP *.id"},
	{name: "rename both forms", src: "FROM i | RENAME a AS b, c = d", print: "FROM i | RENAME a AS b, c = d"},
	{name: "sort", src: "FROM i | SORT a DESC NULLS LAST, b asc, c nulls first", print: "FROM i | SORT a DESC NULLS LAST, b ASC, c NULLS FIRST"},
	{name: "limit", src: "FROM i | LIMIT 10", print: "FROM i | LIMIT 10"},
	{name: "dissect", src: `FROM i | DISSECT message "%{a} %{b}" APPEND_SEPARATOR = "-"`, print: `FROM i | DISSECT message "%{a} %{b}" APPEND_SEPARATOR = "-"`},
	{name: "grok", src: `FROM i | GROK message """%{IP:ip} %{WORD:w}"""`, print: `FROM i | GROK message """%{IP:ip} %{WORD:w}"""`},
	{name: "mv_expand", src: "FROM i | MV_EXPAND process.args", print: "FROM i | MV_EXPAND process.args"},
	{name: "enrich", src: "FROM i | ENRICH languages_policy ON a WITH name = language_name, code", print: "FROM i | ENRICH languages_policy ON a WITH name = language_name, code"},
	{name: "enrich remote policy", src: "FROM i | ENRICH _remote:pol", print: "FROM i | ENRICH _remote:pol"},
	{name: "lookup join", src: "FROM i | LOOKUP JOIN threat_list ON source.ip", print: "FROM i | LOOKUP JOIN threat_list ON source.ip"},
	{name: "lookup join condition", src: "FROM i | lookup join t ON a == b AND c > 1", print: "FROM i | LOOKUP JOIN t ON a == b AND c > 1"},
	{name: "change_point", src: "FROM i | CHANGE_POINT v ON k AS t, p", print: "FROM i | CHANGE_POINT v ON k AS t, p"},
	{name: "completion", src: `FROM i | COMPLETION r = CONCAT("q", x) WITH { "inference_id": "m" }`, print: `FROM i | COMPLETION r = CONCAT("q", x) WITH {"inference_id": "m"}`},
	{name: "rerank", src: `FROM i | RERANK "q" ON title, body WITH {"inference_id": "r"}`, print: `FROM i | RERANK "q" ON title, body WITH {"inference_id": "r"}`},
	{name: "sample", src: "FROM i | SAMPLE 0.1", print: "FROM i | SAMPLE 0.1"},
	{name: "fork", src: "FROM i | FORK (WHERE a > 1 | SORT a) (WHERE b | LIMIT 5) | KEEP _fork", print: "FROM i | FORK (WHERE a > 1 | SORT a) (WHERE b | LIMIT 5) | KEEP _fork"},
	{name: "comments", src: "FROM i // the index\n/* block /* nested */ */ | WHERE a // c\n", print: "FROM i | WHERE a"},
	{name: "keywords any case", src: "from i | wHeRe NOT a Is NoT nUlL aNd b", print: "FROM i | WHERE NOT a IS NOT NULL AND b", expr: "(AND (NOT (IS NOT NULL $a)) $b)"},

	// expressions and precedence
	{name: "or below and", src: "FROM i | WHERE a OR b AND c", expr: "(OR $a (AND $b $c))"},
	{name: "not above and", src: "FROM i | WHERE NOT a AND b", expr: "(AND (NOT $a) $b)"},
	{name: "not over comparison", src: "FROM i | WHERE NOT a == 1", expr: "(NOT (== $a 1))"},
	{name: "arithmetic", src: "FROM i | WHERE a + b * c - d / e % f > 0", expr: "(> (- (+ $a (* $b $c)) (% (/ $d $e) $f)) 0)"},
	{name: "unary minus", src: "FROM i | EVAL x = -a * b", expr: "(* (- $a) $b)"},
	{name: "cast binds tightest", src: "FROM i | EVAL x = -a::long + 1", expr: "(+ (- (:: $a long)) 1)"},
	{name: "parentheses", src: "FROM i | WHERE (a OR b) AND c", expr: "(AND (OR $a $b) $c)"},
	{name: "in", src: `FROM i | WHERE process.name NOT IN ("a", "b", c)`, expr: `(NOT IN $process.name "a" "b" $c)`},
	{name: "not in via not", src: `FROM i | WHERE NOT x IN (1, 2)`, expr: `(NOT (IN $x 1 2))`},
	{name: "like", src: `FROM i | WHERE a LIKE "*.exe" AND b NOT RLIKE """.*\d+"""`, expr: `(AND (LIKE $a "*.exe") (NOT RLIKE $b ".*\\d+"))`},
	{name: "like list", src: `FROM i | WHERE a LIKE ("*a*", "*b*")`, expr: `(LIKE $a "*a*" "*b*")`},
	{name: "match", src: `FROM i | WHERE message : "error" AND b::keyword: "x"`, expr: `(AND (: $message "error") (: (:: $b keyword) "x"))`},
	{name: "functions any case", src: `FROM i | WHERE To_Lower(a) == "x" AND KQL("""a:b""")`, expr: `(AND (== to_lower($a) "x") kql("a:b"))`},
	{name: "function options", src: `FROM i | WHERE MATCH(a, "x", {"fuzziness": 1})`, expr: `match($a "x" {"fuzziness": 1})`},
	{name: "first and last as functions", src: `FROM i | STATS f = FIRST(a, @timestamp), l = last(a, @timestamp)`, print: `FROM i | STATS f = FIRST(a, @timestamp), l = last(a, @timestamp)`},
	{name: "durations", src: "FROM i | WHERE @timestamp > NOW() - 1 day AND t < 5 minutes", expr: "(AND (> $@timestamp (- now() (duration 1 day))) (< $t (duration 5 minutes)))"},
	{name: "strings", src: `FROM i | WHERE a == "q\"\\\t" OR b == """raw \n"""`, expr: `(OR (== $a "q\"\\\t") (== $b "raw \\n"))`},
	{name: "backquoted names", src: "FROM i | WHERE source.`as`.number == 1 AND `a.b``c` > 2", expr: "(AND (== $source.as.number 1) (> $a.b`c 2))"},
	{name: "as after a dot", src: "FROM i | WHERE source.as.number == 1", expr: "(== $source.as.number 1)"},
	{name: "params", src: "FROM i | WHERE a == ?x AND b > ?1 AND ?f(c) AND d == ?", expr: "(AND (AND (AND (== $a ?x) (> $b ?1)) ?f($c)) (== $d ?))"},
	{name: "numbers", src: "FROM i | WHERE a > 1.5 OR b < .5 OR c == 1e3 OR d == 2.", expr: "(OR (OR (OR (> $a 1.5) (< $b .5)) (== $c 1e3)) (== $d 2.))"},
	{name: "is null", src: "FROM i | WHERE a IS NULL", expr: "(IS NULL $a)"},
	{name: "case", src: `FROM i | EVAL x = CASE(a > 1, "big", "small")`, expr: `case((> $a 1) "big" "small")`},

	// errors
	{name: "empty", src: "", err: "1:1: empty query: a query starts with FROM, ROW, SHOW or TS"},
	{name: "only a comment", src: "// nothing", err: "1:11: empty query: a query starts with FROM, ROW, SHOW or TS"},
	{name: "no source command", src: "WHERE a", err: "1:1: a query starts with FROM, ROW, SHOW or TS, not WHERE"},
	{name: "from later", src: "FROM a | FROM b", err: "1:10: FROM is a source command: it can only start a query"},
	{name: "unknown command", src: "FROM a | FOO bar baz | WHERE x", err: "1:10: unknown command FOO"},
	{name: "trailing pipe", src: "FROM a |", err: "1:9: unexpected end of query, expected a command"},
	{name: "missing operand", src: "FROM a | WHERE x ==", err: "1:20: unexpected end of query, expected an expression"},
	{name: "chained comparison", src: "FROM a | WHERE a == b == c", err: "1:23: comparisons do not chain: write (a == b) AND ..."},
	{name: "unclosed paren", src: "FROM a | WHERE (a == b", err: "1:23: unexpected end of query, expected ')'"},
	{name: "unterminated string", src: "FROM a | WHERE a == \"abc\n| LIMIT 1", err: "1:21: string not terminated: \" without closing \" on its line"},
	{name: "unknown escape", src: `FROM a | WHERE a == "\d"`, err: `1:22: unknown escape sequence \d (known: \t \n \r \" \\)`},
	{name: "single quotes", src: "FROM a | WHERE a == 'x'", err: "1:21: unexpected character '\\''"},
	{name: "like needs a string", src: "FROM a | WHERE a LIKE b", err: "1:23: unexpected name b, expected a pattern string"},
	{name: "in needs parentheses", src: `FROM a | WHERE a IN "x"`, err: `1:21: unexpected string "x", expected '(' after IN`},
	{name: "limit not an integer", src: "FROM a | LIMIT 1.5", err: "1:16: LIMIT takes an integer, not 1.5"},
	{name: "keyword after a dot", src: "FROM a | WHERE event.or == 1", err: "1:22: unexpected OR, expected a name after '.'"},
	{name: "match needs a field", src: `FROM a | WHERE f(x) : "y"`, err: "1:21: the left of ':' must be a field name"},
	{name: "stats by nothing", src: "FROM a | STATS c = count(*) BY", err: "1:31: unexpected end of query, expected an expression"},
	{name: "rename without as", src: "FROM a | RENAME a b", err: "1:19: unexpected name pattern b, expected AS or '='"},
	{name: "newline in raw string", src: "FROM a | WHERE a == \"\"\"x\ny\"\"\"", err: "1:21: string not terminated: \"\"\" without closing \"\"\" on its line"},
	{name: "unclosed comment", src: "FROM a /* x", err: "1:8: comment not terminated: /* without */"},
	{name: "extra paren", src: "FROM a | WHERE a)", err: "1:17: unexpected ')', expected '|'"},
	{name: "recovery keeps later commands", src: "FROM a | WHERE == | EVAL x = 1 | WHERE y ==", err: "1:16: unexpected '==', expected an expression"},
	{name: "fork unclosed", src: "FROM a | FORK (WHERE a", err: "1:23: unexpected end of query, expected ')' closing the FORK branch"},
	{name: "illegal character", src: "FROM a | WHERE a ~ b", err: "1:18: unexpected character '~'"},
}

// TestParse is the table of inputs and what they read to: for a query
// that parses, its printed form and (for one WHERE or EVAL) the grouping
// of its expression; for one that does not, the first error, line:col.
func TestParse(t *testing.T) {
	for _, tt := range parseTests {
		t.Run(tt.name, func(t *testing.T) {
			root, errs := esql.Parse([]byte(tt.src))
			if root == nil {
				t.Fatal("nil tree")
			}
			checkSpans(t, tt.name, root, len(tt.src))
			if tt.err != "" {
				if len(errs) == 0 {
					t.Fatalf("no error, want %q; tree %s", tt.err, esql.Print(root))
				}
				if got := errs[0].Error(); got != tt.err {
					t.Errorf("error %q, want %q (all: %v)", got, tt.err, errs)
				}
				return
			}
			if len(errs) > 0 {
				t.Fatalf("errors: %v", errs)
			}
			if tt.print != "" {
				if got := esql.Print(root); got != tt.print {
					t.Errorf("print:\n got  %s\n want %s", got, tt.print)
				}
			}
			if tt.expr != "" {
				var x esql.Expr
				switch c := root.Commands[len(root.Commands)-1].(type) {
				case *esql.WhereCommand:
					x = c.Cond
				case *esql.EvalCommand:
					x = c.Fields[0].Value
				}
				if got := sexpr(x); got != tt.expr {
					t.Errorf("tree:\n got  %s\n want %s", got, tt.expr)
				}
			}
			again, errs := esql.Parse([]byte(esql.Print(root)))
			if len(errs) > 0 || !esql.Equal(root, again) {
				t.Errorf("round trip: %v\n%s\n%s", errs, esql.Print(root), esql.Print(again))
			}
		})
	}
}

// TestRecovery checks that an error in one command leaves the others read.
func TestRecovery(t *testing.T) {
	src := "FROM a | WHERE == | EVAL x = 1 | FOO bar | KEEP x"
	root, errs := esql.Parse([]byte(src))
	if len(errs) != 2 {
		t.Fatalf("errors %v, want 2", errs)
	}
	want := []string{"FROM", "WHERE", "EVAL", "FOO", "KEEP"}
	if got := esql.CommandNames(root); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("commands %v, want %v", got, want)
	}
	if _, ok := root.Commands[3].(*esql.UnknownCommand); !ok {
		t.Errorf("command 3 is %T, want *UnknownCommand", root.Commands[3])
	} else if raw := root.Commands[3].(*esql.UnknownCommand).Raw; raw != "FOO bar" {
		t.Errorf("unknown command kept as %q, want %q", raw, "FOO bar")
	}
}

// TestDeepNesting checks that 10,000 nested parentheses (and signs, NOTs
// and calls) are an error, not a crash.
func TestDeepNesting(t *testing.T) {
	const n = 10000
	for name, src := range map[string]string{
		"parentheses": "FROM a | WHERE " + strings.Repeat("(", n) + "x" + strings.Repeat(")", n),
		"not":         "FROM a | WHERE " + strings.Repeat("NOT ", n) + "x",
		"minus":       "FROM a | EVAL y = " + strings.Repeat("-", n) + "x",
		"calls":       "FROM a | EVAL y = " + strings.Repeat("f(", n) + "x" + strings.Repeat(")", n),
		"maps":        "FROM a | EVAL y = f(" + strings.Repeat(`{"a": `, n) + "1" + strings.Repeat("}", n) + ")",
		"forks":       "FROM a" + strings.Repeat(" | FORK (WHERE x", n) + strings.Repeat(")", n),
	} {
		t.Run(name, func(t *testing.T) {
			root, errs := esql.Parse([]byte(src))
			if root == nil || len(errs) == 0 {
				t.Fatalf("no error for %d levels", n)
			}
			found := false
			for _, e := range errs {
				if strings.Contains(e.Msg, "nested too deeply") {
					found = true
				}
			}
			if !found {
				t.Errorf("errors %v, want one saying nested too deeply", errs)
			}
		})
	}
	// MaxDepth levels are fine.
	src := "FROM a | WHERE " + strings.Repeat("(", esql.MaxDepth-2) + "x" + strings.Repeat(")", esql.MaxDepth-2)
	if _, errs := esql.Parse([]byte(src)); len(errs) > 0 {
		t.Errorf("%d levels: %v", esql.MaxDepth-2, errs)
	}
}

// TestLex checks that Lex returns every token, comments included, with
// spans that tile the source's non-blank text.
func TestLex(t *testing.T) {
	src := "FROM logs-* METADATA _id // c\n| KEEP a.* | WHERE x LIKE \"*\" /* b */ AND y::long > -1"
	var got []string
	for _, tk := range esql.Lex([]byte(src)) {
		if tk.Text != src[tk.Span.Start:tk.Span.End] {
			t.Errorf("token %v text %q, source %q", tk.Kind, tk.Text, src[tk.Span.Start:tk.Span.End])
		}
		got = append(got, tk.Kind.String()+":"+tk.Text)
	}
	want := "FROM:FROM index pattern:logs-* METADATA:METADATA index pattern:_id comment:// c |:| KEEP:KEEP name pattern:a .:. name pattern:* |:| " +
		"WHERE:WHERE name:x LIKE:LIKE string:\"*\" comment:/* b */ AND:AND name:y ::::: name:long >:> -:- integer:1 end of query:"
	if s := strings.Join(got, " "); s != want {
		t.Errorf("tokens:\n got  %s\n want %s", s, want)
	}
	if !esql.Comment.IsLiteral() && esql.And.IsKeyword() && esql.Eq.IsOperator() && esql.Where.IsCommand() && !esql.And.IsCommand() {
		return
	}
	t.Error("kind ranges are wrong")
}

// TestSummaries checks Fields, Assigned, Predicates and Functions on one query.
func TestSummaries(t *testing.T) {
	src := `FROM logs-* | WHERE NOT (process.name IN ("a", "b") OR user.name LIKE "adm*") AND host.os.type == "linux"
| EVAL cmd = TO_LOWER(process.command_line) | DISSECT cmd "%{verb} %{rest}"
| STATS c = COUNT(*) BY host.name | RENAME c AS n | KEEP n, host.*`
	root, errs := esql.Parse([]byte(src))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	check := func(what string, got, want []string) {
		t.Helper()
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: %v, want %v", what, got, want)
		}
	}
	check("fields", esql.Fields(root), []string{"cmd", "host.name", "host.os.type", "process.command_line", "process.name", "user.name"})
	check("assigned", esql.Assigned(root), []string{"c", "cmd", "n", "rest", "verb"})
	check("functions", esql.Functions(root), []string{"count", "to_lower"})
	var preds []string
	for _, p := range esql.Predicates(root) {
		preds = append(preds, fmt.Sprintf("%s %s %s %q %v", p.Kind, p.Left, p.Op, p.Values, p.Negated))
	}
	check("predicates", preds, []string{
		`in process.name IN ["a" "b"] true`,
		`like user.name LIKE ["adm*"] true`,
		`comparison host.os.type == ["linux"] false`,
	})
}
