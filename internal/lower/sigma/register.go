package lowersigma

import (
	"slices"
	"strings"

	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/lang/diag"
	"github.com/ruledex/ruledex/internal/lang/sigma"
	"github.com/ruledex/ruledex/internal/rule"
)

// The Sigma language: rules, correlations and meta filters in YAML.
func init() {
	lang.Register(&lang.Language{
		Name:     "sigma",
		Platform: "sigma",
		Title:    "Sigma",
		Formats: []*lang.Format{
			// Sigma bounds its own YAML reading (package lang/sigma).
			{Name: "sigma_yaml", Order: 40, Exts: []string{"yml", "yaml"}, Guard: lang.GuardNone, Match: matchSigma, Read: readSigma},
		},
		Lower:     LowerSigma,
		Parse:     parse,
		ParseUnit: "file",
		Highlight: Highlight,
		Link:      func(rules []*rule.Rule) { LinkSigma(rules) },
		UIDPos:    uidPos,
		// Link places its warnings at the rules a correlation or filter
		// names; the rules a rule is related to otherwise (derived, similar,
		// obsolete...) it leaves alone.
		LinkReadsQuery: func(r *rule.Rule) bool { return slices.ContainsFunc(r.Related, linked) },
		// A search snippet is taken first from the detection, the part of
		// the document that says what the rule matches.
		SnippetText: func(query string) string {
			if i := strings.Index(query, "\ndetection:"); i >= 0 {
				return query[i+1:]
			}
			return ""
		},
		// Sigma rules describe events, never another product's alerts.
		EventsNotAlerts: true,
	})
}

// parse is the front end's parse, its tree as any.
func parse(src []byte) (any, diag.ErrorList) { return sigma.Parse(src) }

// uidPos returns where r states its UID: the `id:` line of its document,
// else the rule's first line.
func uidPos(r *rule.Rule) (int, int) {
	line := max(r.Source.Line, 1)
	if r.QueryLine < 1 {
		return line, 1
	}
	for n, l := range strings.SplitAfter(r.Query, "\n") {
		if strings.HasPrefix(l, "id:") {
			if i := strings.Index(l, r.UID); i >= 0 {
				return r.QueryLine + n, i + 1
			}
			return r.QueryLine + n, 1
		}
	}
	return line, 1
}
