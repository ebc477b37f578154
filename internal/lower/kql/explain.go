package lowerkql

import (
	"fmt"
	"strconv"
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

// explain says what the model holds, a sentence per stage in the order of
// the stages (a summarize before a join is said before it), with how each
// column a stage makes is made ("Total is the sum of Count"); the inner
// pipeline of a join, a union or a let is said under the stage that reads
// it. main is the query's own pipeline (nil when it has none).
func (l *kqlLowering) explain(main kql.Expr) {
	r := l.r
	var ex lower.Explainer
	for _, p := range l.explainLets() {
		ex.Add(p)
	}
	if main != nil {
		for _, p := range l.explainPipeline(main, r.Stages, 0) {
			ex.Add(p)
		}
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
			names = append(names[:12], strconv.Itoa(len(names)-12)+" more")
		}
		ex.Say(0, "Emits "+lower.JoinWords(names, "and"))
	}
	ex.Set(r)
}

// explainLets says the scalar lets: "threshold is 5"; a tabular let is said
// where the query reads it.
func (l *kqlLowering) explainLets() []rule.ExplainPart {
	var defs []string
	for _, p := range l.r.Params {
		let := l.lets[p.Name]
		if let == nil || p.Kind != "scalar" {
			continue
		}
		defs = append(defs, lower.Derived(p.Name, exprWords(let.Value, l), p.Value))
	}
	if len(defs) == 0 {
		return nil
	}
	if len(defs) > 8 {
		defs = append(defs[:8], strconv.Itoa(len(defs)-8)+" more")
	}
	return []rule.ExplainPart{{Text: lower.Sentence("Defines: " + strings.Join(defs, "; "))}}
}

// maxExplainNesting bounds how deep inner pipelines are said.
const maxExplainNesting = 4

// explainPipeline says the stages of pipeline x (stages as lowered from it).
func (l *kqlLowering) explainPipeline(x kql.Expr, stages []rule.Stage, depth int) []rule.ExplainPart {
	for {
		p, ok := x.(*kql.ParenExpr)
		if !ok {
			break
		}
		x = p.X
	}
	src, ops := flatten(x)
	var out []rule.ExplainPart
	i := 0
	if src != nil && len(stages) > 0 && stages[0].Kind == "source" {
		out = append(out, l.explainSource(src, &stages[0], depth))
		i = 1
	}
	for _, o := range ops {
		if i >= len(stages) {
			break
		}
		st := &stages[i]
		i++
		op, ok := o.(*kql.Operator)
		if !ok {
			out = append(out, rule.ExplainPart{Text: lower.Sentence("Stage " + strconv.Itoa(st.N) + " could not be read"), Stage: st.N})
			continue
		}
		if p, ok := l.explainOperator(op, st, depth); ok {
			if depth > 0 {
				p.Stage = 0 // the numbers of inner stages are not the page's
			}
			out = append(out, p)
		}
	}
	return out
}

func (l *kqlLowering) explainSource(src kql.Expr, st *rule.Stage, depth int) rule.ExplainPart {
	p := rule.ExplainPart{Stage: st.N}
	name := st.Source
	if name == "" {
		name = "`" + clip(l.text(src)) + "`"
	}
	if id, ok := src.(*kql.Ident); ok && len(st.Stages) > 0 && depth < maxExplainNesting {
		if let := l.lets[id.Name]; let != nil {
			p.Text = "Reads " + name + ", defined by a let as:"
			p.Op = rule.ExplainSteps
			p.Items = l.explainPipeline(let.Value, st.Stages, depth+1)
			return p
		}
	}
	if _, ok := src.(*kql.DataTableExpr); ok {
		name = "the rows of a " + name + " written in the query"
	}
	p.Text = lower.Sentence("Reads " + name)
	return p
}

