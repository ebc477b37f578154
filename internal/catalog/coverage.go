package catalog

import (
	"sort"

	"github.com/ruledex/ruledex/internal/attack"
	"github.com/ruledex/ruledex/internal/rule"
)

// Matrix is the ATT&CK coverage of a set of rules: every tactic in matrix
// order with every current technique of it, each with the rules that state
// it or one of its sub-techniques, in total and by rule platform.
type Matrix struct {
	Attack          string             `json:"attack"`           // ATT&CK release of the table
	AttackPlatforms []string           `json:"attack_platforms"` // ATT&CK platforms of the table
	Platforms       []string           `json:"platforms"`        // rule platforms counted, sorted
	Rules           int                `json:"rules"`            // rules counted (alert feeds, functions and filters left out)
	Mapped          int                `json:"mapped"`           // rules with at least one technique of the matrix
	Covered         int                `json:"covered"`          // techniques (not sub-techniques) with at least one rule
	CoveredSub      int                `json:"covered_sub"`      // sub-techniques with at least one rule of their own
	Tactics         []TacticCoverage   `json:"tactics"`
	Outside         []OutsideTechnique `json:"outside"` // technique ids of rules that are not in the matrix
}

// TacticCoverage is one column of the matrix.
type TacticCoverage struct {
	ID         string              `json:"id"`
	Shortname  string              `json:"shortname"`
	Name       string              `json:"name"`
	Rules      int                 `json:"rules"`       // rules with a technique of the tactic
	TacticOnly int                 `json:"tactic_only"` // rules that state the tactic but none of its techniques
	Covered    int                 `json:"covered"`     // techniques of the tactic with rules
	Techniques []TechniqueCoverage `json:"techniques"`
}

// TechniqueCoverage is a technique or sub-technique of a tactic with the
// rules that cover it. A technique's Rules counts the rules that state it
// or any of its sub-techniques, each once; a sub-technique's, those that
// state it.
type TechniqueCoverage struct {
	ID            string              `json:"id"`
	Name          string              `json:"name"`
	Platforms     []string            `json:"platforms"` // ATT&CK platforms
	Rules         int                 `json:"rules"`
	ByPlatform    map[string]int      `json:"by_platform"` // rule platform → rules
	RuleIDs       []string            `json:"rule_ids"`    // sorted
	Subtechniques []TechniqueCoverage `json:"subtechniques"`
}

// OutsideTechnique is a technique id that rules state but the matrix lacks.
type OutsideTechnique struct {
	ID      string   `json:"id"`
	Reason  string   `json:"reason"` // unknown, deprecated, revoked
	Rules   int      `json:"rules"`
	RuleIDs []string `json:"rule_ids"`
}

// InCoverage tells whether a rule counts in the coverage: third-party alert
// feeds, saved functions and Sigma meta filters do not.
func InCoverage(r *rule.Rule) bool {
	switch r.Kind {
	case rule.KindAlertFeed, rule.KindFunction, rule.KindFilter:
		return false
	}
	return !rule.IsDefinition(r.Kind)
}

type techAgg struct {
	rules      []int32 // rule indexes, ascending, unique
	byPlatform map[string]int
}

func (a *techAgg) add(i int32, platform string) {
	if n := len(a.rules); n > 0 && a.rules[n-1] == i {
		return
	}
	a.rules = append(a.rules, i)
	if a.byPlatform == nil {
		a.byPlatform = map[string]int{}
	}
	a.byPlatform[platform]++
}

