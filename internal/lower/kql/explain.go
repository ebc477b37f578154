package lowerkql

import (
	"strings"

	"github.com/ruledex/ruledex/internal/lang/kql"
	"github.com/ruledex/ruledex/internal/lower"
	"github.com/ruledex/ruledex/internal/rule"
)

// collectKeywords lists every field the query names: columns tested,
// computed, grouped by, projected or joined on, in order of appearance.
// Function names, tables, lets and operator options are not fields.
func (l *kqlLowering) collectKeywords(s *kql.Script) {
	tables := map[string]bool{}
	for _, t := range l.r.Tables {
		tables[t] = true
	}
	skip := map[kql.Node]bool{}
	kql.Inspect(s, func(n kql.Node) bool {
		switch n := n.(type) {
		case *kql.LetStmt:
			skip[n.Name] = true
		case *kql.CallExpr:
			skip[n.Fun] = true
		case *kql.Operator:
			for _, p := range n.Params {
				skip[p.Name] = true
				skip[p.Value] = true
			}
			if n.Keyword == "render" || n.Keyword == "as" {
				for _, c := range n.Clauses {
					for _, x := range c.Exprs {
						skip[x] = true
					}
				}
			}
		case *kql.TypedName:
			if n.Type != nil && n.Type.Name != "" {
				skip[n.Type] = true
			}
		case *kql.FuncDef:
			for _, p := range n.Params {
				skip[p.Name] = true
			}
		case *kql.SelectorExpr:
			skip[n.Sel] = true
			if root, ok := n.X.(*kql.Ident); ok && (root.Name == "$left" || root.Name == "$right") {
				l.keyword(n.Sel.Name)
			}
		case *kql.Ident:
			if !skip[n] && !tables[n.Name] {
				l.keyword(n.Name)
			}
		}
		return true
	})
}

// explain says in a few sentences what the model holds: what the query
// reads and over what time, what it keeps, how it joins and groups, what
// it emits.
func (l *kqlLowering) explain() string {
	r := l.r
	var out []string
	var reads []string
	for _, st := range r.Stages {
		if st.Kind == "source" && st.Source != "" {
			reads = append(reads, st.Source)
		}
		if st.Kind == "union" {
			for _, in := range st.Stages {
				if in.Kind == "source" && in.Source != "" {
					reads = append(reads, in.Source)
				}
			}
		}
	}
	if len(reads) == 0 {
		reads = r.Tables
	}
	if len(reads) > 0 {
		if len(reads) > 6 {
			reads = append(reads[:6:6], "more")
		}
		s := "Reads " + lower.JoinWords(reads, "and")
		if r.TimeWindow != "" {
			s += " over the last " + r.TimeWindow
		}
		out = append(out, s+".")
	}
	var joins []string
	var keeps []string
	for _, st := range r.Stages {
		if (st.Kind == "join" || st.Kind == "lookup") && st.Source != "" {
			j := st.Kind + "s " + st.Source
			for _, in := range st.Stages {
				if in.TimeWindow != "" {
					j += " (last " + in.TimeWindow + ")"
					break
				}
			}
			if on := l.joinOn[st.N]; on != "" {
				j += " on " + on
			}
			joins = append(joins, j)
		}
		if len(st.Predicates) == 0 || len(keeps) >= 4 {
			continue
		}
		conn, known := l.conns[st.N]
		if !known {
			conn = "and"
		}
		// a field tested the same way against several values (a or b) is one phrase
		var merged []rule.Predicate
		for _, p := range st.Predicates {
			if n := len(merged); n > 0 && conn == "or" {
				q := &merged[n-1]
				if q.Field == p.Field && q.Kind == p.Kind && q.CaseSensitive == p.CaseSensitive && q.Negated == p.Negated && q.All == p.All && p.Kind != rule.OpBetween {
					q.Values = append(q.Values[:len(q.Values):len(q.Values)], p.Values...)
					continue
				}
			}
			merged = append(merged, p)
		}
		var ds []string
		for i, p := range merged {
			if i == 4 {
				ds = append(ds, "more")
				break
			}
			ds = append(ds, lower.DescribePredicate(p))
		}
		switch conn {
		case "":
			keeps = append(keeps, "a combination of: "+strings.Join(ds, "; "))
		default:
			keeps = append(keeps, strings.Join(ds, " "+conn+" "))
		}
	}
	if len(keeps) > 0 {
		out = append(out, "Keeps the rows where "+strings.Join(keeps, ", then where ")+".")
	}
	for _, j := range joins {
		out = append(out, strings.ToUpper(j[:1])+j[1:]+".")
	}
	if len(r.GroupBy) > 0 {
		out = append(out, "Groups them by "+lower.FieldList(r.GroupBy)+".")
	}
	if len(r.Outputs) > 0 {
		var names []string
		for _, o := range r.Outputs {
			if strings.HasSuffix(o.Name, ".*") {
				names = append(names, "all columns of "+strings.TrimSuffix(o.Name, ".*"))
			} else {
				names = append(names, o.Name)
			}
		}
		if len(names) > 12 {
			names = append(names[:12], "more")
		}
		out = append(out, "Emits "+lower.JoinWords(names, "and")+".")
	}
	return strings.Join(out, " ")
}
