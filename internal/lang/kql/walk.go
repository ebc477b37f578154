package kql

// Inspect walks the tree under n in source order, calling f on every node;
// f returning false skips the node's children.
func Inspect(n Node, f func(Node) bool) {
	var visit func(Node)
	visit = func(n Node) {
		if f(n) {
			eachChild(n, visit)
		}
	}
	if n != nil {
		visit(n)
	}
}

// Walk walks the tree under n in source order: pre is called on a node
// before its children, post after them (go/ast.Inspect's f(nil), with the
// node). pre returning false skips the children; post is still called.
// Either may be nil.
func Walk(n Node, pre func(Node) bool, post func(Node)) {
	var visit func(Node)
	visit = func(n Node) {
		if pre == nil || pre(n) {
			eachChild(n, visit)
		}
		if post != nil {
			post(n)
		}
	}
	if n != nil {
		visit(n)
	}
}

// eachChild calls f on each direct child of n, in order.
func eachChild(n Node, f func(Node)) {
	expr := func(x Expr) {
		if x != nil {
			f(x)
		}
	}
	exprs := func(xs []Expr) {
		for _, x := range xs {
			expr(x)
		}
	}
	typed := func(ts []*TypedName) {
		for _, t := range ts {
			f(t)
		}
	}
	switch n := n.(type) {
	case *Script:
		for _, s := range n.Stmts {
			f(s)
		}
	case *LetStmt:
		f(n.Name)
		expr(n.Value)
	case *SetStmt:
		expr(n.Value)
	case *DeclareStmt:
		typed(n.Params)
	case *ExprStmt:
		expr(n.X)
	case *DynamicExpr:
		expr(n.Value)
	case *ListExpr:
		exprs(n.Elems)
	case *BagExpr:
		for i := range n.Keys {
			expr(n.Keys[i])
			if i < len(n.Values) {
				expr(n.Values[i])
			}
		}
	case *ParenExpr:
		expr(n.X)
	case *TupleExpr:
		exprs(n.Elems)
	case *BinaryExpr:
		expr(n.X)
		expr(n.Y)
	case *UnaryExpr:
		expr(n.X)
	case *BetweenExpr:
		expr(n.X)
		expr(n.Lo)
		expr(n.Hi)
	case *CallExpr:
		expr(n.Fun)
		exprs(n.Args)
	case *SelectorExpr:
		expr(n.X)
		f(n.Sel)
	case *IndexExpr:
		expr(n.X)
		expr(n.Index)
	case *NamedExpr:
		expr(n.Name)
		expr(n.Value)
	case *TypedName:
		f(n.Name)
		if n.Type != nil {
			f(n.Type)
		}
		expr(n.Default)
	case *TypeExpr:
		typed(n.Columns)
	case *TypeofExpr:
		if n.Type != nil {
			f(n.Type)
		}
	case *OrderedExpr:
		expr(n.X)
	case *PipeExpr:
		expr(n.Source)
		f(n.Op)
	case *Operator:
		for _, p := range n.Params {
			f(p)
		}
		for _, c := range n.Clauses {
			f(c)
		}
	case *Clause:
		exprs(n.Exprs)
	case *ScanStep:
		f(n.Name)
		expr(n.Cond)
		exprs(n.Assigns)
	case *FuncDef:
		typed(n.Params)
		for _, s := range n.Body {
			f(s)
		}
	case *DataTableExpr:
		for _, p := range n.Params {
			f(p)
		}
		typed(n.Schema)
		exprs(n.Values)
		if n.With != nil {
			f(n.With)
		}
	}
}
