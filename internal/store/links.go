package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ruledex/ruledex/internal/catalog"
	"github.com/ruledex/ruledex/internal/parallel"
	"github.com/ruledex/ruledex/internal/rule"
)

// A rule's links to other rules (rule.Rule's SameAction, NearDuplicates and
// SameBehaviour) are not in its body but in the links table: one row a
// rule, the other rules named by their row (rules.n), each with what the
// link says of them (the actions they share, the canonical indicators and
// score of the same behaviour), in the catalog's order. A reader fills the
// lists from the linked rules' rows (id, platform, title, path), so a
// rule's body no longer holds what every rule of the same action says of
// itself: with N forks of a corpus that list grew N times and the bodies
// N² times (7.5 kB a rule at N = 1, 13.5 kB at N = 5). One row a rule, not
// one a link: a link a row was ten million rows at N = 15.
//
// The form: linksVersion; the distinct strings of the links (labels and
// shared indicators), each once; the same-action links (row, labels as
// indices into the strings); the near-duplicates (rows); the same-behaviour
// links (row, score, shared indicators as indices). Numbers are varints
// (the codec's encoder).

// linksVersion is the first byte of every encoded list of links.
const linksVersion = 1

// encodeLinks returns a rule's links, encoded, or nil when it has none:
// its same-action links, its near-duplicates and its same-behaviour
// links, the linked rules by their index in the build.
func encodeLinks(sameAction []catalog.SameActionLink, nearDups []int32, sameBehaviour []catalog.BehaviourLink) []byte {
	if len(sameAction) == 0 && len(nearDups) == 0 && len(sameBehaviour) == 0 {
		return nil
	}
	// Made in memory kept from one rule to the next and copied out at its
	// length: grown slices were a tenth of a one-file rebuild's CPU at
	// 164,000 rules, and the encodings kept up to twice their length.
	sc := linkScratches.Get().(*linkScratch)
	defer linkScratches.Put(sc)
	sc.strs, sc.labels = sc.strs[:0], sc.labels[:0]
	clear(sc.idx)
	long := false // strs is looked for in idx once it is long; until then in itself (a rule has a few labels, most links repeat them)
	intern := func(s string) int {
		if !long {
			for i, x := range sc.strs {
				if x == s {
					return i
				}
			}
			if len(sc.strs) < 16 {
				sc.strs = append(sc.strs, s)
				return len(sc.strs) - 1
			}
			long = true
			for i, x := range sc.strs {
				sc.idx[x] = i
			}
		}
		if i, ok := sc.idx[s]; ok {
			return i
		}
		sc.idx[s] = len(sc.strs)
		sc.strs = append(sc.strs, s)
		return len(sc.strs) - 1
	}
	// The labels of every link in one list (a link's are labels[from:to]):
	// at 164,000 rules a rule links to thousands, and a list a link was
	// an allocation a link.
	sa := sc.refs[:0]
	for _, x := range sameAction {
		f := linkRef{n: int64(x.Other), from: int32(len(sc.labels))}
		for _, a := range x.Actions {
			sc.labels = append(sc.labels, intern(a))
		}
		f.to = int32(len(sc.labels))
		sa = append(sa, f)
	}
	nsa := len(sa)
	for _, o := range nearDups {
		sa = append(sa, linkRef{n: int64(o)})
	}
	nnd := len(sa) - nsa
	for _, x := range sameBehaviour {
		f := linkRef{n: int64(x.Other), score: x.Score, from: int32(len(sc.labels))}
		for _, s := range x.Shared {
			sc.labels = append(sc.labels, intern(s))
		}
		f.to = int32(len(sc.labels))
		sa = append(sa, f)
	}
	sc.refs = sa
	e := encoder{b: append(sc.buf[:0], linksVersion)}
	e.strs(sc.strs)
	put := func(refs []linkRef, score, withLabels bool) {
		e.len(len(refs))
		for _, f := range refs {
			e.uint(uint64(f.n))
			if score {
				e.int(f.score)
			}
			if withLabels {
				e.len(int(f.to - f.from))
				for _, i := range sc.labels[f.from:f.to] {
					e.len(i)
				}
			}
		}
	}
	put(sa[:nsa], false, true)
	put(sa[nsa:nsa+nnd], false, false)
	put(sa[nsa+nnd:], true, true)
	sc.buf = e.b
	return bytes.Clone(e.b)
}

