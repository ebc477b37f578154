package lowerspl

import (
	"strings"

	"github.com/ruledex/ruledex/internal/lang/spl"
	"github.com/ruledex/ruledex/internal/rule"
)

// Predicates, with the meaning package spl's doc gives from Splunk's
// Search Reference:
//
//   - A search (search, the implied search, the where of tstats, mstats
//     and inputlookup): values and terms are case-insensitive, CASE(x)
//     case-sensitive; a '*' in a value is a wildcard: *x* is contains x, x*
//     startswith, *x endswith, f=* exists, a '*' inside a value keeps the
//     value as a pattern (kind eq, Wildcards). f=v is eq; f!=v is ne (f
//     exists with another value); NOT f=v is a negated eq (events without f
//     match too); NOT f!=v a negated ne; NOT f IN (...) a negated in; < <=
//     > >= lt le gt ge; a term without a field is a keyword.
//   - where (eval's expression): = == != IN compare case-sensitively;
//     like() and LIKE are patterns of % (any run) and _ (one character),
//     case-sensitive, %x% contains, x% startswith, %x endswith, others a
//     pattern with * and ?; match() is a regex, case-sensitive unless it
//     starts with (?i); isnull() is a negated exists, isnotnull() exists;
//     cidrmatch() cidr; lower(f) and upper(f) compare f ignoring case. A
//     comparison with a missing field is false, and so is its NOT: NOT
//     f="x" is f!="x" (ne), NOT f!="x" is f="x", NOT f<5 is f>=5. A bare
//     word on the right is a field: x=y compares two fields and is no
//     predicate.
//   - AND (written, or implied by a space in a search) puts the predicates
//     in the stage; OR makes an inner stage of kind "or" whose predicates
//     and inner "and" stages are the alternatives. NOT is pushed down to
//     the comparisons (De Morgan).

// group is the predicates and inner groups of one connective.
type group struct {
	kind  string // and, or
	text  string
	preds []rule.Predicate
	subs  []rule.Stage
}

func (g *group) empty() bool { return len(g.preds) == 0 && len(g.subs) == 0 }

// into adds child, a group of its own connective, to g: merged when the
// connectives are the same or child holds one item, else as an inner stage.
func (g *group) into(child *group) {
	if child.empty() {
		return
	}
	if child.kind == g.kind || len(child.preds)+len(child.subs) == 1 {
		g.preds = append(g.preds, child.preds...)
		g.subs = append(g.subs, child.subs...)
		return
	}
	g.subs = append(g.subs, rule.Stage{Kind: child.kind, Text: child.text, Predicates: child.preds, Stages: child.subs})
}

// ---- search expressions

func (l *lowering) searchGroup(x spl.SearchExpr, neg bool, g *group) {
	switch x := x.(type) {
	case nil:
	case *spl.SearchParen:
		l.searchGroup(x.X, neg, g)
	case *spl.SearchNot:
		l.searchGroup(x.X, !neg, g)
	case *spl.SearchAnd:
		c := &group{kind: conn("and", neg), text: l.textOf(x)}
		for _, t := range x.Terms {
			l.searchGroup(t, neg, c)
		}
		g.into(c)
	case *spl.SearchOr:
		c := &group{kind: conn("or", neg), text: l.textOf(x)}
		for _, t := range x.Terms {
			l.searchGroup(t, neg, c)
		}
		g.into(c)
	case *spl.SearchTerm:
		l.searchTerm(x, x.Value, neg, false, g)
	case *spl.SearchDirective:
		l.searchTerm(x, x.Value, neg, x.Name == "CASE", g)
	case *spl.SearchCompare:
		l.searchCompare(x, neg, g)
	case *spl.SearchIn:
		l.searchIn(x, neg, g)
	case *spl.Subsearch:
		g.subs = append(g.subs, l.subsearch("subsearch", x))
	case *spl.Macro:
		// an undefined macro: warned of, no predicate
	}
}

func conn(kind string, neg bool) string {
	if !neg {
		return kind
	}
	if kind == "and" {
		return "or"
	}
	return "and"
}

// wild stands for an unescaped '*' (a wildcard) in a decoded search value.
const wild = "\x00"

// searchValue decodes a search value from its text as written: quotes
// taken off, \\ a backslash, \" a quote, \| a pipe, \* a literal star,
// other backslashes as they are; an unescaped '*' is a wildcard, returned
// as wild. (Value.Text unescapes \\, so "*\\Users\\*" would end in what
// looks like an escaped star: the raw text tells them apart.) A CASE() or
// TERM() value, or one with a macro glued to it, is read from its Text.
func searchValue(v *spl.Value) (marked string, wildcard bool) {
	raw := v.Raw
	if v.Directive != "" || len(v.Macros) > 0 {
		raw = v.Text
	}
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '"':
			// quotes open and close parts of the value
		case c == '\\' && i+1 < len(raw):
			switch n := raw[i+1]; n {
			case '\\', '"', '|', '*':
				b.WriteByte(n)
				i++
			default:
				b.WriteByte(c)
			}
		case c == '*':
			wildcard = true
			b.WriteString(wild)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), wildcard
}

