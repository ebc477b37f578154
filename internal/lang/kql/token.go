// Package kql reads Kusto Query Language: a lexer, a parser that builds a
// tree with byte spans on every node and keeps going after an error
// (go/parser style: a partial tree and every error), a printer whose output
// parses back to the same tree, a walker, and Summarize, which lists a
// query's tables, operators and functions.
//
// Parse(src []byte) returns the tree and a diag.ErrorList: every error with
// its span, sorted, one per position, located with lines from 1 and
// columns counted in runes (Unicode code points) of the line, as package
// diag counts them for every front end. An operator that cannot be read is
// a BadOperator, an expression a BadExpr; the tree keeps the offset of each
// pipe and the span of each operator's name and clause keyword.
//
// Tokens are an enum (Kind) grouped between sentinels: literals,
// punctuation and word operators, keywords; IsLiteral, IsOperator,
// IsKeyword are range checks. KQL's keywords are soft: where the grammar
// wants a name, a keyword is a name (IsName).
//
// The parser reads what detection rules are written in: statements separated
// by ';' (let, set, declare query_parameters, queries), every tabular
// operator, scalar expressions with Kusto's precedence and all its literal
// kinds. Rare operators whose grammar it does not model (graph-match,
// make-graph, scan's step bodies...) are kept as raw token runs, so that
// nothing is lost and the rest of the query is still read.
package kql

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ruledex/ruledex/internal/lang/diag"
)

// Kind is the kind of a token. Kinds are grouped between unexported
// sentinels, so that "is a literal", "is an operator" and "is a keyword"
// are range checks (as go/token and Prometheus' promql group theirs).
type Kind uint8

// Token kinds.
const (
	EOF     Kind = iota
	Illegal      // a character the language does not have
	Name         // name, $left, ['bracketed name'] (the text is the whole)

	literalBeg
	Int      // 42, 0x2A
	Real     // 1.5, 1e3
	Timespan // 1h, 14d, 1.5s, 100ms
	String   // '...', "...", @'...', h"...", ```...```
	TypedLit // datetime(...), timespan(...), guid(...), long(...), ...: the text is the whole
	literalEnd

	operatorBeg
	// punctuation and symbol operators
	Pipe      // |
	Semicolon // ;
	Comma     // ,
	LParen    // (
	RParen    // )
	LBrack    // [
	RBrack    // ]
	LBrace    // {
	RBrace    // }
	Dot       // .
	DotDot    // ..
	Colon     // :
	Assign    // =
	Eql       // ==
	Neq       // !=
	NeqAlt    // <>
	Lss       // <
	Leq       // <=
	Gtr       // >
	Geq       // >=
	EqlTilde  // =~
	NeqTilde  // !~
	Arrow     // =>
	Add       // +
	Sub       // -
	Mul       // *
	Quo       // /
	Rem       // %
	Bang      // !
	Tilde     // ~
	Question  // ?
	At        // @
	Hash      // #
	Amp       // &
	Caret     // ^
	Backslash // \
	DashDash  // --
	EdgeRight // -->
	EdgeLeft  // <--

	wordOperatorBeg
	// word operators, read as names where the grammar wants a name
	AND
	OR
	NOT
	MATCHES // matches regex
	REGEX

	comparisonWordBeg
	// word operators of comparison rank, negatable with !
	HAS
	HAS_CS
	HASPREFIX
	HASPREFIX_CS
	HASSUFFIX
	HASSUFFIX_CS
	CONTAINS
	CONTAINS_CS
	CONTAINSCS
	NOTCONTAINS
	NOTCONTAINSCS
	STARTSWITH
	STARTSWITH_CS
	NOTSTARTSWITH
	ENDSWITH
	ENDSWITH_CS
	IN
	NOTIN
	HAS_ANY
	HAS_ALL
	BETWEEN
	NOTBETWEEN
	LIKE
	NOTLIKE
	comparisonWordEnd
	wordOperatorEnd
	operatorEnd

	keywordBeg
	// keywords of statements, clauses and literals; KQL's keywords are
	// soft: each is read as a name where the grammar wants a name
	LET
	SET
	DECLARE
	ALIAS
	PATTERN
	RESTRICT
	VIEW
	BY
	ON
	WITH
	OF
	TO
	FROM
	STEP
	LIMIT
	ASC
	DESC
	NULLS
	TRUE  // true, True, TRUE
	FALSE // false, False, FALSE
	NULL
	DYNAMIC
	TYPEOF
	keywordEnd
)

