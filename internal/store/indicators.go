package store

import (
	"cmp"
	"context"
	"slices"
	"sort"
	"strings"
)

// IndicatorQuery asks for a page of the corpus's distinct indicators.
type IndicatorQuery struct {
	Field   string // field name (case-insensitive); "" means any
	Kind    string // kind as counted (catalog.MatchKind: in is eq); "" means any
	Text    string // substring of the value (case-insensitive); "" means any
	Page    int    // 1-based; 0 means 1
	PerPage int    // 0 means 50; at most 1000
}

// IndicatorList is a page of distinct indicators, most used first.
type IndicatorList struct {
	Total      int                `json:"total"`
	Page       int                `json:"page"`
	PerPage    int                `json:"per_page"`
	Indicators []IndicatorSummary `json:"indicators"`
	Fields     []Count            `json:"fields"` // fields of the whole list, with their number of indicators
}

// IndicatorSummary is one distinct (field, kind, value) of the corpus and
// the rules that match it positively. Values that differ only in case are
// one indicator; Value is the most common spelling.
type IndicatorSummary struct {
	Field      string         `json:"field"`
	Kind       string         `json:"kind"`
	Value      string         `json:"value"`
	Rules      int            `json:"rules"`
	ByPlatform map[string]int `json:"by_platform"`
}

// indicatorIndex is every distinct indicator, most used first, loaded once.
func (d *DB) indicatorIndex(ctx context.Context) ([]IndicatorSummary, error) {
	d.indOnce.Do(func() { d.inds, d.indUses, d.indErr = d.loadIndicators(context.WithoutCancel(ctx)) })
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return d.inds, d.indErr
}

// indicatorUse is one row of the indicators table: a rule that matches a
// value positively.
type indicatorUse struct {
	rule                     int64
	field, kind, matchKind   string
	value                    string
	caseSensitive, allOfThem bool
}

func (d *DB) loadIndicators(ctx context.Context) ([]IndicatorSummary, map[string][]indicatorUse, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT i.field, i.match_kind, i.value, i.folded, i.rule, r.platform, i.kind, i.case_sensitive, i.all_
		FROM indicators i JOIN rules r ON r.n = i.rule ORDER BY lower(i.field), i.match_kind, i.folded, i.rule`)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	uses := map[string][]indicatorUse{} // by folded value
	var out []IndicatorSummary
	var cur *IndicatorSummary
	var curKey string
	var lastRule int64 = -1
	spellings := map[string]int{}
	// A value and its field, kind and platform are written by many rules
	// (at 164,000 rules, 1.3 million rows of 90,000 values and 1,700
	// fields): each kept once, not once a row.
	strs := map[string]string{}
	intern := func(s string) string {
		if t, ok := strs[s]; ok {
			return t
		}
		strs[s] = s
		return s
	}
	flush := func() {
		if cur == nil {
			return
		}
		best, bestN := "", -1
		for v, n := range spellings {
			if n > bestN || n == bestN && v < best {
				best, bestN = v, n
			}
		}
		cur.Value = best
		out = append(out, *cur)
		clear(spellings)
	}
	for rows.Next() {
		var field, kind, value, folded, platform string
		var n int64
		u := indicatorUse{}
		if err := rows.Scan(&field, &kind, &value, &folded, &n, &platform, &u.kind, &u.caseSensitive, &u.allOfThem); err != nil {
			return nil, nil, err
		}
		field, kind, value, folded, platform = intern(field), intern(kind), intern(value), intern(folded), intern(platform)
		u.kind = intern(u.kind)
		u.rule, u.field, u.matchKind, u.value = n, field, kind, value
		uses[folded] = append(uses[folded], u)
		key := strings.ToLower(field) + "\x00" + kind + "\x00" + folded
		if cur == nil || key != curKey {
			flush()
			cur = &IndicatorSummary{Field: field, Kind: kind, ByPlatform: map[string]int{}}
			curKey, lastRule = key, -1
		}
		spellings[value]++
		if n != lastRule {
			cur.Rules++
			cur.ByPlatform[platform]++
			lastRule = n
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	flush()
	sort.SliceStable(out, func(i, j int) bool { return out[i].Rules > out[j].Rules })
	for _, us := range uses {
		slices.SortStableFunc(us, func(a, b indicatorUse) int { return cmp.Compare(a.rule, b.rule) })
	}
	return out, uses, nil
}

// MaxIndicatorsPerPage is the longest page of Indicators.
const MaxIndicatorsPerPage = 1000

// Indicators returns a page of the distinct indicators of the catalog that
// match q, most used first, with the fields of all of them.
func (d *DB) Indicators(ctx context.Context, q IndicatorQuery) (IndicatorList, error) {
	if q.Page <= 0 {
		q.Page = 1
	}
	if q.PerPage <= 0 {
		q.PerPage = 50
	}
	q.PerPage = min(q.PerPage, MaxIndicatorsPerPage)
	res := IndicatorList{Page: q.Page, PerPage: q.PerPage, Indicators: []IndicatorSummary{}, Fields: []Count{}}
	all, err := d.indicatorIndex(ctx)
	if err != nil {
		return res, err
	}
	text := strings.ToLower(q.Text)
	fields := map[string]*Count{}
	var fieldOrder []string
	for _, in := range all {
		if q.Field != "" && !strings.EqualFold(in.Field, q.Field) || q.Kind != "" && in.Kind != q.Kind ||
			text != "" && !strings.Contains(strings.ToLower(in.Value), text) {
			continue
		}
		res.Total++
		if from := (q.Page - 1) * q.PerPage; res.Total > from && len(res.Indicators) < q.PerPage {
			res.Indicators = append(res.Indicators, in)
		}
		k := strings.ToLower(in.Field)
		if fields[k] == nil {
			fields[k] = &Count{Value: in.Field}
			fieldOrder = append(fieldOrder, k)
		}
		fields[k].Count++
	}
	for _, k := range fieldOrder {
		res.Fields = append(res.Fields, *fields[k])
	}
	sortCounts(res.Fields)
	return res, nil
}
