package lowersigma

import (
	"fmt"
	"strings"

	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/lang/sigma"
	"github.com/ruledex/ruledex/internal/lower"
	"github.com/ruledex/ruledex/internal/rule"
)

// The Sigma lowering. What it makes of a Sigma document:
//
//   - Tables: the log source as "product/service/category", each part as
//     written and empty when absent, so the three slots always mean the
//     same thing ("windows//process_creation", "aws/cloudtrail/").
//   - Stages: 1 "source" (the logsource block, Source = the table); then one
//     stage per top-level term of the condition (the operands of its
//     outermost and/or): "selection" for a positive term, "filter" for a
//     negated one. A term that is one search identifier has that
//     identifier's YAML as Text and its predicates; a compound term ("1 of
//     selection_*", "(a or b)") has the condition text of the term and one
//     inner stage per search identifier it opens. Last, a "condition" stage
//     with the condition text. Lines are relative to the query (the
//     document), columns as in the file.
//   - Predicates: one per field of a search map. Kind from the modifiers:
//     none → eq (values keep their * and ? wildcards as written: Sigma
//     matches them as globs), contains, startswith, endswith, re → regex,
//     cidr, exists, gt/gte/lt/lte → gt/ge/lt/le, neq → ne; keyword lists →
//     keyword with no field. all → All, cased (or re without i) →
//     CaseSensitive. Transforming modifiers (windash, base64, base64offset,
//     utf16*, wide, expand, fieldref, time parts) leave the kind and show in
//     Text, which is the key as written (Field|mod|mod). Negated when the
//     term is under an odd number of "not"; an exists: false is negated too.
//   - Indicators: the positive predicates' values, by (field, kind, case,
//     all), without exists and fieldref (their values are no data).
//   - Operators: the value modifiers used, in order of first use (for a
//     correlation, its type). Keywords: every field named. Functions: none.
//   - Outputs: fields: (source "fields"); a correlation's group-by fields
//     (source "group-by").
//   - Params: the %placeholders% of expand (kind "placeholder"), and a
//     correlation's aliases (kind "alias").
//   - Correlation rules: GroupBy, TimeWindow (timespan), Trigger (the
//     condition, e.g. "gte 100"), Related (type "correlation", as written:
//     LinkSigma resolves names to ids), Settings correlation_type, field,
//     generate. Filters: Related (type "filter"); their selection is what
//     the filtered rules exclude, so its predicates are negated.
//
// LowerSigma fills the query-derived parts of a Sigma rule. it.Doc is the
// *sigma.Document the source read; without it the rule's query is parsed.
func LowerSigma(it lang.Item) {
	r := it.Rule
	d, _ := it.Doc.(*sigma.Document)
	if d == nil {
		f, _ := sigma.Parse([]byte(r.Query))
		if docs := f.Rules(); len(docs) > 0 {
			d = docs[0]
		} else {
			return
		}
	}
	l := &sigmaLowering{r: r, d: d, seenOp: map[string]bool{}, seenKW: map[string]bool{}, seenParam: map[string]bool{}}
	l.lower()
}

type sigmaLowering struct {
	r         *rule.Rule
	d         *sigma.Document
	seenOp    map[string]bool
	seenKW    map[string]bool
	seenParam map[string]bool
	ex        lower.Explainer
}

func (l *sigmaLowering) operator(s string) {
	if s != "" && !l.seenOp[s] {
		l.seenOp[s] = true
		l.r.Operators = append(l.r.Operators, s)
	}
}

func (l *sigmaLowering) keyword(s string) {
	if s != "" && !l.seenKW[s] {
		l.seenKW[s] = true
		l.r.Keywords = append(l.r.Keywords, s)
	}
}

func (l *sigmaLowering) param(p rule.Param) {
	k := p.Kind + "\x00" + p.Name
	if !l.seenParam[k] {
		l.seenParam[k] = true
		l.r.Params = append(l.r.Params, p)
	}
}

// line returns a file line relative to the document (the query), 0 when
// it lies outside (a part merged from a legacy global document).
func (l *sigmaLowering) line(p sigma.Position) int {
	n := p.Line - l.d.StartLine + 1
	if n < 1 || p.Line > l.d.EndLine {
		return 0
	}
	return n
}

