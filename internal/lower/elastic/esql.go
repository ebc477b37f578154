package lowerelastic

import (
	"regexp"
	"strings"

	"github.com/ruledex/ruledex/internal/lang/diag"
	"github.com/ruledex/ruledex/internal/lang/esql"
	"github.com/ruledex/ruledex/internal/lang/kuery"
	"github.com/ruledex/ruledex/internal/lang/lucene"
	"github.com/ruledex/ruledex/internal/rule"
)

// esql lowers an ES|QL query: one stage per command (kind: the command in
// lower case), FORK's branches as inner stages. The predicates are
// Elastic's: ==, !=, IN, LIKE and RLIKE exact and case-sensitive (a test of
// TO_LOWER(x) or TO_UPPER(x) ignores the case of x); LIKE takes the
// wildcards * and ?; RLIKE's pattern is a regular expression of the whole
// value; `:` a full-text match; IS [NOT] NULL an existence test. The query
// of KQL("...") (kuery) and QSTR("...") (Lucene) is an inner stage with its
// own predicates. A test of a column the query made (EVAL, STATS...) is no
// indicator. The outputs are the columns left at the end (KEEP, STATS,
// EVAL, DISSECT, GROK, RENAME, DROP followed in order).
func (l *lowering) esql(src string, out *[]rule.Stage) diag.ErrorList {
	q, errs := esql.Parse([]byte(src))
	if q == nil {
		return errs
	}
	assigned := map[string]bool{}
	for _, a := range esql.Assigned(q) {
		assigned[a] = true
	}
	for _, f := range esql.Fields(q) {
		if !assigned[f] {
			l.fields = append(l.fields, f)
		}
	}
	l.funcs = append(l.funcs, esql.Functions(q)...)
	e := &esqlLowering{l: l, src: src, assigned: assigned}
	e.commands(q.Commands, out, out == &l.stages)
	if e.shaped || len(e.cols) > 0 {
		l.outputs = append(l.outputs, e.cols...)
		l.shaped = l.shaped || out == &l.stages
	}
	return errs
}

type esqlLowering struct {
	l        *lowering
	src      string
	assigned map[string]bool
	cols     []rule.OutputField
	shaped   bool // the rows no longer hold the source's fields (STATS, KEEP)
}

func (e *esqlLowering) commands(cmds []esql.Command, out *[]rule.Stage, top bool) {
	for _, c := range cmds {
		kind := cmdKind(c)
		st := stageAt(kind, e.src, c.Span())
		n := 0
		if top {
			n = len(*out) + 1
		}
		e.l.ops = append(e.l.ops, kind)
		switch c := c.(type) {
		case *esql.FromCommand:
			var srcs []string
			for _, s := range c.Sources {
				srcs = append(srcs, indexName(s))
			}
			st.Source = strings.Join(srcs, ", ")
			e.l.tables = append(e.l.tables, srcs...)
		case *esql.JoinCommand:
			if c.Target != nil {
				st.Source = indexName(c.Target)
				e.l.tables = append(e.l.tables, st.Source)
			}
		case *esql.ForkCommand:
			for _, b := range c.Branches {
				var inner []rule.Stage
				e.commands(b.Commands, &inner, false)
				st.Stages = append(st.Stages, rule.Stage{Kind: "branch", Text: strings.TrimSpace(textOf(e.src, b.Pos)), Stages: inner})
			}
		}
		if _, fork := c.(*esql.ForkCommand); !fork {
			for _, p := range esql.Predicates(c) {
				e.pred(&st, p)
			}
			e.searchCalls(&st, c)
		}
		e.shape(c, kind, n)
		*out = append(*out, st)
	}
}

// indexName returns an index pattern as written, with its cluster.
func indexName(s *esql.IndexPattern) string {
	name := s.Index
	if s.Cluster != "" {
		name = s.Cluster + ":" + name
	}
	if s.Selector != "" {
		name += "::" + s.Selector
	}
	return name
}

