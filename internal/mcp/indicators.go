package mcp

import (
	"context"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ruledex/ruledex/internal/web"
)

// IndicatorsIn is the input of indicator_counts.
type IndicatorsIn struct {
	Value   string `json:"value,omitempty" jsonschema:"text the indicator's value contains (case-insensitive); with exact, the whole value"`
	Field   string `json:"field,omitempty" jsonschema:"the field, exactly (case-insensitive), as rules write it; empty: any (with exact: keyword indicators, which name no field)"`
	Kind    string `json:"kind,omitempty" jsonschema:"the comparison, exactly: equals, contains, startswith, endswith, regex, cidr...; empty: any"`
	Exact   bool   `json:"exact,omitempty" jsonschema:"answer the rules that match this field, kind and value exactly, instead of a list of indicators"`
	Page    int    `json:"page,omitempty" jsonschema:"1-based page (default 1)"`
	PerPage int    `json:"per_page,omitempty" jsonschema:"indicators a page (default 10, at most 100)"`
}

// IndicatorsOut is a page of indicators with their counts (the API's
// /api/v1/indicators answer), or with exact the rules of one indicator.
type IndicatorsOut struct {
	Total      int                    `json:"total" jsonschema:"indicators found"`
	Page       int                    `json:"page"`
	PerPage    int                    `json:"per_page"`
	Indicators []web.IndicatorSummary `json:"indicators" jsonschema:"each with rules (how many rules match it) and by_platform (those rules by platform), most used first"`
	Fields     []web.FacetCount       `json:"fields" jsonschema:"the fields of the whole list, most used first (at most 10)"`
	// Rules are, with exact, the rules that match the indicator (at most
	// maxRefs), and RulesTotal their number.
	Rules      []web.IndicatorUse `json:"rules" jsonschema:"with exact: the rules that match the indicator (at most 100)"`
	RulesTotal int                `json:"rules_total"`
}

func (t *tools) indicators(ctx context.Context, _ *sdk.CallToolRequest, in IndicatorsIn) (*sdk.CallToolResult, *IndicatorsOut, error) {
	p, pp, err := page(in.Page, in.PerPage)
	if err != nil {
		return nil, nil, err
	}
	out := &IndicatorsOut{Page: p, PerPage: pp, Indicators: []web.IndicatorSummary{}, Fields: []web.FacetCount{}, Rules: []web.IndicatorUse{}}
	if in.Exact {
		if strings.TrimSpace(in.Value) == "" {
			return nil, nil, toolError("exact needs value (and field, empty for keyword indicators)")
		}
		res, err := t.cat.Indicator(ctx, in.Field, in.Kind, in.Value)
		if err == web.ErrNotFound {
			return nil, nil, toolError("no rule matches field %q kind %q value %q; indicator_counts without exact finds the indicators whose value contains a text", in.Field, in.Kind, in.Value)
		}
		if err != nil {
			return nil, nil, err
		}
		out.RulesTotal = len(res.Rules)
		for _, u := range res.Rules[:min(len(res.Rules), maxRefs)] {
			u.Actions = nonNil(u.Actions)
			out.Rules = append(out.Rules, u)
		}
		// The indicator's counts: its rules by platform (kind "" is any kind).
		sum := web.IndicatorSummary{Field: res.Field, Kind: in.Kind, Value: res.Value, Rules: len(res.Rules), ByPlatform: map[string]int{}}
		for _, u := range res.Rules {
			sum.ByPlatform[u.Platform]++
		}
		out.Indicators = append(out.Indicators, sum)
		out.Total = len(out.Indicators)
		return nil, out, nil
	}
	l, err := t.cat.Indicators(ctx, web.IndicatorQuery{Field: in.Field, Kind: in.Kind, Text: in.Value, Page: p, PerPage: pp})
	if err != nil {
		return nil, nil, err
	}
	out.Total, out.Page, out.PerPage = l.Total, l.Page, l.PerPage
	for _, s := range l.Indicators {
		out.Indicators = append(out.Indicators, summary(s))
	}
	out.Fields = append(out.Fields, l.Fields[:min(len(l.Fields), maxFacetValues)]...)
	return nil, out, nil
}

func summary(s web.IndicatorSummary) web.IndicatorSummary {
	if s.ByPlatform == nil {
		s.ByPlatform = map[string]int{}
	}
	return s
}
