package store

import (
	"testing"

	"github.com/ruledex/ruledex/internal/rule"
)

func TestMatchFacets(t *testing.T) {
	r := &rule.Rule{Platform: "kusto", Kind: "detection", Tables: []string{"AzureActivity"},
		Techniques: []rule.Technique{{ID: "T1059.001", Tactic: "execution"}}, Source: rule.Source{Repo: "hb"}}
	for _, tc := range []struct {
		facets map[string][]string
		want   bool
	}{
		{nil, true},
		{map[string][]string{"platform": {"Kusto"}}, true},
		{map[string][]string{"platform": {"sigma", "kusto"}}, true},
		{map[string][]string{"platform": {"sigma"}}, false},
		{map[string][]string{"platform": {"kusto"}, "table": {"azureactivity"}}, true},
		{map[string][]string{"platform": {"kusto"}, "table": {"SigninLogs"}}, false},
		{map[string][]string{"technique": {"T1059"}}, true},
		{map[string][]string{"technique": {"T105"}}, false},
		{map[string][]string{"tactic": {"execution"}, "repo": {"hb"}}, true},
	} {
		if got := MatchFacets(r, tc.facets); got != tc.want {
			t.Errorf("MatchFacets(%v) = %v, want %v", tc.facets, got, tc.want)
		}
	}
	if _, err := ParseFacets([]string{"platform=kusto", "table=A", "table=B"}); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"nope=x", "platform", "platform="} {
		if _, err := ParseFacets([]string{bad}); err == nil {
			t.Errorf("ParseFacets(%q): no error", bad)
		}
	}
}
