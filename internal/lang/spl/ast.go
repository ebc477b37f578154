package spl

import "github.com/ruledex/ruledex/internal/lang/diag"

// Node is a node of the tree. Span is its byte span [Start, End) in the
// source; the interface is sealed.
type Node interface {
	Span() diag.Span
	node()
}

// Command is one command of a pipeline: a typed node for the commands whose
// syntax the parser reads, an *ArgsCommand for those read as options and
// fields, a *Macro standing where a command stands, or a *RawCommand.
type Command interface {
	Node
	command()
}

// SearchExpr is an expression of the search command (and of the where
// clauses of tstats, mstats and inputlookup): terms, comparisons, IN, NOT,
// OR, the implied AND, parentheses, macros and subsearches.
type SearchExpr interface {
	Node
	searchExpr()
}

// Expr is an eval expression (eval, where, the arguments of a stats
// function, head's condition).
type Expr interface {
	Node
	expr()
}

// Arg is an argument among a command's options: an *Option (name=value)
// or a *Macro (`security_content_summariesonly` expands to options).
type Arg interface {
	Node
	arg()
}

// Query is one parsed search: its pipeline and its comments.
type Query struct {
	Src      string
	Pipeline *Pipeline
	Comments []*Comment
}

// Comment is a ```...``` comment; Text is without the backquotes.
type Comment struct {
	Loc  diag.Span
	Text string
}

// Pipeline is a run of commands separated by '|'. The first command of a
// pipeline that does not begin with '|' is a *SearchCommand with Implicit
// set (Splunk's implied search); Pipes are the spans of the '|' before each
// command (zero when the command has none).
type Pipeline struct {
	Loc      diag.Span
	Commands []Command
	Pipes    []diag.Span
}

// Subsearch is [ pipeline ]: in a search expression, or the argument of
// join, append, appendcols and appendpipe.
type Subsearch struct {
	Loc      diag.Span
	Pipeline *Pipeline
}

// Ident is a name as written: a command, a function, an option or a
// keyword (by, as, OUTPUT, from, where, over...).
type Ident struct {
	Loc  diag.Span
	Name string
}

// Field is a field name: Raw as written, Name decoded (quotes taken off,
// \\ and \" unescaped). Wildcard says Name holds '*' (rename Processes.* as *,
// fields - *_time). In eval, a Field is a field reference: a bare name or
// 'quoted'; in stats, `as "Search Name"` is a double-quoted Field.
type Field struct {
	Loc      diag.Span
	Raw      string
	Name     string
	Quoted   bool
	Wildcard bool
}

// Value is a value of a search or an option, as written (Raw) and decoded
// (Text: quotes taken off, \\ \" and \| unescaped; the '*' of a wildcard kept
// in Text). Quoted says it is one "..." string; Wildcard that Text holds an
// unescaped '*' (in a search a '*' is a wildcard, quoted or not). Macros are
// the macro calls written inside the value, glued to other text
// (summariesonly=`summariesonly_config`); a macro written alone is a *Macro
// node instead.
type Value struct {
	Loc       diag.Span
	Raw       string
	Text      string
	Quoted    bool
	Wildcard  bool
	Directive string // "CASE" or "TERM" for host=CASE(LOCALHOST): Text is what is inside
	Macros    []*Macro
}

// Macro is a search macro call: `name` or `name(arg, "arg 2")`. Name is
// without the backquotes; Args are the arguments as written (trimmed;
// quotes kept, as Splunk substitutes them).
type Macro struct {
	Loc     diag.Span
	Raw     string
	Name    string
	Args    []string
	HasArgs bool // written with parentheses, even empty ones
}

// Option is name=value (summariesonly=true, field=x, span=1h). Name is nil
// in `from X` written without '='.
type Option struct {
	Loc   diag.Span
	Name  *Ident
	Eq    diag.Span
	Value *Value
}

// ---- search expressions

// SearchAnd is terms joined by AND, implied (a space) or written; Ops are the
// spans of the written ANDs (zero for an implied one), one between each
// two terms.
type SearchAnd struct {
	Loc   diag.Span
	Terms []SearchExpr
	Ops   []diag.Span
}

// SearchOr is terms joined by OR; in a search, OR binds tighter than AND.
type SearchOr struct {
	Loc   diag.Span
	Terms []SearchExpr
	Ops   []diag.Span
}

