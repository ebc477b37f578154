package store

import (
	"reflect"
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
