package eql

import "strings"

// Print returns n as EQL text that parses back to an equal tree (Equal):
// one line, a single space between tokens, literals and fields as written,
// parentheses where the source had them. Comments are not printed.
func Print(n Node) string {
	var b strings.Builder
	printNode(&b, n)
	return b.String()
}

// String returns the query as Print writes it.
func (q *Query) String() string { return Print(q) }

func printList(b *strings.Builder, xs []Expr) {
	for i, x := range xs {
		if i > 0 {
			b.WriteString(", ")
		}
		printNode(b, x)
	}
}

func printNode(b *strings.Builder, n Node) {
	switch n := n.(type) {
	case nil:
	case *Query:
		if n.Head != nil {
			printNode(b, n.Head)
		}
		for _, p := range n.Pipes {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			printNode(b, p)
		}
	case *EventQuery:
		if n.Category != nil {
			b.WriteString(n.Category.Name)
			b.WriteByte(' ')
		}
		b.WriteString("where ")
		printNode(b, n.Cond)
	case *Sequence:
		b.WriteString("sequence")
		if n.ByFirst {
			printNode(b, n.By)
			printNode(b, n.MaxSpan)
		} else {
			printNode(b, n.MaxSpan)
			printNode(b, n.By)
		}
		for _, s := range n.Steps {
			printNode(b, s)
		}
		printNode(b, n.Until)
	case *Sample:
		b.WriteString("sample")
		printNode(b, n.By)
		for _, s := range n.Steps {
			printNode(b, s)
		}
	case *Join:
		b.WriteString("join")
		printNode(b, n.By)
		for _, s := range n.Steps {
			printNode(b, s)
		}
		printNode(b, n.Until)
	case *By:
		if n == nil {
			return
		}
		b.WriteString(" by ")
		printList(b, n.Keys)
	case *MaxSpan:
		if n == nil {
			return
		}
		b.WriteString(" with maxspan=")
		if n.Value != nil {
			b.WriteString(n.Value.Raw)
		}
		if n.Unit != nil {
			b.WriteString(n.Unit.Name)
		}
	case *Step:
		if n == nil {
			return
		}
		b.WriteByte(' ')
		if n.IsUntil() {
			b.WriteString("until ")
		}
		if n.Missing {
			b.WriteString("![")
		} else {
			b.WriteByte('[')
		}
		if n.Query != nil {
			printNode(b, n.Query)
		}
		b.WriteByte(']')
		printNode(b, n.By)
		printNode(b, n.Runs)
	case *Runs:
		if n == nil {
			return
		}
		b.WriteString(" with runs=")
		b.WriteString(n.Raw)
	case *Pipe:
		b.WriteString("| ")
		if n.Name != nil {
			b.WriteString(n.Name.Name)
		}
		if len(n.Args) > 0 {
			b.WriteByte(' ')
			printList(b, n.Args)
		}
	case *BadHead:
		b.WriteString("<bad>")
	case *Ident:
		b.WriteString(n.Name)
	case *Field:
		b.WriteString(n.Raw)
	case *Literal:
		b.WriteString(n.Raw)
	case *Logical:
		op := " and "
		if n.Op == KwOr {
			op = " or "
		}
		for i, t := range n.Terms {
			if i > 0 {
				b.WriteString(op)
			}
			printNode(b, t)
		}
	case *Not:
		b.WriteString("not ")
		printNode(b, n.X)
	case *Compare:
		printNode(b, n.X)
		b.WriteByte(' ')
		b.WriteString(n.Op.String())
		b.WriteByte(' ')
		printNode(b, n.Y)
	case *In:
		printNode(b, n.X)
		if n.Negated {
			b.WriteString(" not")
		}
		b.WriteByte(' ')
		b.WriteString(n.Op.String())
		b.WriteString(" (")
		printList(b, n.Values)
		b.WriteByte(')')
	case *Match:
		printNode(b, n.X)
		b.WriteByte(' ')
		b.WriteString(n.Op.String())
		b.WriteByte(' ')
		if n.List {
			b.WriteByte('(')
			printList(b, n.Values)
			b.WriteByte(')')
		} else {
			printList(b, n.Values)
		}
	case *Binary:
		printNode(b, n.X)
		b.WriteByte(' ')
		b.WriteString(n.Op.String())
		b.WriteByte(' ')
		printNode(b, n.Y)
	case *Unary:
		b.WriteString(n.Op.String())
		printNode(b, n.X)
	case *Paren:
		b.WriteByte('(')
		printNode(b, n.X)
		b.WriteByte(')')
	case *Call:
		if n.Recv != nil {
			printNode(b, n.Recv)
			b.WriteByte(':')
		}
		b.WriteString(n.Name.Name)
		b.WriteByte('(')
		printList(b, n.Args)
		b.WriteByte(')')
	case *Of:
		b.WriteString(n.Relation.Name)
		b.WriteString(" of")
		printNode(b, n.Sub)
	case *BadExpr:
		b.WriteString("<bad>")
	}
}
