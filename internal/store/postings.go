package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// A broad word (one in a few percent of the rules or more) is ranked here,
// in Go, not by FTS5's bm25(): FTS5 spends 1.3-2.5 µs a matched rule on it
// (a look-up of the row's size in the docsize table, its hits one by one),
// so a word in 100,000 rules took 100-200 ms whatever the page shown.
//
// What bm25 reads of a row is held in memory, made once a catalog (by
// WarmSearch, in the background of a server): every row's size in tokens
// (the docsize table), the table's row count and average size (its
// averages record), the vocabulary (every term with its number of rows),
// and, for each frequent term (in at least postingsShare of the rules),
// the rules holding it with the weighted count of its hits in each (the
// weights of rankSQL, in halves: they are multiples of 0.5, so the sums
// are exact whatever their order), whether one is outside the metadata
// (the weak key) and its places (column and offset) for phrases. The terms
// and their hits come from FTS5's own index (its fts5vocab tables), and a
// query's words are tokenized by FTS5's own tokenizer (a temporary table
// declared with the search table's tokenize option), so nothing of FTS5 is
// ported but bm25's formula and what a phrase and a prefix match.
//
// A search takes this path when its expression is terms ANDed (what a
// query of plain words makes) or ORed, less any negated words, each term
// a phrase or phrases ORed (a word with separators, ftsTerm), each phrase
// in every column or some (title:word, the parts of a word with
// separators in {meta parts}), its last term a prefix or not, of terms
// held or too rare to be held (read when searched, and kept: wordTerm): its rules are then the intersection (or union) of the phrases'
// rules, a phrase's rules those where its terms are at consecutive places
// of a column it is in (a prefix matching every term it starts, read when
// rare: prefixTerms), scored as fts5Bm25Function (sqlite's
// ext/fts5/fts5_aux.c) scores them:
//
//	IDF(phrase)  = log((N - nHit + 0.5) / (nHit + 0.5)), 1e-6 when <= 0
//	score(row)   = -Σ IDF · (f·(k1+1)) / (f + k1·(1 - b + b·D/avgdl))
//
// with k1 1.2, b 0.75, f the phrase's weighted hits in the row, D the row's
// tokens, avgdl the table's tokens over its rows; the operations in the
// same order (the same doubles), log taken by SQLite's ln() (the same C
// library function as FTS5's). Any other search (a prefix starting too
// many rare terms, AND and OR mixed, a phrase with a quote inside, a
// search made while the warming goes on) keeps FTS5's path. TestFastRankIsFTS5s checks that both give the
// same results.

// postingsShare: a term is held when at least this share of the rules
// hold it (and at least postingsMin rules): below, FTS5 ranks its rules in
// a few milliseconds.
const (
	postingsShare = 200 // one rule in 200
	postingsMin   = 500
)

// bm25 constants of fts5_aux.c.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// rankWeights are the columns' weights of the ranking (rankSQL), in the
// order of SearchColumns; weakWeights the second bm25's (the metadata's 0).
var (
	rankWeights = []float64{10.0, 4.0, 1.0, 2.0, 2.0, 3.0, 0.5}
	weakWeights = []float64{1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 1.0}
)

// termPosting is what bm25 reads of one term: its rules, ascending, and in
// each the weighted count of its hits in halves, with outsideMeta set when
// one is outside the metadata column.
type termPosting struct {
	rows []int32
	hits []uint32
	idf  float64
	// pb[pstart[i]:pstart[i+1]] are the places of the term in row i, in
	// every column, ascending by column then offset (placesOf decodes
	// them). nil for a list made by a search (phraseList).
	pstart []uint32
	pb     []byte
}

// outsideMeta marks a weighted count of hits of which one is outside the
// metadata column.
const outsideMeta = 1 << 31

// A place is a column (its index in SearchColumns) and an offset in it,
// decoded as col<<placeColShift | offset: ascending places are ascending
// by column, then by offset, and the next token of a phrase is at the
// next place. Offsets are less than 1<<placeColShift (FTS5 counts them in
// an int of a column of at most a few megabytes of text).
const placeColShift = 28

// appendPlaces encodes places (ascending) to b: a varint a place, its
// column in the low three bits and above them its offset, less the
// previous place's when it is of the same column.
func appendPlaces(b []byte, places []int32) []byte {
	prev := int32(-1)
	for _, v := range places {
		col, off := v>>placeColShift, v&(1<<placeColShift-1)
		d := off
		if prev >= 0 && prev>>placeColShift == col {
			d = off - prev&(1<<placeColShift-1)
		}
		b = binary.AppendUvarint(b, uint64(d)<<3|uint64(col))
		prev = v
	}
	return b
}

// placesOf appends the places of row i of tp to out, decoded.
func (tp *termPosting) placesOf(i int, out []int32) []int32 {
	b := tp.pb[tp.pstart[i]:tp.pstart[i+1]]
	prev := int32(-1)
	for len(b) > 0 {
		x, n := binary.Uvarint(b)
		b = b[n:]
		col, d := int32(x&7), int32(x>>3)
		v := col<<placeColShift | d
		if prev >= 0 && prev>>placeColShift == col {
			v = prev + d
		}
		out = append(out, v)
		prev = v
	}
	return out
}

