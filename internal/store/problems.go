package store

import (
	"encoding/json"
	"sort"

	"github.com/ruledex/ruledex/internal/rule"
)

// Problem is one diagnostic of a built catalog: of a file that gave no rule
// or could not be read (Rule is empty), or of a rule.
type Problem struct {
	Repo string `json:"repo"`
	Rule string `json:"rule,omitempty"` // the rule's id; "" for a file's own
	rule.Diagnostic
}

// Problems returns every diagnostic of the catalog's files and rules whose
// severity is one of sevs (all of them when sevs is empty), by repository,
// path, line, column and rule.
func (d *DB) Problems(sevs ...string) ([]Problem, error) {
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
	rows, err := d.db.Query(`SELECT repo, path, diags FROM files WHERE diags <> '[]'`)
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
	// A rule's diagnostics are in its JSON; SQLite picks them out, so that
	// rules without any are not decoded.
	rows, err = d.db.Query(`SELECT repo, id, path, json_extract(json, '$.diagnostics') FROM rules
		WHERE json_array_length(json, '$.diagnostics') > 0`)
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
