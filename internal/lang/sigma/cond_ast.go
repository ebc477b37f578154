package sigma

import (
	"strings"
)

// Expr is a node of a condition's syntax tree. Pos and End are byte offsets
// in the condition text (half-open). The interface is sealed.
type Expr interface {
	Pos() int
	End() int
	// String prints the expression in canonical form (lower-case keywords,
	// single spaces); the result parses back to the same tree.
	String() string
	exprNode()
}

// Ident names one search identifier.
type Ident struct {
	NamePos int
	Name    string
}

// Quantifier is the count before "of".
type Quantifier int

// Quantifiers of an OfExpr.
const (
	QuantOne Quantifier = iota // 1 of
	QuantAny                   // any of (same as 1 of)
	QuantAll                   // all of
)

func (q Quantifier) String() string {
	switch q {
	case QuantAll:
		return "all"
	case QuantAny:
		return "any"
	}
	return "1"
}

// OfExpr is "1 of pattern", "any of pattern", "all of pattern" or the same
// with "them" (every search identifier not starting with '_').
type OfExpr struct {
	QuantPos   int
	Quant      Quantifier
	OfPos      int
	PatternPos int
	Pattern    string // the identifier pattern, with '*' wildcards; "them" when Them
	Them       bool
}

// NotExpr is "not X".
type NotExpr struct {
	NotPos int
	X      Expr
}

// BinaryExpr is a chain of one operator, AND or OR, over two or more
// operands: "a and b and c" is one BinaryExpr with three Args.
type BinaryExpr struct {
	Op    Token // AND or OR
	Args  []Expr
	OpPos []int // position of each operator keyword, len(Args)-1
}

// ParenExpr is "( X )".
type ParenExpr struct {
	Lparen int
	X      Expr
	Rparen int
}

// BadExpr stands for text that could not be parsed.
type BadExpr struct {
	From, To int
}

func (x *Ident) Pos() int      { return x.NamePos }
func (x *OfExpr) Pos() int     { return x.QuantPos }
func (x *NotExpr) Pos() int    { return x.NotPos }
func (x *BinaryExpr) Pos() int { return x.Args[0].Pos() }
func (x *ParenExpr) Pos() int  { return x.Lparen }
func (x *BadExpr) Pos() int    { return x.From }

func (x *Ident) End() int      { return x.NamePos + len(x.Name) }
func (x *OfExpr) End() int     { return x.PatternPos + len(x.Pattern) }
func (x *NotExpr) End() int    { return x.X.End() }
func (x *BinaryExpr) End() int { return x.Args[len(x.Args)-1].End() }
func (x *ParenExpr) End() int  { return x.Rparen + 1 }
func (x *BadExpr) End() int    { return x.To }

func (*Ident) exprNode()      {}
func (*OfExpr) exprNode()     {}
func (*NotExpr) exprNode()    {}
func (*BinaryExpr) exprNode() {}
func (*ParenExpr) exprNode()  {}
func (*BadExpr) exprNode()    {}

func (x *Ident) String() string { return x.Name }
func (x *OfExpr) String() string {
	if x.Them {
		return x.Quant.String() + " of them"
	}
	return x.Quant.String() + " of " + x.Pattern
}
func (x *NotExpr) String() string {
	var b strings.Builder
	writeExpr(&b, x)
	return b.String()
}
func (x *BinaryExpr) String() string {
	var b strings.Builder
	writeExpr(&b, x)
	return b.String()
}
func (x *ParenExpr) String() string {
	var b strings.Builder
	writeExpr(&b, x)
	return b.String()
}
func (x *BadExpr) String() string { return "BAD" }

// writeExpr prints x iteratively where it can (operand lists) so that wide
// trees do not recurse; depth is bounded by the parser's MaxConditionDepth.
func writeExpr(b *strings.Builder, x Expr) {
	switch x := x.(type) {
	case *NotExpr:
		b.WriteString("not ")
		writeExpr(b, x.X)
	case *BinaryExpr:
		op := " and "
		if x.Op == OR {
			op = " or "
		}
		for i, a := range x.Args {
			if i > 0 {
				b.WriteString(op)
			}
			writeExpr(b, a)
		}
	case *ParenExpr:
		b.WriteByte('(')
		writeExpr(b, x.X)
		b.WriteByte(')')
	default:
		b.WriteString(x.String())
	}
}

// Inspect calls f for x and, when f returns true, for each of its operands
// in order, depth first.
func Inspect(x Expr, f func(Expr) bool) {
	if x == nil || !f(x) {
		return
	}
	switch x := x.(type) {
	case *NotExpr:
		Inspect(x.X, f)
	case *BinaryExpr:
		for _, a := range x.Args {
			Inspect(a, f)
		}
	case *ParenExpr:
		Inspect(x.X, f)
	case *Ident, *OfExpr, *BadExpr:
	}
}

// Unparen returns x without the parentheses around it.
func Unparen(x Expr) Expr {
	for {
		p, ok := x.(*ParenExpr)
		if !ok {
			return x
		}
		x = p.X
	}
}

// MatchPattern tells whether name matches the search-identifier pattern
// pattern, where '*' stands for any run of characters (the whole name must
// match).
func MatchPattern(pattern, name string) bool {
	// Iterative glob with backtracking over the last star: linear in practice.
	p, n := 0, 0
	star, mark := -1, 0
	for n < len(name) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, n
			p++
		case p < len(pattern) && pattern[p] == name[n]:
			p++
			n++
		case star >= 0:
			p = star + 1
			mark++
			n = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
