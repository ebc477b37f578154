package mcp

import (
	"cmp"
	"context"
	"slices"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ruledex/ruledex/internal/attack"
	"github.com/ruledex/ruledex/internal/catalog"
	"github.com/ruledex/ruledex/internal/store"
)

// CoverageIn is the input of attack_coverage.
type CoverageIn struct {
	Facets []string `json:"facets,omitempty" jsonschema:"count only the rules with these facets KEY=VALUE, as search_rules filters (e.g. tactic=persistence; the platforms are in search_rules' facets)"`
	Tactic string   `json:"tactic,omitempty" jsonschema:"only this tactic: its id (TA0003), shortname (persistence) or name"`
	// Max caps each tactic's lists.
	Max int `json:"max,omitempty" jsonschema:"techniques and gaps listed a tactic, each (default 10, at most 100; the counts are whole)"`
}

// CoverageOut is the ATT&CK coverage of the rules counted (package
// catalog's matrix, cut to what an answer holds).
type CoverageOut struct {
	Attack     string           `json:"attack" jsonschema:"the ATT&CK release"`
	Facets     []string         `json:"facets" jsonschema:"the facets the rules were filtered on"`
	Rules      int              `json:"rules" jsonschema:"detection rules counted (alert feeds, functions and filters left out)"`
	Mapped     int              `json:"mapped" jsonschema:"rules with at least one technique of the matrix"`
	Covered    int              `json:"covered" jsonschema:"techniques (not sub-techniques) with at least one rule"`
	CoveredSub int              `json:"covered_sub" jsonschema:"sub-techniques with at least one rule of their own"`
	Platforms  []string         `json:"platforms" jsonschema:"the rule platforms counted"`
	Tactics    []TacticCoverage `json:"tactics" jsonschema:"in matrix order"`
}

// TacticCoverage is one tactic: its covered techniques, most covered first,
// and its gaps.
type TacticCoverage struct {
	ID         string              `json:"id"`
	Shortname  string              `json:"shortname"`
	Name       string              `json:"name"`
	Rules      int                 `json:"rules" jsonschema:"rules with a technique of the tactic"`
	Techniques int                 `json:"techniques" jsonschema:"techniques of the tactic"`
	Covered    int                 `json:"covered" jsonschema:"techniques of the tactic with at least one rule"`
	Top        []TechniqueCoverage `json:"top" jsonschema:"covered techniques, most rules first (at most max)"`
	Gaps       []Gap               `json:"gaps" jsonschema:"techniques with no rule, by id (at most max; gap_count says how many)"`
	GapCount   int                 `json:"gap_count"`
}

// TechniqueCoverage is a covered technique.
type TechniqueCoverage struct {
	ID         string         `json:"id"`
	Name       string         `json:"name"`
	Rules      int            `json:"rules" jsonschema:"rules stating it or one of its sub-techniques"`
	ByPlatform map[string]int `json:"by_platform" jsonschema:"those rules by platform"`
	// SubCovered and SubTotal count its sub-techniques.
	SubCovered int `json:"sub_covered" jsonschema:"its sub-techniques with a rule of their own"`
	SubTotal   int `json:"sub_total" jsonschema:"its sub-techniques"`
}

// Gap is a technique with no rule.
type Gap struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Platforms []string `json:"platforms" jsonschema:"the ATT&CK platforms it applies to"`
}

func (t *tools) coverage(ctx context.Context, _ *sdk.CallToolRequest, in CoverageIn) (*sdk.CallToolResult, *CoverageOut, error) {
	max := in.Max
	switch {
	case max < 0 || max > MaxPerPage:
		return nil, nil, toolError("max is between 1 and %d", MaxPerPage)
	case max == 0:
		max = DefaultPerPage
	}
	facets, err := store.ParseFacets(in.Facets)
	if err != nil {
		return nil, nil, err
	}
	var m *catalog.Matrix
	if len(facets) == 0 {
		m, err = t.cat.Coverage(ctx) // kept by the catalog
	} else {
		var mm catalog.Matrix
		mm, err = t.cat.DB().Coverage(ctx, attack.Default(), facets)
		m = &mm
	}
	if err != nil {
		return nil, nil, err
	}
	out := &CoverageOut{Attack: m.Attack, Facets: nonNil(in.Facets), Rules: m.Rules, Mapped: m.Mapped, Covered: m.Covered,
		CoveredSub: m.CoveredSub, Platforms: nonNil(m.Platforms), Tactics: []TacticCoverage{}}
	want := strings.ToLower(strings.TrimSpace(in.Tactic))
	var names []string
	for _, ta := range m.Tactics {
		names = append(names, ta.Shortname)
		if want != "" && want != strings.ToLower(ta.ID) && want != ta.Shortname && want != strings.ToLower(ta.Name) {
			continue
		}
		tc := TacticCoverage{ID: ta.ID, Shortname: ta.Shortname, Name: ta.Name, Rules: ta.Rules, Techniques: len(ta.Techniques),
			Covered: ta.Covered, Top: []TechniqueCoverage{}, Gaps: []Gap{}}
		covered := slices.Clone(ta.Techniques)
		slices.SortStableFunc(covered, func(a, b catalog.TechniqueCoverage) int { return cmp.Compare(b.Rules, a.Rules) })
		for _, te := range covered {
			if te.Rules == 0 || len(tc.Top) == max {
				continue
			}
			c := TechniqueCoverage{ID: te.ID, Name: te.Name, Rules: te.Rules, ByPlatform: te.ByPlatform, SubTotal: len(te.Subtechniques)}
			if c.ByPlatform == nil {
				c.ByPlatform = map[string]int{}
			}
			for _, s := range te.Subtechniques {
				if s.Rules > 0 {
					c.SubCovered++
				}
			}
			tc.Top = append(tc.Top, c)
		}
		for _, te := range ta.Techniques {
			if te.Rules > 0 {
				continue
			}
			tc.GapCount++
			if len(tc.Gaps) < max {
				tc.Gaps = append(tc.Gaps, Gap{ID: te.ID, Name: te.Name, Platforms: nonNil(te.Platforms)})
			}
		}
		out.Tactics = append(out.Tactics, tc)
	}
	if want != "" && len(out.Tactics) == 0 {
		return nil, nil, toolError("no tactic %q; tactics: %s", in.Tactic, strings.Join(names, ", "))
	}
	return nil, out, nil
}
