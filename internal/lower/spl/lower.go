package lowerspl

import (
	"strings"
	"unicode/utf8"

	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/lang/diag"
	"github.com/ruledex/ruledex/internal/lang/spl"
	"github.com/ruledex/ruledex/internal/lower"
	"github.com/ruledex/ruledex/internal/rule"
)

// The SPL lowering. What it makes of a detection:
//
//   - Macros: the query's macros are expanded before the pipeline is split
//     (their bodies hold pipes), with the repository's definitions (Context,
//     which Link gathers) and, for those it lacks, the well-known ones
//     (wellknown.go). Each expanded call is a Param (kind "macro", or
//     "macro (well-known)"), its expansion the value, and the whole
//     expanded search a Param of kind "expansion". A macro defined nowhere
//     is a warning and stays where it is: as a command, a stage of kind
//     "macro". Cycles and nesting deeper than spl.MaxMacroDepth are errors.
//   - Stages: one per command of the expanded search, its kind the
//     command's name (the implied first search is "search"), its Text the
//     command as expanded, its Line and Col where it comes from in the
//     query. join, append, appendcols and appendpipe, and subsearches in a
//     search, hold their pipeline as inner stages with their own source.
//     An ESCU detection's data sources follow as stages of kind
//     "data_source" (their source, and the separator field = the event).
//   - Source: index, sourcetype, source and eventtype values a search
//     selects (Stage.Source, Tables), the data model node of tstats, from
//     and datamodel (datamodel:Endpoint.Processes), an inputlookup's table
//     (lookup:name).
//   - Predicates: see pred.go. Indicators: the positive predicates with
//     literal values, the fields that choose the data aside.
//   - Outputs (outputs.go): the fields of the last table, fields, stats
//     (tstats, chart...), top or rare, with what later commands make (eval,
//     rex groups, lookup outputs, convert ... AS) and renames (rename,
//     drop_dm_object_name) followed; GroupBy the last `by` fields, renamed
//     alike, span in Settings.
//   - Operators: the command names; Functions: the eval and statistical
//     functions; Keywords: every field named.
//   - Time window and frequency: ESCU's deployment of the detection's type
//     (the repository's deployments/, else ESCU's defaults); a saved
//     search's dispatch.earliest_time and cron_schedule (read by its format).
//   - Events: the data model node (provider "Splunk CIM"); the data sources'
//     events come from their stages through the catalog's actions data.

// Context is what the other files of a detection's repository say: its
// macros, data sources and deployments. nil is a rule read alone.
type Context struct {
	Macros      spl.MacroSet
	DataSources map[string]*dataSource // by lower-case name
	Schedules   map[string]schedule    // by lower-case detection type
}

// Lower fills the query-derived parts of an SPL rule read alone (Link
// redoes it with the rule's repository).
func Lower(it lang.Item) { lowerRule(it.Rule, nil) }

// lowerRule lowers r with ctx. It only adds to the query-derived parts
// (reset first by Link when it redoes it).
func lowerRule(r *rule.Rule, ctx *Context) {
	switch r.Kind {
	case KindMacro, KindDataSource, KindDeployment:
		return
	}
	if ctx == nil {
		ctx = &Context{}
	}
	if r.Format == FormatESCU {
		typ := strings.ToLower(r.Settings["type"])
		s, ok := ctx.Schedules[typ]
		if !ok {
			s, ok = builtinSchedules[typ]
		}
		if ok {
			r.TimeWindow = window(s.Earliest, s.Latest)
			r.Frequency = cronFrequency(s.Cron)
		}
	} else if r.Settings != nil {
		r.TimeWindow = window(r.Settings["dispatch.earliest_time"], r.Settings["dispatch.latest_time"])
		r.Frequency = cronFrequency(r.Settings["cron_schedule"])
	}
	l := &lowering{r: r, src: r.Query, seen: map[string]bool{}}
	l.expand(ctx)
	q, errs := spl.Parse([]byte(l.text))
	for _, e := range errs {
		line, col := l.position(l.exp.Origin(e.Span).Start)
		r.AddDiagnostic(e.Severity.String(), line, col, prefixParse+e.Msg)
	}
	l.names(q)
	r.Stages = l.pipeline(q.Pipeline, true)
	for i := range r.Stages {
		r.Stages[i].N = i + 1
	}
	l.finishOutputs()
	l.dataSources(ctx)
	l.explainRule()
}

