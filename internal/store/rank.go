package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// A search's text is answered in two steps, so that a broad word costs
// what the page shown needs rather than a ranking of every rule it
// matches:
//
//   - the rules the FTS5 expression matches, unranked, in one row
//     (textMatch.set: count(*) and group_concat(rowid), no row a rule
//     crossing into Go), from which the total and the facet counts come;
//   - the best of them in the order of relevance, as many as the page
//     asks for (rankTop: ORDER BY … LIMIT inside SQLite, whose sorter keeps
//     only that many), ranked among the rules a facet leaves when it
//     filters.
//
// Both are kept per expression (rankCache): a reader's catalog never
// changes, and a search page asks for the same text again with each facet
// clicked and each page turned.

// textMatch is what one FTS5 expression matches.
type textMatch struct {
	expr string
	set  []int64 // every rule it matches, ascending; shared, never changed
	// scores are the rules' of set, in its order, when they were scored in
	// Go (postings.go) rather than by FTS5; nil when not. When set is the
	// rules of one phrase, one is its postings (of the catalog's bm), and
	// each rule is scored when ranked (scoreAt), not before.
	scores []scored
	one    *termPosting
	bm     *postings
	// early: matched by FTS5 before every frequent term's postings were
	// held (WarmSearch under way, or not called), so perhaps a text Go
	// ranks now: matchText makes it again once they are. (A server's first
	// search of a broad word, made while it warmed, ranked that word by
	// FTS5 for as long as it ran: at 164,000 rules "process" with a facet
	// took 40 ms a search, its whole ranking 276 ms, against 3 ms.)
	early bool

	mu  sync.Mutex
	top []int64 // the first len(top) rules of its ranking, best first
	all bool    // top is the whole ranking
}

// inGo tells whether tm's rules are scored in Go (postings.go).
func (tm *textMatch) inGo() bool { return tm.scores != nil || tm.one != nil }

// scoreAt returns the score of tm.set[j] (tm.inGo()).
func (tm *textMatch) scoreAt(j int) scored {
	if tm.one == nil {
		return tm.scores[j]
	}
	r, h := tm.one.rows[j], tm.one.hits[j]
	f := float64(h&^outsideMeta) / 2
	return scored{n: int64(r), score: -1.0 * bm25Term(tm.one.idf, f, float64(tm.bm.size[r]), tm.bm.avgdl), weak: h&outsideMeta == 0}
}

// rankPrefix is the least number of rules ranked at once: the first pages
// of a search come from one ranking.
const rankPrefix = 100

// matchText returns what an FTS5 expression matches (pos, less the rules
// that match neg when neg is not ""), kept.
func (d *DB) matchText(ctx context.Context, pos, neg string) (*textMatch, error) {
	expr := pos
	if neg != "" {
		expr = "(" + pos + ") NOT (" + neg + ")"
	}
	tm, ok := d.ranked.get(expr)
	if ok && !(tm.early && d.ranked.warm()) {
		return tm, nil
	}
	// Whether every frequent term is held is read before fastMatch looks
	// for them: read after, a term held in between would leave a text
	// FTS5 matched marked as made warm, never matched again.
	early := !d.ranked.warm()
	tm, err := d.fastMatch(ctx, pos, neg, expr)
	if err != nil {
		return nil, err
	}
	if tm != nil {
		d.ranked.put(expr, tm)
		return tm, nil
	}
	set, err := d.ftsSet(ctx, expr)
	if err != nil {
		return nil, err
	}
	tm = &textMatch{expr: expr, set: set, early: early}
	d.ranked.put(expr, tm)
	return tm, nil
}

