package lowerelastic

import (
	"strconv"
	"strings"

	"github.com/ruledex/ruledex/internal/lang/diag"
	"github.com/ruledex/ruledex/internal/lang/eql"
	"github.com/ruledex/ruledex/internal/rule"
)

// eql lowers an EQL query: an event query is one stage (its category and
// condition); a sequence or sample is a stage of its own (its by keys and
// maxspan) followed by one stage per step (step, missing, until); each pipe
// is a stage. The event category is a test of event.category (or the
// rule's event_category_override).
func (l *lowering) eql(src string, out *[]rule.Stage) diag.ErrorList {
	q, errs := eql.Parse([]byte(src))
	if q == nil {
		return errs
	}
	for _, f := range eql.Fields(q) {
		l.fields = append(l.fields, strings.TrimPrefix(f, "?"))
	}
	eql.Inspect(q, func(n eql.Node) bool {
		if c, ok := n.(*eql.Call); ok && c.Name != nil {
			l.funcs = append(l.funcs, c.Name.Name)
		}
		return true
	})
	switch h := q.Head.(type) {
	case *eql.EventQuery:
		st := stageAt("where", src, h.Loc)
		l.eqlEvent(&st, q.Src, h)
		*out = append(*out, st)
		l.ops = append(l.ops, "where")
	case *eql.Sequence:
		l.eqlSteps(out, q.Src, "sequence", h.Loc, h.By, h.MaxSpan, h.Steps, h.Until)
	case *eql.Sample:
		l.eqlSteps(out, q.Src, "sample", h.Loc, h.By, nil, h.Steps, nil)
	case *eql.Join:
		l.eqlSteps(out, q.Src, "join", h.Loc, h.By, nil, h.Steps, h.Until)
	}
	for _, p := range q.Pipes {
		name := "pipe"
		if p.Name != nil {
			name = p.Name.Name
		}
		st := stageAt(name, src, p.Loc)
		if name == "filter" {
			for _, pr := range eql.Predicates(&eql.Query{Src: q.Src, Pipes: []*eql.Pipe{p}}) {
				l.eqlPred(&st, q.Src, pr)
			}
		}
		*out = append(*out, st)
		l.ops = append(l.ops, name)
	}
	return errs
}

// eqlSteps lowers a sequence, sample or join: its header stage, then a
// stage per step.
func (l *lowering) eqlSteps(out *[]rule.Stage, src, kind string, loc diag.Span, by *eql.By, span *eql.MaxSpan, steps []*eql.Step, until *eql.Step) {
	head := loc
	if len(steps) > 0 {
		head.End = steps[0].Loc.Start
	}
	st := stageAt(kind, src, head)
	if span != nil && span.Value != nil && span.Unit != nil {
		st.TimeWindow = span.Value.Raw + span.Unit.Name
	}
	keys := l.byKeys(src, by)
	l.groupBy = append(l.groupBy, keys...)
	*out = append(*out, st)
	l.ops = append(l.ops, kind)
	all := steps
	if until != nil {
		all = append(append([]*eql.Step(nil), steps...), until)
	}
	for _, s := range all {
		k := "step"
		switch {
		case s.Missing:
			k = "missing"
		case s.IsUntil():
			k = "until"
		}
		ss := stageAt(k, src, s.Loc)
		ss.TimeWindow = st.TimeWindow
		l.groupBy = append(l.groupBy, l.byKeys(src, s.By)...)
		if s.Query != nil {
			l.eqlEvent(&ss, src, s.Query)
		}
		*out = append(*out, ss)
	}
}

// byKeys returns the by keys as written (a field without its '?').
func (l *lowering) byKeys(src string, by *eql.By) []string {
	if by == nil {
		return nil
	}
	var keys []string
	for _, k := range by.Keys {
		if f, ok := k.(*eql.Field); ok {
			keys = append(keys, f.Name())
			continue
		}
		keys = append(keys, strings.TrimSpace(textOf(src, k.Span())))
	}
	return keys
}

// eqlEvent fills st from an event query: its category, then the tests of
// its condition.
func (l *lowering) eqlEvent(st *rule.Stage, src string, q *eql.EventQuery) {
	if q.Category != nil {
		st.Source = q.Category.Name
		if !q.IsAny() {
			field := "event.category"
			if l.doc.EventCategoryOverride != "" {
				field = l.doc.EventCategoryOverride
			}
			l.fields = append(l.fields, field)
			l.tables = append(l.tables, field+":"+q.Category.Name)
			l.addPred(st, rule.Predicate{Field: field, Kind: rule.OpEq, Values: []string{q.Category.Name}, CaseSensitive: true,
				Text: q.Category.Name + " where"}, false)
		}
	}
	for _, p := range eql.Predicates(&eql.Query{Src: src, Head: q}) {
		l.eqlPred(st, src, p)
	}
}

// eqlFuncs are the functions that test a field's value, with the model's
// kind: the first argument is the field, the others the values
// (https://www.elastic.co/guide/en/elasticsearch/reference/current/eql-function-ref.html).
var eqlFuncs = map[string]struct {
	kind string
	wild bool
}{
	"startswith": {kind: rule.OpStartsWith}, "endswith": {kind: rule.OpEndsWith}, "stringcontains": {kind: rule.OpContains},
	"wildcard": {kind: rule.OpEq, wild: true}, "cidrmatch": {kind: rule.OpCIDR}, "match": {kind: rule.OpRegex},
}

