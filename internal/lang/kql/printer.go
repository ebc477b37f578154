package kql

import (
	"strings"
)

// Print writes a node back as KQL text that parses to the same tree. Layout
// is canonical (one operator per line, single spaces); comments are not
// part of the tree and are not printed.
func Print(n Node) string {
	var pr printer
	pr.node(n)
	return pr.b.String()
}

type printer struct {
	b strings.Builder
}

func (pr *printer) s(s string) { pr.b.WriteString(s) }

func (pr *printer) list(xs []Expr, sep string) {
	for i, x := range xs {
		if i > 0 {
			pr.s(sep)
		}
		pr.node(x)
	}
}

func (pr *printer) typed(ts []*TypedName) {
	for i, t := range ts {
		if i > 0 {
			pr.s(", ")
		}
		pr.node(t)
	}
}

func (pr *printer) stmts(ss []Stmt, sep string) {
	for i, s := range ss {
		if i > 0 {
			pr.s(sep)
		}
		pr.node(s)
	}
}

func (pr *printer) node(n Node) {
	switch n := n.(type) {
	case nil:
	case *Script:
		pr.stmts(n.Stmts, ";\n")
	case *LetStmt:
		pr.s("let ")
		pr.s(n.Name.Raw())
		pr.s(" = ")
		pr.node(n.Value)
	case *SetStmt:
		pr.s("set ")
		pr.s(n.Name)
		if n.Value != nil {
			pr.s(" = ")
			pr.node(n.Value)
		}
	case *DeclareStmt:
		pr.s("declare query_parameters(")
		pr.typed(n.Params)
		pr.s(")")
	case *ExprStmt:
		pr.node(n.X)
	case *RawStmt:
		pr.s(n.Text)
	case *Ident:
		pr.s(n.Raw())
	case *Literal:
		pr.s(n.Raw)
	case *DynamicExpr:
		pr.s("dynamic(")
		pr.node(n.Value)
		pr.s(")")
	case *ListExpr:
		pr.s("[")
		if len(n.Elems) > 0 {
			if l, ok := n.Elems[0].(*Literal); ok && l.Kind == LitString {
				pr.s(" ") // [ 'a' ] and not ['a'], which reads as a bracketed name
			}
		}
		pr.list(n.Elems, ", ")
		pr.s("]")
	case *BagExpr:
		pr.s("{")
		for i := range n.Keys {
			if i > 0 {
				pr.s(", ")
			}
			pr.node(n.Keys[i])
			pr.s(": ")
			if i < len(n.Values) {
				pr.node(n.Values[i])
			}
		}
		pr.s("}")
	case *ParenExpr:
		pr.s("(")
		pr.node(n.X)
		pr.s(")")
	case *TupleExpr:
		pr.s("(")
		pr.list(n.Elems, ", ")
		if n.Comma {
			pr.s(",")
		}
		pr.s(")")
	case *BinaryExpr:
		pr.node(n.X)
		switch n.Op {
		case "default":
			pr.s(" default = ")
		default:
			pr.s(" ")
			pr.s(n.Op)
			pr.s(" ")
		}
		pr.node(n.Y)
	case *UnaryExpr:
		pr.s(n.Op)
		inner := Print(n.X)
		if strings.HasPrefix(inner, "-") || strings.HasPrefix(inner, "+") {
			pr.s(" ")
		}
		pr.s(inner)
	case *BetweenExpr:
		pr.node(n.X)
		if n.Not {
			pr.s(" !between (")
		} else {
			pr.s(" between (")
		}
		pr.node(n.Lo)
		pr.s(" .. ")
		pr.node(n.Hi)
		pr.s(")")
	case *CallExpr:
		pr.node(n.Fun)
		if id, ok := n.Fun.(*Ident); ok && !id.Quoted && isTypedLiteralName(id.Name) {
			pr.s("\n") // time\n(): on one line, or after a space, time() reads as a typed literal (token.go)
		}
		pr.s("(")
		pr.list(n.Args, ", ")
		pr.s(")")
	case *SelectorExpr:
		pr.node(n.X)
		pr.s(".")
		if raw := n.Sel.Raw(); raw != "" && (isDigit(raw[0]) || raw[0] == '.') {
			pr.s(" ") // 0. 0A: ".0" would read as a number; 0. .0A: ".." as the range operator
		}
		pr.s(n.Sel.Raw())
	case *IndexExpr:
		pr.node(n.X)
		if n.Dot {
			pr.s(".")
		}
		pr.s("[")
		pr.node(n.Index)
		pr.s("]")
	case *StarExpr:
		pr.s("*")
	case *WildcardName:
		pr.s(n.Text)
	case *NamedExpr:
		pr.node(n.Name)
		if id, ok := n.Name.(*Ident); ok && strings.Contains(id.Name, ".") && !id.Quoted {
			pr.s("=")
		} else {
			pr.s(" = ")
		}
		pr.node(n.Value)
	case *TypedName:
		pr.s(n.Name.Raw())
		if n.Type != nil {
			pr.s(":")
			pr.node(n.Type)
		}
		if n.Default != nil {
			pr.s(" = ")
			pr.node(n.Default)
		}
	case *TypeExpr:
		if n.Schema {
			pr.s("(")
			pr.typed(n.Columns)
			pr.s(")")
		} else if n.Name != "" {
			pr.s(n.Name)
		} else {
			pr.typed(n.Columns)
		}
	case *TypeofExpr:
		pr.s("typeof(")
		pr.node(n.Type)
		pr.s(")")
	case *OrderedExpr:
		pr.node(n.X)
		if n.Dir != "" {
			pr.s(" ")
			pr.s(n.Dir)
		}
		if n.Nulls != "" {
			pr.s(" nulls ")
			pr.s(n.Nulls)
		}
	case *PipeExpr:
		if n.Source != nil {
			pr.node(n.Source)
			pr.s("\n| ")
		}
		pr.node(n.Op)
	case *Operator:
		pr.operator(n)
	case *Clause:
		pr.clause(n)
	case *FuncDef:
		if n.View {
			pr.s("view ")
		}
		pr.s("(")
		pr.typed(n.Params)
		pr.s(") {\n")
		pr.stmts(n.Body, ";\n")
		pr.s("\n}")
	case *DataTableExpr:
		pr.s(n.Keyword)
		for _, p := range n.Params {
			pr.s(" ")
			pr.node(p)
		}
		pr.s("(")
		pr.typed(n.Schema)
		pr.s(") [ ")
		pr.list(n.Values, ", ")
		pr.s("]")
		if n.With != nil {
			pr.s(" with ")
			pr.node(n.With)
		}
	case *RawExpr:
		pr.s(n.Text)
	case *ScanStep:
		pr.s("step ")
		pr.s(n.Name.Raw())
		if n.Optional {
			pr.s(" optional")
		}
		if n.Output != "" {
			pr.s(" output=")
			pr.s(n.Output)
		}
		pr.s(": ")
		pr.node(n.Cond)
		if len(n.Assigns) > 0 {
			pr.s(" => ")
			pr.list(n.Assigns, ", ")
		}
		pr.s(";")
	case *BadExpr, *BadOperator:
	}
}

func (pr *printer) operator(op *Operator) {
	pr.s(op.Raw)
	for _, p := range op.Params {
		pr.s(" ")
		pr.node(p.Name)
		pr.s("=")
		pr.node(p.Value)
	}
	for _, c := range op.Clauses {
		pr.clause(c)
	}
}

func (pr *printer) clause(c *Clause) {
	switch c.Keyword {
	case "":
	case "top-nested":
		pr.s(", top-nested")
	case "with others":
		pr.s(" with others =")
	case "with steps":
		pr.s(" with (")
		pr.list(c.Exprs, " ")
		pr.s(")")
		return
	case "declare":
		pr.s(" declare (")
		pr.list(c.Exprs, ", ")
		pr.s(")")
		return
	case "in range":
		pr.s(" in range(")
		pr.list(c.Exprs, ", ")
		pr.s(")")
		return
	default:
		pr.s(" ")
		pr.s(c.Keyword)
	}
	if len(c.Exprs) == 0 {
		return
	}
	pr.s(" ")
	if c.Seq {
		pr.list(c.Exprs, " ")
	} else {
		pr.list(c.Exprs, ", ")
	}
}
