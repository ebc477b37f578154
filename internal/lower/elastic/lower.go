package lowerelastic

import (
	"slices"
	"strconv"
	"strings"

	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/lang/diag"
	"github.com/ruledex/ruledex/internal/rule"
)

// Lower fills the query-derived parts of an Elastic rule: stages (the
// index patterns read, the query's own stages, then the stages of its rule
// type: threshold, new terms, indicator match, alert suppression, filters),
// predicates, indicators, outputs, group-by, tables, fields, functions and
// an explanation. A machine-learning rule has no query: its job and
// anomaly threshold are its one stage. Osquery SQL is kept raw.
func Lower(it lang.Item) {
	r := it.Rule
	doc, _ := it.Doc.(*ruleDoc)
	if doc == nil {
		doc = &ruleDoc{}
	}
	l := &lowering{r: r, doc: doc}
	l.lower()
}

type lowering struct {
	r      *rule.Rule
	doc    *ruleDoc
	stages []rule.Stage
	ind    map[indKey]int
	// outputs made by the query (ES|QL); nil when the query emits the
	// events it matches.
	outputs []rule.OutputField
	groupBy []string
	// shaped: the query makes its own rows (ES|QL STATS, KEEP, EVAL...)
	shaped bool
	fields []string
	funcs  []string
	ops    []string
	tables []string
}

type indKey struct {
	field, kind string
	cs, wild    bool
}

func (l *lowering) lower() {
	r, doc := l.r, l.doc
	l.tables = append(l.tables, doc.Index...)
	if doc.DataView != "" {
		l.tables = append(l.tables, "data view "+doc.DataView)
	}
	if len(l.tables) > 0 {
		src := strings.Join(l.tables, ", ")
		l.stages = append(l.stages, rule.Stage{Kind: "source", Text: src, Source: src})
	}
	switch {
	case r.Language == LangSQL:
		// osquery SQL: kept raw, no stage of its own
		l.stages = append(l.stages, rule.Stage{Kind: "sql", Text: r.Query, Line: 1, Col: 1, Source: "osquery"})
	case doc.Type == "machine_learning":
		l.machineLearning()
	default:
		if strings.TrimSpace(r.Query) == "" {
			if doc.Type != "" && doc.Type != "hunt" {
				r.AddDiagnostic(rule.SevError, r.Source.Line, 1, "the rule has no query")
			}
			break
		}
		l.query(r.Language, r.Query, r.QueryLine, &l.stages, false)
	}
	l.filters()
	l.typeStages()
	l.finish()
}

// query lowers one query of language into stages appended to out; inner
// tells that it is a query inside another (an indicator match's threat
// query), whose problems are warnings.
func (l *lowering) query(language, src string, line int, out *[]rule.Stage, inner bool) {
	var errs diag.ErrorList
	switch language {
	case LangEQL:
		errs = l.eql(src, out)
	case LangESQL:
		errs = l.esql(src, out)
	case LangLucene:
		errs = l.lucene(src, out, "where")
	default:
		errs = l.kuery(src, out, "where")
	}
	l.report(errs, src, line, inner)
}

// report turns a front end's errors into the rule's diagnostics, placed in
// the file (the query starts at line).
func (l *lowering) report(errs diag.ErrorList, src string, line int, inner bool) {
	if len(errs) == 0 {
		return
	}
	errs.Locate([]byte(src))
	for _, e := range errs {
		sev := e.Severity.String()
		if inner && sev == rule.SevError {
			sev = rule.SevWarning
		}
		ln := e.Line
		if line > 0 {
			ln += line - 1
		}
		l.r.AddDiagnostic(sev, ln, e.Col, e.Msg)
	}
}

// addPred appends p to st; a positive test of a literal value on a field
// of the data (indicator) also becomes an indicator.
func (l *lowering) addPred(st *rule.Stage, p rule.Predicate, indicator bool) {
	if p.Values == nil {
		p.Values = []string{}
	}
	st.Predicates = append(st.Predicates, p)
	if !indicator || p.Negated || p.Field == "" && p.Kind != rule.OpKeyword || len(p.Values) == 0 {
		return
	}
	switch p.Kind {
	case rule.OpExists, rule.OpGt, rule.OpGe, rule.OpLt, rule.OpLe, rule.OpBetween:
		return
	}
	k := indKey{p.Field, p.Kind, p.CaseSensitive, p.Wildcards}
	if l.ind == nil {
		l.ind = map[indKey]int{}
	}
	i, ok := l.ind[k]
	if !ok {
		i = len(l.r.Indicators)
		l.ind[k] = i
		l.r.Indicators = append(l.r.Indicators, rule.Indicator{Field: p.Field, Kind: p.Kind, CaseSensitive: p.CaseSensitive, All: p.All, Wildcards: p.Wildcards})
	}
	in := &l.r.Indicators[i]
	for _, v := range p.Values {
		if !slices.Contains(in.Values, v) {
			in.Values = append(in.Values, v)
		}
	}
}

