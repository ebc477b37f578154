package lucene

import "github.com/ruledex/ruledex/internal/lang/diag"

// Kind is the kind of a token. The names follow Lucene's classic
// QueryParser.jj (org.apache.lucene.queryparser.classic).
type Kind uint8

// Token kinds. Terms, keywords and operators each lie between unexported
// sentinels, so that IsTerm, IsKeyword and IsOperator are range checks. The
// query syntax has no comments, so Lex never returns one.
const (
	Illegal Kind = iota // a character the syntax does not have here (`]` outside a range, a lone `\` at the end)
	EOF                 // the end of the query

	termBeg
	Word        // a word, escapes included (TERM)
	Star        // a lone * (STAR)
	Prefix      // a word ending in * (PREFIXTERM)
	Wild        // a word with * or ? inside (WILDTERM)
	Quoted      // "a phrase" (QUOTED)
	Regexp      // /a regular expression/ (REGEXPTERM)
	Number      // the number after ^ (NUMBER)
	Fuzzy       // ~, ~2, ~0.8 (FUZZY_SLOP)
	BareOp      // + - or ! before white space: a term of its own (BAREOPER)
	RangeGoop   // a bound of a range (RANGE_GOOP)
	RangeQuoted // a "quoted" bound of a range (RANGE_QUOTED)
	termEnd

	keywordBeg
	And // AND or &&
	Or  // OR or ||
	Not // NOT or !
	To  // TO inside a range
	keywordEnd

	operatorBeg
	Plus   // +
	Minus  // -
	LParen // (
	RParen // )
	Colon  // :
	Caret  // ^
	LBrack // [ (RANGEIN_START)
	LBrace // { (RANGEEX_START)
	RBrack // ] (RANGEIN_END)
	RBrace // } (RANGEEX_END)
	operatorEnd
)

var kindNames = [...]string{
	Illegal:     "illegal character",
	EOF:         "end of query",
	Word:        "term",
	Star:        `"*"`,
	Prefix:      "prefix term",
	Wild:        "wildcard term",
	Quoted:      "phrase",
	Regexp:      "regular expression",
	Number:      "number",
	Fuzzy:       `"~"`,
	BareOp:      "bare operator",
	RangeGoop:   "range bound",
	RangeQuoted: "quoted range bound",
	And:         "AND",
	Or:          "OR",
	Not:         "NOT",
	To:          "TO",
	Plus:        `"+"`,
	Minus:       `"-"`,
	LParen:      `"("`,
	RParen:      `")"`,
	Colon:       `":"`,
	Caret:       `"^"`,
	LBrack:      `"["`,
	LBrace:      `"{"`,
	RBrack:      `"]"`,
	RBrace:      `"}"`,
}

// String names the kind as an error message does.
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "token"
}

// IsTerm tells whether k is a term, phrase, regexp, number, fuzzy slop or range bound.
func (k Kind) IsTerm() bool { return termBeg < k && k < termEnd }

// IsKeyword tells whether k is AND, OR, NOT or TO.
func (k Kind) IsKeyword() bool { return keywordBeg < k && k < keywordEnd }

// IsOperator tells whether k is a sign, a parenthesis, a bracket, a brace, the colon or the caret.
func (k Kind) IsOperator() bool { return operatorBeg < k && k < operatorEnd }

// Token is one token: its kind, its byte span and its text as written.
type Token struct {
	Kind Kind
	Span diag.Span
	Text string
}
