package lint

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/ruledex/ruledex/internal/rule"
)

// The checks every language has: they read only the model.

const (
	checkSyntaxError   = "syntax-error"
	checkSyntaxWarning = "syntax-warning"
)

func init() {
	Register(&Check{ID: checkSyntaxError, Severity: Error, Message: "the rule does not parse",
		Help: "The language's front end (or the rule's file format) reports an error: the rule's text is not valid, and " +
			"the platform would reject it or read it otherwise than it reads. ruledex keeps what it could read; fix the text at the place given.",
		Rule: func(*rule.Rule, *Reporter) {}})
	Register(&Check{ID: checkSyntaxWarning, Severity: Warning, Message: "the front end warns about the rule",
		Help: "The language's front end (or the rule's file format) reports a warning: something that is valid but likely " +
			"not what was meant (an unknown key, a search identifier the condition does not use...).",
		Rule: func(*rule.Rule, *Reporter) {}})
	Register(&Check{ID: "attack-missing", Severity: Note, Message: "the rule states no ATT&CK technique or tactic",
		Help: "A detection that names the ATT&CK techniques (or at least tactics) it covers can be placed in coverage " +
			"matrices and searched by technique. Add them in the form the rule's format takes (Sigma attack.tXXXX tags, " +
			"Sentinel relevantTechniques, a MITRE table...). Saved functions and Sigma filters are not checked.",
		Rule: attackMissing})
	Register(&Check{ID: "attack-unknown", Severity: Warning, Message: "unknown ATT&CK technique or tactic",
		Help: "The rule names a technique or tactic id that ATT&CK (the release embedded in ruledex) does not have: a " +
			"typo (T10178), something that is not an id, or an id of a newer release than ruledex's table (then " +
			"`ruledex attack import` a newer one). Coverage leaves it out.",
		Rule: attackFlag(func(t *rule.Technique) bool { return t.Unknown }, "unknown ATT&CK technique %s", "unknown ATT&CK"),
		Claims: func(d rule.Diagnostic) bool {
			return strings.Contains(d.Message, "ATT&CK") && (strings.Contains(d.Message, "unknown") || strings.Contains(d.Message, "not listed"))
		}})
	Register(&Check{ID: "attack-revoked", Severity: Warning, Message: "revoked ATT&CK technique",
		Help: "ATT&CK revoked the technique the rule names (usually merged into another one): ruledex shows the rule " +
			"under the replacement; write the replacement's id.",
		Rule: attackFlag(func(t *rule.Technique) bool { return t.Revoked }, "ATT&CK technique %s was revoked", "was revoked"),
		Claims: func(d rule.Diagnostic) bool {
			return strings.Contains(d.Message, "ATT&CK") && strings.Contains(d.Message, "revoked")
		}})
	Register(&Check{ID: "attack-deprecated", Severity: Warning, Message: "deprecated ATT&CK technique",
		Help: "ATT&CK deprecated the technique the rule names, with no replacement: map the rule to a current technique.",
		Rule: attackFlag(func(t *rule.Technique) bool { return t.Deprecated && !t.Revoked }, "ATT&CK technique %s is deprecated", "deprecated"),
		Claims: func(d rule.Diagnostic) bool {
			return strings.Contains(d.Message, "ATT&CK") && strings.Contains(d.Message, "deprecated")
		}})
	Register(&Check{ID: "title-missing", Severity: Warning, Message: "the rule has no title",
		Help: "Every rule needs a short title that says what it detects: it names the alert and the rule in every list.",
		Rule: func(r *rule.Rule, rep *Reporter) {
			if strings.TrimSpace(r.Title) == "" && detectionLike(r) {
				rep.AtRule("", "")
			}
		}})
	Register(&Check{ID: "description-missing", Severity: Note, Message: "the rule has no description",
		Help: "A description says what the rule detects and why it matters, for the analyst who gets its alert and the " +
			"engineer who reviews it. Saved functions and Sigma filters are not checked.",
		Rule: func(r *rule.Rule, rep *Reporter) {
			if strings.TrimSpace(r.Description) == "" && detectionLike(r) {
				rep.AtRule("", "")
			}
		}})
	Register(&Check{ID: "value-whitespace", Severity: Warning, Message: "a value starts or ends with white space",
		Help: "A value compared whole (==, in), or at the end it is anchored to (the start of startswith, the end of " +
			"endswith), that begins or ends with a space, tab or newline matches only values with that white space, " +
			"which is rarely meant (a stray space inside the quotes). Values of contains-like tests are not checked: " +
			"a space there is often put on purpose to match a separate word.",
		Rule: valueWhitespace})
	Register(&Check{ID: "wildcard-literal", Severity: Warning, Message: "a '*' in a value the operator takes literally",
		Help: "The operator compares the value character by character (KQL ==, has, contains, startswith; EQL ==...): " +
			"a '*' in it matches only a star, not any text. Use the operator's wildcard form (a contains or " +
			"startswith test without the star, matches regex, EQL ':' or like) or remove the star.",
		Rule: wildcardLiteral})
	Register(&Check{ID: "value-duplicate", Severity: Warning, Message: "the same value twice in one list",
		Help: "A list of values (in, has_any, a Sigma list) holds the same value twice (case folded where the test " +
			"ignores case): one is dead weight, and often a typo for another value that was meant.",
		Rule: valueDuplicate})
	Register(&Check{ID: "filter-contradiction", Severity: Error, Message: "a filter that can never match",
		Help: "Two tests joined by AND require one field to equal values that have nothing in common (x == \"a\" " +
			"then x == \"b\", in two where stages of one pipeline): no event matches, and " +
			"the rule never fires. Only stages that each test one field are compared, so a hit is certain.",
		Rule: filterContradiction})
}

