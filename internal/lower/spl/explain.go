package lowerspl

import (
	"strconv"
	"strings"

	"github.com/ruledex/ruledex/internal/lang/spl"
	"github.com/ruledex/ruledex/internal/lower"
	"github.com/ruledex/ruledex/internal/rule"
)

// The explanation: sentences made from the model alone.

const maxDescribeDepth = 5

// describeStage says the predicates and inner groups of a stage, joined by
// its connective (and at the top).
func describeStage(preds []rule.Predicate, subs []rule.Stage, conj string, depth int) string {
	var parts []string
	for _, p := range preds {
		parts = append(parts, describePredicate(p))
	}
	for _, s := range subs {
		if s.Kind != "and" && s.Kind != "or" {
			continue
		}
		if depth >= maxDescribeDepth {
			parts = append(parts, "("+strings.Join(strings.Fields(s.Text), " ")+")")
			continue
		}
		if d := describeStage(s.Predicates, s.Stages, s.Kind, depth+1); d != "" {
			parts = append(parts, "("+d+")")
		}
	}
	return strings.Join(parts, " "+conj+" ")
}

func describePredicate(p rule.Predicate) string {
	if p.Kind == rule.OpNe {
		// Splunk's f!=v: f is there, with another value
		return p.Field + " is present and is not " + lower.QuotedList(p.Values, "nor") + caseNote(p)
	}
	s := lower.DescribePredicate(p)
	if p.Kind == rule.OpEq && p.Negated && p.Field != "" {
		s += " (or is missing)"
	}
	if p.Wildcards {
		s += " (with wildcards)"
	}
	if p.Kind == rule.OpRegex && !p.CaseSensitive {
		s += " (ignoring case)"
	}
	if p.Kind == rule.OpKeyword && p.CaseSensitive {
		s += " (case-sensitive)"
	}
	return s
}

func caseNote(p rule.Predicate) string {
	if !lower.HasLetters(p.Values) {
		return ""
	}
	if p.CaseSensitive {
		return " (case-sensitive)"
	}
	return " (ignoring case)"
}

// explainStage adds the sentence of a top-level stage, in the order of
// the stages: what it reads and keeps, and how each field it makes is made
// ("count is the number of events", "user is TargetUserName renamed").
func (l *lowering) explainStage(c spl.Command, st *rule.Stage, n int, top bool) {
	if !top {
		return
	}
	var parts []string
	if st.Source != "" && (st.Kind == "search" || st.Kind == "tstats" || st.Kind == "datamodel" || st.Kind == "from" || st.Kind == "inputlookup" || st.Kind == "mstats") {
		parts = append(parts, "reads "+st.Source)
	}
	if d := describeStage(st.Predicates, st.Stages, "and", 0); d != "" {
		parts = append(parts, "keeps the events where "+d)
	}
	switch c := c.(type) {
	case *spl.EvalCommand:
		var made []string
		for _, a := range c.Assigns {
			if a.Field == nil {
				continue
			}
			expr := l.textOf(a.Value)
			made = append(made, lower.Derived(a.Field.Name, splWords.CallWords(expr, 0), expr))
		}
		if len(made) == 1 {
			parts = append(parts, "sets a field: "+made[0])
		} else if len(made) > 1 {
			parts = append(parts, "sets the fields: "+strings.Join(made, "; "))
		}
	case *spl.StatsCommand:
		var made []string
		for _, a := range c.Aggs {
			made = append(made, lower.Derived(aggName(l, a), l.aggWords(a), l.aggExpr(a)))
		}
		var by []string
		for _, f := range c.By {
			by = append(by, f.Name)
		}
		s := "summarizes all the events"
		if len(by) > 0 {
			s = "groups the events by " + lower.FieldList(by)
		}
		if len(made) > 8 {
			made = append(made[:8], strconv.Itoa(len(made)-8)+" more")
		}
		if len(made) > 0 {
			if len(by) > 0 {
				s += "; in each group, "
			} else {
				s += ": "
			}
			s += strings.Join(made, "; ")
		}
		parts = append(parts, s)
	case *spl.RenameCommand:
		var rn []string
		for _, x := range c.Renames {
			if x.Field != nil && x.As != nil {
				rn = append(rn, x.Field.Name+" to "+x.As.Name)
			}
		}
		parts = append(parts, "renames "+lower.JoinWords(rn, "and"))
	case *spl.TableCommand:
		parts = append(parts, "keeps only the fields "+lower.FieldList(fieldNames(c.Fields)))
	case *spl.FieldsCommand:
		if c.Sign == "-" {
			parts = append(parts, "drops the fields "+lower.FieldList(fieldNames(c.Fields)))
		} else {
			parts = append(parts, "keeps only the fields "+lower.FieldList(fieldNames(c.Fields)))
		}
	case *spl.RexCommand:
		if len(c.Groups) > 0 {
			parts = append(parts, "extracts "+lower.FieldList(c.Groups)+" with a regular expression")
		}
	case *spl.LookupCommand:
		var outs []string
		for _, o := range c.Outputs {
			if f := asName(o); f != "" {
				outs = append(outs, f)
			}
		}
		s := "looks the events up in " + strings.TrimPrefix(st.Source, "lookup:")
		if len(outs) > 0 {
			s += ", adding " + lower.FieldList(outs)
		}
		parts = append(parts, s)
	}
	switch st.Kind {
	case "join", "append", "appendcols", "appendpipe":
		if len(st.Stages) > 0 {
			s := st.Kind + "s the results of a subsearch"
			if st.Stages[len(st.Stages)-1].Source != "" {
				s += " reading " + st.Stages[len(st.Stages)-1].Source
			}
			parts = append(parts, s)
		}
	case "macro":
		parts = append(parts, "calls a macro defined nowhere ruledex read")
	case "sort":
		parts = append(parts, "sorts the events")
	case "dedup":
		parts = append(parts, "keeps one event for each value of `"+strings.TrimSpace(strings.TrimPrefix(st.Text, "dedup"))+"`")
	case "head":
		parts = append(parts, "keeps the first events (`"+st.Text+"`)")
	}
	if len(parts) > 0 {
		l.ex.Say(n, strings.Join(parts, ", and "))
	}
}