// explainOperator says one stage; ok is false for an operator that changes
// nothing a reader needs (render, as, serialize without columns).
func (l *kqlLowering) explainOperator(op *kql.Operator, st *rule.Stage, depth int) (rule.ExplainPart, bool) {
	main := clause(op, "")
	say := func(s string) (rule.ExplainPart, bool) {
		return rule.ExplainPart{Text: lower.Sentence(s), Stage: st.N}, true
	}
	switch op.Keyword {
	case "where", "filter":
		lead := "Keeps the rows"
		if st.TimeWindow != "" {
			lead += " of the last " + st.TimeWindow
		}
		if len(main) == 0 {
			return say(lead)
		}
		if d := describeWhere(st.Predicates, connective(main[0])); d != "" {
			s := lead + " where " + d
			if n := subqueryCount(st); n > 0 {
				s += " (against the result of a query)"
			}
			return say(s)
		}
		if st.TimeWindow != "" {
			return say(lead)
		}
		return say(lead + " where `" + clip(l.text(main[0])) + "`")
	case "search":
		if d := describeWhere(st.Predicates, "and"); d != "" {
			return say("Searches for the rows where " + d)
		}
		return say("Searches `" + clip(l.text(op)) + "`")
	case "extend":
		return say("Adds " + l.assignments(main, "a column:", "columns:"))
	case "project":
		var kept, made []string
		for _, x := range main {
			if ne, ok := x.(*kql.NamedExpr); ok {
				name := kqlName(ne.Name)
				kept = append(kept, name)
				if v, isIdent := ne.Value.(*kql.Ident); isIdent {
					made = append(made, name+" is "+v.Name+" renamed")
					continue
				}
				made = append(made, lower.Derived(name, exprWords(ne.Value, l), l.text(ne.Value)))
				continue
			}
			kept = append(kept, l.text(x))
		}
		s := "Keeps only the columns " + lower.FieldList(kept)
		if len(kept) == 0 {
			s = "Keeps only the columns it makes"
		}
		if len(made) > 0 {
			s += "; " + strings.Join(made, "; ")
		}
		return say(s)
	case "project-away":
		return say("Drops the columns " + lower.FieldList(l.texts(main)))
	case "project-keep":
		return say("Keeps only the columns " + lower.FieldList(l.texts(main)))
	case "project-rename":
		var rn []string
		for _, x := range main {
			if ne, ok := x.(*kql.NamedExpr); ok {
				rn = append(rn, kqlName(ne.Value)+" to "+kqlName(ne.Name))
			}
		}
		return say("Renames " + lower.JoinWords(rn, "and"))
	case "project-reorder":
		return say("Puts the columns " + lower.FieldList(l.texts(main)) + " first")
	case "summarize":
		return say(l.explainSummarize(op))
	case "distinct":
		return say("Keeps one row for each distinct " + lower.FieldList(l.texts(main)))
	case "count":
		return say("Counts the rows (Count)")
	case "top", "take", "limit", "sample":
		n := ""
		if len(main) > 0 {
			n = l.text(main[0])
		}
		switch op.Keyword {
		case "top":
			if by := clause(op, "by"); len(by) > 0 {
				return say("Keeps the " + n + " rows first by " + lower.FieldList(l.texts(by)))
			}
		case "sample":
			return say("Keeps " + n + " rows taken at random")
		}
		return say("Keeps at most " + n + " rows")
	case "sort", "order":
		return say("Sorts the rows by " + lower.FieldList(l.texts(clause(op, "by"))))
	case "join", "lookup":
		return l.explainJoin(op, st, depth), true
	case "union":
		p := rule.ExplainPart{Text: "Adds the rows of the union of:", Op: rule.ExplainSteps, Stage: st.N}
		if depth >= maxExplainNesting {
			return say("Adds the rows of a union of " + strconv.Itoa(len(main)) + " queries")
		}
		j := 0
		for _, x := range main {
			n := pipelineLen(x)
			if j+n > len(st.Stages) {
				break
			}
			inner := l.explainPipeline(x, st.Stages[j:j+n], depth+1)
			j += n
			if len(inner) == 1 {
				p.Items = append(p.Items, inner[0])
			} else if len(inner) > 1 {
				p.Items = append(p.Items, rule.ExplainPart{Op: rule.ExplainSteps, Items: inner})
			}
		}
		return p, true
	case "mv-expand":
		return say("Makes a row of each item of " + lower.FieldList(l.texts(main)))
	case "mv-apply":
		return say("Applies a query to each item of " + lower.FieldList(l.texts(main)))
	case "parse", "parse-where", "parse-kv":
		var cols []string
		for _, c := range op.Clauses {
			if c.Keyword == "with" && c.Seq {
				for _, x := range c.Exprs {
					switch x := x.(type) {
					case *kql.Ident:
						cols = append(cols, x.Name)
					case *kql.TypedName:
						cols = append(cols, x.Name.Name)
					}
				}
			}
		}
		from := ""
		if len(main) > 0 {
			from = " " + l.text(main[0])
		}
		if len(cols) > 0 {
			return say("Parses" + from + " into " + lower.FieldList(cols))
		}
		return say("Parses" + from)
	case "make-series":
		return say("Makes a time series: `" + clip(l.text(op)) + "`")
	case "render", "as", "serialize", "consume", "getschema":
		if op.Keyword == "serialize" && len(main) > 0 {
			return say("Numbers the rows and adds " + l.assignments(main, "a column:", "columns:"))
		}
		return rule.ExplainPart{}, false
	case "evaluate":
		return say("Runs the plugin `" + clip(strings.TrimSpace(strings.TrimPrefix(l.text(op), "evaluate"))) + "`")
	case "invoke":
		return say("Calls the function `" + clip(strings.TrimSpace(strings.TrimPrefix(l.text(op), "invoke"))) + "`")
	}
	return say("Applies `" + clip(l.text(op)) + "`")
}

