package eql

import (
	"strings"
	"time"

	"github.com/ruledex/ruledex/internal/lang/diag"
)

// Node is a node of the tree. Span is its half-open byte span in the
// source. The interface is sealed: every node is one of this file's types.
type Node interface {
	Span() diag.Span
	node()
}

// Head is what a query starts with: *EventQuery, *Sequence, *Sample, *Join
// or *BadHead.
type Head interface {
	Node
	head()
}

// Expr is an expression of a condition, a by key or a pipe argument.
type Expr interface {
	Node
	expr()
}

// Query is a whole EQL query: its head, then its pipes.
type Query struct {
	Loc      diag.Span
	Src      string  // the source the spans point into
	Head     Head    // nil only when the query is empty or starts with a pipe
	Pipes    []*Pipe // | head 10, | filter ..., in order
	Comments []Token // every comment of the source, in order
}

// EventQuery is `category where condition`: process where ..., any where ...
// (any matches every event category). Category is nil when the source
// lacks it (an error).
type EventQuery struct {
	Loc      diag.Span
	Category *Ident
	Where    diag.Span // the "where" keyword
	Cond     Expr
}

// IsAny tells whether the query matches events of any category.
func (q *EventQuery) IsAny() bool { return q.Category != nil && q.Category.Name == "any" }

// Sequence is `sequence [by k, ...] [with maxspan=N unit] step step ...
// [until step]`: events matching each step in order, sharing the values of
// the by keys (the sequence's and each step's, pairwise), within maxspan.
type Sequence struct {
	Loc     diag.Span
	Keyword diag.Span // "sequence"
	By      *By       // keys of every step; nil when absent
	MaxSpan *MaxSpan  // nil when absent
	ByFirst bool      // by was written before with (for the printer)
	Steps   []*Step
	Until   *Step // the until step (Step.Until is set); nil when absent
}

// Sample is `sample [by k, ...] step step ...`: events matching each step
// in any order, sharing the by keys' values.
type Sample struct {
	Loc     diag.Span
	Keyword diag.Span
	By      *By
	Steps   []*Step
}

// Join is `join [by k, ...] step step ... [until step]` (the eql package's
// grammar; Elasticsearch does not run it).
type Join struct {
	Loc     diag.Span
	Keyword diag.Span
	By      *By
	Steps   []*Step
	Until   *Step
}

// By is `by key, key, ...` of a sequence, sample, join or step.
type By struct {
	Loc     diag.Span
	Keyword diag.Span // "by"
	Keys    []Expr
}

// MaxSpan is `with maxspan=5m`: Value is the number as written, Unit the
// unit (ms, s, m, h, d) or nil when missing (an error).
type MaxSpan struct {
	Loc   diag.Span // from "with" to the unit
	Value *Literal
	Unit  *Ident
}

// Duration returns the time span, or 0 when the value or unit is not one
// EQL knows.
func (m *MaxSpan) Duration() time.Duration {
	if m == nil || m.Value == nil || m.Value.Kind != LitInt || m.Unit == nil {
		return 0
	}
	u, ok := timeUnits[m.Unit.Name]
	if !ok {
		return 0
	}
	return time.Duration(m.Value.Int) * u
}

// timeUnits are the units of maxspan (the eql package's TimeUnit, the
// Elasticsearch units of https://www.elastic.co/guide/en/elasticsearch/reference/current/eql-syntax.html#eql-sequences).
var timeUnits = map[string]time.Duration{
	"ms": time.Millisecond, "s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour,
}

// Step is one bracketed event query of a sequence, sample or join, with
// its own by keys and repetition: `[process where ...] by k with runs=3`.
// Missing is `![...]`: the sequence matches only when no such event comes
// between its neighbours. Until is set for the until step.
type Step struct {
	Loc     diag.Span
	Until   diag.Span // the "until" keyword, for the until step
	Missing bool      // opened with ![
	Open    diag.Span // [ or ![
	Query   *EventQuery
	Close   diag.Span // ]
	By      *By       // nil when absent
	Runs    *Runs     // nil when absent
}

// IsUntil tells whether s is a sequence's or join's until step.
func (s *Step) IsUntil() bool { return s.Until.End > 0 }

// Runs is `with runs=N`: the step matches N events in a row.
type Runs struct {
	Loc diag.Span // from "with" to N
	N   int
	Raw string // N as written
}

// Pipe is `| name args`: head N, tail N, filter cond, unique k..., count
// k..., unique_count k..., sort k...
type Pipe struct {
	Loc  diag.Span
	Bar  diag.Span // |
	Name *Ident
	Args []Expr
}

// BadHead is a query head that could not be read.
type BadHead struct{ Loc diag.Span }

