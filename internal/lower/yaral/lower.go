package loweryaral

import (
	"strings"
	"unicode/utf8"

	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/lang/yaral"
	"github.com/ruledex/ruledex/internal/lower"
	"github.com/ruledex/ruledex/internal/rule"
)

// The YARA-L lowering. What it makes of a rule (the meaning is the one
// package yaral's doc gives, from Google's reference):
//
//   - Stages: one "events" stage per event variable, in order of first use,
//     its Source what the variable's lines pin: "UDM" and the event types
//     (metadata.event_type), with the log type (metadata.log_type) or else
//     the product (metadata.product_name); "entity graph" and the entity
//     type for a variable of the entity graph ($e.graph...). Its Text is
//     its lines of the events section. Then "match", "outcome" and
//     "condition" stages for the sections there are.
//   - Predicates: the lines of the events section are ANDed, so the
//     predicates of an event stage all hold; a line (or a part of one) that
//     is an `or` is an inner stage of kind "or" whose predicates (and inner
//     "and" stages) are its alternatives. `not` is pushed down to the
//     comparisons (De Morgan), so a predicate's Negated is its own.
//     Fields are UDM paths without the event variable
//     (target.process.command_line); a literal on the left is put on the
//     right (`"x" = $e.f` is `$e.f = "x"`, `5 < $e.n` is `$e.n > 5`).
//     Kinds: = eq, != a negated eq, < <= > >= lt le gt ge; = /re/ and
//     re.regex() regex (RE2, unanchored: it matches a substring, so a
//     pattern is never a whole-value test unless it says ^ and $);
//     strings.contains/starts_with/ends_with contains/startswith/endswith;
//     net.ip_in_range_cidr cidr; arrays.contains eq; `in %list` in, `in
//     regex %list` regex, `in cidr %list` cidr, each with the list's name
//     ("%list") as its value: a reference list is a named set whose lines
//     the rule does not hold. `= ""` is a negated exists, `!= ""` exists.
//     Case: string tests are case-sensitive; `nocase`, a (?i) pattern, or
//     the field under strings.to_lower/to_upper makes one case-insensitive.
//     No value is a wildcard pattern. `any`/`all` on a repeated field: All
//     says every element must match; `all $e.ip != "x"` (no element is x)
//     is a negated `any ... = "x"`, `not all $e.ip = "x"` a negated `all`.
//   - Joins: a placeholder bound to fields of two events, or a comparison
//     of two events' fields, is a predicate of the later event's stage: its
//     field, and as value the other event's field ("$e1.target.user.userid").
//     Other placeholder bindings are Params (kind "placeholder").
//   - Indicators: the positive predicates of the event stages with literal
//     values (not joins, not reference lists, not exists).
//   - Outputs: the outcome variables ($risk_score...), each with its
//     expression; $risk_score has the entity "Risk score".
//   - GroupBy: the match variables; TimeWindow: the match window;
//     Settings match_window (hop, tumbling, sliding before|after $e),
//     and each option.
//   - Condition: predicates $e (exists), !$e (negated exists), #e > 5 (on
//     field "#e"), $outcome > 10; Trigger is the condition's text.
//   - Tables: "udm" and/or "entity_graph", then every log type pinned.
//     Functions: every function called. Operators: the sections, then the
//     operator words used (not, or, nocase, in, in regex, in cidr, any,
//     all). Keywords: every UDM field named.

// Lower fills the query-derived parts of a YARA-L rule. it.Doc is the
// parsed file and rule the format read; without it the rule's query is
// parsed.
func Lower(it lang.Item) {
	r := it.Rule
	var src string
	var yr *yaral.Rule
	if d, ok := it.Doc.(*doc); ok && d != nil && d.rule != nil {
		src, yr = d.file.Src, d.rule
	} else {
		f, errs := yaral.Parse([]byte(r.Query))
		if len(f.Rules) == 0 {
			for _, e := range errs {
				r.AddDiagnostic(e.Severity.String(), r.QueryLine+e.Line-1, e.Col, e.Msg)
			}
			return
		}
		src, yr = f.Src, f.Rules[0]
	}
	l := &lowering{r: r, yr: yr, src: src, seen: map[string]bool{}, stageOf: map[string]int{}}
	l.lower()
}