var kindNames = [...]string{
	EOF: "end of query", Illegal: "illegal character", Name: "name",
	Int: "number", Real: "number", Timespan: "timespan", String: "string", TypedLit: "literal",
	Pipe: "|", Semicolon: ";", Comma: ",", LParen: "(", RParen: ")", LBrack: "[", RBrack: "]", LBrace: "{", RBrace: "}",
	Dot: ".", DotDot: "..", Colon: ":", Assign: "=", Eql: "==", Neq: "!=", NeqAlt: "<>", Lss: "<", Leq: "<=", Gtr: ">",
	Geq: ">=", EqlTilde: "=~", NeqTilde: "!~", Arrow: "=>", Add: "+", Sub: "-", Mul: "*", Quo: "/", Rem: "%", Bang: "!",
	Tilde: "~", Question: "?", At: "@", Hash: "#", Amp: "&", Caret: "^", Backslash: "\\", DashDash: "--", EdgeRight: "-->",
	EdgeLeft: "<--",

	AND: "and", OR: "or", NOT: "not", HAS: "has", HAS_CS: "has_cs", HASPREFIX: "hasprefix", HASPREFIX_CS: "hasprefix_cs",
	HASSUFFIX: "hassuffix", HASSUFFIX_CS: "hassuffix_cs", CONTAINS: "contains", CONTAINS_CS: "contains_cs",
	CONTAINSCS: "containscs", NOTCONTAINS: "notcontains", NOTCONTAINSCS: "notcontainscs", STARTSWITH: "startswith",
	STARTSWITH_CS: "startswith_cs", NOTSTARTSWITH: "notstartswith", ENDSWITH: "endswith", ENDSWITH_CS: "endswith_cs",
	IN: "in", NOTIN: "notin", HAS_ANY: "has_any", HAS_ALL: "has_all", BETWEEN: "between", NOTBETWEEN: "notbetween",
	LIKE: "like", NOTLIKE: "notlike", MATCHES: "matches", REGEX: "regex",
	LET: "let", SET: "set", DECLARE: "declare", ALIAS: "alias", PATTERN: "pattern", RESTRICT: "restrict", VIEW: "view",
	BY: "by", ON: "on", WITH: "with", OF: "of", TO: "to", FROM: "from", STEP: "step", LIMIT: "limit", ASC: "asc",
	DESC: "desc", NULLS: "nulls", TRUE: "true", FALSE: "false", NULL: "null", DYNAMIC: "dynamic", TYPEOF: "typeof",
}

// String returns the text of an operator or keyword kind, else what the
// kind is ("name", "string", "end of query").
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "token"
}

// IsLiteral tells whether k is a literal: a number, timespan, string or typed literal.
func (k Kind) IsLiteral() bool { return literalBeg < k && k < literalEnd }

// IsOperator tells whether k is punctuation, a symbol operator or a word operator.
func (k Kind) IsOperator() bool { return operatorBeg < k && k < operatorEnd }

// IsPunct tells whether k is punctuation or a symbol operator (written with symbols).
func (k Kind) IsPunct() bool { return operatorBeg < k && k < wordOperatorBeg }

// IsWordOperator tells whether k is a word operator (and, has, in, between...).
func (k Kind) IsWordOperator() bool { return wordOperatorBeg < k && k < wordOperatorEnd }

// IsComparisonWord tells whether k is a word operator of comparison rank
// (has, contains_cs, in, between...), which ! negates.
func (k Kind) IsComparisonWord() bool { return comparisonWordBeg < k && k < comparisonWordEnd }

