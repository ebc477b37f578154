package catalog

import (
	"cmp"
	"hash/fnv"
	"slices"
	"sort"
	"strings"

	"github.com/ruledex/ruledex/internal/parallel"
	"github.com/ruledex/ruledex/internal/rule"
)

// DuplicateThreshold is the least Jaccard similarity of two rules' predicate
// sets for them to be near-duplicates.
const DuplicateThreshold = 0.9

// Logic is a rule's normalised logic: what it reads (its tables or log
// sources, case-folded, sorted) and the set of its predicate triples
// (field, kind, value, with negation; case-folded where the match is), as
// sorted hashes.
type Logic struct {
	Tables  string
	Triples []uint64
}

// LogicOf returns r's normalised logic, from every predicate of every stage,
// inner pipelines included.
func LogicOf(r *rule.Rule) Logic {
	tables := make([]string, 0, len(r.Tables))
	for _, t := range r.Tables {
		tables = append(tables, Fold(t))
	}
	slices.Sort(tables)
	tables = slices.Compact(tables)
	var triples []uint64
	var walk func(ss []rule.Stage)
	walk = func(ss []rule.Stage) {
		for i := range ss {
			for _, p := range ss[i].Predicates {
				kind := MatchKind(p.Kind)
				if p.Negated {
					kind = "!" + kind
				}
				if len(p.Values) == 0 {
					triples = append(triples, tripleHash(Fold(p.Field), kind, ""))
				}
				for _, v := range p.Values {
					if !p.CaseSensitive {
						v = Fold(v)
					}
					triples = append(triples, tripleHash(Fold(p.Field), kind, v))
				}
			}
			walk(ss[i].Stages)
		}
	}
	walk(r.Stages)
	slices.Sort(triples)
	triples = slices.Compact(triples)
	return Logic{Tables: strings.Join(tables, "\x00"), Triples: triples}
}

func tripleHash(field, kind, value string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(field))
	h.Write([]byte{0})
	h.Write([]byte(kind))
	h.Write([]byte{0})
	h.Write([]byte(value))
	return h.Sum64()
}

// Jaccard returns |a∩b| / |a∪b| of two sorted sets.
func Jaccard(a, b []uint64) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 1
	}
	inter := 0
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			inter++
			i++
			j++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

// NearDuplicates fills the NearDuplicates of every rule: the rules of other
// files that read the same tables (or log sources) and whose predicate sets
// are equal or almost (Jaccard >= DuplicateThreshold). Rules with no
// predicates have no near-duplicates. Each list is sorted by id.
func NearDuplicates(rules []*rule.Rule) {
	logic := make([]Logic, len(rules))
	for i, r := range rules {
		logic[i] = LogicOf(r)
	}
	for i, nd := range nearDuplicates(rules, logic, idRanks(rules)) {
		rules[i].NearDuplicates = nearRefs(rules, nd)
	}
}

// nearRefs returns the rules of nd as a rule's NearDuplicates.
func nearRefs(rules []*rule.Rule, nd []int32) []rule.RuleRef {
	if len(nd) == 0 {
		return nil
	}
	refs := make([]rule.RuleRef, len(nd))
	for n, o := range nd {
		refs[n] = ref(rules[o])
	}
	return refs
}

// nearDuplicates returns the near-duplicates of every rule (NearDuplicates)
// by their place in rules, given every rule's logic.
func nearDuplicates(rules []*rule.Rule, logic []Logic, rank []int32) [][]int32 {
	type item struct {
		i       int
		triples []uint64
	}
	out := make([][]int32, len(rules))
	groups := map[string][]item{}
	for i := range rules {
		l := logic[i]
		if len(l.Triples) == 0 {
			continue
		}
		groups[l.Tables] = append(groups[l.Tables], item{i, l.Triples})
	}
	// A rule is in one group (its tables): the groups are compared on
	// every core, the largest first (with N forks of a corpus a group has
	// N² pairs).
	gs := make([][]item, 0, len(groups))
	for _, g := range groups {
		gs = append(gs, g)
	}
	groups = nil
	slices.SortFunc(gs, func(a, b []item) int { return cmp.Compare(len(b), len(a)) })
	parallel.Do(len(gs), func(x int) {
		g := gs[x]
		// By size: b can only reach the threshold with a when
		// |a| >= DuplicateThreshold*|b| (a the smaller).
		sort.SliceStable(g, func(x, y int) bool { return len(g[x].triples) < len(g[y].triples) })
		for x := range g {
			a := g[x]
			for y := x + 1; y < len(g); y++ {
				b := g[y]
				if float64(len(a.triples)) < DuplicateThreshold*float64(len(b.triples)) {
					break
				}
				ra, rb := rules[a.i], rules[b.i]
				if ra.Source.Repo == rb.Source.Repo && ra.Source.Path == rb.Source.Path {
					continue
				}
				if Jaccard(a.triples, b.triples) >= DuplicateThreshold {
					out[a.i] = append(out[a.i], int32(b.i))
					out[b.i] = append(out[b.i], int32(a.i))
				}
			}
		}
		for _, it := range g {
			nd := out[it.i]
			slices.SortFunc(nd, func(x, y int32) int { return int(rank[x] - rank[y]) })
			out[it.i] = slices.Clip(nd)
		}
	})
	return out
}
