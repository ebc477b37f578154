package esql

import (
	"strings"

	"github.com/ruledex/ruledex/internal/lang/diag"
)

// Kind is the kind of a token. Kinds are grouped between unexported
// sentinels, so that "is a literal", "is an operator", "is a keyword" and
// "is a command name" are range checks (Kind.IsOperator...).
type Kind uint8

// Token kinds.
const (
	EOF     Kind = iota
	Illegal      // a character the language does not have
	Comment      // a // line comment or a /* block comment */ (kept for highlighting)

	literalBeg
	Ident       // an unquoted name: process.name is Ident Dot Ident
	QuotedIdent // a backquoted name: `source.as.number` (`` inside is one `)
	Int         // 42
	Decimal     // 1.5, .5, 1e3, 1.
	String      // "..." with escapes, or """...""" raw
	Param       // ?, ?name, ?1, ??name
	Source      // an unquoted index pattern, metadata field or enrich policy name (FROM, JOIN, ENRICH)
	Pattern     // a name pattern of KEEP, DROP, RENAME, ENRICH: letters, digits, _, @, * and `quoted` runs
	literalEnd

	operatorBeg
	Pipe      // |
	Comma     // ,
	Dot       // .
	LParen    // (
	RParen    // )
	LBrack    // [
	RBrack    // ]
	LBrace    // {
	RBrace    // }
	Assign    // =
	Eq        // ==
	CIEq      // =~ (an older, case-insensitive equality; read, then reported)
	Neq       // !=
	Lt        // <
	Lte       // <=
	Gt        // >
	Gte       // >=
	Plus      // +
	Minus     // -
	Star      // *
	Slash     // /
	Percent   // %
	Colon     // : (match, cluster separator, map entries)
	Cast      // :: (inline cast, index selector)
	Semicolon // ;
	operatorEnd

	keywordBeg
	And
	As
	Asc
	By
	Desc
	False
	First
	In
	Is
	Last
	Like
	Not
	Null
	Nulls
	On
	Or
	Rlike
	True
	With
	Metadata
	Info
	keywordEnd

	commandBeg
	From
	Ts
	Row
	Show
	Where // the command, and the filter of a STATS aggregation
	Eval
	Stats
	Inline
	InlineStats
	Keep
	Drop
	Rename
	SortKw
	Limit
	Dissect
	Grok
	MvExpand
	Enrich
	Lookup
	Join
	Left
	Right
	ChangePoint
	Completion
	Fork
	Sample
	Rerank
	commandEnd
)

// IsLiteral tells whether k is a name, number, string, parameter, source or pattern.
func (k Kind) IsLiteral() bool { return literalBeg < k && k < literalEnd }

// IsOperator tells whether k is an operator or punctuation.
func (k Kind) IsOperator() bool { return operatorBeg < k && k < operatorEnd }

// IsKeyword tells whether k is a keyword of expressions or clauses (AND, BY, NULLS...).
func (k Kind) IsKeyword() bool { return keywordBeg < k && k < keywordEnd }

// IsCommand tells whether k is a command name (FROM, WHERE, INLINE, JOIN...).
func (k Kind) IsCommand() bool { return commandBeg < k && k < commandEnd }

// IsWord tells whether a token of kind k is written as a word: a keyword or
// a command name. Such a token is read as a name part after a dot
// (source.as.number) and, for FIRST and LAST, as a function name.
func (k Kind) IsWord() bool { return k.IsKeyword() || k.IsCommand() }

var kindNames = [...]string{
	EOF: "end of query", Illegal: "illegal character", Comment: "comment",
	Ident: "name", QuotedIdent: "quoted name", Int: "integer", Decimal: "decimal number", String: "string",
	Param: "parameter", Source: "index pattern", Pattern: "name pattern",
	Pipe: "|", Comma: ",", Dot: ".", LParen: "(", RParen: ")", LBrack: "[", RBrack: "]", LBrace: "{", RBrace: "}",
	Assign: "=", Eq: "==", CIEq: "=~", Neq: "!=", Lt: "<", Lte: "<=", Gt: ">", Gte: ">=",
	Plus: "+", Minus: "-", Star: "*", Slash: "/", Percent: "%", Colon: ":", Cast: "::", Semicolon: ";",
	And: "AND", As: "AS", Asc: "ASC", By: "BY", Desc: "DESC", False: "FALSE", First: "FIRST", In: "IN", Is: "IS",
	Last: "LAST", Like: "LIKE", Not: "NOT", Null: "NULL", Nulls: "NULLS", On: "ON", Or: "OR", Rlike: "RLIKE",
	True: "TRUE", With: "WITH", Metadata: "METADATA", Info: "INFO",
	From: "FROM", Ts: "TS", Row: "ROW", Show: "SHOW", Where: "WHERE", Eval: "EVAL", Stats: "STATS", Inline: "INLINE",
	InlineStats: "INLINESTATS", Keep: "KEEP", Drop: "DROP", Rename: "RENAME", SortKw: "SORT", Limit: "LIMIT",
	Dissect: "DISSECT", Grok: "GROK", MvExpand: "MV_EXPAND", Enrich: "ENRICH", Lookup: "LOOKUP", Join: "JOIN",
	Left: "LEFT", Right: "RIGHT", ChangePoint: "CHANGE_POINT", Completion: "COMPLETION", Fork: "FORK",
	Sample: "SAMPLE", Rerank: "RERANK",
}

// String returns the operator or keyword as written (keywords upper case),
// or a description of the kind.
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "token"
}

// Token is one token of the source: its kind, its byte span and its text
// as written.
type Token struct {
	Kind Kind
	Span diag.Span
	Text string
}

// keywords are the words that are keywords inside expressions, by lower
// case. ES|QL keywords are case-insensitive (the grammar is generated with
// caseInsensitive=true):
// https://www.elastic.co/guide/en/elasticsearch/reference/current/esql-syntax.html
var keywords = map[string]Kind{
	"and": And, "as": As, "asc": Asc, "by": By, "desc": Desc, "false": False, "first": First, "in": In,
	"is": Is, "last": Last, "like": Like, "not": Not, "null": Null, "nulls": Nulls, "on": On, "or": Or,
	"rlike": Rlike, "true": True, "with": With, "where": Where,
}

// commands are the command names read at the start of a command, by lower case.
var commands = map[string]Kind{
	"from": From, "ts": Ts, "row": Row, "show": Show, "where": Where, "eval": Eval, "stats": Stats,
	"inline": Inline, "inlinestats": InlineStats, "keep": Keep, "drop": Drop, "rename": Rename, "sort": SortKw,
	"limit": Limit, "dissect": Dissect, "grok": Grok, "mv_expand": MvExpand, "enrich": Enrich, "lookup": Lookup,
	"left": Left, "right": Right, "change_point": ChangePoint, "completion": Completion, "fork": Fork,
	"sample": Sample, "rerank": Rerank,
}

// lookupWord returns the kind of w in table, case-insensitively, or Ident.
func lookupWord(table map[string]Kind, w string) Kind {
	if len(w) > 12 {
		return Ident
	}
	var buf [12]byte
	for i := 0; i < len(w); i++ {
		c := w[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	if k, ok := table[string(buf[:len(w)])]; ok {
		return k
	}
	return Ident
}

// equalFold reports whether w is kw (lower case) in any case.
func equalFold(w, kw string) bool { return len(w) == len(kw) && strings.EqualFold(w, kw) }
