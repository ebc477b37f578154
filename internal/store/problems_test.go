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

// TestProblemsIndexed: the files with diagnostics, the rules with
// diagnostics, and with errors, are read through the indexes files_diags,
// rules_diags and rules_errors, not by a scan of every file's or rule's row
// (which holds its body); the rules with errors from their index alone.
func TestProblemsIndexed(t *testing.T) {
	d := testCatalog(t, Source{Name: "kusto", Path: testcorpus.Dir(t, "bertjanp-hunting")})
	for q, index := range map[string]string{fileProblemsQuery: "USING INDEX files_diags", problemsQuery: "rules_diags",
		errorsQuery: "USING COVERING INDEX rules_errors"} {
		var id, parent, notUsed int
		var plan string
		if err := d.db.QueryRowContext(t.Context(), "EXPLAIN QUERY PLAN "+q).Scan(&id, &parent, &notUsed, &plan); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(plan, index) {
			t.Errorf("%s: plan %q, not through %s", q, plan, index)
		}
	}
}
