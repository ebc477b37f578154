package esql

import (
	"strings"
)

// Print returns n as ES|QL text on one line: commands joined by " | ",
// keywords in upper case, names, numbers and strings as written. The text
// parses back to a tree Equal to n (when n was read without errors).
func Print(n Node) string {
	var b strings.Builder
	printNode(&b, n)
	return b.String()
}

// String returns the query as Print writes it.
func (q *Query) String() string { return Print(q) }

func printNode(b *strings.Builder, n Node) {
	switch n := n.(type) {
	case *Query:
		printPipeline(b, n.Commands)
	case Command:
		printCommand(b, n)
	case Expr:
		printExpr(b, n)
	case *Name:
		printName(b, n)
	case *NamePart:
		b.WriteString(n.Raw)
	case *IndexPattern:
		printIndex(b, n)
	case *Field:
		printField(b, n)
	case *AggField:
		printAgg(b, n)
	case *RenameClause:
		printRename(b, n)
	case *Order:
		printOrder(b, n)
	case *Option:
		b.WriteString(n.Name.Raw)
		b.WriteString(" = ")
		printExpr(b, n.Value)
	case *EnrichWith:
		printEnrichWith(b, n)
	case *ForkBranch:
		printBranch(b, n)
	case *MapEntry:
		printEntry(b, n)
	}
}

func printPipeline(b *strings.Builder, cmds []Command) {
	for i, c := range cmds {
		if i > 0 {
			b.WriteString(" | ")
		}
		printCommand(b, c)
	}
}

func printName(b *strings.Builder, n *Name) {
	for i, p := range n.Parts {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p.Raw)
	}
}

func printNames(b *strings.Builder, ns []*Name) {
	for i, n := range ns {
		if i > 0 {
			b.WriteString(", ")
		}
		printName(b, n)
	}
}

func printIndex(b *strings.Builder, ip *IndexPattern) {
	if ip.Cluster != "" {
		b.WriteString(ip.Cluster)
		b.WriteByte(':')
	}
	b.WriteString(ip.Raw)
	if ip.Selector != "" {
		b.WriteString("::")
		b.WriteString(ip.Selector)
	}
}

func printField(b *strings.Builder, f *Field) {
	if f.Name != nil {
		printName(b, f.Name)
		b.WriteString(" = ")
	}
	printExpr(b, f.Value)
}

func printFields(b *strings.Builder, fs []*Field) {
	for i, f := range fs {
		if i > 0 {
			b.WriteString(", ")
		}
		printField(b, f)
	}
}

func printAgg(b *strings.Builder, a *AggField) {
	printField(b, a.Field)
	if a.Filter != nil {
		b.WriteString(" WHERE ")
		printExpr(b, a.Filter)
	}
}

func printRename(b *strings.Builder, c *RenameClause) {
	if c.Assign {
		printName(b, c.New)
		b.WriteString(" = ")
		printName(b, c.Old)
		return
	}
	printName(b, c.Old)
	b.WriteString(" AS ")
	printName(b, c.New)
}

func printOrder(b *strings.Builder, o *Order) {
	printExpr(b, o.X)
	switch o.Dir {
	case DirAsc:
		b.WriteString(" ASC")
	case DirDesc:
		b.WriteString(" DESC")
	}
	switch o.Nulls {
	case NullsFirst:
		b.WriteString(" NULLS FIRST")
	case NullsLast:
		b.WriteString(" NULLS LAST")
	}
}

func printEnrichWith(b *strings.Builder, w *EnrichWith) {
	if w.NewName != nil {
		printName(b, w.NewName)
		b.WriteString(" = ")
	}
	printName(b, w.Field)
}

func printBranch(b *strings.Builder, br *ForkBranch) {
	b.WriteByte('(')
	printPipeline(b, br.Commands)
	b.WriteByte(')')
}

func printEntry(b *strings.Builder, e *MapEntry) {
	b.WriteString(e.Key.Raw)
	b.WriteString(": ")
	printExpr(b, e.Value)
}

func printExprs(b *strings.Builder, xs []Expr) {
	for i, x := range xs {
		if i > 0 {
			b.WriteString(", ")
		}
		printExpr(b, x)
	}
}

