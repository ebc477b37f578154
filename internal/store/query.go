package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/bits"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ruledex/ruledex/internal/catalog"
	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/parallel"
	"github.com/ruledex/ruledex/internal/rule"
)

// RuleSummary is what a list of rules shows of each.
type RuleSummary struct {
	ID         string   `json:"id"`
	Platform   string   `json:"platform"`
	Language   string   `json:"language"`
	Product    string   `json:"product"`
	Kind       string   `json:"kind"`
	Title      string   `json:"title"`
	Severity   string   `json:"severity"`
	Status     string   `json:"status"`
	Repo       string   `json:"repo"`
	Path       string   `json:"path"`
	Line       int      `json:"line"`
	URL        string   `json:"url"`
	Techniques []string `json:"techniques"`
	Tables     []string `json:"tables"`
	Errors     int      `json:"errors"` // error diagnostics
	// Blurb is the start of the rule's description (else of its query),
	// which a listing without search text shows.
	Blurb string `json:"-"`
}

// Hit is one rule found by Search.
type Hit struct {
	RuleSummary
	// Snippet is where the text matched, HTML-escaped, matches in <mark>…</mark>;
	// "" for a search without text.
	Snippet string `json:"snippet"`
	// Text is the same snippet as plain text, and Marks the byte ranges of it
	// that matched.
	Text  string `json:"text"`
	Marks []Span `json:"marks"`
	// Matched says why the rule was found: the places of it where the
	// search's words are (MatchTitle, MatchQuery, MatchIndicator,
	// MatchTechnique...), in that order; empty for a search without text.
	Matched []string `json:"matched"`
}

// Count is one value of a facet with the number of rules that have it.
type Count struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// Query is a search.
type Query struct {
	Text       string              // words, "phrases", -not, prefix*, OR, column:word; "" for all rules
	Facets     map[string][]string // facet → values: values of one facet ORed, facets ANDed; case-insensitive
	Page       int                 // 1-based; 0 means 1
	PerPage    int                 // 0 means 20; at most MaxPerPage
	FacetLimit int                 // values per facet in Result.Facets, most frequent first; 0 means 25, -1 all
	// FacetKeys are the facets Result.Facets counts; nil means every one
	// of Facets.
	FacetKeys []string
	// Browse leaves out third-party alert feeds, as browse pages and the
	// coverage matrix do; a search keeps them.
	Browse bool
	// Sort is one of Sorts, or "" for relevance (with text) or title.
	Sort string
}

// Result is a page of rules found, with the facet counts of all of them. A
// facet the query filters on is counted as if it did not: its values show
// how many rules each would add.
type Result struct {
	Total   int                `json:"total"`
	Page    int                `json:"page"`
	PerPage int                `json:"per_page"`
	Hits    []Hit              `json:"hits"`
	Facets  map[string][]Count `json:"facets"`
}

// index holds the facets of every rule in memory, for filtering and
// counting the facets of a search's whole result.
type index struct {
	facet []string           // value id → facet
	value []string           // value id → value
	ids   map[string][]int32 // facet+"\x00"+lower(value) → value ids
	rules [][]int32          // rule (its n) → its value ids, while loading (then pack)
	// vals[at[n]:at[n+1]] are rule n's value ids once packed: one slice,
	// walked in the order of the rules when counting a set's facets.
	vals []int32
	at   []uint32
	// The values of at least one rule in denseShare (dense, a bit a rule:
	// denseBits, isDense) are counted over a large set by the set's bits
	// (countDense); sparse[sat[n]:sat[n+1]] are rule n's other values.
	dense     []int32
	denseBits []ruleSet
	isDense   []bool
	sparse    []int32
	sat       []uint32
	posting   [][]int64 // value id → its rules, ascending
	order     []int64   // every rule, by title then id
	rank      []int32   // rule n → its place in order (-1: none)
	// browse is order without the alert feeds (filter with browse and no
	// facet: every page of the browse listing), made once.
	browseOnce sync.Once
	browse     []int64
	feeds      ruleSet // the alert feeds
	loaded     time.Time
	// spans are the value ids of each facet, [from, to): ids are given in
	// the order of facet, then value.
	spans map[string][2]int32
}

// add records that rule n has value id; rules come in ascending order of n
// for each value.
func (ix *index) add(n int64, id int32) {
	for n >= int64(len(ix.rules)) {
		ix.rules = append(ix.rules, nil)
	}
	for int(id) >= len(ix.posting) {
		ix.posting = append(ix.posting, nil)
	}
	ix.rules[n] = append(ix.rules[n], id)
	ix.posting[id] = append(ix.posting[id], n)
}

