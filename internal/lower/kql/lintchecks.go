package lowerkql

import (
	_ "embed"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ruledex/ruledex/internal/lang/kql"
	"github.com/ruledex/ruledex/internal/lint"
	"github.com/ruledex/ruledex/internal/rule"
)

// The lint checks that hold for KQL only. A KQL rule disables a check with
// a comment in its query: // ruledex:disable=CHECK[,CHECK] (read by
// package lint for every language).

//go:embed data/lint_case_varying_fields.txt
var caseVaryingText string

var caseVarying = func() map[string]bool {
	m := map[string]bool{}
	for _, l := range strings.Split(caseVaryingText, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			m[l] = true
		}
	}
	return m
}()

func init() {
	kqlOnly := []string{"kql"}
	lint.Register(&lint.Check{ID: "kql-unknown-escape", Severity: lint.Error, Languages: kqlOnly,
		Message: "a string escape Kusto does not know",
		Help: "In a KQL string in quotes (not @verbatim), a backslash escapes the quote, \\\\, \\n, \\r, \\t, \\0 " +
			"and \\uXXXX only; Kusto rejects any other escape (a regular expression's \\d or \\. written in a plain " +
			"string, a Windows path with single backslashes). Double the backslash or write the string @\"...\".",
		Rule: kqlUnknownEscape})
	lint.Register(&lint.Check{ID: "kql-has-not-term", Severity: lint.Warning, Languages: kqlOnly,
		Message: "has with a value that is not a whole term",
		Help: "Kusto's has (has_any, has_all, has_cs) matches whole terms: runs of letters and digits between other " +
			"characters. A value with white space at its ends, or with no letter or digit at all, is no term: the " +
			"spaces or symbols do not make has look for them. Use contains (or a regular expression) for text that is " +
			"not a whole term.",
		Rule: kqlHasNotTerm})
	lint.Register(&lint.Check{ID: "kql-contains-could-be-has", Severity: lint.Note, Languages: kqlOnly,
		Message: "contains where has gives the same matches faster",
		Help: "The value begins and ends with a symbol (\"/runCommand/\", \"\\\\cmd.exe \\\\\"), so every text " +
			"that contains it holds its letters as whole terms: has finds the same rows, and uses the term index, " +
			"where contains reads every value. Write has (has_cs for contains_cs).",
		Rule: kqlContainsCouldBeHas})
	lint.Register(&lint.Check{ID: "kql-join-without-kind", Severity: lint.Warning, Languages: kqlOnly,
		Message: "join without kind=",
		Help: "A join without kind= is an innerunique join: Kusto keeps one row per key of the left side, chosen at " +
			"random, before joining, so matches are silently dropped. Say the kind you mean (kind=inner, " +
			"kind=leftouter, kind=innerunique...).",
		Rule: kqlJoinWithoutKind})
	lint.Register(&lint.Check{ID: "kql-eq-case-varying-field", Severity: lint.Warning, Languages: kqlOnly,
		Message: "case-sensitive == on a field whose values vary in case",
		Help: "== and in compare with case; the field holds Windows paths, file, account or host names or URLs, whose " +
			"case differs from one event to the next (cmd.exe, CMD.EXE). Use =~ and in~ (or has, endswith...) unless " +
			"the case is fixed. The fields are ruledex's list (internal/lower/kql/data/lint_case_varying_fields.txt).",
		Rule: kqlEqCaseVarying})
	lint.Register(&lint.Check{ID: "kql-unused-let", Severity: lint.Warning, Languages: kqlOnly,
		Message: "a let that is never used",
		Help: "The let statement names a value or table that no later statement uses: dead text, or a sign that " +
			"the query uses another name where this one was meant.",
		Rule: kqlUnusedLet})
	lint.Register(&lint.Check{ID: "kql-no-time-filter", Severity: lint.Note, Languages: kqlOnly,
		Message: "a table read without a time filter in a rule no schedule bounds",
		Help: "The rule has no schedule (a hunting query, a query in a file) and reads the table with no time filter " +
			"(where TimeGenerated > ago(...), between...): it scans the whole retention, or whatever range the " +
			"portal happens to set. Add a time filter right after the table. Scheduled rules are bounded by their " +
			"query period and are not checked.",
		Rule: kqlNoTimeFilter})
	lint.Register(&lint.Check{ID: "kql-project-drops-used-column", Severity: lint.Error, Languages: kqlOnly,
		Message: "project drops a column a later stage uses",
		Help: "A project (or project-away) leaves out a column that a later where of the same pipeline tests: Kusto " +
			"rejects the query (the column does not exist any more). Keep the column in the project, or test it " +
			"before.",
		Rule: kqlProjectDropsUsed})
}

