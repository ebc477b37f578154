package esql

import (
	"strings"

	"github.com/ruledex/ruledex/internal/lang/diag"
)

// Node is a node of the tree. Span is its half-open byte range in the source.
type Node interface {
	Span() diag.Span
	node()
}

// Command is one command of a pipeline (FROM, WHERE, STATS, ...).
type Command interface {
	Node
	command()
}

// Expr is an expression.
type Expr interface {
	Node
	expr()
}

// Query is a whole query: a source command, then processing commands, each
// after a pipe. It is the root of the tree.
type Query struct {
	Commands []Command
	Pipes    []diag.Span // the | before Commands[1:], in order
	Pos      diag.Span
}

// ---- names ----

// NamePart is one dotted part of a name: an identifier, a `quoted` one, a
// parameter (?x), or (in KEEP, DROP, RENAME and ENRICH) a pattern with *.
type NamePart struct {
	Raw   string // as written: `source.as.number`, Esql.*, ?field
	Value string // the name: backquotes removed and `` made one
	Kind  Kind   // Ident, QuotedIdent, Param or Pattern (a keyword read as a part is Ident)
	Pos   diag.Span
}

// Name is a qualified name: parts joined by dots (process.parent.name). In
// KEEP, DROP, RENAME and ENRICH its parts may hold * (a pattern).
type Name struct {
	Parts []*NamePart
	Pos   diag.Span
}

// String returns the field name: the parts' values joined by dots. ES|QL
// field names are case-sensitive.
func (n *Name) String() string {
	if len(n.Parts) == 1 {
		return n.Parts[0].Value
	}
	var b strings.Builder
	for i, p := range n.Parts {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p.Value)
	}
	return b.String()
}

// IsPattern tells whether the name holds a * outside backquotes.
func (n *Name) IsPattern() bool {
	for _, p := range n.Parts {
		if p.Kind == Pattern && strings.Contains(stripQuoted(p.Raw), "*") {
			return true
		}
	}
	return false
}

