package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// The facets table holds a row for each facet value as spelled, with the
// rows of its rules in one list (migration 13): their numbers, ascending,
// comma-separated. Values the same but for ASCII case are one facet value
// (SQLite's NOCASE; foldNoCase), spelled as their first rule spells them.
//
// A writer gathers the rules given each value (facetRules) and the rules
// whose facets it drops, and writes the lists that change once, at the end
// of its transaction (writeFacets).

// facetKey is a row of the facets table: a facet and a value as spelled.
type facetKey struct{ facet, value string }

// Which of a rule's facets a write drops: those of the rule (facetsOf's:
// its row written again or deleted), those of its findings (FacetFinding:
// its findings written again), or both.
const (
	dropRuleFacets uint8 = 1 << iota
	dropFindingFacets
)

// dropScope returns which drop takes the rows of facet.
func dropScope(facet string) uint8 {
	if facet == FacetFinding {
		return dropFindingFacets
	}
	return dropRuleFacets
}

// facetRules is what a writer changes of the facets table.
type facetRules struct {
	// added: the rules given each value in this write, in the order
	// given (ascending but for a rule given a value twice: a check that
	// found two things). By pointer: a map's string key is replaced by
	// the one a value is stored with (Go's maps keep the last key given),
	// and the key kept must be the copy made when it came.
	added map[facetKey]*[]int32
	// dropped: rules whose facets of a scope were the catalog's before
	// this write and are not now (each written again, or deleted, before
	// it is given its facets again).
	dropped map[int64]uint8
	// had: the facet values a dropped rule had, when the write knows them
	// (knownFacets): the lists that may hold it. A write that knows them
	// for every rule it drops reads those lists alone, not every list.
	had map[int64][]facetKey
}

// addFacet gives rule n the facet value (facet, value).
func (w *writer) addFacet(facet, value string, n int64) error {
	if n < 0 || n > math.MaxInt32 {
		return fmt.Errorf("facets: rule row %d", n)
	}
	if w.facetRules.added == nil {
		w.facetRules.added = map[facetKey]*[]int32{}
	}
	ns := w.facetRules.added[facetKey{facet, value}]
	if ns == nil {
		// The map outlives the rule: its value may be part of a larger
		// string of the rule's (a rule decoded from the spill), all of
		// which the key would keep.
		ns = new([]int32)
		w.facetRules.added[facetKey{strings.Clone(facet), strings.Clone(value)}] = ns
	}
	*ns = append(*ns, int32(n))
	return nil
}

// dropFacets drops the facets of rule n of scope (dropRuleFacets,
// dropFindingFacets) that the catalog held before this write.
func (w *writer) dropFacets(n int64, scope uint8) {
	if w.fresh {
		return
	}
	if w.facetRules.dropped == nil {
		w.facetRules.dropped = map[int64]uint8{}
	}
	w.facetRules.dropped[n] |= scope
}

// knownFacets tells that rule n, dropped, had the facet values had (of
// both scopes) before this write, and no other.
func (w *writer) knownFacets(n int64, had []facetKey) {
	if w.facetRules.had == nil {
		w.facetRules.had = map[int64][]facetKey{}
	}
	w.facetRules.had[n] = had
}

