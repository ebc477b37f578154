package lucene

import "github.com/ruledex/ruledex/internal/lang/diag"

// Node is a node of the tree. Span is its half-open byte span in the source.
type Node interface {
	Span() diag.Span
	node()
}

// Expr is what a clause holds: a term (of any kind), a phrase, a range or
// a group, or a bad part.
type Expr interface {
	Node
	expr()
}

// Query is a whole query string. Body is nil for an empty query.
type Query struct {
	Src  string
	Body *BooleanQuery
}

// BooleanQuery is a list of clauses, as Lucene's classic parser reads it:
// no precedence between AND and OR, each clause's conjunction and modifier
// kept as written. Occurs computes what Lucene makes of them.
type BooleanQuery struct {
	Clauses []*Clause
}

// Clause is one clause: [AND|OR] [+|-|NOT] [field:] expr.
type Clause struct {
	Conj     Kind      // And, Or, or 0 (none: the default operator)
	ConjSpan diag.Span // the keyword as written (AND, &&, OR, ||)
	Mod      Kind      // Plus, Minus, Not, or 0
	ModSpan  diag.Span // + - NOT !
	Field    *Field    // nil: the default field (or the enclosing group's)
	X        Expr
}

// Field is `name:`; Name has its escapes removed (first\ name is "first
// name"), Raw is as written; `*:` is the field "*" (every field).
type Field struct {
	From  diag.Span
	Raw   string
	Name  string
	Colon diag.Span
}

// TermKind says what a term is.
type TermKind uint8

// Term kinds, as the tokens QueryParser.jj reads them.
const (
	TermPlain    TermKind = iota // quick, 404, >=10 (Elasticsearch reads a leading > >= < <= as a range)
	TermStar                     // * (field:* is Elasticsearch's exists query, *:* every document)
	TermPrefix                   // qu* : a word ending in one *
	TermWildcard                 // qu?ck, *ing, a*b*
	TermRegexp                   // /joh?n/
	TermBareOp                   // + - ! alone before white space, searched as a term
	TermNumber                   // a number where a term stands (only after a stray ^)
)

// Suffix is a fuzzy slop (`~`, `~2`, `~0.8`) or a boost (`^2`): Raw is as
// written, with its ~ or ^.
type Suffix struct {
	From diag.Span
	Raw  string
}

// Value returns the suffix without its ~ or ^ ("" for a bare ~).
func (s *Suffix) Value() string {
	if s == nil || s.Raw == "" {
		return ""
	}
	return s.Raw[1:]
}

// Term is a word: plain, wildcard, prefix, regexp...
//
// Raw is as written. Value is the text Lucene searches: escapes removed
// (\uXXXX decoded) for plain and prefix terms (without the final * of a
// prefix), the pattern between the slashes of a regexp (as written), and
// for wildcard terms the pattern as written (Lucene's wildcard syntax reads
// the escapes itself); Wild are the offsets in Value of the unescaped * and
// ? of wildcard and prefix terms.
type Term struct {
	From  diag.Span
	Kind  TermKind
	Raw   string
	Value string
	Wild  []int
	Fuzzy *Suffix
	Boost *Suffix
}

// Phrase is "a phrase"; Value has its escapes removed; Fuzzy is the slop
// of a proximity search ("a b"~5).
type Phrase struct {
	From  diag.Span
	Raw   string
	Value string
	Fuzzy *Suffix
	Boost *Suffix
}

// Range is [lower TO upper] (inclusive) or {lower TO upper} (exclusive),
// the two brackets chosen apart ([1 TO 5} is inclusive, exclusive).
type Range struct {
	Open, Close    diag.Span
	LowerInclusive bool
	UpperInclusive bool
	Lower, Upper   *Bound
	To             diag.Span
	Boost          *Suffix
}

// Bound is a bound of a range; Value has its escapes removed (a quoted
// bound loses its quotes only, as in Lucene). An unquoted * is an open end.
type Bound struct {
	From   diag.Span
	Raw    string
	Value  string
	Quoted bool
}

// Open tells whether the bound is an unquoted *, which leaves the range open.
func (b *Bound) Open() bool { return !b.Quoted && b.Raw == "*" }

// Group is ( query ), possibly boosted.
type Group struct {
	Lparen, Rparen diag.Span
	Body           *BooleanQuery
	Boost          *Suffix
}

// BadExpr is what the parser could not read; From covers its tokens.
type BadExpr struct {
	From diag.Span
}

// Span covers the whole source.
func (q *Query) Span() diag.Span { return diag.Span{Start: 0, End: len(q.Src)} }

// Span covers the first clause to the last.
func (b *BooleanQuery) Span() diag.Span {
	if len(b.Clauses) == 0 {
		return diag.Span{}
	}
	return diag.Span{Start: b.Clauses[0].Span().Start, End: b.Clauses[len(b.Clauses)-1].Span().End}
}

// Span covers the conjunction (or modifier, or field) to the expression.
func (c *Clause) Span() diag.Span {
	sp := c.X.Span()
	switch {
	case c.Conj != 0:
		sp.Start = c.ConjSpan.Start
	case c.Mod != 0:
		sp.Start = c.ModSpan.Start
	case c.Field != nil:
		sp.Start = c.Field.From.Start
	}
	return sp
}

// Span is the name's, without the colon.
func (f *Field) Span() diag.Span { return f.From }

// Span covers the term and its suffixes.
func (t *Term) Span() diag.Span { return withSuffixes(t.From, t.Fuzzy, t.Boost) }

// Span covers the phrase and its suffixes.
func (p *Phrase) Span() diag.Span { return withSuffixes(p.From, p.Fuzzy, p.Boost) }

// Span covers the brackets and the boost.
func (r *Range) Span() diag.Span {
	return withSuffixes(diag.Span{Start: r.Open.Start, End: r.Close.End}, nil, r.Boost)
}

// Span is the bound's.
func (b *Bound) Span() diag.Span { return b.From }

// Span covers the parentheses and the boost.
func (g *Group) Span() diag.Span {
	return withSuffixes(diag.Span{Start: g.Lparen.Start, End: g.Rparen.End}, nil, g.Boost)
}

// Span is the span of the unread tokens.
func (b *BadExpr) Span() diag.Span { return b.From }

func withSuffixes(sp diag.Span, a, b *Suffix) diag.Span {
	for _, s := range []*Suffix{a, b} {
		if s != nil && s.From.End > sp.End {
			sp.End = s.From.End
		}
	}
	return sp
}

func (*Query) node()        {}
func (*BooleanQuery) node() {}
func (*Clause) node()       {}
func (*Field) node()        {}
func (*Term) node()         {}
func (*Phrase) node()       {}
func (*Range) node()        {}
func (*Bound) node()        {}
func (*Group) node()        {}
func (*BadExpr) node()      {}

func (*Term) expr()    {}
func (*Phrase) expr()  {}
func (*Range) expr()   {}
func (*Group) expr()   {}
func (*BadExpr) expr() {}