// detectionLike tells whether r is a rule that detects or hunts (not a
// saved function, a filter of other rules, or a definition such as a
// Splunk macro or data source).
func detectionLike(r *rule.Rule) bool {
	return r.Kind != rule.KindFunction && r.Kind != rule.KindFilter && !rule.IsDefinition(r.Kind)
}

// syntax reports the diagnostics of one severity that no other check claims.
func syntax(r *rule.Rule, rep *Reporter, id string, claimed func(rule.Diagnostic) bool) {
	want := rule.SevError
	if id == checkSyntaxWarning {
		want = rule.SevWarning
	}
	for _, d := range r.Diagnostics {
		if d.Severity != want || claimed(d) {
			continue
		}
		rep.AtDiag(d, d.Message, d.Message)
	}
}

// AtDiag reports at the place of a diagnostic of the rule.
func (rep *Reporter) AtDiag(d rule.Diagnostic, text, msg string) {
	r := rep.r
	f := Finding{Line: d.Line, Col: d.Col, text: text, Message: msg}
	if ql := d.Line - r.QueryLine + 1; r.QueryLine > 0 && ql >= 1 {
		lines := strings.Split(r.Query, "\n")
		if ql <= len(lines) {
			f.qline, f.qlines = ql, lines[ql-1]
		}
	}
	rep.add(f)
}

func attackMissing(r *rule.Rule, rep *Reporter) {
	if len(r.Techniques) == 0 && len(r.Tactics) == 0 && detectionLike(r) && r.Kind != rule.KindCorrelation {
		rep.AtRule("", "")
	}
}

// attackFlag returns a check of the techniques flag picks out, placed where
// the ATT&CK resolver placed its diagnostic about each.
func attackFlag(flag func(*rule.Technique) bool, format, diagWord string) func(*rule.Rule, *Reporter) {
	return func(r *rule.Rule, rep *Reporter) {
		for i := range r.Techniques {
			t := &r.Techniques[i]
			if !flag(t) {
				continue
			}
			stated := t.ID
			if t.StatedAs != "" {
				stated = t.StatedAs
			}
			msg := fmt.Sprintf(format, stated)
			if t.Revoked && t.RevokedBy != "" {
				msg += " (replaced by " + t.RevokedBy + ")"
			}
			placed := false
			for _, d := range r.Diagnostics {
				if strings.Contains(d.Message, diagWord) && strings.Contains(d.Message, stated) {
					rep.AtDiag(d, stated, msg)
					placed = true
					break
				}
			}
			if !placed {
				rep.Find(0, stated, stated, msg)
			}
		}
		// Unknown tactics and ids that are no technique are only diagnostics.
		if diagWord == "unknown ATT&CK" {
			for _, d := range r.Diagnostics {
				if strings.Contains(d.Message, diagWord) && !strings.Contains(d.Message, "technique T") {
					rep.AtDiag(d, d.Message, d.Message)
				}
			}
		}
	}
}

// Each calls f for every stage of r, inner pipelines included, with the
// stages of its pipeline.
func Each(r *rule.Rule, f func(pipeline []rule.Stage, i int)) {
	var walk func(ss []rule.Stage)
	walk = func(ss []rule.Stage) {
		for i := range ss {
			f(ss, i)
			walk(ss[i].Stages)
		}
	}
	walk(r.Stages)
}

// EachPredicate calls f for every predicate of every stage of r.
func EachPredicate(r *rule.Rule, f func(s *rule.Stage, p *rule.Predicate)) {
	Each(r, func(ss []rule.Stage, i int) {
		for j := range ss[i].Predicates {
			f(&ss[i], &ss[i].Predicates[j])
		}
	})
}

func isSpace(s string, first bool) bool {
	if s == "" {
		return false
	}
	var c rune
	if first {
		c = []rune(s[:min(len(s), 4)])[0]
	} else {
		rs := []rune(s[max(0, len(s)-4):])
		c = rs[len(rs)-1]
	}
	return unicode.IsSpace(c)
}

