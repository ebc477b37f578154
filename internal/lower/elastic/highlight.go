package lowerelastic

import (
	"sort"

	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/lang/eql"
	"github.com/ruledex/ruledex/internal/lang/esql"
	"github.com/ruledex/ruledex/internal/lang/kuery"
	"github.com/ruledex/ruledex/internal/lang/lucene"
)

// The highlighters: each language's tokens from its own lexer, classed for
// the rule page.

func sorted(out []lang.Token) []lang.Token {
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	// drop overlaps (a token inside the one before)
	kept := out[:0]
	end := 0
	for _, t := range out {
		if t.Start < end || t.End <= t.Start {
			continue
		}
		kept = append(kept, t)
		end = t.End
	}
	return kept
}

func highlightEQL(src string) []lang.Token {
	toks := eql.Lex([]byte(src))
	var out []lang.Token
	for i, t := range toks {
		class := lang.Plain
		switch {
		case t.Kind == eql.EOF:
			continue
		case t.Kind == eql.Comment:
			class = lang.Comment
		case t.Kind == eql.String || t.Kind == eql.RawString:
			class = lang.String
		case t.Kind == eql.Int || t.Kind == eql.Float:
			class = lang.Number
		case t.Kind == eql.KwTrue || t.Kind == eql.KwFalse || t.Kind == eql.KwNull:
			class = lang.Literal
		case t.Kind == eql.KwAnd || t.Kind == eql.KwOr || t.Kind == eql.KwNot || t.Kind == eql.KwIn || t.Kind == eql.KwInI ||
			t.Kind == eql.KwLike || t.Kind == eql.KwLikeI || t.Kind == eql.KwRegex || t.Kind == eql.KwRegexI:
			class = lang.Operator
		case t.Kind.IsKeyword():
			class = lang.Keyword
		case t.Kind == eql.Bar || t.Kind == eql.Lbrack || t.Kind == eql.Rbrack || t.Kind == eql.MissingOpen:
			class = lang.Punct
		case t.Kind.IsOperator() && t.Kind != eql.Lparen && t.Kind != eql.Rparen && t.Kind != eql.Comma:
			class = lang.Operator
		case t.Kind == eql.Name || t.Kind == eql.NameI:
			next := eql.EOF
			if i+1 < len(toks) {
				next = toks[i+1].Kind
			}
			prev := eql.EOF
			if i > 0 {
				prev = toks[i-1].Kind
			}
			switch {
			case next == eql.Lparen:
				class = lang.Function
			case next == eql.KwWhere || prev == eql.Bar:
				class = lang.Keyword // an event category, a pipe
			}
		}
		if class != lang.Plain {
			out = append(out, lang.Token{Start: t.Span.Start, End: t.Span.End, Class: class})
		}
	}
	return sorted(out)
}

func highlightKuery(src string) []lang.Token {
	var out []lang.Token
	for _, t := range kuery.Lex([]byte(src)) {
		class := lang.Plain
		switch {
		case t.Kind == kuery.String:
			class = lang.String
		case t.Kind.IsKeyword():
			class = lang.Operator
		case t.Kind == kuery.Colon || t.Kind.IsRange():
			class = lang.Operator
		case t.Kind == kuery.LBrace || t.Kind == kuery.RBrace:
			class = lang.Punct
		}
		if class != lang.Plain {
			out = append(out, lang.Token{Start: t.Span.Start, End: t.Span.End, Class: class})
		}
	}
	return sorted(out)
}

func highlightESQL(src string) []lang.Token {
	toks := esql.Lex([]byte(src))
	var out []lang.Token
	for i, t := range toks {
		class := lang.Plain
		switch {
		case t.Kind == esql.EOF:
			continue
		case t.Kind == esql.Comment:
			class = lang.Comment
		case t.Kind == esql.String:
			class = lang.String
		case t.Kind == esql.Int || t.Kind == esql.Decimal:
			class = lang.Number
		case t.Kind == esql.True || t.Kind == esql.False || t.Kind == esql.Null:
			class = lang.Literal
		case t.Kind == esql.And || t.Kind == esql.Or || t.Kind == esql.Not || t.Kind == esql.In || t.Kind == esql.Like ||
			t.Kind == esql.Rlike || t.Kind == esql.Is:
			class = lang.Operator
		case t.Kind.IsCommand() || t.Kind.IsKeyword():
			class = lang.Keyword
		case t.Kind == esql.Pipe:
			class = lang.Punct
		case t.Kind.IsOperator() && t.Kind != esql.LParen && t.Kind != esql.RParen && t.Kind != esql.Comma && t.Kind != esql.Dot:
			class = lang.Operator
		case t.Kind == esql.Ident && i+1 < len(toks) && toks[i+1].Kind == esql.LParen:
			class = lang.Function
		}
		if class != lang.Plain {
			out = append(out, lang.Token{Start: t.Span.Start, End: t.Span.End, Class: class})
		}
	}
	return sorted(out)
}

func highlightLucene(src string) []lang.Token {
	var out []lang.Token
	for _, t := range lucene.Lex([]byte(src)) {
		class := lang.Plain
		switch {
		case t.Kind == lucene.Quoted || t.Kind == lucene.RangeQuoted:
			class = lang.String
		case t.Kind == lucene.Regexp:
			class = lang.String
		case t.Kind == lucene.Number || t.Kind == lucene.Fuzzy:
			class = lang.Number
		case t.Kind.IsKeyword() || t.Kind == lucene.Plus || t.Kind == lucene.Minus:
			class = lang.Operator
		case t.Kind == lucene.Colon || t.Kind == lucene.Caret:
			class = lang.Operator
		case t.Kind == lucene.LBrack || t.Kind == lucene.RBrack || t.Kind == lucene.LBrace || t.Kind == lucene.RBrace:
			class = lang.Punct
		}
		if class != lang.Plain {
			out = append(out, lang.Token{Start: t.Span.Start, End: t.Span.End, Class: class})
		}
	}
	return sorted(out)
}
