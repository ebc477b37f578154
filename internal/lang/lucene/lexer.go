package lucene

import (
	"unicode/utf8"

	"github.com/ruledex/ruledex/internal/lang/diag"
)

// Lex splits src into tokens, the last one EOF. It never fails: a
// character the syntax does not have where it stands is an Illegal token,
// and an unterminated phrase or regular expression runs to the end of the
// query (the parser reports both).
func Lex(src []byte) []Token {
	lx := lexer{src: string(src)}
	var toks []Token
	for {
		t := lx.scan()
		toks = append(toks, t)
		if t.Kind == EOF {
			return toks
		}
	}
}

// Lexical states, as QueryParser.jj's: after ^ only a number is read, and
// between [ or { and ] or } the bounds of a range.
const (
	stateDefault = iota
	stateBoost
	stateRange
)

// lexer follows the token definitions of Lucene's classic QueryParser.jj
// (https://lucene.apache.org/core/9_0_0/queryparser/org/apache/lucene/queryparser/classic/package-summary.html),
// JavaCC's rule included: the longest match wins, and of two of the same
// length the one defined first (so "AND" is a keyword but "ANDroid" and
// "&&x" are terms).
type lexer struct {
	src   string
	pos   int
	state int
	errs  diag.ErrorList
}

// spaceLen returns the length of the white space character at i (space,
// tab, CR, LF, U+3000), or 0.
func spaceLen(s string, i int) int {
	if i >= len(s) {
		return 0
	}
	switch s[i] {
	case ' ', '\t', '\n', '\r':
		return 1
	case 0xE3:
		if i+2 < len(s) && s[i+1] == 0x80 && s[i+2] == 0x80 {
			return 3
		}
	}
	return 0
}

// notTermStart tells whether c cannot start a term: white space and
// + - ! ( ) : ^ [ ] " { } ~ * ? \ / (the backslash starts an escape).
var notTermStart = func() (t [256]bool) {
	for _, c := range " \t\n\r+-!():^[]\"{}~*?\\/" {
		t[c] = true
	}
	return t
}()

// termCharLen returns the length of the term character at i (an escape
// is a backslash and the character after it), or 0. Inside a term, - and
// + are term characters too; wild says whether * and ? are taken.
func termCharLen(s string, i int, wild bool) int {
	if i >= len(s) {
		return 0
	}
	c := s[i]
	switch {
	case c == '\\':
		if i+1 >= len(s) {
			return 0
		}
		_, n := utf8.DecodeRuneInString(s[i+1:])
		return 1 + n
	case c == '-' || c == '+':
		return 1
	case c == '*' || c == '?':
		if wild {
			return 1
		}
		return 0
	case notTermStart[c]:
		return 0
	case c == 0xE3 && spaceLen(s, i) == 3:
		return 0
	}
	if c < utf8.RuneSelf {
		return 1
	}
	_, n := utf8.DecodeRuneInString(s[i:])
	return n
}

func (lx *lexer) token(k Kind, start int) Token {
	return Token{Kind: k, Span: diag.Span{Start: start, End: lx.pos}, Text: lx.src[start:lx.pos]}
}

// scan returns the next token; at the end, EOF again and again.
func (lx *lexer) scan() Token {
	switch lx.state {
	case stateBoost:
		return lx.boost()
	case stateRange:
		return lx.rangeToken()
	}
	s := lx.src
	for n := spaceLen(s, lx.pos); n > 0; n = spaceLen(s, lx.pos) {
		lx.pos += n
	}
	start := lx.pos
	if start >= len(s) {
		return lx.token(EOF, start)
	}
	one := func(k Kind) Token {
		lx.pos++
		return lx.token(k, start)
	}
	switch c := s[start]; c {
	case '+', '-', '!':
		if n := spaceLen(s, start+1); n > 0 {
			lx.pos += 1 + n
			return lx.token(BareOp, start)
		}
		switch c {
		case '+':
			return one(Plus)
		case '-':
			return one(Minus)
		}
		return one(Not)
	case '(':
		return one(LParen)
	case ')':
		return one(RParen)
	case ':':
		return one(Colon)
	case '^':
		lx.state = stateBoost
		return one(Caret)
	case '[':
		lx.state = stateRange
		return one(LBrack)
	case '{':
		lx.state = stateRange
		return one(LBrace)
	case ']', '}':
		return one(Illegal)
	case '"':
		return lx.quoted()
	case '/':
		return lx.regexp()
	case '~':
		lx.pos++
		for n := termCharLen(s, lx.pos, false); n > 0; n = termCharLen(s, lx.pos, false) {
			lx.pos += n
		}
		return lx.token(Fuzzy, start)
	}
	return lx.term()
}

