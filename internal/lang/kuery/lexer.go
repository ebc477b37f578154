package kuery

import (
	"strings"

	"github.com/ruledex/ruledex/internal/lang/diag"
)

// Lex splits src into tokens, the last one EOF. It never fails: a
// backslash that starts no escape is an Illegal token, and an unterminated
// string runs to the end of the query (the parser reports both). The kinds
// are lexical: an `or` or `and` between spaces is a keyword token even where
// the parser reads it as the first word of a value (`f: or x` is the value
// "or x"); a highlighter that wants the parser's view takes the literals'
// spans from the tree.
func Lex(src []byte) []Token {
	lx := lexer{src: string(src)}
	lx.run()
	return lx.toks
}

// lexer turns a query into tokens. Whether `and`, `or` and `not` are
// keywords depends on the white space around them, as in Kibana's grammar
// (packages/kbn-es-query/src/kuery/grammar/grammar.peggy):
//
//	Or  = Space+ 'or'i Space+
//	And = Space+ 'and'i Space+
//	Not = 'not'i Space+
//
// so `a or` at the end of a query is the one value "a or", and `not` ends an
// unquoted value wherever it is followed by white space, even inside a word
// ("cannot x" is the value "can" then the keyword).
type lexer struct {
	src  string
	pos  int
	toks []Token
	errs diag.ErrorList
}

// isSpace tells whether the byte at i starts one of the white space
// characters of the grammar (space, tab, CR, LF, U+00A0) and returns its
// length.
func spaceAt(s string, i int) int {
	if i >= len(s) {
		return 0
	}
	switch s[i] {
	case ' ', '\t', '\r', '\n':
		return 1
	case 0xC2:
		if i+1 < len(s) && s[i+1] == 0xA0 {
			return 2
		}
	}
	return 0
}

// spaceBefore tells whether a white space character ends right before i.
func spaceBefore(s string, i int) bool {
	if i == 0 {
		return false
	}
	switch s[i-1] {
	case ' ', '\t', '\r', '\n':
		return true
	case 0xA0:
		return i >= 2 && s[i-2] == 0xC2
	}
	return false
}

// special tells whether c is one of the characters a value must escape:
// \ ( ) : < > " * { } (the grammar's SpecialCharacter).
func special(c byte) bool {
	switch c {
	case '\\', '(', ')', ':', '<', '>', '"', '*', '{', '}':
		return true
	}
	return false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// escapeLen returns the length of the escape sequence of an unquoted value
// starting with the backslash at i, or 0 when it is none. The grammar tries,
// in order: \t \r \n, a backslash before a special character, \uXXXX, and
// \or \and \not in any case.
func escapeLen(s string, i int) int {
	if i+1 >= len(s) {
		return 0
	}
	c := s[i+1]
	switch {
	case c == 't' || c == 'r' || c == 'n':
		return 2
	case special(c):
		return 2
	case c == 'u' && i+6 <= len(s) && isHex(s[i+2]) && isHex(s[i+3]) && isHex(s[i+4]) && isHex(s[i+5]):
		return 6
	case hasFoldPrefix(s[i+1:], "or"):
		return 3
	case hasFoldPrefix(s[i+1:], "and"), hasFoldPrefix(s[i+1:], "not"):
		return 4
	}
	return 0
}

// hasFoldPrefix tells whether s starts with the lower-case ASCII word w in
// any case.
func hasFoldPrefix(s, w string) bool {
	return len(s) >= len(w) && strings.EqualFold(s[:len(w)], w)
}

// notAt tells whether the keyword `not` followed by white space starts at i.
func notAt(s string, i int) bool {
	return hasFoldPrefix(s[i:], "not") && spaceAt(s, i+3) > 0
}

func (lx *lexer) emit(k Kind, start int) Token {
	return Token{Kind: k, Span: diag.Span{Start: start, End: lx.pos}, Text: lx.src[start:lx.pos]}
}

// run reads every token into lx.toks.
func (lx *lexer) run() {
	lx.toks = make([]Token, 0, len(lx.src)/8+4)
	for {
		t := lx.scan()
		lx.toks = append(lx.toks, t)
		if t.Kind == EOF {
			return
		}
	}
}

// scan returns the next token; at the end, EOF again and again.
func (lx *lexer) scan() Token {
	s := lx.src
	for n := spaceAt(s, lx.pos); n > 0; n = spaceAt(s, lx.pos) {
		lx.pos += n
	}
	if lx.pos >= len(s) {
		return lx.emit(EOF, lx.pos)
	}
	start := lx.pos
	switch c := s[lx.pos]; c {
	case '(':
		lx.pos++
		return lx.emit(LParen, start)
	case ')':
		lx.pos++
		return lx.emit(RParen, start)
	case '{':
		lx.pos++
		return lx.emit(LBrace, start)
	case '}':
		lx.pos++
		return lx.emit(RBrace, start)
	case ':':
		lx.pos++
		return lx.emit(Colon, start)
	case '<', '>':
		lx.pos++
		k := Lt
		if c == '>' {
			k = Gt
		}
		if lx.pos < len(s) && s[lx.pos] == '=' {
			lx.pos++
			k++ // Le, Ge
		}
		return lx.emit(k, start)
	case '"':
		return lx.quoted()
	case '\\':
		if escapeLen(s, lx.pos) == 0 {
			lx.pos++
			return lx.emit(Illegal, start)
		}
	}
	return lx.word()
}

// quoted reads a quoted string. Inside it \t \r \n \uXXXX \\ and \" are
// escapes and any other backslash is itself.
func (lx *lexer) quoted() Token {
	s := lx.src
	start := lx.pos
	i := lx.pos + 1
	for i < len(s) {
		switch s[i] {
		case '"':
			lx.pos = i + 1
			return lx.emit(String, start)
		case '\\':
			if i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\') {
				i += 2
				continue
			}
		}
		i++
	}
	lx.pos = len(s)
	lx.errs.Add(diag.Span{Start: start, End: lx.pos}, diag.Error, "unterminated quoted string")
	return lx.emit(String, start)
}

// word reads an unquoted run: up to white space, a special character other
// than `*`, a backslash that starts no escape, or `not` followed by white
// space. A run that is exactly and/or between white space, or not before
// white space, is a keyword.
func (lx *lexer) word() Token {
	s := lx.src
	start := lx.pos
	i := lx.pos
	for i < len(s) {
		c := s[i]
		if c == '\\' {
			n := escapeLen(s, i)
			if n == 0 {
				break
			}
			i += n
			continue
		}
		if c == '*' {
			i++
			continue
		}
		if special(c) || spaceAt(s, i) > 0 {
			break
		}
		if (c == 'n' || c == 'N') && i > start && notAt(s, i) {
			break
		}
		i++
	}
	lx.pos = i
	k := Word
	switch i - start {
	case 2, 3:
		w := s[start:i]
		after := spaceAt(s, i) > 0
		switch {
		case after && strings.EqualFold(w, "not"):
			k = Not
		case after && spaceBefore(s, start) && (strings.EqualFold(w, "or")):
			k = Or
		case after && spaceBefore(s, start) && (strings.EqualFold(w, "and")):
			k = And
		}
	}
	return lx.emit(k, start)
}
