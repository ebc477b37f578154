package web

import (
	"sync"

	"github.com/ruledex/ruledex/internal/attack"
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
