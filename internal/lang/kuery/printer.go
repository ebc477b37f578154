package kuery

import (
	"reflect"
	"strings"

	"github.com/ruledex/ruledex/internal/lang/tree"
)

// Print prints n as KQL that parses back to an equal tree (Equal): the
// keywords in lower case with single spaces around them, groups kept, and
// every literal as written (Raw). A bad node prints as nothing (its text is
// not in the tree): only error-free trees print back.
func Print(n Node) string {
	var b strings.Builder
	printNode(&b, n)
	return b.String()
}

func printNode(b *strings.Builder, n Node) {
	switch n := n.(type) {
	case nil:
	case *Query:
		if n.X != nil {
			printNode(b, n.X)
		}
	case *BoolExpr:
		for i, x := range n.Args {
			if i > 0 {
				b.WriteString(" " + n.Op.String() + " ")
			}
			printNode(b, x)
		}
	case *NotExpr:
		b.WriteString("not ")
		printNode(b, n.X)
	case *ParenExpr:
		b.WriteByte('(')
		printNode(b, n.X)
		b.WriteByte(')')
	case *Match:
		if n.Field != nil {
			b.WriteString(n.Field.Raw)
			b.WriteByte(':')
		}
		printNode(b, n.Value)
	case *Range:
		// No space before the operator (a field ending in "not" would
		// then end in the keyword NOT), one after it (`f > =x` is not
		// `f >= x`).
		b.WriteString(n.Field.Raw)
		b.WriteString(rangeOps[n.Op-Lt])
		b.WriteByte(' ')
		b.WriteString(n.Value.Raw)
	case *Nested:
		b.WriteString(n.Field.Raw)
		b.WriteString(":{ ")
		printNode(b, n.X)
		b.WriteString(" }")
	case *ValueBool:
		for i, x := range n.Args {
			if i > 0 {
				b.WriteString(" " + n.Op.String() + " ")
			}
			printNode(b, x)
		}
	case *ValueNot:
		b.WriteString("not ")
		printNode(b, n.X)
	case *ValueGroup:
		b.WriteByte('(')
		printNode(b, n.X)
		b.WriteByte(')')
	case *Literal:
		b.WriteString(n.Raw)
	case *BadExpr, *BadValue:
	}
}

// Equal tells whether two trees are the same, spans aside: the same nodes,
// operators and literals (raw and decoded).
func Equal(a, b Node) bool {
	return tree.Equal(a, b, tree.Options{Skip: func(_ reflect.Type, f reflect.StructField) bool { return f.Name == "Src" }})
}

// rangeOps are the range operators' texts, from Lt.
var rangeOps = [...]string{"<", "<=", ">", ">="}