func kqlUnknownEscape(r *rule.Rule, rep *lint.Reporter) {
	if !strings.Contains(r.Query, `\`) {
		return
	}
	toks, _, _ := kql.LexString(r.Query)
	for _, t := range toks {
		if t.Kind != kql.String {
			continue
		}
		s := r.Query[t.Pos:t.End]
		body := s
		if strings.HasPrefix(body, "h") || strings.HasPrefix(body, "H") {
			body = body[1:]
		}
		if strings.HasPrefix(body, "@") || strings.HasPrefix(body, "```") || strings.HasPrefix(body, "~~~") || len(body) < 2 {
			continue
		}
		q := body[0]
		start := t.End - len(body) + 1
		for i := 1; i < len(body)-1; i++ {
			if body[i] != '\\' {
				continue
			}
			c := body[i+1]
			ok := false
			switch c {
			case '\\', '\'', '"', 'n', 'r', 't', '0':
				ok = true
			case 'u':
				ok = i+5 < len(body) && isHex(body[i+2:i+6])
			}
			if c == q {
				ok = true
			}
			if !ok {
				esc, _ := utf8.DecodeRuneInString(body[i+1:])
				rep.AtOffset(start+i-1, s, fmt.Sprintf("the escape \\%c in %s is not one Kusto knows (\\\\, \\\", \\', \\n, \\r, \\t, \\0, \\uXXXX); write \\\\%c or @%s", esc, s, esc, string(q)+"..."+string(q)))
				break // one finding a string
			}
			i++
		}
	}
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func isTermRune(c rune) bool { return c < utf8.RuneSelf && (unicode.IsLetter(c) || unicode.IsDigit(c)) }

func kqlHasNotTerm(r *rule.Rule, rep *lint.Reporter) {
	lint.EachPredicate(r, func(s *rule.Stage, p *rule.Predicate) {
		switch p.Kind {
		case rule.OpHas, rule.OpHasAny, rule.OpHasAll:
		default:
			return
		}
		for _, v := range p.Values {
			if v == "" || v == "*" {
				continue
			}
			first, _ := utf8.DecodeRuneInString(v)
			last, _ := utf8.DecodeLastRuneInString(v)
			switch {
			case unicode.IsSpace(first) || unicode.IsSpace(last):
				rep.AtPredicate(s, p, v, fmt.Sprintf("%s %s %q: has ignores the white space around a term; use contains to match it", p.Field, p.Kind, v))
			case strings.IndexFunc(v, isTermRune) < 0 && !strings.Contains(v, "*"):
				rep.AtPredicate(s, p, v, fmt.Sprintf("%s %s %q: the value holds no letter or digit, so no term; use contains", p.Field, p.Kind, v))
			}
		}
	})
}

var termRunRE = regexp.MustCompile(`[A-Za-z0-9]{3,}`)

func kqlContainsCouldBeHas(r *rule.Rule, rep *lint.Reporter) {
	lint.EachPredicate(r, func(s *rule.Stage, p *rule.Predicate) {
		if p.Kind != rule.OpContains || p.Field == "" {
			return
		}
		for _, v := range p.Values {
			first, _ := utf8.DecodeRuneInString(v)
			last, _ := utf8.DecodeLastRuneInString(v)
			if len(v) < 2 || isTermRune(first) || isTermRune(last) || unicode.IsSpace(first) || unicode.IsSpace(last) ||
				first == '*' || last == '*' || !termRunRE.MatchString(v) {
				continue
			}
			op := "has"
			if p.CaseSensitive {
				op = "has_cs"
			}
			if p.Negated {
				op = "!" + op
			}
			rep.AtPredicate(s, p, v, fmt.Sprintf("%s contains %q: %s gives the same matches, from the term index", p.Field, v, op))
		}
	})
}

var joinKindRE = regexp.MustCompile(`(?i)\bkind\s*=`)

func kqlJoinWithoutKind(r *rule.Rule, rep *lint.Reporter) {
	lint.Each(r, func(ss []rule.Stage, i int) {
		s := &ss[i]
		if s.Kind != "join" {
			return
		}
		head := s.Text
		if j := strings.IndexAny(head, "(\n"); j >= 0 {
			head = head[:j]
		}
		if k := strings.Index(head, " on "); k >= 0 {
			head = head[:k]
		}
		if !joinKindRE.MatchString(head) {
			rep.Find(lint.StageOffset(r, s), strings.TrimSpace(firstWord(s.Text)), s.Text, "join without kind= is kind=innerunique: one row per left key is kept, the rest dropped")
		}
	})
}