// cmdKind names a command's stage: its name in lower case.
func cmdKind(c esql.Command) string {
	switch c := c.(type) {
	case *esql.FromCommand:
		return strings.ToLower(c.Keyword.String())
	case *esql.StatsCommand:
		return strings.ToLower(c.Keyword)
	case *esql.JoinCommand:
		return strings.ToLower(c.Type.String()) + " join"
	case *esql.UnknownCommand:
		return strings.ToLower(c.Name)
	case *esql.BadCommand:
		return "bad"
	}
	names := esql.CommandNames(c)
	if len(names) > 0 {
		return strings.ToLower(names[0])
	}
	return "command"
}

// pred adds the model's predicate of one ES|QL test.
func (e *esqlLowering) pred(st *rule.Stage, p esql.Predicate) {
	text := strings.TrimSpace(textOf(e.src, p.Node.Span()))
	var left esql.Expr
	var values []esql.Expr
	switch n := p.Node.(type) {
	case *esql.BinaryExpr:
		left, values = n.X, []esql.Expr{n.Y}
	case *esql.InExpr:
		left, values = n.X, n.List
	case *esql.LikeExpr:
		left, values = n.X, n.Patterns
	case *esql.IsNullExpr:
		left = n.X
	case *esql.MatchExpr:
		left, values = n.Field, []esql.Expr{n.Query}
	}
	written := p.Left
	if left != nil {
		if t := strings.TrimSpace(textOf(e.src, left.Span())); t != "" {
			written = t
		}
	}
	field, isField, folded := e.field(left, written)
	pr := rule.Predicate{Field: field, CaseSensitive: !folded, Negated: p.Negated, Values: append([]string(nil), p.Values...), Text: text}
	lit := true
	for i, v := range values {
		if !esqlLiteral(v) {
			lit = false
			// an operand that is no literal, as written
			if t := strings.TrimSpace(textOf(e.src, v.Span())); t != "" && i < len(pr.Values) {
				pr.Values[i] = t
			}
		}
	}
	switch p.Kind {
	case "comparison":
		switch p.Op {
		case "==":
			pr.Kind = rule.OpEq
		case "!=":
			pr.Kind, pr.Negated = rule.OpEq, !pr.Negated
		case "<":
			pr.Kind = rule.OpLt
		case "<=":
			pr.Kind = rule.OpLe
		case ">":
			pr.Kind = rule.OpGt
		case ">=":
			pr.Kind = rule.OpGe
		default:
			return
		}
	case "in":
		pr.Kind = rule.OpIn
	case "like":
		pr.Kind, pr.Wildcards = rule.OpEq, true
	case "rlike":
		pr.Kind = rule.OpRegex
	case "is_null":
		pr.Kind, pr.Values = rule.OpExists, nil
		if p.Op == "IS NULL" {
			pr.Negated = !pr.Negated
		}
	case "match":
		// full-text: analysed on text fields, exact on keyword fields
		pr.Kind, pr.CaseSensitive = rule.OpHas, false
	default:
		return
	}
	if field == "@timestamp" && !pr.Negated && (pr.Kind == rule.OpGt || pr.Kind == rule.OpGe) && len(pr.Values) == 1 {
		// @timestamp > NOW() - 7 days: the time the query reads
		if m := nowMinusRE.FindStringSubmatch(pr.Values[0]); m != nil {
			st.TimeWindow = m[1] + durationUnit(m[2])
		}
	}
	e.l.addPred(st, pr, isField && lit && !e.assigned[field])
}

