// Package catalog holds ruledex's corpus-wide analysis: what can only be
// known with every rule at hand. CrossReference runs all of it over a set of
// rules: kinds (third-party alert feeds, see ClassifyKind), events
// (FillEvents), same-action links (SameAction), indicator corpus counts
// (IndicatorCounts), canonical indicators with their counts
// (CanonicalIndicators, CanonicalCounts), same-behaviour links
// (SameBehaviour) and near-duplicates (NearDuplicates). ATT&CK coverage
// (Coverage, NavigatorLayer) is computed on demand.
package catalog

import (
	"github.com/ruledex/ruledex/internal/parallel"
	"github.com/ruledex/ruledex/internal/rule"
)

// CrossReference classifies alert feeds and fills the events, same-action
// links, indicator corpus counts and near-duplicate links of every rule. It
// replaces what earlier runs filled, so it can be run again over rules read
// from a store.
//
// What each rule alone gives (its kind, action keys, events and logic) is
// worked out on every core, and each rule's action keys once.
func CrossReference(rules []*rule.Rule) {
	keys := make([][]ActionKey, len(rules))
	logic := make([]Logic, len(rules))
	parallel.Do(len(rules), func(i int) {
		r := rules[i]
		ClassifyKind(r)
		keys[i] = ActionKeys(r)
		fillEvents(r, keys[i])
		logic[i] = LogicOf(r)
		r.Canonical = CanonicalIndicators(r)
	})
	sameAction(rules, keys)
	IndicatorCounts(rules)
	CanonicalCounts(rules)
	SameBehaviour(rules)
	nearDuplicates(rules, logic)
}

// ref returns a reference to r.
func ref(r *rule.Rule) rule.RuleRef {
	return rule.RuleRef{ID: r.ID, Platform: r.Platform, Title: r.Title, Path: r.Source.Path, Actions: []string{}}
}