// IsKeyword tells whether k is a keyword of statements, clauses or literals.
func (k Kind) IsKeyword() bool { return keywordBeg < k && k < keywordEnd }

// IsName tells whether a token of kind k can be a name: an identifier, or
// a word operator or keyword where the grammar wants a name (KQL's
// keywords are soft: a column may be called step or from).
func (k Kind) IsName() bool {
	return k == Name || wordOperatorBeg < k && k < wordOperatorEnd || keywordBeg < k && k < keywordEnd
}

// keywordTable maps the words the lexer gives their own kind (the others
// are Name): an open-addressing table, probed linearly, faster than a map
// for the lexer's one lookup per lower-case word.
var keywordTable = func() (t [256]struct {
	word string
	kind Kind
}) {
	add := func(w string, k Kind) {
		i := keywordHash(w)
		for t[i].word != "" {
			i = (i + 1) % uint(len(t))
		}
		t[i].word, t[i].kind = w, k
	}
	for k := wordOperatorBeg + 1; k < keywordEnd; k++ {
		if kindNames[k] != "" {
			add(kindNames[k], k)
		}
	}
	for _, w := range []string{"True", "TRUE"} {
		add(w, TRUE)
	}
	for _, w := range []string{"False", "FALSE"} {
		add(w, FALSE)
	}
	return t
}()

// keywordHash hashes a word of two bytes or more by its length and its
// first, second and last bytes.
func keywordHash(w string) uint {
	return (uint(len(w))*67 + uint(w[0])*31 + uint(w[1])*7 + uint(w[len(w)-1])) % 256
}

// Lookup returns the kind of a word: its keyword or word operator kind,
// else Name. Keywords are lower case (true and false also as True, TRUE...).
func Lookup(word string) Kind {
	if len(word) < 2 || len(word) > 13 {
		return Name
	}
	if c := word[0]; c < 'a' && c != 'T' && c != 'F' || c > 'z' {
		return Name
	}
	for i := keywordHash(word); keywordTable[i].word != ""; i = (i + 1) % 256 {
		if keywordTable[i].word == word {
			return keywordTable[i].kind
		}
	}
	return Name
}

// Token is one token: its kind and its byte span [Pos, End) in the source.
// Space reports whether white space or a comment comes right before it.
type Token struct {
	Kind  Kind
	Space bool
	Pos   int
	End   int
}

// Comment is a // comment, kept for the rule's description.
type Comment struct {
	Pos, End int
	Text     string // without the leading //
}

// typedLiteralNames are the names that, before '(', make a literal whose
// text between the parentheses is read raw (datetime(2024-01-01 10:00)).
var typedLiteralNames = map[string]bool{
	"datetime": true, "date": true, "timespan": true, "time": true, "guid": true,
	"long": true, "int": true, "int64": true, "real": true, "double": true, "decimal": true, "bool": true, "boolean": true,
}

// hyphenKeywords are the operator names written with hyphens.
var hyphenKeywords = map[string]bool{
	"project-away": true, "project-keep": true, "project-rename": true, "project-reorder": true,
	"project-smart": true, "project-by-names": true, "mv-expand": true, "mv-apply": true,
	"parse-where": true, "parse-kv": true, "make-series": true, "top-nested": true, "top-hitters": true,
	"sample-distinct": true, "make-graph": true, "graph-match": true, "graph-to-table": true,
	"graph-merge": true, "graph-where-nodes": true, "graph-where-edges": true, "graph-shortest-paths": true,
	"graph-mark-components": true, "execute-and-cache": true, "assert-schema": true,
	"macro-expand": true, "partition-by": true,
}

// lexer turns source text into tokens.
type lexer struct {
	src      string
	pos      int
	toks     []Token
	comments []Comment
	errs     diag.ErrorList
}

// Lex splits src into tokens (the last one EOF) and comments; errs are the
// lexical errors met (unterminated strings, illegal characters), sorted and
// located.
func Lex(src []byte) (toks []Token, comments []Comment, errs diag.ErrorList) {
	return LexString(string(src))
}