// linkRef is one link as encodeLinks writes it: the other rule, the score
// of a same-behaviour link, and its labels (from:to in the rule's list).
type linkRef struct {
	n        int64
	score    int
	from, to int32
}

// linkScratch is encodeLinks's memory, kept from one rule to the next.
type linkScratch struct {
	strs   []string
	idx    map[string]int
	labels []int
	refs   []linkRef
	buf    []byte
}

var linkScratches = sync.Pool{New: func() any { return &linkScratch{idx: map[string]int{}} }}

// encodeRuleLinks is encodeLinks of a rule whole, its links named by id (a
// link to a rule atOf does not know is left out).
func encodeRuleLinks(r *rule.Rule, atOf func(id string) (int64, bool)) []byte {
	var sa []catalog.SameActionLink
	for _, x := range r.SameAction {
		if n, ok := atOf(x.ID); ok {
			sa = append(sa, catalog.SameActionLink{Other: int32(n), Actions: x.Actions})
		}
	}
	var nd []int32
	for _, x := range r.NearDuplicates {
		if n, ok := atOf(x.ID); ok {
			nd = append(nd, int32(n))
		}
	}
	var sb []catalog.BehaviourLink
	for _, x := range r.SameBehaviour {
		if n, ok := atOf(x.ID); ok {
			sb = append(sb, catalog.BehaviourLink{Other: int32(n), Score: x.Score, Shared: x.Shared})
		}
	}
	return encodeLinks(sa, nd, sb)
}

// link is one decoded link: the other rule's row, the score of a
// same-behaviour link, and what the two share.
type link struct {
	n      int64
	score  int
	shared []string
}

// decodeLinks decodes encodeLinks's form: the same-action links, the
// near-duplicates and the same-behaviour links, each in order.
func decodeLinks(s string) (sa, nd, sb []link, err error) {
	if s == "" {
		return nil, nil, nil, nil
	}
	if s[0] != linksVersion {
		return nil, nil, nil, fmt.Errorf("%w: links not of version %d", errCorrupt, linksVersion)
	}
	d := decoder{s: s, p: 1}
	strs := d.strs()
	get := func(score, labels bool) []link {
		n := d.len(1)
		if n == 0 {
			return nil
		}
		out := make([]link, n)
		for i := range out {
			l := &out[i]
			l.n = int64(d.uint())
			if score {
				l.score = d.int()
			}
			if labels {
				if m := d.len(1); m > 0 {
					l.shared = make([]string, m)
					for j := range l.shared {
						k := d.uint()
						if k >= uint64(len(strs)) {
							d.fail("string index out of range")
							return nil
						}
						l.shared[j] = strs[k]
					}
				}
			}
		}
		return out
	}
	sa = get(false, true)
	nd = get(false, false)
	sb = get(true, true)
	if d.err == nil && d.p != len(s) {
		d.fail("bytes left over")
	}
	if d.err != nil {
		return nil, nil, nil, d.err
	}
	return sa, nd, sb, nil
}

// LinkTotals are the whole lengths of a rule's lists of links (a rule read
// with its lists cut says here how long they are).
type LinkTotals struct {
	SameAction, NearDuplicates, SameBehaviour int
}

// Links are a window of each of a rule's lists of links, and their whole
// lengths.
type Links struct {
	SameAction, NearDuplicates []rule.RuleRef
	SameBehaviour              []rule.BehaviourRef
	Totals                     LinkTotals
}

