package eql

// Inspect walks the tree under n in source order, calling f on every node
// (nil children skipped); f returning false skips the node's children.
func Inspect(n Node, f func(Node) bool) {
	if isNil(n) || !f(n) {
		return
	}
	eachChild(n, func(c Node) { Inspect(c, f) })
}

// isNil tells whether n is nil or a typed nil pointer.
func isNil(n Node) bool {
	switch n := n.(type) {
	case nil:
		return true
	case *By:
		return n == nil
	case *MaxSpan:
		return n == nil
	case *Step:
		return n == nil
	case *Runs:
		return n == nil
	case *Ident:
		return n == nil
	case *EventQuery:
		return n == nil
	case *Literal:
		return n == nil
	}
	return false
}

// eachChild calls f on each direct child of n, in source order. The switch
// names every node type: a new node type must be added here.
func eachChild(n Node, f func(Node)) {
	exprs := func(xs []Expr) {
		for _, x := range xs {
			f(x)
		}
	}
	steps := func(ss []*Step) {
		for _, s := range ss {
			f(s)
		}
	}
	switch n := n.(type) {
	case *Query:
		if n.Head != nil {
			f(n.Head)
		}
		for _, p := range n.Pipes {
			f(p)
		}
	case *EventQuery:
		f(n.Category)
		f(n.Cond)
	case *Sequence:
		if n.ByFirst {
			f(n.By)
			f(n.MaxSpan)
		} else {
			f(n.MaxSpan)
			f(n.By)
		}
		steps(n.Steps)
		f(n.Until)
	case *Sample:
		f(n.By)
		steps(n.Steps)
	case *Join:
		f(n.By)
		steps(n.Steps)
		f(n.Until)
	case *By:
		exprs(n.Keys)
	case *MaxSpan:
		f(n.Value)
		f(n.Unit)
	case *Step:
		f(n.Query)
		f(n.By)
		f(n.Runs)
	case *Pipe:
		f(n.Name)
		exprs(n.Args)
	case *Logical:
		exprs(n.Terms)
	case *Not:
		f(n.X)
	case *Compare:
		f(n.X)
		f(n.Y)
	case *In:
		f(n.X)
		exprs(n.Values)
	case *Match:
		f(n.X)
		exprs(n.Values)
	case *Binary:
		f(n.X)
		f(n.Y)
	case *Unary:
		f(n.X)
	case *Paren:
		f(n.X)
	case *Call:
		if n.Recv != nil {
			f(n.Recv)
		}
		f(n.Name)
		exprs(n.Args)
	case *Of:
		f(n.Relation)
		f(n.Sub)
	case *Runs, *BadHead, *Ident, *Field, *Literal, *BadExpr:
		// leaves
	}
}
