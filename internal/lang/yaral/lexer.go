package yaral

import (
	"github.com/ruledex/ruledex/internal/lang/diag"
)

// Lex splits src into tokens, comments included, the last one EOF. It
// never fails: a character the language does not have is an Illegal
// token, and an unterminated string, regular expression or comment ends
// at the end of its line (strings, regular expressions) or of the source
// (comments, back-quoted strings). Parse reports those problems.
func Lex(src []byte) []Token {
	lx := lexer{src: string(src)}
	lx.run()
	return lx.toks
}

type lexer struct {
	src  string
	toks []Token
	errs diag.ErrorList
	// split puts the comments in comments rather than in toks (the parser's way)
	split    bool
	comments []Token
}

const (
	clLetter = 1 << iota // a-z A-Z _
	clDigit              // 0-9
	clSpace              // ASCII white space
)

var charClass = func() (t [256]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] |= clLetter
		t[c-'a'+'A'] |= clLetter
	}
	t['_'] |= clLetter
	for c := '0'; c <= '9'; c++ {
		t[c] |= clDigit
	}
	for _, c := range " \t\n\r\f\v" {
		t[c] |= clSpace
	}
	return t
}()

func isIdentChar(c byte) bool { return charClass[c]&(clLetter|clDigit) != 0 }

// endsOperand tells whether a token of kind k can end an operand: a '/'
// after it divides, elsewhere it opens a regular expression.
func endsOperand(k Kind) bool {
	return k.IsLiteral() || k == RParen || k == RBrack || k == KwTrue || k == KwFalse
}

func (lx *lexer) run() {
	src := lx.src
	if lx.toks == nil {
		lx.toks = make([]Token, 0, len(src)/5+4)
	}
	nl := true
	prev := EOF // last token that is not a comment
	i := 0
	for {
		for i < len(src) && charClass[src[i]]&clSpace != 0 {
			if src[i] == '\n' {
				nl = true
			}
			i++
		}
		if i >= len(src) {
			lx.toks = append(lx.toks, Token{Kind: EOF, Span: diag.Span{Start: len(src), End: len(src)}, NL: nl})
			return
		}
		start := i
		c := src[i]
		var k Kind
		switch {
		case charClass[c]&clLetter != 0:
			for i < len(src) && isIdentChar(src[i]) {
				i++
			}
			k = keyword(src[start:i])
		case charClass[c]&clDigit != 0:
			i, k = lx.number(i)
		case c == '$' || c == '#' || c == '%':
			i++
			for i < len(src) && isIdentChar(src[i]) {
				i++
			}
			if i == start+1 {
				k = Illegal
				lx.errs.Addf(diag.Span{Start: start, End: i}, diag.Error, "%q must be followed by a name", string(c))
				break
			}
			k = sigilKinds[c]
		case c == '"':
			i, k = lx.quoted(i), TokString
		case c == '`':
			i++
			for i < len(src) && src[i] != '`' {
				i++
			}
			if i >= len(src) {
				lx.errs.Add(diag.Span{Start: start, End: i}, diag.Error, "unterminated back-quoted string")
			} else {
				i++
			}
			k = TokString
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i < len(src) && src[i] != '\n' {
				i++
			}
			k = TokComment
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			i += 2
			for i < len(src) && !(src[i] == '*' && i+1 < len(src) && src[i+1] == '/') {
				i++
			}
			if i >= len(src) {
				lx.errs.Add(diag.Span{Start: start, End: i}, diag.Error, "unterminated /* comment")
			} else {
				i += 2
			}
			k = TokComment
		case c == '/' && !endsOperand(prev):
			i, k = lx.regex(i), TokRegex
		default:
			i, k = lx.operator(i)
		}
		if k == TokComment && lx.split {
			lx.comments = append(lx.comments, Token{Kind: k, Span: diag.Span{Start: start, End: i}, Text: src[start:i], NL: nl})
			continue
		}
		lx.toks = append(lx.toks, Token{Kind: k, Span: diag.Span{Start: start, End: i}, Text: src[start:i], NL: nl})
		if k != TokComment {
			nl = false
			prev = k
		}
	}
}

// number reads 42, 1.5 or a duration (5m, 1h, 30s, 2d) from src[i].
func (lx *lexer) number(i int) (int, Kind) {
	src := lx.src
	for i < len(src) && charClass[src[i]]&clDigit != 0 {
		i++
	}
	if i+1 < len(src) && src[i] == '.' && charClass[src[i+1]]&clDigit != 0 {
		i++
		for i < len(src) && charClass[src[i]]&clDigit != 0 {
			i++
		}
		return i, TokNumber
	}
	if i < len(src) && (src[i] == 's' || src[i] == 'm' || src[i] == 'h' || src[i] == 'd') &&
		(i+1 >= len(src) || !isIdentChar(src[i+1])) {
		return i + 1, TokDuration
	}
	return i, TokNumber
}

// quoted reads a double-quoted string from src[i]; it ends at the closing
// quote, or with an error at the end of the line.
func (lx *lexer) quoted(i int) int {
	src := lx.src
	start := i
	i++
	for i < len(src) {
		switch src[i] {
		case '"':
			return i + 1
		case '\\':
			if i+1 < len(src) && src[i+1] != '\n' {
				i++
			}
		case '\n':
			lx.errs.Add(diag.Span{Start: start, End: i}, diag.Error, "unterminated string")
			return i
		}
		i++
	}
	lx.errs.Add(diag.Span{Start: start, End: i}, diag.Error, "unterminated string")
	return i
}

// regex reads /.../ from src[i]; \/ does not end it. It ends with an
// error at the end of the line.
func (lx *lexer) regex(i int) int {
	src := lx.src
	start := i
	i++
	for i < len(src) {
		switch src[i] {
		case '/':
			return i + 1
		case '\\':
			if i+1 < len(src) && src[i+1] != '\n' {
				i++
			}
		case '\n':
			lx.errs.Add(diag.Span{Start: start, End: i}, diag.Error, "unterminated regular expression")
			return i
		}
		i++
	}
	lx.errs.Add(diag.Span{Start: start, End: i}, diag.Error, "unterminated regular expression")
	return i
}

var sigilKinds = [256]Kind{'$': TokVar, '#': TokCountVar, '%': TokListRef}

var singleOps = [256]Kind{
	'=': Eq, '<': Less, '>': Great, '+': Plus, '-': Minus, '*': Star, '/': Slash, '!': Bang,
	'(': LParen, ')': RParen, '[': LBrack, ']': RBrack, '{': LBrace, '}': RBrace,
	',': Comma, ':': Colon, '.': Dot,
}

func (lx *lexer) operator(i int) (int, Kind) {
	src := lx.src
	c := src[i]
	if i+1 < len(src) && src[i+1] == '=' {
		switch c {
		case '!':
			return i + 2, NotEq
		case '<':
			return i + 2, LessEq
		case '>':
			return i + 2, GreatEq
		}
	}
	if k := singleOps[c]; k != EOF {
		return i + 1, k
	}
	// one illegal token per character, not per byte
	n := 1
	if c >= 0x80 {
		for n < 4 && i+n < len(src) && src[i+n]&0xC0 == 0x80 {
			n++
		}
	}
	lx.errs.Addf(diag.Span{Start: i, End: i + n}, diag.Error, "illegal character %q", src[i:i+n])
	return i + n, Illegal
}
