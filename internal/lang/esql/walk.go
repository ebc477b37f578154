package esql

// Inspect walks the tree under n in source order, calling f on every node;
// f returning false skips the node's children.
func Inspect(n Node, f func(Node) bool) {
	if n == nil || !f(n) {
		return
	}
	eachChild(n, func(c Node) { Inspect(c, f) })
}

// eachChild calls f on each direct child of n, in source order. The switch
// names every node type, so a new one that is not walked is a compile-time
// reminder (see the default case).
func eachChild(n Node, f func(Node)) {
	expr := func(x Expr) {
		if x != nil {
			f(x)
		}
	}
	name := func(x *Name) {
		if x != nil {
			f(x)
		}
	}
	fields := func(fs []*Field) {
		for _, x := range fs {
			f(x)
		}
	}
	switch n := n.(type) {
	case *Query:
		for _, c := range n.Commands {
			f(c)
		}
	case *Name:
		for _, p := range n.Parts {
			f(p)
		}
	case *NamePart, *IndexPattern, *ShowCommand, *UnknownCommand, *BadCommand,
		*Literal, *ParamExpr, *BadExpr:
	case *FromCommand:
		for _, s := range n.Sources {
			f(s)
		}
		for _, m := range n.Metadata {
			f(m)
		}
	case *RowCommand:
		fields(n.Fields)
	case *Field:
		name(n.Name)
		expr(n.Value)
	case *WhereCommand:
		expr(n.Cond)
	case *EvalCommand:
		fields(n.Fields)
	case *AggField:
		f(n.Field)
		expr(n.Filter)
	case *StatsCommand:
		for _, a := range n.Aggs {
			f(a)
		}
		fields(n.By)
	case *KeepCommand:
		for _, p := range n.Patterns {
			f(p)
		}
	case *DropCommand:
		for _, p := range n.Patterns {
			f(p)
		}
	case *RenameClause:
		if n.Assign {
			name(n.New)
			name(n.Old)
		} else {
			name(n.Old)
			name(n.New)
		}
	case *RenameCommand:
		for _, c := range n.Clauses {
			f(c)
		}
	case *Order:
		expr(n.X)
	case *SortCommand:
		for _, o := range n.Orders {
			f(o)
		}
	case *LimitCommand:
		expr(n.Count)
	case *Option:
		f(n.Name)
		expr(n.Value)
	case *DissectCommand:
		expr(n.Input)
		f(n.Pattern)
		for _, o := range n.Options {
			f(o)
		}
	case *GrokCommand:
		expr(n.Input)
		for _, p := range n.Patterns {
			f(p)
		}
	case *MvExpandCommand:
		name(n.Field)
	case *EnrichWith:
		name(n.NewName)
		name(n.Field)
	case *EnrichCommand:
		name(n.On)
		for _, w := range n.With {
			f(w)
		}
	case *JoinCommand:
		f(n.Target)
		for _, x := range n.On {
			expr(x)
		}
	case *ChangePointCommand:
		name(n.Value)
		name(n.Key)
		name(n.TypeName)
		name(n.PvalueName)
	case *CompletionCommand:
		name(n.Target)
		expr(n.Prompt)
		if n.With != nil {
			f(n.With)
		}
	case *RerankCommand:
		name(n.Target)
		expr(n.Query)
		fields(n.On)
		if n.With != nil {
			f(n.With)
		}
	case *SampleCommand:
		expr(n.Probability)
	case *ForkBranch:
		for _, c := range n.Commands {
			f(c)
		}
	case *ForkCommand:
		for _, b := range n.Branches {
			f(b)
		}
	case *Duration:
		f(n.Value)
	case *FieldRef:
		f(n.Name)
	case *ArrayLit:
		for _, x := range n.Elems {
			expr(x)
		}
	case *MapEntry:
		f(n.Key)
		expr(n.Value)
	case *MapExpr:
		for _, e := range n.Entries {
			f(e)
		}
	case *Call:
		for _, x := range n.Args {
			expr(x)
		}
		if n.Options != nil {
			f(n.Options)
		}
	case *ParenExpr:
		expr(n.X)
	case *UnaryExpr:
		expr(n.X)
	case *BinaryExpr:
		expr(n.X)
		expr(n.Y)
	case *CastExpr:
		expr(n.X)
	case *InExpr:
		expr(n.X)
		for _, x := range n.List {
			expr(x)
		}
	case *LikeExpr:
		expr(n.X)
		for _, x := range n.Patterns {
			expr(x)
		}
	case *IsNullExpr:
		expr(n.X)
	case *MatchExpr:
		expr(n.Field)
		expr(n.Query)
	default:
		panic("esql: eachChild: unknown node type")
	}
}