func (l *sigmaLowering) lower() {
	d, r := l.d, l.r
	if v := d.Meta.Taxonomy.Value; v != "" {
		l.setting("taxonomy", v)
	}
	if d.Meta.Generate.IsSet() {
		l.setting("generate", d.Meta.Generate.Value)
	}
	if d.Logsource != nil {
		r.Tables = append(r.Tables, LogsourceTable(d.Logsource))
		r.Stages = append(r.Stages, l.sourceStage())
	}
	switch {
	case d.Correlation != nil:
		l.lowerCorrelation(d.Correlation)
	case d.Filter != nil:
		l.lowerFilter(d.Filter)
	case d.Detection != nil:
		l.lowerDetection(d.Detection, false)
	}
	for _, f := range d.Fields {
		r.Outputs = append(r.Outputs, rule.OutputField{Name: f.Value, Source: "fields"})
		l.keyword(f.Value)
	}
	l.buildIndicators()
	if len(d.Fields) > 0 {
		l.ex.Say(0, "Shows the fields "+lower.JoinWords(scalarValues(d.Fields), "and"))
	}
	l.ex.Set(r)
	for i := range r.Stages {
		r.Stages[i].N = i + 1
	}
}

func (l *sigmaLowering) setting(k, v string) {
	if l.r.Settings == nil {
		l.r.Settings = map[string]string{}
	}
	l.r.Settings[k] = v
}

// LogsourceTable returns the table name of a log source:
// "product/service/category", empty parts kept empty.
func LogsourceTable(ls *sigma.Logsource) string {
	return ls.Product.Value + "/" + ls.Service.Value + "/" + ls.Category.Value
}

func (l *sigmaLowering) sourceStage() rule.Stage {
	ls := l.d.Logsource
	st := rule.Stage{Kind: "source", Text: l.d.Snippet(ls.Key), Source: LogsourceTable(ls)}
	if ls.Key != nil {
		p := l.d.Pos(ls.Key)
		st.Line, st.Col = l.line(p), p.Col
	}
	var parts []string
	for _, kv := range []struct{ k, v string }{{"product", ls.Product.Value}, {"service", ls.Service.Value}, {"category", ls.Category.Value}} {
		if kv.v != "" {
			parts = append(parts, kv.k+" "+kv.v)
		}
	}
	if len(parts) > 0 {
		l.ex.Say(len(l.r.Stages)+1, "Reads the log source "+strings.Join(parts, ", "))
	}
	return st
}

// lowerDetection adds the stages of a detection; negate marks every term as
// an exclusion (a meta filter's selection).
func (l *sigmaLowering) lowerDetection(det *sigma.Detection, negate bool) {
	for _, c := range det.Conditions {
		if c.Expr == nil {
			continue
		}
		for _, term := range topTerms(c.Expr) {
			if _, bad := term.(*sigma.BadExpr); bad {
				continue
			}
			l.r.Stages = append(l.r.Stages, l.termStage(det, c, term, negate))
		}
		p := c.Pos
		l.r.Stages = append(l.r.Stages, rule.Stage{Kind: "condition", Text: c.Text, Line: l.line(p), Col: p.Col})
		l.explainCondition(det, c, negate, len(det.Conditions) > 1, len(l.r.Stages))
	}
	if det.Timeframe.IsSet() {
		l.r.TimeWindow = det.Timeframe.Value
	}
}

// topTerms returns the operands of the outermost and/or of x (parentheses
// around it removed), or x alone.
func topTerms(x sigma.Expr) []sigma.Expr {
	x = sigma.Unparen(x)
	if b, ok := x.(*sigma.BinaryExpr); ok {
		return b.Args
	}
	return []sigma.Expr{x}
}

// unNot returns x without its leading nots, and neg flipped once for each.
func unNot(x sigma.Expr, neg bool) (sigma.Expr, bool) {
	for {
		n, ok := x.(*sigma.NotExpr)
		if !ok {
			return x, neg
		}
		neg, x = !neg, n.X
	}
}

