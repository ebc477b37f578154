package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/ruledex/ruledex/internal/rule"
)

// Problem is one diagnostic of a built catalog: of a file that gave no rule
// or could not be read (Rule is empty), or of a rule.
type Problem struct {
	Repo string `json:"repo"`
	Rule string `json:"rule,omitempty"` // the rule's id; "" for a file's own
	rule.Diagnostic
}

// The files with diagnostics, read through the index files_diags (migration
// 15), the rules with diagnostics through rules_diags (migration 12), and
// those with errors from rules_errors alone (migration 15: it holds what
// this query reads): not a scan of every file's or rule's row.
const (
	fileProblemsQuery = `SELECT repo, path, diags FROM files WHERE diags <> '[]'`
	problemsQuery     = `SELECT repo, id, path, diags FROM rules WHERE diags <> '[]'`
	errorsQuery       = `SELECT repo, id, path, diags FROM rules WHERE diag_errors > 0`
)

// Problems returns every diagnostic of the catalog's files and rules whose
// severity is one of sevs (all of them when sevs is empty), by repository,
// path, line, column and rule.
func (d *DB) Problems(ctx context.Context, sevs ...string) ([]Problem, error) {
	want := func(s string) bool {
		if len(sevs) == 0 {
			return true
		}
		for _, x := range sevs {
			if x == s {
				return true
			}
		}
		return false
	}
	var out []Problem
	add := func(repo, id, path, js string) error {
		var ds []rule.Diagnostic
		if err := json.Unmarshal([]byte(js), &ds); err != nil {
			return err
		}
		for _, dg := range ds {
			if dg.Path == "" {
				dg.Path = path
			}
			if want(dg.Severity) {
				out = append(out, Problem{Repo: repo, Rule: id, Diagnostic: dg})
			}
		}
		return nil
	}
	rows, err := d.db.QueryContext(ctx, fileProblemsQuery)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var repo, path, js string
		if err := rows.Scan(&repo, &path, &js); err != nil {
			rows.Close()
			return nil, err
		}
		if err := add(repo, "", path, js); err != nil {
			rows.Close()
			return nil, err
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	q := problemsQuery
	if len(sevs) > 0 && !slices.ContainsFunc(sevs, func(s string) bool { return s != rule.SevError }) {
		// Errors only (what a build prints): the rules that have one, not
		// every rule's diagnostics (1.5 s at 164,000 rules).
		q = errorsQuery
	}
	rows, err = d.db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var repo, id, path, js string
		if err := rows.Scan(&repo, &id, &path, &js); err != nil {
			return nil, err
		}
		if err := add(repo, id, path, js); err != nil {
			return nil, err
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		switch {
		case a.Repo != b.Repo:
			return a.Repo < b.Repo
		case a.Path != b.Path:
			return a.Path < b.Path
		case a.Line != b.Line:
			return a.Line < b.Line
		case a.Col != b.Col:
			return a.Col < b.Col
		}
		return a.Rule < b.Rule
	})
	return out, nil
}

// Verify checks that the catalog is whole: SQLite's integrity check passes,
// every rule has its search row and every facet, indicator and action row
// its rule, and the last build's summary counts the rules the catalog holds.
// It returns the number of rules and of builds recorded; ctx ends a check
// that takes too long.
func (d *DB) Verify(ctx context.Context) (rules, builds int, err error) {
	rows, err := d.db.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return 0, 0, err
	}
	var msgs []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			rows.Close()
			return 0, 0, err
		}
		if m != "ok" {
			msgs = append(msgs, m)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, err
	}
	if len(msgs) > 0 {
		return 0, 0, fmt.Errorf("catalog %s fails SQLite's integrity check: %s", d.path, strings.Join(msgs, "; "))
	}
	var search, loose int
	var sum string
	for _, q := range []struct {
		sql string
		v   any
	}{
		{`SELECT count(*) FROM rules`, &rules},
		{`SELECT count(*) FROM builds`, &builds},
		{`SELECT count(*) FROM search`, &search},
		{`SELECT (SELECT count(*) FROM facets, json_each('[' || facets.rules || ']') j WHERE j.value NOT IN (SELECT n FROM rules))
			+ (SELECT count(*) FROM indicators WHERE rule NOT IN (SELECT n FROM rules))
			+ (SELECT count(*) FROM actions WHERE rule NOT IN (SELECT n FROM rules))`, &loose},
		{`SELECT summary FROM builds ORDER BY n DESC LIMIT 1`, &sum},
	} {
		if err := d.db.QueryRowContext(ctx, q.sql).Scan(q.v); err != nil {
			return 0, 0, fmt.Errorf("catalog %s: %s: %w", d.path, q.sql, err)
		}
	}
	var s Summary
	if err := json.Unmarshal([]byte(sum), &s); err != nil {
		return 0, 0, fmt.Errorf("catalog %s: last build's summary: %w", d.path, err)
	}
	switch {
	case search != rules:
		err = fmt.Errorf("catalog %s: %d rules but %d search rows", d.path, rules, search)
	case loose > 0:
		err = fmt.Errorf("catalog %s: %d facet, indicator or action rows of no rule", d.path, loose)
	case s.Rules != rules:
		err = fmt.Errorf("catalog %s: %d rules but its last build counted %d", d.path, rules, s.Rules)
	}
	return rules, builds, err
}