// The messages of the lowering's diagnostics begin with one of these, so
// that Link can take them off before it lowers a rule again.
const (
	prefixParse     = "search: "
	prefixExpand    = "macro expansion: "
	prefixUndefined = "undefined macro "
	prefixSource    = "unknown data source "
)

func isLoweringDiag(d rule.Diagnostic) bool {
	for _, p := range []string{prefixParse, prefixExpand, prefixUndefined, prefixSource} {
		if strings.HasPrefix(d.Message, p) {
			return true
		}
	}
	return false
}

type lowering struct {
	r        *rule.Rule
	src      string // the query as written
	text     string // the query with its macros expanded
	exp      *spl.Expansion
	seen     map[string]bool
	indIndex map[indKey]int
	curSrc   []string // the sources the stage being lowered selects
	outs     []rule.OutputField
	defined  bool // outs is the whole of the fields (after table, fields, stats...)
	groupBy  []string
	ex       lower.Explainer
	sources  []string
}

func (l *lowering) once(kind, s string, list *[]string) {
	if s == "" || l.seen[kind+"\x00"+s] {
		return
	}
	l.seen[kind+"\x00"+s] = true
	*list = append(*list, s)
}

func (l *lowering) keyword(f string) { l.once("kw", f, &l.r.Keywords) }

func (l *lowering) textOf(n spl.Node) string {
	sp := n.Span()
	if sp.Start < 0 || sp.End > len(l.text) || sp.Start > sp.End {
		return ""
	}
	return l.text[sp.Start:sp.End]
}

// position returns the line of the query's offset off (1-based, in the
// query) and its column (in runes).
func (l *lowering) position(off int) (line, col int) {
	off = min(max(off, 0), len(l.src))
	line = 1 + strings.Count(l.src[:off], "\n")
	start := strings.LastIndexByte(l.src[:off], '\n') + 1
	return line, utf8.RuneCountInString(l.src[start:off]) + 1
}

// fileLine is the line in the file of a line of the query.
func (l *lowering) fileLine(line int) int { return max(l.r.QueryLine, 1) + line - 1 }

// ---- macros

// expand expands the query's macros with the repository's definitions and
// the well-known ones it lacks, and reports what it could not expand.
func (l *lowering) expand(ctx *Context) {
	set := make(spl.MacroSet, len(ctx.Macros)+4)
	for k, v := range ctx.Macros {
		set[k] = v
	}
	wellKnown := map[string]bool{}
	var exp *spl.Expansion
	var errs diag.ErrorList
	for range 4 {
		exp, errs = spl.Expand(l.src, set)
		added := false
		for _, u := range exp.Undefined {
			if set[u.Key] != nil {
				continue
			}
			if d := wellKnownMacro(u.Key); d != nil {
				set[u.Key] = d
				wellKnown[u.Key] = true
				added = true
			}
		}
		if !added {
			break
		}
	}
	l.exp, l.text = exp, exp.Text
	r := l.r
	for _, e := range errs {
		line, col := l.position(e.Span.Start)
		r.AddDiagnostic(rule.SevError, l.fileLine(line), col, prefixExpand+e.Msg)
	}
	warned := map[string]bool{}
	for _, u := range exp.Undefined {
		if warned[u.Key] {
			continue
		}
		warned[u.Key] = true
		line, col := l.position(u.Span.Start)
		where := "the repository"
		if u.Nested {
			where += " (called from " + l.src[u.Span.Start:u.Span.End] + ")"
		}
		r.AddDiagnostic(rule.SevWarning, l.fileLine(line), col, prefixUndefined+"`"+u.Key+"`: not defined in "+where+" nor by Splunk ES or ESCU; kept as written")
		r.Params = append(r.Params, rule.Param{Name: u.Key, Kind: "macro (undefined)", Value: ""})
		l.ex.Say(0, "The macro `"+u.Key+"` is defined nowhere ruledex read: it is kept as written")
	}
	for _, c := range exp.Calls {
		call := l.src[c.Src.Start:c.Src.End]
		if l.seen["call\x00"+call] {
			continue
		}
		l.seen["call\x00"+call] = true
		name, args, _ := spl.SplitMacroCall(call)
		kind := "macro"
		if wellKnown[spl.MacroKey(name, len(args))] {
			kind = "macro (well-known)"
		}
		r.Params = append(r.Params, rule.Param{Name: call, Kind: kind, Value: exp.Text[c.Out.Start:c.Out.End]})
	}
	if len(exp.Calls) > 0 {
		r.Params = append(r.Params, rule.Param{Name: "expanded search", Kind: "expansion", Value: exp.Text})
	}
}