// termStage makes the stage of one condition term, under neg negations.
func (l *sigmaLowering) termStage(det *sigma.Detection, c *sigma.Condition, x sigma.Expr, neg bool) rule.Stage {
	// "not X" is X with the other polarity; a lone identifier keeps its YAML.
	inner := x
	for {
		inner, neg = unNot(inner, neg)
		if p, ok := inner.(*sigma.ParenExpr); ok {
			if _, isIdent := sigma.Unparen(p).(*sigma.Ident); isIdent {
				inner = p.X
				continue
			}
		}
		break
	}
	kind := "selection"
	if neg {
		kind = "filter"
	}
	if id, ok := inner.(*sigma.Ident); ok {
		if s := det.Search(id.Name); s != nil {
			return l.searchStage(s, neg)
		}
	}
	p := c.Position(x.Pos())
	st := rule.Stage{Kind: kind, Text: conditionText(c, x), Line: l.line(p), Col: p.Col}
	switch y := sigma.Unparen(inner).(type) {
	case *sigma.OfExpr:
		for _, s := range det.Match(y) {
			st.Stages = append(st.Stages, l.searchStage(s, neg))
		}
	case *sigma.BinaryExpr:
		for _, a := range y.Args {
			st.Stages = append(st.Stages, l.termStage(det, c, a, neg))
		}
	case *sigma.NotExpr:
		st.Stages = append(st.Stages, l.termStage(det, c, y, neg))
	}
	for i := range st.Stages {
		st.Stages[i].N = i + 1
	}
	return st
}

// conditionText returns the text of x as written in the condition.
func conditionText(c *sigma.Condition, x sigma.Expr) string {
	if x.Pos() >= 0 && x.End() <= len(c.Text) && x.Pos() < x.End() {
		return strings.Join(strings.Fields(c.Text[x.Pos():x.End()]), " ")
	}
	return x.String()
}

// searchStage makes the stage of one search identifier.
func (l *sigmaLowering) searchStage(s *sigma.Search, neg bool) rule.Stage {
	kind := "selection"
	if neg {
		kind = "filter"
	}
	st := rule.Stage{Kind: kind, Text: s.Snippet, Line: l.line(s.Pos), Col: s.Pos.Col}
	for _, a := range s.Alts {
		for _, m := range a.Matches {
			st.Predicates = append(st.Predicates, l.predicate(m, neg))
		}
	}
	return st
}

// globKinds are the kinds whose Sigma values are wildcard patterns; the
// others (re, cidr, numbers, exists, fieldref) are not.
var globKinds = map[string]bool{rule.OpEq: true, rule.OpNe: true, rule.OpContains: true, rule.OpStartsWith: true, rule.OpEndsWith: true, rule.OpKeyword: true}

// predicate maps one match to a predicate.
func (l *sigmaLowering) predicate(m *sigma.Match, neg bool) rule.Predicate {
	p := rule.Predicate{Field: m.Field, Kind: rule.OpEq, Negated: neg, Text: m.Key}
	if m.Keyword {
		p.Field, p.Kind = "", rule.OpKeyword
		if p.Text == "" {
			p.Text = "keywords"
		}
	}
	l.keyword(m.Field)
	typed, re, reI, neq := false, false, false, false
	for _, mod := range m.Modifiers {
		if mod.Info == nil {
			continue
		}
		l.operator(mod.Name)
		switch mod.Name {
		case "all":
			p.All = true
		case "cased":
			p.CaseSensitive = true
		case "neq":
			neq = true
		case "re":
			re = true
		case "i":
			reI = true
		}
		if mod.Info.Kind != "" && mod.Name != "neq" && !m.Keyword {
			p.Kind, typed = mod.Info.Kind, true
		}
	}
	if re && !reI {
		p.CaseSensitive = true
	}
	// A plain Sigma value is a pattern: * and ? are wildcards, \* and \?
	// literal (https://sigmahq.io/sigma-specification/specification/sigma-rules-specification.html#wildcards).
	p.Wildcards = globKinds[p.Kind]
	if neq {
		if typed {
			p.Negated = !p.Negated
		} else if !m.Keyword {
			p.Kind = rule.OpNe
		}
	}
	for _, v := range m.Values {
		switch v.Type {
		case sigma.TypeNull:
			if len(m.Values) == 1 {
				p.Text = m.Key + ": null"
			}
			continue
		case sigma.TypeBool:
			if p.Kind == rule.OpExists {
				// exists: true/false says whether the field must be there; it is no value
				if strings.EqualFold(v.Raw, "false") {
					p.Negated = !p.Negated
				}
				continue
			}
		}
		p.Values = append(p.Values, v.Raw)
		if m.Has("expand") {
			for _, name := range v.Placeholders() {
				l.param(rule.Param{Name: "%" + name + "%", Kind: "placeholder"})
			}
		}
	}
	return p
}

