package kql

import "strings"

// Node is a node of the tree; Span is its byte span [pos, end) in the source.
type Node interface {
	Span() (pos, end int)
}

// Stmt is a statement of a script.
type Stmt interface {
	Node
	stmt()
}

// Expr is a scalar or tabular expression.
type Expr interface {
	Node
	expr()
}

// Script is a parsed query text: its statements, in order, and its comments.
type Script struct {
	Src      string
	Stmts    []Stmt
	Comments []Comment
}

// Span covers the whole source.
func (s *Script) Span() (int, int) { return 0, len(s.Src) }

// LetStmt is `let Name = Value`; Value is a *FuncDef for functions and views.
type LetStmt struct {
	Pos, End int
	Name     *Ident
	Value    Expr
}

// SetStmt is `set name [= value]`.
type SetStmt struct {
	Pos, End int
	Name     string
	Value    Expr // nil when absent
}

// DeclareStmt is `declare query_parameters(a:string = "x", ...)`.
type DeclareStmt struct {
	Pos, End int
	Params   []*TypedName
}

// ExprStmt is a query statement (or any expression statement).
type ExprStmt struct {
	X Expr
}

// RawStmt is a statement the parser keeps as text (alias, pattern, restrict...).
type RawStmt struct {
	Pos, End int
	Text     string
}

func (s *LetStmt) Span() (int, int)     { return s.Pos, s.End }
func (s *SetStmt) Span() (int, int)     { return s.Pos, s.End }
func (s *DeclareStmt) Span() (int, int) { return s.Pos, s.End }
func (s *ExprStmt) Span() (int, int)    { return s.X.Span() }
func (s *RawStmt) Span() (int, int)     { return s.Pos, s.End }
func (*LetStmt) stmt()                  {}
func (*SetStmt) stmt()                  {}
func (*DeclareStmt) stmt()              {}
func (*ExprStmt) stmt()                 {}
func (*RawStmt) stmt()                  {}

// LitKind is the kind of a literal.
type LitKind uint8

// Literal kinds.
const (
	LitString LitKind = iota
	LitInt
	LitReal
	LitTimespan
	LitTyped // datetime(...), guid(...), long(...)...: Type says which
	LitBool
	LitNull
)

// Ident is a name: a column, table, function, variable or keyword argument.
// Name is the bare name; Quoted is true for a bracketed name (['My Col']).
type Ident struct {
	Pos, End int
	Name     string
	Quoted   bool
}

// Raw returns the name as KQL writes it: bracketed and quoted when Quoted.
func (x *Ident) Raw() string {
	if !x.Quoted {
		return x.Name
	}
	return "['" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(x.Name) + "']"
}

// Literal is a literal value. Raw is the source text; Value the decoded
// string (strings unquoted and adjacent parts joined, typed literals their
// text between parentheses); Type the name of a typed literal, lower case.
type Literal struct {
	Pos, End int
	Kind     LitKind
	Type     string
	Raw      string
	Value    string
}

// DynamicExpr is dynamic(value) with value a JSON-like expression.
type DynamicExpr struct {
	Pos, End int
	Value    Expr
}

// ListExpr is [a, b, ...] inside a dynamic literal.
type ListExpr struct {
	Pos, End int
	Elems    []Expr
}

// BagExpr is {"k": v, ...} inside a dynamic literal.
type BagExpr struct {
	Pos, End int
	Keys     []Expr
	Values   []Expr
}

// ParenExpr is (x); x may be a pipeline.
type ParenExpr struct {
	Pos, End int
	X        Expr
}

// TupleExpr is (a, b, ...): the list after in, has_any and the like, and
// the names of a tuple assignment.
type TupleExpr struct {
	Pos, End int
	Elems    []Expr
	Comma    bool // a comma before the closing parenthesis: (a,)
}

// BinaryExpr is X Op Y. Op is lower case and canonical: "==", "=~", "and",
// "has", "!has", "in~", "!in", "matches regex", "has_any"...
type BinaryExpr struct {
	X     Expr
	OpPos int
	Op    string
	Y     Expr
}

// UnaryExpr is -X or +X.
type UnaryExpr struct {
	OpPos int
	Op    string
	X     Expr
}

// BetweenExpr is X between (Lo .. Hi), or X !between (...).
type BetweenExpr struct {
	X      Expr
	OpPos  int
	Not    bool
	Lo, Hi Expr
	End    int
}