// explainSummarize says a summarize: what it groups by, and how each
// column it makes is made.
func (l *kqlLowering) explainSummarize(op *kql.Operator) string {
	var made []string
	for _, x := range clause(op, "") {
		if ne, ok := x.(*kql.NamedExpr); ok {
			made = append(made, lower.Derived(l.text(ne.Name), exprWords(ne.Value, l), l.text(ne.Value)))
			continue
		}
		name := kqlName(x)
		if name == "" {
			name = "a column"
		}
		made = append(made, lower.Derived(name, exprWords(x, l), l.text(x)))
	}
	var by []string
	for _, x := range clause(op, "by") {
		if ne, ok := x.(*kql.NamedExpr); ok {
			by = append(by, lower.Derived(l.text(ne.Name), exprWords(ne.Value, l), l.text(ne.Value)))
			continue
		}
		if w := exprWords(x, l); w != "" && w != l.text(x) {
			by = append(by, kqlName(x)+" ("+w+")")
			continue
		}
		by = append(by, l.text(x))
	}
	s := "Summarizes all the rows into one"
	if len(by) > 0 {
		s = "Groups the rows by " + lower.FieldList(by)
	}
	if len(made) > 8 {
		made = append(made[:8], strconv.Itoa(len(made)-8)+" more")
	}
	if len(made) > 0 {
		if len(by) > 0 {
			s += "; in each group, "
		} else {
			s += "; "
		}
		s += strings.Join(made, "; ")
	}
	return s
}

// explainJoin says a join or lookup: its kind, what it joins with (its
// inner pipeline said under it) and on what.
func (l *kqlLowering) explainJoin(op *kql.Operator, st *rule.Stage, depth int) rule.ExplainPart {
	kind := ""
	for _, p := range op.Params {
		if id, ok := p.Name.(*kql.Ident); ok && id.Name == "kind" {
			kind = strings.ToLower(kqlName(p.Value))
		}
	}
	// what each kind keeps (https://learn.microsoft.com/kusto/query/join-operator)
	verb := "Joins with %s%s"
	switch kind {
	case "leftanti", "anti", "leftantisemi":
		verb = "Keeps the rows that have no match in %s%s"
	case "leftsemi":
		verb = "Keeps the rows that have a match in %s%s"
	case "leftouter":
		verb = "Adds to each row its matching rows, if any, of %s%s"
	case "inner":
		verb = "Joins each row with every matching row of %s%s"
	case "rightanti", "rightantisemi":
		verb = "Keeps instead the rows of %s that have no match among these%s"
	case "rightsemi":
		verb = "Keeps instead the rows of %s that have a match among these%s"
	case "rightouter":
		verb = "Keeps the rows of %s, each with its matching rows of these, if any%s"
	case "fullouter":
		verb = "Joins with %s, keeping the rows with no match on either side%s"
	}
	if op.Keyword == "lookup" && kind == "" {
		verb = "Looks up in %s%s"
	}
	var keys []string
	for _, x := range clause(op, "on") {
		if b, ok := x.(*kql.BinaryExpr); ok && b.Op == "==" {
			keys = append(keys, kqlName(b.X)+" = "+kqlName(b.Y))
		} else {
			keys = append(keys, l.text(x))
		}
	}
	on := ""
	if len(keys) > 0 {
		on = " on " + strings.Join(keys, ", ")
	}
	src := st.Source
	if src == "" {
		src = "a query"
	}
	main := clause(op, "")
	if len(main) == 0 || len(st.Stages) == 0 || len(st.Stages) == 1 && len(st.Stages[0].Stages) == 0 || depth >= maxExplainNesting {
		return rule.ExplainPart{Text: lower.Sentence(fmt.Sprintf(verb, src, on)), Stage: st.N}
	}
	return rule.ExplainPart{
		Text:  fmt.Sprintf(verb, "the query below", on) + ":",
		Op:    rule.ExplainSteps,
		Stage: st.N,
		Items: l.explainPipeline(main[0], st.Stages, depth+1),
	}
}