// readLinks decodes enc (encodeLinks's form) and names the linked rules of
// each list from offset on, limit of them at most (limit <= 0: to its end)
// (linkNames). A link to a row that is gone is left out, and not counted
// in the lists' lengths.
func (d *DB) readLinks(ctx context.Context, enc string, offset, limit int) (Links, error) {
	var out Links
	sa, nd, sb, err := decodeLinks(enc)
	if err != nil || len(sa)+len(nd)+len(sb) == 0 {
		return out, err
	}
	names, err := d.linkNames(ctx)
	if err != nil {
		return out, err
	}
	sa, nd, sb = names.present(sa), names.present(nd), names.present(sb)
	out.Totals = LinkTotals{len(sa), len(nd), len(sb)}
	window := func(ls []link) []link {
		ls = ls[min(max(offset, 0), len(ls)):]
		if limit > 0 && len(ls) > limit {
			ls = ls[:limit]
		}
		return ls
	}
	sa, nd, sb = window(sa), window(nd), window(sb)
	for _, l := range sa {
		s, _ := names.of(l.n)
		out.SameAction = append(out.SameAction, rule.RuleRef{ID: s.id, Platform: s.platform, Title: s.title, Path: s.path, Actions: l.shared})
	}
	for _, l := range nd {
		s, _ := names.of(l.n)
		out.NearDuplicates = append(out.NearDuplicates, rule.RuleRef{ID: s.id, Platform: s.platform, Title: s.title, Path: s.path})
	}
	for _, l := range sb {
		s, _ := names.of(l.n)
		out.SameBehaviour = append(out.SameBehaviour, rule.BehaviourRef{ID: s.id, Platform: s.platform, Title: s.title, Path: s.path,
			Score: l.score, Shared: l.shared})
	}
	return out, nil
}

// fillLinks sets r's SameAction, NearDuplicates and SameBehaviour from its
// encoded links, each list cut to its first k (k <= 0: whole), and returns
// the lists' whole lengths.
func (d *DB) fillLinks(ctx context.Context, r *rule.Rule, enc string, k int) (LinkTotals, error) {
	ls, err := d.readLinks(ctx, enc, 0, k)
	r.SameAction, r.NearDuplicates, r.SameBehaviour = ls.SameAction, ls.NearDuplicates, ls.SameBehaviour
	return ls.Totals, err
}

// ruleAndLinks reads the body and the encoded links of the rule with this
// id (compared case-insensitively), in one statement.
func (d *DB) ruleAndLinks(ctx context.Context, id string) (body, links string, err error) {
	st, err := d.prepared(`SELECT r.body, coalesce(l.data, '') FROM rules r LEFT JOIN links l ON l.rule = r.n WHERE r.id = ?`)
	if err != nil {
		return "", "", err
	}
	err = st.QueryRowContext(ctx, id).Scan(&body, &links)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", fmt.Errorf("%s: %w", id, ErrNotFound)
	}
	return body, links, err
}

// RuleShown is Rule with each list of links (same action, near-duplicates,
// same behaviour) cut to its first k, naming only the rules it keeps (k <=
// 0: whole, as Rule), and the lists' whole lengths: what a page that shows
// the first k of each list reads, however long the lists grow (with N
// forks of a corpus they are N times longer). RuleLinks reads the rest.
func (d *DB) RuleShown(ctx context.Context, id string, k int) (*rule.Rule, LinkTotals, error) {
	r, tot, _, err := d.RuleShownTokens(ctx, id, k)
	return r, tot, err
}

// RuleShownTokens is RuleShown with the tokens of the rule's query its
// body carries ("" when it carries none: see withTokens), which share its
// memory.
func (d *DB) RuleShownTokens(ctx context.Context, id string, k int) (*rule.Rule, LinkTotals, BodyTokens, error) {
	body, links, err := d.ruleAndLinks(ctx, id)
	if err != nil {
		return nil, LinkTotals{}, "", err
	}
	r, err := decodeRule(body)
	if err != nil {
		return nil, LinkTotals{}, "", fmt.Errorf("%s: %w", id, err)
	}
	tot, err := d.fillLinks(ctx, r, links, k)
	if err != nil {
		return nil, LinkTotals{}, "", fmt.Errorf("%s: %w", id, err)
	}
	r.Normalize()
	return r, tot, bodyTokensOf(body), nil
}

// EachRuleShown calls f with every rule of the catalog, by id, read as
// RuleShown reads it (its lists of links cut to their first k; k <= 0:
// whole), in one statement.
func (d *DB) EachRuleShown(ctx context.Context, k int, f func(*rule.Rule, LinkTotals) error) error {
	return d.EachRuleShownTokens(ctx, k, func(r *rule.Rule, tot LinkTotals, _ BodyTokens) error { return f(r, tot) })
}

