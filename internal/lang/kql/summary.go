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
	var sum Summary
	var candidates, bound []string          // tables are the candidates no let, parameter or as binds
	add := func(list *[]string, v string) { // lists are short: a scan beats a map
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
	table := func(x Expr) {
		for {
			switch y := x.(type) {
			case *ParenExpr:
				x = y.X
				continue
			case *Ident:
				if y.Name != "" && y.Name[0] != '$' {
					add(&candidates, y.Name)
				}
			}
			return
		}
	}
	Inspect(s, func(n Node) bool {
		switch n := n.(type) {
		case *ExprStmt:
			table(n.X)
		case *LetStmt:
			bound = append(bound, n.Name.Name)
			table(n.Value)
		case *FuncDef:
			for _, p := range n.Params {
				bound = append(bound, p.Name.Name)
			}
		case *DeclareStmt:
			for _, p := range n.Params {
				bound = append(bound, p.Name.Name)
			}
		case *PipeExpr:
			if n.Source != nil {
				table(n.Source)
			}
		case *Operator:
			if n.Keyword != "?" {
				add(&sum.Operators, n.Keyword)
			}
			switch n.Keyword {
			case "as":
				if len(n.Clauses) > 0 && len(n.Clauses[0].Exprs) > 0 {
					if id, ok := n.Clauses[0].Exprs[0].(*Ident); ok {
						bound = append(bound, id.Name)
					}
				}
			case "union", "join", "lookup":
				for _, c := range n.Clauses {
					if c.Keyword == "" {
						for _, x := range c.Exprs {
							table(x)
						}
					}
				}
			case "find", "search":
				for _, c := range n.Clauses {
					if c.Keyword == "in" {
						for _, x := range c.Exprs {
							if t, ok := x.(*TupleExpr); ok {
								for _, e := range t.Elems {
									table(e)
								}
							}
						}
					}
				}
			}
		case *CallExpr:
			switch f := n.Fun.(type) {
			case *Ident:
				add(&sum.Functions, f.Name)
				switch f.Name {
				case "materialize", "toscalar", "totable":
					for _, a := range n.Args {
						table(a)
					}
				}
			case *SelectorExpr:
				add(&sum.Functions, f.Sel.Name)
			}
		}
		return true
	})
	for _, c := range candidates {
		if !slices.Contains(bound, c) {
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
