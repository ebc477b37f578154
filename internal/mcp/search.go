package mcp

import (
	"context"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ruledex/ruledex/internal/store"
	"github.com/ruledex/ruledex/internal/web"
)

// SearchIn is the input of search_rules.
type SearchIn struct {
	Query   string   `json:"query,omitempty" jsonschema:"free text: every word must occur (case-insensitive); \"a phrase\", -word, a OR b, prefix* as the website's search; empty lists the rules with the facets"`
	Facets  []string `json:"facets,omitempty" jsonschema:"filters KEY=VALUE, e.g. technique=T1059, tactic=persistence, severity=high; the values are in the facets of an answer"`
	Page    int      `json:"page,omitempty" jsonschema:"1-based page (default 1)"`
	PerPage int      `json:"per_page,omitempty" jsonschema:"rules a page (default 10, at most 100)"`
}

// SearchOut is a page of rules found (the API's /api/v1/search answer,
// its facets cut to the most frequent values).
type SearchOut struct {
	Total   int                         `json:"total" jsonschema:"rules found"`
	Page    int                         `json:"page"`
	PerPage int                         `json:"per_page"`
	Hits    []web.Hit                   `json:"hits" jsonschema:"the page's rules, those found by their own text before those found by their metadata alone; snippet is plain text, marks its byte ranges that matched; matched says where the rule matched (title, query, indicator, technique...)"`
	Facets  map[string][]web.FacetCount `json:"facets" jsonschema:"by facet key, its most frequent values in the whole result (at most 10)"`
	More    bool                        `json:"more" jsonschema:"a later page has more rules"`
}

func (t *tools) search(ctx context.Context, _ *sdk.CallToolRequest, in SearchIn) (*sdk.CallToolResult, *SearchOut, error) {
	p, pp, err := page(in.Page, in.PerPage)
	if err != nil {
		return nil, nil, err
	}
	facets, err := parseFacets(in.Facets)
	if err != nil {
		return nil, nil, err
	}
	res, err := t.cat.Search(ctx, web.Query{Text: in.Query, Facets: facets, Page: p, PerPage: pp})
	if err != nil {
		return nil, nil, err // a bad query or facet is the web's bad request: said as a tool error
	}
	out := &SearchOut{Total: res.Total, Page: res.Page, PerPage: res.PerPage, Hits: res.Hits, Facets: map[string][]web.FacetCount{},
		More: res.Page*res.PerPage < res.Total}
	if out.Hits == nil {
		out.Hits = []web.Hit{}
	}
	for k, vs := range res.Facets {
		if len(vs) == 0 {
			continue
		}
		out.Facets[k] = vs[:min(len(vs), maxFacetValues)]
	}
	return nil, out, nil
}

// parseFacets reads KEY=VALUE filters (store.ParseFacets: the CLI's
// syntax) into the web's facets, keys in the order store.Facets lists them.
func parseFacets(pairs []string) ([]web.Facet, error) {
	m, err := store.ParseFacets(pairs)
	if err != nil {
		return nil, err
	}
	var out []web.Facet
	for _, k := range store.Facets {
		for _, v := range m[k] {
			out = append(out, web.Facet{Key: k, Value: v})
		}
	}
	return out, nil
}