// SearchNot is NOT X.
type SearchNot struct {
	Loc   diag.Span
	NotAt diag.Span
	X     SearchExpr
}

// SearchParen is ( X ); X is nil for ().
type SearchParen struct {
	Loc diag.Span
	X   SearchExpr
}

// SearchTerm is a keyword, a phrase or a wildcard pattern matched against
// the raw event: error, "access denied", *.exe.
type SearchTerm struct {
	Loc   diag.Span
	Value *Value
}

// SearchCompare is field op value with op one of = != < <= > >= (Op is the
// token kind: Assign, Neq, Lt, Le, Gt, Ge; Eq for ==).
type SearchCompare struct {
	Loc   diag.Span
	Field *Field
	Op    Kind
	OpAt  diag.Span
	Value *Value
}

// SearchIn is field IN (v1, v2, ...).
type SearchIn struct {
	Loc    diag.Span
	Field  *Field
	InAt   diag.Span
	Values []*Value
}

// SearchDirective is TERM(x) or CASE(x): Name is the directive in upper
// case, Value what is between the parentheses.
type SearchDirective struct {
	Loc   diag.Span
	Name  string
	Value *Value
}

// BadSearch is a part of a search expression that could not be read.
type BadSearch struct {
	Loc diag.Span
}

// ---- eval expressions

// BinaryExpr is X op Y. Op is the operator in upper case for the words
// (AND, OR, XOR, LIKE) and as written for the symbols (= == != < <= > >=
// + - * / % .).
type BinaryExpr struct {
	Loc  diag.Span
	Op   string
	OpAt diag.Span
	X, Y Expr
}

// UnaryExpr is NOT X, -X or +X (Op "NOT", "-", "+").
type UnaryExpr struct {
	Loc  diag.Span
	Op   string
	OpAt diag.Span
	X    Expr
}

// InExpr is X IN (a, b, ...) in eval or where.
type InExpr struct {
	Loc    diag.Span
	X      Expr
	InAt   diag.Span
	Values []Expr
}

// ParenExpr is ( X ).
type ParenExpr struct {
	Loc diag.Span
	X   Expr
}

// CallExpr is a function call: if(a, b, c), match(x, "re"), count(eval(...)).
type CallExpr struct {
	Loc  diag.Span
	Func *Ident
	Args []Expr
}

// StringLit is a "..." string: Raw as written, Value unescaped (\\ and \").
type StringLit struct {
	Loc   diag.Span
	Raw   string
	Value string
}

// NumberLit is a number as written: 42, 1.5, 0x1F, 1e3.
type NumberLit struct {
	Loc diag.Span
	Raw string
}

// BadExpr is a part of an eval expression that could not be read.
type BadExpr struct {
	Loc diag.Span
}

// ---- commands

// SearchCommand is `search <expr>`, or the implied search that begins a
// pipeline (Name nil). Expr is nil for an empty search.
type SearchCommand struct {
	Loc  diag.Span
	Name *Ident
	Expr SearchExpr
}

// WhereCommand is `where <eval expression>`.
type WhereCommand struct {
	Loc  diag.Span
	Name *Ident
	Expr Expr
}

// EvalCommand is `eval f = expr, g = expr`.
type EvalCommand struct {
	Loc     diag.Span
	Name    *Ident
	Assigns []*Assignment
}

// Assignment is Field = Value in eval.
type Assignment struct {
	Loc   diag.Span
	Field *Field
	Value Expr
}

// StatsCommand is one of the statistics commands: stats, eventstats,
// streamstats, tstats, mstats, timechart, chart, sistats... Options are the
// name=value options and macros before the functions (summariesonly=t,
// window=5); Aggs the functions; From the `from datamodel=X.Y` of tstats;
// Where the `where` of tstats and mstats (a search expression); Over the
// `over` field of chart; By the split-by fields and ByOptions the options
// written among them (span=1h).
type StatsCommand struct {
	Loc       diag.Span
	Name      *Ident
	Options   []Arg
	Aggs      []*Aggregation
	FromAt    diag.Span
	From      *Option
	WhereAt   diag.Span
	Where     SearchExpr
	OverAt    diag.Span
	Over      *Field
	ByAt      diag.Span
	By        []*Field
	ByOptions []Arg
}