// LexString is Lex of a query already held as a string: not copied (but
// to locate its errors, when there are).
func LexString(src string) (toks []Token, comments []Comment, errs diag.ErrorList) {
	lx := &lexer{src: src}
	lx.run()
	if len(lx.errs) > 0 {
		lx.errs.Sort()
		lx.errs.Locate([]byte(src))
	}
	return lx.toks, lx.comments, lx.errs
}

func (lx *lexer) errorf(start, end int, format string, args ...any) {
	lx.errs.Addf(diag.Span{Start: start, End: end}, diag.Error, format, args...)
}

// Character classes, by table.
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

func isLetter(c byte) bool    { return charClass[c]&clLetter != 0 }
func isDigit(c byte) bool     { return charClass[c]&clDigit != 0 }
func isIdentChar(c byte) bool { return charClass[c]&(clLetter|clDigit) != 0 }

func (lx *lexer) run() {
	src := lx.src
	if cap(lx.toks) < len(src)/4 {
		lx.toks = make([]Token, 0, len(src)/4+16)
	}
	space := true
	for {
		// white space and comments
		for lx.pos < len(src) {
			c := src[lx.pos]
			if charClass[c]&clSpace != 0 {
				lx.pos++
				space = true
				continue
			}
			if c == '/' && lx.pos+1 < len(src) && src[lx.pos+1] == '/' {
				start := lx.pos
				end := strings.IndexByte(src[start:], '\n')
				if end < 0 {
					end = len(src)
				} else {
					end += start
				}
				lx.comments = append(lx.comments, Comment{start, end, strings.TrimRight(src[start+2:end], "\r")})
				lx.pos = end
				space = true
				continue
			}
			if c >= 0x80 { // non-breaking and other Unicode spaces
				r, n := utf8.DecodeRuneInString(src[lx.pos:])
				if r == 0xA0 || r == 0xFEFF || r == 0x200B || r >= 0x2000 && r <= 0x200A || r == 0x3000 || r == 0x202F || r == 0x205F || r == 0x2028 || r == 0x2029 {
					lx.pos += n
					space = true
					continue
				}
			}
			break
		}
		if lx.pos >= len(src) {
			lx.toks = append(lx.toks, Token{Kind: EOF, Space: space, Pos: len(src), End: len(src)})
			return
		}
		start := lx.pos
		kind := lx.next()
		lx.toks = append(lx.toks, Token{Kind: kind, Space: space, Pos: start, End: lx.pos})
		space = false
	}
}