type lowering struct {
	r       *rule.Rule
	yr      *yaral.Rule
	src     string
	seen    map[string]bool // kind + name of what was listed (functions, operators, keywords...)
	events  []*eventStage
	stageOf map[string]int // event variable → index in events
	ex      lower.Explainer
	// collect is set while the events section is lowered: its positive
	// literal tests are the indicators
	collect  bool
	indIndex map[indKey]int
}

// eventStage is an event variable's stage being built.
type eventStage struct {
	name  string
	graph bool
	texts []string
	pos   int // offset of its first text, -1 when none
	node  group
}

// group is a set of predicates and inner groups that all hold ("and") or
// of which one holds ("or").
type group struct {
	kind   string
	text   string
	pos    int
	preds  []rule.Predicate
	groups []*group
	seq    []int // source order: i >= 0 is preds[i], i < 0 groups[-i-1]
}

func (l *lowering) once(kind, s string, list *[]string) {
	if s == "" || l.seen[kind+"\x00"+s] {
		return
	}
	l.seen[kind+"\x00"+s] = true
	*list = append(*list, s)
}

func (l *lowering) text(n yaral.Node) string {
	sp := n.Span()
	if sp.Start < 0 || sp.End > len(l.src) || sp.Start > sp.End {
		return ""
	}
	return l.src[sp.Start:sp.End]
}

// position returns the line of off in the rule's query (1-based) and its
// column in the file's line (in runes).
func (l *lowering) position(off int) (line, col int) {
	base := l.yr.Pos
	if off < base || off > len(l.src) {
		return 0, 0
	}
	line = 1 + strings.Count(l.src[base:off], "\n")
	start := strings.LastIndexByte(l.src[:off], '\n') + 1
	return line, utf8.RuneCountInString(l.src[start:off]) + 1
}

func (l *lowering) lower() {
	r, yr := l.r, l.yr
	for _, s := range yr.Sections {
		switch s.(type) {
		case *yaral.EventsSection:
			l.once("op", "events", &r.Operators)
		case *yaral.MatchSection:
			l.once("op", "match", &r.Operators)
		case *yaral.OutcomeSection:
			l.once("op", "outcome", &r.Operators)
		case *yaral.ConditionSection:
			l.once("op", "condition", &r.Operators)
		case *yaral.OptionsSection:
			l.once("op", "options", &r.Operators)
		}
	}
	l.walkNames()
	l.lowerEvents()
	l.lowerMatch()
	l.lowerOutcome()
	l.lowerCondition()
	l.lowerOptions()
	for i := range r.Stages {
		r.Stages[i].N = i + 1
	}
	l.ex.Set(r)
}

// walkNames lists the functions called, the operator words used and the
// fields named, in order of appearance.
func (l *lowering) walkNames() {
	r := l.r
	for _, s := range l.yr.Sections {
		switch s.(type) {
		case *yaral.MetaSection, *yaral.OptionsSection:
			continue
		}
		yaral.Inspect(s, func(n yaral.Node) bool {
			switch n := n.(type) {
			case *yaral.Call:
				l.once("fn", n.Func.Name, &r.Functions)
				if n.Nocase {
					l.once("op", "nocase", &r.Operators)
				}
			case *yaral.Field:
				l.once("kw", n.Path(), &r.Keywords)
				return false
			case *yaral.Compare:
				if n.Nocase {
					l.once("op", "nocase", &r.Operators)
				}
			case *yaral.In:
				switch n.Mode {
				case yaral.InRegex:
					l.once("op", "in regex", &r.Operators)
				case yaral.InCIDR:
					l.once("op", "in cidr", &r.Operators)
				default:
					l.once("op", "in", &r.Operators)
				}
				if n.Nocase {
					l.once("op", "nocase", &r.Operators)
				}
			case *yaral.Binary:
				if n.Op == yaral.KwOr {
					l.once("op", "or", &r.Operators)
				}
			case *yaral.Unary:
				if n.Op == yaral.KwNot {
					l.once("op", "not", &r.Operators)
				}
			case *yaral.Quantified:
				if n.Quant == yaral.KwAll {
					l.once("op", "all", &r.Operators)
				} else {
					l.once("op", "any", &r.Operators)
				}
			}
			return true
		})
	}
}

// ---- events