// EachRuleShownTokens is EachRuleShown with the tokens each rule's body
// carries (RuleShownTokens).
func (d *DB) EachRuleShownTokens(ctx context.Context, k int, f func(*rule.Rule, LinkTotals, BodyTokens) error) error {
	rows, err := d.db.QueryContext(ctx, `SELECT r.id, r.body, coalesce(l.data, '') FROM rules r LEFT JOIN links l ON l.rule = r.n ORDER BY r.id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, body, links string
		if err := rows.Scan(&id, &body, &links); err != nil {
			return err
		}
		r, err := decodeRule(body)
		var tot LinkTotals
		if err == nil {
			tot, err = d.fillLinks(ctx, r, links, k)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", id, err)
		}
		r.Normalize()
		if err := f(r, tot, bodyTokensOf(body)); err != nil {
			return err
		}
	}
	return rows.Err()
}

// RuleLinks returns the links of the rule with this id, each list from
// offset on, limit at most (limit <= 0: to its end), and the lists' whole
// lengths: the pages of a rule's long lists.
func (d *DB) RuleLinks(ctx context.Context, id string, offset, limit int) (Links, error) {
	st, err := d.prepared(`SELECT coalesce(l.data, '') FROM rules r LEFT JOIN links l ON l.rule = r.n WHERE r.id = ?`)
	if err != nil {
		return Links{}, err
	}
	var enc string
	err = st.QueryRowContext(ctx, id).Scan(&enc)
	if errors.Is(err, sql.ErrNoRows) {
		return Links{}, fmt.Errorf("%s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Links{}, err
	}
	ls, err := d.readLinks(ctx, enc, offset, limit)
	if err != nil {
		return Links{}, fmt.Errorf("%s: %w", id, err)
	}
	return ls, nil
}

// remapLinks returns enc with the row of every linked rule replaced by
// row(it).
func remapLinks(enc []byte, row func(int64) int64) ([]byte, error) {
	return remapLinksND(enc, row, nil)
}

// remapLinksND is remapLinks that also gives nd each near-duplicate's new
// row, in order, when nd is not nil.
func remapLinksND(enc []byte, row func(int64) int64, nd func(int64)) ([]byte, error) {
	s := string(enc)
	if s == "" || s[0] != linksVersion {
		return nil, fmt.Errorf("%w: links not of version %d", errCorrupt, linksVersion)
	}
	d := decoder{s: s, p: 1}
	e := encoder{b: make([]byte, 0, len(enc)+8)}
	e.b = append(e.b, linksVersion)
	e.strs(d.strs())
	for li, list := range []struct{ score, labels bool }{{false, true}, {false, false}, {true, true}} {
		n := d.len(1)
		e.len(n)
		for range n {
			r := row(int64(d.uint()))
			if li == 1 && nd != nil { // the near-duplicates
				nd(r)
			}
			e.uint(uint64(r))
			if list.score {
				e.int(d.int())
			}
			if list.labels {
				m := d.len(1)
				e.len(m)
				for range m {
					e.uint(d.uint())
				}
			}
		}
	}
	if d.err == nil && d.p != len(s) {
		d.fail("bytes left over")
	}
	return e.b, d.err
}

// LinkEncoder encodes the links of every rule of a build as the
// cross-reference makes them (catalog.CrossReferencePrepared's emit is its
// Encode), naming the linked rules by their place in the rules: with N
// forks of a corpus each same-action list is N times longer, nearly every
// rule has its twenty same-behaviour links and its forks as
// near-duplicates, and the lists were most of what a build held. It keeps
// each rule's near-duplicates by number (NearDuplicates names them), for
// the near-duplicate check as each rule is written. Write.Links takes it:
// Write.Files must hold the same rules in the same order.
type LinkEncoder struct {
	at    map[string]int32 // a rule's place by its id
	names []rule.RuleRef   // of each rule that is another's near-duplicate, what names it
	nd    [][]int32
	n     int       // how many rules
	out   [][]byte  // the encodings, when they are not kept in keep (nil then)
	keep  LinkStore // where Encode puts them, if not nil (Keep)
}

// A LinkStore keeps the encoded links of a build's rules out of memory
// (the build's spill): Put is given rule i's links once, from any core,
// Get returns them, once every Put is done. At 164,000 rules (N = 15)
// the encodings were 110 MB of what a build held from its
// cross-reference to the end of its writing.
type LinkStore interface {
	Put(i int, enc []byte)
	Get(i int) ([]byte, error)
}

// Keep makes Encode put each rule's links in s rather than keep them
// in memory. Call it before Encode.
func (e *LinkEncoder) Keep(s LinkStore) { e.keep, e.out = s, nil }

// NewLinkEncoder returns an encoder of the links of rules, whose ids are
// final.
func NewLinkEncoder(rules []*rule.Rule) *LinkEncoder {
	e := &LinkEncoder{at: make(map[string]int32, len(rules)), names: make([]rule.RuleRef, len(rules)),
		nd: make([][]int32, len(rules)), n: len(rules), out: make([][]byte, len(rules))}
	for k, r := range rules {
		e.at[r.ID] = int32(k)
		e.names[k] = rule.RuleRef{ID: r.ID, Platform: r.Platform, Title: r.Title, Path: r.Source.Path}
	}
	return e
}

// Encode encodes the links of rule i, l. It may be called for different
// rules at once.
func (e *LinkEncoder) Encode(i int, l catalog.Links) {
	enc := encodeLinks(l.SameAction, l.NearDuplicates, l.SameBehaviour)
	if e.keep != nil {
		e.keep.Put(i, enc)
	} else {
		e.out[i] = enc
	}
	e.nd[i] = l.NearDuplicates
}

// HasNearDuplicates tells whether the rule of that id has near-duplicates.
func (e *LinkEncoder) HasNearDuplicates(id string) bool {
	i, ok := e.at[id]
	return ok && len(e.nd[i]) > 0
}

// NearDuplicates returns the near-duplicates of the rule of that id, as its
// NearDuplicates (nil when it has none).
func (e *LinkEncoder) NearDuplicates(id string) []rule.RuleRef {
	i, ok := e.at[id]
	if !ok || len(e.nd[i]) == 0 {
		return nil
	}
	refs := make([]rule.RuleRef, len(e.nd[i]))
	for n, o := range e.nd[i] {
		refs[n] = e.names[o]
	}
	return refs
}

// Len returns how many rules' links e encodes.
func (e *LinkEncoder) Len() int { return e.n }

// take returns the encoded links of rule i (nil when it has none), once:
// in memory, e lets them go.
func (e *LinkEncoder) take(i int) ([]byte, error) {
	if e.keep != nil {
		return e.keep.Get(i)
	}
	enc := e.out[i]
	e.out[i] = nil
	return enc, nil
}

// LinksAsBuilt returns an encoder holding the links of rules as the last
// catalog holds them (each rule's links there, the linked rules named by
// their place among rules, as Encode names them), for a build whose
// cross-reference would make them again (Write.AsBuilt); false when a rule,
// or a rule one links to, is not among rules as the last catalog holds it.
// Call it after WaitRules.
func (p *Previous) LinksAsBuilt(rules []*rule.Rule) (*LinkEncoder, bool) {
	if p == nil {
		return nil, false
	}
	e := NewLinkEncoder(rules)
	prs := make([]*prevRule, len(rules))
	at := make(map[int64]int64, len(rules)) // the last catalog's row → place
	for k, r := range rules {
		pr := p.rules[strings.ToLower(r.ID)]
		if pr == nil || pr.id != r.ID {
			return nil, false
		}
		prs[k], at[pr.n] = pr, int64(k)
	}
	var bad atomic.Bool
	parallel.Do(len(rules), func(k int) {
		if prs[k].links == "" {
			return
		}
		found := true
		var nd []int32
		enc, err := remapLinksND([]byte(prs[k].links), func(n int64) int64 {
			i, in := at[n]
			found = found && in
			return i
		}, func(i int64) { nd = append(nd, int32(i)) })
		if err != nil || !found {
			bad.Store(true)
			return
		}
		e.out[k], e.nd[k] = enc, nd
	})
	if bad.Load() {
		return nil, false
	}
	return e, true
}

// linkNames are what a link says of every rule of the catalog (its id,
// platform, title and path), by row, read once in one statement when a
// reader first names a linked rule: a rule page names up to 90 rules, and
// reading their rows then cost it a third of its time. Their text is one
// string (the catalog's 164,000 rules at N = 15: 31 MB), each name a part
// of it.
type linkNames struct {
	byN   []int32         // row → index in names + 1 (0: none), when the rows are dense
	index map[int64]int32 // else row → index in names
	names []linkName
}

type linkName struct{ id, platform, title, path string }

func (ln *linkNames) of(n int64) (linkName, bool) {
	if ln.byN != nil {
		if n < 0 || n >= int64(len(ln.byN)) || ln.byN[n] == 0 {
			return linkName{}, false
		}
		return ln.names[ln.byN[n]-1], true
	}
	i, ok := ln.index[n]
	if !ok {
		return linkName{}, false
	}
	return ln.names[i], true
}

// present returns the links of ls whose rule has a row, in place.
func (ln *linkNames) present(ls []link) []link {
	out := ls[:0]
	for _, l := range ls {
		if _, ok := ln.of(l.n); ok {
			out = append(out, l)
		}
	}
	return out
}

// linkNames returns the names of the catalog's rules, read on first use.
// A load that fails (the asker's deadline, a busy disk) is not kept: the
// next reader tries again.
func (d *DB) linkNames(ctx context.Context) (*linkNames, error) {
	if ln := d.names.Load(); ln != nil {
		return ln, nil
	}
	d.namesMu.Lock()
	defer d.namesMu.Unlock()
	if ln := d.names.Load(); ln != nil {
		return ln, nil
	}
	// Read whole whatever the first asker's deadline: every reader after
	// it uses them.
	ln, err := loadNames(d, context.WithoutCancel(ctx))
	if err != nil {
		return nil, err
	}
	d.names.Store(ln)
	return ln, nil
}

// loadNames is loadLinkNames; tests replace it to make it fail.
var loadNames = (*DB).loadLinkNames

// loadLinkNames reads the names from two covering indexes (title and id;
// repository and path), not from the rules' rows: a scan of those reads
// their bodies' pages too (3 GB at N = 15, 3.6 s of processor; the indexes
// take a tenth). The platform is the id's first segment (a rule's id is
// platform/slug).
func (d *DB) loadLinkNames(ctx context.Context) (*linkNames, error) {
	var count, maxN int64
	if err := d.db.QueryRowContext(ctx, `SELECT count(*), coalesce(max(n), 0) FROM rules`).Scan(&count, &maxN); err != nil {
		return nil, err
	}
	ln := &linkNames{names: make([]linkName, 0, count)}
	dense := maxN < 2*count+1024
	if dense {
		ln.byN = make([]int32, maxN+1)
	} else {
		ln.index = make(map[int64]int32, count)
	}
	at := func(n int64) (int32, bool) {
		if dense {
			if n < 0 || n > maxN || ln.byN[n] == 0 {
				return 0, false
			}
			return ln.byN[n] - 1, true
		}
		i, ok := ln.index[n]
		return i, ok
	}
	// The text of every name in one string, each name a part of it.
	type spans struct{ id, title, path [2]int }
	var text strings.Builder
	text.Grow(int(count) * 200) // the corpus's id, title and path: 190 bytes a rule
	sp := make([]spans, 0, count)
	put := func(s string) [2]int {
		from := text.Len()
		text.WriteString(s)
		return [2]int{from, text.Len()}
	}
	rows, err := d.db.QueryContext(ctx, `SELECT n, id, title FROM rules INDEXED BY rules_title`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var n int64
		var id, title string
		if err := rows.Scan(&n, &id, &title); err != nil {
			rows.Close()
			return nil, err
		}
		i := int32(len(sp))
		if dense {
			if n < 0 || n > maxN {
				continue
			}
			ln.byN[n] = i + 1
		} else {
			ln.index[n] = i
		}
		sp = append(sp, spans{id: put(id), title: put(title)})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = d.db.QueryContext(ctx, `SELECT n, path FROM rules INDEXED BY rules_file`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var n int64
		var path string
		if err := rows.Scan(&n, &path); err != nil {
			rows.Close()
			return nil, err
		}
		if i, ok := at(n); ok {
			sp[i].path = put(path)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	all := text.String()
	part := func(a [2]int) string { return all[a[0]:a[1]] }
	platforms := map[string]string{}
	for _, x := range sp {
		id := part(x.id)
		p, _, _ := strings.Cut(id, "/")
		if q, ok := platforms[p]; ok {
			p = q
		} else {
			p = strings.Clone(p)
			platforms[p] = p
		}
		ln.names = append(ln.names, linkName{id: id, platform: p, title: part(x.title), path: part(x.path)})
	}
	return ln, nil
}
