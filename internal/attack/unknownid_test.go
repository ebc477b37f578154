package attack

import (
	"testing"

	"github.com/ruledex/ruledex/internal/rule"
)

// TestUnknownID reads back the id of Resolve's own warnings, and nothing
// from other diagnostics.
func TestUnknownID(t *testing.T) {
	r := &rule.Rule{Techniques: []rule.Technique{{ID: "T9999"}, {ID: "T10178"}}, Tactics: []string{"no-such-tactic"}}
	Default().ResolveRule(r)
	got := map[string]bool{}
	for _, d := range r.Diagnostics {
		if id := UnknownID(d.Message); id != "" {
			got[id] = true
		}
	}
	for _, want := range []string{"T9999", "T10178", "no-such-tactic"} {
		if !got[want] {
			t.Errorf("UnknownID found %v in %v, want %s", got, r.Diagnostics, want)
		}
	}
	if id := UnknownID("ATT&CK technique T1086 was revoked"); id != "" {
		t.Errorf("UnknownID of another diagnostic = %q", id)
	}
}