// ---- names

// names lists the functions called and the fields named.
func (l *lowering) names(q *spl.Query) {
	r := l.r
	spl.Inspect(q, func(n spl.Node) bool {
		switch n := n.(type) {
		case *spl.CallExpr:
			l.once("fn", strings.ToLower(n.Func.Name), &r.Functions)
		case *spl.Aggregation:
			l.once("fn", strings.ToLower(n.Func.Name), &r.Functions)
		case *spl.Field:
			if !n.Wildcard {
				l.keyword(n.Name)
			}
		}
		return true
	})
}

// ---- commands

func (l *lowering) pipeline(pl *spl.Pipeline, top bool) []rule.Stage {
	if pl == nil {
		return nil
	}
	var out []rule.Stage
	for _, c := range pl.Commands {
		st := l.command(c, len(out)+1, top)
		st.N = len(out) + 1
		out = append(out, st)
	}
	return out
}

func (l *lowering) stageAt(kind string, n spl.Node) rule.Stage {
	st := rule.Stage{Kind: kind, Text: strings.TrimSpace(l.textOf(n))}
	st.Line, st.Col = l.position(l.exp.Origin(n.Span()).Start)
	return st
}

// subsearch is the inner stage of a subsearch: its pipeline, its source.
func (l *lowering) subsearch(kind string, s *spl.Subsearch) rule.Stage {
	st := l.stageAt(kind, s)
	saved := l.curSrc
	l.curSrc = nil
	st.Stages = l.pipeline(s.Pipeline, false)
	l.curSrc = saved
	for _, in := range st.Stages {
		if in.Source != "" {
			st.Source = in.Source
			break
		}
	}
	return st
}