// machineLearning is a machine-learning rule's one stage: the anomalies of
// its jobs at or above its threshold.
func (l *lowering) machineLearning() {
	d := l.doc
	text := "anomalies of the machine learning job"
	if len(d.MLJobs) > 1 {
		text += "s"
	}
	text += " " + strings.Join(d.MLJobs, ", ")
	if d.AnomalyThreshold != "" {
		text += " with an anomaly score of at least " + d.AnomalyThreshold
	}
	st := rule.Stage{Kind: "machine_learning", Text: text, Source: strings.Join(d.MLJobs, ", ")}
	if d.AnomalyThreshold != "" {
		st.Predicates = append(st.Predicates, rule.Predicate{Field: "anomaly_score", Kind: rule.OpGe, Values: []string{d.AnomalyThreshold}, CaseSensitive: true,
			Text: "anomaly_score >= " + d.AnomalyThreshold})
	}
	for _, j := range d.MLJobs {
		l.addPred(&st, rule.Predicate{Field: "job_id", Kind: rule.OpEq, Values: []string{j}, CaseSensitive: true, Text: "job_id: " + j}, false)
	}
	l.stages = append(l.stages, st)
	l.ops = append(l.ops, "machine_learning")
}

// filters is the stage of a rule's Kibana filters, ANDed with its query.
func (l *lowering) filters() {
	if len(l.doc.Filters) == 0 {
		return
	}
	st := rule.Stage{Kind: "filter"}
	var texts []string
	for _, f := range l.doc.Filters {
		p := rule.Predicate{Field: f.Field, Negated: f.Negate, CaseSensitive: !f.CaseInsensitive}
		switch f.Kind {
		case "exists":
			p.Kind, p.Text = rule.OpExists, "exists "+f.Field
		case "wildcard":
			p.Kind, p.Values, p.Wildcards, p.Text = rule.OpEq, []string{f.Value}, true, f.Field+": "+f.Value
		case "prefix":
			p.Kind, p.Values, p.Text = rule.OpStartsWith, []string{f.Value}, f.Field+": "+f.Value+"*"
		default:
			p.Kind, p.Values, p.Text = rule.OpEq, []string{f.Value}, f.Field+": "+strconv.Quote(f.Value)
		}
		if f.Negate {
			p.Text = "NOT " + p.Text
		}
		texts = append(texts, p.Text)
		l.fields = append(l.fields, f.Field)
		l.addPred(&st, p, true)
	}
	st.Text = strings.Join(texts, " AND ")
	l.stages = append(l.stages, st)
	l.ops = append(l.ops, "filter")
}