// patternOf writes a decoded value as the model's pattern: * a wildcard,
// \* a literal star.
func patternOf(marked string) string {
	return strings.ReplaceAll(strings.ReplaceAll(marked, "*", `\*`), wild, "*")
}

// pattern turns a decoded search value into a predicate kind and value: a
// wildcard at either end is contains, startswith or endswith; one inside
// keeps the value as a pattern (wildcards). exists when the value is only
// wildcards.
func pattern(marked string, wildcard bool) (kind, value string, wildcards bool) {
	if !wildcard {
		return rule.OpEq, marked, false
	}
	if strings.Trim(marked, wild) == "" {
		return rule.OpExists, "", false
	}
	lead := strings.HasPrefix(marked, wild)
	core := strings.TrimPrefix(marked, wild)
	trail := strings.HasSuffix(core, wild)
	core = strings.TrimSuffix(core, wild)
	if strings.Contains(core, wild) {
		return rule.OpEq, patternOf(marked), true
	}
	switch {
	case lead && trail:
		return rule.OpContains, core, false
	case lead:
		return rule.OpEndsWith, core, false
	}
	return rule.OpStartsWith, core, false
}

func (l *lowering) searchTerm(n spl.Node, v *spl.Value, neg, cased bool, g *group) {
	if v == nil {
		return
	}
	if v.Directive == "CASE" {
		cased = true
	}
	text, isWild := searchValue(v)
	if strings.Trim(text, wild) == "" && isWild {
		return // * matches every event
	}
	p := rule.Predicate{Kind: rule.OpKeyword, Values: []string{text}, CaseSensitive: cased, Negated: neg, Wildcards: isWild, Text: l.textOf(n)}
	if isWild {
		p.Values[0] = patternOf(text)
	}
	l.addPred(g, p)
}

func (l *lowering) searchCompare(x *spl.SearchCompare, neg bool, g *group) {
	if x.Field == nil || x.Value == nil {
		return
	}
	field := x.Field.Name
	l.keyword(field)
	v := x.Value
	cased := v.Directive == "CASE"
	p := rule.Predicate{Field: field, Negated: neg, CaseSensitive: cased, Text: l.textOf(x)}
	text, wildcard := searchValue(v)
	switch x.Op {
	case spl.Assign, spl.Eq, spl.Neq:
		kind, val, wild := pattern(text, wildcard)
		p.Kind, p.Wildcards = kind, wild
		if kind != rule.OpExists {
			p.Values = []string{val}
		}
		if x.Op == spl.Neq {
			if kind == rule.OpExists {
				// f!=* : no event has f
				p.Negated = !neg
				p.Kind = rule.OpExists
			} else {
				// f!=v: f exists with another value (for a pattern, one
				// the pattern does not match)
				p.Kind, p.Values, p.Wildcards = rule.OpNe, []string{val}, wildcard
				if wildcard {
					p.Values[0] = patternOf(text)
				}
			}
		}
		if !neg && !p.Negated && (x.Op == spl.Assign || x.Op == spl.Eq) && !wildcard {
			l.source(field, val)
		}
	case spl.Lt, spl.Le, spl.Gt, spl.Ge:
		p.Kind = map[spl.Kind]string{spl.Lt: rule.OpLt, spl.Le: rule.OpLe, spl.Gt: rule.OpGt, spl.Ge: rule.OpGe}[x.Op]
		p.Values = []string{strings.ReplaceAll(text, wild, "*")}
	default:
		return
	}
	l.addPred(g, p)
}

func (l *lowering) searchIn(x *spl.SearchIn, neg bool, g *group) {
	if x.Field == nil {
		return
	}
	l.keyword(x.Field.Name)
	p := rule.Predicate{Field: x.Field.Name, Kind: rule.OpIn, Negated: neg, Text: l.textOf(x)}
	texts := make([]string, len(x.Values))
	for i, v := range x.Values {
		if v.Directive == "CASE" {
			p.CaseSensitive = true
		}
		var w bool
		texts[i], w = searchValue(v)
		if w {
			p.Wildcards = true
		}
	}
	for i, v := range x.Values {
		val := texts[i]
		if p.Wildcards {
			val = patternOf(val)
		}
		p.Values = append(p.Values, val)
		if !neg && !p.Wildcards && v.Directive == "" {
			l.source(x.Field.Name, val)
		}
	}
	if len(p.Values) == 1 && !p.Wildcards {
		p.Kind = rule.OpEq
	}
	l.addPred(g, p)
}