// Aggregation is a statistical function: count, count(x), dc(x) as y,
// values(eval(if(...))) as z. Args is nil when written without
// parentheses (Parens false).
type Aggregation struct {
	Loc    diag.Span
	Func   *Ident
	Parens bool
	Args   []Expr
	AsAt   diag.Span
	As     *Field
}

// RexCommand is `rex [field=x] [max_match=n] [mode=sed] "regex"`. Groups
// are the names of the regex's named groups, (?<name>...) and (?P<name>...),
// the fields it extracts (none in sed mode).
type RexCommand struct {
	Loc     diag.Span
	Name    *Ident
	Options []Arg
	Regex   *StringLit
	Groups  []string
}

// RegexCommand is `regex [field=|field!=]"regex"`: keep (=) or drop (!=) the
// events whose field (_raw when none) matches. Op is Assign or Neq.
type RegexCommand struct {
	Loc   diag.Span
	Name  *Ident
	Field *Field
	Op    Kind
	OpAt  diag.Span
	Regex *StringLit
}

// LookupCommand is `lookup [options] table in [AS f], ... [OUTPUT|OUTPUTNEW
// out [AS f], ...]`. Output is the keyword as written (nil when absent).
type LookupCommand struct {
	Loc     diag.Span
	Name    *Ident
	Options []Arg
	Table   *Value
	Inputs  []*FieldAs
	Output  *Ident
	Outputs []*FieldAs
}

// FieldAs is `field [AS other]` (rename, lookup, bin, convert).
type FieldAs struct {
	Loc   diag.Span
	Field *Field
	AsAt  diag.Span
	As    *Field
}

// InputlookupCommand is `inputlookup [options] table [where <search>]`.
type InputlookupCommand struct {
	Loc     diag.Span
	Name    *Ident
	Options []Arg
	Table   *Value
	WhereAt diag.Span
	Where   SearchExpr
}

// TableCommand is `table f1, f2 ...` (wildcards allowed).
type TableCommand struct {
	Loc    diag.Span
	Name   *Ident
	Fields []*Field
}

// FieldsCommand is `fields [+|-] f1, f2 ...`: Sign "-" drops the fields,
// "+" or "" keeps only them.
type FieldsCommand struct {
	Loc    diag.Span
	Name   *Ident
	Sign   string
	Fields []*Field
}

// RenameCommand is `rename a AS b, c AS d` (wildcards allowed).
type RenameCommand struct {
	Loc     diag.Span
	Name    *Ident
	Renames []*FieldAs
}

// JoinCommand is `join [options] [fields] [subsearch]`.
type JoinCommand struct {
	Loc       diag.Span
	Name      *Ident
	Options   []Arg
	Fields    []*Field
	Subsearch *Subsearch
}

// AppendCommand is append, appendcols or appendpipe: options and a
// subsearch.
type AppendCommand struct {
	Loc       diag.Span
	Name      *Ident
	Options   []Arg
	Subsearch *Subsearch
}

// SortCommand is `sort [count] [+|-]key ... [desc]`.
type SortCommand struct {
	Loc     diag.Span
	Name    *Ident
	Count   *Value
	Options []Arg
	Keys    []*SortKey
	Desc    *Ident
}

// SortKey is one key of sort: Sign "+", "-" or "", Func str/num/ip/auto or
// nil.
type SortKey struct {
	Loc   diag.Span
	Sign  string
	Func  *Ident
	Field *Field
}

// HeadCommand is head or tail: `head [N] [options]` or `head <eval expr>`.
type HeadCommand struct {
	Loc     diag.Span
	Name    *Ident
	Count   *Value
	Options []Arg
	Expr    Expr
}

// ConvertCommand is `convert [timeformat=...] func(field) [AS f] ...`.
type ConvertCommand struct {
	Loc         diag.Span
	Name        *Ident
	Options     []Arg
	Conversions []*Conversion
}

// Conversion is one func(field) [AS f] of convert.
type Conversion struct {
	Loc   diag.Span
	Func  *Ident
	Field *Field
	AsAt  diag.Span
	As    *Field
}

