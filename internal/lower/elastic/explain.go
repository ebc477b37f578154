package lowerelastic

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/ruledex/ruledex/internal/lower"
	"github.com/ruledex/ruledex/internal/rule"
)

// explain says in plain words what the model of r holds, a sentence per
// stage in the order of the stages: what it reads, the tests of each
// stage, the fields an ES|QL EVAL or STATS makes and how, and what the
// rule's type adds. Nothing is said that is not in the model or the query.
func explain(r *rule.Rule, d *ruleDoc) {
	var ex lower.Explainer
	stage := 0
	say := func(s string) { ex.Say(stage, s) }
	esql := r.Language == LangESQL
	if len(r.Tables) > 0 {
		say("Reads " + lower.FieldList(r.Tables) + ".")
	}
	var walk func(ss []rule.Stage, depth int)
	walk = func(ss []rule.Stage, depth int) {
		for _, st := range ss {
			if depth == 0 {
				stage = st.N
			}
			if esql && depth == 0 {
				if s := esqlStage(st); s != "" {
					say(s)
					continue
				}
			}
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
	stage = 0
	if len(r.GroupBy) > 0 && !esql {
		say("Grouped by " + lower.FieldList(r.GroupBy) + ".")
	}
	if r.TimeWindow != "" {
		s := "Looks back " + r.TimeWindow
		if r.Frequency != "" {
			s += " every " + r.Frequency
		}
		say(s + ".")
	}
	ex.Set(r)
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

// esqlStage says an ES|QL command that makes fields (EVAL, STATS, RENAME,
// KEEP, DROP, DISSECT, GROK, SORT, LIMIT) from its text; "" for the others
// (FROM, WHERE: said from the model).
// https://www.elastic.co/docs/reference/query-languages/esql/esql-commands
func esqlStage(st rule.Stage) string {
	cmd, body := esqlCommand(st.Text)
	switch st.Kind {
	case "eval":
		var made []string
		for _, a := range splitTop(body, ',') {
			name, expr := esqlAssign(a)
			made = append(made, lower.Derived(name, esqlWords.CallWords(expr, 0), expr))
		}
		if len(made) == 1 {
			return "Sets a field: " + made[0]
		}
		return "Sets the fields: " + strings.Join(made, "; ")
	case "stats", "inline_stats", "inlinestats":
		aggs, by := body, ""
		if i := indexFoldTop(body, " by "); i >= 0 {
			aggs, by = body[:i], body[i+4:]
		}
		var made []string
		for _, a := range splitTop(aggs, ',') {
			name, expr := esqlAssign(a)
			made = append(made, lower.Derived(name, esqlWords.CallWords(expr, 0), expr))
		}
		s := "Summarizes all the rows into one"
		if b := splitTop(by, ','); len(b) > 0 {
			s = "Groups the rows by " + lower.FieldList(b)
		}
		if len(made) > 8 {
			made = append(made[:8], strconv.Itoa(len(made)-8)+" more")
		}
		if len(made) > 0 {
			if by != "" {
				s += "; in each group, "
			} else {
				s += ": "
			}
			s += strings.Join(made, "; ")
		}
		return s
	case "keep":
		return "Keeps only the fields " + lower.FieldList(splitTop(body, ','))
	case "drop":
		return "Drops the fields " + lower.FieldList(splitTop(body, ','))
	case "rename":
		var rn []string
		for _, a := range splitTop(body, ',') {
			f := strings.Fields(a)
			if len(f) == 3 && strings.EqualFold(f[1], "as") {
				rn = append(rn, f[0]+" to "+f[2])
			} else if len(f) == 3 && f[1] == "=" {
				rn = append(rn, f[2]+" to "+f[0])
			} else {
				rn = append(rn, a)
			}
		}
		return "Renames " + lower.JoinWords(rn, "and")
	case "sort":
		return "Sorts the rows by " + lower.FieldList(splitTop(body, ','))
	case "limit":
		return "Keeps at most " + body + " rows"
	case "dissect", "grok":
		f := strings.Fields(body)
		var names []string
		for _, m := range patternFieldRE.FindAllStringSubmatch(body, -1) {
			n := m[1]
			if i := strings.LastIndexByte(n, ':'); i >= 0 {
				n = n[i+1:]
			}
			if n != "" {
				names = append(names, n)
			}
		}
		if len(f) > 0 && len(names) > 0 {
			return "Extracts " + lower.FieldList(names) + " from " + f[0]
		}
	}
	_ = cmd
	return ""
}

var patternFieldRE = regexp.MustCompile(`%\{([^}]*)\}`)

// esqlCommand splits a command's text into its keyword and the rest, line
// comments taken off.
func esqlCommand(text string) (string, string) {
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		if i := commentAt(l); i >= 0 {
			l = l[:i]
		}
		lines = append(lines, l)
	}
	t := strings.Join(strings.Fields(strings.Join(lines, " ")), " ")
	cmd, body, _ := strings.Cut(t, " ")
	return cmd, body
}

// commentAt is where a // comment starts in a line, outside quotes; -1
// when there is none.
func commentAt(l string) int {
	inQ := false
	for i := 0; i+1 < len(l); i++ {
		switch {
		case l[i] == '\\' && inQ:
			i++
		case l[i] == '"':
			inQ = !inQ
		case !inQ && l[i] == '/' && l[i+1] == '/':
			return i
		}
	}
	return -1
}

// esqlAssign splits `name = expr`; an expression with no name is named as
// written (ES|QL names the column after it).
func esqlAssign(a string) (string, string) {
	depth, inQ := 0, false
	for i := 0; i < len(a); i++ {
		c := a[i]
		switch {
		case inQ:
			if c == '\\' {
				i++
			} else if c == '"' {
				inQ = false
			}
		case c == '"':
			inQ = true
		case c == '(' || c == '[':
			depth++
		case c == ')' || c == ']':
			depth--
		case c == '=' && depth == 0 && (i+1 >= len(a) || a[i+1] != '=') && (i == 0 || !strings.ContainsRune("=!<>", rune(a[i-1]))):
			return strings.TrimSpace(a[:i]), strings.TrimSpace(a[i+1:])
		}
	}
	return strings.TrimSpace(a), strings.TrimSpace(a)
}

// splitTop splits s at sep outside quotes, parentheses and brackets.
func splitTop(s string, sep byte) []string {
	var out []string
	depth, inQ, start := 0, false, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inQ:
			if c == '\\' {
				i++
			} else if c == '"' {
				inQ = false
			}
		case c == '"':
			inQ = true
		case c == '(' || c == '[':
			depth++
		case c == ')' || c == ']':
			depth--
		case c == sep && depth == 0:
			if p := strings.TrimSpace(s[start:i]); p != "" {
				out = append(out, p)
			}
			start = i + 1
		}
	}
	if p := strings.TrimSpace(s[start:]); p != "" {
		out = append(out, p)
	}
	return out
}

