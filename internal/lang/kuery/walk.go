package kuery

import "fmt"

// Inspect walks the tree under n in source order, calling f on every node;
// f returning false skips the node's children. Field literals are visited
// before their values.
func Inspect(n Node, f func(Node) bool) {
	if n == nil || !f(n) {
		return
	}
	switch n := n.(type) {
	case *Query:
		if n.X != nil {
			Inspect(n.X, f)
		}
	case *BoolExpr:
		for _, x := range n.Args {
			Inspect(x, f)
		}
	case *NotExpr:
		Inspect(n.X, f)
	case *ParenExpr:
		Inspect(n.X, f)
	case *Match:
		if n.Field != nil {
			Inspect(n.Field, f)
		}
		Inspect(n.Value, f)
	case *Range:
		Inspect(n.Field, f)
		Inspect(n.Value, f)
	case *Nested:
		Inspect(n.Field, f)
		Inspect(n.X, f)
	case *ValueBool:
		for _, x := range n.Args {
			Inspect(x, f)
		}
	case *ValueNot:
		Inspect(n.X, f)
	case *ValueGroup:
		Inspect(n.X, f)
	case *BadExpr, *BadValue, *Literal:
	default:
		panic(fmt.Sprintf("kuery.Inspect: unknown node %T", n))
	}
}
