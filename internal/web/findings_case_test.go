package web

import (
	"strings"
	"testing"
)

// TestRuleFindingsAnyCase: a rule's findings are found by its id in any
// case (ids compare case-insensitively, as Rule finds them), also once
// the rule was read by that spelling and kept under it.
func TestRuleFindingsAnyCase(t *testing.T) {
	s := newTestServer(t)
	var l CheckFindingList
	decodeJSON(t, get(t, s, "/api/v1/findings/attack-missing"), &l)
	if len(l.Items) == 0 {
		t.Fatal("no finding attack-missing")
	}
	id := l.Items[0].Rule
	other := strings.ToUpper(id)
	if other == id {
		t.Skipf("%s has no letter to change", id)
	}
	want, err := s.cat.RuleFindings(t.Context(), id)
	if err != nil || len(want) == 0 {
		t.Fatalf("RuleFindings(%s): %v %v", id, want, err)
	}
	if _, err := s.cat.Rule(t.Context(), other); err != nil {
		t.Fatalf("Rule(%s): %v", other, err)
	}
	if _, _, err := s.cat.RuleShown(t.Context(), other); err != nil {
		t.Fatalf("RuleShown(%s): %v", other, err)
	}
	got, err := s.cat.RuleFindings(t.Context(), other)
	if err != nil || len(got) != len(want) {
		t.Errorf("RuleFindings(%s): %d findings (%v), RuleFindings(%s): %d", other, len(got), err, id, len(want))
	}
	shown, n, err := s.cat.RuleFindingsShown(t.Context(), other)
	if err != nil || n != len(want) || len(shown) != min(len(want), maxShownFindings) {
		t.Errorf("RuleFindingsShown(%s): %d of %d (%v), want %d", other, len(shown), n, err, len(want))
	}
}
