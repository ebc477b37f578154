package lowersigma

import (
	_ "embed"
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ruledex/ruledex/internal/lint"
	"github.com/ruledex/ruledex/internal/rule"
)

// The lint checks that hold for Sigma only, after pySigma's validators
// where they apply. A Sigma rule disables checks with the custom field
//
//	ruledex_disable: [CHECK, ...]
//
// (or a comment # ruledex:disable=CHECK, which package lint reads for every
// language).

//go:embed data/lint_categories.txt
var lintCategoriesText string

var lintCategories = func() map[string]bool {
	m := map[string]bool{}
	for _, l := range strings.Split(lintCategoriesText, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			m[l] = true
		}
	}
	return m
}()

// The front end's messages that these checks report.
const (
	msgAllSingle = `modifier "all" needs a list`
	msgUnused    = "is not used by the condition"
)

func init() {
	sigmaOnly := []string{"sigma"}
	lint.Register(&lint.Check{ID: "sigma-all-single-value", Severity: lint.Error, Languages: sigmaOnly,
		Message: "the all modifier with one value",
		Help: "|all requires every value of a list; on a single value it means nothing, and the specification " +
			"forbids it (pySigma's all_without_list validator). Remove |all, or give the list it was meant for.",
		Rule:   sigmaAllSingle,
		Claims: func(d rule.Diagnostic) bool { return strings.Contains(d.Message, msgAllSingle) }})
	lint.Register(&lint.Check{ID: "sigma-unused-selection", Severity: lint.Warning, Languages: sigmaOnly,
		Message: "a search identifier the condition never uses",
		Help: "The detection defines a search identifier that no part of the condition names (directly or " +
			"through 1 of x* or them): its tests never run, which is rarely meant (a typo in the condition, a filter " +
			"forgotten). pySigma's dangling_detection validator.",
		Rule:   sigmaUnusedSelection,
		Claims: func(d rule.Diagnostic) bool { return strings.Contains(d.Message, msgUnused) }})
	lint.Register(&lint.Check{ID: "sigma-contains-wildcard", Severity: lint.Note, Languages: sigmaOnly,
		Message: "|contains, |startswith or |endswith with its own '*'",
		Help: "|contains already puts a '*' at both ends of the value, |startswith at the end, |endswith at the " +
			"start: the star written there is redundant and some backends turn it into a literal star or a slower " +
			"pattern (pySigma's wildcards_instead_of_modifiers and double_wildcard validators). Remove it.",
		Rule: sigmaContainsWildcard})
	lint.Register(&lint.Check{ID: "sigma-unknown-logsource", Severity: lint.Warning, Languages: sigmaOnly,
		Message: "a log source with no known table",
		Help: "The logsource names no product, category or service, or a category that is not in the Sigma " +
			"taxonomy: no backend's pipeline maps it to a table or index, so the rule cannot be converted as it is. " +
			"Use the taxonomy's category (process_creation, file_event, ...), or a product and service.",
		Rule: sigmaUnknownLogsource})
	lint.Register(&lint.Check{ID: "sigma-re-unescaped-dot", Severity: lint.Warning, Languages: sigmaOnly,
		Message: "|re with an unescaped '.' before a file extension",
		Help: "In a regular expression '.' is any character: \\\\cmd.exe also matches cmdXexe. Before a file " +
			"extension or in a path, write \\. for a dot.",
		Rule: sigmaReUnescapedDot})
	lint.RegisterDisables("sigma", sigmaDisables)
}

func sigmaDisables(r *rule.Rule) []string {
	if !strings.Contains(r.Query, "ruledex_disable") {
		return nil
	}
	var doc struct {
		Disable any `yaml:"ruledex_disable"`
	}
	if yaml.Unmarshal([]byte(r.Query), &doc) != nil {
		return nil
	}
	switch v := doc.Disable.(type) {
	case string:
		return strings.Split(v, ",")
	case []any:
		var ids []string
		for _, x := range v {
			if s, ok := x.(string); ok {
				ids = append(ids, strings.TrimSpace(s))
			}
		}
		return ids
	}
	return nil
}

