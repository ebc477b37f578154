package lowerspl

import (
	"strconv"
	"strings"

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

// explainStage adds the sentence of a top-level stage.
func (l *lowering) explainStage(st *rule.Stage, n int, top bool) {
	if !top {
		return
	}
	head := "Stage " + strconv.Itoa(n) + " (" + st.Kind + ")"
	var parts []string
	if st.Source != "" && (st.Kind == "search" || st.Kind == "tstats" || st.Kind == "datamodel" || st.Kind == "from" || st.Kind == "inputlookup" || st.Kind == "mstats") {
		parts = append(parts, "reads "+st.Source)
	}
	if d := describeStage(st.Predicates, st.Stages, "and", 0); d != "" {
		parts = append(parts, "keeps the events where "+d)
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
	}
	if len(parts) > 0 {
		l.explain = append(l.explain, head+" "+strings.Join(parts, ", and ")+".")
	}
}

func (l *lowering) explainRule() {
	r := l.r
	var out []string
	if len(r.GroupBy) > 0 {
		out = append(out, "It groups by "+lower.FieldList(r.GroupBy)+".")
	}
	if len(r.Outputs) > 0 {
		var names []string
		for _, o := range r.Outputs {
			names = append(names, o.Name)
		}
		out = append(out, "It emits "+lower.FieldList(names)+".")
	}
	r.Explanation = strings.Join(append(l.explain, out...), " ")
}
