package store

import (
	"reflect"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/testcorpus"
)

// TestProblemsErrorsOnly: the errors alone (what a build prints, read from
// the rules that count one) are the errors among all the problems.
func TestProblemsErrorsOnly(t *testing.T) {
	d := testCatalog(t, Source{Name: "kusto", Path: testcorpus.Dir(t, "bertjanp-hunting")})
	all, err := d.Problems(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var want []Problem
	for _, p := range all {
		if p.Severity == rule.SevError {
			want = append(want, p)
		}
	}
	got, err := d.Problems(t.Context(), rule.SevError)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) == 0 || len(want) == len(all) {
		t.Fatalf("%d errors among %d problems: the test tests nothing", len(want), len(all))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%d errors alone, %d among all problems", len(got), len(want))
	}
}

// TestProblemsIndexed: the rules with diagnostics, and with errors, are read
// through the index rules_diags, not by a scan of every rule's row (which
// holds its body).
func TestProblemsIndexed(t *testing.T) {
	d := testCatalog(t, Source{Name: "kusto", Path: testcorpus.Dir(t, "bertjanp-hunting")})
	for _, q := range []string{problemsQuery, errorsQuery} {
		var id, parent, notUsed int
		var plan string
		if err := d.db.QueryRowContext(t.Context(), "EXPLAIN QUERY PLAN "+q).Scan(&id, &parent, &notUsed, &plan); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(plan, "rules_diags") {
			t.Errorf("%s: plan %q, not through rules_diags", q, plan)
		}
	}
}
