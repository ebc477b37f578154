package yaral

import (
	"strconv"
	"strings"

	"github.com/ruledex/ruledex/internal/lang/diag"
)

// Node is a node of the tree. Span is its half-open byte span in the
// source. The interfaces are sealed: only this package's types are nodes.
type Node interface {
	Span() diag.Span
	node()
}

// Expr is an expression: a predicate of the events section, a value of the
// outcome section, the condition, a function argument.
type Expr interface {
	Node
	expr()
}

// Section is a section of a rule: *MetaSection, *EventsSection,
// *MatchSection, *OutcomeSection, *ConditionSection, *OptionsSection, or
// *Bad for a section whose header could not be read.
type Section interface {
	Node
	section()
}

// File is a source file: its rules in order, what could not be read
// between them (Bad), and its comments.
type File struct {
	Src      string
	Rules    []*Rule
	Bad      []*Bad
	Comments []Comment
}

// Comment is a // or /* */ comment; Text is as written, markers included.
type Comment struct {
	Pos, End int
	Text     string
}

// Rule is `rule Name { sections }`. Sections are in source order (the
// reference requires meta, events, match, outcome, condition, options:
// the parser reports a section out of order or repeated, and keeps it).
// RBrace is -1 when the closing brace is missing.
type Rule struct {
	Pos, End int
	Name     *Ident
	LBrace   int
	RBrace   int
	Sections []Section
}

// Meta returns the rule's meta section, or nil.
func (r *Rule) Meta() *MetaSection { return sectionOf[*MetaSection](r) }

// Events returns the rule's events section, or nil.
func (r *Rule) Events() *EventsSection { return sectionOf[*EventsSection](r) }

// Match returns the rule's match section, or nil.
func (r *Rule) Match() *MatchSection { return sectionOf[*MatchSection](r) }

// Outcome returns the rule's outcome section, or nil.
func (r *Rule) Outcome() *OutcomeSection { return sectionOf[*OutcomeSection](r) }

// Condition returns the rule's condition section, or nil.
func (r *Rule) Condition() *ConditionSection { return sectionOf[*ConditionSection](r) }

// Options returns the rule's options section, or nil.
func (r *Rule) Options() *OptionsSection { return sectionOf[*OptionsSection](r) }

func sectionOf[T Section](r *Rule) T {
	var zero T
	for _, s := range r.Sections {
		if t, ok := s.(T); ok {
			return t
		}
	}
	return zero
}

// MetaValue returns the decoded value of the first meta entry whose key is
// key (compared case-insensitively), when it is a string.
func (r *Rule) MetaValue(key string) (string, bool) {
	m := r.Meta()
	if m == nil {
		return "", false
	}
	for _, e := range m.Entries {
		if strings.EqualFold(e.Key.Name, key) {
			if s, ok := e.Value.(*String); ok {
				return s.Value, true
			}
		}
	}
	return "", false
}

// Header is the keyword and colon that open a section: Pos is the
// keyword's start, Colon the colon's offset.
type Header struct {
	Pos, Colon int
}

// MetaSection is `meta:` and its `key = "value"` entries.
type MetaSection struct {
	Header
	End     int
	Entries []*KeyValue
}

// KeyValue is `key = value` (meta entries and options).
type KeyValue struct {
	Key   *Ident
	EqPos int
	Value Expr
}

// EventsSection is `events:` and its predicates. Lines are ANDed: each is
// one predicate tree, read with the explicit operators binding first
// (not, then and, then or), and the implicit AND between the trees last.
// So `a or b` on one line and `c` on the next are two lines, (a or b) and
// c; an `or` that begins a line continues the line before
// (https://cloud.google.com/chronicle/docs/detection/yara-l-2-0-syntax,
// "Logical expressions" / operator precedence). A line that could not be
// read is a *Bad.
type EventsSection struct {
	Header
	End   int
	Lines []Expr
}

// WindowKind is the kind of a match window.
type WindowKind uint8

// Match windows (https://cloud.google.com/chronicle/docs/detection/yara-l-2-0-syntax,
// "Match section syntax").
const (
	HopWindow      WindowKind = iota // $v over 5m
	TumblingWindow                   // $v by 5m
	SlidingWindow                    // $v over 5m before|after $e
)

// MatchSection is `match: $a, $b over 5m` (hop window), `$a by 5m`
// (tumbling), or `$a over 5m before|after $e` (sliding, with its pivot
// event variable). Edge is KwBefore or KwAfter for a sliding window, else
// EOF.
type MatchSection struct {
	Header
	End      int
	Vars     []*Var
	Window   WindowKind
	WindowKw int // offset of over / by
	Duration *DurationLit
	Edge     Kind
	EdgePos  int
	Pivot    *Var
}

// OutcomeSection is `outcome:` and its `$var = expr` assignments.
type OutcomeSection struct {
	Header
	End     int
	Assigns []*Assign
}

// Assign is `$var = value` in the outcome section.
type Assign struct {
	Var   *Var
	EqPos int
	Value Expr
}