func (l *lowering) command(c spl.Command, n int, top bool) rule.Stage {
	r := l.r
	name := spl.Name(c)
	switch c.(type) {
	case *spl.Macro:
		name = "macro"
	case *spl.BadCommand:
		name = "unreadable"
	}
	l.once("op", name, &r.Operators)
	st := l.stageAt(name, c)
	l.curSrc = nil
	g := &group{kind: "and"}
	switch c := c.(type) {
	case *spl.SearchCommand:
		l.searchGroup(c.Expr, false, g)
	case *spl.WhereCommand:
		l.evalGroup(c.Expr, false, g)
	case *spl.EvalCommand:
		for _, a := range c.Assigns {
			if a.Field != nil && top {
				l.setOut(a.Field.Name, "eval", n, l.textOf(a.Value))
			}
		}
	case *spl.StatsCommand:
		l.stats(c, n, top, &st, g)
	case *spl.RexCommand:
		sed := false
		for _, o := range c.Options {
			if o, ok := o.(*spl.Option); ok && o.Name != nil && strings.EqualFold(o.Name.Name, "mode") && o.Value != nil && strings.EqualFold(o.Value.Text, "sed") {
				sed = true
			}
		}
		if !sed && top {
			for _, gname := range c.Groups {
				l.setOut(gname, "rex", n, "")
			}
		}
	case *spl.RegexCommand:
		if c.Regex != nil {
			field := "_raw"
			if c.Field != nil {
				field = c.Field.Name
			}
			re := c.Regex.Value
			l.addPred(g, rule.Predicate{Field: field, Kind: rule.OpRegex, Values: []string{re}, CaseSensitive: !strings.HasPrefix(re, "(?i)"),
				Negated: c.Op == spl.Neq, Text: l.textOf(c)})
		}
	case *spl.LookupCommand:
		if top {
			for _, o := range c.Outputs {
				if f := asName(o); f != "" {
					l.setOut(f, "lookup", n, "")
				}
			}
		}
		if c.Table != nil {
			st.Source = "lookup:" + c.Table.Text
		}
	case *spl.InputlookupCommand:
		if c.Table != nil {
			st.Source = "lookup:" + c.Table.Text
			l.addTable(st.Source)
		}
		l.searchGroup(c.Where, false, g)
	case *spl.TableCommand:
		if top {
			l.keepOnly(c.Fields, "table", n)
		}
	case *spl.FieldsCommand:
		if top {
			if c.Sign == "-" {
				l.drop(c.Fields)
			} else {
				l.keepOnly(c.Fields, "fields", n)
			}
		}
	case *spl.RenameCommand:
		for _, rn := range c.Renames {
			if rn.Field != nil && rn.As != nil && top {
				l.rename(rn.Field.Name, rn.As.Name)
			}
		}
	case *spl.JoinCommand:
		if c.Subsearch != nil {
			st.Stages = []rule.Stage{l.subsearch("subsearch", c.Subsearch)}
			st.Source = st.Stages[0].Source
		}
	case *spl.AppendCommand:
		if c.Subsearch != nil {
			st.Stages = []rule.Stage{l.subsearch("subsearch", c.Subsearch)}
			st.Source = st.Stages[0].Source
		}
	case *spl.ConvertCommand:
		for _, cv := range c.Conversions {
			if cv.As != nil && top {
				l.setOut(cv.As.Name, "convert", n, l.textOf(cv))
			}
		}
	case *spl.ArgsCommand:
		l.argsCommand(c, name, n, top, &st)
	}
	if len(l.curSrc) > 0 && st.Source == "" {
		st.Source = strings.Join(l.curSrc, ", ")
	}
	st.Predicates = g.preds
	st.Stages = append(g.subs, st.Stages...)
	l.explainStage(c, &st, n, top)
	return st
}

func asName(f *spl.FieldAs) string {
	if f.As != nil {
		return f.As.Name
	}
	if f.Field != nil {
		return f.Field.Name
	}
	return ""
}

// source notes a value of a field that chooses the data (index,
// sourcetype, source, eventtype) selected positively.
func (l *lowering) source(field, value string) {
	f := strings.ToLower(field)
	if !sourceFields[f] || value == "" {
		return
	}
	l.curSrc = append(l.curSrc, f+"="+value)
	l.addTable(value)
}

func (l *lowering) addTable(t string) {
	if !containsFold(l.r.Tables, t) {
		l.r.Tables = append(l.r.Tables, t)
	}
}

// dataModel notes a data model node read (Endpoint.Processes).
func (l *lowering) dataModel(node string, st *rule.Stage) {
	node = strings.Trim(strings.TrimSpace(node), `"`)
	if node == "" {
		return
	}
	st.Source = "datamodel:" + node
	l.addTable(st.Source)
	title := dataModels[node]
	if title == "" {
		if i := strings.LastIndexByte(node, '.'); i > 0 {
			title = dataModels[node[:i]]
		}
	}
	for _, e := range l.r.Events {
		if e.Event == node {
			return
		}
	}
	l.r.Events = append(l.r.Events, rule.Event{Provider: "Splunk CIM", Event: node, Title: title})
}

var replacingStats = map[string]bool{"stats": true, "tstats": true, "mstats": true, "chart": true, "timechart": true, "sistats": true,
	"sichart": true, "sitimechart": true, "geostats": true}

