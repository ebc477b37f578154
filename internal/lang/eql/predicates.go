package eql

// Fields returns every field the tree under root names, as written (an
// optional field without its '?', escaped parts with their backquotes), in
// source order, each once: the fields of conditions, function arguments,
// by keys and pipes.
func Fields(root Node) []string {
	var out []string
	seen := map[string]bool{}
	Inspect(root, func(n Node) bool {
		if f, ok := n.(*Field); ok {
			if name := f.Name(); !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
		}
		return true
	})
	return out
}

// Predicate is one test a query makes on an event, as the lowering reads it
// into the rule model. Kinds:
//
//   - "comparison": Left Op Values[0], Op one of == != < <= > >=;
//     case-sensitive, no wildcards (== "*.exe" is literal).
//   - "in": Left in (Values...), Op "in", "in~" (CaseInsensitive) or
//     "not in" (Negated).
//   - "string_predicate": Left Op (Values...), Op ":" (case-insensitive
//     wildcard), "like" / "like~" (wildcard, case-sensitive / not), "regex"
//     / "regex~" (regular expression); any value may match.
//   - "function": a call, Name(Args...), with every literal of its
//     arguments in Values; CaseInsensitive for the ~ variants.
//
// Negated is true under an odd number of not (and for not in). Where says
// where the test stands: "query" (an event query), "subquery" (a step of a
// sequence, sample or join, or a descendant/child/event of), "missing_subquery"
// (a ![...] step), "until" (the until step), "pipe" (| filter).
//
// The semantics are Elastic's: https://www.elastic.co/guide/en/elasticsearch/reference/current/eql-syntax.html
type Predicate struct {
	Kind            string
	Left            string // the left operand as written (a field keeps its '?')
	Op              string
	Name            string   // function predicates: the name as written (startsWith~)
	Args            []string // function predicates: each argument as written
	Values          []any    // string, int64, float64, bool or nil; a non-literal operand as its text
	CaseInsensitive bool
	Wildcard        bool
	Regex           bool
	Negated         bool
	Where           string
	Node            Expr // the comparison, in, match or call
}

// Predicates returns the tests of q in source order: the head's (each
// step's in order, the until step last), then the pipes'. A function call
// inside another test is a predicate of its own, after that test.
func Predicates(q *Query) []Predicate {
	pc := &predCollector{src: q.Src}
	switch h := q.Head.(type) {
	case *EventQuery:
		pc.event(h, "query")
	case *Sequence:
		pc.steps(h.Steps, h.Until)
	case *Sample:
		pc.steps(h.Steps, nil)
	case *Join:
		pc.steps(h.Steps, h.Until)
	}
	for _, p := range q.Pipes {
		if p.Name != nil && p.Name.Name == "filter" {
			for _, a := range p.Args {
				pc.where = "pipe"
				pc.expr(a, false)
			}
		}
	}
	return pc.out
}

type predCollector struct {
	src   string
	where string
	out   []Predicate
}

func (pc *predCollector) event(q *EventQuery, where string) {
	if q == nil {
		return
	}
	old := pc.where
	pc.where = where
	pc.expr(q.Cond, false)
	pc.where = old
}

func (pc *predCollector) steps(steps []*Step, until *Step) {
	for _, s := range steps {
		where := "subquery"
		if s.Missing {
			where = "missing_subquery"
		}
		pc.event(s.Query, where)
	}
	if until != nil {
		pc.event(until.Query, "until")
	}
}

// text returns the source of n as written.
func (pc *predCollector) text(n Node) string {
	sp := n.Span()
	if sp.In(len(pc.src)) {
		return pc.src[sp.Start:sp.End]
	}
	return Print(n)
}

// value returns a literal's value, a signed number's, or else the
// operand's text.
func (pc *predCollector) value(x Expr) any {
	switch x := x.(type) {
	case *Literal:
		return x.Value()
	case *Unary:
		if l, ok := x.X.(*Literal); ok && x.Op == Minus {
			switch l.Kind {
			case LitInt:
				return -l.Int
			case LitFloat:
				return -l.Float
			}
		}
	case *Paren:
		return pc.value(x.X)
	}
	return pc.text(x)
}

func (pc *predCollector) add(p Predicate) {
	p.Where = pc.where
	pc.out = append(pc.out, p)
}

func (pc *predCollector) expr(x Expr, neg bool) {
	switch x := x.(type) {
	case *Logical:
		for _, t := range x.Terms {
			pc.expr(t, neg)
		}
	case *Not:
		pc.expr(x.X, !neg)
	case *Paren:
		pc.expr(x.X, neg)
	case *Compare:
		pc.add(Predicate{Kind: "comparison", Left: pc.text(x.X), Op: x.Op.String(), Values: []any{pc.value(x.Y)}, Negated: neg, Node: x})
		pc.calls(x.X, neg)
		pc.calls(x.Y, neg)
	case *In:
		p := Predicate{Kind: "in", Left: pc.text(x.X), Op: x.Op.String(), CaseInsensitive: x.Op == KwInI, Negated: neg != x.Negated, Node: x}
		if x.Negated {
			p.Op = "not " + p.Op
		}
		for _, v := range x.Values {
			p.Values = append(p.Values, pc.value(v))
		}
		pc.add(p)
		pc.calls(x.X, neg)
		for _, v := range x.Values {
			pc.calls(v, neg)
		}
	case *Match:
		p := Predicate{Kind: "string_predicate", Left: pc.text(x.X), Op: x.Op.String(), CaseInsensitive: x.CaseInsensitive(),
			Wildcard: !x.IsRegex(), Regex: x.IsRegex(), Negated: neg, Node: x}
		for _, v := range x.Values {
			p.Values = append(p.Values, pc.value(v))
		}
		pc.add(p)
		pc.calls(x.X, neg)
	case *Of:
		old := pc.where
		pc.where = "subquery"
		if x.Sub != nil && x.Sub.Query != nil {
			pc.expr(x.Sub.Query.Cond, neg)
		}
		pc.where = old
	default:
		pc.calls(x, neg)
	}
}

// calls adds a function predicate for every call under x, outer first.
func (pc *predCollector) calls(x Expr, neg bool) {
	Inspect(x, func(n Node) bool {
		switch n := n.(type) {
		case *Call:
			p := Predicate{Kind: "function", Name: n.Name.Name, CaseInsensitive: n.CaseInsensitive(), Negated: neg, Node: n}
			for _, a := range n.AllArgs() {
				p.Args = append(p.Args, pc.text(a))
				Inspect(a, func(m Node) bool {
					switch m := m.(type) {
					case *Literal:
						p.Values = append(p.Values, m.Value())
					case *Unary:
						if l, ok := m.X.(*Literal); ok && m.Op == Minus && (l.Kind == LitInt || l.Kind == LitFloat) {
							p.Values = append(p.Values, pc.value(m))
							return false
						}
					}
					return true
				})
			}
			pc.add(p)
		case *Of:
			pc.expr(n, neg)
			return false
		}
		return true
	})
}