// postings is what a catalog's broad terms are ranked from.
type postings struct {
	nRow  int64
	avgdl float64
	size  []int32 // a row's tokens (all columns), by rowid; -1 for none

	// vocab is every term of the table, ascending, with the rows holding
	// each (df): a prefix's terms are found here. The terms are one
	// string (term i is vocab[at[i]:at[i+1]]), not half a million the
	// garbage collector would scan.
	vocab string
	at    []uint32
	df    []int32
	held  int64 // the least df of a term held

	mu    sync.RWMutex
	terms map[string]*termPosting
	toks  map[string][]string     // a query's phrase → its terms
	rare  map[string]*termPosting // terms not held, read when searched
	// rareRows is the number of rules of the terms of rare, which are
	// dropped when it passes rareRowsKept (about 20 bytes a rule).
	rareRows int
}

const rareRowsKept = 1_000_000

// bytes returns about how much memory p holds.
func (p *postings) bytes() int {
	p.mu.RLock()
	defer p.mu.RUnlock()
	n := 4*len(p.size) + len(p.vocab) + 8*len(p.df)
	for _, m := range []map[string]*termPosting{p.terms, p.rare} {
		for t, tp := range m {
			n += len(t) + 12*len(tp.rows) + len(tp.pb) + 96
		}
	}
	return n
}

// WarmSearch loads what searches read, so that the first ones do not wait
// for it: the facet index, the actions' index, then the frequent terms'
// postings (at 164,000 rules about 20 s of CPU, 400 MB: see README's
// Search). A search made meanwhile takes FTS5's path for a term not yet
// held. It returns the number of terms held.
func (d *DB) WarmSearch(ctx context.Context) (int, error) {
	if _, err := d.index(ctx); err != nil {
		return 0, err
	}
	if _, err := d.actions(ctx); err != nil {
		return 0, err
	}
	d.ranked.bmLoad.Lock()
	defer d.ranked.bmLoad.Unlock()
	if p := d.ranked.bm.Load(); p != nil {
		p.mu.RLock()
		defer p.mu.RUnlock()
		return len(p.terms), nil
	}
	return d.loadPostings(ctx)
}