// eventVars returns the event variables whose fields x names, in order.
func eventVars(x yaral.Node) []string {
	var out []string
	yaral.Inspect(x, func(n yaral.Node) bool {
		if f, ok := n.(*yaral.Field); ok {
			for _, v := range out {
				if v == f.Var.Name {
					return false
				}
			}
			out = append(out, f.Var.Name)
			return false
		}
		return true
	})
	return out
}

func (l *lowering) stage(name string) *eventStage {
	if i, ok := l.stageOf[name]; ok {
		return l.events[i]
	}
	st := &eventStage{name: name, pos: -1, node: group{kind: "and"}}
	l.stageOf[name] = len(l.events)
	l.events = append(l.events, st)
	return st
}

// isBinding tells whether x is `$p = $e.f` or `$e.f = $p`.
func isBinding(x yaral.Expr) bool {
	c, ok := unparen(x).(*yaral.Compare)
	if !ok || c.Op != yaral.Eq {
		return false
	}
	_, fx := c.X.(*yaral.Field)
	_, fy := c.Y.(*yaral.Field)
	vx, okx := c.X.(*yaral.Var)
	vy, oky := c.Y.(*yaral.Var)
	return fx && oky && !vy.Count || fy && okx && !vx.Count
}

// isFieldJoin tells whether x compares fields of two different events.
func isFieldJoin(x yaral.Expr) bool {
	c, ok := unparen(x).(*yaral.Compare)
	if !ok {
		return false
	}
	fx, okx := c.X.(*yaral.Field)
	fy, oky := c.Y.(*yaral.Field)
	return okx && oky && fx.Var.Name != fy.Var.Name
}

func unparen(x yaral.Expr) yaral.Expr {
	for {
		p, ok := x.(*yaral.Paren)
		if !ok {
			return x
		}
		x = p.X
	}
}

func (l *lowering) lowerEvents() {
	r, yr := l.r, l.yr
	ev := yr.Events()
	if ev == nil {
		return
	}
	// Stages in order of the event variables' first use.
	for _, name := range yr.Variables().Events {
		l.stage(name)
	}
	for _, line := range ev.Lines {
		if _, bad := line.(*yaral.Bad); bad {
			continue
		}
		type part struct {
			x  yaral.Expr
			st *eventStage
		}
		var parts []part
		for _, c := range yaral.Conjuncts(line) {
			vars := eventVars(c)
			var st *eventStage
			for _, v := range vars {
				if s := l.stage(v); st == nil || l.stageOf[s.name] > l.stageOf[st.name] {
					st = s
				}
			}
			if st == nil {
				if len(l.events) == 0 {
					l.stage("")
				}
				st = l.events[0]
			}
			parts = append(parts, part{c, st})
		}
		same := true
		for _, p := range parts {
			if p.st != parts[0].st {
				same = false
			}
		}
		for i, p := range parts {
			switch {
			case same && i == 0:
				l.addText(p.st, line)
			case !same:
				l.addText(p.st, p.x)
			}
			if isBinding(p.x) || isFieldJoin(p.x) {
				continue // a binding or a join: see bindings below
			}
			l.collect = true
			l.lowerBool(p.x, p.x, false, &p.st.node)
			l.collect = false
		}
	}
	// Placeholders: joins between events, or named values of one event.
	var joins []string
	for _, j := range yr.Joins() {
		a, b := j.Left, j.Right
		op := j.Op
		if l.stageOf[a.Var.Name] > l.stageOf[b.Var.Name] {
			a, b = b, a
			op = mirror(op)
		}
		// the predicate is on b, the later event: b.field op a.field
		p := rule.Predicate{Field: b.Path(), Kind: compareKind(mirror(op)), Values: []string{"$" + a.Var.Name + "." + a.Path()},
			CaseSensitive: op == yaral.Eq || op == yaral.NotEq}
		if op == yaral.NotEq {
			p.Kind, p.Negated = rule.OpEq, true
		}
		rel := "$" + b.Var.Name + "." + b.Path() + " " + opText(mirror(op)) + " $" + a.Var.Name + "." + a.Path()
		p.Text = rel
		through := ""
		if j.Via != nil {
			p.Text = "$" + j.Via.Name + ": " + rel
			through = " (through $" + j.Via.Name + ")"
		}
		st := l.stage(b.Var.Name)
		st.node.preds = append(st.node.preds, p)
		joins = append(joins, "It joins $"+b.Var.Name+" to $"+a.Var.Name+" where "+rel+through+".")
	}
	for _, b := range yr.Bindings() {
		name := "$" + b.Placeholder.Name
		v := "$" + b.Field.Var.Name + "." + b.Field.Path()
		if !l.seen["param\x00"+name+"\x00"+v] {
			l.seen["param\x00"+name+"\x00"+v] = true
			r.Params = append(r.Params, rule.Param{Name: name, Kind: "placeholder", Value: v})
		}
	}
	var sources []string
	var tests []rule.ExplainPart
	for _, st := range l.events {
		s := l.eventStageOut(st)
		r.Stages = append(r.Stages, s)
		sources = append(sources, "$"+st.name+" ("+s.Source+")")
		if d := describeGroup(&st.node, 0); d != "" {
			tests = append(tests, rule.ExplainPart{Text: lower.Sentence("For $" + st.name + ", it matches events where " + d), Stage: len(r.Stages)})
		}
	}
	if len(sources) > 0 {
		intro := "It reads the event " + sources[0]
		if len(sources) > 1 {
			intro = "It reads " + itoa(len(sources)) + " events: " + lower.JoinWords(sources, "and")
		}
		l.ex.Say(0, intro)
	}
	for _, t := range tests {
		l.ex.Add(t)
	}
	for _, j := range joins {
		l.ex.Say(0, j)
	}
}

