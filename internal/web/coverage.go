package web

import (
	"sort"
	"strings"

	"github.com/ruledex/ruledex/internal/attack"
	"github.com/ruledex/ruledex/internal/rule"
)

// Tactic is one ATT&CK tactic.
type Tactic struct {
	ID, Short, Name string
}

// LookupTactic returns the tactic a rule names, however it is written
// (TA0008, lateral-movement, Lateral Movement, LateralMovement).
func LookupTactic(s string) (Tactic, bool) {
	t, ok := attack.Default().Tactic(s)
	return Tactic{ID: t.ID, Short: t.Shortname, Name: t.Name}, ok
}

// matrixTactics returns the tactics in matrix order.
func matrixTactics() []Tactic {
	var ts []Tactic
	for _, t := range attack.Default().Tactics() {
		ts = append(ts, Tactic{ID: t.ID, Short: t.Shortname, Name: t.Name})
	}
	return ts
}

// parentTechnique returns T1059 for T1059.001, and id itself for a technique.
func parentTechnique(id string) string {
	if i := strings.IndexByte(id, '.'); i > 0 {
		return id[:i]
	}
	return id
}

// inCoverage tells whether r counts in the coverage matrix: detections,
// hunting queries, correlations and building blocks do; alert feeds, filters
// and functions do not.
func inCoverage(r *rule.Rule) bool {
	switch r.Kind {
	case rule.KindAlertFeed, rule.KindFilter, rule.KindFunction:
		return false
	}
	return true
}

// techniqueTactics returns the tactic shortnames under which t of r is shown.
func techniqueTactics(r *rule.Rule, t rule.Technique) []string {
	var out []string
	add := func(s string) {
		if tc, ok := LookupTactic(s); ok {
			for _, o := range out {
				if o == tc.Short {
					return
				}
			}
			out = append(out, tc.Short)
		}
	}
	if t.Tactic != "" {
		add(t.Tactic)
	}
	for _, s := range t.Tactics {
		add(s)
	}
	if len(out) == 0 {
		// The technique names no tactic: use the tactics the rule states.
		for _, s := range r.Tactics {
			add(s)
		}
	}
	if len(out) == 0 {
		out = append(out, "other")
	}
	return out
}

// ComputeCoverage builds the ATT&CK coverage of rules from the techniques and
// tactics they state, over the ATT&CK table in use (attack.Default): every
// current technique of a tactic is a cell, covered or not, so that gaps show.
// Technique names come from the table, else from the rules.
func ComputeCoverage(rules []*rule.Rule) *Coverage {
	table := attack.Default()
	type cell struct {
		name  string
		rules map[string]string // rule id → platform
		subs  map[string]*cell
	}
	newCell := func() *cell { return &cell{rules: map[string]string{}, subs: map[string]*cell{}} }
	cols := map[string]map[string]*cell{} // tactic → parent technique → cell
	tacticRules := map[string]map[string]bool{}
	names := map[string]string{}
	covering := 0
	distinct := map[string]bool{}
	for _, r := range rules {
		if !inCoverage(r) || len(r.Techniques) == 0 {
			continue
		}
		counted := false
		for _, t := range r.Techniques {
			if t.ID == "" || t.Unknown {
				continue
			}
			id := strings.ToUpper(t.ID)
			if t.Revoked && t.RevokedBy != "" {
				id = strings.ToUpper(t.RevokedBy)
			}
			if t.Name != "" && names[id] == "" {
				names[id] = t.Name
			}
			counted = true
			distinct[id] = true
			parent := parentTechnique(id)
			for _, ta := range techniqueTactics(r, t) {
				col := cols[ta]
				if col == nil {
					col = map[string]*cell{}
					cols[ta] = col
					tacticRules[ta] = map[string]bool{}
				}
				c := col[parent]
				if c == nil {
					c = newCell()
					col[parent] = c
				}
				c.rules[r.ID] = r.Platform
				tacticRules[ta][r.ID] = true
				if id != parent {
					s := c.subs[id]
					if s == nil {
						s = newCell()
						c.subs[id] = s
					}
					s.rules[r.ID] = r.Platform
				}
			}
		}
		if counted {
			covering++
		}
	}
	nameOf := func(id string) string {
		if te, ok := table.Technique(id); ok && te.Name != "" {
			return te.Name
		}
		if n := names[id]; n != "" {
			if id == parentTechnique(id) {
				return n
			}
			// Sub-technique names are often written "Parent: Sub"; keep the sub part.
			if i := strings.Index(n, ": "); i > 0 {
				return n[i+2:]
			}
			return n
		}
		if id == parentTechnique(id) {
			// Only sub-techniques were stated: take the parent's name from theirs.
			for sid, n := range names {
				if parentTechnique(sid) == id && sid != id {
					if i := strings.Index(n, ": "); i > 0 {
						return n[:i]
					}
				}
			}
		}
		return ""
	}
	toCov := func(id string, c *cell) TechniqueCoverage {
		tc := TechniqueCoverage{ID: id, Name: nameOf(id), Rules: len(c.rules), ByPlatform: map[string]int{}, Subs: []TechniqueCoverage{}}
		for _, p := range c.rules {
			tc.ByPlatform[p]++
		}
		return tc
	}
	sortCells := func(ts []TechniqueCoverage) {
		sort.Slice(ts, func(i, j int) bool {
			if ts[i].Rules != ts[j].Rules {
				return ts[i].Rules > ts[j].Rules
			}
			return ts[i].ID < ts[j].ID
		})
	}
	cov := &Coverage{Tactics: []TacticCoverage{}, Rules: covering, Techniques: len(distinct)}
	// Every current technique is a cell of each of its tactics, covered or not.
	for _, te := range table.Techniques() {
		if te.Revoked || te.Deprecated || te.IsSub() {
			continue
		}
		for _, ta := range te.Tactics {
			col := cols[ta]
			if col == nil {
				col = map[string]*cell{}
				cols[ta] = col
				tacticRules[ta] = map[string]bool{}
			}
			if col[te.ID] == nil {
				col[te.ID] = newCell()
			}
		}
	}
	order := matrixTactics()
	if cols["other"] != nil {
		order = append(order, Tactic{ID: "", Short: "other", Name: "Other (no tactic stated)"})
	}
	for _, ta := range order {
		col := cols[ta.Short]
		tc := TacticCoverage{ID: ta.ID, Short: ta.Short, Name: ta.Name, Techniques: []TechniqueCoverage{}, Rules: len(tacticRules[ta.Short])}
		for id, c := range col {
			t := toCov(id, c)
			for sid, sc := range c.subs {
				t.Subs = append(t.Subs, toCov(sid, sc))
			}
			sortCells(t.Subs)
			tc.Techniques = append(tc.Techniques, t)
			if t.Rules > 0 {
				tc.Covered++
			}
		}
		sortCells(tc.Techniques)
		cov.Tactics = append(cov.Tactics, tc)
	}
	return cov
}
