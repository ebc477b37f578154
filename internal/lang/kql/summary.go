package kql

import "slices"

// Summary lists what a script uses, each list in source order with no repeats.
type Summary struct {
	Tables    []string // tables read: pipeline sources, union, join and lookup arguments not bound by let
	Operators []string // tabular operators' canonical keywords, inner pipelines included
	Functions []string // names of the functions called (built-in and user-defined)
}

// Summarize walks a parsed script and lists its tables, operators and functions.
func Summarize(s *Script) Summary {
	var z summarizer
	for _, st := range s.Stmts {
		z.node(st)
	}
	sum := Summary{Operators: z.operators, Functions: z.functions}
	for _, c := range z.candidates {
		if !slices.Contains(z.bound, c) {
			sum.Tables = append(sum.Tables, c)
		}
	}
	if sum.Tables == nil {
		sum.Tables = []string{}
	}
	if sum.Operators == nil {
		sum.Operators = []string{}
	}
	if sum.Functions == nil {
		sum.Functions = []string{}
	}
	return sum
}

// summarizer walks the tree once, in source order; its lists are short, so
// a scan finds repeats faster than a map would.
type summarizer struct {
	operators, functions []string
	candidates, bound    []string // tables are the candidates no let, parameter or as binds
}

func addOnce(list *[]string, v string) {
	if v == "" {
		return
	}
	for _, s := range *list {
		if s == v {
			return
		}
	}
	*list = append(*list, v)
}

// table notes x as a table when it is a bare name (in parentheses or not).
func (z *summarizer) table(x Expr) {
	for {
		switch y := x.(type) {
		case *ParenExpr:
			x = y.X
			continue
		case *Ident:
			if y.Name != "" && y.Name[0] != '$' {
				addOnce(&z.candidates, y.Name)
			}
		}
		return
	}
}

func (z *summarizer) exprs(xs []Expr) {
	for _, x := range xs {
		if x != nil {
			z.node(x)
		}
	}
}

func (z *summarizer) typed(ts []*TypedName) {
	for _, t := range ts {
		z.node(t)
	}
}

// node visits n, then its children in the order eachChild gives them.
func (z *summarizer) node(n Node) {
	switch n := n.(type) {
	case *LetStmt:
		z.bound = append(z.bound, n.Name.Name)
		z.table(n.Value)
		if n.Value != nil {
			z.node(n.Value)
		}
	case *SetStmt:
		if n.Value != nil {
			z.node(n.Value)
		}
	case *DeclareStmt:
		for _, p := range n.Params {
			z.bound = append(z.bound, p.Name.Name)
		}
		z.typed(n.Params)
	case *ExprStmt:
		z.table(n.X)
		if n.X != nil {
			z.node(n.X)
		}
	case *PipeExpr:
		if n.Source != nil {
			z.table(n.Source)
			z.node(n.Source)
		}
		z.node(n.Op)
	case *Operator:
		addOnce(&z.operators, n.Keyword)
		switch n.Keyword {
		case "as":
			if len(n.Clauses) > 0 && len(n.Clauses[0].Exprs) > 0 {
				if id, ok := n.Clauses[0].Exprs[0].(*Ident); ok {
					z.bound = append(z.bound, id.Name)
				}
			}
		case "union", "join", "lookup":
			for _, c := range n.Clauses {
				if c.Keyword == "" {
					for _, x := range c.Exprs {
						z.table(x)
					}
				}
			}
		case "find", "search":
			for _, c := range n.Clauses {
				if c.Keyword != "in" {
					continue
				}
				for _, x := range c.Exprs {
					if t, ok := x.(*TupleExpr); ok {
						for _, e := range t.Elems {
							z.table(e)
						}
					}
				}
			}
		}
		for _, p := range n.Params {
			z.node(p)
		}
		for _, c := range n.Clauses {
			z.exprs(c.Exprs)
		}
	case *CallExpr:
		switch f := n.Fun.(type) {
		case *Ident:
			addOnce(&z.functions, f.Name)
			switch f.Name {
			case "materialize", "toscalar", "totable":
				for _, a := range n.Args {
					z.table(a)
				}
			}
		case *SelectorExpr:
			addOnce(&z.functions, f.Sel.Name)
		}
		if n.Fun != nil {
			z.node(n.Fun)
		}
		z.exprs(n.Args)
	case *FuncDef:
		for _, p := range n.Params {
			z.bound = append(z.bound, p.Name.Name)
		}
		z.typed(n.Params)
		for _, s := range n.Body {
			z.node(s)
		}
	case *Ident, *Literal, *StarExpr, *WildcardName, *RawExpr, *BadExpr, *RawStmt:
		// leaves
	case *BinaryExpr:
		z.node(n.X)
		z.node(n.Y)
	case *SelectorExpr:
		z.node(n.X)
	default:
		eachChild(n, z.node)
	}
}