// ftsSet returns the rules matching expr, ascending: one row, the rowids
// joined by SQLite (a row per rule read through database/sql cost ten
// times as much as FTS5's own matching).
func (d *DB) ftsSet(ctx context.Context, expr string) ([]int64, error) {
	st, err := d.prepared(`SELECT count(*), coalesce(group_concat(rowid), '') FROM search WHERE search MATCH ?`)
	if err != nil {
		return nil, err
	}
	var n int
	var list string
	if err := st.QueryRowContext(ctx, expr).Scan(&n, &list); err != nil {
		return nil, fmt.Errorf("search %q: %w", expr, err)
	}
	out := make([]int64, 0, n)
	if err := eachInt(list, func(v int64) error {
		out = append(out, v)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("search %q: %w", expr, err)
	}
	if !slices.IsSorted(out) { // FTS5 gives them by rowid; not relied on
		slices.Sort(out)
	}
	return out, nil
}

// eachInt calls f with each integer of list, a group_concat of them (in
// its order), until f returns an error.
func eachInt(list string, f func(int64) error) error {
	for i := 0; i < len(list); {
		j := i
		for j < len(list) && list[j] != ',' {
			j++
		}
		v, err := strconv.ParseInt(list[i:j], 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not a rule's number: %w", list[i:j], err)
		}
		if err := f(v); err != nil {
			return err
		}
		i = j + 1
	}
	return nil
}

// best returns the first k rules of tm's ranking (all of them when k is
// more), best first; the slice is shared.
func (d *DB) best(ctx context.Context, tm *textMatch, k int) ([]int64, error) {
	k = min(k, len(tm.set))
	tm.mu.Lock()
	top, all := tm.top, tm.all
	tm.mu.Unlock()
	if all || len(top) >= k {
		return top[:min(k, len(top))], nil
	}
	want := min(len(tm.set), max(k, rankPrefix, 2*len(top)))
	top, err := d.rankTop(ctx, tm, tm.set, want, false)
	if err != nil {
		return nil, err
	}
	tm.mu.Lock()
	if len(top) > len(tm.top) {
		tm.top, tm.all = slices.Clip(top), len(top) == len(tm.set)
	}
	tm.mu.Unlock()
	return top[:min(k, len(top))], nil
}

// bestOf returns the first k rules of the ranking of in, the rules of tm
// a facet left (in the order of tm.set), best first. When they are most of
// tm's rules, they are taken from tm's ranking (kept, and made longer as
// needed); else they are ranked by themselves.
func (d *DB) bestOf(ctx context.Context, tm *textMatch, in []int64, keep func([]int64) []int64, k int) ([]int64, error) {
	k = min(k, len(in))
	if len(in) == len(tm.set) {
		return d.best(ctx, tm, k)
	}
	if k == 0 {
		return nil, nil
	}
	if 4*len(in) >= len(tm.set) {
		// k of in are among the first k·|set|/|in| of the whole ranking,
		// give or take: ask for twice as many, more if that was too few.
		want := 2*k*len(tm.set)/len(in) + rankPrefix
		for {
			top, err := d.best(ctx, tm, want)
			if err != nil {
				return nil, err
			}
			got := keep(top)
			if len(got) >= k || len(top) == len(tm.set) {
				return got[:min(k, len(got))], nil
			}
			want *= 4
		}
	}
	return d.rankTop(ctx, tm, in, k, true)
}

// rankTop returns the best k rules of the ones in rows (ascending) that
// match tm's expression, ranked by bm25 with the columns' weights, best
// first: by FTS5, or from tm's scores when it has them. only says whether
// rows is a part of what the expression matches (its rules are then named
// to SQLite) rather than all of it.
//
// A broad text is ranked in parts, one a core, each a range of rowids on
// its own connection, and the parts' best merged: bm25 takes its
// statistics (rows, tokens, the rows holding each phrase) from the whole
// table whatever rows a statement asks for, so the scores, and the order,
// are the ones a single statement gives. Ties go by rowid.
func (d *DB) rankTop(ctx context.Context, tm *textMatch, rows []int64, k int, only bool) ([]int64, error) {
	if k <= 0 || len(rows) == 0 {
		return nil, nil
	}
	if tm.inGo() {
		return rankScored(tm, rows, k), nil
	}
	expr := tm.expr
	parts := min(runtime.GOMAXPROCS(0), 4, len(rows))
	if len(rows) < rankSplitMin {
		parts = 1
	}
	lists := make([][]scored, parts)
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for i := range parts {
		part := rows[i*len(rows)/parts : (i+1)*len(rows)/parts]
		lo, hi := part[0], part[len(part)-1]
		if parts == 1 && !only {
			lo, hi = math.MinInt64, math.MaxInt64
		}
		var in []int64
		if only {
			in = part
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			lists[i], errs[i] = d.rankRange(ctx, expr, lo, hi, in, k)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return mergeScored(lists, k), nil
}

// rankSplitMin is the number of rules from which a text is ranked in
// parts: below it, one statement takes a few milliseconds.
var rankSplitMin = 600

// scored is a rule with its bm25 score (lower is better); weak when the
// search matched its metadata only (ranked after the others).
type scored struct {
	score float64
	n     int64
	weak  bool
}

// before tells whether a ranks before b: its own text matched before its
// metadata alone, then by score, then by rowid.
func (a scored) before(b scored) bool {
	if a.weak != b.weak {
		return b.weak
	}
	return a.score < b.score || a.score == b.score && a.n < b.n
}

// rankSQL is the ranking's statement: a rule whose title, description,
// query, fields or values hold the search's words ranks before a rule
// found by its metadata alone (a technique's name, a tag, an author): the
// second bm25, with the metadata's weight 0, is 0 exactly when no phrase
// of the search is in any other column (bm25 sums, over the phrases, a
// weighted count of each phrase's hits in the row;
// https://www.sqlite.org/fts5.html#the_bm25_function). LIMIT -1 is no
// limit.
// The weights are rankWeights and weakWeights (postings.go).
var rankSQL = `SELECT rowid, bm25(search, ` + sqlWeights(rankWeights) + `) AS score,
		bm25(search, ` + sqlWeights(weakWeights) + `) >= 0 AS weak FROM search
		WHERE search MATCH ? AND rowid >= ? AND rowid <= ?%s ORDER BY weak, score, rowid LIMIT ?`

// sqlWeights returns ws as bm25's arguments.
func sqlWeights(ws []float64) string {
	var parts []string
	for _, w := range ws {
		parts = append(parts, strconv.FormatFloat(w, 'f', 1, 64))
	}
	return strings.Join(parts, ", ")
}

// rankRange ranks the rules matching expr with rowids in [lo, hi] (and
// among in when it is not nil), best first, with their scores: the best k
// of them, all when k < 0.
func (d *DB) rankRange(ctx context.Context, expr string, lo, hi int64, in []int64, k int) ([]scored, error) {
	q := fmt.Sprintf(rankSQL, "")
	args := []any{expr, lo, hi, k}
	if in != nil {
		// The unary + keeps SQLite from handing the list to FTS5 as a
		// rowid constraint (one lookup of the expression per rule).
		q = fmt.Sprintf(rankSQL, " AND +rowid IN (SELECT value FROM json_each(?))")
		args = []any{expr, lo, hi, jsonList(in), k}
	}
	st, err := d.prepared(q)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", expr, err)
	}
	defer rows.Close()
	var out []scored
	for rows.Next() {
		var s scored
		if err := rows.Scan(&s.n, &s.score, &s.weak); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// mergeScored merges lists sorted by scored.before into one list of rowids
// in that order, its first k (all when k < 0).
func mergeScored(lists [][]scored, k int) []int64 {
	n := 0
	for _, l := range lists {
		n += len(l)
	}
	if k < 0 || k > n {
		k = n
	}
	out := make([]int64, 0, k)
	at := make([]int, len(lists))
	for len(out) < k {
		best := -1
		for i, l := range lists {
			if at[i] == len(l) {
				continue
			}
			if best < 0 || l[at[i]].before(lists[best][at[best]]) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		out = append(out, lists[best][at[best]].n)
		at[best]++
	}
	return out
}

// rankCache keeps what the last searches' expressions matched
// (rankCacheSize of them, the least recently used dropped).
type rankCache struct {
	mu    sync.Mutex
	ents  map[string]*rankEntry
	clock uint64

	// bm is what broad terms are ranked from (postings.go), once loaded;
	// bmLoad is held while it loads.
	bm     atomic.Pointer[postings]
	bmLoad sync.Mutex
	warmed atomic.Bool // every frequent term of bm is held
}

// warm tells whether every frequent term's postings are held.
func (c *rankCache) warm() bool { return c.warmed.Load() }

type rankEntry struct {
	tm   *textMatch
	used uint64
}

const rankCacheSize = 64

func (c *rankCache) get(expr string) (*textMatch, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.ents[expr]
	if !ok {
		return nil, false
	}
	c.clock++
	e.used = c.clock
	return e.tm, true
}

func (c *rankCache) put(expr string, tm *textMatch) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ents == nil {
		c.ents = map[string]*rankEntry{}
	}
	if _, ok := c.ents[expr]; !ok && len(c.ents) >= rankCacheSize {
		oldest, at := "", uint64(0)
		for k, e := range c.ents {
			if oldest == "" || e.used < at {
				oldest, at = k, e.used
			}
		}
		delete(c.ents, oldest)
	}
	c.clock++
	c.ents[expr] = &rankEntry{tm: tm, used: c.clock}
}