// CallExpr is Fun(Args...).
type CallExpr struct {
	Fun  Expr // *Ident, or a *SelectorExpr for cluster("x").database("y")
	Args []Expr
	End  int
}

// SelectorExpr is X.Sel.
type SelectorExpr struct {
	X   Expr
	Sel *Ident
}

// IndexExpr is X[Index].
type IndexExpr struct {
	X     Expr
	Index Expr
	Dot   bool // written X.[Index]
	End   int
}

// StarExpr is * as an argument (arg_max(T, *)) or column list.
type StarExpr struct {
	Pos int
}

// WildcardName is a name pattern with *: Device*, *Events.
type WildcardName struct {
	Pos, End int
	Text     string
}

// NamedExpr is Name = Value: a column assignment, an operator option
// (kind=inner), a named argument. Name is an *Ident, a dotted name
// (hint.strategy) as *Ident, or a *TupleExpr of names.
type NamedExpr struct {
	Name  Expr
	Value Expr
}

// TypedName is Name:Type [= Default].
type TypedName struct {
	Name    *Ident
	Type    *TypeExpr // nil when no type is written
	Default Expr      // nil when absent
	End     int
}

// TypeExpr is a scalar type name (string) or a tabular schema ((*), (a:string)).
type TypeExpr struct {
	Pos, End int
	Name     string       // scalar type; "" for a schema
	Columns  []*TypedName // a schema's columns
	Star     bool         // (*) or (*, a:string)
	Schema   bool         // written as a parenthesised schema
}

// TypeofExpr is typeof(type).
type TypeofExpr struct {
	Pos, End int
	Type     *TypeExpr
}

// OrderedExpr is X asc|desc [nulls first|last] in sort, top and the like.
type OrderedExpr struct {
	X     Expr
	Dir   string // "asc", "desc" or ""
	Nulls string // "first", "last" or ""
	End   int
}

// PipeExpr is Source | Op. Source is nil for an operator that starts a
// query (union, print, range, search, find) or a subquery (mv-apply's on
// (...), fork's branches). Pipe is the offset of the '|' before Op, -1
// when none is written (a query's first operator, a subquery's without
// its optional leading pipe).
type PipeExpr struct {
	Source Expr
	Pipe   int
	Op     TabularOp
}

// TabularOp is what follows a pipe: an *Operator, or a *BadOperator where
// none could be read.
type TabularOp interface {
	Node
	tabularOp()
}

// Operator is a tabular operator. Keyword is its canonical lower-case name
// (where, project-away, mv-expand, sort); Raw its name as written (filter,
// order, mvexpand), at [Pos, Pos+len(Raw)). Params are its options
// (kind=inner, hint.strategy=..., withsource=T); Clauses its parts in
// order: the main one (Keyword "") and those introduced by a keyword (by,
// on, with, to, from, step, of, limit...).
type Operator struct {
	Pos, End int
	Keyword  string
	Raw      string
	Params   []*NamedExpr
	Clauses  []*Clause
}

// NameSpan returns the span of the operator's name as written.
func (x *Operator) NameSpan() (pos, end int) { return x.Pos, x.Pos + len(x.Raw) }

// BadOperator stands where a tabular operator could not be read (a pipe
// followed by no operator name); its span covers the tokens skipped.
type BadOperator struct {
	Pos, End int
}

// Clause is a part of an operator: Keyword ("" for the main part, else by,
// on, with, ...) and its expressions. Seq clauses are written without commas
// (parse patterns, fork branches). [KwPos, KwEnd) is the span of the
// keyword's words as written ("order by", "with others"), empty at Pos for
// the main part.
type Clause struct {
	Pos, End     int
	KwPos, KwEnd int
	Keyword      string
	Exprs        []Expr
	Seq          bool
}

// FuncDef is a function or view body of a let: (params) { body }.
type FuncDef struct {
	Pos, End int
	View     bool
	Params   []*TypedName
	Body     []Stmt
}

// DataTableExpr is datatable(schema)[values] or externaldata(schema)[urls] with (...).
type DataTableExpr struct {
	Pos, End int
	Keyword  string // "datatable" or "externaldata"
	Params   []*NamedExpr
	Schema   []*TypedName
	Values   []Expr
	With     *TupleExpr // externaldata's with (...) properties; nil when absent
}

