package web

import (
	"slices"

	"github.com/ruledex/ruledex/internal/rule"
)

// marshalRule is json.Marshal of r (the contract), safe while other
// goroutines read r. rule.Rule.MarshalJSON normalizes a copy of the rule, but
// that copy shares the nested lists (stages, indicators, techniques,
// references to rules) whose elements Normalize writes; the rules of a
// catalog are shared between requests, so those lists are copied first.
func marshalRule(r *rule.Rule) ([]byte, error) {
	c := *r
	c.Techniques = slices.Clone(r.Techniques)
	c.Indicators = slices.Clone(r.Indicators)
	for i := range c.Indicators {
		c.Indicators[i].Corpus = slices.Clone(c.Indicators[i].Corpus)
	}
	c.Stages = cloneStages(r.Stages)
	c.SameAction = slices.Clone(r.SameAction)
	c.NearDuplicates = slices.Clone(r.NearDuplicates)
	c.Canonical = slices.Clone(r.Canonical)
	c.SameBehaviour = slices.Clone(r.SameBehaviour)
	c.ExplanationParts = cloneParts(r.ExplanationParts)
	// What json.Marshal(&c) writes, without its second pass over the
	// output (which MarshalJSON made with json.Marshal already).
	return c.MarshalJSON()
}

// cloneParts copies the explanation's tree, whose empty lists Normalize
// replaces at every depth.
func cloneParts(ps []rule.ExplainPart) []rule.ExplainPart {
	if ps == nil {
		return nil
	}
	out := slices.Clone(ps)
	for i := range out {
		out[i].Items = cloneParts(out[i].Items)
	}
	return out
}

func cloneStages(ss []rule.Stage) []rule.Stage {
	if ss == nil {
		return nil
	}
	out := slices.Clone(ss)
	for i := range out {
		out[i].Predicates = slices.Clone(out[i].Predicates)
		out[i].Stages = cloneStages(out[i].Stages)
	}
	return out
}

// ruleJSON is a rule that the API encodes with marshalRule.
type ruleJSON struct{ r *rule.Rule }

func (j ruleJSON) MarshalJSON() ([]byte, error) { return marshalRule(j.r) }

// MarshalRule is the JSON contract of r as the API answers it
// (/api/v1/rules/{id}), safe while other goroutines read r: for the other
// faces of a catalog (the MCP server) that answer with the same shape.
func MarshalRule(r *rule.Rule) ([]byte, error) { return marshalRule(r) }