// ---- eval expressions (where)

func (l *lowering) evalGroup(x spl.Expr, neg bool, g *group) {
	switch x := x.(type) {
	case nil:
	case *spl.ParenExpr:
		l.evalGroup(x.X, neg, g)
	case *spl.UnaryExpr:
		if x.Op == "NOT" {
			l.evalGroup(x.X, !neg, g)
		}
	case *spl.BinaryExpr:
		switch x.Op {
		case "AND", "OR":
			c := &group{kind: conn(strings.ToLower(x.Op), neg), text: l.textOf(x)}
			for _, t := range flatten(x, x.Op) {
				l.evalGroup(t, neg, c)
			}
			g.into(c)
		case "=", "==", "!=", "<", "<=", ">", ">=":
			l.evalCompare(x, neg, g)
		case "LIKE":
			l.like(x, x.X, x.Y, neg, g)
		}
	case *spl.InExpr:
		field, fold, ok := l.subject(x.X)
		if !ok {
			return
		}
		p := rule.Predicate{Field: field, Kind: rule.OpIn, CaseSensitive: !fold, Negated: neg, Text: l.textOf(x)}
		for _, v := range x.Values {
			if s, ok := literal(v); ok {
				p.Values = append(p.Values, s)
			}
		}
		if len(p.Values) > 0 {
			l.addPred(g, p)
		}
	case *spl.CallExpr:
		l.evalCall(x, neg, g)
	}
}

// flatten returns the operands of a chain of op.
func flatten(x spl.Expr, op string) []spl.Expr {
	if b, ok := x.(*spl.BinaryExpr); ok && b.Op == op {
		return append(flatten(b.X, op), flatten(b.Y, op)...)
	}
	return []spl.Expr{x}
}

// literal returns the value of a string or number.
func literal(x spl.Expr) (string, bool) {
	switch x := x.(type) {
	case *spl.StringLit:
		return x.Value, true
	case *spl.NumberLit:
		return x.Raw, true
	case *spl.UnaryExpr:
		if n, ok := x.X.(*spl.NumberLit); ok && x.Op == "-" {
			return "-" + n.Raw, true
		}
	case *spl.ParenExpr:
		return literal(x.X)
	}
	return "", false
}

// subject returns the field an operand tests: a field, or lower(f) and
// upper(f) (compared ignoring case), or another call as written.
func (l *lowering) subject(x spl.Expr) (field string, fold, ok bool) {
	switch x := x.(type) {
	case *spl.Field:
		l.keyword(x.Name)
		return x.Name, false, true
	case *spl.ParenExpr:
		return l.subject(x.X)
	case *spl.CallExpr:
		fn := strings.ToLower(x.Func.Name)
		if (fn == "lower" || fn == "upper") && len(x.Args) == 1 {
			if f, _, ok := l.subject(x.Args[0]); ok {
				return f, true, true
			}
		}
		return l.textOf(x), false, true
	}
	return "", false, false
}

func mirrorOp(op string) string {
	switch op {
	case "<":
		return ">"
	case "<=":
		return ">="
	case ">":
		return "<"
	case ">=":
		return "<="
	}
	return op
}

func (l *lowering) evalCompare(x *spl.BinaryExpr, neg bool, g *group) {
	lhs, rhs, op := x.X, x.Y, x.Op
	if _, ok := literal(lhs); ok {
		lhs, rhs, op = rhs, lhs, mirrorOp(op)
	}
	val, ok := literal(rhs)
	if !ok {
		l.subject(lhs)
		l.subject(rhs)
		return // two fields compared
	}
	field, fold, ok := l.subject(lhs)
	if !ok {
		return
	}
	if neg {
		// a comparison with a missing field is false, and so is its NOT
		op = map[string]string{"=": "!=", "==": "!=", "!=": "=", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}[op]
	}
	p := rule.Predicate{Field: field, Values: []string{val}, CaseSensitive: !fold, Text: l.textOf(x)}
	switch op {
	case "=", "==":
		p.Kind = rule.OpEq
	case "!=":
		p.Kind = rule.OpNe
	default:
		p.Kind = map[string]string{"<": rule.OpLt, "<=": rule.OpLe, ">": rule.OpGt, ">=": rule.OpGe}[op]
	}
	l.addPred(g, p)
}

