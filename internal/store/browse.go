package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/ruledex/ruledex/internal/attack"
	"github.com/ruledex/ruledex/internal/catalog"
	"github.com/ruledex/ruledex/internal/rule"
)

// What the website's pages of a table, a repository and the ATT&CK matrix
// read: each from the catalog's tables, without decoding whole rules.

// FieldCount is a field of a table and the number of rules that use it.
type FieldCount struct {
	Field string `json:"field"` // as the first rule (by id) to use it writes it
	Rules int    `json:"rules"`
	// Values tells whether some rule matches values of the field
	// positively (it has indicators).
	Values bool `json:"values"`
}

// TableFields returns the fields of a table or log source that the rules
// reading it use (fieldsByTable), with the number of rules using each,
// most used first. ErrNotFound when no rule reads the table.
func (d *DB) TableFields(ctx context.Context, table string) ([]FieldCount, error) {
	ix, err := d.index(ctx)
	if err != nil {
		return nil, err
	}
	if len(ix.ids[FacetTable+"\x00"+strings.ToLower(strings.TrimSpace(table))]) == 0 {
		return nil, fmt.Errorf("table %s: %w", table, ErrNotFound)
	}
	valued, err := d.valuedFields(ctx)
	if err != nil {
		return nil, err
	}
	st, err := d.prepared(`SELECT f.field, r.id FROM table_fields f JOIN rules r ON r.n = f.rule WHERE f.tbl = ? ORDER BY r.id`)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, strings.TrimSpace(table))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []FieldCount{}
	at := map[string]int{}
	for rows.Next() {
		var field, id string
		if err := rows.Scan(&field, &id); err != nil {
			return nil, err
		}
		k := strings.ToLower(field)
		i, ok := at[k]
		if !ok {
			i = len(out)
			at[k] = i
			out = append(out, FieldCount{Field: field, Values: valued[k]})
		}
		out[i].Rules++
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Rules != out[j].Rules {
			return out[i].Rules > out[j].Rules
		}
		return strings.ToLower(out[i].Field) < strings.ToLower(out[j].Field)
	})
	return out, nil
}

// valuedFields returns the fields (lower-cased) that some rule matches
// values of positively, made once from the indicator index.
func (d *DB) valuedFields(ctx context.Context) (map[string]bool, error) {
	inds, err := d.indicatorIndex(ctx)
	if err != nil {
		return nil, err
	}
	d.valuedOnce.Do(func() {
		d.valued = map[string]bool{}
		for _, in := range inds {
			d.valued[strings.ToLower(in.Field)] = true
		}
	})
	return d.valued, nil
}

// fieldsByTable returns the fields r uses of each table it reads (keys
// lower-cased), each field once. A rule that reads one table uses it for
// every field it names (keywords, predicates, indicators, group-by); a rule
// that reads several gives each the fields of the predicates of the
// pipelines that read it (a join's inner pipeline reads its own source).
func fieldsByTable(r *rule.Rule) map[string][]string {
	if len(r.Tables) == 0 {
		return nil
	}
	out := map[string][]string{}
	seen := map[[2]string]bool{}
	add := func(table, field string) {
		t := strings.ToLower(table)
		if field == "" || table == "" {
			return
		}
		k := [2]string{t, strings.ToLower(field)}
		if seen[k] {
			return
		}
		seen[k] = true
		out[t] = append(out[t], field)
	}
	if len(r.Tables) == 1 {
		t := r.Tables[0]
		for _, f := range r.Keywords {
			add(t, f)
		}
		eachPredicate(r.Stages, func(p *rule.Predicate) { add(t, p.Field) })
		for _, in := range r.Indicators {
			add(t, in.Field)
		}
		for _, f := range r.GroupBy {
			add(t, f)
		}
		return out
	}
	read := map[string]string{}
	for _, t := range r.Tables {
		read[strings.ToLower(t)] = t
	}
	var walk func(ss []rule.Stage, src string)
	walk = func(ss []rule.Stage, src string) {
		for _, st := range ss {
			if st.Kind == "source" && st.Source != "" {
				src = st.Source
			}
			if t, ok := read[strings.ToLower(src)]; ok {
				for _, p := range st.Predicates {
					add(t, p.Field)
				}
			}
			if len(st.Stages) > 0 {
				walk(st.Stages, src)
			}
		}
	}
	walk(r.Stages, "")
	return out
}

// eachPredicate calls f for every predicate of ss, inner pipelines included.
func eachPredicate(ss []rule.Stage, f func(*rule.Predicate)) {
	for i := range ss {
		for j := range ss[i].Predicates {
			f(&ss[i].Predicates[j])
		}
		eachPredicate(ss[i].Stages, f)
	}
}

// RepoInfo summarises the rules of one repository.
type RepoInfo struct {
	Name        string         `json:"name"` // as its rules write it
	Rules       int            `json:"rules"`
	ByPlatform  map[string]int `json:"by_platform"`
	ByKind      map[string]int `json:"by_kind"`
	Diagnostics map[string]int `json:"diagnostics"` // diagnostics of its rules, by severity
	WithErrors  int            `json:"with_errors"` // rules with an error diagnostic
	// WithDiagnostics is the number of rules with a diagnostic; Problems
	// lists up to limit of them, those with errors first, then by id.
	WithDiagnostics int            `json:"with_diagnostics"`
	Problems        []RuleProblems `json:"problems"`
}

