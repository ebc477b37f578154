package eql

import "github.com/ruledex/ruledex/internal/lang/diag"

// Kind is the kind of a token. Kinds are grouped between unexported
// sentinels, so that "is a keyword" or "is an operator" is a range check
// (IsKeyword, IsOperator).
type Kind uint8

// Token kinds.
const (
	EOF     Kind = iota
	Illegal      // a character EQL does not have (Text is that character)
	Comment      // a // line comment or a /* block */ comment, as written

	literalBeg
	Name      // an identifier: an event category, a function name, a field of one part
	NameI     // an identifier ending in '~' (startsWith~): a case-insensitive function name
	Path      // a field path: a.b, a[0], `a b`, a.`b c`, ?a, ?a.b (Text as written)
	String    // "...", or the forms EQL's Elasticsearch syntax rejects: '...', ?"...", ?'...'
	RawString // """...""" (no escapes)
	Int       // 42
	Float     // 4.2, .5, 1e3
	literalEnd

	keywordBeg
	KwAnd      // and
	KwOr       // or
	KwNot      // not
	KwIn       // in
	KwInI      // in~
	KwLike     // like
	KwLikeI    // like~
	KwRegex    // regex
	KwRegexI   // regex~
	KwWhere    // where
	KwBy       // by
	KwWith     // with
	KwUntil    // until
	KwOf       // of
	KwSequence // sequence
	KwSample   // sample
	KwJoin     // join
	KwTrue     // true
	KwFalse    // false
	KwNull     // null
	KwConst    // const (reserved: EQL definitions, not read)
	KwMacro    // macro (reserved: EQL definitions, not read)
	keywordEnd

	operatorBeg
	Eq          // ==
	Assign      // = (only in "maxspan=" and "runs="; the Elasticsearch syntax rejects it as a comparison)
	Ne          // !=
	Lt          // <
	Le          // <=
	Gt          // >
	Ge          // >=
	Colon       // :
	Plus        // +
	Minus       // -
	Star        // *
	Slash       // /
	Percent     // %
	Lparen      // (
	Rparen      // )
	Lbrack      // [
	MissingOpen // ![
	Rbrack      // ]
	Comma       // ,
	Bar         // |
	operatorEnd
)

var kindText = [...]string{
	EOF: "end of query", Illegal: "illegal character", Comment: "comment",
	Name: "name", NameI: "name~", Path: "field", String: "string", RawString: "raw string", Int: "integer", Float: "number",
	KwAnd: "and", KwOr: "or", KwNot: "not", KwIn: "in", KwInI: "in~", KwLike: "like", KwLikeI: "like~", KwRegex: "regex", KwRegexI: "regex~",
	KwWhere: "where", KwBy: "by", KwWith: "with", KwUntil: "until", KwOf: "of", KwSequence: "sequence", KwSample: "sample", KwJoin: "join",
	KwTrue: "true", KwFalse: "false", KwNull: "null", KwConst: "const", KwMacro: "macro",
	Eq: "==", Assign: "=", Ne: "!=", Lt: "<", Le: "<=", Gt: ">", Ge: ">=", Colon: ":", Plus: "+", Minus: "-", Star: "*",
	Slash: "/", Percent: "%", Lparen: "(", Rparen: ")", Lbrack: "[", MissingOpen: "![", Rbrack: "]", Comma: ",", Bar: "|",
}

// String returns the kind as a message names it: the keyword or operator
// itself, or a word for the others.
func (k Kind) String() string {
	if int(k) < len(kindText) && kindText[k] != "" {
		return kindText[k]
	}
	return "token"
}

// IsLiteral tells whether k is a name, field, string or number.
func (k Kind) IsLiteral() bool { return literalBeg < k && k < literalEnd }

// IsKeyword tells whether k is a reserved word.
func (k Kind) IsKeyword() bool { return keywordBeg < k && k < keywordEnd }

// IsOperator tells whether k is an operator or a punctuation mark.
func (k Kind) IsOperator() bool { return operatorBeg < k && k < operatorEnd }

// keywords maps each reserved word, as EQL writes it (lower case), to its
// kind. The reserved words are the eql package's (endgameinc/eql,
// eql/parser.py `keywords`) plus like and regex, which its grammar makes
// operators wherever an operator can stand.
var keywords = map[string]Kind{
	"and": KwAnd, "or": KwOr, "not": KwNot, "in": KwIn, "in~": KwInI, "like": KwLike, "like~": KwLikeI, "regex": KwRegex, "regex~": KwRegexI,
	"where": KwWhere, "by": KwBy, "with": KwWith, "until": KwUntil, "of": KwOf, "sequence": KwSequence, "sample": KwSample, "join": KwJoin,
	"true": KwTrue, "false": KwFalse, "null": KwNull, "const": KwConst, "macro": KwMacro,
}

// Token is one token: its kind, its byte span in the source and its text
// exactly as written.
type Token struct {
	Kind Kind
	Span diag.Span
	Text string
}
