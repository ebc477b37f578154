package spl

// Inspect walks the tree under n depth first, in source order, calling f
// on every node; f returning false skips the node's children.
func Inspect(n Node, f func(Node) bool) {
	if n == nil || !f(n) {
		return
	}
	eachChild(n, func(c Node) { Inspect(c, f) })
}

// eachChild calls f on each direct child of n, in order. The switch lists
// every node type.
func eachChild(n Node, f func(Node)) {
	id := func(x *Ident) {
		if x != nil {
			f(x)
		}
	}
	field := func(x *Field) {
		if x != nil {
			f(x)
		}
	}
	fields := func(xs []*Field) {
		for _, x := range xs {
			f(x)
		}
	}
	value := func(x *Value) {
		if x != nil {
			f(x)
		}
	}
	args := func(xs []Arg) {
		for _, x := range xs {
			f(x)
		}
	}
	search := func(x SearchExpr) {
		if x != nil {
			f(x)
		}
	}
	expr := func(x Expr) {
		if x != nil {
			f(x)
		}
	}
	switch n := n.(type) {
	case *Query:
		if n.Pipeline != nil {
			f(n.Pipeline)
		}
	case *Pipeline:
		for _, c := range n.Commands {
			f(c)
		}
	case *Subsearch:
		if n.Pipeline != nil {
			f(n.Pipeline)
		}
	case *Value:
		for _, m := range n.Macros {
			f(m)
		}
	case *Option:
		id(n.Name)
		value(n.Value)
	case *SearchAnd:
		for _, t := range n.Terms {
			f(t)
		}
	case *SearchOr:
		for _, t := range n.Terms {
			f(t)
		}
	case *SearchNot:
		search(n.X)
	case *SearchParen:
		search(n.X)
	case *SearchTerm:
		value(n.Value)
	case *SearchCompare:
		field(n.Field)
		value(n.Value)
	case *SearchIn:
		field(n.Field)
		for _, v := range n.Values {
			f(v)
		}
	case *SearchDirective:
		value(n.Value)
	case *BinaryExpr:
		expr(n.X)
		expr(n.Y)
	case *UnaryExpr:
		expr(n.X)
	case *InExpr:
		expr(n.X)
		for _, v := range n.Values {
			f(v)
		}
	case *ParenExpr:
		expr(n.X)
	case *CallExpr:
		id(n.Func)
		for _, a := range n.Args {
			f(a)
		}
	case *SearchCommand:
		id(n.Name)
		search(n.Expr)
	case *WhereCommand:
		id(n.Name)
		expr(n.Expr)
	case *EvalCommand:
		id(n.Name)
		for _, a := range n.Assigns {
			f(a)
		}
	case *Assignment:
		field(n.Field)
		expr(n.Value)
	case *StatsCommand:
		id(n.Name)
		args(n.Options)
		for _, a := range n.Aggs {
			f(a)
		}
		if n.From != nil {
			f(n.From)
		}
		search(n.Where)
		field(n.Over)
		fields(n.By)
		args(n.ByOptions)
	case *Aggregation:
		id(n.Func)
		for _, a := range n.Args {
			f(a)
		}
		field(n.As)
	case *RexCommand:
		id(n.Name)
		args(n.Options)
		if n.Regex != nil {
			f(n.Regex)
		}
	case *RegexCommand:
		id(n.Name)
		field(n.Field)
		if n.Regex != nil {
			f(n.Regex)
		}
	case *LookupCommand:
		id(n.Name)
		args(n.Options)
		value(n.Table)
		for _, x := range n.Inputs {
			f(x)
		}
		id(n.Output)
		for _, x := range n.Outputs {
			f(x)
		}
	case *FieldAs:
		field(n.Field)
		field(n.As)
	case *InputlookupCommand:
		id(n.Name)
		args(n.Options)
		value(n.Table)
		search(n.Where)
	case *TableCommand:
		id(n.Name)
		fields(n.Fields)
	case *FieldsCommand:
		id(n.Name)
		fields(n.Fields)
	case *RenameCommand:
		id(n.Name)
		for _, r := range n.Renames {
			f(r)
		}
	case *JoinCommand:
		id(n.Name)
		args(n.Options)
		fields(n.Fields)
		if n.Subsearch != nil {
			f(n.Subsearch)
		}
	case *AppendCommand:
		id(n.Name)
		args(n.Options)
		if n.Subsearch != nil {
			f(n.Subsearch)
		}
	case *SortCommand:
		id(n.Name)
		value(n.Count)
		args(n.Options)
		for _, k := range n.Keys {
			f(k)
		}
		id(n.Desc)
	case *SortKey:
		id(n.Func)
		field(n.Field)
	case *HeadCommand:
		id(n.Name)
		value(n.Count)
		args(n.Options)
		expr(n.Expr)
	case *ConvertCommand:
		id(n.Name)
		args(n.Options)
		for _, c := range n.Conversions {
			f(c)
		}
	case *Conversion:
		id(n.Func)
		field(n.Field)
		field(n.As)
	case *ArgsCommand:
		id(n.Name)
		args(n.Options)
		fields(n.Fields)
		for _, c := range n.Clauses {
			f(c)
		}
	case *Clause:
		id(n.Keyword)
		fields(n.Fields)
	case *RawCommand:
		id(n.Name)
		for _, m := range n.Macros {
			f(m)
		}
	case *Comment, *Ident, *Field, *Macro, *BadSearch, *StringLit, *NumberLit, *BadExpr, *BadCommand:
		// leaves
	default:
		panic("spl: eachChild: unknown node type")
	}
}
