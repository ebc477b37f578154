package kuery

import "github.com/ruledex/ruledex/internal/lang/diag"

// Kind is the kind of a token.
type Kind uint8

// Token kinds. Literals, keywords and operators each lie between unexported
// sentinels, so that IsLiteral, IsKeyword and IsOperator are range checks.
// KQL has no comments, so Lex never returns one.
const (
	Illegal Kind = iota // a backslash that starts no escape (`\x`)
	EOF                 // the end of the query

	literalBeg
	Word   // an unquoted run of characters, escapes and `*` wildcards
	String // a "quoted string"
	literalEnd

	keywordBeg
	And // `and` (any case) with white space on both sides
	Or  // `or` (any case) with white space on both sides
	Not // `not` (any case) followed by white space
	keywordEnd

	operatorBeg
	LParen // (
	RParen // )
	LBrace // {
	RBrace // }
	Colon  // :
	Lt     // <
	Le     // <=
	Gt     // >
	Ge     // >=
	operatorEnd
)

var kindNames = [...]string{
	Illegal: "illegal character",
	EOF:     "end of query",
	Word:    "value",
	String:  "quoted string",
	And:     "AND",
	Or:      "OR",
	Not:     "NOT",
	LParen:  `"("`,
	RParen:  `")"`,
	LBrace:  `"{"`,
	RBrace:  `"}"`,
	Colon:   `":"`,
	Lt:      `"<"`,
	Le:      `"<="`,
	Gt:      `">"`,
	Ge:      `">="`,
}

// String names the kind as an error message does.
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "token"
}

// IsLiteral tells whether k is Word or String.
func (k Kind) IsLiteral() bool { return literalBeg < k && k < literalEnd }

// IsKeyword tells whether k is And, Or or Not.
func (k Kind) IsKeyword() bool { return keywordBeg < k && k < keywordEnd }

// IsOperator tells whether k is a parenthesis, a brace, the colon or a range operator.
func (k Kind) IsOperator() bool { return operatorBeg < k && k < operatorEnd }

// IsRange tells whether k is one of the range operators <, <=, >, >=.
func (k Kind) IsRange() bool { return Lt <= k && k <= Ge }

// Token is one token of a query: its kind, its byte span and its text as
// written.
type Token struct {
	Kind Kind
	Span diag.Span
	Text string
}
