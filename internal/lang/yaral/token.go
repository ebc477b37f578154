package yaral

import "github.com/ruledex/ruledex/internal/lang/diag"

// Kind is the kind of a token.
type Kind uint8

// Token kinds. Literals, operators and keywords each lie between two
// unexported sentinels, so that IsLiteral, IsOperator and IsKeyword are
// range checks.
const (
	EOF        Kind = iota
	Illegal         // a character the language does not have
	TokComment      // // to the end of the line, or /* ... */

	literalBeg
	TokWord     // a name: a function, a meta or option key, a field segment
	TokVar      // $name: an event, placeholder, match or outcome variable
	TokCountVar // #name: the count of an event or placeholder variable (condition)
	TokListRef  // %name: a reference list or a data table
	TokNumber   // 42, 1.5
	TokDuration // 5m, 1h, 30s, 2d
	TokString   // "..." (with \ escapes) or `...` (raw)
	TokRegex    // /.../
	literalEnd

	operatorBeg
	Eq     // =
	NotEq  // !=
	Less   // <
	LessEq // <=
	Great  // >
	GreatEq
	Plus   // +
	Minus  // -
	Star   // *
	Slash  // /
	Bang   // !
	LParen // (
	RParen // )
	LBrack // [
	RBrack // ]
	LBrace // {
	RBrace // }
	Comma  // ,
	Colon  // :
	Dot    // .
	operatorEnd

	keywordBeg
	KwRule
	KwMeta
	KwEvents
	KwMatch
	KwOutcome
	KwCondition
	KwOptions
	KwAnd
	KwOr
	KwNot
	KwIn
	KwRegex
	KwCIDR
	KwNocase
	KwAny
	KwAll
	KwOver
	KwBy
	KwBefore
	KwAfter
	KwTrue
	KwFalse
	keywordEnd
)

// IsLiteral tells whether k is a name, a variable or a literal.
func (k Kind) IsLiteral() bool { return literalBeg < k && k < literalEnd }

// IsOperator tells whether k is an operator or punctuation.
func (k Kind) IsOperator() bool { return operatorBeg < k && k < operatorEnd }

// IsKeyword tells whether k is a keyword. YARA-L reads keywords in any
// case (Google's own rules write NOT, OR, IN, AND); the token's Text keeps
// the case written.
func (k Kind) IsKeyword() bool { return keywordBeg < k && k < keywordEnd }

// IsSection tells whether k names a section of a rule (meta, events, ...).
func (k Kind) IsSection() bool { return KwMeta <= k && k <= KwOptions }

var kindNames = [...]string{
	EOF: "end of file", Illegal: "illegal character", TokComment: "comment",
	TokWord: "name", TokVar: "variable", TokCountVar: "count variable", TokListRef: "reference list",
	TokNumber: "number", TokDuration: "duration", TokString: "string", TokRegex: "regular expression",
	Eq: "=", NotEq: "!=", Less: "<", LessEq: "<=", Great: ">", GreatEq: ">=",
	Plus: "+", Minus: "-", Star: "*", Slash: "/", Bang: "!",
	LParen: "(", RParen: ")", LBrack: "[", RBrack: "]", LBrace: "{", RBrace: "}",
	Comma: ",", Colon: ":", Dot: ".",
	KwRule: "rule", KwMeta: "meta", KwEvents: "events", KwMatch: "match", KwOutcome: "outcome",
	KwCondition: "condition", KwOptions: "options", KwAnd: "and", KwOr: "or", KwNot: "not",
	KwIn: "in", KwRegex: "regex", KwCIDR: "cidr", KwNocase: "nocase", KwAny: "any", KwAll: "all",
	KwOver: "over", KwBy: "by", KwBefore: "before", KwAfter: "after", KwTrue: "true", KwFalse: "false",
}

// String returns the operator or keyword as written in lower case, or a
// word for the other kinds ("string", "variable"...).
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "token"
}

// keyword returns the keyword kind of a word, in any case, or Word.
func keyword(w string) Kind {
	if len(w) < 2 || len(w) > 9 {
		return TokWord
	}
	var buf [9]byte
	for i := 0; i < len(w); i++ {
		c := w[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	switch string(buf[:len(w)]) {
	case "rule":
		return KwRule
	case "meta":
		return KwMeta
	case "events":
		return KwEvents
	case "match":
		return KwMatch
	case "outcome":
		return KwOutcome
	case "condition":
		return KwCondition
	case "options":
		return KwOptions
	case "and":
		return KwAnd
	case "or":
		return KwOr
	case "not":
		return KwNot
	case "in":
		return KwIn
	case "regex":
		return KwRegex
	case "cidr":
		return KwCIDR
	case "nocase":
		return KwNocase
	case "any":
		return KwAny
	case "all":
		return KwAll
	case "over":
		return KwOver
	case "by":
		return KwBy
	case "before":
		return KwBefore
	case "after":
		return KwAfter
	case "true":
		return KwTrue
	case "false":
		return KwFalse
	}
	return TokWord
}

// Token is one token: its kind, its byte span in the source and its text
// (the source between the span's ends, comments and quotes included).
// NL tells whether the token is the first of its line.
type Token struct {
	Kind Kind
	Span diag.Span
	Text string
	NL   bool
}