// loadPostings reads the table's sizes, then each frequent term's
// postings, most frequent first, published one by one.
func (d *DB) loadPostings(ctx context.Context) (int, error) {
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	p := &postings{terms: map[string]*termPosting{}, toks: map[string][]string{}, rare: map[string]*termPosting{}}
	// The averages record (FTS5_AVERAGES_ROWID 1 of the data table): the
	// rows, then each column's tokens, as varints.
	var avg []byte
	if err := conn.QueryRowContext(ctx, `SELECT block FROM search_data WHERE id = 1`).Scan(&avg); err != nil {
		return 0, fmt.Errorf("search sizes: %w", err)
	}
	vs, ok := varints(avg)
	if !ok || len(vs) != 1+len(SearchColumns) || vs[0] <= 0 {
		return 0, errors.New("search sizes: the averages record is not one of this table")
	}
	p.nRow = int64(vs[0])
	var nToken int64
	for _, v := range vs[1:] {
		nToken += int64(v)
	}
	p.avgdl = float64(nToken) / float64(p.nRow)
	rows, err := conn.QueryContext(ctx, `SELECT id, sz FROM search_docsize`)
	if err != nil {
		return 0, fmt.Errorf("search sizes: %w", err)
	}
	for rows.Next() {
		var id int64
		var sz []byte
		if err := rows.Scan(&id, &sz); err != nil {
			rows.Close()
			return 0, err
		}
		cols, ok := varints(sz)
		if !ok || id < 0 || id > math.MaxInt32-1 {
			rows.Close()
			return 0, fmt.Errorf("search sizes: row %d", id)
		}
		for int64(len(p.size)) <= id {
			p.size = append(p.size, -1)
		}
		var n uint64
		for _, c := range cols {
			n += c
		}
		p.size[id] = int32(min(n, math.MaxInt32))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	// The vocabulary tables are temporary ones of this connection, which
	// write nothing to the catalog's file (opened query_only).
	restore, err := tempWritable(ctx, conn)
	if err != nil {
		return 0, err
	}
	defer restore()
	for _, q := range []string{
		`CREATE VIRTUAL TABLE IF NOT EXISTS temp.bm_rows USING fts5vocab(main, search, 'row')`,
		`CREATE VIRTUAL TABLE IF NOT EXISTS temp.bm_hits USING fts5vocab(main, search, 'instance')`,
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return 0, fmt.Errorf("search terms: %w", err)
		}
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS temp.bm_rows`)
	defer conn.ExecContext(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS temp.bm_hits`)
	type freq struct {
		term string
		df   int64
	}
	var terms, vocab []freq
	p.held = max(postingsMin, p.nRow/postingsShare)
	rows, err = conn.QueryContext(ctx, `SELECT term, doc FROM temp.bm_rows`)
	if err != nil {
		return 0, fmt.Errorf("search terms: %w", err)
	}
	for rows.Next() {
		var f freq
		if err := rows.Scan(&f.term, &f.df); err != nil {
			rows.Close()
			return 0, err
		}
		vocab = append(vocab, freq{f.term, f.df})
		if f.df >= p.held {
			terms = append(terms, f)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if !slices.IsSortedFunc(vocab, func(a, b freq) int { return strings.Compare(a.term, b.term) }) {
		// FTS5 gives them in this order; not relied on
		slices.SortFunc(vocab, func(a, b freq) int { return strings.Compare(a.term, b.term) })
	}
	var text strings.Builder
	p.at, p.df = make([]uint32, 0, len(vocab)+1), make([]int32, 0, len(vocab))
	for _, f := range vocab {
		p.at = append(p.at, uint32(text.Len()))
		p.df = append(p.df, int32(min(f.df, math.MaxInt32)))
		text.WriteString(f.term)
	}
	p.at = append(p.at, uint32(text.Len()))
	p.vocab = text.String()
	vocab = nil
	slices.SortFunc(terms, func(a, b freq) int { return int(b.df - a.df) })
	d.ranked.bm.Store(p)
	st, err := conn.PrepareContext(ctx, termSQL("bm_hits"))
	if err != nil {
		return len(p.terms), err
	}
	defer st.Close()
	for _, f := range terms {
		tp, err := d.loadTerm(ctx, st, f.term, p)
		if err != nil {
			return len(p.terms), err
		}
		if tp == nil || int64(len(tp.rows)) != f.df { // not what FTS5 counts: not held
			continue
		}
		if err := conn.QueryRowContext(ctx, `SELECT ln((?1 - ?2 + 0.5) / (?2 + 0.5))`, p.nRow, f.df).Scan(&tp.idf); err != nil {
			return len(p.terms), err
		}
		if tp.idf <= 0 {
			tp.idf = 1e-6
		}
		p.mu.Lock()
		p.terms[f.term] = tp
		p.mu.Unlock()
	}
	d.ranked.warmed.Store(true)
	return len(p.terms), nil
}

// termSQL is the statement that reads a term's hits from the fts5vocab
// instance table: every hit in one row (not one a hit or a rule: a row
// crossing into Go costs more than SQLite's own work on it), each as its
// rule, column and offset in one integer, in FTS5's order.
func termSQL(table string) string {
	var col strings.Builder
	for i, c := range SearchColumns {
		fmt.Fprintf(&col, " WHEN '%s' THEN %d", c, i)
	}
	return `SELECT count(*), coalesce(group_concat((doc << 31) + ((CASE col` + col.String() + ` END) << ` +
		strconv.Itoa(placeColShift) + `) + offset), '') FROM temp.` + table + ` WHERE term = ?`
}

// loadTerm reads one term's postings with the statement q: its rows, and
// in each its places and from them its weighted hits (rankWeights, in
// halves) and whether one is outside the metadata (weakWeights). nil when
// a hit is not one FTS5 would count (of a deleted row, or a column or
// offset out of range): the term is then not held.
func (d *DB) loadTerm(ctx context.Context, st *sql.Stmt, term string, p *postings) (*termPosting, error) {
	var n int
	var list string
	if err := st.QueryRowContext(ctx, term).Scan(&n, &list); err != nil {
		return nil, fmt.Errorf("search term %q: %w", term, err)
	}
	hits := make([]int64, 0, n)
	if err := eachInt(list, func(v int64) error {
		hits = append(hits, v)
		return nil
	}); list != "" && err != nil {
		return nil, err
	}
	if !slices.IsSorted(hits) { // FTS5 gives them in this order; not relied on
		slices.Sort(hits)
	}
	var weight [8]uint32
	var outside [8]bool
	for i := range SearchColumns {
		weight[i], outside[i] = uint32(2*rankWeights[i]), weakWeights[i] != 0
	}
	tp := &termPosting{pstart: []uint32{0}}
	var places []int32
	for i := 0; i < len(hits); {
		doc := hits[i] >> 31
		if doc < 0 || doc >= int64(len(p.size)) || p.size[doc] < 0 {
			return nil, nil // a row FTS5 would not count (deleted)
		}
		places = places[:0]
		h, out := uint32(0), false
		for ; i < len(hits) && hits[i]>>31 == doc; i++ {
			v := int32(hits[i] & (1<<31 - 1))
			c := v >> placeColShift
			if c >= int32(len(SearchColumns)) || h >= outsideMeta/2 {
				return nil, nil
			}
			h += weight[c]
			out = out || outside[c]
			places = append(places, v)
		}
		if out {
			h |= outsideMeta
		}
		tp.rows = append(tp.rows, int32(doc))
		tp.hits = append(tp.hits, h)
		tp.pb = appendPlaces(tp.pb, places)
		tp.pstart = append(tp.pstart, uint32(len(tp.pb)))
	}
	tp.pb = slices.Clip(tp.pb)
	return tp, nil
}

// varints decodes a blob of SQLite varints (FTS5's sizes).
func varints(b []byte) ([]uint64, bool) {
	var out []uint64
	for i := 0; i < len(b); {
		var v uint64
		j := 0
		for ; j < 9 && i < len(b); j++ {
			c := b[i]
			i++
			if j == 8 {
				v = v<<8 | uint64(c)
				break
			}
			v = v<<7 | uint64(c&0x7f)
			if c < 0x80 {
				break
			}
		}
		out = append(out, v)
	}
	return out, true
}

// tokenizeOption is the search table's tokenize option, as declared.
var tokenizeOption = regexp.MustCompile(`(?i)tokenize\s*=\s*("[^"]*"|'[^']*')`)

// tokensOf returns the terms FTS5 makes of a phrase's text, in order, as
// the search table's tokenizer makes them (d.tokenizer); nil when a place
// holds other than one token.
func (d *DB) tokensOf(ctx context.Context, p *postings, text string) ([]string, error) {
	p.mu.RLock()
	ts, ok := p.toks[text]
	p.mu.RUnlock()
	if ok {
		return ts, nil
	}
	tk, err := d.tokenizer(ctx)
	if err != nil {
		return nil, err
	}
	if ts, err = tk.terms(ctx, text); err != nil {
		return nil, err
	}
	p.mu.Lock()
	if len(p.toks) > 10_000 { // a query is at most 500 bytes: a few MB at most
		clear(p.toks)
	}
	p.toks[text] = ts
	p.mu.Unlock()
	return ts, nil
}

// tokenizer splits texts into terms with an FTS5 table of its own, in a
// database in memory, declared with the search table's tokenize option:
// not with a temporary table on a connection of the catalog's pool, whose
// statements a table made or emptied there had SQLite prepare again (the
// bench's searches, each once after the warming on the 2026-11-30 corpus:
// p50 1.59-1.67 ms that way, 1.24-1.43 ms this).
type tokenizer struct {
	mu            sync.Mutex
	db            *sql.DB
	conn          *sql.Conn // the one connection: its database is its own
	ins, sel, del *sql.Stmt
}

// tokenizer returns d's tokenizer, made on first use.
func (d *DB) tokenizer(ctx context.Context) (*tokenizer, error) {
	d.tokOnce.Do(func() {
		// Made once for the catalog's life: not stopped by the search that
		// asked first (its error would be every later search's).
		ctx := context.WithoutCancel(ctx)
		var decl string
		if err := d.db.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE name = 'search'`).Scan(&decl); err != nil {
			d.tokErr = err
			return
		}
		opt := tokenizeOption.FindString(decl)
		if opt == "" {
			d.tokErr = errors.New("the search table has no tokenize option")
			return
		}
		d.tok, d.tokErr = newTokenizer(ctx, opt)
	})
	return d.tok, d.tokErr
}

func newTokenizer(ctx context.Context, opt string) (t *tokenizer, err error) {
	t = &tokenizer{}
	if t.db, err = sql.Open("sqlite", "file::memory:"); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			t.close()
			t = nil
		}
	}()
	t.db.SetMaxOpenConns(1)
	if t.conn, err = t.db.Conn(ctx); err != nil {
		return nil, err
	}
	for _, q := range []string{
		`CREATE VIRTUAL TABLE tok USING fts5(x, ` + opt + `)`,
		`CREATE VIRTUAL TABLE tokv USING fts5vocab(tok, 'instance')`,
	} {
		if _, err := t.conn.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("tokenize: %w", err)
		}
	}
	for q, st := range map[string]**sql.Stmt{
		`INSERT INTO tok(rowid, x) VALUES (1, ?)`:       &t.ins,
		`SELECT term, offset FROM tokv ORDER BY offset`: &t.sel,
		`DELETE FROM tok`: &t.del,
	} {
		if *st, err = t.conn.PrepareContext(ctx, q); err != nil {
			return nil, fmt.Errorf("tokenize: %w", err)
		}
	}
	return t, nil
}

// terms returns the terms of text, in order; nil when a place holds other
// than one token.
func (t *tokenizer) terms(ctx context.Context, text string) ([]string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	// The last text's row goes first: a delete that failed (the search
	// stopped) leaves no row for the next text's insert to meet.
	if _, err := t.del.ExecContext(ctx); err != nil {
		return nil, fmt.Errorf("tokenize: %w", err)
	}
	if _, err := t.ins.ExecContext(ctx, text); err != nil {
		return nil, fmt.Errorf("tokenize: %w", err)
	}
	rows, err := t.sel.QueryContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("tokenize: %w", err)
	}
	defer rows.Close()
	var ts []string
	for rows.Next() {
		var term string
		var off int
		if err := rows.Scan(&term, &off); err != nil {
			return nil, err
		}
		if off != len(ts) { // not one token a place: not known here
			ts = append(ts, "")
		}
		ts = append(ts, term)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if slices.Contains(ts, "") {
		return nil, nil
	}
	return ts, nil
}

func (t *tokenizer) close() {
	for _, st := range []*sql.Stmt{t.ins, t.sel, t.del} {
		if st != nil {
			st.Close()
		}
	}
	if t.conn != nil {
		t.conn.Close()
	}
	if t.db != nil {
		t.db.Close()
	}
}

// fastMatch returns what expr matches (pos, less what neg matches when
// neg is not ""), with every rule's score, when the postings can answer it
// exactly (see above): pos is terms, all ANDed or all ORed, each a phrase
// or phrases ORed in parentheses (("w" OR {meta parts} : "p1 p2 …"), what
// ftsTerm makes of a word with separators), a phrase being its text in
// quotes (of one term or more, each held), after a column or columns
// (title : "w", {meta parts} : "…"), without a prefix's *; neg's rules
// (FTS5's set) are left out. nil when not.
//
// A phrase without hits in a row adds 0 to its score (its f is 0), the
// negated ones among them: a row is scored from pos's phrases alone.
func (d *DB) fastMatch(ctx context.Context, pos, neg, expr string) (*textMatch, error) {
	p := d.ranked.bm.Load()
	if p == nil || pos == "" {
		return nil, nil
	}
	var phrases []*termPosting // in the order of FTS5's phrases
	var groups [][]int         // phrases ORed, groups ANDed
	sep := ""
	phrase := func(s string) (*termPosting, string, error) {
		cols, text, prefix, rest, ok := ftsPhrase(s)
		if !ok {
			return nil, "", nil
		}
		tp, err := d.phraseList(ctx, p, text, cols, prefix)
		return tp, rest, err
	}
	for s := pos; s != ""; {
		if len(groups) > 0 {
			var this string
			switch {
			case strings.HasPrefix(s, " AND "):
				this, s = "AND", s[5:]
			case strings.HasPrefix(s, " OR "):
				this, s = "OR", s[4:]
			default:
				return nil, nil
			}
			if sep != "" && this != sep {
				return nil, nil
			}
			sep = this
		}
		var g []int
		if strings.HasPrefix(s, "(") {
			s = s[1:]
			for {
				tp, rest, err := phrase(s)
				if err != nil || tp == nil {
					return nil, err
				}
				g = append(g, len(phrases))
				phrases = append(phrases, tp)
				if s = rest; strings.HasPrefix(s, ")") {
					s = s[1:]
					break
				}
				if !strings.HasPrefix(s, " OR ") {
					return nil, nil
				}
				s = s[4:]
			}
		} else {
			tp, rest, err := phrase(s)
			if err != nil || tp == nil {
				return nil, err
			}
			g = append(g, len(phrases))
			phrases = append(phrases, tp)
			s = rest
		}
		groups = append(groups, g)
	}
	if sep == "OR" {
		var all []int
		for _, g := range groups {
			all = append(all, g...)
		}
		groups = [][]int{all}
	}
	var out []int64 // neg's rules, ascending
	if neg != "" {
		// From the postings too when they can say them (matchText keeps
		// them: the negated words of the next pages'), else from FTS5.
		nm, err := d.matchText(ctx, neg, "")
		if err != nil {
			return nil, err
		}
		out = nm.set
	}
	// The rules: each group's union, intersected from the smallest.
	unions := make([][]int32, len(groups))
	least := 0
	for i, g := range groups {
		lists := make([][]int32, len(g))
		for j, ph := range g {
			lists[j] = phrases[ph].rows
		}
		unions[i] = unionRows(lists)
		if len(unions[i]) < len(unions[least]) {
			least = i
		}
	}
	n := len(unions[least])
	tm := &textMatch{expr: expr, set: make([]int64, 0, n)}
	gat := make([]int, len(groups))
	at := make([]int, len(phrases))
	f := make([]float64, len(phrases))
	outs := make([]bool, len(phrases))
	if len(phrases) == 1 && len(out) == 0 {
		// One phrase (a word): its rows, each scored from its hits when
		// ranked (textMatch.scoreAt).
		tm.one, tm.bm = phrases[0], p
		for _, r := range tm.one.rows {
			if p.size[r] < 0 {
				return nil, nil
			}
			tm.set = append(tm.set, int64(r))
		}
		return tm, nil
	}
	tm.scores = make([]scored, 0, n)
next:
	for _, r := range unions[least] {
		for i, u := range unions {
			var found bool
			if gat[i], found = seek(u, gat[i], r); !found {
				continue next
			}
		}
		if len(out) > 0 {
			j, found := slices.BinarySearch(out, int64(r))
			out = out[j:]
			if found {
				continue
			}
		}
		for i, tp := range phrases {
			var found bool
			at[i], found = seek(tp.rows, at[i], r)
			f[i], outs[i] = 0, false
			if found {
				h := tp.hits[at[i]]
				f[i], outs[i] = float64(h&^outsideMeta)/2, h&outsideMeta != 0
			}
		}
		D := p.size[r]
		if D < 0 {
			return nil, nil
		}
		s := scored{n: int64(r), score: bm25(phrases, f, float64(D), p.avgdl), weak: !slices.Contains(outs, true)}
		tm.set = append(tm.set, int64(r))
		tm.scores = append(tm.scores, s)
	}
	if len(tm.set) < n/2 { // not held at twice its size in the cache
		tm.set, tm.scores = slices.Clone(tm.set), slices.Clone(tm.scores)
	}
	return tm, nil
}

// seek returns where v is in l from at on (l ascending, v more than every
// value before at), and whether it is there: l[at] is looked at first, as
// the lists walked together are mostly of the same values.
func seek[T cmp.Ordered](l []T, at int, v T) (int, bool) {
	if at < len(l) && l[at] >= v {
		return at, l[at] == v
	}
	j, found := slices.BinarySearch(l[at:], v)
	return at + j, found
}

// quoted returns the text of the FTS5 string s starts with and what
// follows it; not ok for a string with a quote inside.
func quoted(s string) (text, rest string, ok bool) {
	if len(s) < 2 || s[0] != '"' {
		return "", "", false
	}
	j := strings.IndexByte(s[1:], '"')
	if j < 0 || strings.HasPrefix(s[j+2:], `"`) {
		return "", "", false
	}
	return s[1 : j+1], s[j+2:], true
}

// allColumns is every column of the search table, a bit each.
const allColumns = 1<<7 - 1

// ftsPhrase reads the phrase s starts with, as ftsTerm writes them: its
// columns (a bit a column of SearchColumns: "title : ", "{meta parts} : ",
// else all), its text, whether its last term is a prefix ("…"*) and what
// follows it; not ok for any other form (a quote inside, a column not
// known).
func ftsPhrase(s string) (cols uint8, text string, prefix bool, rest string, ok bool) {
	cols = allColumns
	if !strings.HasPrefix(s, `"`) {
		spec, after, found := strings.Cut(s, " : ")
		if !found {
			return 0, "", false, "", false
		}
		spec = strings.TrimSuffix(strings.TrimPrefix(spec, "{"), "}")
		cols = 0
		for _, c := range strings.Fields(spec) {
			i := slices.Index(SearchColumns, c)
			if i < 0 {
				return 0, "", false, "", false
			}
			cols |= 1 << i
		}
		if cols == 0 {
			return 0, "", false, "", false
		}
		s = after
	}
	if text, rest, ok = quoted(s); !ok {
		return 0, "", false, "", false
	}
	if prefix = strings.HasPrefix(rest, "*"); prefix {
		rest = rest[1:]
	}
	return cols, text, prefix, rest, true
}

// phraseList returns the postings of the phrase text in the columns cols,
// its last term a prefix when prefix is set: a held term's own when it is
// one term in every column; else the rows where its terms are at
// consecutive places of one of those columns
// (https://www.sqlite.org/fts5.html#fts5_phrases; a prefix matching any
// term that starts with it, prefixTerms), with the phrase's weighted hits
// (one a place it starts at) and its IDF over the rows it is in (FTS5
// counts them with the phrase's columns). nil when its terms are not all
// held.
func (d *DB) phraseList(ctx context.Context, p *postings, text string, cols uint8, prefix bool) (*termPosting, error) {
	ts, err := d.tokensOf(ctx, p, text)
	if err != nil || len(ts) == 0 {
		return nil, err
	}
	toks := make([]alts, len(ts))
	for i, t := range ts {
		if prefix && i == len(ts)-1 {
			break
		}
		tp, err := d.wordTerm(ctx, p, t)
		if err != nil || tp == nil {
			return nil, err
		}
		toks[i].tps = []*termPosting{tp}
	}
	if prefix {
		last := &toks[len(toks)-1]
		if last.tps, err = d.prefixTerms(ctx, p, ts[len(ts)-1]); err != nil || last.tps == nil {
			return nil, err
		}
	}
	for i := range toks {
		if toks[i].tps == nil {
			return nil, nil
		}
		toks[i].at = make([]int, len(toks[i].tps))
	}
	if len(toks) == 1 && cols == allColumns && !prefix {
		return toks[0].tps[0], nil
	}
	least := 0 // the rows are walked from the term in fewest
	for i := range toks {
		if toks[i].rows() < toks[least].rows() {
			least = i
		}
	}
	var walk []int32 // none when a prefix starts no term
	if len(toks[least].tps) == 1 {
		walk = toks[least].tps[0].rows
	} else if len(toks[least].tps) > 1 {
		lists := make([][]int32, len(toks[least].tps))
		for j, tp := range toks[least].tps {
			lists[j] = tp.rows
		}
		walk = unionRows(lists)
	}
	out := &termPosting{}
	places := make([][]int32, len(toks))
	var hits [8]uint32
next:
	for _, r := range walk {
		for i := range toks {
			if !toks[i].has(r) {
				continue next
			}
		}
		for i := range toks {
			places[i] = toks[i].places(r, places[i][:0])
		}
		hits = [8]uint32{}
		any := false
	place:
		for _, v := range places[0] {
			c := v >> placeColShift
			if cols&(1<<c) == 0 {
				continue
			}
			for i := 1; i < len(places); i++ {
				if _, found := slices.BinarySearch(places[i], v+int32(i)); !found {
					continue place
				}
			}
			hits[c]++
			any = true
		}
		if !any {
			continue
		}
		h, outside := uint32(0), false
		for c, n := range hits[:len(SearchColumns)] {
			h += n * uint32(2*rankWeights[c])
			outside = outside || n > 0 && weakWeights[c] != 0
		}
		if h >= outsideMeta {
			return nil, nil
		}
		if outside {
			h |= outsideMeta
		}
		out.rows = append(out.rows, r)
		out.hits = append(out.hits, h)
	}
	st, err := d.prepared(`SELECT ln((?1 - ?2 + 0.5) / (?2 + 0.5))`)
	if err != nil {
		return nil, err
	}
	if err := st.QueryRowContext(ctx, p.nRow, len(out.rows)).Scan(&out.idf); err != nil {
		return nil, err
	}
	if out.idf <= 0 {
		out.idf = 1e-6
	}
	return out, nil
}

// alts is a term of a phrase as the postings of the terms it matches (one,
// or every term a prefix starts), walked together by rule.
type alts struct {
	tps []*termPosting
	at  []int
}

// rows returns the number of rules of its terms, each counted for each.
func (a *alts) rows() int {
	n := 0
	for _, tp := range a.tps {
		n += len(tp.rows)
	}
	return n
}

// has tells whether one of its terms is in rule r (r more than every rule
// asked before).
func (a *alts) has(r int32) bool {
	found := false
	for j, tp := range a.tps {
		var in bool
		a.at[j], in = seek(tp.rows, a.at[j], r)
		found = found || in
	}
	return found
}

// places appends the places of its terms in rule r, the last asked of
// has, ascending.
func (a *alts) places(r int32, out []int32) []int32 {
	from, n := len(out), 0
	for j, tp := range a.tps {
		if a.at[j] < len(tp.rows) && tp.rows[a.at[j]] == r {
			out = tp.placesOf(a.at[j], out)
			n++
		}
	}
	if n > 1 {
		slices.Sort(out[from:])
	}
	return out
}

// A prefix is matched in Go when the terms it starts that are too rare to
// be held are at most prefixRareTerms, in prefixRareRows rules at most
// (each read with a statement): else by FTS5.
var (
	prefixRareTerms = 128
	prefixRareRows  = 10000
)

// term returns the vocabulary's term i.
func (p *postings) term(i int) string { return p.vocab[p.at[i]:p.at[i+1]] }

// prefixTerms returns the postings of every term that starts with prefix
// (https://www.sqlite.org/fts5.html#fts5_prefix_queries): the held ones,
// and the ones too rare to be held, read now and kept. nil when one is
// neither (one not held yet, or whose hits FTS5 counts otherwise) or the
// rare ones are too many; an empty list when no term starts with prefix.
func (d *DB) prefixTerms(ctx context.Context, p *postings, prefix string) ([]*termPosting, error) {
	i := sort.Search(len(p.df), func(i int) bool { return p.term(i) >= prefix })
	out := []*termPosting{}
	var rare []rareTerm
	n := 0
	p.mu.RLock()
	for ; i < len(p.df) && strings.HasPrefix(p.term(i), prefix); i++ {
		t := p.term(i)
		tp := p.terms[t]
		if tp == nil {
			tp = p.rare[t]
		}
		if tp != nil {
			out = append(out, tp)
			continue
		}
		n += int(p.df[i])
		rare = append(rare, rareTerm{t, p.df[i]})
		if int64(p.df[i]) >= p.held || len(rare) > prefixRareTerms || n > prefixRareRows {
			p.mu.RUnlock()
			return nil, nil
		}
	}
	p.mu.RUnlock()
	if len(rare) == 0 {
		return out, nil
	}
	tps, err := d.loadRare(ctx, p, rare)
	if err != nil || tps == nil {
		return nil, err
	}
	return append(out, tps...), nil
}

// rareTerm is a term of the vocabulary too rare to be held, with its df.
type rareTerm struct {
	term string
	df   int32
}

// loadRare reads the postings of rare terms, with their IDF, and keeps
// them; nil when one's hits are not the ones FTS5 counts.
func (d *DB) loadRare(ctx context.Context, p *postings, rare []rareTerm) ([]*termPosting, error) {
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	// The vocabulary table is a temporary one of the connection, made on
	// the first search that needs it there.
	st, err := conn.PrepareContext(ctx, termSQL("bm_rare"))
	if err != nil {
		restore, err := tempWritable(ctx, conn)
		if err != nil {
			return nil, err
		}
		_, err = conn.ExecContext(ctx, `CREATE VIRTUAL TABLE IF NOT EXISTS temp.bm_rare USING fts5vocab(main, search, 'instance')`)
		restore()
		if err != nil {
			return nil, fmt.Errorf("search terms: %w", err)
		}
		if st, err = conn.PrepareContext(ctx, termSQL("bm_rare")); err != nil {
			return nil, err
		}
	}
	defer st.Close()
	var out []*termPosting
	for _, r := range rare {
		tp, err := d.loadTerm(ctx, st, r.term, p)
		if err != nil || tp == nil || len(tp.rows) != int(r.df) {
			return nil, err
		}
		if tp.idf, err = idfOf(ctx, conn, p.nRow, len(tp.rows)); err != nil {
			return nil, err
		}
		p.mu.Lock()
		if p.rareRows += len(tp.rows); p.rareRows > rareRowsKept {
			clear(p.rare)
			p.rareRows = len(tp.rows)
		}
		p.rare[r.term] = tp
		p.mu.Unlock()
		out = append(out, tp)
	}
	return out, nil
}

// idfOf is bm25's IDF of a phrase in nHit of nRow rows, taken by SQLite's
// ln() as FTS5 takes it.
func idfOf(ctx context.Context, conn *sql.Conn, nRow int64, nHit int) (float64, error) {
	var idf float64
	if err := conn.QueryRowContext(ctx, `SELECT ln((?1 - ?2 + 0.5) / (?2 + 0.5))`, nRow, nHit).Scan(&idf); err != nil {
		return 0, err
	}
	if idf <= 0 {
		idf = 1e-6
	}
	return idf, nil
}

// wordTerm returns the postings of term t: held, or too rare to be held
// and read now (kept), or none for a term not in the vocabulary (it
// matches no rule). nil when it is held by no one yet (the warming goes
// on) or its hits are not the ones FTS5 counts.
func (d *DB) wordTerm(ctx context.Context, p *postings, t string) (*termPosting, error) {
	p.mu.RLock()
	tp := p.terms[t]
	if tp == nil {
		tp = p.rare[t]
	}
	p.mu.RUnlock()
	if tp != nil {
		return tp, nil
	}
	i := sort.Search(len(p.df), func(i int) bool { return p.term(i) >= t })
	if i == len(p.df) || p.term(i) != t {
		return &termPosting{idf: 1e-6}, nil // its score is never asked: it has no rule
	}
	if int64(p.df[i]) >= p.held {
		return nil, nil
	}
	tps, err := d.loadRare(ctx, p, []rareTerm{{t, p.df[i]}})
	if err != nil || tps == nil {
		return nil, err
	}
	return tps[0], nil
}

// unionRows returns the rows of every list (each ascending), ascending,
// each once.
func unionRows(lists [][]int32) []int32 {
	if len(lists) == 1 {
		return lists[0]
	}
	n := 0
	for _, l := range lists {
		n += len(l)
	}
	out := make([]int32, 0, n)
	at := make([]int, len(lists))
	for {
		r := int32(math.MaxInt32)
		for i, l := range lists {
			if at[i] < len(l) {
				r = min(r, l[at[i]])
			}
		}
		if r == math.MaxInt32 {
			return out
		}
		out = append(out, r)
		for i, l := range lists {
			if at[i] < len(l) && l[at[i]] == r {
				at[i]++
			}
		}
	}
}

// bm25 is fts5Bm25Function's score of a row (sqlite ext/fts5/fts5_aux.c):
// phrase i with weighted hits f[i], in a row of D tokens. Each product is
// rounded apart (no fused multiply-add), as the C compiles.
func bm25(tps []*termPosting, f []float64, D, avgdl float64) float64 {
	score := 0.0
	for i, tp := range tps {
		score = score + bm25Term(tp.idf, f[i], D, avgdl)
	}
	return float64(-1.0 * score)
}

// bm25Term is the term of bm25's sum of a phrase of IDF idf with weighted
// hits f in a row of D tokens.
func bm25Term(idf, f, D, avgdl float64) float64 {
	k1, b := bm25K1, bm25B
	return float64(idf * (float64(f*(k1+1.0)) / (f + float64(k1*(1-b+float64(b*D)/avgdl)))))
}

// rankScored is rankTop from the scores of a fast match: the best k of
// rows (ascending, all in tm.set), best first.
func rankScored(tm *textMatch, rows []int64, k int) []int64 {
	h := make(scoredHeap, 0, min(k, len(rows))+1)
	j := 0
	for _, n := range rows {
		var found bool
		if j, found = seek(tm.set, j, n); !found {
			continue
		}
		s := tm.scoreAt(j)
		if len(h) == k {
			if !s.before(h[0]) {
				continue
			}
			h[0] = s
			h.down(0)
			continue
		}
		h = append(h, s)
		h.up(len(h) - 1)
	}
	slices.SortFunc(h, func(a, b scored) int {
		if a.before(b) {
			return -1
		}
		return 1
	})
	out := make([]int64, len(h))
	for i, s := range h {
		out[i] = s.n
	}
	return out
}

// scoredHeap is a heap whose top is the worst (by scored.before).
type scoredHeap []scored

func (h scoredHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h[p].before(h[i]) {
			break
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
}

func (h scoredHeap) down(i int) {
	for {
		w, l, r := i, 2*i+1, 2*i+2
		if l < len(h) && h[w].before(h[l]) {
			w = l
		}
		if r < len(h) && h[w].before(h[r]) {
			w = r
		}
		if w == i {
			return
		}
		h[w], h[i] = h[i], h[w]
		i = w
	}
}
