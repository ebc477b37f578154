package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

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

// encodeLinks returns the links of r, encoded, or nil when r has none.
// rowOf gives the row of a rule by its id; a link to a rule that has none
// is left out.
func encodeLinks(r *rule.Rule, rowOf func(id string) (int64, bool)) []byte {
	if len(r.SameAction) == 0 && len(r.NearDuplicates) == 0 && len(r.SameBehaviour) == 0 {
		return nil
	}
	var strs []string
	idx := map[string]int{}
	intern := func(s string) int {
		if i, ok := idx[s]; ok {
			return i
		}
		idx[s] = len(strs)
		strs = append(strs, s)
		return len(strs) - 1
	}
	type ref struct {
		n     int64
		score int
		strs  []int
	}
	var sa, nd, sb []ref
	for _, x := range r.SameAction {
		if n, ok := rowOf(x.ID); ok {
			f := ref{n: n, strs: make([]int, len(x.Actions))}
			for i, a := range x.Actions {
				f.strs[i] = intern(a)
			}
			sa = append(sa, f)
		}
	}
	for _, x := range r.NearDuplicates {
		if n, ok := rowOf(x.ID); ok {
			nd = append(nd, ref{n: n})
		}
	}
	for _, x := range r.SameBehaviour {
		if n, ok := rowOf(x.ID); ok {
			f := ref{n: n, score: x.Score, strs: make([]int, len(x.Shared))}
			for i, s := range x.Shared {
				f.strs[i] = intern(s)
			}
			sb = append(sb, f)
		}
	}
	if len(sa) == 0 && len(nd) == 0 && len(sb) == 0 {
		return nil
	}
	e := encoder{b: []byte{linksVersion}}
	e.strs(strs)
	put := func(refs []ref, score, labels bool) {
		e.len(len(refs))
		for _, f := range refs {
			e.uint(uint64(f.n))
			if score {
				e.int(f.score)
			}
			if labels {
				e.len(len(f.strs))
				for _, i := range f.strs {
					e.len(i)
				}
			}
		}
	}
	put(sa, false, true)
	put(nd, false, false)
	put(sb, true, true)
	return e.b
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

// fillLinks sets r's SameAction, NearDuplicates and SameBehaviour from its
// encoded links, naming each linked rule from its row (its summary). A
// link to a row that is gone is left out.
func (d *DB) fillLinks(ctx context.Context, r *rule.Rule, enc string) error {
	sa, nd, sb, err := decodeLinks(enc)
	if err != nil {
		return err
	}
	r.SameAction, r.NearDuplicates, r.SameBehaviour = nil, nil, nil
	if len(sa)+len(nd)+len(sb) == 0 {
		return nil
	}
	ns := make([]int64, 0, len(sa)+len(nd)+len(sb))
	for _, ls := range [][]link{sa, nd, sb} {
		for _, l := range ls {
			ns = append(ns, l.n)
		}
	}
	sums, err := d.summaryMap(ctx, ns)
	if err != nil {
		return err
	}
	for _, l := range sa {
		if s, ok := sums[l.n]; ok {
			r.SameAction = append(r.SameAction, rule.RuleRef{ID: s.ID, Platform: s.Platform, Title: s.Title, Path: s.Path, Actions: l.shared})
		}
	}
	for _, l := range nd {
		if s, ok := sums[l.n]; ok {
			r.NearDuplicates = append(r.NearDuplicates, rule.RuleRef{ID: s.ID, Platform: s.Platform, Title: s.Title, Path: s.Path})
		}
	}
	for _, l := range sb {
		if s, ok := sums[l.n]; ok {
			r.SameBehaviour = append(r.SameBehaviour, rule.BehaviourRef{ID: s.ID, Platform: s.Platform, Title: s.Title, Path: s.Path,
				Score: l.score, Shared: l.shared})
		}
	}
	return nil
}

// linksOf returns the encoded links of rule n ("" when it has none).
func (d *DB) linksOf(ctx context.Context, n int64) (string, error) {
	st, err := d.prepared(`SELECT data FROM links WHERE rule = ?`)
	if err != nil {
		return "", err
	}
	var enc string
	if err := st.QueryRowContext(ctx, n).Scan(&enc); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	return enc, nil
}

// remapLinks returns enc with the row of every linked rule replaced by
// row(it).
func remapLinks(enc []byte, row func(int64) int64) ([]byte, error) {
	s := string(enc)
	if s == "" || s[0] != linksVersion {
		return nil, fmt.Errorf("%w: links not of version %d", errCorrupt, linksVersion)
	}
	d := decoder{s: s, p: 1}
	e := encoder{b: make([]byte, 0, len(enc)+8)}
	e.b = append(e.b, linksVersion)
	e.strs(d.strs())
	for _, list := range []struct{ score, labels bool }{{false, true}, {false, false}, {true, true}} {
		n := d.len(1)
		e.len(n)
		for range n {
			e.uint(uint64(row(int64(d.uint()))))
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

// EncodeLinks encodes the links of every rule of a build (encodeLinks),
// naming the linked rules by their place in rules, and lets go of their
// same-action and same-behaviour lists, which are most of what the
// cross-references hold in memory (with N forks of a corpus each list is N
// times longer; the near-duplicates stay, for lint). Write.Links takes
// them: Write.Files must hold the same rules in the same order.
func EncodeLinks(rules []*rule.Rule) [][]byte {
	at := make(map[string]int64, len(rules))
	for k, r := range rules {
		at[r.ID] = int64(k)
	}
	atOf := func(id string) (int64, bool) {
		k, ok := at[id]
		return k, ok
	}
	out := make([][]byte, len(rules))
	parallel.Do(len(rules), func(k int) {
		r := rules[k]
		out[k] = encodeLinks(r, atOf)
		r.SameAction, r.SameBehaviour = nil, nil
	})
	return out
}
