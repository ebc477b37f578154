package store

import (
	"context"
	"encoding/json"
	"sort"
	"strings"

	"github.com/ruledex/ruledex/internal/rule"
)

// canonical queues rule n's canonical indicators (rule.Rule.Canonical);
// the rule has none in the catalog (updateBody deletes them first).
func (w *writer) canonical(n int64, r *rule.Rule) error {
	for _, c := range r.Canonical {
		from, _ := json.Marshal(c.From)
		if err := w.canon.add(w.ctx, w.tx, n, c.Field, c.Kind, c.Value, string(from)); err != nil {
			return err
		}
	}
	return nil
}

// CanonicalHit is a rule with a canonical indicator, and how the rule
// writes it.
type CanonicalHit struct {
	RuleSummary
	From []string `json:"from"` // "Image endswith \certutil.exe"
}

// CanonicalResult is one canonical indicator (field, kind, value in the
// common vocabulary) and the rules of every platform that have it.
type CanonicalResult struct {
	Field      string         `json:"field"`
	Kind       string         `json:"kind"`
	Value      string         `json:"value"`
	ByPlatform map[string]int `json:"by_platform"`
	Rules      []CanonicalHit `json:"rules"`
}

// Canonical returns the rules with the canonical indicator field kind
// value (value compared case-folded, as canonical values are), by id.
// kind "" means any kind.
func (d *DB) Canonical(ctx context.Context, field, kind, value string) (*CanonicalResult, error) {
	res := &CanonicalResult{Field: field, Kind: kind, Value: strings.ToLower(value), ByPlatform: map[string]int{}, Rules: []CanonicalHit{}}
	q := `SELECT rule, from_ FROM canonical_indicators WHERE field = ? AND value = ?`
	args := []any{field, res.Value}
	if kind != "" {
		q += ` AND kind = ?`
		args = append(args, kind)
	}
	rows, err := d.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	from := map[int64][]string{}
	var ns []int64
	for rows.Next() {
		var n int64
		var f string
		if err := rows.Scan(&n, &f); err != nil {
			return nil, err
		}
		var l []string
		_ = json.Unmarshal([]byte(f), &l)
		if _, seen := from[n]; !seen {
			ns = append(ns, n)
		}
		from[n] = append(from[n], l...)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sums, err := d.summaryMap(ctx, ns)
	if err != nil {
		return nil, err
	}
	for n, s := range sums {
		res.Rules = append(res.Rules, CanonicalHit{RuleSummary: s, From: from[n]})
		res.ByPlatform[s.Platform]++
	}
	sort.Slice(res.Rules, func(i, j int) bool { return res.Rules[i].ID < res.Rules[j].ID })
	return res, nil
}