func (l *lowering) addText(st *eventStage, x yaral.Node) {
	t := l.text(x)
	if t == "" {
		return
	}
	if st.pos < 0 {
		st.pos = x.Span().Start
	}
	st.texts = append(st.texts, t)
}

// eventStageOut makes the stage of an event variable.
func (l *lowering) eventStageOut(st *eventStage) rule.Stage {
	out := rule.Stage{Kind: "events", Text: strings.Join(st.texts, "\n")}
	if st.pos >= 0 {
		out.Line, out.Col = l.position(st.pos)
	}
	out.Predicates = st.node.preds
	for _, g := range st.node.groups {
		out.Stages = append(out.Stages, l.groupStage(g))
	}
	for i := range out.Stages {
		out.Stages[i].N = i + 1
	}
	// What the stage pins: event or entity types, log types, products.
	var types, logTypes, products []string
	graph := false
	pins := func(preds []rule.Predicate) {
		for _, p := range preds {
			if strings.HasPrefix(p.Field, "graph.") {
				graph = true
			}
			if p.Negated || p.Kind != rule.OpEq {
				continue
			}
			f := strings.TrimPrefix(p.Field, "graph.")
			switch f {
			case "metadata.event_type", "metadata.entity_type":
				types = appendNew(types, p.Values...)
			case "metadata.log_type":
				logTypes = appendNew(logTypes, p.Values...)
			case "metadata.product_name":
				products = appendNew(products, p.Values...)
			}
		}
	}
	pins(st.node.preds)
	for _, g := range st.node.groups {
		if g.kind == "or" && len(g.groups) == 0 {
			pins(g.preds)
		}
	}
	if !graph {
		for _, t := range st.texts {
			if strings.Contains(t, "$"+st.name+".graph.") {
				graph = true
			}
		}
	}
	st.graph = graph
	src := "UDM"
	table := "udm"
	if graph {
		src, table = "entity graph", "entity_graph"
	}
	l.once("table", table, &l.r.Tables)
	for _, t := range logTypes {
		l.once("table", t, &l.r.Tables)
	}
	if len(types) > 0 {
		src += " " + strings.Join(types, " or ")
	}
	switch {
	case len(logTypes) > 0:
		src += ", log type " + strings.Join(logTypes, " or ")
	case len(products) > 0:
		src += ", product " + strings.Join(products, " or ")
	}
	out.Source = src
	return out
}

func appendNew(ss []string, vs ...string) []string {
	for _, v := range vs {
		dup := false
		for _, s := range ss {
			if s == v {
				dup = true
			}
		}
		if !dup {
			ss = append(ss, v)
		}
	}
	return ss
}