// Ident is a name: an event category, a function or pipe name, a time
// unit, a relation (descendant, child, event). Name is as written (a
// function's '~' kept).
type Ident struct {
	Loc  diag.Span
	Name string
}

// Field is a field reference: process.name, process.args[0], `my field`,
// a.`b c`, ?optional.field. Raw is as written, the '?' included.
type Field struct {
	Loc      diag.Span
	Optional bool // written ?field: the field may be absent from the index
	Parts    []FieldPart
	Raw      string
}

// Name returns the field as written, without the '?' of an optional field
// (and with an escaped part's backquotes).
func (f *Field) Name() string { return strings.TrimPrefix(f.Raw, "?") }

// Path returns the field's dotted path with escaped parts unquoted and
// indexes as [N]: process.args[0], a.b c.
func (f *Field) Path() string {
	var b strings.Builder
	for i, p := range f.Parts {
		if p.IsIndex {
			b.WriteByte('[')
			b.WriteString(itoa(p.Index))
			b.WriteByte(']')
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p.Name)
	}
	return b.String()
}

// FieldPart is one part of a field path: a name (unquoted when Escaped) or
// an array index.
type FieldPart struct {
	Name    string
	Escaped bool // written `...`
	IsIndex bool
	Index   int
}

// LitKind is the kind of a literal.
type LitKind uint8

// Literal kinds.
const (
	LitString    LitKind = iota // "..." (escapes decoded into Str)
	LitRawString                // """...""" (Str is the text between the quotes)
	LitInt                      // Int, and Float with the same value
	LitFloat                    // Float
	LitBool                     // Bool
	LitNull
)

// Literal is a string, number, boolean or null, as written (Raw) and
// decoded (Str, Int, Float, Bool by Kind).
type Literal struct {
	Loc   diag.Span
	Kind  LitKind
	Raw   string
	Str   string
	Int   int64
	Float float64
	Bool  bool
}

// IsString tells whether l is a string ("..." or """...""").
func (l *Literal) IsString() bool { return l.Kind == LitString || l.Kind == LitRawString }

// Value returns the decoded value: a string, int64, float64, bool or nil.
func (l *Literal) Value() any {
	switch l.Kind {
	case LitString, LitRawString:
		return l.Str
	case LitInt:
		return l.Int
	case LitFloat:
		return l.Float
	case LitBool:
		return l.Bool
	}
	return nil
}

// Logical is a run of the same boolean operator: a and b and c (Op KwAnd), or
// a or b (Op KwOr). `and` binds tighter than `or`; both are left-associative.
type Logical struct {
	Loc   diag.Span
	Op    Kind // KwAnd or KwOr
	Terms []Expr
	Ops   []diag.Span // the operators between the terms (len(Terms)-1)
}

// Not is `not X`. In EQL it binds tighter than and/or but looser than a
// comparison: not a == b is not (a == b).
type Not struct {
	Loc     diag.Span
	Keyword diag.Span
	X       Expr
}

// Compare is X op Y with op one of == != < <= > >=. == and != are
// case-sensitive and literal (no wildcards); comparing with null tests
// presence (x != null: x exists and is not null).
type Compare struct {
	Loc  diag.Span
	X    Expr
	Op   Kind
	OpAt diag.Span
	Y    Expr
}

// In is `X in (v, ...)`, `X in~ (v, ...)` (case-insensitive) or
// `X not in (v, ...)` (Negated).
type In struct {
	Loc     diag.Span
	X       Expr
	Negated bool
	NotAt   diag.Span // "not" of "not in"
	Op      Kind      // KwIn or KwInI
	OpAt    diag.Span
	Lparen  diag.Span
	Values  []Expr
	Rparen  diag.Span
}

// Match is a string predicate: X : v, X like v, X like~ v, X regex v,
// X regex~ v, or with a list of values in parentheses (List), any of which
// may match. The values are string literals.
type Match struct {
	Loc    diag.Span
	X      Expr
	Op     Kind // Colon, KwLike, KwLikeI, KwRegex, KwRegexI
	OpAt   diag.Span
	List   bool // values in parentheses
	Lparen diag.Span
	Values []Expr
	Rparen diag.Span
}

// CaseInsensitive tells whether the predicate ignores case (:, like~,
// regex~).
func (m *Match) CaseInsensitive() bool { return m.Op == Colon || m.Op == KwLikeI || m.Op == KwRegexI }

// IsRegex tells whether the values are regular expressions (regex, regex~);
// otherwise they are wildcard patterns (* any run, ? one character).
func (m *Match) IsRegex() bool { return m.Op == KwRegex || m.Op == KwRegexI }

// Binary is arithmetic: X + Y, X - Y, X * Y, X / Y, X % Y.
type Binary struct {
	Loc  diag.Span
	X    Expr
	Op   Kind
	OpAt diag.Span
	Y    Expr
}