// notIndicator are the modifiers whose values are not values of the field:
// encoded forms, parts of dates, other fields' names, placeholders.
var notIndicator = []string{"base64", "base64offset", "utf16le", "utf16be", "utf16", "wide",
	"minute", "hour", "day", "week", "month", "year", "fieldref", "expand"}

// isIndicator tells whether the predicate p, read from the key p.Text,
// matches its values as the field's data.
func isIndicator(p rule.Predicate) bool {
	if p.Negated || p.Kind == rule.OpExists || len(p.Values) == 0 {
		return false
	}
	mods := strings.Split(p.Text, "|")
	for _, m := range mods[1:] {
		for _, n := range notIndicator {
			if m == n {
				return false
			}
		}
	}
	return true
}

// buildIndicators collects the positive predicates of every stage (but
// the correlation condition's thresholds).
func (l *sigmaLowering) buildIndicators() {
	type key struct {
		field, kind string
		cased, all  bool
	}
	index := map[key]int{}
	seen := map[key]map[string]bool{}
	var walk func(ss []rule.Stage)
	walk = func(ss []rule.Stage) {
		for _, st := range ss {
			if st.Kind == "condition" {
				continue
			}
			for _, p := range st.Predicates {
				if !isIndicator(p) {
					continue
				}
				k := key{p.Field, p.Kind, p.CaseSensitive, p.All}
				i, ok := index[k]
				if !ok {
					i = len(l.r.Indicators)
					index[k] = i
					seen[k] = map[string]bool{}
					l.r.Indicators = append(l.r.Indicators, rule.Indicator{Field: p.Field, Kind: p.Kind, CaseSensitive: p.CaseSensitive, All: p.All, Wildcards: p.Wildcards})
				}
				for _, v := range p.Values {
					if !seen[k][v] {
						seen[k][v] = true
						l.r.Indicators[i].Values = append(l.r.Indicators[i].Values, v)
					}
				}
			}
			walk(st.Stages)
		}
	}
	walk(l.r.Stages)
}

func (l *sigmaLowering) lowerFilter(f *sigma.Filter) {
	r := l.r
	var names []string
	for _, s := range f.Rules {
		r.Related = append(r.Related, rule.Related{ID: resolveInFile(l.d, s.Value), Type: "filter"})
		names = append(names, s.Value)
	}
	if len(names) > 0 {
		if len(names) == 1 {
			l.ex.Say(0, "This filter applies to the rule "+quoteAll(names)[0]+": what it selects is excluded from its matches")
		} else {
			l.ex.Say(0, "This filter applies to the rules "+lower.JoinWords(quoteAll(names), "and")+": what it selects is excluded from their matches")
		}
	}
	if f.Detection != nil {
		l.lowerDetection(f.Detection, true)
	}
}

var correlationOps = map[string]string{"gt": rule.OpGt, "gte": rule.OpGe, "lt": rule.OpLt, "lte": rule.OpLe, "eq": rule.OpEq, "neq": rule.OpNe}

