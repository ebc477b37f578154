package catalog

import (
	"slices"
	"strings"

	"github.com/ruledex/ruledex/internal/rule"
)

// IndicatorKey is what makes two indicator values the same for the corpus
// counts: the field (case-folded), the kind (see MatchKind) and the value,
// case-folded unless the match is case-sensitive.
type IndicatorKey struct {
	Field, Kind, Value string
}

// MatchKind maps an operator kind to the kind it is counted as: a value of
// `in` is one of `eq`'s, a value of has_any or has_all is one of `has`'s.
func MatchKind(kind string) string {
	switch kind {
	case rule.OpIn:
		return rule.OpEq
	case rule.OpHasAny, rule.OpHasAll:
		return rule.OpHas
	}
	return kind
}

// Fold returns the case-folded form of a value, as compared when a match is
// case-insensitive.
func Fold(s string) string { return strings.ToLower(s) }

// KeyOf returns the key of one indicator value.
func KeyOf(field, kind, value string, caseSensitive bool) IndicatorKey {
	if !caseSensitive {
		value = Fold(value)
	}
	return IndicatorKey{Field: Fold(field), Kind: MatchKind(kind), Value: value}
}

// IndicatorCounts fills the Corpus of every positive indicator of rules: for
// each value, how many other rules have an indicator with the same field and
// kind that matches the value, in total and by platform. A case-insensitive
// value matches any value equal to it case-folded; a case-sensitive one
// matches the same exact value, and case-insensitive values equal to it
// case-folded. Negated indicators get no counts.
func IndicatorCounts(rules []*rule.Rule) {
	// folded: every value case-folded → rules; insens: case-insensitive
	// values only, case-folded → rules; exact: values as written → rules,
	// kept only for the values some case-sensitive indicator has.
	exactWanted := map[IndicatorKey]bool{}
	for _, r := range rules {
		for _, in := range r.Indicators {
			if in.Negated || !in.CaseSensitive {
				continue
			}
			field, kind := Fold(in.Field), MatchKind(in.Kind)
			for _, v := range in.Values {
				exactWanted[IndicatorKey{field, kind, v}] = true
			}
		}
	}
	folded := map[IndicatorKey][]int32{}
	insens := map[IndicatorKey][]int32{}
	exact := map[IndicatorKey][]int32{}
	add := func(m map[IndicatorKey][]int32, k IndicatorKey, i int32) {
		l := m[k]
		if n := len(l); n > 0 && l[n-1] == i {
			return
		}
		m[k] = append(l, i)
	}
	for i, r := range rules {
		for _, in := range r.Indicators {
			if in.Negated {
				continue
			}
			field, kind := Fold(in.Field), MatchKind(in.Kind)
			for _, v := range in.Values {
				fk := IndicatorKey{field, kind, Fold(v)}
				add(folded, fk, int32(i))
				if !in.CaseSensitive {
					add(insens, fk, int32(i))
				}
				if ek := (IndicatorKey{field, kind, v}); len(exactWanted) > 0 && exactWanted[ek] {
					add(exact, ek, int32(i))
				}
			}
		}
	}
	// Per key, the platforms of its rules, counted once: a value that many
	// rules share (EventID 1) must not cost each of them a walk over all.
	type tally struct {
		total      int
		byPlatform map[string]int
	}
	tallies := make(map[IndicatorKey]*tally, len(folded))
	tallyOf := func(k IndicatorKey, set []int32) *tally {
		t := tallies[k]
		if t == nil {
			t = &tally{total: len(set), byPlatform: map[string]int{}}
			for _, i := range set {
				t.byPlatform[rules[i].Platform]++
			}
			tallies[k] = t
		}
		return t
	}
	var union []int32
	for i, r := range rules {
		for j := range r.Indicators {
			in := &r.Indicators[j]
			in.Corpus = in.Corpus[:0]
			if in.Negated {
				continue
			}
			field, kind := Fold(in.Field), MatchKind(in.Kind)
			for _, v := range in.Values {
				fk := IndicatorKey{field, kind, Fold(v)}
				cc := rule.CorpusCount{Value: v, ByPlatform: map[string]int{}}
				if in.CaseSensitive {
					union = mergeUnion(union[:0], exact[IndicatorKey{field, kind, v}], insens[fk])
					for _, k := range union {
						if int(k) != i {
							cc.Total++
							cc.ByPlatform[rules[k].Platform]++
						}
					}
				} else {
					set := folded[fk]
					t := tallyOf(fk, set)
					cc.Total = t.total
					for p, n := range t.byPlatform {
						cc.ByPlatform[p] = n
					}
					if _, self := slices.BinarySearch(set, int32(i)); self {
						cc.Total--
						if cc.ByPlatform[r.Platform]--; cc.ByPlatform[r.Platform] == 0 {
							delete(cc.ByPlatform, r.Platform)
						}
					}
				}
				in.Corpus = append(in.Corpus, cc)
			}
		}
	}
}

// mergeUnion appends the union of the sorted lists a and b to dst.
func mergeUnion(dst, a, b []int32) []int32 {
	for len(a) > 0 && len(b) > 0 {
		switch {
		case a[0] < b[0]:
			dst, a = append(dst, a[0]), a[1:]
		case a[0] > b[0]:
			dst, b = append(dst, b[0]), b[1:]
		default:
			dst, a, b = append(dst, a[0]), a[1:], b[1:]
		}
	}
	dst = append(dst, a...)
	return append(dst, b...)
}
