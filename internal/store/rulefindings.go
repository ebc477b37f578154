package store

import (
	"context"

	"github.com/ruledex/ruledex/internal/lint"
)

// EachRuleFindingsShown calls f, in one statement, with every rule that
// lint found something in: its id, its first k findings in the order
// RuleFindingsShown gives them (k <= 0: all) and the number of them all. A
// reader that keeps every rule decoded (the web's rule cache, for a catalog
// that fits it) keeps these too, so that a rule page asks the database
// nothing: one query a page cost a fifth of the page's making.
func (d *DB) EachRuleFindingsShown(ctx context.Context, k int, f func(id string, fs []lint.Finding, total int) error) error {
	rows, err := d.db.QueryContext(ctx, `SELECT `+findingCols+`, f.rule FROM findings f JOIN rules r ON r.n = f.rule ORDER BY f.rule, f.rowid`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var (
		cur   int64 = -1
		id    string
		fs    []lint.Finding
		total int
	)
	flush := func() error {
		if total == 0 {
			return nil
		}
		return f(id, fs, total)
	}
	for rows.Next() {
		var fi lint.Finding
		var title string
		var n int64
		if err := rows.Scan(&fi.Check, &fi.Severity, &fi.Message, &fi.Line, &fi.Col, &fi.Fingerprint, &fi.Rule, &fi.Repo, &fi.Path, &title, &n); err != nil {
			return err
		}
		if n != cur {
			if err := flush(); err != nil {
				return err
			}
			cur, id, fs, total = n, fi.Rule, nil, 0
		}
		total++
		if k <= 0 || len(fs) < k {
			fs = append(fs, fi)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return flush()
}
