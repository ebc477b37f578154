package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"fmt"

	"github.com/ruledex/ruledex/internal/lint"
)

// The findings of ruledex lint, which a build runs over every rule
// (Write.Findings): the findings table, one row a finding, and the facet
// "finding" of each rule (the checks that found something in it), so that a
// search or a listing filters and counts by check and the pages of checks
// and of rules show what the facet counts. Any file may change them: the
// checks across the corpus (the same id twice, near-duplicates,
// the most common indicators) change with any file, but an incremental
// build writes again only the findings of a rule that changed
// (writeFindings).

// findingsSum returns the hash of a rule's findings, as written (in their
// order): what the held table keeps to tell an incremental build a rule
// whose findings did not change (SHA-256, cut to 16 bytes).
func findingsSum(fs []lint.Finding) []byte {
	h := sha256.New()
	var b []byte
	for _, f := range fs {
		b = b[:0]
		for _, s := range [...]string{f.Check, f.Severity, f.Message, f.Fingerprint} {
			b = binary.AppendUvarint(b, uint64(len(s)))
			b = append(b, s...)
		}
		b = binary.AppendVarint(b, int64(f.Line))
		b = binary.AppendVarint(b, int64(f.Col))
		h.Write(b)
	}
	return h.Sum(nil)[:16]
}

// writeFindings writes fs, the findings of rule n, and returns their sum
// (findingsSum). A rule whose row is the last catalog's (kept) had those
// whose sum is old (nil: unknown): they are left as they are when they did
// not change. An incremental build rewrote a million findings at 164,000
// rules when one file changed.
func (w *writer) writeFindings(n int64, fs []lint.Finding, kept bool, old []byte) ([]byte, error) {
	sum := findingsSum(fs)
	if kept {
		if old != nil && bytes.Equal(sum, old) {
			return sum, nil
		}
		if err := w.flush(); err != nil {
			return nil, err
		}
		if _, err := w.delFindings.ExecContext(w.ctx, n); err != nil {
			return nil, err
		}
		w.dropFacets(n, dropFindingFacets)
	}
	for _, f := range fs {
		if err := w.addFinding(n, f); err != nil {
			return nil, err
		}
	}
	return sum, nil
}

// addFinding queues finding f of rule n and its facet.
func (w *writer) addFinding(n int64, f lint.Finding) error {
	if err := w.findingRows.add(w.ctx, w.tx, n, f.Check, f.Severity, f.Message, f.Line, f.Col, f.Fingerprint); err != nil {
		return err
	}
	return w.addFacet(FacetFinding, f.Check, n)
}

// RuleFinding is a finding with the title of its rule.
type RuleFinding struct {
	lint.Finding
	Title string `json:"title"`
}

// CheckCount is a check with the number of rules it found something in
// and the number of its findings.
type CheckCount struct {
	Check    string `json:"check"`
	Severity string `json:"severity"`
	Rules    int    `json:"rules"`
	Findings int    `json:"findings"`
}

// findingCols are the columns a RuleFinding is read from (findingRow).
const findingCols = `f.check_, f.severity, f.message, f.line, f.col, f.fingerprint, r.id, r.repo, r.path, r.title`