// stripQuoted returns s without its `quoted` runs.
func stripQuoted(s string) string {
	if !strings.Contains(s, "`") {
		return s
	}
	var b strings.Builder
	in := false
	for i := 0; i < len(s); i++ {
		if s[i] == '`' {
			in = !in
			continue
		}
		if !in {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// ---- commands ----

// IndexPattern is one source of FROM, TS or LOOKUP JOIN: an index, alias,
// data stream or pattern (logs-*), with an optional cluster
// (remote:logs-*) and selector (logs::failures). Index patterns are read
// raw: * matches any characters, a leading - excludes.
type IndexPattern struct {
	Cluster  string // "" when none
	Index    string // as written, or the decoded value of a "quoted" index
	Quoted   bool   // written as a "string"
	Raw      string // the index part as written
	Selector string // "" when none
	Pos      diag.Span
}

// FromCommand is FROM (or TS) index, ... [METADATA _id, ...].
type FromCommand struct {
	Keyword  Kind // From or Ts
	KwPos    diag.Span
	Sources  []*IndexPattern
	Metadata []*NamePart // METADATA fields (Kind Source), nil when none
	MetaPos  diag.Span   // the METADATA keyword
	Pos      diag.Span
}

// RowCommand is ROW name = value, ...
type RowCommand struct {
	Fields []*Field
	Pos    diag.Span
}

// ShowCommand is SHOW INFO (Item holds what follows SHOW).
type ShowCommand struct {
	Item    string
	ItemPos diag.Span
	Pos     diag.Span
}

// Field is an expression of EVAL, ROW, STATS (aggregations and BY) and
// RERANK ON, optionally named: name = value. Without a name, the column is
// named after the expression's text.
type Field struct {
	Name      *Name // nil when none
	AssignPos diag.Span
	Value     Expr
	Pos       diag.Span
}

// WhereCommand is WHERE condition.
type WhereCommand struct {
	Cond Expr
	Pos  diag.Span
}

// EvalCommand is EVAL name = value, ...
type EvalCommand struct {
	Fields []*Field
	Pos    diag.Span
}

// AggField is one aggregation of STATS: a field, with an optional filter
// (count(*) WHERE x > 1) that restricts the rows it aggregates.
type AggField struct {
	Field    *Field
	WherePos diag.Span
	Filter   Expr // nil when none
	Pos      diag.Span
}

// StatsCommand is STATS aggs [BY groups], or INLINE STATS (INLINESTATS),
// which adds the aggregations as columns to every row instead of reducing
// the rows to one per group.
type StatsCommand struct {
	Keyword string // "STATS", "INLINE STATS" or "INLINESTATS" (upper case, whatever the case written)
	Inline  bool
	Aggs    []*AggField
	ByPos   diag.Span // zero when no BY
	By      []*Field
	Pos     diag.Span
}

// KeepCommand is KEEP patterns: the columns kept, in that order.
type KeepCommand struct {
	Patterns []*Name
	Pos      diag.Span
}

// DropCommand is DROP patterns: the columns removed.
type DropCommand struct {
	Patterns []*Name
	Pos      diag.Span
}

// RenameClause is old AS new, or new = old (Assign set).
type RenameClause struct {
	Old, New *Name
	Assign   bool
	OpPos    diag.Span
	Pos      diag.Span
}

// RenameCommand is RENAME clause, ...
type RenameCommand struct {
	Clauses []*RenameClause
	Pos     diag.Span
}

// Direction is the order of a SORT key.
type Direction uint8

// Directions; Ascending is the default.
const (
	DirDefault Direction = iota
	DirAsc
	DirDesc
)

// NullsOrder is where SORT puts nulls.
type NullsOrder uint8

// Nulls orders; by default nulls are last ascending and first descending.
const (
	NullsDefault NullsOrder = iota
	NullsFirst
	NullsLast
)

// Order is one key of SORT.
type Order struct {
	X        Expr
	Dir      Direction
	DirPos   diag.Span
	Nulls    NullsOrder
	NullsPos diag.Span // NULLS FIRST|LAST
	Pos      diag.Span
}

// SortCommand is SORT key [ASC|DESC] [NULLS FIRST|LAST], ...
type SortCommand struct {
	Orders []*Order
	Pos    diag.Span
}

// LimitCommand is LIMIT n.
type LimitCommand struct {
	Count Expr
	Pos   diag.Span
}

// Option is one name = constant option (DISSECT's APPEND_SEPARATOR).
type Option struct {
	Name  *NamePart
	Value Expr
	Pos   diag.Span
}

// DissectCommand is DISSECT input "pattern" [APPEND_SEPARATOR = "sep"]. The
// pattern's %{name} keys make columns (kept raw here; see DissectKeys).
type DissectCommand struct {
	Input   Expr
	Pattern *Literal
	Options []*Option
	Pos     diag.Span
}

// GrokCommand is GROK input "pattern", ...: each %{SYNTAX:name[:type]} makes
// a column (see GrokKeys).
type GrokCommand struct {
	Input    Expr
	Patterns []*Literal
	Pos      diag.Span
}

// MvExpandCommand is MV_EXPAND field: one row per value of a multi-valued field.
type MvExpandCommand struct {
	Field *Name
	Pos   diag.Span
}

// EnrichWith is one [new =] field of ENRICH ... WITH.
type EnrichWith struct {
	NewName *Name // nil when none
	Field   *Name
	Pos     diag.Span
}

// EnrichCommand is ENRICH policy [ON field] [WITH [new =] field, ...].
type EnrichCommand struct {
	Policy    string // the policy name ([cluster:]name; a "quoted" one decoded)
	PolicyRaw string // as written
	PolicyPos diag.Span
	On        *Name // nil when none
	With      []*EnrichWith
	Pos       diag.Span
}

// JoinCommand is LOOKUP JOIN index ON condition, ... (LEFT and RIGHT JOIN
// are in development in Elasticsearch).
type JoinCommand struct {
	Type   Kind // Lookup, Left or Right
	Target *IndexPattern
	Alias  string // AS alias or a bare qualifier, "" when none
	On     []Expr // field names, or conditions
	Pos    diag.Span
}

// ChangePointCommand is CHANGE_POINT value [ON key] [AS type, pvalue].
type ChangePointCommand struct {
	Value      *Name
	Key        *Name // nil when none
	TypeName   *Name // nil when none
	PvalueName *Name
	Pos        diag.Span
}

// CompletionCommand is COMPLETION [target =] prompt WITH {options}: the
// answer of an inference end point (an LLM) for each row.
type CompletionCommand struct {
	Target *Name // nil when none (the column is named completion)
	Prompt Expr
	With   *MapExpr // nil when none
	Pos    diag.Span
}

// RerankCommand is RERANK [target =] query ON fields WITH {options}.
type RerankCommand struct {
	Target *Name
	Query  Expr
	On     []*Field
	With   *MapExpr
	Pos    diag.Span
}

// SampleCommand is SAMPLE probability.
type SampleCommand struct {
	Probability Expr
	Pos         diag.Span
}

// ForkBranch is one ( sub-pipeline ) of FORK.
type ForkBranch struct {
	Commands []Command
	Pipes    []diag.Span
	Pos      diag.Span // from ( to )
}

// ForkCommand is FORK (branch) (branch) ...: the rows run through each
// branch; the results are appended, with a _fork column naming the branch.
type ForkCommand struct {
	Branches []*ForkBranch
	Pos      diag.Span
}

// UnknownCommand is a command this parser does not read: its name and its
// text up to the next pipe, kept raw (an error says so).
type UnknownCommand struct {
	Name string
	Raw  string // the whole command as written
	Pos  diag.Span
}

// BadCommand is what could not be read as a command (a pipe with no
// command after it, a command cut short).
type BadCommand struct {
	Pos diag.Span
}

// ---- expressions ----

// LitKind is the kind of a Literal.
type LitKind uint8

// Literal kinds.
const (
	LitNull LitKind = iota
	LitBool
	LitInt
	LitDecimal
	LitString
)

// Literal is null, true, false, a number or a string.
type Literal struct {
	Kind  LitKind
	Raw   string // as written
	Value string // strings: decoded (escapes, or raw between """); others: lower case for null and booleans, Raw for numbers
	Pos   diag.Span
}

// Triple tells whether a string literal was written """raw""".
func (l *Literal) Triple() bool { return strings.HasPrefix(l.Raw, `"""`) }

// Duration is a time span or date period: an integer and a unit (1 day,
// 5 minutes, 1h); the unit is kept as written.
type Duration struct {
	Value   *Literal
	Unit    string
	UnitPos diag.Span
	Pos     diag.Span
}

// ParamExpr is a query parameter: ?, ?name, ?1, ??name.
type ParamExpr struct {
	Raw string
	Pos diag.Span
}

// FieldRef is a field read in an expression.
type FieldRef struct {
	Name *Name
}

// ArrayLit is [a, b, ...]: a multi-valued constant.
type ArrayLit struct {
	Elems []Expr
	Pos   diag.Span
}

// MapEntry is "key": value in a map.
type MapEntry struct {
	Key   *Literal
	Value Expr
	Pos   diag.Span
}

// MapExpr is { "key": value, ... }: options of a function or a command.
type MapExpr struct {
	Entries []*MapEntry
	Pos     diag.Span
}

// Call is a function call: name(args), count(*). Function names are
// case-insensitive (Lower gives the canonical one).
type Call struct {
	Name    string // as written
	NamePos diag.Span
	Star    bool // name(*)
	Args    []Expr
	Options *MapExpr // a last {map} argument, nil when none
	Pos     diag.Span
}

// Lower returns the function's name in lower case.
func (c *Call) Lower() string { return strings.ToLower(c.Name) }

// ParenExpr is ( x ).
type ParenExpr struct {
	X   Expr
	Pos diag.Span
}

// UnaryExpr is NOT x, -x or +x.
type UnaryExpr struct {
	Op    Kind // Not, Minus, Plus
	OpPos diag.Span
	X     Expr
	Pos   diag.Span
}

// BinaryExpr is x op y: OR, AND, a comparison (== != < <= > >=, =~), or
// arithmetic (+ - * / %). Comparisons of strings are exact and
// case-sensitive (a case-insensitive test is written TO_LOWER(x) == "...");
// a comparison with null is null, which WHERE drops, so x != "a" does not
// keep rows where x is missing
// (https://www.elastic.co/guide/en/elasticsearch/reference/current/esql-functions-operators.html).
type BinaryExpr struct {
	Op    Kind
	OpPos diag.Span
	X, Y  Expr
	Pos   diag.Span
}

// CastExpr is x::type (type kept as written: keyword, ip, long...).
type CastExpr struct {
	X       Expr
	Type    string
	TypePos diag.Span
	Pos     diag.Span
}

// InExpr is x [NOT] IN (a, b, ...): exact, case-sensitive equality with
// any value of the list; x NOT IN (...) and NOT x IN (...) are the same
// test (Not here, or a UnaryExpr NOT around it).
type InExpr struct {
	X    Expr
	Not  bool
	List []Expr
	Pos  diag.Span
}

// LikeExpr is x [NOT] LIKE "pattern", x [NOT] LIKE ("p1", "p2") and the
// same with RLIKE. A list matches when any pattern matches. LIKE's
// wildcards are * (any characters) and ? (one character), escaped with a
// backslash (so "\\*" or """\*""" is a literal *); RLIKE's pattern is a
// regular expression that must match the whole value. Both are
// case-sensitive, and on text fields match the value as a keyword, not
// analysed
// (https://www.elastic.co/guide/en/elasticsearch/reference/current/esql-functions-operators.html#esql-like).
// The pattern is Patterns[i].(*Literal).Value, the string decoded.
type LikeExpr struct {
	X        Expr
	Not      bool
	Op       Kind // Like or Rlike
	OpPos    diag.Span
	List     bool   // the patterns were written in parentheses
	Patterns []Expr // string literals (or parameters)
	Pos      diag.Span
}

// IsNullExpr is x IS [NOT] NULL: whether the field has no value in the row.
type IsNullExpr struct {
	X   Expr
	Not bool
	Pos diag.Span
}

// MatchExpr is field : query, the full-text match operator (the MATCH
// function): on a text field the query is analysed (case-insensitive with
// the standard analyser, any of its terms matching), on a keyword field it
// is an exact match
// (https://www.elastic.co/guide/en/elasticsearch/reference/current/esql-search-functions.html).
type MatchExpr struct {
	Field    Expr // a *FieldRef, or a *CastExpr of one
	ColonPos diag.Span
	Query    Expr
	Pos      diag.Span
}

// BadExpr is what could not be read as an expression.
type BadExpr struct {
	Pos diag.Span
}

// Span implementations.

func (n *Query) Span() diag.Span              { return n.Pos }
func (n *Name) Span() diag.Span               { return n.Pos }
func (n *NamePart) Span() diag.Span           { return n.Pos }
func (n *IndexPattern) Span() diag.Span       { return n.Pos }
func (n *FromCommand) Span() diag.Span        { return n.Pos }
func (n *RowCommand) Span() diag.Span         { return n.Pos }
func (n *ShowCommand) Span() diag.Span        { return n.Pos }
func (n *Field) Span() diag.Span              { return n.Pos }
func (n *WhereCommand) Span() diag.Span       { return n.Pos }
func (n *EvalCommand) Span() diag.Span        { return n.Pos }
func (n *AggField) Span() diag.Span           { return n.Pos }
func (n *StatsCommand) Span() diag.Span       { return n.Pos }
func (n *KeepCommand) Span() diag.Span        { return n.Pos }
func (n *DropCommand) Span() diag.Span        { return n.Pos }
func (n *RenameClause) Span() diag.Span       { return n.Pos }
func (n *RenameCommand) Span() diag.Span      { return n.Pos }
func (n *Order) Span() diag.Span              { return n.Pos }
func (n *SortCommand) Span() diag.Span        { return n.Pos }
func (n *LimitCommand) Span() diag.Span       { return n.Pos }
func (n *Option) Span() diag.Span             { return n.Pos }
func (n *DissectCommand) Span() diag.Span     { return n.Pos }
func (n *GrokCommand) Span() diag.Span        { return n.Pos }
func (n *MvExpandCommand) Span() diag.Span    { return n.Pos }
func (n *EnrichWith) Span() diag.Span         { return n.Pos }
func (n *EnrichCommand) Span() diag.Span      { return n.Pos }
func (n *JoinCommand) Span() diag.Span        { return n.Pos }
func (n *ChangePointCommand) Span() diag.Span { return n.Pos }
func (n *CompletionCommand) Span() diag.Span  { return n.Pos }
func (n *RerankCommand) Span() diag.Span      { return n.Pos }
func (n *SampleCommand) Span() diag.Span      { return n.Pos }
func (n *ForkBranch) Span() diag.Span         { return n.Pos }
func (n *ForkCommand) Span() diag.Span        { return n.Pos }
func (n *UnknownCommand) Span() diag.Span     { return n.Pos }
func (n *BadCommand) Span() diag.Span         { return n.Pos }
func (n *Literal) Span() diag.Span            { return n.Pos }
func (n *Duration) Span() diag.Span           { return n.Pos }
func (n *ParamExpr) Span() diag.Span          { return n.Pos }
func (n *FieldRef) Span() diag.Span           { return n.Name.Pos }
func (n *ArrayLit) Span() diag.Span           { return n.Pos }
func (n *MapEntry) Span() diag.Span           { return n.Pos }
func (n *MapExpr) Span() diag.Span            { return n.Pos }
func (n *Call) Span() diag.Span               { return n.Pos }
func (n *ParenExpr) Span() diag.Span          { return n.Pos }
func (n *UnaryExpr) Span() diag.Span          { return n.Pos }
func (n *BinaryExpr) Span() diag.Span         { return n.Pos }
func (n *CastExpr) Span() diag.Span           { return n.Pos }
func (n *InExpr) Span() diag.Span             { return n.Pos }
func (n *LikeExpr) Span() diag.Span           { return n.Pos }
func (n *IsNullExpr) Span() diag.Span         { return n.Pos }
func (n *MatchExpr) Span() diag.Span          { return n.Pos }
func (n *BadExpr) Span() diag.Span            { return n.Pos }

// Sealing markers.

func (*Query) node()              {}
func (*Name) node()               {}
func (*NamePart) node()           {}
func (*IndexPattern) node()       {}
func (*FromCommand) node()        {}
func (*RowCommand) node()         {}
func (*ShowCommand) node()        {}
func (*Field) node()              {}
func (*WhereCommand) node()       {}
func (*EvalCommand) node()        {}
func (*AggField) node()           {}
func (*StatsCommand) node()       {}
func (*KeepCommand) node()        {}
func (*DropCommand) node()        {}
func (*RenameClause) node()       {}
func (*RenameCommand) node()      {}
func (*Order) node()              {}
func (*SortCommand) node()        {}
func (*LimitCommand) node()       {}
func (*Option) node()             {}
func (*DissectCommand) node()     {}
func (*GrokCommand) node()        {}
func (*MvExpandCommand) node()    {}
func (*EnrichWith) node()         {}
func (*EnrichCommand) node()      {}
func (*JoinCommand) node()        {}
func (*ChangePointCommand) node() {}
func (*CompletionCommand) node()  {}
func (*RerankCommand) node()      {}
func (*SampleCommand) node()      {}
func (*ForkBranch) node()         {}
func (*ForkCommand) node()        {}
func (*UnknownCommand) node()     {}
func (*BadCommand) node()         {}
func (*Literal) node()            {}
func (*Duration) node()           {}
func (*ParamExpr) node()          {}
func (*FieldRef) node()           {}
func (*ArrayLit) node()           {}
func (*MapEntry) node()           {}
func (*MapExpr) node()            {}
func (*Call) node()               {}
func (*ParenExpr) node()          {}
func (*UnaryExpr) node()          {}
func (*BinaryExpr) node()         {}
func (*CastExpr) node()           {}
func (*InExpr) node()             {}
func (*LikeExpr) node()           {}
func (*IsNullExpr) node()         {}
func (*MatchExpr) node()          {}
func (*BadExpr) node()            {}

func (*FromCommand) command()        {}
func (*RowCommand) command()         {}
func (*ShowCommand) command()        {}
func (*WhereCommand) command()       {}
func (*EvalCommand) command()        {}
func (*StatsCommand) command()       {}
func (*KeepCommand) command()        {}
func (*DropCommand) command()        {}
func (*RenameCommand) command()      {}
func (*SortCommand) command()        {}
func (*LimitCommand) command()       {}
func (*DissectCommand) command()     {}
func (*GrokCommand) command()        {}
func (*MvExpandCommand) command()    {}
func (*EnrichCommand) command()      {}
func (*JoinCommand) command()        {}
func (*ChangePointCommand) command() {}
func (*CompletionCommand) command()  {}
func (*RerankCommand) command()      {}
func (*SampleCommand) command()      {}
func (*ForkCommand) command()        {}
func (*UnknownCommand) command()     {}
func (*BadCommand) command()         {}

func (*Literal) expr()    {}
func (*Duration) expr()   {}
func (*ParamExpr) expr()  {}
func (*FieldRef) expr()   {}
func (*ArrayLit) expr()   {}
func (*MapExpr) expr()    {}
func (*Call) expr()       {}
func (*ParenExpr) expr()  {}
func (*UnaryExpr) expr()  {}
func (*BinaryExpr) expr() {}
func (*CastExpr) expr()   {}
func (*InExpr) expr()     {}
func (*LikeExpr) expr()   {}
func (*IsNullExpr) expr() {}
func (*MatchExpr) expr()  {}
func (*BadExpr) expr()    {}
