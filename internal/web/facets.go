package web

import (
	"context"
	"net/url"
	"slices"
	"strings"

	"github.com/ruledex/ruledex/internal/store"
)

// One facet syntax on every face: KEY=VALUE (the CLI's --facet, the API's
// and the pages' ?facet=), KEY:VALUE read too (the older links' f=), and
// the facet names of the store (store.Facets) everywhere. The pages show
// and count the facets of FacetKeys; a filter, an API answer and a facet's
// page take any of the store's.

// parseFacetParam reads KEY=VALUE, or KEY:VALUE, with KEY a facet of the
// store. The separator is the first '=' or ':' after a facet's name, so a
// value may hold either.
func parseFacetParam(s string) (Facet, bool) {
	i := strings.IndexAny(s, "=:")
	if i <= 0 {
		return Facet{}, false
	}
	k := strings.ToLower(strings.TrimSpace(s[:i]))
	if !validFacetKey(k) {
		return Facet{}, false
	}
	return Facet{Key: k, Value: s[i+1:]}, true
}

// queryFacets returns the facets of a query (facet= and the older f=), as
// KEY=VALUE; one that does not parse is kept as it is.
func queryFacets(q url.Values) []string {
	var out []string
	for _, name := range []string{"facet", "f"} {
		for _, v := range q[name] {
			if f, ok := parseFacetParam(v); ok {
				v = facetParam(f.Key, f.Value)
			}
			out = append(out, v)
		}
	}
	return out
}

// facetParam writes a facet as a link's facet= value: KEY=VALUE.
func facetParam(key, value string) string { return key + "=" + value }

// isFacetKey tells whether k names a facet of the store.
func isFacetKey(k string) bool { return slices.Contains(store.Facets, k) }

// facetValuer is a catalog that lists every value of any facet.
type facetValuer interface {
	FacetValues(ctx context.Context, key string) ([]FacetCount, error)
}

// FacetValues implements facetValuer: from the store, every facet.
func (c *StoreCatalog) FacetValues(ctx context.Context, key string) ([]FacetCount, error) {
	cs, err := c.db.FacetValues(ctx, key)
	if err != nil {
		return nil, err
	}
	out := make([]FacetCount, len(cs))
	for i, x := range cs {
		out[i] = FacetCount(x)
	}
	return out, nil
}

// facetValues returns every value of facet key with its number of rules,
// most frequent first, never nil.
func (s *Server) facetValues(ctx context.Context, key string) ([]FacetCount, error) {
	var vals []FacetCount
	if fv, ok := s.cat.(facetValuer); ok {
		var err error
		if vals, err = fv.FacetValues(ctx, key); err != nil {
			return nil, err
		}
	} else {
		res, err := s.cat.Search(ctx, Query{PerPage: 1})
		if err != nil {
			return nil, err
		}
		vals = res.Facets[key]
	}
	if vals == nil {
		vals = []FacetCount{}
	}
	return vals, nil
}

// facetKeysText lists the facets a filter takes, for messages.
func facetKeysText() string { return strings.Join(store.Facets, ", ") }
