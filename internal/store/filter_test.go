package store

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestFilterListingByPostings: a listing's rules (every rule in order, a
// facet or two, the browse's feeds left out) taken from the postings of
// its smallest facet are those of a walk of every rule, in the same order.
func TestFilterListingByPostings(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	const rules = 3000
	ix := &index{ids: map[string][]int32{}}
	type fv struct{ facet, value string }
	var vals []fv
	// Values of every size: a few rules (the postings' way) to most (the walk).
	for f, facet := range []string{"table", "tactic", "kind"} {
		for v := range 12 {
			vals = append(vals, fv{facet, fmt.Sprintf("v%d-%d", f, v)})
		}
	}
	for id, v := range vals {
		ix.facet, ix.value = append(ix.facet, v.facet), append(ix.value, v.value)
		k := v.facet + "\x00" + strings.ToLower(v.value)
		ix.ids[k] = append(ix.ids[k], int32(id))
	}
	// Two ids for one value but for case, as loadIndex makes none but a
	// store of an older build may hold.
	ix.ids["table\x00v0-0"] = append(ix.ids["table\x00v0-0"], 1)
	for n := range int64(rules) {
		for id, v := range vals {
			// Value k of a facet has about one rule in 2^k.
			k := id % 12
			if rnd.IntN(1<<k) == 0 && (v.facet != "kind" || rnd.IntN(3) == 0) {
				ix.add(n, int32(id))
			}
		}
	}
	for len(ix.posting) < len(vals) {
		ix.posting = append(ix.posting, nil) // a value of no rule
	}
	ix.pack()
	ix.feeds = ix.ruleSetOf(ix.ids["kind\x00v2-1"])
	ix.order = make([]int64, 0, rules)
	for _, n := range rnd.Perm(rules) {
		if n%97 != 5 { // rules without a row in the order are no hits
			ix.order = append(ix.order, int64(n))
		}
	}
	ix.rankOrder()
	walk := func(facets map[string][]string, browse bool) []int64 {
		var sets []ruleSet
		for f, vs := range facets {
			var ids []int32
			for _, v := range vs {
				ids = append(ids, ix.ids[f+"\x00"+strings.ToLower(v)]...)
			}
			sets = append(sets, ix.ruleSetOf(ids))
		}
		var out []int64
	next:
		for _, n := range ix.order {
			if browse && ix.feeds.has(n) {
				continue
			}
			for _, s := range sets {
				if !s.has(n) {
					continue next
				}
			}
			out = append(out, n)
		}
		return out
	}
	check := func(facets map[string][]string, browse bool) {
		t.Helper()
		got, want := ix.filter(ix.order, facets, browse), walk(facets, browse)
		if !slices.Equal(got, want) && (len(got) > 0 || len(want) > 0) {
			t.Errorf("%v browse %v: %d rules %v, want %d %v", facets, browse, len(got), got[:min(5, len(got))], len(want), want[:min(5, len(want))])
		}
	}
	check(nil, true)
	for _, browse := range []bool{false, true} {
		for _, a := range vals {
			check(map[string][]string{a.facet: {strings.ToUpper(a.value)}}, browse)
			for _, b := range vals {
				if b.facet == a.facet {
					check(map[string][]string{a.facet: {a.value, b.value}}, browse)
				} else {
					check(map[string][]string{a.facet: {a.value}, b.facet: {b.value}}, browse)
				}
			}
		}
	}
}