// like lowers like(f, "pattern") and f LIKE "pattern".
func (l *lowering) like(n spl.Node, fx, px spl.Expr, neg bool, g *group) {
	field, fold, ok := l.subject(fx)
	pat, ok2 := literal(px)
	if !ok || !ok2 {
		return
	}
	p := rule.Predicate{Field: field, CaseSensitive: !fold, Negated: neg, Text: l.textOf(n)}
	core := strings.TrimSuffix(strings.TrimPrefix(pat, "%"), "%")
	lead, trail := strings.HasPrefix(pat, "%"), len(pat) > 1 && strings.HasSuffix(pat, "%")
	switch {
	case strings.ContainsAny(core, "%_"):
		// a pattern: % any run, _ one character
		r := strings.NewReplacer("*", `\*`, "?", `\?`, "%", "*", "_", "?")
		p.Kind, p.Values, p.Wildcards = rule.OpEq, []string{r.Replace(pat)}, true
	case lead && trail:
		p.Kind, p.Values = rule.OpContains, []string{core}
	case lead:
		p.Kind, p.Values = rule.OpEndsWith, []string{core}
	case trail:
		p.Kind, p.Values = rule.OpStartsWith, []string{core}
	default:
		p.Kind, p.Values = rule.OpEq, []string{core}
	}
	if core == "" {
		p.Kind, p.Values, p.Wildcards = rule.OpExists, nil, false
	}
	l.addPred(g, p)
}

func (l *lowering) evalCall(x *spl.CallExpr, neg bool, g *group) {
	fn := strings.ToLower(x.Func.Name)
	switch {
	case fn == "like" && len(x.Args) == 2:
		l.like(x, x.Args[0], x.Args[1], neg, g)
	case fn == "match" && len(x.Args) == 2:
		field, fold, ok := l.subject(x.Args[0])
		re, ok2 := literal(x.Args[1])
		if !ok || !ok2 {
			return
		}
		cased := !fold && !strings.HasPrefix(re, "(?i)")
		l.addPred(g, rule.Predicate{Field: field, Kind: rule.OpRegex, Values: []string{re}, CaseSensitive: cased, Negated: neg, Text: l.textOf(x)})
	case (fn == "isnull" || fn == "isnotnull") && len(x.Args) == 1:
		field, _, ok := l.subject(x.Args[0])
		if !ok {
			return
		}
		l.addPred(g, rule.Predicate{Field: field, Kind: rule.OpExists, Negated: (fn == "isnull") != neg, Text: l.textOf(x)})
	case fn == "cidrmatch" && len(x.Args) == 2:
		cidr, ok := literal(x.Args[0])
		field, _, ok2 := l.subject(x.Args[1])
		if !ok || !ok2 {
			return
		}
		l.addPred(g, rule.Predicate{Field: field, Kind: rule.OpCIDR, Values: []string{cidr}, Negated: neg, Text: l.textOf(x)})
	case fn == "in" && len(x.Args) >= 2:
		field, fold, ok := l.subject(x.Args[0])
		if !ok {
			return
		}
		p := rule.Predicate{Field: field, Kind: rule.OpIn, CaseSensitive: !fold, Negated: neg, Text: l.textOf(x)}
		for _, a := range x.Args[1:] {
			if s, ok := literal(a); ok {
				p.Values = append(p.Values, s)
			}
		}
		if len(p.Values) > 0 {
			l.addPred(g, p)
		}
	}
}

// addPred adds p to g, and to the indicators when positive and literal.
func (l *lowering) addPred(g *group, p rule.Predicate) {
	if p.Values == nil {
		p.Values = []string{}
	}
	g.preds = append(g.preds, p)
	l.indicator(p)
}

// sourceFields are the fields that say which events a search reads.
var sourceFields = map[string]bool{"index": true, "sourcetype": true, "source": true, "eventtype": true}

type indKey struct {
	field, kind string
	cased, all  bool
	wild        bool
}

// indicator adds a positive predicate with values to the indicators (not
// the fields that choose the data: index, sourcetype, source, eventtype).
func (l *lowering) indicator(p rule.Predicate) {
	switch p.Kind {
	case rule.OpExists, rule.OpNe, rule.OpLt, rule.OpLe, rule.OpGt, rule.OpGe:
		return // no value matched: a presence, a difference, a threshold
	}
	if p.Negated || len(p.Values) == 0 || sourceFields[strings.ToLower(p.Field)] {
		return
	}
	if l.indIndex == nil {
		l.indIndex = map[indKey]int{}
	}
	k := indKey{p.Field, p.Kind, p.CaseSensitive, p.All, p.Wildcards}
	i, ok := l.indIndex[k]
	if !ok {
		i = len(l.r.Indicators)
		l.indIndex[k] = i
		l.r.Indicators = append(l.r.Indicators, rule.Indicator{Field: p.Field, Kind: p.Kind, CaseSensitive: p.CaseSensitive, All: p.All, Wildcards: p.Wildcards})
	}
	in := &l.r.Indicators[i]
	for _, v := range p.Values {
		if !containsExact(in.Values, v) {
			in.Values = append(in.Values, v)
		}
	}
}

func containsExact(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
