package catalog

import (
	"slices"
	"strings"
	"unicode/utf8"

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

// ASCII tells whether s is ASCII alone.
func ASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// FoldEqual tells whether Fold(a) == Fold(b), without making either when
// both are ASCII (event names, providers: a build compares them by the
// million).
func FoldEqual(a, b string) bool {
	if len(a) != len(b) {
		return !(ASCII(a) && ASCII(b)) && Fold(a) == Fold(b)
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x >= utf8.RuneSelf || y >= utf8.RuneSelf {
			return Fold(a) == Fold(b)
		}
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

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
	// exact: values as written → rules, kept only for the values some
	// case-sensitive indicator has.
	exactWanted := map[IndicatorKey]bool{}
	for _, r := range rules {
		for _, in := range r.Indicators {
			if in.Negated {
				continue
			}
			if !in.CaseSensitive {
				continue
			}
			field, kind := Fold(in.Field), MatchKind(in.Kind)
			for _, v := range in.Values {
				exactWanted[IndicatorKey{field, kind, v}] = true
			}
		}
	}
	// One entry per case-folded key: every rule with the value, the rules
	// that match it case-insensitively, and their platforms, counted once
	// (a value that many rules share, EventID 1, must not cost each of them a
	// walk over all).
	folded := map[IndicatorKey]*entry{}
	exact := map[IndicatorKey][]int32{}
	add := func(l []int32, i int32) []int32 {
		if n := len(l); n > 0 && l[n-1] == i {
			return l
		}
		return append(l, i)
	}
	// keys[i][j].entries[k] is the entry of value k of indicator j of rule
	// i, keys[i][j].field the indicator's folded field.
	type indKeys struct {
		field   string
		entries []*entry
	}
	keys := make([][]indKeys, len(rules))
	for i, r := range rules {
		keys[i] = make([]indKeys, len(r.Indicators))
		for j, in := range r.Indicators {
			if in.Negated {
				continue
			}
			field, kind := Fold(in.Field), MatchKind(in.Kind)
			es := make([]*entry, len(in.Values))
			for k, v := range in.Values {
				fk := IndicatorKey{field, kind, Fold(v)}
				e := folded[fk]
				if e == nil {
					e = &entry{}
					folded[fk] = e
				}
				es[k] = e
				e.all = add(e.all, int32(i))
				if !in.CaseSensitive {
					e.insens = add(e.insens, int32(i))
				}
				if len(exactWanted) > 0 {
					if ek := (IndicatorKey{field, kind, v}); exactWanted[ek] {
						exact[ek] = add(exact[ek], int32(i))
					}
				}
			}
			keys[i][j] = indKeys{field, es}
		}
	}
	// A case-sensitive value's rules (those with it exactly, and those that
	// match it case-insensitively) and their counts, made once a value: with
	// N forks of a corpus each value had N rules, each walking N others.
	sensitive := map[IndicatorKey]*entry{}
	pl, plat := platformNumbers(rules)
	for i, r := range rules {
		for j := range r.Indicators {
			in := &r.Indicators[j]
			in.Corpus = in.Corpus[:0]
			if in.Negated {
				continue
			}
			field, kind := keys[i][j].field, MatchKind(in.Kind)
			for k, v := range in.Values {
				e := keys[i][j].entries[k]
				cc := rule.CorpusCount{Value: v}
				if in.CaseSensitive {
					ek := IndicatorKey{field, kind, v}
					se := sensitive[ek]
					if se == nil {
						se = &entry{all: mergeUnion(nil, exact[ek], e.insens)}
						sensitive[ek] = se
					}
					e = se
				}
				cc.Total = len(e.all)
				if _, self := slices.BinarySearch(e.all, int32(i)); self {
					cc.Total--
					cc.ByPlatform = e.without(plat, pl, plat[i])
				} else {
					cc.ByPlatform = e.without(plat, pl, -1)
				}
				in.Corpus = append(in.Corpus, cc)
			}
		}
	}
}

// entry is what IndicatorCounts knows of one case-folded indicator key: the
// rules with it, those that match it case-insensitively, and the counts by
// platform. The counts are shared by every rule with the value (they are
// read, never written): a map a value and rule was a tenth of a build's
// memory.
type entry struct {
	all, insens []int32
	minus       []map[string]int // by platform number + 1: the counts with one rule of it taken away; [0]: all of them
}

// without returns the counts by platform of e's rules but one of platform
// number p (pl's, plat[i] rule i's; -1: all of them), made once.
func (e *entry) without(plat []int, pl []string, p int) map[string]int {
	if e.minus == nil {
		e.minus = make([]map[string]int, len(pl)+1)
	}
	if m := e.minus[p+1]; m != nil {
		return m
	}
	counts := make([]int, len(pl))
	for _, x := range e.all {
		counts[plat[x]]++
	}
	if p >= 0 {
		counts[p]--
	}
	var m map[string]int
	for q, n := range counts {
		if n > 0 {
			if m == nil {
				m = map[string]int{}
			}
			m[pl[q]] = n
		}
	}
	if m == nil {
		m = noCounts // a value of one rule: most of them
	}
	e.minus[p+1] = m
	return m
}

// noCounts is the counts by platform of a value no other rule has, shared
// by every such value: read, never written, as every rule's counts.
var noCounts = map[string]int{}

// platformNumbers numbers the platforms of rules: pl[plat[i]] is rules[i]'s.
func platformNumbers(rules []*rule.Rule) (pl []string, plat []int) {
	pix := map[string]int{}
	plat = make([]int, len(rules))
	for i, r := range rules {
		p, ok := pix[r.Platform]
		if !ok {
			p = len(pl)
			pix[r.Platform] = p
			pl = append(pl, r.Platform)
		}
		plat[i] = p
	}
	return pl, plat
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