// describeWhere says the predicates of a where, those of a field tested
// the same way against several values (a or b) in one phrase.
func describeWhere(ps []rule.Predicate, conn string) string {
	var merged []rule.Predicate
	for _, p := range ps {
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
		if i == 6 {
			ds = append(ds, strconv.Itoa(len(merged)-6)+" more tests")
			break
		}
		ds = append(ds, lower.DescribePredicate(p))
	}
	switch conn {
	case "":
		return "a combination of: " + strings.Join(ds, "; ")
	}
	return lower.JoinWords(ds, conn)
}

func subqueryCount(st *rule.Stage) int { return len(st.Stages) }

// pipelineLen is the number of stages lowering makes of pipeline x.
func pipelineLen(x kql.Expr) int {
	for {
		p, ok := x.(*kql.ParenExpr)
		if !ok {
			break
		}
		x = p.X
	}
	src, ops := flatten(x)
	n := len(ops)
	if src != nil {
		n++
	}
	return n
}

func (l *kqlLowering) texts(xs []kql.Expr) []string {
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		out = append(out, l.text(x))
	}
	return out
}

// assignments says the columns an extend makes and how.
func (l *kqlLowering) assignments(xs []kql.Expr, one, many string) string {
	var ds []string
	for _, x := range xs {
		if ne, ok := x.(*kql.NamedExpr); ok {
			ds = append(ds, lower.Derived(l.text(ne.Name), exprWords(ne.Value, l), l.text(ne.Value)))
			continue
		}
		name := kqlName(x)
		if name == "" {
			name = "a column"
		}
		ds = append(ds, lower.Derived(name, exprWords(x, l), l.text(x)))
	}
	if len(ds) > 8 {
		ds = append(ds[:8], strconv.Itoa(len(ds)-8)+" more")
	}
	if len(ds) == 1 {
		return one + " " + ds[0]
	}
	return many + " " + strings.Join(ds, "; ")
}

