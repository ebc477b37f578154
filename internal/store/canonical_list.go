package store

import (
	"context"
	"sort"
)

// CanonicalQuery asks for a page of the catalog's canonical indicators.
type CanonicalQuery struct {
	Field    string // only this canonical field; "" for all
	MinRules int    // only those at least this many rules have (0 or 1: all)
	Page     int    // 1-based
	PerPage  int    // 0: all
}

// CanonicalSummary is one canonical indicator (field, kind, value in the
// common vocabulary) and how many rules of each platform have it.
type CanonicalSummary struct {
	Field      string         `json:"field"`
	Kind       string         `json:"kind"`
	Value      string         `json:"value"`
	Rules      int            `json:"rules"`
	ByPlatform map[string]int `json:"by_platform"`
}

// CanonicalList is a page of canonical indicators, the most shared first.
type CanonicalList struct {
	Total      int                `json:"total"`
	Page       int                `json:"page"`
	PerPage    int                `json:"per_page"`
	Indicators []CanonicalSummary `json:"indicators"`
	Fields     []Count            `json:"fields"` // canonical fields of the whole list (MinRules applied, Field not), with their number of indicators
}

// CanonicalIndicators lists the canonical indicators of the catalog, the
// ones most rules have first (then by field, kind, value), with their
// counts by platform.
func (d *DB) CanonicalIndicators(ctx context.Context, q CanonicalQuery) (*CanonicalList, error) {
	// Every canonical indicator grouped once and kept (a catalog does not
	// change under its reader): the static export lists them on hundreds
	// of pages (each field's), and grouping the table took 60% of its CPU.
	d.canonOnce.Do(func() { d.canon, d.canonErr = d.loadCanonical(context.WithoutCancel(ctx)) })
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if d.canonErr != nil {
		return nil, d.canonErr
	}
	all := d.canon
	fields := map[string]int{}
	var out []CanonicalSummary
	for _, c := range all {
		if c.Rules < q.MinRules {
			continue
		}
		fields[c.Field]++
		if q.Field == "" || c.Field == q.Field {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Rules != b.Rules {
			return a.Rules > b.Rules
		}
		if a.Field != b.Field {
			return a.Field < b.Field
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Value < b.Value
	})
	res := &CanonicalList{Total: len(out), Page: max(q.Page, 1), PerPage: q.PerPage, Fields: []Count{}}
	for f, n := range fields {
		res.Fields = append(res.Fields, Count{Value: f, Count: n})
	}
	sort.Slice(res.Fields, func(i, j int) bool { return res.Fields[i].Value < res.Fields[j].Value })
	if q.PerPage > 0 {
		lo := min((res.Page-1)*q.PerPage, len(out))
		out = out[lo:min(lo+q.PerPage, len(out))]
	}
	res.Indicators = append([]CanonicalSummary{}, out...)
	return res, nil
}

// loadCanonical groups every canonical indicator of the catalog, with its
// counts by platform, in no order.
func (d *DB) loadCanonical(ctx context.Context) ([]CanonicalSummary, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT c.field, c.kind, c.value, r.platform, COUNT(DISTINCT c.rule)
		FROM canonical_indicators c JOIN rules r ON r.n = c.rule GROUP BY c.field, c.kind, c.value, r.platform`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type key struct{ field, kind, value string }
	idx := map[key]int{}
	var all []CanonicalSummary
	for rows.Next() {
		var k key
		var platform string
		var n int
		if err := rows.Scan(&k.field, &k.kind, &k.value, &platform, &n); err != nil {
			return nil, err
		}
		i, ok := idx[k]
		if !ok {
			i = len(all)
			idx[k] = i
			all = append(all, CanonicalSummary{Field: k.field, Kind: k.kind, Value: k.value, ByPlatform: map[string]int{}})
		}
		all[i].Rules += n
		all[i].ByPlatform[platform] += n
	}
	return all, rows.Err()
}