// durationUnit writes an ES|QL time unit (7 days, 1 hour, 10 minutes) as a
// time window's (7d, 1h, 10m); an unknown unit as written.
func durationUnit(u string) string {
	u = strings.ToLower(u)
	for _, x := range []struct{ prefix, unit string }{{"ms", "ms"}, {"millisecond", "ms"}, {"s", "s"}, {"min", "m"}, {"m", "m"},
		{"h", "h"}, {"d", "d"}, {"w", "w"}, {"mo", "mo"}, {"q", "q"}, {"y", "y"}} {
		if u == x.prefix || strings.HasPrefix(u, x.prefix) && len(x.prefix) > 1 {
			return x.unit
		}
	}
	switch {
	case strings.HasPrefix(u, "sec"):
		return "s"
	case strings.HasPrefix(u, "minute"):
		return "m"
	case strings.HasPrefix(u, "hour"):
		return "h"
	case strings.HasPrefix(u, "day"):
		return "d"
	case strings.HasPrefix(u, "week"):
		return "w"
	case strings.HasPrefix(u, "month"):
		return "mo"
	case strings.HasPrefix(u, "year"):
		return "y"
	}
	return u
}

// nowMinusRE reads NOW() - 7 days, now() - 1h.
var nowMinusRE = regexp.MustCompile(`(?i)^now\(\)\s*-\s*(\d+)\s*([a-z]+)$`)

// field returns the field a test's left operand names: a field, a cast of
// one, or TO_LOWER/TO_UPPER of one (folded: the test ignores case);
// otherwise the operand as printed.
func (e *esqlLowering) field(x esql.Expr, printed string) (name string, isField, folded bool) {
	for {
		switch v := x.(type) {
		case *esql.FieldRef:
			return v.Name.String(), true, folded
		case *esql.CastExpr:
			x = v.X
			continue
		case *esql.ParenExpr:
			x = v.X
			continue
		case *esql.Call:
			if (v.Lower() == "to_lower" || v.Lower() == "to_upper") && len(v.Args) == 1 {
				x, folded = v.Args[0], true
				continue
			}
		}
		return printed, false, false
	}
}

func esqlLiteral(x esql.Expr) bool {
	switch v := x.(type) {
	case *esql.Literal:
		return v.Kind != esql.LitNull
	case *esql.UnaryExpr:
		return v.Op == esql.Minus && esqlLiteral(v.X)
	case *esql.CastExpr:
		return esqlLiteral(v.X)
	}
	return false
}

// searchCalls adds an inner stage for each KQL("...") (a kuery query) and
// QSTR("...") (a Lucene query string) of c.
func (e *esqlLowering) searchCalls(st *rule.Stage, c esql.Command) {
	esql.Inspect(c, func(n esql.Node) bool {
		call, ok := n.(*esql.Call)
		if !ok || len(call.Args) == 0 {
			return true
		}
		name := call.Lower()
		if name != "kql" && name != "qstr" {
			return true
		}
		lit, ok := call.Args[0].(*esql.Literal)
		if !ok || lit.Kind != esql.LitString {
			return true
		}
		inner := rule.Stage{Kind: LangKuery, Text: lit.Value, Source: call.Name + "()"}
		inner.Line, inner.Col = position(e.src, lit.Pos.Start)
		if name == "kql" {
			q, errs := kuery.Parse([]byte(lit.Value))
			if q != nil {
				e.l.kueryPreds(&inner, q)
			}
			e.l.report(errs, lit.Value, e.l.r.QueryLine+inner.Line-1, false)
		} else {
			inner.Kind = LangLucene
			q, errs := lucene.Parse([]byte(lit.Value))
			if q != nil {
				e.l.lucenePreds(&inner, q)
			}
			e.l.report(errs, lit.Value, e.l.r.QueryLine+inner.Line-1, false)
		}
		st.Stages = append(st.Stages, inner)
		return false
	})
}