func (l *sigmaLowering) lowerCorrelation(c *sigma.Correlation) {
	r, d := l.r, l.d
	typ := c.Type.Value
	l.operator(typ)
	l.setting("correlation_type", typ)
	var refs []string
	for _, s := range c.Rules {
		refs = append(refs, s.Value)
		r.Related = append(r.Related, rule.Related{ID: resolveInFile(d, s.Value), Type: "correlation"})
	}
	src := rule.Stage{Kind: "source", Source: strings.Join(refs, ", ")}
	if c.RulesKey != nil {
		p := d.Pos(c.RulesKey)
		src.Text, src.Line, src.Col = d.Snippet(c.RulesKey), l.line(p), p.Col
	}
	r.Stages = append(r.Stages, src)
	for _, g := range c.GroupBy {
		r.GroupBy = append(r.GroupBy, g.Value)
		r.Outputs = append(r.Outputs, rule.OutputField{Name: g.Value, Source: "group-by"})
		l.keyword(g.Value)
	}
	r.TimeWindow = c.Timespan.Value
	fields := scalarValues(c.Field)
	for _, f := range fields {
		l.keyword(f)
	}
	if len(fields) > 0 {
		l.setting("field", strings.Join(fields, ","))
	}
	for _, a := range c.Aliases {
		var parts []string
		for _, kv := range a.Fields {
			parts = append(parts, kv.Key.Value+": "+kv.Value.Value)
			l.keyword(kv.Value.Value)
		}
		l.param(rule.Param{Name: a.Name.Value, Kind: "alias", Value: strings.Join(parts, ", ")})
	}
	cond := rule.Stage{Kind: "condition", TimeWindow: c.Timespan.Value}
	if c.CondKey != nil {
		p := d.Pos(c.CondKey)
		cond.Text, cond.Line, cond.Col = d.Snippet(c.CondKey), l.line(p), p.Col
	} else if c.Type.IsSet() {
		cond.Text, cond.Line, cond.Col = "type: "+typ, l.line(c.Type.Pos), c.Type.Pos.Col
	}
	var trigger []string
	subject := typ
	if len(fields) > 0 {
		subject += "(" + strings.Join(fields, ", ") + ")"
	}
	for _, cc := range c.Condition {
		kind := correlationOps[cc.Op.Value]
		cond.Predicates = append(cond.Predicates, rule.Predicate{
			Field: strings.Join(fields, ", "), Kind: kind, Values: []string{cc.Value.Value},
			Text: subject + " " + cc.Op.Value + " " + cc.Value.Value,
		})
		trigger = append(trigger, cc.Op.Value+" "+cc.Value.Value)
	}
	r.Trigger = strings.Join(trigger, " and ")
	r.Stages = append(r.Stages, cond)
	l.explainCorrelation(c, refs, fields)
}

// resolveInFile returns the id of the document of d's file that ref names
// (by id or name), or ref as written when no document of the file has it or
// that document has no id.
func resolveInFile(d *sigma.Document, ref string) string {
	if t := d.File.Lookup(ref); t != nil && t != d && t.Meta.ID.Value != "" {
		return t.Meta.ID.Value
	}
	return ref
}

func scalarValues(ss []sigma.Scalar) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Value)
	}
	return out
}

// ---- Explanation: sentences made from the parsed rule only.

var opWords = map[string]string{"gt": "more than", "gte": "at least", "lt": "fewer than", "lte": "at most", "eq": "exactly", "neq": "other than"}

func (l *sigmaLowering) explainCorrelation(c *sigma.Correlation, refs, fields []string) {
	var b strings.Builder
	rules := lower.JoinWords(quoteAll(refs), "and")
	over := ""
	if c.Timespan.Value != "" {
		over = " within " + c.Timespan.Value
	}
	group := ""
	if len(c.GroupBy) > 0 {
		group = " for the same " + lower.JoinWords(scalarValues(c.GroupBy), "and")
	}
	var crit []string
	for _, cc := range c.Condition {
		crit = append(crit, opWords[cc.Op.Value]+" "+cc.Value.Value)
	}
	cond := strings.Join(crit, " and ")
	f := lower.JoinWords(fields, "and")
	switch c.Type.Value {
	case "event_count":
		fmt.Fprintf(&b, "It counts the events matched by %s%s%s, and fires when there are %s.", rules, group, over, cond)
	case "value_count":
		fmt.Fprintf(&b, "It counts the distinct values of %s in the events matched by %s%s%s, and fires when there are %s.", f, rules, group, over, cond)
	case "value_sum":
		fmt.Fprintf(&b, "It sums %s over the events matched by %s%s%s, and fires when the sum is %s.", f, rules, group, over, cond)
	case "value_avg":
		fmt.Fprintf(&b, "It averages %s over the events matched by %s%s%s, and fires when the average is %s.", f, rules, group, over, cond)
	case "value_percentile":
		fmt.Fprintf(&b, "It takes the percentile of %s in the events matched by %s%s%s, and fires when it is %s.", f, rules, group, over, cond)
	case "temporal":
		fmt.Fprintf(&b, "It fires when the rules %s all match%s%s, in any order.", rules, group, over)
		if cond != "" {
			fmt.Fprintf(&b, " The number of different rules matching must be %s.", cond)
		}
	case "temporal_ordered":
		fmt.Fprintf(&b, "It fires when the rules %s match in that order%s%s.", rules, group, over)
		if cond != "" {
			fmt.Fprintf(&b, " The number of different rules matching must be %s.", cond)
		}
	default:
		fmt.Fprintf(&b, "It correlates %s%s%s.", rules, group, over)
	}
	l.ex.Say(len(l.r.Stages), b.String())
}