func firstWord(s string) string {
	if i := strings.IndexAny(s, " \t\n("); i >= 0 {
		return s[:i]
	}
	return s
}

func kqlEqCaseVarying(r *rule.Rule, rep *lint.Reporter) {
	lint.EachPredicate(r, func(s *rule.Stage, p *rule.Predicate) {
		if !p.CaseSensitive || (p.Kind != rule.OpEq && p.Kind != rule.OpIn && p.Kind != rule.OpNe) {
			return
		}
		f := p.Field
		if i := strings.LastIndexByte(f, '.'); i >= 0 {
			f = f[i+1:]
		}
		if !caseVarying[f] {
			return
		}
		for _, v := range p.Values {
			if strings.IndexFunc(v, unicode.IsLetter) >= 0 && !isKeyword(r, v) && !subquery(v) {
				op := map[string]string{rule.OpEq: "=~", rule.OpNe: "!~", rule.OpIn: "in~"}[p.Kind]
				if p.Kind == rule.OpIn && p.Negated {
					op = "!in~"
				}
				rep.AtPredicate(s, p, v, fmt.Sprintf("%s is compared with case to %q, but its values vary in case: use %s", p.Field, v, op))
				return // one finding a predicate
			}
		}
	})
}

// isKeyword tells whether v is a column the rule names (a comparison of
// two columns, not of a column with a value).
func isKeyword(r *rule.Rule, v string) bool {
	for _, k := range r.Keywords {
		if k == v {
			return true
		}
	}
	return false
}

// subquery tells whether v is the lowering's text for a tabular operand
// ("(query KnownCallers on AzureActivity)"), not a value.
func subquery(v string) bool {
	return strings.HasPrefix(v, "(") && strings.HasSuffix(v, ")") && strings.ContainsAny(v, " \n")
}

func kqlUnusedLet(r *rule.Rule, rep *lint.Reporter) {
	if len(r.Params) == 0 {
		return
	}
	s, toks, _ := kql.ParseTokens(r.Query)
	if s == nil {
		return
	}
	uses := map[string]int{}
	for _, t := range toks {
		if t.Kind == kql.Name {
			name := r.Query[t.Pos:t.End]
			if strings.HasPrefix(name, "[") {
				name = strings.Trim(name, "[]'\"")
			}
			uses[name]++
		}
	}
	last := -1
	for i, st := range s.Stmts {
		if _, ok := st.(*kql.LetStmt); !ok {
			last = i
		}
	}
	for i, st := range s.Stmts {
		let, ok := st.(*kql.LetStmt)
		if !ok || let.Name == nil || i > last && last >= 0 {
			continue
		}
		if uses[let.Name.Name] <= 1 {
			rep.AtOffset(let.Name.Pos, let.Name.Name, fmt.Sprintf("let %s is never used", let.Name.Name))
		}
	}
}

// timeFields are the columns a time filter tests.
var timeFields = map[string]bool{"timegenerated": true, "timestamp": true, "eventtime": true, "starttime": true,
	"endtime": true, "creationtime": true, "lastseen": true, "firstseen": true}

func kqlNoTimeFilter(r *rule.Rule, rep *lint.Reporter) {
	if r.Frequency != "" || r.TimeWindow != "" || r.Kind == rule.KindFunction || len(r.Diagnostics) > 0 && r.HasErrors() {
		return
	}
	var unbounded []string
	first := -1
	var check func(ss []rule.Stage)
	check = func(ss []rule.Stage) {
		if len(ss) == 0 {
			return
		}
		src := &ss[0]
		bounded := false
		for i := range ss {
			if ss[i].TimeWindow != "" {
				bounded = true
			}
			for _, p := range ss[i].Predicates {
				if timeFields[strings.ToLower(p.Field)] {
					bounded = true
				}
			}
			if ss[i].Kind != "source" {
				check(ss[i].Stages)
			}
		}
		if src.Kind != "source" || len(src.Stages) > 0 {
			check(src.Stages)
			return
		}
		table := src.Source
		if bounded || table == "" || !lintTableName(table) || isParam(r, table) {
			return
		}
		for _, u := range unbounded {
			if u == table {
				return
			}
		}
		if first < 0 {
			first = lint.StageOffset(r, src)
		}
		unbounded = append(unbounded, table)
	}
	check(r.Stages)
	if len(unbounded) > 0 {
		// One finding a rule, at the first table, naming them all.
		rep.Find(first, unbounded[0], strings.Join(unbounded, ","), fmt.Sprintf("%s read with no time filter, and no schedule bounds the rule", strings.Join(unbounded, ", ")))
	}
}