// shape follows the columns a command leaves.
func (e *esqlLowering) shape(c esql.Command, kind string, n int) {
	set := func(name, source, expr string) {
		for i := range e.cols {
			if e.cols[i].Name == name {
				e.cols[i] = rule.OutputField{Name: name, Source: source, Stage: n, Expr: expr}
				return
			}
		}
		e.cols = append(e.cols, rule.OutputField{Name: name, Source: source, Stage: n, Expr: expr})
	}
	fieldName := func(f *esql.Field) (string, string) {
		expr := strings.TrimSpace(textOf(e.src, f.Value.Span()))
		if f.Name != nil {
			return f.Name.String(), expr
		}
		return expr, ""
	}
	switch c := c.(type) {
	case *esql.RowCommand:
		e.shaped = true
		for _, f := range c.Fields {
			name, expr := fieldName(f)
			set(name, kind, expr)
		}
	case *esql.EvalCommand:
		for _, f := range c.Fields {
			name, expr := fieldName(f)
			set(name, kind, expr)
		}
	case *esql.StatsCommand:
		if !c.Inline {
			e.cols, e.shaped = nil, true
		}
		for _, a := range c.Aggs {
			name, expr := fieldName(a.Field)
			set(name, kind, expr)
		}
		for _, b := range c.By {
			name, expr := fieldName(b)
			set(name, kind, expr)
			e.l.groupBy = append(e.l.groupBy, name)
		}
	case *esql.KeepCommand:
		old := e.cols
		e.cols = nil
		for _, p := range c.Patterns {
			pat := p.String()
			matched := false
			if p.IsPattern() {
				re := globRE(pat)
				for _, o := range old {
					if re.MatchString(o.Name) {
						set(o.Name, o.Source, o.Expr)
						matched = true
					}
				}
			} else {
				for _, o := range old {
					if o.Name == pat {
						set(o.Name, o.Source, o.Expr)
						matched = true
					}
				}
			}
			if !matched && (!e.shaped || !p.IsPattern()) {
				set(pat, kind, "")
			}
		}
		e.shaped = true
	case *esql.DropCommand:
		for _, p := range c.Patterns {
			re := globRE(p.String())
			kept := e.cols[:0]
			for _, o := range e.cols {
				if !re.MatchString(o.Name) {
					kept = append(kept, o)
				}
			}
			e.cols = kept
		}
	case *esql.RenameCommand:
		for _, cl := range c.Clauses {
			if cl.Old == nil || cl.New == nil {
				continue
			}
			found := false
			for i := range e.cols {
				if e.cols[i].Name == cl.Old.String() {
					e.cols[i].Name, e.cols[i].Source, e.cols[i].Stage = cl.New.String(), kind, n
					found = true
				}
			}
			if !found {
				set(cl.New.String(), kind, cl.Old.String())
			}
		}
	case *esql.DissectCommand:
		if c.Pattern != nil {
			for _, k := range esql.DissectKeys(c.Pattern.Value) {
				set(k, kind, "")
			}
		}
	case *esql.GrokCommand:
		for _, p := range c.Patterns {
			for _, k := range esql.GrokKeys(p.Value) {
				set(k, kind, "")
			}
		}
	case *esql.EnrichCommand:
		for _, w := range c.With {
			if w.NewName != nil {
				set(w.NewName.String(), kind, w.Field.String())
			} else if w.Field != nil {
				set(w.Field.String(), kind, "")
			}
		}
	case *esql.CompletionCommand:
		if c.Target != nil {
			set(c.Target.String(), kind, "")
		} else {
			set("completion", kind, "")
		}
	case *esql.ChangePointCommand:
		if c.TypeName != nil {
			set(c.TypeName.String(), kind, "")
		}
		if c.PvalueName != nil {
			set(c.PvalueName.String(), kind, "")
		}
	}
}

// globRE turns a KEEP/DROP pattern (* any run of characters) into a regular expression.
func globRE(p string) *regexp.Regexp {
	parts := strings.Split(p, "*")
	for i := range parts {
		parts[i] = regexp.QuoteMeta(parts[i])
	}
	return regexp.MustCompile("^" + strings.Join(parts, ".*") + "$")
}
