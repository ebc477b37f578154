package esql

import (
	"unicode/utf8"

	"github.com/ruledex/ruledex/internal/lang/diag"
)

// mode is what the lexer expects next. ES|QL's lexer is modal (ANTLR
// modes): the command name at the start of a command decides how the rest
// of the command is split, because an index pattern (logs-*.ds-2024),
// a name pattern (Esql.*) and an expression (a - b * c) share characters.
type mode uint8

const (
	mCommand     mode = iota // a command name is expected
	mExpr                    // expressions (WHERE, EVAL, STATS, ...)
	mSource                  // FROM and TS: index patterns, METADATA
	mJoin                    // LOOKUP JOIN target, until ON
	mPattern                 // KEEP and DROP: name patterns
	mRename                  // RENAME: name patterns, AS and =
	mEnrich                  // ENRICH: the policy name, until ON or WITH
	mEnrichField             // ENRICH after ON or WITH: name patterns
	mShow                    // SHOW: INFO
	mFork                    // FORK: ( sub-pipeline ) ...
	mInline                  // after INLINE: STATS
)

// lexer splits a source into tokens. It never fails: a character the
// language does not have is an Illegal token, and an unterminated string or
// comment is a token to the end of its line (or of the source) with an error.
type lexer struct {
	src   string
	pos   int
	toks  []rawToken
	errs  diag.ErrorList
	mode  mode
	depth int   // parentheses open in the current command
	forks []int // the depth to restore when a FORK branch's ')' closes it
}

// Lex splits src into tokens, comments included (Comment tokens); the last
// token is EOF. It never fails: bad characters are Illegal tokens.
func Lex(src []byte) []Token {
	s := string(src)
	raw, _ := lex(s)
	toks := make([]Token, len(raw))
	for i, t := range raw {
		toks[i] = Token{Kind: t.Kind, Span: t.Span, Text: s[t.Span.Start:t.Span.End]}
	}
	return toks
}

// rawToken is a token without its text: pointer-free, so the parser's
// token slice costs the garbage collector nothing to scan.
type rawToken struct {
	Kind Kind
	Span diag.Span
}

// lex returns the tokens of src and the lexical errors met.
func lex(src string) ([]rawToken, diag.ErrorList) {
	lx := &lexer{src: src, toks: make([]rawToken, 0, len(src)/6+16)} // the corpus has 7 bytes a token
	lx.run()
	return lx.toks, lx.errs
}

func (lx *lexer) emit(k Kind, start int) {
	lx.toks = append(lx.toks, rawToken{Kind: k, Span: diag.Span{Start: start, End: lx.pos}})
}

func (lx *lexer) errorf(start, end int, format string, args ...any) {
	lx.errs.Addf(diag.Span{Start: start, End: end}, diag.Error, format, args...)
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isIDBody(c byte) bool { return isLetter(c) || isDigit(c) || c == '_' }

// isSourceByte tells whether c may be part of an unquoted index pattern:
// anything but :"=|,[]/ and white space (lexer/From.g4, UNQUOTED_SOURCE_PART).
func isSourceByte(c byte) bool {
	switch c {
	case ':', '"', '=', '|', ',', '[', ']', '/', ' ', '\t', '\r', '\n':
		return false
	}
	return true
}

// isPolicyByte tells whether c may be part of an enrich policy name
// (lexer/Enrich.g4, ENRICH_POLICY_NAME_BODY).
func isPolicyByte(c byte) bool {
	switch c {
	case '\\', '/', '?', '"', '<', '>', '|', ' ', ',', '#', '\t', '\r', '\n', ':', '[', ']':
		return false
	}
	return true
}

func (lx *lexer) run() {
	src := lx.src
	for lx.pos < len(src) {
		c := src[lx.pos]
		start := lx.pos
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			lx.pos++
			continue
		case c == '/' && lx.pos+1 < len(src) && src[lx.pos+1] == '/':
			for lx.pos < len(src) && src[lx.pos] != '\n' {
				lx.pos++
			}
			end := lx.pos
			if end > start && src[end-1] == '\r' {
				lx.pos = end - 1
			}
			lx.emit(Comment, start)
			lx.pos = end
			continue
		case c == '/' && lx.pos+1 < len(src) && src[lx.pos+1] == '*':
			lx.blockComment()
			continue
		case c == '|':
			lx.pos++
			lx.emit(Pipe, start)
			lx.mode, lx.depth = mCommand, 0
			continue
		}
		switch lx.mode {
		case mCommand:
			if isLetter(c) || c == '_' {
				lx.word()
				k := lookupWord(commands, src[start:lx.pos])
				lx.emit(k, start)
				lx.mode = commandMode(k)
				continue
			}
			lx.mode = mExpr
		case mInline:
			lx.mode = mExpr
			if isLetter(c) {
				lx.word()
				k := Ident
				if equalFold(src[start:lx.pos], "stats") {
					k = Stats
				}
				lx.emit(k, start)
				continue
			}
		case mShow:
			if isLetter(c) {
				lx.word()
				k := Ident
				if equalFold(src[start:lx.pos], "info") {
					k = Info
				}
				lx.emit(k, start)
				continue
			}
		case mFork:
			if c == '(' {
				lx.pos++
				lx.emit(LParen, start)
				lx.forks = append(lx.forks, lx.depth)
				lx.mode, lx.depth = mCommand, 0
				continue
			}
		case mSource, mJoin:
			if lx.source(c) {
				continue
			}
		case mEnrich:
			if isPolicyByte(c) {
				for lx.pos < len(src) && isPolicyByte(src[lx.pos]) {
					lx.pos++
				}
				// a cluster prefix: remote:policy
				if lx.pos+1 < len(src) && src[lx.pos] == ':' && isPolicyByte(src[lx.pos+1]) {
					lx.pos++
					for lx.pos < len(src) && isPolicyByte(src[lx.pos]) {
						lx.pos++
					}
				}
				w := src[start:lx.pos]
				switch {
				case equalFold(w, "on"):
					lx.emit(On, start)
					lx.mode = mEnrichField
				case equalFold(w, "with"):
					lx.emit(With, start)
					lx.mode = mEnrichField
				default:
					lx.emit(Source, start)
				}
				continue
			}
		case mPattern, mRename, mEnrichField:
			if isLetter(c) || c == '_' || c == '@' || c == '*' || c == '`' {
				lx.pattern()
				w := src[start:lx.pos]
				k := Pattern
				switch {
				case lx.mode == mRename && equalFold(w, "as"):
					k = As
				case lx.mode == mEnrichField && equalFold(w, "with"):
					k = With
				}
				lx.emit(k, start)
				continue
			}
		}
		lx.exprToken(c)
	}
	lx.toks = append(lx.toks, rawToken{Kind: EOF, Span: diag.Span{Start: len(src), End: len(src)}})
}

