package lowerelastic

import (
	"strings"

	"github.com/ruledex/ruledex/internal/lower"
	"github.com/ruledex/ruledex/internal/rule"
)

// explain says in plain words what the model of r holds: what it reads,
// the tests of each stage, and what its type adds. Nothing is said that is
// not in the model.
func explain(r *rule.Rule, d *ruleDoc) string {
	var b strings.Builder
	say := func(s string) {
		if s == "" {
			return
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s)
	}
	if len(r.Tables) > 0 {
		say("Reads " + lower.FieldList(r.Tables) + ".")
	}
	var walk func(ss []rule.Stage, depth int)
	walk = func(ss []rule.Stage, depth int) {
		for _, st := range ss {
			switch st.Kind {
			case "source":
				if depth > 0 {
					say("It looks up " + st.Source + ".")
				}
				continue
			case "machine_learning", "threshold", "new_terms", "suppress":
				say(upperFirst(stageWords[st.Kind] + st.Text + "."))
				continue
			case "threat_match":
				say(upperFirst(st.Text) + ".")
				walk(st.Stages, depth+1)
				continue
			case "sequence", "sample":
				s := "A " + st.Kind + " of the events below"
				if st.TimeWindow != "" {
					s += ", within " + st.TimeWindow
				}
				say(s + ".")
				continue
			}
			var ps []string
			for _, p := range st.Predicates {
				if len(ps) == 6 {
					ps = append(ps, "more")
					break
				}
				ps = append(ps, describe(p))
			}
			if len(ps) == 0 {
				continue
			}
			lead := "Keeps events where "
			if r.Language == LangESQL && depth == 0 {
				lead = "Keeps rows where "
			}
			switch st.Kind {
			case "step":
				lead = "Then an event where "
			case "missing":
				lead = "With no event between where "
			case "until":
				lead = "Until an event where "
			case "filter":
				lead = "Filters: "
			}
			say(lead + strings.Join(ps, "; ") + ".")
			walk(st.Stages, depth+1)
		}
	}
	walk(r.Stages, 0)
	if len(r.GroupBy) > 0 {
		say("Grouped by " + lower.FieldList(r.GroupBy) + ".")
	}
	if r.TimeWindow != "" {
		s := "Looks back " + r.TimeWindow
		if r.Frequency != "" {
			s += " every " + r.Frequency
		}
		say(s + ".")
	}
	return b.String()
}

var stageWords = map[string]string{
	"machine_learning": "Alerts on ",
	"threshold":        "Alerts on ",
	"new_terms":        "Alerts on ",
	"suppress":         "",
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// describe says a predicate in words; a wildcard pattern "matches".
func describe(p rule.Predicate) string {
	if !p.Wildcards || p.Kind != rule.OpEq || !strings.ContainsAny(strings.Join(p.Values, ""), "*?") {
		return lower.DescribePredicate(p)
	}
	verb := "matches"
	conj := "or"
	if p.Negated {
		verb, conj = "matches none of", "and"
	}
	s := p.Field + " " + verb + " " + lower.QuotedList(p.Values, conj)
	if lower.HasLetters(p.Values) {
		if p.CaseSensitive {
			s += " (case-sensitive)"
		} else {
			s += " (ignoring case)"
		}
	}
	return s
}
