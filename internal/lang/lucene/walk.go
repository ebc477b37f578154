package lucene

import "fmt"

// Inspect walks the tree under n in source order, calling f on every node;
// f returning false skips the node's children.
func Inspect(n Node, f func(Node) bool) {
	if n == nil || !f(n) {
		return
	}
	switch n := n.(type) {
	case *Query:
		if n.Body != nil {
			Inspect(n.Body, f)
		}
	case *BooleanQuery:
		for _, c := range n.Clauses {
			Inspect(c, f)
		}
	case *Clause:
		if n.Field != nil {
			Inspect(n.Field, f)
		}
		Inspect(n.X, f)
	case *Group:
		Inspect(n.Body, f)
	case *Range:
		Inspect(n.Lower, f)
		Inspect(n.Upper, f)
	case *Field, *Term, *Phrase, *Bound, *BadExpr:
	default:
		panic(fmt.Sprintf("lucene.Inspect: unknown node %T", n))
	}
}
