package web

import (
	"strings"
	"sync"

	"github.com/ruledex/ruledex/internal/attack"
	"github.com/ruledex/ruledex/internal/catalog"
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

var (
	rankMu    sync.Mutex
	rankTable *attack.Table
	rankMap   map[string]int
)

// tacticRank returns the matrix position (1-based) of every tactic
// shortname of the ATT&CK table in use. Do not modify the map.
func tacticRank() map[string]int {
	t := attack.Default()
	rankMu.Lock()
	defer rankMu.Unlock()
	if rankTable != t {
		rankMap = map[string]int{}
		for i, ta := range t.Tactics() {
			rankMap[ta.Shortname] = i + 1
		}
		rankTable = t
	}
	return rankMap
}

// parentTechnique returns T1059 for T1059.001, and id itself for a technique.
func parentTechnique(id string) string {
	if i := strings.IndexByte(id, '.'); i > 0 {
		return id[:i]
	}
	return id
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

// ComputeCoverage builds the ATT&CK coverage of rules over the ATT&CK table
// in use (attack.Default): every current technique of a tactic, covered or
// not, so that gaps show.
func ComputeCoverage(rules []*rule.Rule) *Coverage {
	m := catalog.Coverage(rules, attack.Default())
	return &m
}