// groupStage makes the inner stage of an "or" (or "and") group.
func (l *lowering) groupStage(g *group) rule.Stage {
	out := rule.Stage{Kind: g.kind, Text: g.text, Predicates: g.preds}
	if g.pos >= 0 {
		out.Line, out.Col = l.position(g.pos)
	}
	for _, c := range g.groups {
		out.Stages = append(out.Stages, l.groupStage(c))
	}
	for i := range out.Stages {
		out.Stages[i].N = i + 1
	}
	return out
}

// lowerBool adds the predicates of x, negated when neg, to g. outer is the
// expression whose text stands for x (a `not` or parentheses around it).
func (l *lowering) lowerBool(x, outer yaral.Expr, neg bool, g *group) {
	switch n := x.(type) {
	case *yaral.Paren:
		l.lowerBool(n.X, outer, neg, g)
		return
	case *yaral.Unary:
		if n.Op == yaral.KwNot || n.Op == yaral.Bang {
			l.lowerBool(n.X, outer, !neg, g)
			return
		}
	case *yaral.Binary:
		if n.Op == yaral.KwAnd || n.Op == yaral.KwOr {
			kind := "and"
			if (n.Op == yaral.KwOr) != neg {
				kind = "or"
			}
			if kind == g.kind {
				l.lowerBool(n.X, n.X, neg, g)
				l.lowerBool(n.Y, n.Y, neg, g)
				return
			}
			child := &group{kind: kind, text: l.text(outer), pos: outer.Span().Start}
			l.lowerBool(n.X, n.X, neg, child)
			l.lowerBool(n.Y, n.Y, neg, child)
			g.groups = append(g.groups, child)
			g.seq = append(g.seq, -len(g.groups))
			return
		}
	}
	if p, literal, ok := l.leaf(x, neg); ok {
		p.Text = l.text(outer)
		g.preds = append(g.preds, p)
		g.seq = append(g.seq, len(g.preds)-1)
		if literal && l.collect {
			l.indicator(p)
		}
	}
}

// subject returns the field a comparison tests: a UDM path without its
// event variable, a placeholder or outcome variable ($p), a count (#e), or
// the text of a call that is not a case conversion. fold is set when the
// field is under strings.to_lower or strings.to_upper.
func (l *lowering) subject(x yaral.Expr) (field string, fold, ok bool) {
	switch n := unparen(x).(type) {
	case *yaral.Field:
		return n.Path(), false, true
	case *yaral.Var:
		if n.Count {
			return "#" + n.Name, false, true
		}
		return "$" + n.Name, false, true
	case *yaral.Quantified:
		return l.subject(n.X)
	case *yaral.Call:
		switch strings.ToLower(n.Func.Name) {
		case "strings.to_lower", "strings.to_upper":
			if len(n.Args) == 1 {
				f, _, ok := l.subject(n.Args[0])
				return f, true, ok
			}
		}
		return stripVars(yaral.Print(n)), false, true
	}
	return "", false, false
}

