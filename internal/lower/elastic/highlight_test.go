package lowerelastic

import (
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/lang"
)

// TestHighlight: each language's tokens are sorted, apart and within the
// text, and class what they should.
func TestHighlight(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  string
		want map[string]lang.TokenClass // a token's text → its class
	}{
		{LangEQL, "sequence by host.id [process where process.name : \"cmd.exe\" and startsWith~(a, \"b\") and x == 3] // c\n| head 5",
			map[string]lang.TokenClass{"sequence": lang.Keyword, "by": lang.Keyword, "process": lang.Keyword, "where": lang.Keyword, `"cmd.exe"`: lang.String,
				"and": lang.Operator, "startsWith~": lang.Function, "3": lang.Number, "// c": lang.Comment, "|": lang.Punct, "head": lang.Keyword}},
		{LangKuery, `process.name:"cmd.exe" and not x > 3`,
			map[string]lang.TokenClass{`"cmd.exe"`: lang.String, "and": lang.Operator, "not": lang.Operator, ":": lang.Operator, ">": lang.Operator}},
		{LangESQL, "FROM logs-* // x\n| WHERE TO_LOWER(a) LIKE \"b*\" AND c IS NOT NULL AND d == 1",
			map[string]lang.TokenClass{"FROM": lang.Keyword, "// x": lang.Comment, "|": lang.Punct, "WHERE": lang.Keyword, "TO_LOWER": lang.Function,
				"LIKE": lang.Operator, `"b*"`: lang.String, "AND": lang.Operator, "NULL": lang.Literal, "==": lang.Operator, "1": lang.Number}},
		{LangLucene, `a:"b c" AND NOT d:/e+/ OR f:[1 TO 5]`,
			map[string]lang.TokenClass{`"b c"`: lang.String, "AND": lang.Operator, "NOT": lang.Operator, "/e+/": lang.String, "[": lang.Punct}},
	} {
		toks := lang.Get(tc.name).Highlight(tc.src)
		end := 0
		got := map[string]lang.TokenClass{}
		for _, tk := range toks {
			if tk.Start < end || tk.End <= tk.Start || tk.End > len(tc.src) {
				t.Fatalf("%s: token %+v out of order or bounds", tc.name, tk)
			}
			end = tk.End
			got[tc.src[tk.Start:tk.End]] = tk.Class
		}
		for text, class := range tc.want {
			if c, ok := got[text]; !ok || c != class {
				t.Errorf("%s: %q classed %v (present %v), want %v; tokens %v", tc.name, text, c, ok, class, got)
			}
		}
		if strings.TrimSpace(tc.src) != "" && len(toks) == 0 {
			t.Errorf("%s: no token", tc.name)
		}
	}
}