// writeFacets writes the lists of the facets table that this write
// changed. A value's list is the catalog's without the rules dropped from
// it, and the rules given it now; a value left without rules loses its
// row. A fresh catalog's lists are written whole, in the table's order;
// an incremental write reads every list when it drops a rule (any may hold
// it: a rule's facets before the write are not known otherwise), else
// only those of the values it gives.
func (w *writer) writeFacets() error {
	fr := &w.facetRules
	if len(fr.added) == 0 && len(fr.dropped) == 0 {
		return nil
	}
	type change struct {
		k     facetKey
		rules []int64 // nil: the row is deleted, or new (made as it is written)
		isNew bool    // not in the catalog: its rules are those added
	}
	var changes []change
	var buf []int64
	// merge returns old (the stored list) without the rules dropped from
	// it, with those added; and whether that differs from old.
	merge := func(k facetKey, old []int64) ([]int64, bool) {
		scope := dropScope(k.facet)
		var added []int32
		if p := fr.added[k]; p != nil {
			added = *p
		}
		if len(added) == 0 && !slices.ContainsFunc(old, func(n int64) bool { return fr.dropped[n]&scope != 0 }) {
			return old, false
		}
		out := make([]int64, 0, len(old)+len(added))
		for _, n := range old {
			if fr.dropped[n]&scope == 0 {
				out = append(out, n)
			}
		}
		for _, n := range added {
			out = append(out, int64(n))
		}
		slices.Sort(out)
		out = slices.Compact(out)
		return out, !slices.Equal(out, old)
	}
	stored := func(list string) ([]int64, error) {
		buf = buf[:0]
		err := eachInt(list, func(n int64) error {
			buf = append(buf, n)
			return nil
		})
		if !slices.IsSorted(buf) {
			slices.Sort(buf)
		}
		return buf, err
	}
	seen := map[facetKey]bool{}
	// The lists to read: those of the values given, and of the values the
	// rules dropped had when they are known (knownFacets); else every list.
	all := false
	toRead := make(map[facetKey]bool, len(fr.added))
	for k := range fr.added {
		toRead[k] = true
	}
	for n := range fr.dropped {
		had, ok := fr.had[n]
		if !ok {
			all = true
			break
		}
		for _, k := range had {
			toRead[k] = true
		}
	}
	if !w.fresh && all {
		rows, err := w.tx.QueryContext(w.ctx, `SELECT facet, value, rules FROM facets`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var k facetKey
			var list string
			if err := rows.Scan(&k.facet, &k.value, &list); err != nil {
				rows.Close()
				return err
			}
			old, err := stored(list)
			if err != nil {
				rows.Close()
				return fmt.Errorf("facets %s=%s: %w", k.facet, k.value, err)
			}
			seen[k] = true
			if out, changed := merge(k, old); changed {
				changes = append(changes, change{k: k, rules: out})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	} else if !w.fresh {
		st, err := w.tx.PrepareContext(w.ctx, `SELECT rules FROM facets WHERE facet = ? AND value = ?`)
		if err != nil {
			return err
		}
		defer st.Close()
		for k := range toRead {
			var list string
			switch err := st.QueryRowContext(w.ctx, k.facet, k.value).Scan(&list); err {
			case nil:
			case sql.ErrNoRows:
				continue
			default:
				return err
			}
			old, err := stored(list)
			if err != nil {
				return fmt.Errorf("facets %s=%s: %w", k.facet, k.value, err)
			}
			seen[k] = true
			if out, changed := merge(k, old); changed {
				changes = append(changes, change{k: k, rules: out})
			}
		}
	}
	for k := range fr.added {
		if !seen[k] {
			changes = append(changes, change{k: k, isNew: true})
		}
	}
	// In the order of the table's key: rows appended, not put among others.
	slices.SortFunc(changes, func(a, b change) int {
		if c := cmp.Compare(a.k.facet, b.k.facet); c != 0 {
			return c
		}
		return cmp.Compare(a.k.value, b.k.value)
	})
	put, err := w.tx.PrepareContext(w.ctx, `INSERT OR REPLACE INTO facets (facet, value, rules) VALUES (?, ?, ?)`)
	if err != nil {
		return err
	}
	defer put.Close()
	del, err := w.tx.PrepareContext(w.ctx, `DELETE FROM facets WHERE facet = ? AND value = ?`)
	if err != nil {
		return err
	}
	defer del.Close()
	var list []byte
	for _, c := range changes {
		if c.isNew {
			// Made now, one at a time: a new catalog's lists are five
			// million numbers at N = 15.
			c.rules, _ = merge(c.k, nil)
			delete(fr.added, c.k)
		}
		if len(c.rules) == 0 {
			if _, err := del.ExecContext(w.ctx, c.k.facet, c.k.value); err != nil {
				return err
			}
			continue
		}
		list = list[:0]
		for i, n := range c.rules {
			if i > 0 {
				list = append(list, ',')
			}
			list = strconv.AppendInt(list, n, 10)
		}
		if _, err := put.ExecContext(w.ctx, c.k.facet, c.k.value, string(list)); err != nil {
			return err
		}
	}
	*fr = facetRules{}
	return nil
}

// facetGroup is a facet value as the catalog reads it: the rows of the
// facets table of one facet whose values are the same but for ASCII case
// (NOCASE), read in the order ORDER BY facet, value COLLATE NOCASE gives
// (eachFacetGroup).
type facetGroup struct {
	facet, value string  // value: the spelling of the group's first rule
	rules        []int64 // ascending, each once
	// spellings: each rule's spelling, when the group has more than one
	// (else nil); by rules' index.
	spellings []string
}

// eachFacetGroup calls f with every facet value of the catalog, by facet
// then value (NOCASE); the group is reused between calls.
func eachFacetGroup(ctx context.Context, db *sql.DB, f func(g *facetGroup) error) error {
	rows, err := db.QueryContext(ctx, `SELECT facet, value, rules FROM facets ORDER BY facet, value COLLATE NOCASE`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var g facetGroup
	type spelled struct {
		n     int64
		value string
	}
	var parts []spelled // the group's rules with their spelling
	var fold string
	flush := func() error {
		if len(parts) == 0 {
			return nil
		}
		slices.SortStableFunc(parts, func(a, b spelled) int { return cmp.Compare(a.n, b.n) })
		parts = slices.CompactFunc(parts, func(a, b spelled) bool { return a.n == b.n })
		g.value = parts[0].value
		g.rules, g.spellings = g.rules[:0], g.spellings[:0]
		many := false
		for _, p := range parts {
			g.rules = append(g.rules, p.n)
			many = many || p.value != g.value
		}
		if many {
			for _, p := range parts {
				g.spellings = append(g.spellings, p.value)
			}
		} else {
			g.spellings = nil
		}
		parts = parts[:0]
		return f(&g)
	}
	for rows.Next() {
		var facet, value, list string
		if err := rows.Scan(&facet, &value, &list); err != nil {
			return err
		}
		if facet != g.facet || foldNoCase(value) != fold {
			if err := flush(); err != nil {
				return err
			}
			g.facet, fold = facet, foldNoCase(value)
		}
		if err := eachInt(list, func(n int64) error {
			if n < 0 {
				return fmt.Errorf("facets %s=%s: rule %d", facet, value, n)
			}
			parts = append(parts, spelled{n, value})
			return nil
		}); err != nil {
			return fmt.Errorf("facets %s=%s: %w", facet, value, err)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return flush()
}