func isParam(r *rule.Rule, name string) bool {
	for _, p := range r.Params {
		if p.Name == name {
			return true
		}
	}
	return false
}

// lintTableName tells whether s names a table (not a function call, a
// datatable, a union of several...).
func lintTableName(s string) bool {
	if s == "" || strings.ContainsAny(s, "(), *") || strings.HasPrefix(s, "_") {
		return false
	}
	for _, c := range s {
		if !(isTermRune(c) || c == '_') {
			return false
		}
	}
	return true
}

// splitTop splits s at the commas outside brackets and quotes.
func splitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']' || c == '}':
			depth--
		case c == ',' && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

var bracketNameRE = regexp.MustCompile(`^\s*\[\s*(?:'([^']*)'|"([^"]*)")\s*\]\s*(?:=[^=~]|$)`)

var simpleNameRE = regexp.MustCompile(`^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=[^=~]|$)`)

// namesOf returns the columns a project (or extend) item list names: the
// name before '=', or a column named alone. ok is false when an item makes
// a name ruledex cannot tell (a wildcard, an expression without a name).
func namesOf(list string) (names map[string]bool, ok bool) {
	names = map[string]bool{}
	ok = true
	for _, it := range splitTop(list) {
		it = strings.TrimSpace(it)
		if it == "" {
			continue
		}
		if m := simpleNameRE.FindStringSubmatch(it); m != nil {
			names[m[1]] = true
			continue
		}
		if m := bracketNameRE.FindStringSubmatch(it); m != nil {
			names[m[1]+m[2]] = true
			continue
		}
		ok = false
	}
	return names, ok
}

func rootField(f string) string {
	if i := strings.IndexAny(f, ".["); i > 0 {
		return f[:i]
	}
	return f
}

// declared tells whether name is declared in the query as a function's
// parameter (name:type, or in a comment that lists a saved function's
// parameters) or a let, not a column.
func declared(q, name string) bool {
	n := regexp.QuoteMeta(name)
	re, err := regexp.Compile(`(?m)(?:\blet\s+` + n + `\b|\b` + n + `\s*:\s*(?:string|int|long|bool|boolean|dynamic|datetime|timespan|real|double|guid|decimal)\b|^\s*//.*\b` + n + `\b|\b(?:string|int|long|bool|dynamic|datetime|timespan|real|double|guid|decimal)\s+` + n + `\b)`)
	return err == nil && re.MatchString(q)
}

func kqlProjectDropsUsed(r *rule.Rule, rep *lint.Reporter) {
	lint.Each(r, func(ss []rule.Stage, i int) {
		s := &ss[i]
		verb := firstWord(s.Text)
		if s.Kind != "project" && s.Kind != "project-away" && verb != "project" && verb != "project-away" {
			return
		}
		list := strings.TrimSpace(strings.TrimPrefix(s.Text, verb))
		names, ok := namesOf(list)
		away := verb == "project-away"
		if !ok && !away || len(names) == 0 {
			return
		}
		for j := i + 1; j < len(ss); j++ {
			t := &ss[j]
			switch t.Kind {
			case "where":
				for k := range t.Predicates {
					p := &t.Predicates[k]
					f := rootField(p.Field)
					// declared (a regular expression made for f) is asked last,
					// of a field the project drops only: it was most of the
					// check's time, asked of every field tested.
					if f == "" || strings.HasPrefix(f, "$") || away != names[f] || isParam(r, f) || declared(r.Query+"\n"+r.Description, f) {
						continue
					}
					rep.AtPredicate(t, p, "", fmt.Sprintf("%s is tested here but the %s on line %d drops it", f, verb, r.QueryLine+s.Line-1))
				}
			case "extend":
				ext, _ := namesOf(strings.TrimSpace(strings.TrimPrefix(t.Text, "extend")))
				for n := range ext {
					if away {
						delete(names, n)
					} else {
						names[n] = true
					}
				}
			case "sort", "order", "take", "limit", "serialize":
			default:
				return // columns change in ways not followed here
			}
		}
	})
}