// indexFoldTop finds word (lower case) in s, ignoring case, outside quotes
// and parentheses; -1 when it is not there.
func indexFoldTop(s, word string) int {
	depth, inQ := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inQ:
			if c == '\\' {
				i++
			} else if c == '"' {
				inQ = false
			}
		case c == '"':
			inQ = true
		case c == '(' || c == '[':
			depth++
		case c == ')' || c == ']':
			depth--
		case depth == 0 && i+len(word) <= len(s) && strings.EqualFold(s[i:i+len(word)], word):
			return i
		}
	}
	return -1
}

// esqlWords says ES|QL's functions in words
// (https://www.elastic.co/docs/reference/query-languages/esql/esql-functions-operators).
var esqlWords = lower.Derivation{
	"count":          "the number of rows with a value of %1",
	"count(*)":       "the number of rows",
	"count_distinct": "the number of distinct %1",
	"sum":            "the sum of %1",
	"avg":            "the average of %1",
	"min":            "the smallest %1",
	"max":            "the largest %1",
	"values":         "the distinct values of %1",
	"median":         "the median of %1",
	"to_lower":       "%1 in lower case",
	"to_upper":       "%1 in upper case",
	"to_string":      "%1 as a string",
	"to_integer":     "%1 as an integer",
	"to_long":        "%1 as a long integer",
	"to_double":      "%1 as a number",
	"to_ip":          "%1 as an IP address",
	"to_datetime":    "%1 as a date",
	"length":         "the length of %1",
	"coalesce":       "the first of %1 and %2 that has a value",
	"case":           "%2 when %1, else %3",
	"date_diff":      "the number of %1 from %2 to %3",
	"date_trunc":     "%2 rounded down to %1",
	"date_format":    "%2 formatted as %1",
	"now":            "the current time",
	"mv_count":       "the number of values of %1",
	"mv_dedupe":      "the distinct values of %1",
	"substring":      "the part of %1 from %2",
	"concat":         "%1 and %2 joined",
	"replace":        "%1 with the matches of %2 replaced by %3",
	"split":          "%1 split at %2",
	"md5":            "the MD5 hash of %1",
	"sha256":         "the SHA-256 hash of %1",
	"cidr_match":     "whether %1 is in the network %2",
	"starts_with":    "whether %1 starts with %2",
	"ends_with":      "whether %1 ends with %2",
}
