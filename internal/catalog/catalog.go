// Package catalog holds ruledex's corpus-wide analysis: what can only be
// known with every rule at hand. CrossReference runs the parts that need no
// data beyond the rules themselves: kinds (third-party alert feeds, see
// ClassifyKind), indicator corpus counts (IndicatorCounts) and
// near-duplicates (NearDuplicates). Same-action links, events and ATT&CK
// coverage live in their own files of this package.
package catalog

import "github.com/ruledex/ruledex/internal/rule"

// CrossReference classifies alert feeds and fills the indicator corpus counts
// and near-duplicate links of every rule. It replaces what earlier runs filled,
// so it can be run again over rules read from a store.
func CrossReference(rules []*rule.Rule) {
	for _, r := range rules {
		ClassifyKind(r)
	}
	IndicatorCounts(rules)
	NearDuplicates(rules)
}

// ref returns a reference to r.
func ref(r *rule.Rule) rule.RuleRef {
	return rule.RuleRef{ID: r.ID, Platform: r.Platform, Title: r.Title, Path: r.Source.Path, Actions: []string{}}
}
