package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/ruledex/ruledex/internal/catalog"
)

// A facet value (a table, a repository, an event...) longer than maxSeg
// has a path segment cut and hashed (Seg), which cannot be decoded: its
// page finds the value among the facet's values by its segment, as the
// export writes it.

// longFacetSegs wraps a page whose path values (param → the facet key
// it names; key "" takes the key from the path value "key") may be cut
// and hashed: such a segment is replaced by the whole value's, uncut
// (segUncut), before f reads it. A segment no value has is a 404.
func (s *Server) longFacetSegs(f pageFunc, params map[string]string) pageFunc {
	return func(ctx context.Context, pg Page, r *http.Request) (string, any, error) {
		for param, key := range params {
			seg := r.PathValue(param)
			if !strings.Contains(seg, "~~") {
				continue
			}
			if key == "" {
				k, _, ok := Unseg(r.PathValue("key"))
				if !ok || !validFacetKey(k) {
					return "", nil, notFound("no such facet")
				}
				key = k
			}
			v, err := s.findLongFacetValue(ctx, key, seg)
			if err != nil {
				return "", nil, err
			}
			r.SetPathValue(param, segUncut(v))
		}
		return f(ctx, pg, r)
	}
}

// findLongFacetValue returns the value of facet key whose segment is seg
// (ignoring case, as Seg's hash does), or a 404.
func (s *Server) findLongFacetValue(ctx context.Context, key, seg string) (string, error) {
	res, err := s.cat.Search(ctx, Query{PerPage: 1})
	if err != nil {
		return "", err
	}
	for _, fc := range res.Facets[key] {
		if v := segPart(key, fc.Value); len(v) > 0 && strings.EqualFold(Seg(v), seg) {
			return v, nil
		}
	}
	return "", notFound("no such " + key)
}

// segPart is the part of a value of facet key that its path segment spells:
// the event facet holds provider and event together (catalog.EventName),
// an event page's segment the event alone (EventPath).
func segPart(key, v string) string {
	if key == "event" {
		if _, e, ok := catalog.SplitEventName(v); ok {
			return e
		}
	}
	return v
}

// segUncut is Seg without the cut: every byte but ASCII letters, digits,
// '-', '_' and '.' as ~XX (Unseg decodes it whole).
func segUncut(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('~')
		b.WriteByte("0123456789ABCDEF"[c>>4])
		b.WriteByte("0123456789ABCDEF"[c&15])
	}
	if s == "" {
		return "~"
	}
	return b.String()
}
