package eql

import (
	"fmt"
	"unicode/utf8"

	"github.com/ruledex/ruledex/internal/lang/diag"
)

// Lex returns every token of src in order, comments included, and an EOF
// token last. It never fails: a character EQL does not have is an Illegal
// token, an unterminated string or comment runs to the end of its line (or
// of the source); Parse reports those. It runs in time linear in len(src).
func Lex(src []byte) []Token {
	lx := newLexer(src, nil)
	toks := make([]Token, 0, len(src)/6+8)
	for {
		t := lx.next()
		toks = append(toks, t)
		if t.Kind == EOF {
			return toks
		}
	}
}

// lexer turns a source into tokens, reporting problems to errs (when not
// nil).
type lexer struct {
	src  []byte
	text string // src as a string, sliced for token texts without copying
	pos  int
	errs *diag.ErrorList
}

func newLexer(src []byte, errs *diag.ErrorList) *lexer {
	return &lexer{src: src, text: string(src), errs: errs}
}

func (lx *lexer) errorf(start, end int, format string, args ...any) {
	if lx.errs != nil {
		lx.errs.Add(diag.Span{Start: start, End: end}, diag.Error, fmt.Sprintf(format, args...))
	}
}

func (lx *lexer) tok(k Kind, start int) Token {
	return Token{Kind: k, Span: diag.Span{Start: start, End: lx.pos}, Text: lx.text[start:lx.pos]}
}

