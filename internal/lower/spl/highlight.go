package lowerspl

import (
	"strings"

	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/lang/spl"
)

// Highlight returns the tokens of an SPL search from its lexer: comments,
// strings and 'fields', macros, numbers, the pipe and brackets, operators,
// the command name after a pipe (and the first word of the search) as a
// keyword, AND OR NOT and the clause words (by, as, where, from, over,
// output) as operators, and a word before '(' as a function.
func Highlight(src string) []lang.Token {
	toks := spl.Lex([]byte(src))
	var out []lang.Token
	add := func(t spl.Token, c lang.TokenClass) {
		if t.Span.End > t.Span.Start && t.Span.End <= len(src) {
			out = append(out, lang.Token{Start: t.Span.Start, End: t.Span.End, Class: c})
		}
	}
	cmd := true // the next word is a command name
	for i, t := range toks {
		switch t.Kind {
		case spl.CommentTok:
			add(t, lang.Comment)
			continue
		case spl.String, spl.QuotedField:
			add(t, lang.String)
		case spl.MacroTok:
			add(t, lang.Modifier)
		case spl.Pipe, spl.LBrack, spl.RBrack:
			add(t, lang.Punct)
			cmd = true
			continue
		case spl.Word:
			w := t.Text
			next := spl.Token{}
			if i+1 < len(toks) {
				next = toks[i+1]
			}
			switch {
			case cmd && (i == 0 || toks[i-1].Kind == spl.Pipe || toks[i-1].Kind == spl.LBrack):
				if i > 0 || src[:t.Span.Start] != "" || isCommandWord(w) {
					add(t, lang.Keyword)
				}
			case next.Kind == spl.LParen && !next.Space:
				add(t, lang.Function)
			case w == "AND" || w == "OR" || w == "NOT" || w == "XOR":
				add(t, lang.Operator)
			case isClauseWord(w):
				add(t, lang.Operator)
			case isNumber(w):
				add(t, lang.Number)
			case strings.EqualFold(w, "true") || strings.EqualFold(w, "false") || strings.EqualFold(w, "null"):
				add(t, lang.Literal)
			}
		default:
			if t.Kind.IsOperator() && t.Kind != spl.Comma && t.Kind != spl.LParen && t.Kind != spl.RParen {
				add(t, lang.Operator)
			}
		}
		cmd = false
	}
	return out
}

func isCommandWord(w string) bool {
	switch strings.ToLower(w) {
	case "search", "tstats", "from", "inputlookup", "makeresults", "datamodel", "mstats", "rest", "metadata":
		return true
	}
	return false
}

func isClauseWord(w string) bool {
	switch strings.ToLower(w) {
	case "by", "as", "where", "over", "output", "outputnew", "in", "like", "sortby":
		return true
	}
	return false
}

func isNumber(w string) bool {
	if w == "" {
		return false
	}
	dot := false
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case c >= '0' && c <= '9':
		case c == '.' && !dot && i > 0:
			dot = true
		default:
			return false
		}
	}
	return true
}
