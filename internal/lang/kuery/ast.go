package kuery

import "github.com/ruledex/ruledex/internal/lang/diag"

// Node is a node of the tree. Span is its half-open byte span in the source.
type Node interface {
	Span() diag.Span
	node()
}

// Expr is a query clause: a boolean combination, a negation, a group, a
// field:value match, a range, a nested query, free text or a bad clause.
type Expr interface {
	Node
	expr()
}

// ValueExpr is what follows `field:`: one literal, or a parenthesised list of
// literals combined with and, or and not.
type ValueExpr interface {
	Node
	valueExpr()
}

// Query is a whole query. X is nil for an empty query (or one of white
// space only), which Kibana reads as "match everything".
type Query struct {
	Src string
	X   Expr
}

// BoolOp is a boolean operator of a clause or a value list.
type BoolOp uint8

// The boolean operators. And binds tighter than Or.
const (
	OpAnd BoolOp = iota
	OpOr
)

func (op BoolOp) String() string {
	if op == OpOr {
		return "or"
	}
	return "and"
}

// BoolExpr is `X and Y and ...` or `X or Y or ...`: Kibana's n-ary `and`
// and `or` functions. OpSpans[i] is the keyword between Args[i] and
// Args[i+1] (as written: any case).
type BoolExpr struct {
	Op      BoolOp
	Args    []Expr
	OpSpans []diag.Span
}

// NotExpr is `not X`. NotSpan is the keyword's.
type NotExpr struct {
	NotSpan diag.Span
	X       Expr
}

// ParenExpr is `( X )`, kept so that printing keeps the grouping.
type ParenExpr struct {
	Lparen, Rparen diag.Span
	X              Expr
}

// Match is `field:value` (Kibana's `is` function), or free text (a value
// searched in every field) when Field is nil. Value is a *Literal or, for
// `field:(...)`, a *ValueGroup.
type Match struct {
	Field *Literal  // nil for free text
	Colon diag.Span // zero for free text
	Value ValueExpr
}

// Range is `field < value`, `<=`, `>` or `>=`.
type Range struct {
	Field  *Literal
	Op     Kind // Lt, Le, Gt or Ge
	OpSpan diag.Span
	Value  *Literal
}

// Nested is `field:{ query }`, a query on the objects of a nested field:
// the fields inside X are relative to Field.
type Nested struct {
	Field          *Literal
	Colon          diag.Span
	Lbrace, Rbrace diag.Span
	X              Expr
}

// BadExpr is a clause the parser could not read; Span covers its tokens.
type BadExpr struct {
	From diag.Span
}

// ValueBool is `a or b or ...`, `a and b and ...` inside a value list.
type ValueBool struct {
	Op      BoolOp
	Args    []ValueExpr
	OpSpans []diag.Span
}

// ValueNot is `not a` inside a value list.
type ValueNot struct {
	NotSpan diag.Span
	X       ValueExpr
}

// ValueGroup is `( values )`, a value list.
type ValueGroup struct {
	Lparen, Rparen diag.Span
	X              ValueExpr
}

// BadValue is a value the parser could not read.
type BadValue struct {
	From diag.Span
}

// LitType is the type Kibana gives an unquoted literal.
type LitType uint8

// Literal types: an unquoted `true`, `false` or `null` is typed (Kibana's
// literal node holds a boolean or null); everything else is a string.
const (
	LitString LitType = iota
	LitTrue
	LitFalse
	LitNull
)

// Literal is a field name or a value, quoted or not.
//
// Raw is the source text (with quotes and escapes; an unquoted literal of
// several words keeps the white space between them). Value is the decoded
// text: quotes removed, escapes replaced, and for an unquoted literal the
// white space around it trimmed, as Kibana does. Stars are the byte offsets
// in Value of the `*` wildcards (an escaped `\*` is a plain star and is not
// listed); a quoted literal has none.
type Literal struct {
	From   diag.Span
	Raw    string
	Value  string
	Quoted bool
	Type   LitType
	Stars  []int
}

// Wildcard tells whether the literal has an unescaped `*`.
func (l *Literal) Wildcard() bool { return len(l.Stars) > 0 }

// IsExistsValue tells whether l is the lone unquoted `*` of `field:*`,
// which tests that the field exists.
func (l *Literal) IsExistsValue() bool {
	return !l.Quoted && l.Value == "*" && len(l.Stars) == 1
}

// Span returns the whole source's span.
func (q *Query) Span() diag.Span { return diag.Span{Start: 0, End: len(q.Src)} }

// Span covers the first argument to the last.
func (x *BoolExpr) Span() diag.Span {
	return diag.Span{Start: x.Args[0].Span().Start, End: x.Args[len(x.Args)-1].Span().End}
}

// Span covers the keyword and the operand.
func (x *NotExpr) Span() diag.Span { return diag.Span{Start: x.NotSpan.Start, End: x.X.Span().End} }

// Span covers the parentheses.
func (x *ParenExpr) Span() diag.Span { return diag.Span{Start: x.Lparen.Start, End: x.Rparen.End} }

// Span covers the field to the value.
func (x *Match) Span() diag.Span {
	if x.Field == nil {
		return x.Value.Span()
	}
	return diag.Span{Start: x.Field.From.Start, End: x.Value.Span().End}
}

// Span covers the field to the value.
func (x *Range) Span() diag.Span { return diag.Span{Start: x.Field.From.Start, End: x.Value.From.End} }

// Span covers the field to the closing brace.
func (x *Nested) Span() diag.Span { return diag.Span{Start: x.Field.From.Start, End: x.Rbrace.End} }

// Span is the span of the unread tokens.
func (x *BadExpr) Span() diag.Span { return x.From }

// Span covers the first argument to the last.
func (x *ValueBool) Span() diag.Span {
	return diag.Span{Start: x.Args[0].Span().Start, End: x.Args[len(x.Args)-1].Span().End}
}

// Span covers the keyword and the operand.
func (x *ValueNot) Span() diag.Span { return diag.Span{Start: x.NotSpan.Start, End: x.X.Span().End} }

// Span covers the parentheses.
func (x *ValueGroup) Span() diag.Span { return diag.Span{Start: x.Lparen.Start, End: x.Rparen.End} }

// Span is the span of the unread tokens.
func (x *BadValue) Span() diag.Span { return x.From }

// Span is the literal's source span.
func (x *Literal) Span() diag.Span { return x.From }

func (*Query) node()      {}
func (*BoolExpr) node()   {}
func (*NotExpr) node()    {}
func (*ParenExpr) node()  {}
func (*Match) node()      {}
func (*Range) node()      {}
func (*Nested) node()     {}
func (*BadExpr) node()    {}
func (*ValueBool) node()  {}
func (*ValueNot) node()   {}
func (*ValueGroup) node() {}
func (*BadValue) node()   {}
func (*Literal) node()    {}

func (*BoolExpr) expr()  {}
func (*NotExpr) expr()   {}
func (*ParenExpr) expr() {}
func (*Match) expr()     {}
func (*Range) expr()     {}
func (*Nested) expr()    {}
func (*BadExpr) expr()   {}

func (*ValueBool) valueExpr()  {}
func (*ValueNot) valueExpr()   {}
func (*ValueGroup) valueExpr() {}
func (*BadValue) valueExpr()   {}
func (*Literal) valueExpr()    {}
