package mcp

import (
	"slices"
	"testing"
)

// TestSearchRulesMatched: search_rules passes on where each hit matched.
func TestSearchRulesMatched(t *testing.T) {
	cs := session(t, nil)
	var out SearchOut
	call(t, cs, "search_rules", map[string]any{"query": "certutil"}, &out)
	if len(out.Hits) == 0 {
		t.Fatal("certutil: no rule")
	}
	for _, h := range out.Hits {
		if !slices.Contains(h.Matched, "title") && !slices.Contains(h.Matched, "query") && !slices.Contains(h.Matched, "indicator") {
			t.Errorf("%s matched %v: want its title, query or indicators", h.ID, h.Matched)
		}
	}
}