// ScanStep is a step of scan: step Name [optional] [output=x]: Cond [=> Assigns];
type ScanStep struct {
	Pos, End int
	Name     *Ident
	Optional bool
	Output   string
	Cond     Expr
	Assigns  []Expr
}

// RawExpr is a run of tokens kept as written: the parts of rare operators
// whose grammar the parser does not model.
type RawExpr struct {
	Pos, End int
	Text     string
}

// BadExpr stands where an expression could not be read.
type BadExpr struct {
	Pos, End int
}

func (x *Ident) Span() (int, int)         { return x.Pos, x.End }
func (x *Literal) Span() (int, int)       { return x.Pos, x.End }
func (x *DynamicExpr) Span() (int, int)   { return x.Pos, x.End }
func (x *ListExpr) Span() (int, int)      { return x.Pos, x.End }
func (x *BagExpr) Span() (int, int)       { return x.Pos, x.End }
func (x *ParenExpr) Span() (int, int)     { return x.Pos, x.End }
func (x *TupleExpr) Span() (int, int)     { return x.Pos, x.End }
func (x *BinaryExpr) Span() (int, int)    { p, _ := x.X.Span(); _, e := x.Y.Span(); return p, e }
func (x *UnaryExpr) Span() (int, int)     { _, e := x.X.Span(); return x.OpPos, e }
func (x *BetweenExpr) Span() (int, int)   { p, _ := x.X.Span(); return p, x.End }
func (x *CallExpr) Span() (int, int)      { p, _ := x.Fun.Span(); return p, x.End }
func (x *SelectorExpr) Span() (int, int)  { p, _ := x.X.Span(); return p, x.Sel.End }
func (x *IndexExpr) Span() (int, int)     { p, _ := x.X.Span(); return p, x.End }
func (x *StarExpr) Span() (int, int)      { return x.Pos, x.Pos + 1 }
func (x *WildcardName) Span() (int, int)  { return x.Pos, x.End }
func (x *NamedExpr) Span() (int, int)     { p, _ := x.Name.Span(); _, e := x.Value.Span(); return p, e }
func (x *TypedName) Span() (int, int)     { return x.Name.Pos, x.End }
func (x *TypeExpr) Span() (int, int)      { return x.Pos, x.End }
func (x *TypeofExpr) Span() (int, int)    { return x.Pos, x.End }
func (x *OrderedExpr) Span() (int, int)   { p, _ := x.X.Span(); return p, x.End }
func (x *FuncDef) Span() (int, int)       { return x.Pos, x.End }
func (x *DataTableExpr) Span() (int, int) { return x.Pos, x.End }
func (x *RawExpr) Span() (int, int)       { return x.Pos, x.End }
func (x *ScanStep) Span() (int, int)      { return x.Pos, x.End }
func (x *BadExpr) Span() (int, int)       { return x.Pos, x.End }
func (x *Operator) Span() (int, int)      { return x.Pos, x.End }
func (x *BadOperator) Span() (int, int)   { return x.Pos, x.End }
func (x *Clause) Span() (int, int)        { return x.Pos, x.End }
func (x *PipeExpr) Span() (int, int) {
	p, e := x.Op.Span()
	if x.Pipe >= 0 && x.Pipe < p {
		p = x.Pipe
	}
	if x.Source != nil {
		p, _ = x.Source.Span()
	}
	return p, e
}

func (*Operator) tabularOp()    {}
func (*BadOperator) tabularOp() {}

func (*Ident) expr()         {}
func (*Literal) expr()       {}
func (*DynamicExpr) expr()   {}
func (*ListExpr) expr()      {}
func (*BagExpr) expr()       {}
func (*ParenExpr) expr()     {}
func (*TupleExpr) expr()     {}
func (*BinaryExpr) expr()    {}
func (*UnaryExpr) expr()     {}
func (*BetweenExpr) expr()   {}
func (*CallExpr) expr()      {}
func (*SelectorExpr) expr()  {}
func (*IndexExpr) expr()     {}
func (*StarExpr) expr()      {}
func (*WildcardName) expr()  {}
func (*NamedExpr) expr()     {}
func (*TypedName) expr()     {}
func (*TypeExpr) expr()      {}
func (*TypeofExpr) expr()    {}
func (*OrderedExpr) expr()   {}
func (*PipeExpr) expr()      {}
func (*FuncDef) expr()       {}
func (*DataTableExpr) expr() {}
func (*RawExpr) expr()       {}
func (*ScanStep) expr()      {}
func (*BadExpr) expr()       {}
