package web

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/ruledex/ruledex/internal/rule"
)

// TestFindingsKept: a catalog whose rules all fit its cache keeps the
// findings its rule pages show, and they are the database's
// (RuleFindingsShown) for every rule: none, a few, more than a page shows.
func TestFindingsKept(t *testing.T) {
	long := seedRule()
	for i := range 45 { // a syntax-warning finding each
		long.Diagnostics = append(long.Diagnostics, rule.Diagnostic{Path: long.Source.Path, Line: i + 1, Col: 1, Severity: rule.SevWarning,
			Message: fmt.Sprintf("odd thing number %d", i)})
	}
	rs := []*rule.Rule{long, seedRule2(), hostileRule()}
	rs = append(rs, exampleRules(t)...)
	cat := catalogOf(t, rs)
	if cat.shownFindings == nil {
		t.Fatal("no findings kept")
	}
	ids, err := cat.RuleIDs(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	with, more := 0, 0
	for _, id := range ids {
		want, wantN, err := cat.DB().RuleFindingsShown(t.Context(), id, maxShownFindings)
		if err != nil {
			t.Fatal(err)
		}
		got, n, ok := cat.ruleFindingsKept(id)
		if !ok || n != wantN || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: kept %d of %d (%v), the database's %d of %d", id, len(got), n, ok, len(want), wantN)
		}
		if n > 0 {
			with++
		}
		if n > len(got) {
			more++
		}
	}
	if with < 2 || more != 1 {
		t.Errorf("%d rules with findings, %d with more than a page shows; want 2 or more, 1", with, more)
	}
}
