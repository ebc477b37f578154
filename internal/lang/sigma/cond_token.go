package sigma

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Token is a kind of token of a Sigma condition.
type Token int

// Tokens of a condition. Keywords are grouped between keywordBeg and
// keywordEnd so that "is a keyword" is a range check.
const (
	ILLEGAL Token = iota
	EOF
	IDENT  // selection, selection_*, filter-main
	NUMBER // 1 (the quantifier of "1 of")
	LPAREN // (
	RPAREN // )
	PIPE   // | (the aggregation of Sigma 1, obsolete)

	keywordBeg
	AND
	OR
	NOT
	OF
	ALL
	ANY
	THEM
	NEAR // obsolete Sigma 1 temporal operator
	keywordEnd
)

var tokenNames = [...]string{
	ILLEGAL: "illegal character",
	EOF:     "end of condition",
	IDENT:   "identifier",
	NUMBER:  "number",
	LPAREN:  "(",
	RPAREN:  ")",
	PIPE:    "|",
	AND:     "and",
	OR:      "or",
	NOT:     "not",
	OF:      "of",
	ALL:     "all",
	ANY:     "any",
	THEM:    "them",
	NEAR:    "near",
}

func (t Token) String() string {
	if t >= 0 && int(t) < len(tokenNames) && tokenNames[t] != "" {
		return tokenNames[t]
	}
	return "token"
}

// IsKeyword tells whether t is a keyword of the condition language.
func (t Token) IsKeyword() bool { return keywordBeg < t && t < keywordEnd }

var keywords = map[string]Token{
	"and": AND, "or": OR, "not": NOT, "of": OF, "all": ALL, "any": ANY, "them": THEM, "near": NEAR,
}

// lexeme is one token with its byte span in the condition.
type lexeme struct {
	tok        Token
	pos, end   int
	text       string
	notLowered bool // a keyword written in another case than lower case
}

// condLexer splits a condition into tokens.
type condLexer struct {
	src string
	off int
}

func isIdentRune(r rune) bool {
	return r == '_' || r == '-' || r == '.' || r == '*' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// next returns the next token.
func (l *condLexer) next() lexeme {
	for l.off < len(l.src) {
		c := l.src[l.off]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' {
			l.off++
			continue
		}
		break
	}
	start := l.off
	if l.off >= len(l.src) {
		return lexeme{tok: EOF, pos: start, end: start}
	}
	c := l.src[l.off]
	switch c {
	case '(':
		l.off++
		return lexeme{tok: LPAREN, pos: start, end: l.off, text: "("}
	case ')':
		l.off++
		return lexeme{tok: RPAREN, pos: start, end: l.off, text: ")"}
	case '|':
		l.off++
		return lexeme{tok: PIPE, pos: start, end: l.off, text: "|"}
	}
	r, size := utf8.DecodeRuneInString(l.src[l.off:])
	if !isIdentRune(r) {
		l.off += size
		return lexeme{tok: ILLEGAL, pos: start, end: l.off, text: l.src[start:l.off]}
	}
	digits := true
	for l.off < len(l.src) {
		r, size := utf8.DecodeRuneInString(l.src[l.off:])
		if !isIdentRune(r) {
			break
		}
		if r < '0' || r > '9' {
			digits = false
		}
		l.off += size
	}
	text := l.src[start:l.off]
	if digits {
		return lexeme{tok: NUMBER, pos: start, end: l.off, text: text}
	}
	if len(text) <= 4 {
		if t, ok := keywords[text]; ok {
			return lexeme{tok: t, pos: start, end: l.off, text: text}
		}
		if t, ok := keywords[strings.ToLower(text)]; ok {
			return lexeme{tok: t, pos: start, end: l.off, text: text, notLowered: true}
		}
	}
	return lexeme{tok: IDENT, pos: start, end: l.off, text: text}
}

// IsConditionKeyword tells whether w (any case) is a keyword of the
// condition language (and, or, not, of, all, any, them, near).
func IsConditionKeyword(w string) bool {
	_, ok := keywords[strings.ToLower(w)]
	return ok
}