func fieldNames(fs []*spl.Field) []string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		out = append(out, f.Name)
	}
	return out
}

// aggWords says an aggregation of stats in words ("the number of events",
// "the distinct values of user"); "" when it is not said.
func (l *lowering) aggWords(a *spl.Aggregation) string {
	if !a.Parens {
		w, _ := splWords.Call(a.Func.Name, nil)
		return w
	}
	return splWords.CallWords(l.aggExpr(a), 0)
}

// splWords says the functions of stats and eval in words
// (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/CommonStatsFunctions,
// .../CommonEvalFunctions).
var splWords = lower.Derivation{
	"count":                  "the number of events",
	"dc":                     "the number of distinct %1",
	"distinct_count":         "the number of distinct %1",
	"values":                 "the distinct values of %1",
	"list":                   "the list of %1",
	"sum":                    "the sum of %1",
	"avg":                    "the average of %1",
	"mean":                   "the average of %1",
	"min":                    "the smallest %1",
	"max":                    "the largest %1",
	"earliest":               "the earliest %1",
	"latest":                 "the latest %1",
	"first":                  "the first %1",
	"last":                   "the last %1",
	"stdev":                  "the standard deviation of %1",
	"median":                 "the median of %1",
	"lower":                  "%1 in lower case",
	"upper":                  "%1 in upper case",
	"len":                    "the length of %1",
	"tostring":               "%1 as a string",
	"tonumber":               "%1 as a number",
	"round":                  "%1 rounded",
	"abs":                    "the absolute value of %1",
	"if":                     "%2 when %1, else %3",
	"coalesce":               "the first of %1 and %2 that has a value",
	"mvcount":                "the number of values of %1",
	"mvindex":                "value %2 of %1",
	"mvjoin":                 "the values of %1 joined with %2",
	"split":                  "%1 split at %2",
	"replace":                "%1 with the matches of %2 replaced by %3",
	"substr":                 "the part of %1 from %2",
	"strftime":               "%1 formatted as %2",
	"strptime":               "%1 read as a time in the format %2",
	"now":                    "the current time",
	"md5":                    "the MD5 hash of %1",
	"sha256":                 "the SHA-256 hash of %1",
	"urldecode":              "%1 URL-decoded",
	"isnotnull":              "whether %1 has a value",
	"isnull":                 "whether %1 has no value",
	"match":                  "whether %1 matches the regular expression %2",
	"like":                   "whether %1 matches the pattern %2",
	"cidrmatch":              "whether %2 is in the network %1",
	"security_content_ctime": "%1 as a readable time",
}

func (l *lowering) explainRule() {
	r := l.r
	if len(r.Outputs) > 0 {
		var names []string
		for _, o := range r.Outputs {
			names = append(names, o.Name)
		}
		l.ex.Say(0, "It emits "+lower.FieldList(names))
	}
	l.ex.Set(r)
}