func printCommand(b *strings.Builder, c Command) {
	switch c := c.(type) {
	case *FromCommand:
		b.WriteString(c.Keyword.String())
		b.WriteByte(' ')
		for i, s := range c.Sources {
			if i > 0 {
				b.WriteString(", ")
			}
			printIndex(b, s)
		}
		if c.Metadata != nil {
			b.WriteString(" METADATA ")
			for i, m := range c.Metadata {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(m.Raw)
			}
		}
	case *RowCommand:
		b.WriteString("ROW ")
		printFields(b, c.Fields)
	case *ShowCommand:
		b.WriteString("SHOW ")
		b.WriteString(c.Item)
	case *WhereCommand:
		b.WriteString("WHERE ")
		printExpr(b, c.Cond)
	case *EvalCommand:
		b.WriteString("EVAL ")
		printFields(b, c.Fields)
	case *StatsCommand:
		b.WriteString(c.Keyword)
		for i, a := range c.Aggs {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte(' ')
			printAgg(b, a)
		}
		if c.By != nil {
			b.WriteString(" BY ")
			printFields(b, c.By)
		}
	case *KeepCommand:
		b.WriteString("KEEP ")
		printNames(b, c.Patterns)
	case *DropCommand:
		b.WriteString("DROP ")
		printNames(b, c.Patterns)
	case *RenameCommand:
		b.WriteString("RENAME ")
		for i, cl := range c.Clauses {
			if i > 0 {
				b.WriteString(", ")
			}
			printRename(b, cl)
		}
	case *SortCommand:
		b.WriteString("SORT ")
		for i, o := range c.Orders {
			if i > 0 {
				b.WriteString(", ")
			}
			printOrder(b, o)
		}
	case *LimitCommand:
		b.WriteString("LIMIT ")
		printExpr(b, c.Count)
	case *DissectCommand:
		b.WriteString("DISSECT ")
		printExpr(b, c.Input)
		b.WriteByte(' ')
		b.WriteString(c.Pattern.Raw)
		for i, o := range c.Options {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte(' ')
			printNode(b, o)
		}
	case *GrokCommand:
		b.WriteString("GROK ")
		printExpr(b, c.Input)
		for i, p := range c.Patterns {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte(' ')
			b.WriteString(p.Raw)
		}
	case *MvExpandCommand:
		b.WriteString("MV_EXPAND ")
		printName(b, c.Field)
	case *EnrichCommand:
		b.WriteString("ENRICH ")
		b.WriteString(c.PolicyRaw)
		if c.On != nil {
			b.WriteString(" ON ")
			printName(b, c.On)
		}
		for i, w := range c.With {
			if i == 0 {
				b.WriteString(" WITH ")
			} else {
				b.WriteString(", ")
			}
			printEnrichWith(b, w)
		}
	case *JoinCommand:
		b.WriteString(c.Type.String())
		b.WriteString(" JOIN ")
		printIndex(b, c.Target)
		if c.Alias != "" {
			b.WriteString(" AS ")
			b.WriteString(c.Alias)
		}
		b.WriteString(" ON ")
		printExprs(b, c.On)
	case *ChangePointCommand:
		b.WriteString("CHANGE_POINT ")
		printName(b, c.Value)
		if c.Key != nil {
			b.WriteString(" ON ")
			printName(b, c.Key)
		}
		if c.TypeName != nil {
			b.WriteString(" AS ")
			printName(b, c.TypeName)
			b.WriteString(", ")
			if c.PvalueName != nil {
				printName(b, c.PvalueName)
			}
		}
	case *CompletionCommand:
		b.WriteString("COMPLETION ")
		if c.Target != nil {
			printName(b, c.Target)
			b.WriteString(" = ")
		}
		printExpr(b, c.Prompt)
		if c.With != nil {
			b.WriteString(" WITH ")
			printExpr(b, c.With)
		}
	case *RerankCommand:
		b.WriteString("RERANK ")
		if c.Target != nil {
			printName(b, c.Target)
			b.WriteString(" = ")
		}
		printExpr(b, c.Query)
		b.WriteString(" ON ")
		printFields(b, c.On)
		if c.With != nil {
			b.WriteString(" WITH ")
			printExpr(b, c.With)
		}
	case *SampleCommand:
		b.WriteString("SAMPLE ")
		printExpr(b, c.Probability)
	case *ForkCommand:
		b.WriteString("FORK")
		for _, br := range c.Branches {
			b.WriteByte(' ')
			printBranch(b, br)
		}
	case *UnknownCommand:
		b.WriteString(c.Raw)
	case *BadCommand:
	}
}

func printExpr(b *strings.Builder, x Expr) {
	switch x := x.(type) {
	case *Literal:
		b.WriteString(x.Raw)
	case *Duration:
		b.WriteString(x.Value.Raw)
		b.WriteByte(' ')
		b.WriteString(x.Unit)
	case *ParamExpr:
		b.WriteString(x.Raw)
	case *FieldRef:
		printName(b, x.Name)
	case *ArrayLit:
		b.WriteByte('[')
		printExprs(b, x.Elems)
		b.WriteByte(']')
	case *MapExpr:
		b.WriteString("{")
		for i, e := range x.Entries {
			if i > 0 {
				b.WriteString(", ")
			}
			printEntry(b, e)
		}
		b.WriteString("}")
	case *Call:
		b.WriteString(x.Name)
		b.WriteByte('(')
		if x.Star {
			b.WriteByte('*')
		}
		printExprs(b, x.Args)
		if x.Options != nil {
			if len(x.Args) > 0 {
				b.WriteString(", ")
			}
			printExpr(b, x.Options)
		}
		b.WriteByte(')')
	case *ParenExpr:
		b.WriteByte('(')
		printExpr(b, x.X)
		b.WriteByte(')')
	case *UnaryExpr:
		if x.Op == Not {
			b.WriteString("NOT ")
		} else {
			b.WriteString(x.Op.String())
		}
		printExpr(b, x.X)
	case *BinaryExpr:
		printExpr(b, x.X)
		b.WriteByte(' ')
		b.WriteString(x.Op.String())
		b.WriteByte(' ')
		printExpr(b, x.Y)
	case *CastExpr:
		printExpr(b, x.X)
		b.WriteString("::")
		b.WriteString(x.Type)
	case *InExpr:
		printExpr(b, x.X)
		if x.Not {
			b.WriteString(" NOT")
		}
		b.WriteString(" IN (")
		printExprs(b, x.List)
		b.WriteByte(')')
	case *LikeExpr:
		printExpr(b, x.X)
		if x.Not {
			b.WriteString(" NOT")
		}
		b.WriteByte(' ')
		b.WriteString(x.Op.String())
		b.WriteByte(' ')
		if x.List {
			b.WriteByte('(')
			printExprs(b, x.Patterns)
			b.WriteByte(')')
		} else {
			printExprs(b, x.Patterns)
		}
	case *IsNullExpr:
		printExpr(b, x.X)
		if x.Not {
			b.WriteString(" IS NOT NULL")
		} else {
			b.WriteString(" IS NULL")
		}
	case *MatchExpr:
		printExpr(b, x.Field)
		b.WriteString(": ")
		printExpr(b, x.Query)
	case *BadExpr:
	}
}
