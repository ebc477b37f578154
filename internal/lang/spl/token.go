package spl

import "github.com/ruledex/ruledex/internal/lang/diag"

// Kind is the kind of a token.
type Kind uint8

// Token kinds. Literals lie between literalBeg and literalEnd, operators and
// punctuation between operatorBeg and operatorEnd, so that IsLiteral and
// IsOperator are range checks. Keywords (AND, OR, NOT, IN, BY, AS, ...)
// are Words: whether a word is a keyword depends on the command and on its
// case (upper case only in a search, any case in eval), so the parser
// decides.
const (
	EOF        Kind = iota
	Illegal         // a byte the language cannot start a token with (a stray NUL...)
	CommentTok      // ```...``` (Text is the whole comment)

	literalBeg
	Word        // a run of characters that are not punctuation: a name, a number, an unquoted value
	String      // "..." with \\ and \" escapes (Text is the whole, quotes included)
	QuotedField // '...': a field name in eval and where (Text is the whole)
	MacroTok    // `name` or `name(args)` (Text is the whole, backquotes included)
	literalEnd

	operatorBeg
	Pipe    // |
	LBrack  // [
	RBrack  // ]
	LParen  // (
	RParen  // )
	Comma   // ,
	Assign  // =
	Eq      // ==
	Neq     // !=
	Lt      // <
	Le      // <=
	Gt      // >
	Ge      // >=
	Plus    // +
	Minus   // -
	Star    // *
	Slash   // /
	Percent // %
	Dot     // . (between words it is part of the word: Processes.process_name)
	operatorEnd
)

var kindNames = [...]string{
	EOF: "end of search", Illegal: "illegal character", CommentTok: "comment",
	Word: "word", String: "string", QuotedField: "quoted field", MacroTok: "macro",
	Pipe: "'|'", LBrack: "'['", RBrack: "']'", LParen: "'('", RParen: "')'", Comma: "','",
	Assign: "'='", Eq: "'=='", Neq: "'!='", Lt: "'<'", Le: "'<='", Gt: "'>'", Ge: "'>='",
	Plus: "'+'", Minus: "'-'", Star: "'*'", Slash: "'/'", Percent: "'%'", Dot: "'.'",
}

// String names the kind as an error message says it.
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "token"
}

// IsLiteral tells whether k is a word, a string, a quoted field or a macro.
func (k Kind) IsLiteral() bool { return literalBeg < k && k < literalEnd }

// IsOperator tells whether k is an operator or a punctuation mark.
func (k Kind) IsOperator() bool { return operatorBeg < k && k < operatorEnd }

// IsComparison tells whether k is one of = == != < <= > >=.
func (k Kind) IsComparison() bool { return Assign <= k && k <= Ge }

// Token is one token of a search: its kind, its byte span and its text
// (a slice of the source). Space tells whether white space or a comment
// comes right before it: a search term is the run of tokens written
// without space between them.
type Token struct {
	Kind  Kind
	Space bool
	Span  diag.Span
	Text  string
}