func sigmaAllSingle(r *rule.Rule, rep *lint.Reporter) {
	found := false
	for _, d := range r.Diagnostics {
		if strings.Contains(d.Message, msgAllSingle) {
			rep.AtDiag(d, d.Message, "|all on a single value: it means nothing and the specification forbids it")
			found = true
		}
	}
	if found {
		return
	}
	lint.EachPredicate(r, func(s *rule.Stage, p *rule.Predicate) {
		if p.All && len(p.Values) == 1 {
			rep.AtPredicate(s, p, "", fmt.Sprintf("%s: |all on the single value %q", p.Text, p.Values[0]))
		}
	})
}

func sigmaUnusedSelection(r *rule.Rule, rep *lint.Reporter) {
	for _, d := range r.Diagnostics {
		if strings.Contains(d.Message, msgUnused) {
			name := d.Message
			if i := strings.IndexByte(name, '"'); i >= 0 {
				if j := strings.IndexByte(name[i+1:], '"'); j >= 0 {
					name = name[i+1 : i+1+j]
				}
			}
			rep.AtDiag(d, name, d.Message)
		}
	}
}

// unescapedStar tells whether v has an unescaped '*' at its start (or end).
func unescapedStar(v string, atEnd bool) bool {
	if !atEnd {
		return strings.HasPrefix(v, "*")
	}
	if !strings.HasSuffix(v, "*") {
		return false
	}
	n := 0 // backslashes before the star
	for i := len(v) - 2; i >= 0 && v[i] == '\\'; i-- {
		n++
	}
	return n%2 == 0
}

func sigmaContainsWildcard(r *rule.Rule, rep *lint.Reporter) {
	lint.EachPredicate(r, func(s *rule.Stage, p *rule.Predicate) {
		if !p.Wildcards {
			return
		}
		var lead, trail bool
		switch p.Kind {
		case rule.OpContains:
			lead, trail = true, true
		case rule.OpStartsWith:
			trail = true
		case rule.OpEndsWith:
			lead = true
		default:
			return
		}
		for _, v := range p.Values {
			if v == "*" || strings.Trim(v, "*") == "" {
				continue
			}
			if lead && unescapedStar(v, false) || trail && unescapedStar(v, true) {
				rep.AtPredicate(s, p, v, fmt.Sprintf("%s: %q has a '*' that |%s already adds", p.Text, v, p.Kind))
			}
		}
	})
}

func sigmaUnknownLogsource(r *rule.Rule, rep *lint.Reporter) {
	if r.Kind == rule.KindCorrelation || len(r.Tables) != 1 {
		return
	}
	parts := strings.Split(r.Tables[0], "/")
	if len(parts) != 3 {
		return
	}
	product, service, category := parts[0], parts[1], parts[2]
	switch {
	case product == "" && service == "" && category == "":
		rep.Find(0, "logsource:", "logsource:", "the logsource names no product, service or category")
	case category != "" && !lintCategories[strings.ToLower(category)]:
		rep.Find(0, "category: "+category, category, fmt.Sprintf("category %q is not in the Sigma taxonomy", category))
	}
}

// dotExtRE finds a '.' not escaped by a backslash before a file-extension-like word.
var dotExtRE = regexp.MustCompile(`(^|[^\\])((?:\\\\)*)\.(exe|dll|sys|ps1|bat|cmd|vbs|js|hta|msi|lnk|scr|zip|txt|com|cpl|ocx|jar|py|sh|bin|tmp|dat|log|xml|json|ini|inf)\b`)

func sigmaReUnescapedDot(r *rule.Rule, rep *lint.Reporter) {
	lint.EachPredicate(r, func(s *rule.Stage, p *rule.Predicate) {
		if p.Kind != rule.OpRegex {
			return
		}
		for _, v := range p.Values {
			if m := dotExtRE.FindStringSubmatchIndex(v); m != nil && !inClass(v, m[6]-1) {
				rep.AtPredicate(s, p, v, fmt.Sprintf("%s: the '.' of %q matches any character; write \\.%s", p.Text, v, v[m[6]:m[7]]))
			}
		}
	})
}

// inClass tells whether the byte at i of the regular expression re is inside a [...] class.
func inClass(re string, i int) bool {
	in := false
	for j := 0; j < i && j < len(re); j++ {
		switch re[j] {
		case '\\':
			j++
		case '[':
			in = true
		case ']':
			in = false
		}
	}
	return in
}
