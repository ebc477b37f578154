package store

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The static site's search (internal/web's export) answers in the browser
// what Search answers here. So that it finds the same rules, it is given
// this engine's own data, not a copy made another way: the terms of the
// full-text index with their places (read through FTS5's fts5vocab table,
// https://sqlite.org/fts5.html#the_fts5vocab_virtual_table_module), the
// facets table and the actions table.

// SearchColumns are the columns of the full-text index, in order: a term
// place's column is an index into it.
var SearchColumns = []string{"title", "description", "query", "fields", "vals", "meta", "parts"}

// TermPlace is where a term of the full-text index occurs: a rule (its n),
// a column (an index into SearchColumns) and the term's positions in it.
type TermPlace struct {
	Rule   int64
	Column int
	Pos    []int
}

// EachSearchTerm calls f with every term of the full-text index (as the
// tokenizer made it: folded and stemmed) and its places, by term, then rule,
// then column, until f returns an error or ctx is done. places and their
// positions are reused between calls.
func (d *DB) EachSearchTerm(ctx context.Context, f func(term string, places []TermPlace) error) error {
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// The catalog is opened query_only; the vocabulary table is a temporary
	// one of this connection, which writes nothing to the catalog's file.
	restore, err := tempWritable(ctx, conn)
	if err != nil {
		return err
	}
	defer restore()
	if _, err := conn.ExecContext(ctx, `CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_terms USING fts5vocab(main, search, 'instance')`); err != nil {
		return fmt.Errorf("search terms: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS temp.search_terms`)
	col := map[string]int{}
	for i, c := range SearchColumns {
		col[c] = i
	}
	// A row a term, its places joined by SQLite ("doc col offset,..." in
	// the vocabulary's order: by rule, column, offset), not a row a place:
	// a row costs the driver nine allocations and its locks (2 million
	// places in the 2026-11-30 corpus, 18.9 million allocations against
	// 0.6 million). fts5vocab gives its terms in order, so SQLite groups
	// them as they come, without sorting.
	rows, err := conn.QueryContext(ctx, `SELECT term, group_concat(doc || ' ' || col || ' ' || offset, ',')
		FROM temp.search_terms GROUP BY term ORDER BY term`)
	if err != nil {
		return fmt.Errorf("search terms: %w", err)
	}
	defer rows.Close()
	type place struct {
		doc int64
		col int
		off int
	}
	var (
		places []TermPlace
		list   []place
		pos    []int
		from   []int // where each place's positions start in pos
	)
	for rows.Next() {
		var term, joined string
		if err := rows.Scan(&term, &joined); err != nil {
			return err
		}
		list = list[:0]
		for p := range strings.SplitSeq(joined, ",") {
			d, rest, ok1 := strings.Cut(p, " ")
			c, o, ok2 := strings.Cut(rest, " ")
			doc, err1 := strconv.ParseInt(d, 10, 64)
			off, err2 := strconv.Atoi(o)
			ci, ok3 := col[c]
			if !ok1 || !ok2 || err1 != nil || err2 != nil || !ok3 {
				return fmt.Errorf("search terms: %q: bad place %q", term, p)
			}
			list = append(list, place{doc, ci, off})
		}
		cmpPlace := func(a, b place) int {
			if c := cmp.Compare(a.doc, b.doc); c != 0 {
				return c
			}
			if c := cmp.Compare(a.col, b.col); c != 0 {
				return c
			}
			return cmp.Compare(a.off, b.off)
		}
		if !slices.IsSortedFunc(list, cmpPlace) {
			slices.SortFunc(list, cmpPlace)
		}
		// The positions of every place in one slice, cut once it is whole.
		places, pos, from = places[:0], pos[:0], from[:0]
		for i, p := range list {
			if i == 0 || p.doc != list[i-1].doc || p.col != list[i-1].col {
				places = append(places, TermPlace{Rule: p.doc, Column: p.col})
				from = append(from, len(pos))
			}
			pos = append(pos, p.off)
		}
		from = append(from, len(pos))
		for i := range places {
			places[i].Pos = pos[from[i]:from[i+1]:from[i+1]]
		}
		if err := f(term, places); err != nil {
			return err
		}
	}
	return rows.Err()
}

// StaticRule is a rule as the static search lists it.
type StaticRule struct {
	N        int64
	ID       string
	Title    string
	Platform string
}

// StaticRules returns every rule, by title then id (the order of a search
// without text).
func (d *DB) StaticRules(ctx context.Context) ([]StaticRule, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT n, id, title, platform FROM rules ORDER BY title COLLATE NOCASE, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StaticRule
	for rows.Next() {
		var r StaticRule
		if err := rows.Scan(&r.N, &r.ID, &r.Title, &r.Platform); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// EachFacet calls f with every (facet, value, rule) of the facets table, by
// facet, then value (values the same but for ASCII case together), then
// rule; value as that rule spells it.
func (d *DB) EachFacet(ctx context.Context, f func(facet, value string, rule int64) error) error {
	return eachFacetGroup(ctx, d.db, func(g *facetGroup) error {
		for i, n := range g.rules {
			v := g.value
			if g.spellings != nil {
				v = g.spellings[i]
			}
			if err := f(g.facet, v, n); err != nil {
				return err
			}
		}
		return nil
	})
}

// ActionKey is a row of the actions table: what a one-term search looks up
// besides the text (see withActions).
type ActionKey struct {
	Rule                int64
	Space, Value, Match string
}

// ActionKeys returns every action key of the catalog.
func (d *DB) ActionKeys(ctx context.Context) ([]ActionKey, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT rule, space, value, match FROM actions ORDER BY rule, space, value`)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ActionKey
	for rows.Next() {
		var k ActionKey
		if err := rows.Scan(&k.Rule, &k.Space, &k.Value, &k.Match); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// EachRuleText calls f with every rule's description and query text (what
// a search's snippet is cut from), in StaticRules' order, so that a reader
// can write them out in parts as they come instead of holding them all.
func (d *DB) EachRuleText(ctx context.Context, f func(n int64, description, query string) error) error {
	rows, err := d.db.QueryContext(ctx, `SELECT n, body FROM rules ORDER BY title COLLATE NOCASE, id`)
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
		_, desc, _, query, err := ruleTexts(body)
		if err != nil {
			return fmt.Errorf("rule %d: %w", n, err)
		}
		if err := f(n, desc, query); err != nil {
			return err
		}
	}
	return rows.Err()
}

// LoneIndicator is an indicator value of one rule alone: no other rule
// matches the value on the field, and the rule matches it with one kind.
// Its page would list that rule and nothing else.
type LoneIndicator struct {
	Field  string // lower-cased
	Kind   string // as counted (catalog.MatchKind)
	Folded string // the value folded (catalog.Fold)
	RuleID string
}

// LoneIndicators returns the indicator values of a single rule each (the
// static export links the rule instead of writing a page for each, three
// quarters of the corpus's values).
func (d *DB) LoneIndicators(ctx context.Context) ([]LoneIndicator, error) {
	if _, err := d.indicatorIndex(ctx); err != nil {
		return nil, err
	}
	type group struct {
		rule  int64
		kind  string
		field string
		lone  bool
	}
	var out []LoneIndicator
	var rules []int64
	for folded, uses := range d.indUses {
		groups := map[string]*group{} // by lower-cased field
		for _, u := range uses {
			f := strings.ToLower(u.field)
			g := groups[f]
			if g == nil {
				groups[f] = &group{rule: u.rule, kind: u.matchKind, field: f, lone: true}
				continue
			}
			if g.rule != u.rule || g.kind != u.matchKind {
				g.lone = false
			}
		}
		for _, g := range groups {
			if g.lone {
				out = append(out, LoneIndicator{Field: g.field, Kind: g.kind, Folded: folded})
				rules = append(rules, g.rule)
			}
		}
	}
	ids := map[int64]string{}
	rows, err := d.db.QueryContext(ctx, `SELECT n, id FROM rules`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var n int64
		var id string
		if err := rows.Scan(&n, &id); err != nil {
			return nil, err
		}
		ids[n] = id
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i, n := range rules {
		out[i].RuleID = ids[n]
	}
	return out, nil
}

// tempWritable lets conn, a connection of a catalog opened query_only, make
// temporary tables (which write nothing to the catalog's file, itself
// opened read-only: mode=ro), until restore is called. A connection whose
// query_only could not be set back is closed by the pool rather than
// handed to another reader writable.
func tempWritable(ctx context.Context, conn *sql.Conn) (restore func(), err error) {
	if _, err := conn.ExecContext(ctx, `PRAGMA query_only = 0`); err != nil {
		return nil, err
	}
	return func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA query_only = 1`); err != nil {
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}, nil
}

// AllIndicators returns every distinct indicator of the catalog, most used
// first, in the order Indicators pages them: the list the store keeps,
// which the caller must not change. The static export walks it once for
// all the pages of a listing, where Indicators walks all of it for each
// page (at N = 15 forks of the corpus, thousands of pages).
func (d *DB) AllIndicators(ctx context.Context) ([]IndicatorSummary, error) {
	return d.indicatorIndex(ctx)
}

// Repos returns the summary of every repository of the catalog (as Repo
// makes it, listing up to limit rules with diagnostics), by its name
// folded as SQLite's NOCASE folds it (ASCII letters; RepoKey): one pass
// over the rules, where Repo reads every rule for each repository (at
// N = 15 forks of the corpus, 165 repositories of 164,000 rules took
// 105 s of the export).
func (d *DB) Repos(ctx context.Context, limit int) (map[string]*RepoInfo, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+repoCols+` FROM rules ORDER BY repo COLLATE NOCASE, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]*RepoInfo{}
	var a *repoAcc
	var key string
	for rows.Next() {
		r, err := scanRepoRow(rows)
		if err != nil {
			return nil, err
		}
		if k := RepoKey(r.repo); a == nil || k != key {
			if a != nil {
				out[key] = a.done(limit)
			}
			a, key = newRepoAcc(r.repo), k
		}
		if err := a.add(r); err != nil {
			return nil, err
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if a != nil {
		out[key] = a.done(limit)
	}
	return out, nil
}

// RepoKey is a repository's name folded as SQLite's NOCASE folds it (ASCII
// letters to lower case), the key of Repos.
func RepoKey(name string) string {
	b := []byte(name)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
