package web

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/rule"
)

// TestHugeRulePageCapped: a rule of 90,000 values (an 800 KB list, in one
// indicator and one predicate) and 1,000 stages makes a page of bounded
// size that says what it left out; a small rule's page says nothing of it.
func TestHugeRulePageCapped(t *testing.T) {
	const n = 90_000
	vals := make([]string, n)
	for i := range vals {
		vals[i] = fmt.Sprintf("host%05d.example", i)
	}
	where := `| where DeviceName in~ ("` + strings.Join(vals, `", "`) + `")`
	r := seedRule2()
	r.ID = "kusto/HugeList"
	r.Query = "DeviceEvents\n" + where
	r.Indicators = []rule.Indicator{{Field: "DeviceName", Kind: "in~", Values: vals}}
	r.Stages = []rule.Stage{{N: 1, Kind: "source", Source: "DeviceEvents"},
		{N: 2, Kind: "where", Text: where, Predicates: []rule.Predicate{{Field: "DeviceName", Kind: "in~", Values: vals}}}}
	for i := 3; i <= 1000; i++ {
		r.Stages = append(r.Stages, rule.Stage{N: i, Kind: "extend", Text: fmt.Sprintf("| extend X%d = 1", i)})
	}
	s, err := New(catalogOf(t, []*rule.Rule{r, seedRule()}))
	if err != nil {
		t.Fatal(err)
	}
	w := get(t, s, RulePath(r.ID))
	if w.Code != 200 {
		t.Fatalf("%d", w.Code)
	}
	body := w.Body.String()
	// The query itself is shown whole, highlighted; the rest of the page is
	// bounded.
	hl := len(Highlight(r.Language, r.Query, r.QueryLine))
	if rest := len(body) - hl; rest > 1<<20 {
		t.Errorf("rule page of %.1f MB besides its query's %.1f MB", float64(rest)/1e6, float64(hl)/1e6)
	}
	for _, want := range []string{"too large to show whole", "and 89,800 more values", "and 800 more stages",
		`href="/api/v1/rules/kusto/HugeList.json"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the page does not say %q", want)
		}
	}
	if c := strings.Count(body, "host89999.example"); c != 1 { // in the query only
		t.Errorf("the last value is on the page %d times, want once (the query)", c)
	}
	t.Logf("rule page of %.1f MB, %.1f MB of it the highlighted query", float64(len(body))/1e6, float64(hl)/1e6)
	if body := get(t, s, RulePath(seedID)).Body.String(); strings.Contains(body, "too large to show whole") || strings.Contains(body, `class="more"`) {
		t.Errorf("a small rule's page says it is capped")
	}
}