// stripVars drops the event variables of the fields in a printed
// expression ($e.principal.ip → principal.ip).
func stripVars(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '$' {
			j := i + 1
			for j < len(s) && (s[j] == '_' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= '0' && s[j] <= '9') {
				j++
			}
			if j < len(s) && s[j] == '.' {
				i = j
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// isOperand tells whether x is a literal or a list: what stands on the
// right of a comparison.
func isOperand(x yaral.Expr) bool {
	switch x.(type) {
	case *yaral.String, *yaral.Regex, *yaral.Number, *yaral.Bool, *yaral.DurationLit, *yaral.ListRef:
		return true
	case *yaral.Unary:
		return true // -5
	}
	return false
}

func mirror(op yaral.Kind) yaral.Kind {
	switch op {
	case yaral.Less:
		return yaral.Great
	case yaral.LessEq:
		return yaral.GreatEq
	case yaral.Great:
		return yaral.Less
	case yaral.GreatEq:
		return yaral.LessEq
	}
	return op
}

func compareKind(op yaral.Kind) string {
	switch op {
	case yaral.Less:
		return rule.OpLt
	case yaral.LessEq:
		return rule.OpLe
	case yaral.Great:
		return rule.OpGt
	case yaral.GreatEq:
		return rule.OpGe
	}
	return rule.OpEq
}

func opText(op yaral.Kind) string { return op.String() }

// value returns the value a comparison's operand stands for, whether it
// is a string (for which case matters), and whether it is a literal (a
// value of the data, not a list, a field or an expression).
func (l *lowering) value(x yaral.Expr) (v string, str, literal bool) {
	switch n := unparen(x).(type) {
	case *yaral.String:
		return n.Value, true, true
	case *yaral.Regex:
		return n.Pattern, true, true
	case *yaral.Number:
		return n.Raw, false, true
	case *yaral.Bool:
		if n.Value {
			return "true", false, true
		}
		return "false", false, true
	case *yaral.Unary:
		if num, ok := n.X.(*yaral.Number); ok && n.Op == yaral.Minus {
			return "-" + num.Raw, false, true
		}
	case *yaral.ListRef:
		return listName(n), false, false
	case *yaral.Field:
		return "$" + n.Var.Name + "." + n.Path(), false, false
	}
	return yaral.Print(x), false, false
}

func listName(n *yaral.ListRef) string {
	if n.Column != "" {
		return "%" + n.Name + "." + n.Column
	}
	return "%" + n.Name
}

// caseSensitive says whether a string test is: not under nocase, not on a
// lower- or upper-cased field, and not a (?i) pattern.
func caseSensitive(nocase, fold bool, pattern string) bool {
	if nocase || fold {
		return false
	}
	return !strings.HasPrefix(pattern, "(?i)")
}

// leaf lowers one test; literal tells whether its value is a literal of
// the data.
func (l *lowering) leaf(x yaral.Expr, neg bool) (p rule.Predicate, literal, ok bool) {
	switch n := x.(type) {
	case *yaral.Quantified:
		q, lit, ok := l.leaf(n.X, false)
		if !ok {
			return q, false, false
		}
		// Q elements satisfy (not T) = not (Q' elements satisfy T).
		all := n.Quant == yaral.KwAll
		if q.Negated {
			all = !all
		}
		q.All = all
		q.Negated = q.Negated != neg
		return q, lit, true
	case *yaral.Compare:
		X, Y, op := n.X, n.Y, n.Op
		if isOperand(X) && !isOperand(Y) {
			X, Y, op = Y, X, mirror(op)
		}
		field, fold, okf := l.subject(X)
		if !okf {
			return p, false, false
		}
		if q, isQ := unparen(X).(*yaral.Quantified); isQ {
			// any $e.f = "x" written with the quantifier on the field
			inner := &yaral.Compare{X: q.X, Op: op, Y: Y, Nocase: n.Nocase, End: n.End}
			return l.leaf(&yaral.Quantified{Quant: q.Quant, Pos: q.Pos, X: inner}, neg)
		}
		v, str, lit := l.value(Y)
		literal = lit
		p = rule.Predicate{Field: field, Kind: compareKind(op), Values: []string{v}}
		if _, re := unparen(Y).(*yaral.Regex); re {
			p.Kind = rule.OpRegex
		}
		if _, list := unparen(Y).(*yaral.ListRef); list && (op == yaral.Eq || op == yaral.NotEq) {
			p.Kind = rule.OpIn // a data table's column: one of its values
		}
		if op == yaral.NotEq {
			p.Negated = true
		}
		if s, ok := unparen(Y).(*yaral.String); ok && s.Value == "" && (op == yaral.Eq || op == yaral.NotEq) {
			// = "" is an empty (unset) field; != "" a set one
			p.Kind, p.Values, p.Negated = rule.OpExists, nil, op == yaral.Eq
		}
		if str {
			p.CaseSensitive = caseSensitive(n.Nocase, fold, v)
		}
	case *yaral.In:
		field, fold, okf := l.subject(n.X)
		if !okf || n.List == nil {
			return p, false, false
		}
		p = rule.Predicate{Field: field, Kind: rule.OpIn, Values: []string{listName(n.List)}}
		switch n.Mode {
		case yaral.InRegex:
			p.Kind = rule.OpRegex
		case yaral.InCIDR:
			p.Kind = rule.OpCIDR
		}
		if p.Kind != rule.OpCIDR {
			p.CaseSensitive = caseSensitive(n.Nocase, fold, "")
		}
		if q, ok := unparen(n.X).(*yaral.Quantified); ok {
			p.All = q.Quant == yaral.KwAll
		}
	case *yaral.Call:
		name := strings.ToLower(n.Func.Name)
		kind := ""
		switch name {
		case "re.regex":
			kind = rule.OpRegex
		case "strings.contains":
			kind = rule.OpContains
		case "strings.starts_with":
			kind = rule.OpStartsWith
		case "strings.ends_with":
			kind = rule.OpEndsWith
		case "net.ip_in_range_cidr":
			kind = rule.OpCIDR
		case "arrays.contains":
			kind = rule.OpEq
		default:
			return p, false, false
		}
		if len(n.Args) != 2 {
			return p, false, false
		}
		field, fold, okf := l.subject(n.Args[0])
		if !okf {
			return p, false, false
		}
		v, str, lit := l.value(n.Args[1])
		literal = lit
		p = rule.Predicate{Field: field, Kind: kind, Values: []string{v}}
		if q, ok := unparen(n.Args[0]).(*yaral.Quantified); ok {
			p.All = q.Quant == yaral.KwAll
		}
		if str && kind != rule.OpCIDR {
			p.CaseSensitive = caseSensitive(n.Nocase, fold, v)
		}
	case *yaral.Var:
		// the condition: $e (an event or placeholder that must exist)
		if n.Count {
			return p, false, false
		}
		p = rule.Predicate{Field: "$" + n.Name, Kind: rule.OpExists}
	default:
		return p, false, false
	}
	p.Negated = p.Negated != neg
	if p.Values == nil {
		p.Values = []string{}
	}
	return p, literal && p.Kind != rule.OpExists, true
}

// ---- match, outcome, condition, options

func (l *lowering) sectionText(s yaral.Node, colon int) string {
	sp := s.Span()
	if colon+1 > sp.End || colon < 0 {
		return ""
	}
	return strings.TrimSpace(l.src[colon+1 : sp.End])
}

func (l *lowering) lowerMatch() {
	m := l.yr.Match()
	if m == nil {
		return
	}
	r := l.r
	st := rule.Stage{Kind: "match", Text: l.sectionText(m, m.Colon)}
	st.Line, st.Col = l.position(m.Pos)
	var vars []string
	for _, v := range m.Vars {
		vars = append(vars, "$"+v.Name)
		r.GroupBy = append(r.GroupBy, "$"+v.Name)
	}
	window := ""
	if m.Duration != nil {
		window = m.Duration.Raw
		st.TimeWindow = window
		r.TimeWindow = window
	}
	kind := "hop"
	switch m.Window {
	case yaral.TumblingWindow:
		kind = "tumbling"
	case yaral.SlidingWindow:
		kind = "sliding " + m.Edge.String()
		if m.Pivot != nil {
			kind += " $" + m.Pivot.Name
		}
	}
	if window != "" {
		setting(r, "match_window", kind)
	}
	r.Stages = append(r.Stages, st)
	s := "It groups the matches by " + lower.JoinWords(vars, "and")
	if window != "" {
		s += " over " + window + " (" + kind + " window)"
	}
	l.ex.Say(len(r.Stages), s)
}

func (l *lowering) lowerOutcome() {
	o := l.yr.Outcome()
	if o == nil {
		return
	}
	r := l.r
	st := rule.Stage{Kind: "outcome", Text: l.sectionText(o, o.Colon)}
	st.Line, st.Col = l.position(o.Pos)
	n := len(r.Stages) + 1
	var made []string
	for _, a := range o.Assigns {
		out := rule.OutputField{Name: "$" + a.Var.Name, Source: "outcome", Stage: n}
		if a.Value != nil {
			out.Expr = yaral.Print(a.Value)
		}
		name := out.Name
		if strings.EqualFold(a.Var.Name, "risk_score") {
			out.Entity = "Risk score"
			name += " (the risk score)"
		}
		r.Outputs = append(r.Outputs, out)
		made = append(made, lower.Derived(name, outcomeHow(out.Expr), out.Expr))
	}
	r.Stages = append(r.Stages, st)
	if len(made) > 8 {
		made = append(made[:8], itoa(len(made)-8)+" more")
	}
	if len(made) > 0 {
		l.ex.Say(n, "It outputs: "+strings.Join(made, "; "))
	}
}

func (l *lowering) lowerCondition() {
	c := l.yr.Condition()
	if c == nil {
		return
	}
	r := l.r
	st := rule.Stage{Kind: "condition", Text: l.sectionText(c, c.Colon)}
	st.Line, st.Col = l.position(c.Pos)
	if c.Expr != nil {
		g := &group{kind: "and", pos: -1}
		l.lowerBool(c.Expr, c.Expr, false, g)
		st.Predicates = g.preds
		for _, x := range g.groups {
			st.Stages = append(st.Stages, l.groupStage(x))
		}
		for i := range st.Stages {
			st.Stages[i].N = i + 1
		}
		r.Trigger = strings.Join(strings.Fields(yaral.Print(c.Expr)), " ")
	}
	r.Stages = append(r.Stages, st)
	if r.Trigger != "" {
		l.ex.Say(len(r.Stages), "It fires when "+r.Trigger+" (its condition)")
	}
}

func (l *lowering) lowerOptions() {
	o := l.yr.Options()
	if o == nil {
		return
	}
	for _, kv := range o.Options {
		if kv.Value != nil {
			setting(l.r, kv.Key.Name, strings.TrimSpace(yaral.Print(kv.Value)))
		}
	}
}

// ---- indicators

type indKey struct {
	field, kind string
	cased, all  bool
}

// indicator adds the values of a positive predicate of an event stage
// with a literal value to the indicators: by (field, kind, case, all),
// values in order.
func (l *lowering) indicator(p rule.Predicate) {
	if p.Negated || p.Kind == rule.OpExists || len(p.Values) == 0 || strings.HasPrefix(p.Field, "$") || strings.HasPrefix(p.Field, "#") {
		return
	}
	if l.indIndex == nil {
		l.indIndex = map[indKey]int{}
	}
	k := indKey{p.Field, p.Kind, p.CaseSensitive, p.All}
	i, ok := l.indIndex[k]
	if !ok {
		i = len(l.r.Indicators)
		l.indIndex[k] = i
		l.r.Indicators = append(l.r.Indicators, rule.Indicator{Field: p.Field, Kind: p.Kind, CaseSensitive: p.CaseSensitive, All: p.All})
	}
	in := &l.r.Indicators[i]
	for _, v := range p.Values {
		dup := false
		for _, w := range in.Values {
			if w == v {
				dup = true
				break
			}
		}
		if !dup {
			in.Values = append(in.Values, v)
		}
	}
}

// ---- explanation

const maxDescribeDepth = 6

// describeGroup says a group in words: its predicates and inner groups
// in source order, joined by its kind, inner groups in parentheses. Joins
// are said apart.
func describeGroup(g *group, depth int) string {
	var parts []string
	for _, i := range g.seq {
		if i >= 0 {
			if d := describePredicate(g.preds[i]); d != "" {
				parts = append(parts, d)
			}
			continue
		}
		c := g.groups[-i-1]
		if depth >= maxDescribeDepth {
			parts = append(parts, "("+strings.Join(strings.Fields(c.text), " ")+")")
			continue
		}
		if d := describeGroup(c, depth+1); d != "" {
			parts = append(parts, "("+d+")")
		}
	}
	return strings.Join(parts, " "+g.kind+" ")
}

// describePredicate says a predicate in words: the shared sentence, a
// reference list named as one, a regular expression's case said.
func describePredicate(p rule.Predicate) string {
	if len(p.Values) == 1 && strings.HasPrefix(p.Values[0], "%") {
		verb := map[string]string{rule.OpIn: "is in", rule.OpRegex: "matches a regular expression of", rule.OpCIDR: "is in a network of"}[p.Kind]
		if verb == "" {
			return lower.DescribePredicate(p)
		}
		if p.Negated {
			verb = map[string]string{rule.OpIn: "is not in", rule.OpRegex: "matches no regular expression of", rule.OpCIDR: "is in no network of"}[p.Kind]
		}
		s := p.Field + " " + verb + " the reference list " + p.Values[0]
		if p.Kind != rule.OpCIDR {
			s += lower.Neg(p.CaseSensitive, " (ignoring case)", " (case-sensitive)")
		}
		return s
	}
	s := lower.DescribePredicate(p)
	if p.Kind == rule.OpRegex && !p.CaseSensitive {
		s += " (ignoring case)"
	}
	if p.All {
		s += " (for every element)"
	}
	return s
}

func itoa(n int) string {
	if n < 10 && n >= 0 {
		return string(rune('0' + n))
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}