// pack lays the rules' value ids out in one slice (vals, at).
func (ix *index) pack() {
	n := 0
	for _, l := range ix.rules {
		n += len(l)
	}
	ix.vals, ix.at = make([]int32, 0, n), make([]uint32, 0, len(ix.rules)+1)
	for _, l := range ix.rules {
		ix.at = append(ix.at, uint32(len(ix.vals)))
		ix.vals = append(ix.vals, l...)
	}
	ix.at = append(ix.at, uint32(len(ix.vals)))
	ix.rules = nil
	ix.isDense = make([]bool, len(ix.posting))
	for id, p := range ix.posting {
		if len(p) >= max(64, ix.nRules()/denseShare) {
			ix.isDense[id] = true
			ix.dense = append(ix.dense, int32(id))
			ix.denseBits = append(ix.denseBits, ix.ruleSetOf([]int32{int32(id)}))
		}
	}
	ix.sat = make([]uint32, 0, ix.nRules()+1)
	for n := range ix.nRules() {
		ix.sat = append(ix.sat, uint32(len(ix.sparse)))
		for _, id := range ix.ruleList(int64(n)) {
			if !ix.isDense[id] {
				ix.sparse = append(ix.sparse, id)
			}
		}
	}
	ix.sat = append(ix.sat, uint32(len(ix.sparse)))
	ix.sparse = slices.Clip(ix.sparse)
}

// A value is dense when one rule in denseShare has it; a set of rules
// is counted by its bits (countDense) when it is at least one rule in
// denseSetShare.
var (
	denseShare    = 64
	denseSetShare = 8
)

// sparseList returns the values of rule n that are not dense (packed).
func (ix *index) sparseList(n int64) []int32 {
	if n < 0 || n >= int64(len(ix.sat)-1) {
		return nil
	}
	return ix.sparse[ix.sat[n]:ix.sat[n+1]:ix.sat[n+1]]
}

// nRules is one more than the greatest rule with a value.
func (ix *index) nRules() int {
	if ix.at != nil {
		return len(ix.at) - 1
	}
	return len(ix.rules)
}

// ruleSet is a set of rules (their n), one bit each.
type ruleSet []uint64

func (s ruleSet) has(n int64) bool {
	w := uint64(n) / 64
	return w < uint64(len(s)) && s[w]&(1<<(uint64(n)%64)) != 0
}

// ruleSetOf returns the set of the rules that have one of the value ids.
func (ix *index) ruleSetOf(ids []int32) ruleSet {
	s := make(ruleSet, ix.nRules()/64+1)
	for _, id := range ids {
		for _, n := range ix.posting[id] {
			s[n/64] |= 1 << (uint64(n) % 64)
		}
	}
	return s
}

// setOf returns the set of the rules ns.
func (ix *index) setOf(ns []int64) ruleSet {
	s := make(ruleSet, ix.nRules()/64+1)
	for _, n := range ns {
		if w := n / 64; n >= 0 {
			if w >= int64(len(s)) {
				s = append(s, make(ruleSet, w+1-int64(len(s)))...)
			}
			s[w] |= 1 << (uint64(n) % 64)
		}
	}
	return s
}

// ruleList returns the value ids of rule n, none for a rule it does not hold.
func (ix *index) ruleList(n int64) []int32 {
	if n < 0 || n >= int64(ix.nRules()) {
		return nil
	}
	if ix.at != nil {
		return ix.vals[ix.at[n]:ix.at[n+1]:ix.at[n+1]]
	}
	return ix.rules[n]
}

// index returns the facet index, loaded on first use. It is shared by
// every request, so it loads to the end whatever ctx says (a request that
// gave up does not leave the next ones without an index); ctx's error is
// returned when it ended.
func (d *DB) index(ctx context.Context) (*index, error) {
	d.once.Do(func() { d.idx, d.idxErr = d.loadIndex(context.WithoutCancel(ctx)) })
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return d.idx, d.idxErr
}