func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	const most = 120
	if len(s) > most {
		cut := most
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// kqlWords says KQL's functions in words, for the columns a query makes
// (https://learn.microsoft.com/kusto/query/aggregation-functions and
// scalar-functions).
var kqlWords = lower.Derivation{
	"count":                    "the number of rows",
	"countif":                  "the number of rows where %1",
	"dcount":                   "the number of distinct %1",
	"dcountif":                 "the number of distinct %1 where %2",
	"count_distinct":           "the number of distinct %1",
	"sum":                      "the sum of %1",
	"sumif":                    "the sum of %1 where %2",
	"avg":                      "the average of %1",
	"avgif":                    "the average of %1 where %2",
	"min":                      "the smallest %1",
	"max":                      "the largest %1",
	"minif":                    "the smallest %1 where %2",
	"maxif":                    "the largest %1 where %2",
	"make_set":                 "the set of distinct %1",
	"make_set_if":              "the set of distinct %1 where %2",
	"make_list":                "the list of %1",
	"make_list_if":             "the list of %1 where %2",
	"make_bag":                 "the merged bags of %1",
	"arg_max":                  "the row with the largest %1",
	"arg_min":                  "the row with the smallest %1",
	"take_any":                 "any one %1",
	"any":                      "any one %1",
	"stdev":                    "the standard deviation of %1",
	"variance":                 "the variance of %1",
	"percentile":               "the %2th percentile of %1",
	"tolower":                  "%1 in lower case",
	"toupper":                  "%1 in upper case",
	"tostring":                 "%1 as a string",
	"toint":                    "%1 as an integer",
	"tolong":                   "%1 as a long integer",
	"todouble":                 "%1 as a number",
	"toreal":                   "%1 as a number",
	"todatetime":               "%1 as a date",
	"tobool":                   "%1 as a boolean",
	"toguid":                   "%1 as a GUID",
	"parse_json":               "%1 read as JSON",
	"todynamic":                "%1 read as JSON",
	"parse_url":                "the parts of the URL %1",
	"parse_path":               "the parts of the path %1",
	"parse_command_line":       "the arguments of the command line %1",
	"bin":                      "%1 rounded down to a multiple of %2",
	"floor":                    "%1 rounded down to a multiple of %2",
	"ago":                      "the time %1 ago",
	"now":                      "the current time",
	"strlen":                   "the length of %1",
	"array_length":             "the number of items of %1",
	"split":                    "%1 split at %2",
	"strcat":                   "%1 and %2 joined",
	"extract":                  "the part of %3 that group %2 of the regular expression %1 matches",
	"extract_all":              "every part of %2 that the regular expression %1 matches",
	"trim":                     "%2 with the regular expression %1 trimmed from both ends",
	"replace_string":           "%1 with %2 replaced by %3",
	"replace_regex":            "%1 with the matches of %2 replaced by %3",
	"base64_decode_tostring":   "%1 decoded from base64",
	"hash_sha256":              "the SHA-256 hash of %1",
	"hash_md5":                 "the MD5 hash of %1",
	"datetime_diff":            "the number of %1s from %3 to %2",
	"format_datetime":          "%1 formatted as %2",
	"startofday":               "the start of the day of %1",
	"iff":                      "%2 when %1, else %3",
	"iif":                      "%2 when %1, else %3",
	"isnotempty":               "whether %1 is not empty",
	"isempty":                  "whether %1 is empty",
	"isnotnull":                "whether %1 is not null",
	"isnull":                   "whether %1 is null",
	"geo_info_from_ip_address": "the location of the IP address %1",
	"ipv4_is_private":          "whether %1 is a private IPv4 address",
	"dayofweek":                "the day of the week of %1",
	"hourofday":                "the hour of the day of %1",
	"coalesce":                 "the first of %1 and %2 that is not empty",
}

// exprWords says how expression x is made, in words, when it is a
// function of KQL's with plain arguments (columns, literals) or a column or
// a literal; "" otherwise (the caller quotes the expression).
func exprWords(x kql.Expr, l *kqlLowering) string {
	switch x := x.(type) {
	case *kql.ParenExpr:
		return exprWords(x.X, l)
	case *kql.Ident:
		return x.Name
	case *kql.Literal:
		return l.text(x)
	case *kql.SelectorExpr, *kql.IndexExpr:
		return l.text(x)
	case *kql.CallExpr:
		name := funcName(x)
		var args []string
		for _, a := range x.Args {
			w := argWords(a, l)
			if w == "" {
				return ""
			}
			args = append(args, w)
		}
		if strings.EqualFold(name, "count") && len(args) > 0 {
			return ""
		}
		if s, ok := kqlWords.Call(name, args); ok {
			return s
		}
	}
	return ""
}

// argWords says an argument of a function said in words: a column, a
// literal, a path, or a comparison; "" for anything else.
func argWords(x kql.Expr, l *kqlLowering) string {
	switch x := x.(type) {
	case *kql.Ident, *kql.Literal, *kql.SelectorExpr, *kql.IndexExpr:
		return l.text(x)
	case *kql.StarExpr:
		return "*"
	case *kql.CallExpr:
		if w := exprWords(x, l); w != "" && !strings.Contains(w, " where ") {
			return w
		}
	case *kql.BinaryExpr:
		if len(l.text(x)) <= 60 {
			return "`" + l.text(x) + "`"
		}
	}
	return ""
}
