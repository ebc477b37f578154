package lowerkql

import (
	"testing"

	"github.com/ruledex/ruledex/internal/lang"
)

func TestHighlight(t *testing.T) {
	src := "let n = 5; // c\nT | where a !in~ ('x') and b matches regex \"y\" and c !between (1 .. 2) and d == true" +
		"\n| project by = 1, step" +
		"\n| summarize count() by c | sort by d desc nulls last | join kind=inner (U) on e" +
		"\n| top-nested 2 of a with others = 0 by b, top-nested 1 of c by d" +
		"\n| make-series x = count() on t in range(0, 1, 1)" +
		"\n| mv-expand y to typeof(string) | extend z = dynamic([1])"
	got := map[string]lang.TokenClass{}
	var order []string
	for _, tk := range Highlight(src) {
		w := src[tk.Start:tk.End]
		if _, seen := got[w]; !seen {
			order = append(order, w)
		}
		got[w] = tk.Class
	}
	for w, c := range map[string]lang.TokenClass{
		"let": lang.Keyword, "// c": lang.Comment, "|": lang.Punct, "where": lang.Keyword, "!in~": lang.Operator,
		"'x'": lang.String, "and": lang.Operator, "matches regex": lang.Operator, "!between": lang.Operator,
		"==": lang.Operator, "true": lang.Literal, "project": lang.Keyword, "count": lang.Function,
		"by": lang.Keyword, "sort": lang.Keyword, "desc": lang.Keyword, "nulls": lang.Keyword, "kind": lang.Keyword,
		"on": lang.Keyword, "5": lang.Number, "with others": lang.Keyword, "of": lang.Keyword,
		"top-nested": lang.Keyword, "in range": lang.Keyword, "to": lang.Keyword, "typeof": lang.Function,
		"dynamic": lang.Function,
	} {
		if got[w] != c {
			t.Errorf("%q: class %d, want %d (tokens %q)", w, got[w], c, order)
		}
	}
	// A column named like a keyword is a name: the tree says so where the
	// token order would guess a keyword.
	for _, tk := range Highlight("T | project by = 1, step") {
		if w := "T | project by = 1, step"[tk.Start:tk.End]; w == "by" || w == "step" {
			t.Errorf("column %q highlighted as class %d", w, tk.Class)
		}
	}
	// Ranges are sorted and do not overlap.
	toks := Highlight(src)
	for i := 1; i < len(toks); i++ {
		if toks[i].Start < toks[i-1].End {
			t.Errorf("overlap: %v then %v", toks[i-1], toks[i])
		}
	}
}