// commandMode is the mode that follows a command name.
func commandMode(k Kind) mode {
	switch k {
	case From, Ts:
		return mSource
	case Keep, Drop:
		return mPattern
	case Rename:
		return mRename
	case Enrich:
		return mEnrich
	case Lookup, Left, Right:
		return mJoin
	case Show:
		return mShow
	case Fork:
		return mFork
	case Inline:
		return mInline
	}
	return mExpr
}

// word reads [A-Za-z0-9_]*.
func (lx *lexer) word() {
	for lx.pos < len(lx.src) && isIDBody(lx.src[lx.pos]) {
		lx.pos++
	}
}

// blockComment reads a /* comment */; they nest (lexer MULTILINE_COMMENT).
func (lx *lexer) blockComment() {
	src, start := lx.src, lx.pos
	lx.pos += 2
	nest := 1
	for lx.pos < len(src) && nest > 0 {
		switch {
		case src[lx.pos] == '*' && lx.pos+1 < len(src) && src[lx.pos+1] == '/':
			nest--
			lx.pos += 2
		case src[lx.pos] == '/' && lx.pos+1 < len(src) && src[lx.pos+1] == '*':
			nest++
			lx.pos += 2
		default:
			lx.pos++
		}
	}
	if nest > 0 {
		lx.errorf(start, lx.pos, "comment not terminated: /* without */")
	}
	lx.emit(Comment, start)
}

// source reads one token of FROM, TS or a JOIN target; it tells whether it
// read one (else the character is read as in an expression).
func (lx *lexer) source(c byte) bool {
	src, start := lx.src, lx.pos
	switch c {
	case ',', '[', ']', '=', '"':
		return false
	case ':':
		return false
	}
	if c == ')' && len(lx.forks) > 0 {
		return false
	}
	for lx.pos < len(src) {
		c := src[lx.pos]
		if c == '/' {
			if lx.pos+1 < len(src) && (src[lx.pos+1] == '/' || src[lx.pos+1] == '*') {
				break
			}
		} else if !isSourceByte(c) || c == ')' && len(lx.forks) > 0 {
			break
		}
		lx.pos++
	}
	if lx.pos == start {
		return false
	}
	w := src[start:lx.pos]
	k := Source
	switch {
	case lx.mode == mSource && equalFold(w, "metadata"):
		k = Metadata
	case lx.mode == mJoin && equalFold(w, "join"):
		k = Join
	case lx.mode == mJoin && equalFold(w, "as"):
		k = As
	case lx.mode == mJoin && equalFold(w, "on"):
		k = On
		lx.mode = mExpr
	}
	lx.emit(k, start)
	return true
}