func (d *DB) loadIndex(ctx context.Context) (*index, error) {
	ix := &index{ids: map[string][]int32{}, loaded: time.Now(), spans: map[string][2]int32{}}
	// One facet value at a time (eachFacetGroup), its rules in one list:
	// five million rows of a rule and value at 164,000 rules took half a
	// minute to cross into Go. Its spelling is its first rule's; values
	// the same but for case are one.
	prevF, prevV := "", ""
	id := int32(-1)
	err := eachFacetGroup(ctx, d.db, func(g *facetGroup) error {
		f, v := g.facet, g.value
		if id < 0 || f != prevF || !strings.EqualFold(v, prevV) {
			id++
			ix.facet, ix.value = append(ix.facet, f), append(ix.value, v)
			k := f + "\x00" + strings.ToLower(v)
			ix.ids[k] = append(ix.ids[k], id)
			sp, ok := ix.spans[f]
			if !ok {
				sp[0] = id
			}
			sp[1] = id + 1
			ix.spans[f] = sp
			prevF, prevV = f, v
		}
		for _, n := range g.rules {
			ix.add(n, id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	ix.pack()
	ix.feeds = ix.ruleSetOf(ix.ids[FacetKind+"\x00"+rule.KindAlertFeed])
	var order string
	if err := d.db.QueryRowContext(ctx, "SELECT coalesce(group_concat(n, ',' ORDER BY title COLLATE NOCASE, id), '') FROM rules").Scan(&order); err != nil {
		return nil, err
	}
	err = eachInt(order, func(n int64) error {
		ix.order = append(ix.order, n)
		return nil
	})
	ix.rankOrder()
	return ix, err
}

// rankOrder sets rank from order.
func (ix *index) rankOrder() {
	top := int64(-1)
	for _, n := range ix.order {
		top = max(top, n)
	}
	ix.rank = make([]int32, top+1)
	for i := range ix.rank {
		ix.rank[i] = -1
	}
	for i, n := range ix.order {
		if n >= 0 {
			ix.rank[n] = int32(i)
		}
	}
}

// Search finds rules by text and facets, ranked by relevance (title first,
// then description, fields and values, then the query text), or by title
// when there is no text. It stops when ctx is done.
func (d *DB) Search(ctx context.Context, q Query) (Result, error) {
	if q.Page <= 0 {
		q.Page = 1
	}
	if q.PerPage <= 0 {
		q.PerPage = 20
	}
	q.PerPage = min(q.PerPage, MaxPerPage)
	if q.FacetLimit == 0 {
		q.FacetLimit = 25
	}
	res := Result{Page: q.Page, PerPage: q.PerPage, Hits: []Hit{}, Facets: map[string][]Count{}}
	if err := CheckQuery(q.Text); err != nil {
		return res, err
	}
	ix, err := d.index(ctx)
	if err != nil {
		return res, err
	}
	for f := range q.Facets {
		if !isFacet[f] {
			return res, fmt.Errorf("unknown facet %q (facets: %s)", f, strings.Join(Facets, ", "))
		}
	}
	keys := q.FacetKeys
	if keys == nil {
		keys = Facets
	}
	for _, f := range keys {
		if !isFacet[f] {
			return res, fmt.Errorf("unknown facet %q (facets: %s)", f, strings.Join(Facets, ", "))
		}
	}
	pos, neg := ftsQuery(q.Text)
	var tm *textMatch // what the text matched, when it has a positive term
	var matched, extra []int64
	switch {
	case pos != "":
		if tm, err = d.matchText(ctx, pos, neg); err != nil {
			break
		}
		extra, err = d.withActions(ctx, tm.set, q.Text)
		matched = tm.set
		if len(extra) > 0 {
			matched = append(slices.Clip(tm.set), extra...)
		}
	case neg != "":
		var out *textMatch
		if out, err = d.matchText(ctx, neg, ""); err != nil {
			break
		}
		excluded := make(ruleSet, ix.nRules()/64+1)
		for _, n := range out.set {
			if n >= 0 {
				excluded[n/64] |= 1 << (uint64(n) % 64)
			}
		}
		for _, n := range ix.order {
			if !excluded.has(n) {
				matched = append(matched, n)
			}
		}
	default:
		matched = ix.order
	}
	if err != nil {
		return res, err
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	textMatched := matched
	if q.Sort != "" {
		if matched, err = d.sortBy(ctx, ix, matched, q.Sort); err != nil {
			return res, err
		}
		textMatched = matched
	}
	matched = ix.filter(textMatched, q.Facets, q.Browse)
	res.Total = len(matched)
	// The facets are counted (in memory) while the page is ranked and read.
	facets := make(chan map[string][]Count, 1)
	go func() { facets <- ix.facetCounts(q, keys, textMatched, matched) }()
	page, err := d.page(ctx, ix, q, tm, matched, extra)
	if err != nil || len(page) == 0 {
		res.Facets = <-facets
		return res, err
	}
	type hitTexts struct {
		snippets map[int64]Snippet
		why      map[int64][]string
		err      error
	}
	texts := make(chan hitTexts, 1)
	go func() {
		var h hitTexts
		if pos != "" {
			h.snippets, h.why, h.err = d.snippets(ctx, q.Text, page)
		}
		texts <- h
	}()
	sums, err := d.summaries(ctx, page)
	h := <-texts
	res.Facets = <-facets
	if err != nil {
		return res, err
	}
	if h.err != nil {
		return res, h.err
	}
	for i, s := range sums {
		sn, ok := h.snippets[page[i]]
		if !ok {
			sn = Snippet{Text: s.Blurb}
		}
		m := h.why[page[i]]
		if m == nil {
			m = []string{}
		}
		res.Hits = append(res.Hits, Hit{RuleSummary: s, Snippet: sn.HTML(), Text: sn.Text, Marks: nonNilSpans(sn.Marks), Matched: m})
	}
	return res, nil
}

// facetCounts counts the values of each facet of keys over matched, a
// facet that filters over textMatched without its own filter (so that its
// other values, to widen the search, keep their counts).
func (ix *index) facetCounts(q Query, keys []string, textMatched, matched []int64) map[string][]Count {
	out := map[string][]Count{}
	if len(keys) > 0 { // none asked for: the hits alone (the export's later pages of a listing)
		out = ix.count(matched, q.FacetLimit, keys)
	}
	for f := range q.Facets {
		if !slices.Contains(keys, f) {
			continue
		}
		others := make(map[string][]string, len(q.Facets)-1)
		for g, vals := range q.Facets {
			if g != f {
				others[g] = vals
			}
		}
		out[f] = ix.countFacet(ix.filter(textMatched, others, q.Browse), f, q.FacetLimit)
	}
	return out
}

// page returns the rules of q's page of matched: by relevance when the
// text has a positive term (tm) and no sort is asked for (the text's rules
// a facet leaves, ranked as far as the page, then extra, the ones found by
// their actions), else in matched's order.
func (d *DB) page(ctx context.Context, ix *index, q Query, tm *textMatch, matched, extra []int64) ([]int64, error) {
	from := (q.Page - 1) * q.PerPage
	if from >= len(matched) {
		return nil, nil
	}
	if tm == nil || q.Sort != "" {
		return matched[from:min(from+q.PerPage, len(matched))], nil
	}
	keep := func(ns []int64) []int64 { return ix.filter(ns, q.Facets, q.Browse) }
	in := keep(tm.set)
	top, err := d.bestOf(ctx, tm, in, keep, from+q.PerPage)
	if err != nil {
		return nil, err
	}
	if from+q.PerPage > len(top) {
		top = append(slices.Clip(top), keep(extra)...)
	}
	return top[min(from, len(top)):min(from+q.PerPage, len(top))], nil
}

// MaxPerPage is the largest page of a search.
const MaxPerPage = 1000

// withActions returns the rules, not in matched (ascending), that look at
// the action the search text names, when it is one term (an Azure
// operation, an event name or id), and do not hold it as text, by rule: a
// rule that matches has_any ('runCommand/action') is found by
// Microsoft.Compute/virtualMachines/runCommand/action.
func (d *DB) withActions(ctx context.Context, matched []int64, text string) ([]int64, error) {
	ts := parseQuery(text)
	if len(ts) != 1 || ts[0].neg || ts[0].prefix || ts[0].column != "" {
		return nil, nil
	}
	ix, err := d.actions(ctx)
	if err != nil {
		return nil, err
	}
	m := ix.match(ts[0].text)
	if len(m) == 0 {
		return nil, nil
	}
	var extra []int64
	for n := range m {
		if _, found := slices.BinarySearch(matched, n); !found {
			extra = append(extra, n)
		}
	}
	slices.Sort(extra)
	return extra, nil
}

// Rules lists rules with the given facets, by title.
func (d *DB) Rules(ctx context.Context, facets map[string][]string, page, perPage int) (Result, error) {
	return d.Search(ctx, Query{Facets: facets, Page: page, PerPage: perPage})
}

// filter keeps the rules of ns that have, for every facet, one of its
// values, and, when browse
// is set, are no alert feeds.
//
// A listing (ns every rule, in order: no text, no sort) is filtered from
// the postings of its facet with the fewest rules, put in order by rank,
// not by a walk of every rule: at 164,000 rules a walk and its result's
// 1.3 MB for each page of a listing of a few rules made most of the static
// export's listings.
func (ix *index) filter(ns []int64, facets map[string][]string, browse bool) []int64 {
	if len(facets) == 0 && !browse {
		return ns
	}
	every := len(ns) > 0 && len(ns) == len(ix.order) && &ns[0] == &ix.order[0]
	if every && len(facets) == 0 {
		ix.browseOnce.Do(func() {
			ix.browse = make([]int64, 0, len(ix.order))
			for _, n := range ix.order {
				if !ix.feeds.has(n) {
					ix.browse = append(ix.browse, n)
				}
			}
		})
		return ix.browse
	}
	// Each facet's value ids, and the most rules it can keep.
	type want struct {
		ids   []int32
		bound int
	}
	ws := make([]want, 0, len(facets))
	least := -1
	for f, vals := range facets {
		var w want
		for _, v := range vals {
			v = strings.ToLower(strings.TrimSpace(v))
			for _, id := range ix.ids[f+"\x00"+v] {
				w.ids = append(w.ids, id)
				w.bound += len(ix.posting[id])
			}
		}
		if least < 0 || w.bound < ws[least].bound {
			least = len(ws)
		}
		ws = append(ws, w)
	}
	bound := len(ns)
	if least >= 0 {
		bound = min(bound, ws[least].bound)
	}
	if every && least >= 0 && bound*8 < len(ns) {
		return ix.filterFew(ws[least].ids, func(n int64) bool {
			if browse && ix.feeds.has(n) {
				return false
			}
			for i, w := range ws {
				if i != least && !ix.hasAny(w.ids, n) {
					return false
				}
			}
			return true
		})
	}
	wants := make([]ruleSet, len(ws))
	for i, w := range ws {
		wants[i] = ix.ruleSetOf(w.ids)
	}
	out := make([]int64, 0, bound)
next:
	for _, n := range ns {
		if browse && ix.feeds.has(n) {
			continue
		}
		for _, w := range wants {
			if !w.has(n) {
				continue next
			}
		}
		out = append(out, n)
	}
	return out
}

// filterFew returns the rules of the values ids that keep says to keep,
// each once, in order.
func (ix *index) filterFew(ids []int32, keep func(n int64) bool) []int64 {
	var out []int64
	for _, id := range ids {
		for _, n := range ix.posting[id] {
			if n < int64(len(ix.rank)) && ix.rank[n] >= 0 && keep(n) {
				out = append(out, n)
			}
		}
	}
	slices.SortFunc(out, func(a, b int64) int { return int(ix.rank[a] - ix.rank[b]) })
	return slices.Compact(out)
}

// hasAny tells whether rule n has one of the values ids.
func (ix *index) hasAny(ids []int32, n int64) bool {
	for _, id := range ids {
		if _, ok := slices.BinarySearch(ix.posting[id], n); ok {
			return true
		}
	}
	return false
}

// count returns the values of the facets keys of the rules ns with their
// counts, most frequent first, at most limit per facet (all when limit < 0).
func (ix *index) count(ns []int64, limit int, keys []string) map[string][]Count {
	counts := make([]int32, len(ix.value))
	switch {
	case len(ns) == len(ix.order):
		// Every rule (ns holds each once): the counts are the postings'.
		for id := range counts {
			counts[id] = int32(len(ix.posting[id]))
		}
	case ix.sat != nil && len(ns) >= ix.nRules()/denseSetShare && ix.countDense(ns, counts):
	case 2*len(ns) > len(ix.order) && ix.countOthers(ns, counts):
	default:
		for _, n := range ns {
			for _, id := range ix.ruleList(n) {
				counts[id]++
			}
		}
	}
	byFacet := map[string][]idCount{}
	for id, c := range counts {
		if c > 0 {
			f := ix.facet[id]
			byFacet[f] = append(byFacet[f], idCount{int32(id), c})
		}
	}
	out := make(map[string][]Count, len(keys))
	for _, f := range keys {
		out[f] = ix.top(byFacet[f], limit)
	}
	return out
}

// countOthers sets counts to the numbers of rules of ns of each value when
// ns is most rules: the postings' counts less the values of the rules not
// in ns, fewer to read. It returns false, counts left as they were, when
// ns is not rules of the catalog each once.
func (ix *index) countOthers(ns []int64, counts []int32) bool {
	in := ix.setOf(ns)
	var others []int64
	for _, n := range ix.order {
		if !in.has(n) {
			others = append(others, n)
		}
	}
	if len(ix.order)-len(others) != len(ns) {
		return false
	}
	for id := range counts {
		counts[id] = int32(len(ix.posting[id]))
	}
	for _, n := range others {
		for _, id := range ix.ruleList(n) {
			counts[id]--
		}
	}
	return true
}

// countDense sets counts to the numbers of rules of ns of each value
// (index packed): a dense value's from the bits of its rules and of ns,
// the others' by the rules of ns (or, for most rules, the postings'
// counts less the rules not in ns), one sparse value at a time. It
// returns false, counts left as they were, when ns is not rules each once.
func (ix *index) countDense(ns []int64, counts []int32) bool {
	in := ix.setOf(ns)
	total := 0
	for _, w := range in {
		total += bits.OnesCount64(w)
	}
	if total != len(ns) {
		return false
	}
	for k, id := range ix.dense {
		b, c := ix.denseBits[k], 0
		for i := range min(len(b), len(in)) {
			c += bits.OnesCount64(b[i] & in[i])
		}
		counts[id] = int32(c)
	}
	if 2*len(ns) > len(ix.order) {
		var others []int64
		for _, n := range ix.order {
			if !in.has(n) {
				others = append(others, n)
			}
		}
		if len(ix.order)-len(others) == len(ns) {
			for id := range counts {
				if !ix.isDense[id] {
					counts[id] = int32(len(ix.posting[id]))
				}
			}
			for _, n := range others {
				for _, id := range ix.sparseList(n) {
					counts[id]--
				}
			}
			return true
		}
	}
	for _, n := range ns {
		for _, id := range ix.sparseList(n) {
			counts[id]++
		}
	}
	return true
}

// idCount is a facet value id with its count.
type idCount struct{ id, n int32 }

// top returns the limit (all when limit < 0) most frequent values of cs,
// ties by value: ids are given in the order of the values, case-folded.
func (ix *index) top(cs []idCount, limit int) []Count {
	before := func(a, b idCount) bool { return a.n > b.n || a.n == b.n && a.id < b.id }
	if limit > 0 && len(cs) > 4*limit {
		// The best limit by insertion (fields have thousands of values).
		best := make([]idCount, 0, limit+1)
		for _, c := range cs {
			if len(best) == limit && !before(c, best[limit-1]) {
				continue
			}
			i, _ := slices.BinarySearchFunc(best, c, func(a, b idCount) int {
				if before(a, b) {
					return -1
				}
				return 1
			})
			best = slices.Insert(best, i, c)
			if len(best) > limit {
				best = best[:limit]
			}
		}
		cs = best
	} else {
		slices.SortFunc(cs, func(a, b idCount) int {
			if a.n != b.n {
				return int(b.n - a.n)
			}
			return int(a.id - b.id)
		})
		if limit >= 0 && len(cs) > limit {
			cs = cs[:limit]
		}
	}
	out := make([]Count, len(cs))
	for i, c := range cs {
		out[i] = Count{Value: ix.value[c.id], Count: int(c.n)}
	}
	return out
}

// countFacet is count for one facet: over the facet's own values (their
// postings), not over every value of every rule of ns.
func (ix *index) countFacet(ns []int64, facet string, limit int) []Count {
	sp := ix.spans[facet]
	cs := make([]idCount, 0, sp[1]-sp[0])
	if len(ns) == len(ix.order) { // every rule, each once
		for id := sp[0]; id < sp[1]; id++ {
			cs = append(cs, idCount{id, int32(len(ix.posting[id]))})
		}
		return ix.top(cs, limit)
	}
	in := ix.setOf(ns)
	for id := sp[0]; id < sp[1]; id++ {
		c := int32(0)
		for _, n := range ix.posting[id] {
			if in.has(n) {
				c++
			}
		}
		if c > 0 {
			cs = append(cs, idCount{id, c})
		}
	}
	return ix.top(cs, limit)
}

func sortCounts(cs []Count) {
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].Count != cs[j].Count {
			return cs[i].Count > cs[j].Count
		}
		return strings.ToLower(cs[i].Value) < strings.ToLower(cs[j].Value)
	})
}

const summaryColumns = `n, id, platform, language, product, kind, title, severity, status, repo, path, line, url, techniques, tables_, diag_errors, blurb`

func scanSummary(sc interface{ Scan(...any) error }) (int64, RuleSummary, error) {
	var s RuleSummary
	var n int64
	var techs, tables string
	err := sc.Scan(&n, &s.ID, &s.Platform, &s.Language, &s.Product, &s.Kind, &s.Title, &s.Severity, &s.Status,
		&s.Repo, &s.Path, &s.Line, &s.URL, &techs, &tables, &s.Errors, &s.Blurb)
	s.Techniques = splitNonEmpty(techs, " ")
	s.Tables = splitNonEmpty(tables, "\n")
	return n, s, err
}

func splitNonEmpty(s, sep string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, sep)
}

// jsonList returns ns as a JSON array, for `IN (SELECT value FROM
// json_each(?))`: one statement text whatever the number of rules.
func jsonList(ns []int64) string {
	b := make([]byte, 0, 8*len(ns)+2)
	b = append(b, '[')
	for i, n := range ns {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, n, 10)
	}
	return string(append(b, ']'))
}

