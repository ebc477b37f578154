package sigma

import (
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/lang/diag"
)

// conditionTests are valid conditions with their canonical form, which
// shows the tree's grouping by the parentheses it adds.
var conditionTests = []struct {
	name, in, want string
	tree           string // optional: the tree in a Lisp-like form
}{
	{"ident", "selection", "selection", "selection"},
	{"and", "a and b", "a and b", "(and a b)"},
	{"or", "a or b", "a or b", "(or a b)"},
	{"chain", "a and b and c", "a and b and c", "(and a b c)"},
	{"precedence and over or", "a or b and c", "a or b and c", "(or a (and b c))"},
	{"precedence not over and", "not a and b", "not a and b", "(and (not a) b)"},
	{"not not", "not not a", "not not a", "(not (not a))"},
	{"parens", "(a or b) and c", "(a or b) and c", "(and (paren (or a b)) c)"},
	{"one of", "1 of selection_*", "1 of selection_*", "(1 selection_*)"},
	{"any of", "any of sel*", "any of sel*", "(any sel*)"},
	{"all of", "all of filter_*", "all of filter_*", "(all filter_*)"},
	{"1 of them", "1 of them", "1 of them", "(1 them)"},
	{"all of them", "all of them", "all of them", "(all them)"},
	{"of binds tighter than not", "not 1 of filter*", "not 1 of filter*", "(not (1 filter*))"},
	{"typical", "selection and not 1 of filter_main_* and not 1 of filter_optional_*",
		"selection and not 1 of filter_main_* and not 1 of filter_optional_*",
		"(and selection (not (1 filter_main_*)) (not (1 filter_optional_*)))"},
	{"multi-line", "selection_parent and\n(\n    1 of selection_generic_*\n    or all of sel_x_*\n)",
		"selection_parent and (1 of selection_generic_* or all of sel_x_*)",
		"(and selection_parent (paren (or (1 selection_generic_*) (all sel_x_*))))"},
	{"dashes and dots", "sel-a and sel.b", "sel-a and sel.b", "(and sel-a sel.b)"},
	{"unicode identifier", "sélection", "sélection", "sélection"},
	{"extra spaces", "  a   and\tb  ", "a and b", "(and a b)"},
	{"upper-case keywords", "a AND NOT b", "a and not b", "(and a (not b))"},
	{"nested parens", "((a))", "((a))", "(paren (paren a))"},
	{"or of ands", "a and b or c and d", "a and b or c and d", "(or (and a b) (and c d))"},
}

func lisp(x Expr) string {
	switch x := x.(type) {
	case *Ident:
		return x.Name
	case *OfExpr:
		return "(" + x.Quant.String() + " " + x.Pattern + ")"
	case *NotExpr:
		return "(not " + lisp(x.X) + ")"
	case *ParenExpr:
		return "(paren " + lisp(x.X) + ")"
	case *BinaryExpr:
		op := "and"
		if x.Op == OR {
			op = "or"
		}
		s := "(" + op
		for _, a := range x.Args {
			s += " " + lisp(a)
		}
		return s + ")"
	case *BadExpr:
		return "BAD"
	}
	return "?"
}

func TestParseCondition(t *testing.T) {
	for _, tt := range conditionTests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := ParseCondition(tt.in)
			if err.Err() != nil {
				t.Fatalf("ParseCondition(%q): %v", tt.in, err)
			}
			if got := x.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			if got := lisp(x); tt.tree != "" && got != tt.tree {
				t.Errorf("tree = %s, want %s", got, tt.tree)
			}
			// Round trip: the printed form parses to the same tree.
			y, err := ParseCondition(x.String())
			if err.Err() != nil {
				t.Fatalf("reparse %q: %v", x.String(), err)
			}
			if lisp(x) != lisp(y) {
				t.Errorf("round trip changed the tree: %s, then %s", lisp(x), lisp(y))
			}
			checkSpans(t, tt.in, x)
		})
	}
}

// checkSpans checks that every node's span is inside the input and that
// operands do not overlap.
func checkSpans(t *testing.T, src string, x Expr) {
	t.Helper()
	Inspect(x, func(n Expr) bool {
		if n.Pos() < 0 || n.End() > len(src) || n.Pos() > n.End() {
			t.Errorf("span %d..%d of %T out of the input (len %d)", n.Pos(), n.End(), n, len(src))
		}
		switch n := n.(type) {
		case *Ident:
			if src[n.Pos():n.End()] != n.Name {
				t.Errorf("ident span %q, name %q", src[n.Pos():n.End()], n.Name)
			}
		case *BinaryExpr:
			for i := 1; i < len(n.Args); i++ {
				if n.Args[i-1].End() > n.Args[i].Pos() {
					t.Errorf("operands overlap in %q", src)
				}
			}
		}
		return true
	})
}

// conditionErrors are invalid conditions with the error expected, at the
// position marked by the offset of want's marker in the input.
var conditionErrors = []struct {
	name, in string
	off      int // byte offset of the first error
	msg      string
}{
	{"empty", "", 0, "empty condition"},
	{"blank", "   ", 3, "empty condition"},
	{"dangling and", "a and", 5, "unexpected end of condition"},
	{"dangling not", "a and not", 9, "unexpected end of condition"},
	{"missing paren", "(a or b", 7, "missing \")\""},
	{"extra paren", "a or b)", 6, "unexpected \")\" after the condition"},
	{"empty parens", "a and ()", 7, "empty parentheses"},
	{"two of", "2 of sel*", 0, "\"2\" cannot quantify \"of\""},
	{"of without pattern", "1 of", 4, "search identifier pattern or \"them\" was expected"},
	{"all without of", "all sel*", 4, "\"of\" expected after \"all\""},
	{"wildcard alone", "a and sel*", 6, "only allowed after"},
	{"two idents", "a b", 2, "unexpected \"b\" after the condition"},
	{"illegal char", "a && b", 2, "unexpected character \"&\""},
	{"aggregation", "selection | count(x) by y > 5", 10, "obsolete since Sigma 2.0"},
	{"near", "a and near b", 6, "\"near\" operator is obsolete"},
	{"keyword as ident", "and", 0, "unexpected keyword \"and\""},
	{"number alone", "a or 1", 5, "unexpected number 1"},
	{"line and column", "a and\n  (b or c", 15, "missing \")\""},
}