// pattern reads a name pattern: (unquoted pattern | `quoted`)+, the unquoted
// parts made of letters, digits, _, @ and * (lexer/Project.g4, ID_PATTERN).
func (lx *lexer) pattern() {
	src := lx.src
	for lx.pos < len(src) {
		c := src[lx.pos]
		switch {
		case isIDBody(c) || c == '*' || c == '@':
			lx.pos++
		case c == '`':
			if !lx.backquoted() {
				return
			}
		default:
			return
		}
	}
}

// backquoted reads a `quoted name` at lx.pos; “ inside is one backquote.
// It tells whether the name was terminated.
func (lx *lexer) backquoted() bool {
	src, start := lx.src, lx.pos
	lx.pos++
	for lx.pos < len(src) {
		if src[lx.pos] == '`' {
			if lx.pos+1 < len(src) && src[lx.pos+1] == '`' {
				lx.pos += 2
				continue
			}
			lx.pos++
			if lx.pos-start == 2 {
				lx.errorf(start, lx.pos, "empty quoted name ``")
			}
			return true
		}
		lx.pos++
	}
	lx.errorf(start, lx.pos, "quoted name not terminated: ` without closing `")
	return false
}

// exprToken reads one token of an expression at lx.pos, c being its first byte.
func (lx *lexer) exprToken(c byte) {
	src, start := lx.src, lx.pos
	next := byte(0)
	if lx.pos+1 < len(src) {
		next = src[lx.pos+1]
	}
	op := func(k Kind, n int) {
		lx.pos += n
		lx.emit(k, start)
	}
	switch {
	case isLetter(c):
		lx.word()
		lx.emit(lookupWord(keywords, src[start:lx.pos]), start)
		return
	case c == '_' || c == '@':
		lx.pos++
		lx.word()
		if lx.pos == start+1 {
			lx.errorf(start, lx.pos, "%q alone is not a name", c)
			lx.emit(Illegal, start)
			return
		}
		lx.emit(Ident, start)
		return
	case isDigit(c) || c == '.' && isDigit(next):
		lx.number()
		return
	case c == '"':
		lx.str()
		return
	case c == '`':
		lx.backquoted()
		lx.emit(QuotedIdent, start)
		return
	case c == '?':
		lx.pos++
		if lx.pos < len(src) && src[lx.pos] == '?' {
			lx.pos++
		}
		if lx.pos < len(src) && (isIDBody(src[lx.pos])) {
			lx.word()
		}
		lx.emit(Param, start)
		return
	}
	switch c {
	case ',':
		op(Comma, 1)
	case '.':
		op(Dot, 1)
	case '(':
		lx.depth++
		op(LParen, 1)
	case ')':
		if lx.depth == 0 && len(lx.forks) > 0 {
			lx.depth = lx.forks[len(lx.forks)-1]
			lx.forks = lx.forks[:len(lx.forks)-1]
			lx.mode = mFork
		} else if lx.depth > 0 {
			lx.depth--
		}
		op(RParen, 1)
	case '[':
		op(LBrack, 1)
	case ']':
		op(RBrack, 1)
	case '{':
		op(LBrace, 1)
	case '}':
		op(RBrace, 1)
	case ';':
		op(Semicolon, 1)
	case '+':
		op(Plus, 1)
	case '-':
		op(Minus, 1)
	case '*':
		op(Star, 1)
	case '/':
		op(Slash, 1)
	case '%':
		op(Percent, 1)
	case '=':
		switch next {
		case '=':
			op(Eq, 2)
		case '~':
			op(CIEq, 2)
		default:
			op(Assign, 1)
		}
	case '!':
		if next == '=' {
			op(Neq, 2)
		} else {
			lx.illegal()
		}
	case '<':
		if next == '=' {
			op(Lte, 2)
		} else {
			op(Lt, 1)
		}
	case '>':
		if next == '=' {
			op(Gte, 2)
		} else {
			op(Gt, 1)
		}
	case ':':
		if next == ':' {
			op(Cast, 2)
		} else {
			op(Colon, 1)
		}
	default:
		lx.illegal()
	}
}

// illegal reads one character the language does not have.
func (lx *lexer) illegal() {
	start := lx.pos
	r, n := utf8.DecodeRuneInString(lx.src[lx.pos:])
	lx.pos += n
	if r == utf8.RuneError && n == 1 {
		lx.errorf(start, lx.pos, "invalid UTF-8 byte %#x", lx.src[start])
	} else {
		lx.errorf(start, lx.pos, "unexpected character %q", r)
	}
	lx.emit(Illegal, start)
}