// next reads one token at lx.pos and returns its kind.
func (lx *lexer) next() Kind {
	src := lx.src
	start := lx.pos
	c := src[start]
	switch {
	case isLetter(c):
		p := start + 1
		for p < len(src) && isIdentChar(src[p]) {
			p++
		}
		word := src[start:p]
		// string prefixes: h"..." H'...' h@"..." @ handled below
		if (word == "h" || word == "H") && p < len(src) && (src[p] == '"' || src[p] == '\'' || src[p] == '@' && p+1 < len(src) && (src[p+1] == '"' || src[p+1] == '\'')) {
			lx.pos = p
			lx.readString()
			return String
		}
		// hyphenated operator names
		for p < len(src) && src[p] == '-' && p+1 < len(src) && isLetter(src[p+1]) {
			q := p + 1
			for q < len(src) && isIdentChar(src[q]) {
				q++
			}
			if !hasHyphenPrefix(strings.ToLower(src[start:q])) {
				break
			}
			p = q
		}
		lx.pos = p
		if p-start <= 8 && p < len(src) && (src[p] == '(' || (src[p] == ' ' || src[p] == '\t') && nextIsParen(src, p)) && isTypedLiteralName(src[start:p]) {
			q := p
			for q < len(src) && (src[q] == ' ' || src[q] == '\t') {
				q++
			}
			if q < len(src) && src[q] == '(' {
				// the text up to the first ')', when it opens no other '('
				end := strings.IndexByte(src[q:], ')')
				if end >= 0 && strings.IndexByte(src[q+1:q+end], '(') < 0 {
					lx.pos = q + end + 1
					return TypedLit
				}
			}
		}
		if c >= 'a' || c == 'T' || c == 'F' { // a keyword is lower case (or True, FALSE...)
			return Lookup(src[start:p])
		}
		return Name
	case isDigit(c) || c == '.' && start+1 < len(src) && isDigit(src[start+1]) && (start == 0 || src[start-1] != '.'):
		return lx.readNumber()
	case c == '"' || c == '\'':
		lx.readString()
		return String
	case c == '@' && start+1 < len(src) && (src[start+1] == '"' || src[start+1] == '\''):
		lx.readString()
		return String
	case c == '`' && strings.HasPrefix(src[start:], "```"), c == '~' && strings.HasPrefix(src[start:], "~~~"):
		fence := src[start : start+3]
		end := strings.Index(src[start+3:], fence)
		if end < 0 {
			lx.errorf(start, len(src), "multi-line string not terminated")
			lx.pos = len(src)
		} else {
			lx.pos = start + 3 + end + 3
		}
		return String
	case c == '$' && start+1 < len(src) && isLetter(src[start+1]):
		p := start + 1
		for p < len(src) && isIdentChar(src[p]) {
			p++
		}
		lx.pos = p
		return Name
	case c == '[' && start+1 < len(src) && (src[start+1] == '\'' || src[start+1] == '"' || src[start+1] == '@'):
		// ['bracketed name'] when the string is followed by ]
		save := lx.pos
		lx.pos = start + 1
		nerr := len(lx.errs)
		lx.readString()
		p := lx.pos
		for p < len(src) && (src[p] == ' ' || src[p] == '\t') {
			p++
		}
		if len(lx.errs) == nerr && p < len(src) && src[p] == ']' {
			lx.pos = p + 1
			return Name
		}
		lx.errs = lx.errs[:nerr]
		lx.pos = save + 1
		return LBrack
	}
	// punctuation: longest match
	if n, k := punct(src[start:]); n > 0 {
		lx.pos = start + n
		return k
	}
	_, n := utf8.DecodeRuneInString(src[start:])
	lx.pos = start + n
	lx.errorf(start, lx.pos, "unexpected character %q", src[start:lx.pos])
	return Illegal
}

// punct1 is the kind of each one-character punctuation token.
var punct1 = [128]Kind{
	'|': Pipe, ';': Semicolon, ',': Comma, '(': LParen, ')': RParen, '[': LBrack, ']': RBrack, '{': LBrace, '}': RBrace,
	'.': Dot, ':': Colon, '=': Assign, '<': Lss, '>': Gtr, '+': Add, '-': Sub, '*': Mul, '/': Quo, '%': Rem, '!': Bang,
	'~': Tilde, '?': Question, '@': At, '#': Hash, '&': Amp, '^': Caret, '\\': Backslash,
}

// punct returns the length and kind of the punctuation token s starts
// with, 0 when none: "-->", "<--", two-character operators, then single
// characters.
func punct(s string) (int, Kind) {
	if len(s) >= 3 && (s[:3] == "-->" || s[:3] == "<--") {
		if s[0] == '-' {
			return 3, EdgeRight
		}
		return 3, EdgeLeft
	}
	if len(s) >= 2 {
		switch s[:2] {
		case "==":
			return 2, Eql
		case "!=":
			return 2, Neq
		case "<>":
			return 2, NeqAlt
		case "<=":
			return 2, Leq
		case ">=":
			return 2, Geq
		case "=~":
			return 2, EqlTilde
		case "!~":
			return 2, NeqTilde
		case "=>":
			return 2, Arrow
		case "..":
			return 2, DotDot
		case "--":
			return 2, DashDash
		}
	}
	if c := s[0]; c < 128 && punct1[c] != EOF {
		return 1, punct1[c]
	}
	return 0, EOF
}