// ConditionSection is `condition:` and its expression.
type ConditionSection struct {
	Header
	End  int
	Expr Expr
}

// OptionsSection is `options:` and its `key = value` entries
// (allow_zero_values = true).
type OptionsSection struct {
	Header
	End     int
	Options []*KeyValue
}

// Bad is source text that could not be read: a line of the events
// section, a section, text between rules, an operand.
type Bad struct {
	Pos, End int
}

// Ident is a name: a rule's name, a meta or option key, a function name
// (dotted names such as strings.to_lower are one Ident).
type Ident struct {
	Pos, End int
	Name     string
}

// Var is a variable: $name, or #name (Count) the number of distinct
// values or events of a variable in the condition section. Name has no
// sigil.
type Var struct {
	Pos, End int
	Name     string
	Count    bool
}

// Field is an event field: $e.principal.user.userid, with map keys and
// repeated-field indices ($e.labels["key"], $e.about[0].ip).
type Field struct {
	Var   *Var
	Steps []*PathElem
	End   int
}

// PathElem is one step of a field's path: .Name, or [Key] (a string map
// key or a number index).
type PathElem struct {
	Pos, End int
	Name     string
	Key      Expr // *String or *Number; nil for .Name
}

// Path returns the field's path after the variable, as written in UDM:
// principal.user.userid, labels["key"], about[0].ip.
func (f *Field) Path() string {
	var b strings.Builder
	for i, p := range f.Steps {
		if p.Key == nil {
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(p.Name)
			continue
		}
		b.WriteByte('[')
		switch k := p.Key.(type) {
		case *String:
			b.WriteString(strconv.Quote(k.Value))
		case *Number:
			b.WriteString(k.Raw)
		}
		b.WriteByte(']')
	}
	return b.String()
}

// ListRef is %name, a reference list, or %table.column, a data table's
// column (Column "" for a list).
type ListRef struct {
	Pos, End int
	Name     string
	Column   string
}

// String is a string literal. Raw is as written, quotes included; Value
// is decoded: a double-quoted string's escapes (\" \\ \n \t \r) undone,
// other backslashes kept; a back-quoted string is taken as it is.
type String struct {
	Pos, End int
	Raw      string
	Value    string
}

// Regex is a /.../ literal; Pattern is the text between the slashes with
// \/ undone (the other escapes are the pattern's own, RE2 syntax).
type Regex struct {
	Pos, End int
	Raw      string
	Pattern  string
}

// Number is an integer or decimal literal. Raw is as written.
type Number struct {
	Pos, End int
	Raw      string
	Value    float64
}

// DurationLit is 5m, 1h, 30s, 2d: Value units of Unit (one of s m h d).
type DurationLit struct {
	Pos, End int
	Raw      string
	Value    int64
	Unit     byte
}

// Bool is true or false.
type Bool struct {
	Pos, End int
	Value    bool
}

// Call is a function call: strings.to_lower(x), re.regex(f, `re`),
// max(x), if(c, a, b). Nocase is set when the call is a predicate followed
// by nocase (re.regex($e.f, `x`) nocase).
type Call struct {
	Func      *Ident
	LParen    int
	Args      []Expr
	RParen    int
	Nocase    bool
	NocasePos int
	End       int
}

// Compare is X Op Y with Op one of = != < <= > >=, nocase when Nocase.
// Per the reference, = against a *Regex matches the regular expression
// (anywhere in the value), != against one does not.
type Compare struct {
	X         Expr
	Op        Kind
	OpPos     int
	Y         Expr
	Nocase    bool
	NocasePos int
	End       int
}

// InMode says how `in` matches a list.
type InMode uint8

// In modes.
const (
	InExact InMode = iota // x in %list
	InRegex               // x in regex %list: the list's lines are regular expressions
	InCIDR                // x in cidr %list: the list's lines are CIDR ranges
)

// In is `X in %list`, `X in regex %list` or `X in cidr %list`, nocase
// when Nocase.
type In struct {
	X         Expr
	InPos     int
	Mode      InMode
	ModePos   int
	List      *ListRef
	Nocase    bool
	NocasePos int
	End       int
}

// Binary is X Op Y with Op one of KwAnd, KwOr, Plus, Minus, Star, Slash.
type Binary struct {
	X     Expr
	Op    Kind
	OpPos int
	Y     Expr
}

// Unary is Op X with Op KwNot, Bang (!$e in the condition) or Minus.
type Unary struct {
	Op    Kind
	OpPos int
	X     Expr
}

// Quantified is `any X` or `all X` (Quant KwAny or KwAll) on a repeated
// field: X is the predicate (`any $e.principal.ip = "192.0.2.1"`: some
// element is equal), or, as a function's argument, the field itself
// (`net.ip_in_range_cidr(all $e.principal.ip, "192.0.2.0/8")`: the call
// holds for every element). `not all $e.ip = "x"` (some element differs)
// is not `all $e.ip != "x"` (none is equal)
// (https://cloud.google.com/chronicle/docs/yara-l/repeated-fields).
type Quantified struct {
	Quant Kind
	Pos   int
	X     Expr
}

