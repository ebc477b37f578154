package store

import (
	"fmt"
	"strings"

	"github.com/ruledex/ruledex/internal/rule"
)

// MatchFacets tells whether r has the facet values asked for, as a search
// filters: the values of one facet ORed, facets ANDed, case-insensitive
// (facetsOf: a sub-technique has its parent technique too, so T1059 keeps
// T1059.001).
func MatchFacets(r *rule.Rule, facets map[string][]string) bool {
	if len(facets) == 0 {
		return true
	}
	have := facetsOf(r)
	for facet, want := range facets {
		ok := false
		for _, fv := range have {
			if fv.facet != facet {
				continue
			}
			for _, w := range want {
				if strings.EqualFold(fv.value, strings.TrimSpace(w)) {
					ok = true
				}
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// ParseFacets reads "key=value" pairs (as --facet flags give them) into a
// facet filter; an unknown facet name is an error that lists the known ones.
func ParseFacets(pairs []string) (map[string][]string, error) {
	out := map[string][]string{}
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		if !ok || strings.TrimSpace(v) == "" {
			return nil, fmt.Errorf("facet %q: want KEY=VALUE", p)
		}
		if !isFacet[k] {
			return nil, fmt.Errorf("unknown facet %q (facets: %s)", k, strings.Join(Facets, ", "))
		}
		out[k] = append(out[k], strings.TrimSpace(v))
	}
	return out, nil
}