func isSpace(c byte) bool     { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
func isDigit(c byte) bool     { return '0' <= c && c <= '9' }
func isLetter(c byte) bool    { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isNameStart(c byte) bool { return isLetter(c) || c == '_' }
func isNameByte(c byte) bool  { return isLetter(c) || c == '_' || isDigit(c) }
func isPartStart(c byte) bool { return isNameStart(c) || c == '`' }
func (lx *lexer) at(i int) byte {
	if i < len(lx.src) {
		return lx.src[i]
	}
	return 0
}

// next returns the next token; white space is skipped (space, tab, CR, LF:
// the eql grammar's WHITESPACE).
func (lx *lexer) next() Token {
	for lx.pos < len(lx.src) && isSpace(lx.src[lx.pos]) {
		lx.pos++
	}
	start := lx.pos
	if start >= len(lx.src) {
		return Token{Kind: EOF, Span: diag.Span{Start: start, End: start}}
	}
	c := lx.src[start]
	switch {
	case isNameStart(c) || c == '`':
		return lx.name(start, false)
	case isDigit(c) || c == '.' && isDigit(lx.at(start+1)):
		return lx.number(start)
	}
	lx.pos++
	switch c {
	case '"':
		if lx.at(start+1) == '"' && lx.at(start+2) == '"' {
			return lx.rawString(start)
		}
		return lx.quoted(start, '"')
	case '\'':
		return lx.quoted(start, '\'')
	case '?':
		switch n := lx.at(lx.pos); {
		case n == '"' || n == '\'':
			lx.pos++
			return lx.quoted(start, n)
		case isPartStart(n):
			return lx.name(start, true)
		}
		return lx.tok(Illegal, start)
	case '/':
		switch lx.at(lx.pos) {
		case '/':
			for lx.pos < len(lx.src) && lx.src[lx.pos] != '\n' {
				lx.pos++
			}
			return lx.tok(Comment, start)
		case '*':
			lx.pos++
			for {
				if lx.pos+1 >= len(lx.src) {
					lx.pos = len(lx.src)
					lx.errorf(start, start+2, "comment not terminated (no */)")
					return lx.tok(Comment, start)
				}
				if lx.src[lx.pos] == '*' && lx.src[lx.pos+1] == '/' {
					lx.pos += 2
					return lx.tok(Comment, start)
				}
				lx.pos++
			}
		}
		return lx.tok(Slash, start)
	case '=':
		if lx.at(lx.pos) == '=' {
			lx.pos++
			return lx.tok(Eq, start)
		}
		return lx.tok(Assign, start)
	case '!':
		switch lx.at(lx.pos) {
		case '=':
			lx.pos++
			return lx.tok(Ne, start)
		case '[':
			lx.pos++
			return lx.tok(MissingOpen, start)
		}
		return lx.tok(Illegal, start)
	case '<':
		if lx.at(lx.pos) == '=' {
			lx.pos++
			return lx.tok(Le, start)
		}
		return lx.tok(Lt, start)
	case '>':
		if lx.at(lx.pos) == '=' {
			lx.pos++
			return lx.tok(Ge, start)
		}
		return lx.tok(Gt, start)
	case ':':
		return lx.tok(Colon, start)
	case '+':
		return lx.tok(Plus, start)
	case '-':
		return lx.tok(Minus, start)
	case '*':
		return lx.tok(Star, start)
	case '%':
		return lx.tok(Percent, start)
	case '(':
		return lx.tok(Lparen, start)
	case ')':
		return lx.tok(Rparen, start)
	case '[':
		return lx.tok(Lbrack, start)
	case ']':
		return lx.tok(Rbrack, start)
	case ',':
		return lx.tok(Comma, start)
	case '|':
		return lx.tok(Bar, start)
	}
	if c >= utf8.RuneSelf {
		_, w := utf8.DecodeRune(lx.src[start:])
		lx.pos = start + w
	}
	return lx.tok(Illegal, start)
}

// name reads a name, a name~, a keyword or a field path starting at start
// (after the '?' of an optional field when optional). A path is the eql
// grammar's FIELD token: parts joined by '.' (white space allowed after the
// dot) or indexes [N], with no white space before the '.' or '['; so
// "pid [1]" is a name and a bracket, "pid[1]" one field.
func (lx *lexer) name(start int, optional bool) Token {
	first := lx.pos
	escaped := lx.part()
	parts := 1
	for lx.pos < len(lx.src) {
		switch lx.src[lx.pos] {
		case '.':
			j := lx.pos + 1
			for j < len(lx.src) && isSpace(lx.src[j]) {
				j++
			}
			if !isPartStart(lx.at(j)) {
				goto done
			}
			lx.pos = j
			lx.part()
			parts++
			continue
		case '[':
			j := lx.pos + 1
			for j < len(lx.src) && isSpace(lx.src[j]) {
				j++
			}
			d := j
			for j < len(lx.src) && isDigit(lx.src[j]) {
				j++
			}
			if j == d {
				goto done
			}
			for j < len(lx.src) && isSpace(lx.src[j]) {
				j++
			}
			if lx.at(j) != ']' {
				goto done
			}
			lx.pos = j + 1
			parts++
			continue
		}
		break
	}
done:
	if optional || escaped || parts > 1 {
		return lx.tok(Path, start)
	}
	if lx.at(lx.pos) == '~' {
		lx.pos++
		if k, ok := keywords[lx.text[first:lx.pos]]; ok {
			return lx.tok(k, start)
		}
		return lx.tok(NameI, start)
	}
	if k, ok := keywords[lx.text[first:lx.pos]]; ok {
		return lx.tok(k, start)
	}
	return lx.tok(Name, start)
}

// part reads one part of a name: letters, digits and '_', or `...` (any
// characters but '`' and line ends, at least one). It tells whether the
// part was escaped.
func (lx *lexer) part() bool {
	if lx.at(lx.pos) != '`' {
		for lx.pos < len(lx.src) && isNameByte(lx.src[lx.pos]) {
			lx.pos++
		}
		return false
	}
	start := lx.pos
	lx.pos++
	for lx.pos < len(lx.src) {
		switch lx.src[lx.pos] {
		case '`':
			lx.pos++
			if lx.pos == start+2 {
				lx.errorf(start, lx.pos, "empty escaped name ``")
			}
			return true
		case '\n', '\r':
			lx.errorf(start, lx.pos, "escaped name not terminated (no closing `)")
			return true
		}
		lx.pos++
	}
	lx.errorf(start, lx.pos, "escaped name not terminated (no closing `)")
	return true
}

// number reads 42, 4.2, .5, 1e3, 1.5E-3 (the eql grammar's UNSIGNED_INTEGER
// and DECIMAL). A letter right after it is left for the next token: 5m is
// the number 5 and the time unit m.
func (lx *lexer) number(start int) Token {
	kind := Int
	for lx.pos < len(lx.src) && isDigit(lx.src[lx.pos]) {
		lx.pos++
	}
	if lx.at(lx.pos) == '.' && isDigit(lx.at(lx.pos+1)) {
		kind = Float
		lx.pos++
		for lx.pos < len(lx.src) && isDigit(lx.src[lx.pos]) {
			lx.pos++
		}
	}
	if c := lx.at(lx.pos); c == 'e' || c == 'E' {
		j := lx.pos + 1
		if s := lx.at(j); s == '+' || s == '-' {
			j++
		}
		if isDigit(lx.at(j)) {
			kind = Float
			lx.pos = j
			for lx.pos < len(lx.src) && isDigit(lx.src[lx.pos]) {
				lx.pos++
			}
		}
	}
	return lx.tok(kind, start)
}

// quoted reads a "..." or '...' string whose opening quote is just before
// lx.pos. Escapes are \b \t \n \f \r \" \' \\ and \u{XX..} (2 to 8 hex
// digits); a line end or the source's end before the closing quote leaves
// the string unterminated. Both are reported; the token ends where the
// reading stopped.
func (lx *lexer) quoted(start int, q byte) Token {
	for lx.pos < len(lx.src) {
		c := lx.src[lx.pos]
		switch {
		case c == q:
			lx.pos++
			return lx.tok(String, start)
		case c == '\n' || c == '\r':
			lx.errorf(start, lx.pos, "string not terminated (strings end on their line)")
			return lx.tok(String, start)
		case c == '\\' && q == '"' && lx.text[start] == '?':
			// ?"..." keeps its backslashes; \" is a quote.
			lx.pos++
			if lx.at(lx.pos) == '"' {
				lx.pos++
			}
		case c == '\\':
			if n := escapeLen(lx.src[lx.pos:]); n > 0 {
				lx.pos += n
				continue
			}
			e := lx.pos + 2
			if e > len(lx.src) || lx.src[lx.pos+1] == '\n' || lx.src[lx.pos+1] == '\r' {
				e = lx.pos + 1
			} else if lx.src[lx.pos+1] >= utf8.RuneSelf {
				_, w := utf8.DecodeRune(lx.src[lx.pos+1:])
				e = lx.pos + 1 + w
			}
			lx.errorf(lx.pos, e, "invalid escape %s in string (EQL knows \\b \\t \\n \\f \\r \\\" \\' \\\\ \\u{...}; use \"\"\"...\"\"\" for a raw string)", lx.text[lx.pos:e])
			lx.pos = e
		default:
			lx.pos++
		}
	}
	lx.errorf(start, lx.pos, "string not terminated")
	return lx.tok(String, start)
}

// escapeLen returns the length of the valid escape at the start of s (which
// starts with a backslash), or 0.
func escapeLen(s []byte) int {
	if len(s) < 2 {
		return 0
	}
	switch s[1] {
	case 'b', 't', 'n', 'f', 'r', '"', '\'', '\\':
		return 2
	case 'u':
		if len(s) < 3 || s[2] != '{' {
			return 0
		}
		i := 3
		for i < len(s) && i < 3+8 && isHex(s[i]) {
			i++
		}
		if n := i - 3; n < 2 || i >= len(s) || s[i] != '}' {
			return 0
		}
		return i + 1
	}
	return 0
}

func isHex(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// rawString reads """...""": anything but a line end up to the first """,
// and then up to two more quotes, which belong to the value ("""a""""
// is a"), as the eql grammar's RAW_TQ_STRING.
func (lx *lexer) rawString(start int) Token {
	lx.pos = start + 3
	for lx.pos < len(lx.src) {
		c := lx.src[lx.pos]
		if c == '\n' || c == '\r' {
			break
		}
		if c == '"' && lx.at(lx.pos+1) == '"' && lx.at(lx.pos+2) == '"' {
			lx.pos += 3
			for k := 0; k < 2 && lx.at(lx.pos) == '"'; k++ {
				lx.pos++
			}
			return lx.tok(RawString, start)
		}
		lx.pos++
	}
	lx.errorf(start, lx.pos, `raw string not terminated (""" strings end on their line)`)
	return lx.tok(RawString, start)
}