// Paren is (X); End is just after the closing parenthesis.
type Paren struct {
	LParen int
	X      Expr
	End    int
}

func (f *File) Span() diag.Span             { return diag.Span{Start: 0, End: len(f.Src)} }
func (r *Rule) Span() diag.Span             { return diag.Span{Start: r.Pos, End: r.End} }
func (s *MetaSection) Span() diag.Span      { return diag.Span{Start: s.Pos, End: s.End} }
func (s *EventsSection) Span() diag.Span    { return diag.Span{Start: s.Pos, End: s.End} }
func (s *MatchSection) Span() diag.Span     { return diag.Span{Start: s.Pos, End: s.End} }
func (s *OutcomeSection) Span() diag.Span   { return diag.Span{Start: s.Pos, End: s.End} }
func (s *ConditionSection) Span() diag.Span { return diag.Span{Start: s.Pos, End: s.End} }
func (s *OptionsSection) Span() diag.Span   { return diag.Span{Start: s.Pos, End: s.End} }
func (k *KeyValue) Span() diag.Span         { return diag.Span{Start: k.Key.Pos, End: k.Value.Span().End} }
func (a *Assign) Span() diag.Span           { return diag.Span{Start: a.Var.Pos, End: a.Value.Span().End} }
func (b *Bad) Span() diag.Span              { return diag.Span{Start: b.Pos, End: b.End} }
func (x *Ident) Span() diag.Span            { return diag.Span{Start: x.Pos, End: x.End} }
func (x *Var) Span() diag.Span              { return diag.Span{Start: x.Pos, End: x.End} }
func (x *Field) Span() diag.Span            { return diag.Span{Start: x.Var.Pos, End: x.End} }
func (x *PathElem) Span() diag.Span         { return diag.Span{Start: x.Pos, End: x.End} }
func (x *ListRef) Span() diag.Span          { return diag.Span{Start: x.Pos, End: x.End} }
func (x *String) Span() diag.Span           { return diag.Span{Start: x.Pos, End: x.End} }
func (x *Regex) Span() diag.Span            { return diag.Span{Start: x.Pos, End: x.End} }
func (x *Number) Span() diag.Span           { return diag.Span{Start: x.Pos, End: x.End} }
func (x *DurationLit) Span() diag.Span      { return diag.Span{Start: x.Pos, End: x.End} }
func (x *Bool) Span() diag.Span             { return diag.Span{Start: x.Pos, End: x.End} }
func (x *Call) Span() diag.Span             { return diag.Span{Start: x.Func.Pos, End: x.End} }
func (x *Compare) Span() diag.Span          { return diag.Span{Start: x.X.Span().Start, End: x.End} }
func (x *In) Span() diag.Span               { return diag.Span{Start: x.X.Span().Start, End: x.End} }
func (x *Binary) Span() diag.Span           { return diag.Span{Start: x.X.Span().Start, End: x.Y.Span().End} }
func (x *Unary) Span() diag.Span            { return diag.Span{Start: x.OpPos, End: x.X.Span().End} }
func (x *Quantified) Span() diag.Span       { return diag.Span{Start: x.Pos, End: x.X.Span().End} }
func (x *Paren) Span() diag.Span            { return diag.Span{Start: x.LParen, End: x.End} }

func (*File) node()             {}
func (*Rule) node()             {}
func (*MetaSection) node()      {}
func (*EventsSection) node()    {}
func (*MatchSection) node()     {}
func (*OutcomeSection) node()   {}
func (*ConditionSection) node() {}
func (*OptionsSection) node()   {}
func (*KeyValue) node()         {}
func (*Assign) node()           {}
func (*Bad) node()              {}
func (*Ident) node()            {}
func (*Var) node()              {}
func (*Field) node()            {}
func (*PathElem) node()         {}
func (*ListRef) node()          {}
func (*String) node()           {}
func (*Regex) node()            {}
func (*Number) node()           {}
func (*DurationLit) node()      {}
func (*Bool) node()             {}
func (*Call) node()             {}
func (*Compare) node()          {}
func (*In) node()               {}
func (*Binary) node()           {}
func (*Unary) node()            {}
func (*Quantified) node()       {}
func (*Paren) node()            {}

func (*MetaSection) section()      {}
func (*EventsSection) section()    {}
func (*MatchSection) section()     {}
func (*OutcomeSection) section()   {}
func (*ConditionSection) section() {}
func (*OptionsSection) section()   {}
func (*Bad) section()              {}

func (*Bad) expr()         {}
func (*Ident) expr()       {}
func (*Var) expr()         {}
func (*Field) expr()       {}
func (*ListRef) expr()     {}
func (*String) expr()      {}
func (*Regex) expr()       {}
func (*Number) expr()      {}
func (*DurationLit) expr() {}
func (*Bool) expr()        {}
func (*Call) expr()        {}
func (*Compare) expr()     {}
func (*In) expr()          {}
func (*Binary) expr()      {}
func (*Unary) expr()       {}
func (*Quantified) expr()  {}
func (*Paren) expr()       {}
