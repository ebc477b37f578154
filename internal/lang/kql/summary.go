package kql

// Summary lists what a script uses, each list in source order with no repeats.
type Summary struct {
	Tables    []string // tables read: pipeline sources, union, join and lookup arguments not bound by let
	Operators []string // tabular operators' canonical keywords, inner pipelines included
	Functions []string // names of the functions called (built-in and user-defined)
}

// Summarize walks a parsed script and lists its tables, operators and functions.
func Summarize(s *Script) Summary {
	bound := boundNames(s)
	var sum Summary
	seen := map[string]bool{}
	add := func(list *[]string, kind, v string) {
		if v == "" || seen[kind+v] {
			return
		}
		seen[kind+v] = true
		*list = append(*list, v)
	}
	table := func(x Expr) {
		for {
			switch y := x.(type) {
			case *ParenExpr:
				x = y.X
				continue
			case *Ident:
				if !bound[y.Name] && y.Name != "" && y.Name[0] != '$' {
					add(&sum.Tables, "t", y.Name)
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
			table(n.Value)
		case *PipeExpr:
			if n.Source != nil {
				table(n.Source)
			}
		case *Operator:
			if n.Keyword != "?" {
				add(&sum.Operators, "o", n.Keyword)
			}
			switch n.Keyword {
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
				add(&sum.Functions, "f", f.Name)
				switch f.Name {
				case "materialize", "toscalar", "totable":
					for _, a := range n.Args {
						table(a)
					}
				}
			case *SelectorExpr:
				add(&sum.Functions, "f", f.Sel.Name)
			}
		}
		return true
	})
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

// boundNames are the names a script defines: let names, function and view
// parameters, declared query parameters, and names given by as.
func boundNames(s *Script) map[string]bool {
	m := map[string]bool{}
	Inspect(s, func(n Node) bool {
		switch n := n.(type) {
		case *LetStmt:
			m[n.Name.Name] = true
		case *FuncDef:
			for _, p := range n.Params {
				m[p.Name.Name] = true
			}
		case *DeclareStmt:
			for _, p := range n.Params {
				m[p.Name.Name] = true
			}
		case *Operator:
			if n.Keyword == "as" && len(n.Clauses) > 0 && len(n.Clauses[0].Exprs) > 0 {
				if id, ok := n.Clauses[0].Exprs[0].(*Ident); ok {
					m[id.Name] = true
				}
			}
		}
		return true
	})
	return m
}
