package lowerkql

import (
	"slices"
	"sort"

	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/lang/kql"
)

// Highlight returns the tokens of a KQL text. What the parse tree says is
// taken from it: the pipes, the names of operators and the keywords of
// their clauses (by, on, with others, in range...) and options (kind=,
// hint.strategy=), the words of let, set and declare, the word operators
// of comparisons (has, !in~, matches regex, between), function names of
// calls, true, false and null. The lexer's tokens give the rest (strings,
// numbers, symbol operators, comments), and the words of a part the parser
// could not read or keeps raw.
func Highlight(src string) []lang.Token {
	// The tree keeps the comments; the tokens are the parser's own.
	s, toks, _ := kql.ParseTokens(src)
	h := highlighter{toks: toks, out: make([]lang.Token, 0, len(toks)/2+len(s.Comments))}
	for _, c := range s.Comments {
		h.out = append(h.out, lang.Token{Start: c.Pos, End: c.End, Class: lang.Comment})
	}
	kql.Inspect(s, h.node)
	taken := make([]bool, len(toks))
	for _, t := range h.out {
		for i := h.at(t.Start); i < len(toks) && toks[i].Pos < t.End; i++ {
			taken[i] = true
		}
	}
	for i, t := range toks {
		if t.Kind == kql.EOF || taken[i] {
			continue
		}
		if c := lexicalClass(t.Kind); c != lang.Plain {
			h.out = append(h.out, lang.Token{Start: t.Pos, End: t.End, Class: c})
		}
	}
	// No two tokens start at one place (TestHighlightCorpus): any sort
	// gives one order.
	slices.SortFunc(h.out, func(a, b lang.Token) int { return a.Start - b.Start })
	return h.out
}

// lexicalClass is the class a token has whatever its place.
func lexicalClass(k kql.Kind) lang.TokenClass {
	switch {
	case k == kql.String:
		return lang.String
	case k.IsLiteral():
		return lang.Number
	case k == kql.Pipe:
		return lang.Punct
	}
	switch k {
	case kql.Eql, kql.Neq, kql.NeqAlt, kql.EqlTilde, kql.NeqTilde, kql.Lss, kql.Leq, kql.Gtr, kql.Geq:
		return lang.Operator
	case kql.ASC, kql.DESC, kql.NULLS:
		return lang.Keyword
	}
	return lang.Plain
}

type highlighter struct {
	toks []kql.Token
	out  []lang.Token
}

// at returns the index of the first token that starts at off or after.
func (h *highlighter) at(off int) int {
	return sort.Search(len(h.toks), func(i int) bool { return h.toks[i].Pos >= off })
}

// words marks the n tokens from off as one range of class c.
func (h *highlighter) words(off, n int, c lang.TokenClass) {
	i := h.at(off)
	if i >= len(h.toks) || h.toks[i].Pos != off || h.toks[i].Kind == kql.EOF {
		return
	}
	j := min(i+n, len(h.toks)) - 1
	h.out = append(h.out, lang.Token{Start: off, End: h.toks[j].End, Class: c})
}

func (h *highlighter) span(pos, end int, c lang.TokenClass) {
	if end > pos {
		h.out = append(h.out, lang.Token{Start: pos, End: end, Class: c})
	}
}

// opTokens is how many tokens the lexer makes of a word operator as the
// tree writes it: !has is "!" and "has", in~ "in" and "~".
func opTokens(op string) int {
	n := 1
	if op[0] == '!' {
		n++
	}
	if len(op) > 1 && op[len(op)-1] == '~' && op != "=~" && op != "!~" {
		n++
	}
	if op == "matches regex" {
		n = 2
	}
	return n
}

func (h *highlighter) node(n kql.Node) bool {
	switch n := n.(type) {
	case *kql.LetStmt:
		h.words(n.Pos, 1, lang.Keyword)
	case *kql.SetStmt:
		h.words(n.Pos, 1, lang.Keyword)
	case *kql.DeclareStmt:
		h.words(n.Pos, 2, lang.Keyword)
	case *kql.PipeExpr:
		if n.Pipe >= 0 {
			h.span(n.Pipe, n.Pipe+1, lang.Punct)
		}
	case *kql.Operator:
		pos, end := n.NameSpan()
		h.span(pos, end, lang.Keyword)
		for _, p := range n.Params {
			pos, end := p.Name.Span()
			h.span(pos, end, lang.Keyword)
		}
	case *kql.Clause:
		h.span(n.KwPos, n.KwEnd, lang.Keyword)
	case *kql.BinaryExpr:
		if c := n.Op[0]; c >= 'a' && c <= 'z' || c == '!' && len(n.Op) > 2 {
			if n.Op != "to" && n.Op != "default" {
				h.words(n.OpPos, opTokens(n.Op), lang.Operator)
			} else {
				h.words(n.OpPos, 1, lang.Keyword)
			}
		}
	case *kql.BetweenExpr:
		k := 1
		if h.toks[h.at(n.OpPos)].Kind == kql.Bang {
			k = 2
		}
		h.words(n.OpPos, k, lang.Operator)
	case *kql.CallExpr:
		switch f := n.Fun.(type) {
		case *kql.Ident:
			h.span(f.Pos, f.End, lang.Function)
		case *kql.SelectorExpr:
			h.span(f.Sel.Pos, f.Sel.End, lang.Function)
		}
	case *kql.Literal:
		if n.Kind == kql.LitBool || n.Kind == kql.LitNull {
			h.span(n.Pos, n.End, lang.Literal)
		}
	case *kql.DynamicExpr:
		h.words(n.Pos, 1, lang.Function)
	case *kql.TypeofExpr:
		h.words(n.Pos, 1, lang.Function)
	case *kql.DataTableExpr:
		h.words(n.Pos, 1, lang.Function)
	}
	return true
}