// term reads a TERM, STAR, PREFIXTERM or WILDTERM, or the keywords AND,
// OR, NOT, && and || (a keyword only when nothing longer matches).
func (lx *lexer) term() Token {
	s := lx.src
	start := lx.pos
	wilds, lastWild := 0, -1
	for {
		n := termCharLen(s, lx.pos, true)
		if n == 0 {
			break
		}
		if c := s[lx.pos]; n == 1 && (c == '*' || c == '?') {
			wilds++
			lastWild = lx.pos
		}
		lx.pos += n
	}
	if lx.pos == start {
		// A backslash at the very end escapes nothing.
		lx.pos += max(1, utf8RuneLen(s, start))
		return lx.token(Illegal, start)
	}
	text := s[start:lx.pos]
	switch {
	case text == "*":
		return lx.token(Star, start)
	case wilds == 0:
		switch text {
		case "AND", "&&":
			return lx.token(And, start)
		case "OR", "||":
			return lx.token(Or, start)
		case "NOT":
			return lx.token(Not, start)
		}
		return lx.token(Word, start)
	case wilds == 1 && lastWild == lx.pos-1 && s[lastWild] == '*' && s[start] != '*' && s[start] != '?':
		return lx.token(Prefix, start)
	}
	return lx.token(Wild, start)
}

func utf8RuneLen(s string, i int) int {
	_, n := utf8.DecodeRuneInString(s[i:])
	return n
}

// quoted reads "...": any character but " and \, or a backslash and the
// character after it.
func (lx *lexer) quoted() Token {
	s := lx.src
	start := lx.pos
	i := start + 1
	for i < len(s) {
		switch s[i] {
		case '"':
			lx.pos = i + 1
			return lx.token(Quoted, start)
		case '\\':
			if i+1 < len(s) {
				i += 1 + utf8RuneLen(s, i+1)
				continue
			}
		}
		i++
	}
	lx.pos = len(s)
	lx.errs.Add(diag.Span{Start: start, End: lx.pos}, diag.Error, "unterminated phrase")
	return lx.token(Quoted, start)
}

// closingLen returns the length of the longest match of open (a quote or a
// slash), content, close where the content is any character but close, or
// a backslash before close; 0 when there is none. An escaped close can
// also be the end (the longest match decides), as in JavaCC. min is the
// least content length.
func closingLen(s string, start int, close byte, min int) int {
	cand := 0
	for i := start + 1; i < len(s); i++ {
		if s[i] != close {
			continue
		}
		if i-start-1 < min {
			return 0
		}
		if s[i-1] == '\\' && i-1 > start {
			cand = i + 1 - start
			continue
		}
		return i + 1 - start
	}
	return cand
}

// regexp reads /.../, where \/ is a slash of the expression.
func (lx *lexer) regexp() Token {
	start := lx.pos
	n := closingLen(lx.src, start, '/', 0)
	if n == 0 {
		lx.pos = len(lx.src)
		lx.errs.Add(diag.Span{Start: start, End: lx.pos}, diag.Error, "unterminated regular expression")
		return lx.token(Regexp, start)
	}
	lx.pos = start + n
	return lx.token(Regexp, start)
}

// boost reads the number after ^: digits, and a fraction. There is no white
// space between them (QueryParser.jj's Boost state skips none).
func (lx *lexer) boost() Token {
	lx.state = stateDefault
	s := lx.src
	start := lx.pos
	digits := func() int {
		n := 0
		for lx.pos < len(s) && '0' <= s[lx.pos] && s[lx.pos] <= '9' {
			lx.pos++
			n++
		}
		return n
	}
	if digits() == 0 {
		if start >= len(s) {
			return lx.token(EOF, start)
		}
		lx.pos = start + utf8RuneLen(s, start)
		return lx.token(Illegal, start)
	}
	if lx.pos+1 < len(s) && s[lx.pos] == '.' && '0' <= s[lx.pos+1] && s[lx.pos+1] <= '9' {
		lx.pos++
		digits()
	}
	return lx.token(Number, start)
}

// goopLen is the length of a RANGE_GOOP at i: every byte but space, ] and }.
func goopLen(s string, i int) int {
	j := i
	for j < len(s) && s[j] != ' ' && s[j] != ']' && s[j] != '}' {
		j++
	}
	return j - i
}

// rangeToken reads inside [ ] or { }: TO, the closing bracket, a quoted
// bound or a bound (RANGE_GOOP: anything up to a space, ] or }).
func (lx *lexer) rangeToken() Token {
	s := lx.src
	for {
		n := spaceLen(s, lx.pos)
		if n == 0 {
			break
		}
		// Only a space always separates: a tab, a line end or U+3000
		// followed by more is the start of a longer bound.
		if s[lx.pos] != ' ' && goopLen(s, lx.pos) > n {
			break
		}
		lx.pos += n
	}
	start := lx.pos
	if start >= len(s) {
		lx.state = stateDefault
		return lx.token(EOF, start)
	}
	switch s[start] {
	case ']':
		lx.state = stateDefault
		lx.pos++
		return lx.token(RBrack, start)
	case '}':
		lx.state = stateDefault
		lx.pos++
		return lx.token(RBrace, start)
	}
	g := goopLen(s, start)
	if s[start] == '"' {
		if q := closingLen(s, start, '"', 1); q > 0 && q >= g {
			lx.pos += q
			return lx.token(RangeQuoted, start)
		}
	}
	lx.pos += g
	if s[start:lx.pos] == "TO" {
		return lx.token(To, start)
	}
	return lx.token(RangeGoop, start)
}