func (l *lowering) stats(c *spl.StatsCommand, n int, top bool, st *rule.Stage, g *group) {
	name := strings.ToLower(c.Name.Name)
	if c.From != nil && c.From.Value != nil {
		if c.From.Name == nil || strings.EqualFold(c.From.Name.Name, "datamodel") {
			l.dataModel(c.From.Value.Text, st)
		}
	}
	l.searchGroup(c.Where, false, g)
	if !top {
		return
	}
	replace := replacingStats[name]
	var made []rule.OutputField
	for _, a := range c.Aggs {
		out := aggName(l, a)
		made = append(made, rule.OutputField{Name: out, Source: name, Stage: n, Expr: l.aggExpr(a)})
	}
	var by []string
	for _, f := range c.By {
		by = append(by, f.Name)
	}
	if name == "timechart" {
		by = append([]string{"_time"}, by...)
	}
	if replace {
		l.outs, l.defined = nil, true
		for _, f := range by {
			l.setOut(f, name, n, "by")
		}
		l.groupBy = by
		if c.Over != nil {
			l.setOut(c.Over.Name, name, n, "over")
		}
	}
	for _, m := range made {
		l.setOut(m.Name, m.Source, m.Stage, m.Expr)
	}
	for _, o := range c.ByOptions {
		if o, ok := o.(*spl.Option); ok && o.Name != nil && strings.EqualFold(o.Name.Name, "span") && o.Value != nil {
			setting(l.r, "span", o.Value.Text)
		}
	}
	for _, o := range c.Options {
		if o, ok := o.(*spl.Option); ok && o.Name != nil && strings.EqualFold(o.Name.Name, "span") && o.Value != nil {
			setting(l.r, "span", o.Value.Text)
		}
	}
}

// aggName is the field a statistical function makes: its `as` name, else
// the function as written (count, dc(user), values(process)).
func aggName(l *lowering, a *spl.Aggregation) string {
	if a.As != nil {
		return a.As.Name
	}
	if !a.Parens {
		return a.Func.Name
	}
	var args []string
	for _, x := range a.Args {
		args = append(args, l.textOf(x))
	}
	return a.Func.Name + "(" + strings.Join(args, ",") + ")"
}

func (l *lowering) aggExpr(a *spl.Aggregation) string {
	if !a.Parens {
		return a.Func.Name
	}
	var args []string
	for _, x := range a.Args {
		args = append(args, l.textOf(x))
	}
	return a.Func.Name + "(" + strings.Join(args, ", ") + ")"
}

func (l *lowering) argsCommand(c *spl.ArgsCommand, name string, n int, top bool, st *rule.Stage) {
	words := func() []string {
		var ws []string
		for _, f := range c.Fields {
			ws = append(ws, f.Name)
		}
		return ws
	}
	switch name {
	case "datamodel":
		ws := words()
		switch {
		case len(ws) >= 2:
			l.dataModel(ws[0]+"."+ws[1], st)
		case len(ws) == 1:
			l.dataModel(ws[0], st)
		}
	case "from":
		ws := words()
		for _, o := range c.Options {
			if o, ok := o.(*spl.Option); ok && o.Name != nil && strings.EqualFold(o.Name.Name, "datamodel") && o.Value != nil {
				l.dataModel(o.Value.Text, st)
				return
			}
		}
		if len(ws) >= 2 && strings.EqualFold(ws[0], "datamodel") {
			l.dataModel(ws[1], st)
		} else if len(ws) == 1 && strings.HasPrefix(strings.ToLower(ws[0]), "datamodel:") {
			l.dataModel(ws[0][len("datamodel:"):], st)
		}
	case "top", "rare":
		if !top {
			return
		}
		l.outs, l.defined = nil, true
		var by []string
		for _, cl := range c.Clauses {
			if strings.EqualFold(cl.Keyword.Name, "by") {
				for _, f := range cl.Fields {
					by = append(by, f.Name)
				}
			}
		}
		for _, f := range by {
			l.setOut(f, name, n, "by")
		}
		for _, f := range c.Fields {
			l.setOut(f.Name, name, n, "")
		}
		l.setOut("count", name, n, "count")
		l.setOut("percent", name, n, "percent")
		l.groupBy = by
	case "bin", "bucket":
		for _, o := range c.Options {
			if o, ok := o.(*spl.Option); ok && o.Name != nil && strings.EqualFold(o.Name.Name, "span") && o.Value != nil {
				setting(l.r, "span", o.Value.Text)
			}
		}
	case "makeresults":
		st.Source = "makeresults"
	}
}