func scanFindings(rows *sql.Rows) ([]RuleFinding, error) {
	defer rows.Close()
	out := []RuleFinding{}
	for rows.Next() {
		var f RuleFinding
		if err := rows.Scan(&f.Check, &f.Severity, &f.Message, &f.Line, &f.Col, &f.Fingerprint, &f.Rule, &f.Repo, &f.Path, &f.Title); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// RuleFindings returns the findings of the rule with this id, in the order
// ruledex lint gives them (line, column, check); none is an empty list.
// ErrNotFound when the catalog has no such rule.
func (d *DB) RuleFindings(ctx context.Context, id string) ([]lint.Finding, error) {
	fs, _, err := d.RuleFindingsShown(ctx, id, 0)
	return fs, err
}

// RuleFindingsShown is RuleFindings cut to the first k findings (k <= 0:
// all), with the number of them all: a page shows a bounded number,
// however many checks a rule fails.
func (d *DB) RuleFindingsShown(ctx context.Context, id string, k int) ([]lint.Finding, int, error) {
	st, err := d.prepared(`SELECT ` + findingCols + `, r.n FROM rules r LEFT JOIN findings f ON f.rule = r.n WHERE r.id = ? ORDER BY f.rowid LIMIT ?`)
	if err != nil {
		return nil, 0, err
	}
	limit := -1 // SQLite: no limit
	if k > 0 {
		limit = k
	}
	rows, err := st.QueryContext(ctx, id, limit)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []lint.Finding{}
	found := false
	var n int64
	for rows.Next() {
		found = true
		var check, sev, msg, fp sql.NullString
		var line, col sql.NullInt64
		var f lint.Finding
		var title string
		if err := rows.Scan(&check, &sev, &msg, &line, &col, &fp, &f.Rule, &f.Repo, &f.Path, &title, &n); err != nil {
			return nil, 0, err
		}
		if !check.Valid {
			continue // the rule, without a finding
		}
		f.Check, f.Severity, f.Message, f.Fingerprint = check.String, sev.String, msg.String, fp.String
		f.Line, f.Col = int(line.Int64), int(col.Int64)
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	if !found {
		return nil, 0, fmt.Errorf("%s: %w", id, ErrNotFound)
	}
	total := len(out)
	if k > 0 && total == k {
		cnt, err := d.prepared(`SELECT count(*) FROM findings WHERE rule = ?`)
		if err != nil {
			return nil, 0, err
		}
		if err := cnt.QueryRowContext(ctx, n).Scan(&total); err != nil {
			return nil, 0, err
		}
	}
	return out, total, nil
}

// RulesWithFindings returns the ids of the rules ruledex lint found
// something in: a reader that keeps them asks RuleFindings only of those
// (a query for nothing costs as much as one that finds something; two
// rules in three of the corpus have none).
func (d *DB) RulesWithFindings(ctx context.Context) (map[string]bool, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT r.id FROM rules r WHERE r.n IN (SELECT DISTINCT rule FROM findings)`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// FindingChecks returns each check that found something in a rule of the
// catalog, with how many rules and findings, by check id.
func (d *DB) FindingChecks(ctx context.Context) ([]CheckCount, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT check_, max(severity), count(DISTINCT rule), count(*) FROM findings GROUP BY check_ ORDER BY check_`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []CheckCount{}
	for rows.Next() {
		var c CheckCount
		if err := rows.Scan(&c.Check, &c.Severity, &c.Rules, &c.Findings); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CheckFindings returns a page (1-based; perPage 0 or less: all) of the
// findings of one check, by repository, path and place, and how many it has
// in all.
func (d *DB) CheckFindings(ctx context.Context, check string, page, perPage int) ([]RuleFinding, int, error) {
	page = max(page, 1)
	if perPage <= 0 {
		page, perPage = 1, -1 // SQLite: no limit
	}
	var total int
	if err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM findings WHERE check_ = ?`, check).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := d.db.QueryContext(ctx, `SELECT `+findingCols+` FROM findings f JOIN rules r ON r.n = f.rule
		WHERE f.check_ = ? ORDER BY f.rule, f.rowid LIMIT ? OFFSET ?`, check, perPage, (page-1)*perPage)
	if err != nil {
		return nil, 0, err
	}
	fs, err := scanFindings(rows)
	return fs, total, err
}

// EachCheckFinding calls f with the first limit findings of one check
// (limit <= 0: every one) in the order CheckFindings pages them, one row at
// a time, until f returns an error or ctx is done: one pass over the
// findings, however many there are. The export writes a check's JSON and
// its first pages from it: at N = 15 forks of the corpus the near-duplicate
// check has 55,276 findings (a million when it made one a near-duplicate),
// and a page read by CheckFindings (OFFSET) walks every finding before it.
// f's finding is reused between calls.
func (d *DB) EachCheckFinding(ctx context.Context, check string, limit int, f func(*RuleFinding) error) error {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := d.db.QueryContext(ctx, `SELECT `+findingCols+` FROM findings f JOIN rules r ON r.n = f.rule
		WHERE f.check_ = ? ORDER BY f.rule, f.rowid LIMIT ?`, check, limit)
	if err != nil {
		return err
	}
	defer rows.Close()
	var rf RuleFinding
	for rows.Next() {
		if err := rows.Scan(&rf.Check, &rf.Severity, &rf.Message, &rf.Line, &rf.Col, &rf.Fingerprint, &rf.Rule, &rf.Repo, &rf.Path, &rf.Title); err != nil {
			return err
		}
		if err := f(&rf); err != nil {
			return err
		}
	}
	return rows.Err()
}