func TestParseConditionErrors(t *testing.T) {
	for _, tt := range conditionErrors {
		t.Run(tt.name, func(t *testing.T) {
			x, err := ParseCondition(tt.in)
			if err.Err() == nil {
				t.Fatalf("ParseCondition(%q) = %s, want an error", tt.in, x)
			}
			if x == nil {
				t.Fatalf("no partial tree")
			}
			l := err
			e := l[0]
			if e.Span.Start != tt.off || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("first error %d %q, want %d %q (all: %v)", e.Span.Start, e.Msg, tt.off, tt.msg, l)
			}
			line, col := diag.Position([]byte(tt.in), tt.off)
			if e.Line != line || e.Col != col {
				t.Errorf("error at %d:%d, want %d:%d", e.Line, e.Col, line, col)
			}
		})
	}
}

func TestConditionWarnings(t *testing.T) {
	_, l := ParseCondition("a AND b")
	if len(l) != 1 || l[0].Severity != diag.Warning || l[0].Col != 3 {
		t.Fatalf("want one warning at 1:3 on AND, got %v", l)
	}
	if _, err := ParseCondition("a AND b"); err.Err() != nil {
		t.Fatalf("a warning is not an error: %v", err)
	}
}

// TestConditionDepthLimit: a condition nested 10,000 deep is refused with
// one error once MaxConditionDepth is passed, without recursing further.
func TestConditionDepthLimit(t *testing.T) {
	for name, in := range map[string]string{
		"parens": strings.Repeat("(", 10000) + "a" + strings.Repeat(")", 10000),
		"nots":   strings.Repeat("not ", 10000) + "a",
		"mixed":  strings.Repeat("not (", 10000) + "a" + strings.Repeat(")", 10000),
	} {
		t.Run(name, func(t *testing.T) {
			x, err := ParseCondition(in)
			if err.Err() == nil {
				t.Fatal("no error")
			}
			l := err
			if !strings.Contains(l[0].Msg, "nested deeper than") {
				t.Errorf("error %v", l[0])
			}
			if len(l) > maxConditionErrors {
				t.Errorf("%d errors", len(l))
			}
			depth := 0
			var walk func(Expr, int)
			walk = func(x Expr, d int) {
				if d > depth {
					depth = d
				}
				switch x := x.(type) {
				case *NotExpr:
					walk(x.X, d+1)
				case *ParenExpr:
					walk(x.X, d+1)
				case *BinaryExpr:
					for _, a := range x.Args {
						walk(a, d+1)
					}
				}
			}
			walk(x, 0)
			if depth > MaxConditionDepth+1 {
				t.Errorf("tree depth %d passes the limit", depth)
			}
		})
	}
}

// TestConditionWide: a 100,000-term chain is one flat node, printed and
// walked without deep recursion.
func TestConditionWide(t *testing.T) {
	in := strings.Repeat("a and ", 100000) + "a"
	x, err := ParseCondition(in)
	if err.Err() != nil {
		t.Fatal(err)
	}
	b, ok := x.(*BinaryExpr)
	if !ok || len(b.Args) != 100001 {
		t.Fatalf("want one chain of 100001 operands")
	}
	if x.String() != in {
		t.Error("print differs")
	}
}

func TestMatchPattern(t *testing.T) {
	for _, tt := range []struct {
		pat, name string
		want      bool
	}{
		{"selection_*", "selection_img", true},
		{"selection_*", "selection_", true},
		{"selection_*", "selection", false},
		{"selection_*", "xselection_a", false},
		{"*_img", "selection_img", true},
		{"sel*img", "sel_a_img", true},
		{"sel*img", "sel_a_imgx", false},
		{"*", "anything", true},
		{"filter", "filter", true},
		{"filter", "filter_main", false},
		{"a*b*c", "aXbYbZc", true},
	} {
		if got := MatchPattern(tt.pat, tt.name); got != tt.want {
			t.Errorf("MatchPattern(%q, %q) = %v", tt.pat, tt.name, got)
		}
	}
}

func FuzzCondition(f *testing.F) {
	for _, tt := range conditionTests {
		f.Add(tt.in)
	}
	for _, tt := range conditionErrors {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		x, err := ParseCondition(s)
		if x == nil {
			t.Fatal("nil tree")
		}
		checkSpans(t, s, x)
		if err.Err() != nil {
			for _, e := range err {
				if !e.Span.In(len(s)) || e.Line < 1 || e.Col < 1 {
					t.Fatalf("error %v out of the input", e)
				}
			}
			return
		}
		// A valid condition prints to text that parses to the same tree.
		y, err := ParseCondition(x.String())
		if err.Err() != nil {
			t.Fatalf("%q printed as %q, which does not parse: %v", s, x.String(), err)
		}
		if lisp(x) != lisp(y) {
			t.Fatalf("round trip of %q: %s then %s", s, lisp(x), lisp(y))
		}
	})
}