// typeStages adds the stages of the rule's type and settings.
func (l *lowering) typeStages() {
	d := l.doc
	if t := d.Threshold; t != nil {
		text := "at least " + orDefault(t.Value, "1") + " events"
		if orDefault(t.Value, "1") == "1" {
			text = "at least 1 event"
		}
		if len(t.Fields) > 0 {
			text += " by " + strings.Join(t.Fields, ", ")
		}
		st := rule.Stage{Kind: "threshold", Text: text}
		st.Predicates = append(st.Predicates, rule.Predicate{Field: "count", Kind: rule.OpGe, Values: []string{orDefault(t.Value, "1")}, CaseSensitive: true, Text: "count >= " + orDefault(t.Value, "1")})
		for _, c := range t.Cardinality {
			st.Text += "; at least " + c.Value + " distinct " + c.Field
			st.Predicates = append(st.Predicates, rule.Predicate{Field: "cardinality(" + c.Field + ")", Kind: rule.OpGe, Values: []string{c.Value}, CaseSensitive: true,
				Text: "cardinality(" + c.Field + ") >= " + c.Value})
			l.fields = append(l.fields, c.Field)
		}
		l.stages = append(l.stages, st)
		l.groupBy = append(l.groupBy, t.Fields...)
		l.fields = append(l.fields, t.Fields...)
		l.ops = append(l.ops, "threshold")
		for _, f := range t.Fields {
			l.outputs = append(l.outputs, rule.OutputField{Name: "kibana.alert.threshold_result.terms." + f, Source: "threshold", Expr: f})
		}
		l.outputs = append(l.outputs, rule.OutputField{Name: "kibana.alert.threshold_result.count", Source: "threshold", Expr: "count()"})
		for _, c := range t.Cardinality {
			l.outputs = append(l.outputs, rule.OutputField{Name: "kibana.alert.threshold_result.cardinality", Source: "threshold", Expr: "cardinality(" + c.Field + ")"})
		}
	}
	if n := d.NewTerms; n != nil {
		text := "a value of " + strings.Join(n.Fields, ", ") + " not seen"
		if n.HistoryWindow != "" {
			text += " since " + n.HistoryWindow
		}
		st := rule.Stage{Kind: "new_terms", Text: text, TimeWindow: lookback(n.HistoryWindow)}
		l.stages = append(l.stages, st)
		l.fields = append(l.fields, n.Fields...)
		l.ops = append(l.ops, "new_terms")
		l.outputs = append(l.outputs, rule.OutputField{Name: "kibana.alert.new_terms", Source: "new_terms", Expr: strings.Join(n.Fields, ", ")})
	}
	if t := d.Threat; t != nil {
		var pairs []string
		for _, m := range t.Mappings {
			var and []string
			for _, e := range m {
				and = append(and, e.Field+" = "+e.Value)
				l.fields = append(l.fields, e.Field)
			}
			if len(and) > 0 {
				pairs = append(pairs, strings.Join(and, " and "))
			}
		}
		st := rule.Stage{Kind: "threat_match", Text: "an indicator of " + orDefault(strings.Join(t.Index, ", "), "the threat indices") + " matches: " + strings.Join(pairs, "; or "),
			Source: strings.Join(t.Index, ", ")}
		if strings.TrimSpace(t.Query) != "" {
			var inner []rule.Stage
			if len(t.Index) > 0 {
				inner = append(inner, rule.Stage{Kind: "source", Text: strings.Join(t.Index, ", "), Source: strings.Join(t.Index, ", ")})
			}
			language := languageOf(t.Language, "")
			l.query(language, t.Query, t.QueryLine, &inner, true)
			st.Stages = inner
		}
		l.stages = append(l.stages, st)
		l.tables = append(l.tables, t.Index...)
		l.ops = append(l.ops, "threat_match")
		if t.IndicatorPath != "" {
			l.outputs = append(l.outputs, rule.OutputField{Name: t.IndicatorPath, Source: "threat_match"})
		}
	}
	if s := d.Suppression; s != nil && len(s.GroupBy) > 0 {
		text := "alerts suppressed by " + strings.Join(s.GroupBy, ", ")
		if s.Duration != "" {
			text += " for " + s.Duration
		}
		if s.Missing != "" {
			text += " (missing fields: " + s.Missing + ")"
		}
		l.stages = append(l.stages, rule.Stage{Kind: "suppress", Text: text, TimeWindow: s.Duration})
		l.groupBy = append(l.groupBy, s.GroupBy...)
		l.ops = append(l.ops, "suppress")
	}
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// finish numbers the stages and fills the rule's lists.
func (l *lowering) finish() {
	r := l.r
	var number func(ss []rule.Stage, n int) int
	number = func(ss []rule.Stage, n int) int {
		for i := range ss {
			n++
			ss[i].N = n
			if ss[i].Predicates == nil {
				ss[i].Predicates = []rule.Predicate{}
			}
			if ss[i].Stages == nil {
				ss[i].Stages = []rule.Stage{}
			} else {
				number(ss[i].Stages, 0)
			}
		}
		return n
	}
	number(l.stages, 0)
	r.Stages = l.stages
	r.Tables = uniq(append(r.Tables, l.tables...))
	r.GroupBy = uniq(append(r.GroupBy, l.groupBy...))
	r.Keywords = uniq(append(r.Keywords, l.fields...))
	r.Functions = uniq(append(r.Functions, l.funcs...))
	r.Operators = uniq(append(r.Operators, l.ops...))
	if !l.shaped && r.Language != LangSQL && l.doc.Type != "machine_learning" && l.doc.Threshold == nil && len(r.Stages) > 0 {
		// the alert of a query, EQL, new terms or indicator match rule
		// holds the events it matched, every field of them
		r.Outputs = append(r.Outputs, rule.OutputField{Name: "*", Source: "alert", Expr: "every field of the matched events"})
	}
	r.Outputs = append(r.Outputs, l.outputs...)
	for _, f := range l.doc.InvestigationFields {
		r.Outputs = append(r.Outputs, rule.OutputField{Name: f, Source: "investigation_fields"})
	}
	explain(r, l.doc)
}

func uniq(ss []string) []string {
	out := ss[:0:0]
	seen := map[string]bool{}
	for _, s := range ss {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// position returns the 1-based line and column of off in src.
func position(src string, off int) (int, int) {
	if off < 0 || off > len(src) {
		return 0, 0
	}
	line := 1 + strings.Count(src[:off], "\n")
	start := strings.LastIndexByte(src[:off], '\n') + 1
	return line, 1 + len([]rune(src[start:off]))
}

// textOf returns src[sp] when sp is a span of src.
func textOf(src string, sp diag.Span) string {
	if sp.In(len(src)) {
		return src[sp.Start:sp.End]
	}
	return ""
}

// stageAt makes a stage of kind whose text is src[sp].
func stageAt(kind, src string, sp diag.Span) rule.Stage {
	st := rule.Stage{Kind: kind, Text: strings.TrimSpace(textOf(src, sp))}
	st.Line, st.Col = position(src, sp.Start)
	return st
}