// Unary is a sign: -X or +X.
type Unary struct {
	Loc diag.Span
	Op  Kind // Minus or Plus
	X   Expr
}

// Paren is (X).
type Paren struct {
	Loc diag.Span
	X   Expr
}

// Call is a function call: name(args), or the method form X:name(args)
// (Recv is X, the first argument). A name ending in '~' is the
// case-insensitive variant (startsWith~). Names are matched without
// regard to case (stringContains, stringcontains).
type Call struct {
	Loc    diag.Span
	Recv   Expr // the receiver of the method form; nil otherwise
	Name   *Ident
	Lparen diag.Span
	Args   []Expr
	Rparen diag.Span
}

// CaseInsensitive tells whether the call is a ~ variant.
func (c *Call) CaseInsensitive() bool { return strings.HasSuffix(c.Name.Name, "~") }

// Func returns the function's name in lower case without the '~':
// startswith for startsWith~.
func (c *Call) Func() string { return strings.ToLower(strings.TrimSuffix(c.Name.Name, "~")) }

// AllArgs returns the arguments, the method form's receiver first.
func (c *Call) AllArgs() []Expr {
	if c.Recv == nil {
		return c.Args
	}
	return append([]Expr{c.Recv}, c.Args...)
}

// Of is a relation to another event: `descendant of [query]`, `child of
// [query]`, `event of [query]` (the eql package's named subqueries).
type Of struct {
	Loc      diag.Span
	Relation *Ident
	OfAt     diag.Span
	Sub      *Step // the bracketed event query (no by, no runs)
}

// BadExpr is an expression that could not be read.
type BadExpr struct{ Loc diag.Span }

func (n *Query) Span() diag.Span      { return n.Loc }
func (n *EventQuery) Span() diag.Span { return n.Loc }
func (n *Sequence) Span() diag.Span   { return n.Loc }
func (n *Sample) Span() diag.Span     { return n.Loc }
func (n *Join) Span() diag.Span       { return n.Loc }
func (n *By) Span() diag.Span         { return n.Loc }
func (n *MaxSpan) Span() diag.Span    { return n.Loc }
func (n *Step) Span() diag.Span       { return n.Loc }
func (n *Runs) Span() diag.Span       { return n.Loc }
func (n *Pipe) Span() diag.Span       { return n.Loc }
func (n *BadHead) Span() diag.Span    { return n.Loc }
func (n *Ident) Span() diag.Span      { return n.Loc }
func (n *Field) Span() diag.Span      { return n.Loc }
func (n *Literal) Span() diag.Span    { return n.Loc }
func (n *Logical) Span() diag.Span    { return n.Loc }
func (n *Not) Span() diag.Span        { return n.Loc }
func (n *Compare) Span() diag.Span    { return n.Loc }
func (n *In) Span() diag.Span         { return n.Loc }
func (n *Match) Span() diag.Span      { return n.Loc }
func (n *Binary) Span() diag.Span     { return n.Loc }
func (n *Unary) Span() diag.Span      { return n.Loc }
func (n *Paren) Span() diag.Span      { return n.Loc }
func (n *Call) Span() diag.Span       { return n.Loc }
func (n *Of) Span() diag.Span         { return n.Loc }
func (n *BadExpr) Span() diag.Span    { return n.Loc }

func (*Query) node()      {}
func (*EventQuery) node() {}
func (*Sequence) node()   {}
func (*Sample) node()     {}
func (*Join) node()       {}
func (*By) node()         {}
func (*MaxSpan) node()    {}
func (*Step) node()       {}
func (*Runs) node()       {}
func (*Pipe) node()       {}
func (*BadHead) node()    {}
func (*Ident) node()      {}
func (*Field) node()      {}
func (*Literal) node()    {}
func (*Logical) node()    {}
func (*Not) node()        {}
func (*Compare) node()    {}
func (*In) node()         {}
func (*Match) node()      {}
func (*Binary) node()     {}
func (*Unary) node()      {}
func (*Paren) node()      {}
func (*Call) node()       {}
func (*Of) node()         {}
func (*BadExpr) node()    {}

func (*EventQuery) head() {}
func (*Sequence) head()   {}
func (*Sample) head()     {}
func (*Join) head()       {}
func (*BadHead) head()    {}

func (*Field) expr()   {}
func (*Literal) expr() {}
func (*Logical) expr() {}
func (*Not) expr()     {}
func (*Compare) expr() {}
func (*In) expr()      {}
func (*Match) expr()   {}
func (*Binary) expr()  {}
func (*Unary) expr()   {}
func (*Paren) expr()   {}
func (*Call) expr()    {}
func (*Of) expr()      {}
func (*BadExpr) expr() {}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