func valueWhitespace(r *rule.Rule, rep *Reporter) {
	EachPredicate(r, func(s *rule.Stage, p *rule.Predicate) {
		var lead, trail bool
		switch p.Kind {
		case rule.OpEq, rule.OpNe, rule.OpIn:
			lead, trail = true, true
		case rule.OpStartsWith:
			lead = true
		case rule.OpEndsWith:
			trail = true
		default:
			return
		}
		for _, v := range p.Values {
			if strings.TrimSpace(v) == "" {
				continue // a value of white space only is meant
			}
			if lead && isSpace(v, true) || trail && isSpace(v, false) {
				rep.AtPredicate(s, p, v, fmt.Sprintf("the value %q of %s %s starts or ends with white space", v, p.Field, p.Kind))
			}
		}
	})
}

func wildcardLiteral(r *rule.Rule, rep *Reporter) {
	EachPredicate(r, func(s *rule.Stage, p *rule.Predicate) {
		if p.Wildcards {
			return
		}
		switch p.Kind {
		case rule.OpEq, rule.OpNe, rule.OpIn, rule.OpContains, rule.OpStartsWith, rule.OpEndsWith,
			rule.OpHas, rule.OpHasAny, rule.OpHasAll, rule.OpHasPrefix, rule.OpHasSuffix:
		default:
			return
		}
		for _, v := range p.Values {
			if literalStarMeant(v) {
				continue
			}
			if v != "*" && strings.Contains(v, "*") && !strings.Contains(v, "**") {
				rep.AtPredicate(s, p, v, fmt.Sprintf("%s %s %q: the operator takes the '*' literally", p.Field, p.Kind, v))
			}
		}
	})
}

// literalStarMeant tells whether the stars of v are meant as stars: a
// value of several lines (a let's text put in its place), an LDAP
// presence filter (attr=*), a quoted '*' (PowerShell -join'*').
func literalStarMeant(v string) bool {
	if strings.Contains(v, "\n") {
		return true
	}
	for i := 0; i < len(v); i++ {
		if v[i] != '*' {
			continue
		}
		if i > 0 && (v[i-1] == '=' || v[i-1] == '\'' || v[i-1] == '"') {
			continue
		}
		return false
	}
	return true
}

func valueDuplicate(r *rule.Rule, rep *Reporter) {
	EachPredicate(r, func(s *rule.Stage, p *rule.Predicate) {
		if len(p.Values) < 2 {
			return
		}
		seen := map[string]bool{}
		for _, v := range p.Values {
			k := v
			if !p.CaseSensitive {
				k = strings.ToLower(v)
			}
			if seen[k] {
				rep.AtPredicate(s, p, v, fmt.Sprintf("%s %s: the value %q is in the list twice", p.Field, p.Kind, v))
				continue
			}
			seen[k] = true
		}
	})
}

// single returns the one predicate of a stage that tests one field for
// equality, positively, with literal values; nil otherwise.
func single(s *rule.Stage) *rule.Predicate {
	if len(s.Predicates) != 1 || len(s.Stages) > 0 {
		return nil
	}
	p := &s.Predicates[0]
	if p.Negated || p.Wildcards || p.Field == "" || len(p.Values) == 0 || (p.Kind != rule.OpEq && p.Kind != rule.OpIn) {
		return nil
	}
	return p
}

// filterStage tells whether a stage of a pipeline only filters rows and is
// ANDed with the stages before it: a where. (Sigma's selections are the
// terms of a condition that may OR them; the model does not say, so they
// are not compared here.)
func filterStage(kind string) bool { return kind == "where" }

func filterContradiction(r *rule.Rule, rep *Reporter) {
	Each(r, func(ss []rule.Stage, i int) {
		if i > 0 {
			return // once per pipeline
		}
		type seen struct {
			s *rule.Stage
			p *rule.Predicate
		}
		byField := map[string]seen{}
		for j := range ss {
			s := &ss[j]
			if s.Kind == "source" {
				continue
			}
			if !filterStage(s.Kind) {
				byField = map[string]seen{} // columns may change: start again
				continue
			}
			p := single(s)
			if p == nil {
				continue
			}
			key := strings.ToLower(p.Field)
			prev, ok := byField[key]
			if !ok {
				byField[key] = seen{s, p}
				continue
			}
			if disjoint(prev.p, p) {
				rep.AtPredicate(s, p, "", fmt.Sprintf("%s must be %s and also %s: no event matches both",
					p.Field, valueList(prev.p), valueList(p)))
			}
		}
	})
}

func valueList(p *rule.Predicate) string {
	if len(p.Values) == 1 {
		return fmt.Sprintf("%q", p.Values[0])
	}
	q := make([]string, len(p.Values))
	for i, v := range p.Values {
		q[i] = fmt.Sprintf("%q", v)
	}
	return "one of (" + strings.Join(q, ", ") + ")"
}

// disjoint tells whether no value can pass both equality tests.
func disjoint(a, b *rule.Predicate) bool {
	fold := !a.CaseSensitive || !b.CaseSensitive
	for _, x := range a.Values {
		for _, y := range b.Values {
			if x == y || fold && strings.EqualFold(x, y) {
				return false
			}
		}
	}
	return true
}