// Coverage computes the ATT&CK matrix of rules with table t (the default
// table when nil). A rule counts under each technique it states, resolved
// to today's technique when revoked and replaced, and under the technique's
// every tactic; a sub-technique also counts for its parent. A rule that
// states a tactic but none of its techniques counts in the tactic's
// TacticOnly. Techniques the
// table lacks, or marks deprecated, or revoked without replacement, are
// listed in Outside.
func Coverage(rules []*rule.Rule, t *attack.Table) Matrix {
	if t == nil {
		t = attack.Default()
	}
	m := Matrix{Attack: t.Version, AttackPlatforms: t.Platforms()}
	own := map[string]*techAgg{}    // technique or sub-technique id → rules stating it
	rolled := map[string]*techAgg{} // technique id → rules stating it or a sub-technique
	outside := map[string]*OutsideTechnique{}
	platforms := map[string]bool{}
	get := func(mp map[string]*techAgg, id string) *techAgg {
		a := mp[id]
		if a == nil {
			a = &techAgg{}
			mp[id] = a
		}
		return a
	}
	statedTactic := map[string][]int32{} // tactic shortname → rules stating it
	for i, r := range rules {
		if r == nil || !InCoverage(r) {
			continue
		}
		for _, ta := range r.Tactics {
			if full, ok := t.Tactic(ta); ok {
				l := statedTactic[full.Shortname]
				if n := len(l); n == 0 || l[n-1] != int32(i) {
					statedTactic[full.Shortname] = append(l, int32(i))
				}
			}
		}
		m.Rules++
		platforms[r.Platform] = true
		mapped := false
		for _, te := range r.Techniques {
			id := te.ID
			cur, ok := t.Current(id)
			if !ok && te.StatedAs != "" {
				cur, ok = t.Current(te.StatedAs)
			}
			reason := ""
			switch {
			case !ok:
				reason = "unknown"
			case cur.Revoked:
				reason = "revoked"
			case cur.Deprecated:
				reason = "deprecated"
			}
			if reason != "" {
				key := attack.NormalizeID(id)
				o := outside[key]
				if o == nil {
					o = &OutsideTechnique{ID: key, Reason: reason}
					outside[key] = o
				}
				if n := len(o.RuleIDs); n == 0 || o.RuleIDs[n-1] != r.ID {
					o.RuleIDs = append(o.RuleIDs, r.ID)
				}
				continue
			}
			mapped = true
			get(own, cur.ID).add(int32(i), r.Platform)
			get(rolled, attack.Parent(cur.ID)).add(int32(i), r.Platform)
		}
		if mapped {
			m.Mapped++
		}
	}
	for p := range platforms {
		m.Platforms = append(m.Platforms, p)
	}
	sort.Strings(m.Platforms)

	ruleIDs := func(a *techAgg) []string {
		if a == nil {
			return []string{}
		}
		ids := make([]string, len(a.rules))
		for n, i := range a.rules {
			ids[n] = rules[i].ID
		}
		sort.Strings(ids)
		return ids
	}
	entry := func(te attack.Technique, a *techAgg) TechniqueCoverage {
		tc := TechniqueCoverage{ID: te.ID, Name: te.Name, Platforms: append([]string{}, te.Platforms...),
			ByPlatform: map[string]int{}, RuleIDs: ruleIDs(a), Subtechniques: []TechniqueCoverage{}}
		if a != nil {
			tc.Rules = len(a.rules)
			for p, n := range a.byPlatform {
				tc.ByPlatform[p] = n
			}
		}
		return tc
	}
	all := t.Techniques()
	byTactic := map[string][]attack.Technique{}
	for _, te := range all {
		if te.Revoked || te.Deprecated || te.IsSub() {
			continue
		}
		for _, ta := range te.Tactics {
			byTactic[ta] = append(byTactic[ta], te)
		}
	}
	coveredTech := map[string]bool{}
	coveredSub := map[string]bool{}
	for _, ta := range t.Tactics() {
		tc := TacticCoverage{ID: ta.ID, Shortname: ta.Shortname, Name: ta.Name, Techniques: []TechniqueCoverage{}}
		techs := byTactic[ta.Shortname]
		sort.SliceStable(techs, func(i, j int) bool { return techs[i].Name < techs[j].Name })
		seen := map[int32]bool{}
		for _, te := range techs {
			a := rolled[te.ID]
			e := entry(te, a)
			for _, sub := range t.Subtechniques(te.ID) {
				se := entry(sub, own[sub.ID])
				if se.Rules > 0 {
					coveredSub[sub.ID] = true
				}
				e.Subtechniques = append(e.Subtechniques, se)
			}
			sort.SliceStable(e.Subtechniques, func(i, j int) bool { return e.Subtechniques[i].Name < e.Subtechniques[j].Name })
			if e.Rules > 0 {
				tc.Covered++
				coveredTech[te.ID] = true
				for _, i := range a.rules {
					seen[i] = true
				}
			}
			tc.Techniques = append(tc.Techniques, e)
		}
		tc.Rules = len(seen)
		for _, i := range statedTactic[ta.Shortname] {
			if !seen[i] {
				tc.TacticOnly++
			}
		}
		m.Tactics = append(m.Tactics, tc)
	}
	m.Covered, m.CoveredSub = len(coveredTech), len(coveredSub)
	m.Outside = []OutsideTechnique{}
	for _, o := range outside {
		o.Rules = len(o.RuleIDs)
		sort.Strings(o.RuleIDs)
		m.Outside = append(m.Outside, *o)
	}
	sort.Slice(m.Outside, func(i, j int) bool { return m.Outside[i].ID < m.Outside[j].ID })
	if m.Platforms == nil {
		m.Platforms = []string{}
	}
	return m
}