func describeSearch(s *sigma.Search) string {
	var alts []string
	for _, a := range s.Alts {
		var ms []string
		for _, m := range a.Matches {
			ms = append(ms, describeMatch(m))
		}
		alts = append(alts, strings.Join(ms, " and "))
	}
	if len(alts) > 1 {
		for i := range alts {
			if strings.Contains(alts[i], " and ") {
				alts[i] = "(" + alts[i] + ")"
			}
		}
	}
	return strings.Join(alts, " or ")
}

const maxExplainValues = 3

// modifierVerbs are the verbs the explanation says for the modifiers that
// change the comparison; modifierNotes what it adds for those that change
// the value.
var (
	modifierVerbs = map[string]string{
		"contains": "contains", "startswith": "starts with", "endswith": "ends with",
		"re": "matches the regular expression", "cidr": "is in the network",
		"gt": "is greater than", "gte": "is at least", "lt": "is less than", "lte": "is at most",
	}
	modifierNotes = map[string]string{
		"windash": "with any kind of dash", "base64": "base64-encoded", "base64offset": "base64-encoded at any offset",
		"utf16le": "as UTF-16LE", "wide": "as UTF-16LE", "utf16be": "as UTF-16BE", "utf16": "as UTF-16",
		"cased": "case-sensitive", "i": "ignoring case", "expand": "with placeholders expanded",
	}
	timeParts = map[string]bool{"minute": true, "hour": true, "day": true, "week": true, "month": true, "year": true}
)

func describeMatch(m *sigma.Match) string {
	verb := "is"
	var notes []string
	timePart := ""
	for _, mod := range m.Modifiers {
		if v, ok := modifierVerbs[mod.Name]; ok {
			verb = v
		} else if n, ok := modifierNotes[mod.Name]; ok {
			notes = append(notes, n)
		} else if timeParts[mod.Name] {
			timePart = mod.Name
		}
	}
	if verb == "is" {
		for _, v := range m.Values {
			if v.HasWildcards() {
				verb = "matches"
				break
			}
		}
	}
	if m.Has("neq") {
		if verb == "is" {
			verb = "is not"
		} else {
			verb = "not " + verb
		}
	}
	if m.Has("fieldref") {
		verb += " the field"
	}
	subject := m.Field
	if timePart != "" {
		subject = "the " + timePart + " of " + m.Field
	}
	if m.Keyword {
		subject, verb = "the event", "contains"
	}
	if m.Has("exists") {
		if len(m.Values) == 1 && strings.EqualFold(m.Values[0].Raw, "false") {
			return m.Field + " does not exist"
		}
		return m.Field + " exists"
	}
	var vals []string
	null := false
	for _, v := range m.Values {
		if v.Type == sigma.TypeNull {
			null = true
			continue
		}
		if v.Type == sigma.TypeString && !m.Has("fieldref") {
			vals = append(vals, "'"+v.Raw+"'")
		} else {
			vals = append(vals, v.Raw)
		}
	}
	if null {
		if len(vals) == 0 {
			return m.Field + " is null"
		}
		vals = append(vals, "null")
	}
	conj := "or"
	if m.Has("all") {
		conj = "and"
	}
	if len(vals) > maxExplainValues {
		vals = append(vals[:maxExplainValues:maxExplainValues], fmt.Sprintf("%d more", len(m.Values)-maxExplainValues))
	}
	s := subject + " " + verb + " " + lower.JoinWords(vals, conj)
	if len(notes) > 0 {
		s += " (" + strings.Join(notes, ", ") + ")"
	}
	return s
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = "'" + s + "'"
	}
	return out
}
