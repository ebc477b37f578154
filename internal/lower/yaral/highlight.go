package loweryaral

import (
	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/lang/yaral"
)

// Highlight returns the tokens of a YARA-L text from the YARA-L lexer:
// comments, strings and regular expressions, numbers and durations,
// section names and `rule` as keywords (and a meta or option key, the name
// before `=` at the start of a line), word operators (and, or, not, in,
// regex, cidr, nocase, any, all, over, by, before, after) and comparison
// operators, true and false, function names before '(', variables ($e,
// #e) and reference lists (%list) as modifiers, braces and the section
// colons as punctuation.
func Highlight(src string) []lang.Token {
	toks := yaral.Lex([]byte(src))
	out := make([]lang.Token, 0, len(toks))
	for i, t := range toks {
		if t.Kind == yaral.EOF {
			break
		}
		class := lang.Plain
		switch k := t.Kind; {
		case k == yaral.TokComment:
			class = lang.Comment
		case k == yaral.TokString || k == yaral.TokRegex:
			class = lang.String
		case k == yaral.TokNumber || k == yaral.TokDuration:
			class = lang.Number
		case k == yaral.TokVar || k == yaral.TokCountVar || k == yaral.TokListRef:
			class = lang.Modifier
		case k == yaral.KwTrue || k == yaral.KwFalse:
			class = lang.Literal
		case k == yaral.KwRule || k.IsSection():
			class = lang.Keyword
		case k.IsKeyword():
			class = lang.Operator
		case k == yaral.Eq || k == yaral.NotEq || k == yaral.Less || k == yaral.LessEq || k == yaral.Great || k == yaral.GreatEq || k == yaral.Bang:
			class = lang.Operator
		case k == yaral.LBrace || k == yaral.RBrace || k == yaral.Colon:
			class = lang.Punct
		case k == yaral.TokWord:
			next := nextKind(toks, i)
			switch {
			case next == yaral.LParen:
				class = lang.Function
			case t.NL && next == yaral.Eq:
				class = lang.Keyword // a meta or option key
			}
		}
		if class != lang.Plain && t.Span.End > t.Span.Start {
			out = append(out, lang.Token{Start: t.Span.Start, End: t.Span.End, Class: class})
		}
	}
	return out
}

// nextKind returns the kind of the first token after toks[i] that is no
// comment.
func nextKind(toks []yaral.Token, i int) yaral.Kind {
	for j := i + 1; j < len(toks); j++ {
		if toks[j].Kind != yaral.TokComment {
			return toks[j].Kind
		}
	}
	return yaral.EOF
}