// RuleProblems is a rule and its diagnostics.
type RuleProblems struct {
	ID          string            `json:"id"`
	Platform    string            `json:"platform"`
	Title       string            `json:"title"`
	Path        string            `json:"path"`
	Diagnostics []rule.Diagnostic `json:"diagnostics"`
}

// Repo summarises the rules of the repository name (case-insensitive),
// listing up to limit rules with diagnostics. ErrNotFound when no rule
// comes from it.
func (d *DB) Repo(ctx context.Context, name string, limit int) (*RepoInfo, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+repoCols+` FROM rules WHERE repo = ? COLLATE NOCASE ORDER BY id`, name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	a := newRepoAcc(name)
	for rows.Next() {
		r, err := scanRepoRow(rows)
		if err != nil {
			return nil, err
		}
		if err := a.add(r); err != nil {
			return nil, err
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if a.info.Rules == 0 {
		return nil, fmt.Errorf("repository %s: %w", name, ErrNotFound)
	}
	return a.done(limit), nil
}

// repoCols are the columns of a rule a repository's summary reads
// (repoAcc.add).
const repoCols = `repo, id, platform, kind, title, path, diag_errors, diags`

// repoAcc sums up the rules of one repository, read in the order of their
// ids, into its summary.
type repoAcc struct {
	info             *RepoInfo
	withErr, without []RuleProblems
}

func newRepoAcc(name string) *repoAcc {
	return &repoAcc{info: &RepoInfo{Name: name, ByPlatform: map[string]int{}, ByKind: map[string]int{}, Diagnostics: map[string]int{},
		Problems: []RuleProblems{}}}
}

// repoRow is a rule as a repository's summary reads it (repoCols).
type repoRow struct {
	repo, kind, diags string
	p                 RuleProblems
	errs              int
}

func scanRepoRow(rows *sql.Rows) (repoRow, error) {
	var r repoRow
	err := rows.Scan(&r.repo, &r.p.ID, &r.p.Platform, &r.kind, &r.p.Title, &r.p.Path, &r.errs, &r.diags)
	return r, err
}

// add adds the rule r; the summary's name is the repository as its last
// rule writes it.
func (a *repoAcc) add(r repoRow) error {
	info := a.info
	p, kind, diags, errs := r.p, r.kind, r.diags, r.errs
	info.Name = r.repo
	info.Rules++
	info.ByPlatform[p.Platform]++
	info.ByKind[kind]++
	if errs > 0 {
		info.WithErrors++
	}
	if diags == "[]" || diags == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(diags), &p.Diagnostics); err != nil {
		return fmt.Errorf("%s: diagnostics: %w", p.ID, err)
	}
	if len(p.Diagnostics) == 0 {
		return nil
	}
	info.WithDiagnostics++
	for _, dg := range p.Diagnostics {
		info.Diagnostics[dg.Severity]++
	}
	if errs > 0 {
		a.withErr = append(a.withErr, p)
	} else {
		a.without = append(a.without, p)
	}
	return nil
}

// done returns the summary, listing up to limit rules with diagnostics.
func (a *repoAcc) done(limit int) *RepoInfo {
	info := a.info
	info.Problems = append(append(info.Problems, a.withErr...), a.without...)
	if limit >= 0 && len(info.Problems) > limit {
		info.Problems = info.Problems[:limit]
	}
	return info
}

// Coverage returns the ATT&CK coverage (catalog.Coverage over the table t,
// attack.Default when nil) of the rules that have the facets asked for
// (as Search filters them; all rules when facets is empty). It decodes of
// each rule only what the matrix needs (EachHead).
func (d *DB) Coverage(ctx context.Context, t *attack.Table, facets map[string][]string) (catalog.Matrix, error) {
	var rules []*rule.Rule
	if err := d.EachHead(ctx, facets, func(r *rule.Rule) error {
		rules = append(rules, r)
		return nil
	}); err != nil {
		return catalog.Matrix{}, err
	}
	return catalog.Coverage(rules, t), nil
}

// EachHead calls f, by id, with the head of every rule that has the
// facets asked for (as Search filters them; every rule when facets is
// empty), until f returns an error or ctx is done: its id, platform,
// product, language, title, source (but its address), kind, status,
// severity, techniques and tactics (decodeHead), in strings of its own.
// What the ATT&CK coverage reads: a few hundred bytes a rule, where the
// rules whole took 6 GB at N = 15 forks of the corpus (164,070 rules).
func (d *DB) EachHead(ctx context.Context, facets map[string][]string, f func(*rule.Rule) error) error {
	for k := range facets {
		if !isFacet[k] {
			return fmt.Errorf("unknown facet %q (facets: %s)", k, strings.Join(Facets, ", "))
		}
	}
	var keep ruleSet
	if len(facets) > 0 {
		ix, err := d.index(ctx)
		if err != nil {
			return err
		}
		keep = ix.ruleSetOf(nil)
		for _, n := range ix.filter(ix.order, facets, false) {
			keep[n/64] |= 1 << (uint64(n) % 64)
		}
	}
	st, err := d.prepared(`SELECT n, body FROM rules ORDER BY id`)
	if err != nil {
		return err
	}
	rows, err := st.QueryContext(ctx)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var n int64
		var body string
		if err := rows.Scan(&n, &body); err != nil {
			return err
		}
		if keep != nil && !keep.has(n) {
			continue
		}
		r, err := decodeHead(body)
		if err != nil {
			return fmt.Errorf("rule %d: %w", n, err)
		}
		if err := f(r); err != nil {
			return err
		}
	}
	return rows.Err()
}