// nextIsParen tells whether the first character after blanks at p is '('.
func nextIsParen(src string, p int) bool {
	for p < len(src) && (src[p] == ' ' || src[p] == '\t') {
		p++
	}
	return p < len(src) && src[p] == '('
}

// isTypedLiteralName tells whether w (any case) is in typedLiteralNames.
func isTypedLiteralName(w string) bool {
	var buf [8]byte
	if len(w) > len(buf) {
		return false // (none is longer)
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return typedLiteralNames[string(buf[:len(w)])]
}

func hasHyphenPrefix(w string) bool {
	if hyphenKeywords[w] {
		return true
	}
	for k := range hyphenKeywords {
		if strings.HasPrefix(k, w+"-") {
			return true
		}
	}
	return false
}

// readNumber reads an integer, real or timespan literal.
func (lx *lexer) readNumber() Kind {
	src := lx.src
	p := lx.pos
	if src[p] == '0' && p+1 < len(src) && (src[p+1] == 'x' || src[p+1] == 'X') {
		p += 2
		for p < len(src) && (isDigit(src[p]) || src[p] >= 'a' && src[p] <= 'f' || src[p] >= 'A' && src[p] <= 'F') {
			p++
		}
		lx.pos = p
		return Int
	}
	kind := Int
	for p < len(src) && isDigit(src[p]) {
		p++
	}
	if p+1 < len(src) && src[p] == '.' && isDigit(src[p+1]) { // 1.5; 1.. is a range, 0.A a path
		kind = Real
		p++
		for p < len(src) && isDigit(src[p]) {
			p++
		}
	}
	if p < len(src) && (src[p] == 'e' || src[p] == 'E') {
		q := p + 1
		if q < len(src) && (src[q] == '+' || src[q] == '-') {
			q++
		}
		if q < len(src) && isDigit(src[q]) {
			kind = Real
			p = q
			for p < len(src) && isDigit(src[p]) {
				p++
			}
		}
	}
	if p < len(src) && isLetter(src[p]) {
		q := p
		for q < len(src) && isIdentChar(src[q]) {
			q++
		}
		suffix := strings.ToLower(src[p:q])
		if timespanUnits[suffix] {
			lx.pos = q
			return Timespan
		}
		lx.pos = q
		return Name // 2022MostExploited: a name that starts with digits

	}
	lx.pos = p
	return kind
}

var timespanUnits = map[string]bool{
	"d": true, "day": true, "days": true, "h": true, "hr": true, "hrs": true, "hour": true, "hours": true,
	"m": true, "min": true, "minute": true, "minutes": true, "s": true, "sec": true, "second": true, "seconds": true,
	"ms": true, "milli": true, "millis": true, "millisecond": true, "milliseconds": true,
	"microsecond": true, "microseconds": true, "tick": true, "ticks": true,
}

// readString reads a string literal at lx.pos: an optional h/H and @
// prefix, then '...' or "..." (with backslash escapes unless verbatim).
func (lx *lexer) readString() {
	src := lx.src
	p := lx.pos
	if p < len(src) && (src[p] == 'h' || src[p] == 'H') {
		p++
	}
	verbatim := false
	if p < len(src) && src[p] == '@' {
		verbatim = true
		p++
	}
	if p >= len(src) || src[p] != '\'' && src[p] != '"' {
		lx.errorf(lx.pos, p, "string not terminated")
		lx.pos = p
		return
	}
	q := src[p]
	p++
	for p < len(src) {
		c := src[p]
		switch {
		case c == q:
			if verbatim && p+1 < len(src) && src[p+1] == q {
				p += 2
				continue
			}
			lx.pos = p + 1
			return
		case c == '\\' && !verbatim:
			if n := escapeLen(src[p:]); n > 0 {
				p += n
				continue
			}
			// Kusto rejects a backslash that starts no escape it knows
			// ("C:\Windows"): an error at it; the value keeps it as written
			n := 1
			if p+1 < len(src) && src[p+1] != '\n' {
				_, n = utf8.DecodeRuneInString(src[p+1:])
				n++
			}
			lx.errorf(p, p+n, "unknown escape sequence %s in a string (write a backslash as \\\\, or use a verbatim string @\"...\")", src[p:p+n])
			p += n
			continue
		case c == '\n':
			lx.errorf(lx.pos, p, "string not terminated before the end of the line")
			lx.pos = p
			return
		}
		p++
	}
	lx.errorf(lx.pos, len(src), "string not terminated")
	lx.pos = len(src)
}

// Unquote returns the value of a string token's text: prefixes and quotes
// removed, escapes decoded, verbatim quotes undoubled, fences removed. A
// backslash that starts no escape Kusto knows is kept as written, with the
// character after it (the lexer reports it).
func Unquote(s string) string {
	if len(s) >= 6 && (strings.HasPrefix(s, "```") || strings.HasPrefix(s, "~~~")) {
		return s[3 : len(s)-3]
	}
	if len(s) > 0 && (s[0] == 'h' || s[0] == 'H') {
		s = s[1:]
	}
	verbatim := false
	if len(s) > 0 && s[0] == '@' {
		verbatim = true
		s = s[1:]
	}
	if len(s) < 2 {
		return s
	}
	q := s[0]
	body := s[1 : len(s)-1]
	if verbatim {
		return strings.ReplaceAll(body, string([]byte{q, q}), string(q))
	}
	if strings.IndexByte(body, '\\') < 0 {
		return body
	}
	var b strings.Builder
	b.Grow(len(body))
	for len(body) > 0 {
		k := strings.IndexByte(body, '\\')
		if k < 0 {
			b.WriteString(body)
			break
		}
		b.WriteString(body[:k])
		body = body[k:]
		n := escapeLen(body)
		if n == 0 { // unknown: the backslash as written; the next character follows as text
			b.WriteByte('\\')
			body = body[1:]
			continue
		}
		writeEscape(&b, body[:n])
		body = body[n:]
	}
	return b.String()
}

// escapeLen returns the length of the escape sequence s starts with (s[0]
// is a backslash), 0 when it is none Kusto knows. Kusto knows \\ \' \"
// \a \b \f \n \r \t \v, octal \0 to \777 (one to three digits), \x with
// two hex digits, \u with four and \U with eight (checked against
// Kusto.Language's parser).
func escapeLen(s string) int {
	if len(s) < 2 {
		return 0
	}
	hex := func(n int) int {
		if len(s) < 2+n {
			return 0
		}
		for i := 2; i < 2+n; i++ {
			if c := s[i]; !isDigit(c) && (c|0x20 < 'a' || c|0x20 > 'f') {
				return 0
			}
		}
		return 2 + n
	}
	switch c := s[1]; {
	case c == '\\', c == '\'', c == '"', c == 'a', c == 'b', c == 'f', c == 'n', c == 'r', c == 't', c == 'v':
		return 2
	case c >= '0' && c <= '7':
		n := 2
		for n < 4 && n < len(s) && s[n] >= '0' && s[n] <= '7' {
			n++
		}
		return n
	case c == 'x':
		return hex(2)
	case c == 'u':
		return hex(4)
	case c == 'U':
		return hex(8)
	}
	return 0
}

// writeEscape writes the value of the escape sequence e (one escapeLen
// accepts).
func writeEscape(b *strings.Builder, e string) {
	switch c := e[1]; c {
	case 'a':
		b.WriteByte('\a')
	case 'b':
		b.WriteByte('\b')
	case 'f':
		b.WriteByte('\f')
	case 'n':
		b.WriteByte('\n')
	case 'r':
		b.WriteByte('\r')
	case 't':
		b.WriteByte('\t')
	case 'v':
		b.WriteByte('\v')
	case 'x', 'u', 'U':
		v, _ := strconv.ParseUint(e[2:], 16, 32)
		b.WriteRune(rune(v))
	default:
		if c >= '0' && c <= '7' {
			v, _ := strconv.ParseUint(e[1:], 8, 32)
			b.WriteRune(rune(v))
			return
		}
		b.WriteByte(c) // \\ \' \"
	}
}