// eqlPred adds the model's predicate of one EQL test.
func (l *lowering) eqlPred(st *rule.Stage, src string, p eql.Predicate) {
	text := ""
	if p.Node != nil {
		text = strings.TrimSpace(textOf(src, p.Node.Span()))
	}
	switch p.Kind {
	case "comparison":
		c, _ := p.Node.(*eql.Compare)
		if c == nil {
			return
		}
		left, right := c.X, c.Y
		if _, isField := left.(*eql.Field); !isField {
			if _, ok := right.(*eql.Field); ok && isLiteral(left) {
				left, right = right, left // "x" == field
			}
		}
		field, isField := eqlField(left, text, p.Left)
		val, lit := eqlValue(right)
		pr := rule.Predicate{Field: field, CaseSensitive: true, Negated: p.Negated, Text: text}
		op := c.Op
		if left != c.X {
			op = flip(op)
		}
		switch op {
		case eql.Eq, eql.Ne:
			if lit, ok := right.(*eql.Literal); ok && lit.Kind == eql.LitNull {
				// x != null: x exists; x == null: it does not
				pr.Kind, pr.Negated = rule.OpExists, p.Negated != (op == eql.Eq)
				l.addPred(st, pr, false)
				return
			}
			pr.Kind, pr.Values = rule.OpEq, []string{val}
			if op == eql.Ne {
				pr.Negated = !pr.Negated
			}
		case eql.Lt:
			pr.Kind, pr.Values = rule.OpLt, []string{val}
		case eql.Le:
			pr.Kind, pr.Values = rule.OpLe, []string{val}
		case eql.Gt:
			pr.Kind, pr.Values = rule.OpGt, []string{val}
		case eql.Ge:
			pr.Kind, pr.Values = rule.OpGe, []string{val}
		default:
			return
		}
		l.addPred(st, pr, isField && lit)
	case "in":
		in, _ := p.Node.(*eql.In)
		if in == nil {
			return
		}
		field, isField := eqlField(in.X, text, p.Left)
		pr := rule.Predicate{Field: field, Kind: rule.OpIn, CaseSensitive: !p.CaseInsensitive, Negated: p.Negated, Text: text}
		lit := true
		for _, v := range in.Values {
			s, ok := eqlValue(v)
			lit = lit && ok
			pr.Values = append(pr.Values, s)
		}
		l.addPred(st, pr, isField && lit)
	case "string_predicate":
		m, _ := p.Node.(*eql.Match)
		if m == nil {
			return
		}
		field, isField := eqlField(m.X, text, p.Left)
		pr := rule.Predicate{Field: field, Kind: rule.OpEq, CaseSensitive: !p.CaseInsensitive, Negated: p.Negated, Wildcards: !p.Regex, Text: text}
		if p.Regex {
			pr.Kind = rule.OpRegex
		}
		lit := true
		for _, v := range m.Values {
			s, ok := eqlValue(v)
			lit = lit && ok
			pr.Values = append(pr.Values, s)
		}
		l.addPred(st, pr, isField && lit)
	case "function":
		c, _ := p.Node.(*eql.Call)
		if c == nil {
			return
		}
		fn, ok := eqlFuncs[c.Func()]
		args := c.AllArgs()
		if !ok || len(args) < 2 {
			return
		}
		field, isField := eqlField(args[0], "", textOf(src, args[0].Span()))
		pr := rule.Predicate{Field: field, Kind: fn.kind, CaseSensitive: !c.CaseInsensitive(), Negated: p.Negated, Wildcards: fn.wild, Text: text}
		if fn.kind == rule.OpCIDR {
			pr.CaseSensitive = true
		}
		lit := true
		for _, a := range args[1:] {
			s, ok := eqlValue(a)
			lit = lit && ok
			pr.Values = append(pr.Values, s)
		}
		l.addPred(st, pr, isField && lit)
	}
}

// eqlField returns the field an operand names (without the '?' of an
// optional field), or the operand's text when it is no field.
func eqlField(x eql.Expr, _ string, written string) (string, bool) {
	if f, ok := x.(*eql.Field); ok {
		return f.Name(), true
	}
	return strings.TrimPrefix(strings.TrimSpace(written), "?"), false
}

func isLiteral(x eql.Expr) bool {
	_, ok := eqlValue(x)
	return ok
}

// eqlValue returns a literal operand's value (strings decoded, numbers as
// written, a sign kept), and whether it is one.
func eqlValue(x eql.Expr) (string, bool) {
	switch x := x.(type) {
	case *eql.Literal:
		switch x.Kind {
		case eql.LitString, eql.LitRawString:
			return x.Str, true
		case eql.LitInt:
			return strconv.FormatInt(x.Int, 10), true
		case eql.LitFloat:
			return strconv.FormatFloat(x.Float, 'f', -1, 64), true
		case eql.LitBool:
			return strconv.FormatBool(x.Bool), true
		}
		return "null", true
	case *eql.Unary:
		if v, ok := eqlValue(x.X); ok && x.Op == eql.Minus {
			return "-" + v, true
		} else if ok {
			return v, true
		}
	case *eql.Paren:
		return eqlValue(x.X)
	}
	return eql.Print(x), false
}

// flip returns the comparison with its operands swapped (a < b is b > a).
func flip(op eql.Kind) eql.Kind {
	switch op {
	case eql.Lt:
		return eql.Gt
	case eql.Le:
		return eql.Ge
	case eql.Gt:
		return eql.Lt
	case eql.Ge:
		return eql.Le
	}
	return op
}
