package yaral

// Inspect walks the tree under n in source order, calling f on every
// node; f returning false skips the node's children.
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

// eachChild calls f on each direct child of n, in source order. The
// switch names every node type.
func eachChild(n Node, f func(Node)) {
	expr := func(x Expr) {
		if x != nil {
			f(x)
		}
	}
	switch n := n.(type) {
	case *File:
		for _, r := range n.Rules {
			f(r)
		}
	case *Rule:
		if n.Name != nil {
			f(n.Name)
		}
		for _, s := range n.Sections {
			f(s)
		}
	case *MetaSection:
		for _, kv := range n.Entries {
			f(kv)
		}
	case *OptionsSection:
		for _, kv := range n.Options {
			f(kv)
		}
	case *EventsSection:
		for _, l := range n.Lines {
			expr(l)
		}
	case *MatchSection:
		for _, v := range n.Vars {
			f(v)
		}
		if n.Duration != nil {
			f(n.Duration)
		}
		if n.Pivot != nil {
			f(n.Pivot)
		}
	case *OutcomeSection:
		for _, a := range n.Assigns {
			f(a)
		}
	case *ConditionSection:
		expr(n.Expr)
	case *KeyValue:
		f(n.Key)
		expr(n.Value)
	case *Assign:
		f(n.Var)
		expr(n.Value)
	case *Field:
		f(n.Var)
		for _, p := range n.Steps {
			f(p)
		}
	case *PathElem:
		expr(n.Key)
	case *Call:
		f(n.Func)
		for _, a := range n.Args {
			expr(a)
		}
	case *Compare:
		expr(n.X)
		expr(n.Y)
	case *In:
		expr(n.X)
		if n.List != nil {
			f(n.List)
		}
	case *Binary:
		expr(n.X)
		expr(n.Y)
	case *Unary:
		expr(n.X)
	case *Quantified:
		expr(n.X)
	case *Paren:
		expr(n.X)
	case *Bad, *Ident, *Var, *ListRef, *String, *Regex, *Number, *DurationLit, *Bool:
		// leaves
	}
}