// number reads DIGIT+ (. DIGIT*)? EXPONENT? or . DIGIT+ EXPONENT?
// (lexer/Expression.g4, INTEGER_LITERAL and DECIMAL_LITERAL).
func (lx *lexer) number() {
	src, start := lx.src, lx.pos
	k := Int
	for lx.pos < len(src) && isDigit(src[lx.pos]) {
		lx.pos++
	}
	if lx.pos < len(src) && src[lx.pos] == '.' {
		k = Decimal
		lx.pos++
		for lx.pos < len(src) && isDigit(src[lx.pos]) {
			lx.pos++
		}
	}
	if lx.pos < len(src) && (src[lx.pos] == 'e' || src[lx.pos] == 'E') {
		p := lx.pos + 1
		if p < len(src) && (src[p] == '+' || src[p] == '-') {
			p++
		}
		if p < len(src) && isDigit(src[p]) {
			for p < len(src) && isDigit(src[p]) {
				p++
			}
			lx.pos, k = p, Decimal
		}
	}
	lx.emit(k, start)
}

// str reads a "quoted string" (escapes \t \n \r \" \\, no line break) or a
// """triple-quoted""" raw string (no escapes, no line break, up to two more
// quotes at its end), as lexer/Expression.g4's QUOTED_STRING.
func (lx *lexer) str() {
	src, start := lx.src, lx.pos
	if len(src)-lx.pos >= 3 && src[lx.pos+1] == '"' && src[lx.pos+2] == '"' {
		lx.pos += 3
		for lx.pos < len(src) {
			if src[lx.pos] == '"' && lx.pos+2 < len(src) && src[lx.pos+1] == '"' && src[lx.pos+2] == '"' {
				lx.pos += 3
				for i := 0; i < 2 && lx.pos < len(src) && src[lx.pos] == '"'; i++ {
					lx.pos++
				}
				lx.emit(String, start)
				return
			}
			if src[lx.pos] == '\n' || src[lx.pos] == '\r' {
				break
			}
			lx.pos++
		}
		lx.errorf(start, lx.pos, "string not terminated: \"\"\" without closing \"\"\" on its line")
		lx.emit(String, start)
		return
	}
	lx.pos++
	for lx.pos < len(src) {
		switch src[lx.pos] {
		case '"':
			lx.pos++
			lx.emit(String, start)
			return
		case '\\':
			if lx.pos+1 < len(src) {
				switch src[lx.pos+1] {
				case 't', 'n', 'r', '"', '\\':
				default:
					lx.errorf(lx.pos, lx.pos+2, "unknown escape sequence \\%c (known: \\t \\n \\r \\\" \\\\)", src[lx.pos+1])
				}
				lx.pos += 2
				continue
			}
			lx.pos++
		case '\n', '\r':
			lx.errorf(start, lx.pos, "string not terminated: \" without closing \" on its line")
			lx.emit(String, start)
			return
		default:
			lx.pos++
		}
	}
	lx.errorf(start, lx.pos, "string not terminated: \" without closing \"")
	lx.emit(String, start)
}

// unquoteString returns the value of a string token: a triple-quoted one
// loses its three quotes at each end and is raw; a quoted one has its
// escapes decoded. A token cut short (unterminated) gives what it holds.
func unquoteString(s string) string {
	if len(s) >= 6 && s[:3] == `"""` && s[len(s)-3:] == `"""` {
		return s[3 : len(s)-3]
	}
	if len(s) >= 3 && s[:3] == `"""` {
		return s[3:]
	}
	if len(s) > 0 && s[0] == '"' {
		s = s[1:]
	}
	if len(s) > 0 && s[len(s)-1] == '"' && !escapedQuote(s) {
		s = s[:len(s)-1]
	}
	i := 0
	for i < len(s) && s[i] != '\\' {
		i++
	}
	if i == len(s) {
		return s
	}
	b := make([]byte, 0, len(s))
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 't':
				c = '\t'
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			default:
				c = s[i]
			}
		}
		b = append(b, c)
	}
	return string(b)
}

// escapedQuote tells whether the last byte of s (a quote) is escaped: an
// odd run of backslashes before it.
func escapedQuote(s string) bool {
	n := 0
	for i := len(s) - 2; i >= 0 && s[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// unquoteName returns the value of a `quoted name`: without its backquotes,
// “ made one.
func unquoteName(s string) string {
	if len(s) >= 2 && s[0] == '`' && s[len(s)-1] == '`' {
		s = s[1 : len(s)-1]
	} else if len(s) >= 1 && s[0] == '`' {
		s = s[1:]
	}
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '`' && s[i+1] == '`' {
			b := make([]byte, 0, len(s))
			for j := 0; j < len(s); j++ {
				b = append(b, s[j])
				if s[j] == '`' && j+1 < len(s) && s[j+1] == '`' {
					j++
				}
			}
			return string(b)
		}
	}
	return s
}