// ArgsCommand is a command read as options, positional words and keyword
// clauses: fillnull, mvexpand, makemv, transaction, spath, bin and bucket,
// dedup, top and rare, outputlookup, datamodel, from, makeresults, apply,
// fit, collect, sendalert, iplocation... Fields are the positional words in
// order (field names, a table, a model, a count); Clauses the keyword
// clauses the command has (bin's `as`, top's `by`, fit's `into`, dedup's
// `sortby`).
type ArgsCommand struct {
	Loc     diag.Span
	Name    *Ident
	Options []Arg
	Fields  []*Field
	Clauses []*Clause
}

// Clause is a keyword and the words after it: by a, b; as x; into model.
type Clause struct {
	Loc     diag.Span
	Keyword *Ident
	Fields  []*Field
}

// RawCommand is a command the parser does not read (foreach, map,
// replace, rest...): its name and its arguments as written. Macros are the
// macro calls found in the arguments.
type RawCommand struct {
	Loc    diag.Span
	Name   *Ident
	ArgsAt diag.Span
	Args   string
	Macros []*Macro
}

// BadCommand is a command that could not be read at all (no name).
type BadCommand struct {
	Loc diag.Span
}

// ---- spans and seals

func (n *Query) Span() diag.Span              { return diag.Span{Start: 0, End: len(n.Src)} }
func (n *Comment) Span() diag.Span            { return n.Loc }
func (n *Pipeline) Span() diag.Span           { return n.Loc }
func (n *Subsearch) Span() diag.Span          { return n.Loc }
func (n *Ident) Span() diag.Span              { return n.Loc }
func (n *Field) Span() diag.Span              { return n.Loc }
func (n *Value) Span() diag.Span              { return n.Loc }
func (n *Macro) Span() diag.Span              { return n.Loc }
func (n *Option) Span() diag.Span             { return n.Loc }
func (n *SearchAnd) Span() diag.Span          { return n.Loc }
func (n *SearchOr) Span() diag.Span           { return n.Loc }
func (n *SearchNot) Span() diag.Span          { return n.Loc }
func (n *SearchParen) Span() diag.Span        { return n.Loc }
func (n *SearchTerm) Span() diag.Span         { return n.Loc }
func (n *SearchCompare) Span() diag.Span      { return n.Loc }
func (n *SearchIn) Span() diag.Span           { return n.Loc }
func (n *SearchDirective) Span() diag.Span    { return n.Loc }
func (n *BadSearch) Span() diag.Span          { return n.Loc }
func (n *BinaryExpr) Span() diag.Span         { return n.Loc }
func (n *UnaryExpr) Span() diag.Span          { return n.Loc }
func (n *InExpr) Span() diag.Span             { return n.Loc }
func (n *ParenExpr) Span() diag.Span          { return n.Loc }
func (n *CallExpr) Span() diag.Span           { return n.Loc }
func (n *StringLit) Span() diag.Span          { return n.Loc }
func (n *NumberLit) Span() diag.Span          { return n.Loc }
func (n *BadExpr) Span() diag.Span            { return n.Loc }
func (n *SearchCommand) Span() diag.Span      { return n.Loc }
func (n *WhereCommand) Span() diag.Span       { return n.Loc }
func (n *EvalCommand) Span() diag.Span        { return n.Loc }
func (n *Assignment) Span() diag.Span         { return n.Loc }
func (n *StatsCommand) Span() diag.Span       { return n.Loc }
func (n *Aggregation) Span() diag.Span        { return n.Loc }
func (n *RexCommand) Span() diag.Span         { return n.Loc }
func (n *RegexCommand) Span() diag.Span       { return n.Loc }
func (n *LookupCommand) Span() diag.Span      { return n.Loc }
func (n *FieldAs) Span() diag.Span            { return n.Loc }
func (n *InputlookupCommand) Span() diag.Span { return n.Loc }
func (n *TableCommand) Span() diag.Span       { return n.Loc }
func (n *FieldsCommand) Span() diag.Span      { return n.Loc }
func (n *RenameCommand) Span() diag.Span      { return n.Loc }
func (n *JoinCommand) Span() diag.Span        { return n.Loc }
func (n *AppendCommand) Span() diag.Span      { return n.Loc }
func (n *SortCommand) Span() diag.Span        { return n.Loc }
func (n *SortKey) Span() diag.Span            { return n.Loc }
func (n *HeadCommand) Span() diag.Span        { return n.Loc }
func (n *ConvertCommand) Span() diag.Span     { return n.Loc }
func (n *Conversion) Span() diag.Span         { return n.Loc }
func (n *ArgsCommand) Span() diag.Span        { return n.Loc }
func (n *Clause) Span() diag.Span             { return n.Loc }
func (n *RawCommand) Span() diag.Span         { return n.Loc }
func (n *BadCommand) Span() diag.Span         { return n.Loc }

