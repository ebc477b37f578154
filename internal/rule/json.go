package rule

import "encoding/json"

// nonNil returns s, or an empty slice when s is nil, so that JSON shows [] and never null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Normalize replaces every nil list and map of r, at every depth, with an empty one.
// MarshalJSON calls it on a copy; callers that hand r to other encoders call it themselves.
func (r *Rule) Normalize() {
	r.Authors = nonNil(r.Authors)
	r.References = nonNil(r.References)
	r.Tags = nonNil(r.Tags)
	r.FalsePositives = nonNil(r.FalsePositives)
	r.Related = nonNil(r.Related)
	r.Techniques = nonNil(r.Techniques)
	for i := range r.Techniques {
		r.Techniques[i].Tactics = nonNil(r.Techniques[i].Tactics)
	}
	r.Tactics = nonNil(r.Tactics)
	r.GroupBy = nonNil(r.GroupBy)
	if r.Settings == nil {
		r.Settings = map[string]string{}
	}
	r.Params = nonNil(r.Params)
	r.Tables = nonNil(r.Tables)
	r.Operators = nonNil(r.Operators)
	r.Functions = nonNil(r.Functions)
	r.Keywords = nonNil(r.Keywords)
	r.Stages = normalizeStages(r.Stages)
	r.Indicators = nonNil(r.Indicators)
	for i := range r.Indicators {
		in := &r.Indicators[i]
		in.Values = nonNil(in.Values)
		in.Corpus = nonNil(in.Corpus)
		for j := range in.Corpus {
			if in.Corpus[j].ByPlatform == nil {
				in.Corpus[j].ByPlatform = map[string]int{}
			}
		}
	}
	r.Outputs = nonNil(r.Outputs)
	r.EntityMappings = nonNil(r.EntityMappings)
	r.DataConnectors = nonNil(r.DataConnectors)
	r.Events = nonNil(r.Events)
	r.Actions = nonNil(r.Actions)
	r.SameAction = normalizeRefs(r.SameAction)
	r.NearDuplicates = normalizeRefs(r.NearDuplicates)
	r.Canonical = nonNil(r.Canonical)
	for i := range r.Canonical {
		r.Canonical[i].From = nonNil(r.Canonical[i].From)
		if r.Canonical[i].ByPlatform == nil {
			r.Canonical[i].ByPlatform = map[string]int{}
		}
	}
	r.SameBehaviour = nonNil(r.SameBehaviour)
	for i := range r.SameBehaviour {
		r.SameBehaviour[i].Shared = nonNil(r.SameBehaviour[i].Shared)
	}
	r.ExplanationParts = normalizeParts(r.ExplanationParts)
	r.Sections = nonNil(r.Sections)
	r.Diagnostics = nonNil(r.Diagnostics)
}

func normalizeParts(ps []ExplainPart) []ExplainPart {
	ps = nonNil(ps)
	for i := range ps {
		ps[i].Items = normalizeParts(ps[i].Items)
	}
	return ps
}

func normalizeStages(ss []Stage) []Stage {
	ss = nonNil(ss)
	for i := range ss {
		ss[i].Predicates = nonNil(ss[i].Predicates)
		for j := range ss[i].Predicates {
			ss[i].Predicates[j].Values = nonNil(ss[i].Predicates[j].Values)
		}
		ss[i].Stages = normalizeStages(ss[i].Stages)
	}
	return ss
}

func normalizeRefs(rs []RuleRef) []RuleRef {
	rs = nonNil(rs)
	for i := range rs {
		rs[i].Actions = nonNil(rs[i].Actions)
	}
	return rs
}

// MarshalJSON encodes r as the JSON contract, lists never null.
func (r Rule) MarshalJSON() ([]byte, error) {
	r.Normalize() // r is a copy; its slices are shared but only nil ones are replaced
	type plain Rule
	return json.Marshal(plain(r))
}