// summaries returns the summaries of the rules ns, in the order of ns.
func (d *DB) summaries(ctx context.Context, ns []int64) ([]RuleSummary, error) {
	byN, err := d.summaryMap(ctx, ns)
	if err != nil {
		return nil, err
	}
	out := make([]RuleSummary, 0, len(ns))
	for _, n := range ns {
		if s, ok := byN[n]; ok {
			out = append(out, s)
		}
	}
	return out, nil
}

// summaryMap returns the summaries of the rules ns by rule. Summaries read
// once are kept (a few hundred bytes a rule): listings and indicator pages
// show the same rules again and again.
func (d *DB) summaryMap(ctx context.Context, ns []int64) (map[int64]RuleSummary, error) {
	byN := make(map[int64]RuleSummary, len(ns))
	var missing []int64
	d.sumMu.Lock()
	for _, n := range ns {
		if s, ok := d.sums[n]; ok {
			byN[n] = s
		} else {
			missing = append(missing, n)
		}
	}
	d.sumMu.Unlock()
	if len(missing) == 0 {
		return byN, nil
	}
	read := make(map[int64]RuleSummary, len(missing))
	defer func() {
		d.sumMu.Lock()
		if d.sums == nil {
			d.sums = map[int64]RuleSummary{}
		}
		maps.Copy(d.sums, read)
		d.sumMu.Unlock()
	}()
	ns = missing
	st, err := d.prepared(`SELECT ` + summaryColumns + ` FROM rules WHERE n IN (SELECT value FROM json_each(?))`)
	if err != nil {
		return nil, err
	}
	for len(ns) > 0 {
		chunk := ns[:min(len(ns), 500)]
		ns = ns[len(chunk):]
		rows, err := st.QueryContext(ctx, jsonList(chunk))
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			n, s, err := scanSummary(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			byN[n] = s
			read[n] = s
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return byN, nil
}

// snippets returns the snippets of the rules ns for the search text (see
// snippetOf): from the query text, then the description, then the title; for
// a Sigma rule, whose query text is the whole document, from its detection
// first. matched holds where in each rule the text matched (matchedIn).
func (d *DB) snippets(ctx context.Context, text string, ns []int64) (snippets map[int64]Snippet, matched map[int64][]string, err error) {
	words, m := snippetWords(text), newMatcher(text)
	wks := wordKeys(words)
	st, err := d.prepared(`SELECT n, body FROM rules WHERE n IN (SELECT value FROM json_each(?))`)
	if err != nil {
		return nil, nil, err
	}
	rows, err := st.QueryContext(ctx, jsonList(ns))
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	type hit struct {
		n       int64
		body    string
		snippet Snippet
		matched []string
		err     error
	}
	hits := make([]hit, 0, len(ns))
	for rows.Next() {
		var h hit
		if err := rows.Scan(&h.n, &h.body); err != nil {
			return nil, nil, err
		}
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	// A page's hits are decoded, cut and matched on every core: most of a
	// search's time on a small catalog.
	if err := parallel.For(ctx, len(hits), 0, func(i int) {
		h := &hits[i]
		r, err := decodeRuleAs(h.body, true)
		if err != nil {
			h.err = fmt.Errorf("rule %d: %w", h.n, err)
			return
		}
		texts := []string{r.Query, r.Description, r.Title}
		part := ""
		if l := lang.Get(r.Language); l != nil && l.SnippetText != nil {
			if part = l.SnippetText(r.Query); part != "" {
				texts = []string{part, r.Description, r.Title, r.Query}
			}
		}
		h.snippet, h.matched = snippetOf(words, wks, texts...), m.matchedIn(r, part)
	}); err != nil {
		return nil, nil, err
	}
	snippets, matched = make(map[int64]Snippet, len(hits)), make(map[int64][]string, len(hits))
	for _, h := range hits {
		if h.err != nil {
			return nil, nil, h.err
		}
		snippets[h.n], matched[h.n] = h.snippet, h.matched
	}
	return snippets, matched, nil
}

// Rule returns the rule with the given id (compared case-insensitively).
func (d *DB) Rule(ctx context.Context, id string) (*rule.Rule, error) {
	r, _, err := d.RuleShown(ctx, id, 0)
	return r, err
}

// FacetValues returns every value of a facet with its number of rules, most
// frequent first.
func (d *DB) FacetValues(ctx context.Context, facet string) ([]Count, error) {
	if !isFacet[facet] {
		return nil, fmt.Errorf("unknown facet %q (facets: %s)", facet, strings.Join(Facets, ", "))
	}
	ix, err := d.index(ctx)
	if err != nil {
		return nil, err
	}
	cs := []Count{}
	for id, f := range ix.facet {
		if f == facet {
			cs = append(cs, Count{Value: ix.value[id], Count: len(ix.posting[id])})
		}
	}
	sortCounts(cs)
	return cs, nil
}

// IndicatorHit is a rule that matches an indicator value positively, and how.
type IndicatorHit struct {
	RuleSummary
	Field         string `json:"field"` // as the rule writes it
	Value         string `json:"value"` // as the rule writes it
	Kind          string `json:"kind"`  // as the rule states it
	CaseSensitive bool   `json:"case_sensitive"`
	All           bool   `json:"all"` // every value is required
}

// Indicator returns the rules with a positive indicator matching value:
// case-insensitively unless the rule's match is case-sensitive. field and
// kind narrow it when not empty (field case-insensitively, kind as
// catalog.MatchKind counts it: in is eq, has_any and has_all are has). The
// rules come by id, each once.
func (d *DB) Indicator(ctx context.Context, field, kind, value string) ([]IndicatorHit, error) {
	if _, err := d.indicatorIndex(ctx); err != nil {
		return nil, err
	}
	mk := catalog.MatchKind(kind)
	var ns []int64
	byN := map[int64]IndicatorHit{}
	for _, u := range d.indUses[catalog.Fold(value)] {
		if kind != "" && u.matchKind != mk || field != "" && !strings.EqualFold(u.field, field) ||
			u.caseSensitive && u.value != value {
			continue
		}
		if _, seen := byN[u.rule]; seen {
			continue
		}
		byN[u.rule] = IndicatorHit{Field: u.field, Value: u.value, Kind: u.kind, CaseSensitive: u.caseSensitive, All: u.allOfThem}
		ns = append(ns, u.rule)
	}
	sums, err := d.summaryMap(ctx, ns)
	if err != nil {
		return nil, err
	}
	out := make([]IndicatorHit, 0, len(sums))
	for n, s := range sums {
		h := byN[n]
		h.RuleSummary = s
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// EachRule calls f with every rule of the catalog, by id, until f returns
// an error or ctx is done.
func (d *DB) EachRule(ctx context.Context, f func(*rule.Rule) error) error {
	return d.EachRuleShown(ctx, 0, func(r *rule.Rule, _ LinkTotals) error { return f(r) })
}

// AllRules returns every rule of the catalog, by id, whole: what a test
// compares with (at N = 15 forks of the corpus they take 6 GB; EachRule
// and EachHead read them one at a time).
func (d *DB) AllRules(ctx context.Context) ([]*rule.Rule, error) {
	var out []*rule.Rule
	err := d.EachRule(ctx, func(r *rule.Rule) error {
		out = append(out, r)
		return nil
	})
	return out, err
}

// Stats is an overview of the catalog.
type Stats struct {
	Rules       int            `json:"rules"`
	Files       int            `json:"files"`
	ByPlatform  map[string]int `json:"by_platform"`
	ByLanguage  map[string]int `json:"by_language"`
	ByKind      map[string]int `json:"by_kind"`
	ByRepo      map[string]int `json:"by_repo"`
	Tables      int            `json:"tables"`      // distinct tables and log sources
	Techniques  int            `json:"techniques"`  // distinct techniques stated
	Events      int            `json:"events"`      // distinct events looked at
	Indicators  int            `json:"indicators"`  // distinct (field, kind, value) indicators
	WithErrors  int            `json:"with_errors"` // rules with an error diagnostic
	Diagnostics int            `json:"diagnostics"` // diagnostics of every severity, of rules and files
	LastBuild   BuildInfo      `json:"last_build"`
}

// BuildInfo is the record of one build.
type BuildInfo struct {
	Time     time.Time `json:"time"`
	Duration int64     `json:"duration_ms"`
	Sources  []Source  `json:"sources"`
	Summary  Summary   `json:"summary"`
}

// Stats returns counts per platform, kind and repository, and the last
// build. It reads no index it would have to load (the facet and indicator
// indexes, which took 14 s of CPU at 164,000 rules before a server could
// listen): the rules' columns in one pass, the distinct tables, events
// and indicators counted by SQLite from the tables' own indexes.
// TestStatsCheap checks it against the indexes.
func (d *DB) Stats(ctx context.Context) (Stats, error) {
	s := Stats{ByPlatform: map[string]int{}, ByLanguage: map[string]int{}, ByKind: map[string]int{}, ByRepo: map[string]int{}}
	rows, err := d.db.QueryContext(ctx, `SELECT platform, language, kind, repo, diag_errors > 0, techniques FROM rules`)
	if err != nil {
		return s, err
	}
	techs := map[string]bool{}
	for rows.Next() {
		var platform, language, kind, repo, ts string
		var withErrors bool
		if err := rows.Scan(&platform, &language, &kind, &repo, &withErrors, &ts); err != nil {
			rows.Close()
			return s, err
		}
		s.Rules++
		s.ByPlatform[platform]++
		s.ByLanguage[language]++
		s.ByKind[kind]++
		s.ByRepo[repo]++
		if withErrors {
			s.WithErrors++
		}
		// Techniques stated (the technique facet also holds the parents
		// of sub-techniques, which a rule may not state).
		for t := range strings.FieldsSeq(ts) {
			techs[strings.ToUpper(t)] = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return s, err
	}
	s.Techniques = len(techs)
	if err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM files`).Scan(&s.Files); err != nil {
		return s, err
	}
	if s.Tables, s.Events, err = d.distinctTablesEvents(ctx); err != nil {
		return s, err
	}
	if s.Indicators, err = d.distinctIndicators(ctx); err != nil {
		return s, err
	}
	s.LastBuild, err = d.LastBuild(ctx)
	for _, n := range s.LastBuild.Summary.Diagnostics {
		s.Diagnostics += n
	}
	return s, err
}

// distinctTablesEvents returns the number of distinct values of the table
// and event facets, values the same but for case counted once, as the
// facet index counts them, from the facets table's primary key (facet,
// value), a row a value as spelled.
func (d *DB) distinctTablesEvents(ctx context.Context) (tables, events int, err error) {
	err = d.db.QueryRowContext(ctx, `SELECT (SELECT count(DISTINCT value COLLATE NOCASE) FROM facets WHERE facet = ?),
		(SELECT count(DISTINCT value COLLATE NOCASE) FROM facets WHERE facet = ?)`, FacetTable, FacetEvent).Scan(&tables, &events)
	return tables, events, err
}

// distinctIndicators returns the number of distinct indicators (field
// ignoring case, the kind they are compared as, the folded value), as the
// indicator index groups them, from the index indicators_value (folded,
// match_kind, field COLLATE NOCASE).
func (d *DB) distinctIndicators(ctx context.Context) (int, error) {
	var n int
	err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM indicators GROUP BY folded, match_kind, field COLLATE NOCASE)`).Scan(&n)
	return n, err
}

// LastBuild returns the record of the catalog's last build (zero when it
// has none): a row of the builds table.
func (d *DB) LastBuild(ctx context.Context) (BuildInfo, error) {
	var b BuildInfo
	var t, src, sum string
	err := d.db.QueryRowContext(ctx, `SELECT time, duration_ms, sources, summary FROM builds ORDER BY n DESC LIMIT 1`).Scan(&t, &b.Duration, &src, &sum)
	if errors.Is(err, sql.ErrNoRows) {
		return b, nil
	}
	if err != nil {
		return b, err
	}
	b.Time, _ = time.Parse(time.RFC3339, t)
	json.Unmarshal([]byte(src), &b.Sources)
	json.Unmarshal([]byte(sum), &b.Summary)
	return b, nil
}