func (*Query) node()              {}
func (*Comment) node()            {}
func (*Pipeline) node()           {}
func (*Subsearch) node()          {}
func (*Ident) node()              {}
func (*Field) node()              {}
func (*Value) node()              {}
func (*Macro) node()              {}
func (*Option) node()             {}
func (*SearchAnd) node()          {}
func (*SearchOr) node()           {}
func (*SearchNot) node()          {}
func (*SearchParen) node()        {}
func (*SearchTerm) node()         {}
func (*SearchCompare) node()      {}
func (*SearchIn) node()           {}
func (*SearchDirective) node()    {}
func (*BadSearch) node()          {}
func (*BinaryExpr) node()         {}
func (*UnaryExpr) node()          {}
func (*InExpr) node()             {}
func (*ParenExpr) node()          {}
func (*CallExpr) node()           {}
func (*StringLit) node()          {}
func (*NumberLit) node()          {}
func (*BadExpr) node()            {}
func (*SearchCommand) node()      {}
func (*WhereCommand) node()       {}
func (*EvalCommand) node()        {}
func (*Assignment) node()         {}
func (*StatsCommand) node()       {}
func (*Aggregation) node()        {}
func (*RexCommand) node()         {}
func (*RegexCommand) node()       {}
func (*LookupCommand) node()      {}
func (*FieldAs) node()            {}
func (*InputlookupCommand) node() {}
func (*TableCommand) node()       {}
func (*FieldsCommand) node()      {}
func (*RenameCommand) node()      {}
func (*JoinCommand) node()        {}
func (*AppendCommand) node()      {}
func (*SortCommand) node()        {}
func (*SortKey) node()            {}
func (*HeadCommand) node()        {}
func (*ConvertCommand) node()     {}
func (*Conversion) node()         {}
func (*ArgsCommand) node()        {}
func (*Clause) node()             {}
func (*RawCommand) node()         {}
func (*BadCommand) node()         {}

func (*SearchCommand) command()      {}
func (*WhereCommand) command()       {}
func (*EvalCommand) command()        {}
func (*StatsCommand) command()       {}
func (*RexCommand) command()         {}
func (*RegexCommand) command()       {}
func (*LookupCommand) command()      {}
func (*InputlookupCommand) command() {}
func (*TableCommand) command()       {}
func (*FieldsCommand) command()      {}
func (*RenameCommand) command()      {}
func (*JoinCommand) command()        {}
func (*AppendCommand) command()      {}
func (*SortCommand) command()        {}
func (*HeadCommand) command()        {}
func (*ConvertCommand) command()     {}
func (*ArgsCommand) command()        {}
func (*RawCommand) command()         {}
func (*BadCommand) command()         {}
func (*Macro) command()              {}

func (*SearchAnd) searchExpr()       {}
func (*SearchOr) searchExpr()        {}
func (*SearchNot) searchExpr()       {}
func (*SearchParen) searchExpr()     {}
func (*SearchTerm) searchExpr()      {}
func (*SearchCompare) searchExpr()   {}
func (*SearchIn) searchExpr()        {}
func (*SearchDirective) searchExpr() {}
func (*BadSearch) searchExpr()       {}
func (*Subsearch) searchExpr()       {}
func (*Macro) searchExpr()           {}

func (*BinaryExpr) expr() {}
func (*UnaryExpr) expr()  {}
func (*InExpr) expr()     {}
func (*ParenExpr) expr()  {}
func (*CallExpr) expr()   {}
func (*StringLit) expr()  {}
func (*NumberLit) expr()  {}
func (*BadExpr) expr()    {}
func (*Field) expr()      {}
func (*Macro) expr()      {}

func (*Option) arg() {}
func (*Macro) arg()  {}
