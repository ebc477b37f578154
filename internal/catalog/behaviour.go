package catalog

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"github.com/ruledex/ruledex/internal/rule"
)

// Same behaviour: two rules, of any platforms, detect the same behaviour
// when they share canonical indicators that are rare in the corpus. Each
// shared (field, kind, value) weighs its inverse document frequency,
// ln(N/df) for N rules of which df have it; a pair is linked when its
// weights sum to at least ln(N/behaviourRareDF), which one indicator that at
// most behaviourRareDF rules have reaches alone, and two that a few hundred
// rules have reach together. An indicator more than behaviourMaxDF rules
// have (process.name eq powershell.exe) is left out: it links nothing and
// would cost each of its rules a walk over all the others. So the work is
// at most (indicators of a rule) × behaviourMaxDF per rule: linear in the
// corpus. The links are ranked by the cosine of the two rules' weighted
// indicator sets (each shared indicator counts its weight squared, over
// the product of the rules' norms), so that a rule whose few specific
// indicators are all shared ranks above one that shares a common part of
// many; Score is that cosine, in hundredths.
//
// A file's original name (process.pe.original_file_name) is counted as its
// name: Sigma's rules test both Image and OriginalFileName for one binary,
// and that is one fact, not two.
const (
	behaviourRareDF   = 25
	behaviourMaxDF    = 200
	behaviourMaxLinks = 20
)

// behaviourField tells whether a canonical field says what a rule looks
// for, rather than which log it reads (the event's category, code,
// provider, data set, the host's operating system): those are "same
// action"'s and the log source's, and link no behaviour.
func behaviourField(field string) bool {
	switch field {
	case "event.category", "event.type", "event.kind", "event.code", "event.provider", "event.module",
		"event.dataset", "event.outcome", "host.os.type", "winlog.channel", "observer.vendor", "observer.product", "@timestamp":
		return false
	}
	return !strings.HasPrefix(field, "data_stream.")
}

// behaviourKey is c's key for the same-behaviour links (see the original
// file name above).
func behaviourKey(c rule.CanonicalIndicator) CanonicalKey {
	k := CanonicalKey{c.Field, c.Kind, c.Value}
	if base, ok := strings.CutSuffix(k.Field, "pe.original_file_name"); ok && k.Kind == rule.OpEq {
		k.Field = base + "name"
	}
	return k
}

// SameBehaviour fills every rule's SameBehaviour from the rules' canonical
// indicators (CanonicalIndicators must have filled them): the rules it
// shares rare canonical indicators with, best first, at most
// behaviourMaxLinks, each with the indicators they share, rarest first.
func SameBehaviour(rules []*rule.Rule) {
	b := indexBehaviour(rules)
	s, rank := b.newScratch(), idRanks(rules)
	for i, r := range rules {
		r.SameBehaviour = b.refs(rules, b.linksOf(rank, i, s))
	}
}

// BehaviourLink is one link of a rule to another that detects the same
// behaviour (rule.Rule.SameBehaviour's entry): the other rule, by its place
// in the rules cross-referenced, the score, and the canonical indicators
// they share.
type BehaviourLink struct {
	Other  int32
	Score  int
	Shared []string
}

// behaviourLinks is what links the rules that detect the same behaviour:
// each distinct canonical key numbered once, the rules of each key, each
// rule's keys (each once, in the order of its canonical indicators) and
// the length of its weighted indicator set.
type behaviourLinks struct {
	n        int
	names    []string  // a key's String
	post     [][]int32 // the rules of each key, in order
	rk       [][]int32
	norm     []float64
	minScore float64
}

// indexBehaviour indexes the canonical indicators of rules. (At 164,000
// rules the lookups of keys in maps, the sorts that compared keys through a
// map and the names of the shared keys made again for every link were most
// of the time.)
func indexBehaviour(rules []*rule.Rule) *behaviourLinks {
	n := len(rules)
	// Not sized up front (nor are IndicatorCounts' and CanonicalCounts'
	// maps): how many distinct keys there are is not known. The corpus's
	// are shared by two rules on average, N forks of it share each by N
	// more; sized by every value, IndicatorCounts' map alone held 131 MB at
	// N = 15. Grown, the cross-reference's live heap peaks at 955 MB there
	// instead of 1,107 (gctrace), and the counts take 3.0 s of CPU instead
	// of 3.9 (2026-12-07).
	ids := map[CanonicalKey]int32{}
	var keys []CanonicalKey
	b := &behaviourLinks{n: n, rk: make([][]int32, n), norm: make([]float64, n)}
	for i, r := range rules {
		var own []int32
		for _, c := range r.Canonical {
			if !behaviourField(c.Field) {
				continue
			}
			if own == nil {
				own = make([]int32, 0, len(r.Canonical))
			}
			k := behaviourKey(c)
			id, ok := ids[k]
			if !ok {
				id = int32(len(keys))
				ids[k] = id
				keys = append(keys, k)
				b.post = append(b.post, nil)
			}
			if l := b.post[id]; len(l) == 0 || l[len(l)-1] != int32(i) {
				b.post[id] = append(l, int32(i))
				own = append(own, id)
			}
		}
		b.rk[i] = own
	}
	b.names = make([]string, len(keys)) // of the keys a link can share: those of 2 to behaviourMaxDF rules
	for k := range keys {
		if l := len(b.post[k]); l >= 2 && l <= behaviourMaxDF {
			b.names[k] = keys[k].String()
		}
	}
	b.minScore = max(b.weight(behaviourRareDF), math.Ln2)
	// norm[i]: the length of rule i's weighted indicator set (indicators
	// no other rule has count, those too common to weigh do not).
	for i := range rules {
		for _, k := range b.rk[i] {
			if l := b.post[k]; len(l) <= behaviourMaxDF {
				w := b.weight(len(l))
				b.norm[i] += w * w
			}
		}
		b.norm[i] = math.Sqrt(b.norm[i])
	}
	return b
}

// weight is the weight of a key df rules have.
func (b *behaviourLinks) weight(df int) float64 { return math.Log(float64(b.n) / float64(df)) }

// behaviourScratch is what making one rule's links needs, kept from rule to
// rule of one worker.
type behaviourScratch struct {
	score, dot []float64
	shared     [][]int32
	touched    []int32
	links      []scored
	out        []BehaviourLink
}

// scored is a rule linked, with the cosine of its link.
type scored struct {
	j   int32
	cos float64
}

func (b *behaviourLinks) newScratch() *behaviourScratch {
	return &behaviourScratch{score: make([]float64, b.n), dot: make([]float64, b.n), shared: make([][]int32, b.n)}
}

// linksOf returns rule i's same-behaviour links, in s's memory (their
// Shared are the caller's to keep).
func (b *behaviourLinks) linksOf(rank []int32, i int, s *behaviourScratch) []BehaviourLink {
	score, dot, shared, post := s.score, s.dot, s.shared, b.post
	for _, k := range b.rk[i] {
		l := post[k]
		if len(l) < 2 || len(l) > behaviourMaxDF {
			continue
		}
		w := b.weight(len(l))
		for _, j := range l {
			if int(j) == i {
				continue
			}
			if score[j] == 0 {
				s.touched = append(s.touched, j)
			}
			score[j] += w
			dot[j] += w * w
			shared[j] = append(shared[j], k)
		}
	}
	s.links = s.links[:0]
	for _, j := range s.touched {
		if score[j] >= b.minScore {
			s.links = append(s.links, scored{j, dot[j] / (b.norm[i] * b.norm[j])})
		}
	}
	slices.SortFunc(s.links, func(x, y scored) int {
		if x.cos != y.cos {
			return cmp.Compare(y.cos, x.cos)
		}
		return int(rank[x.j] - rank[y.j])
	})
	if len(s.links) > behaviourMaxLinks {
		s.links = s.links[:behaviourMaxLinks]
	}
	s.out = s.out[:0]
	for _, l := range s.links {
		ks := shared[l.j]
		slices.SortStableFunc(ks, func(a, c int32) int { return cmp.Compare(len(post[a]), len(post[c])) })
		sh := make([]string, len(ks))
		for x, k := range ks {
			sh[x] = b.names[k]
		}
		s.out = append(s.out, BehaviourLink{Other: l.j, Score: int(math.Round(l.cos * 100)), Shared: sh})
	}
	for _, j := range s.touched {
		score[j], dot[j], shared[j] = 0, 0, shared[j][:0]
	}
	s.touched = s.touched[:0]
	return s.out
}

// refs returns links as a rule's SameBehaviour.
func (b *behaviourLinks) refs(rules []*rule.Rule, links []BehaviourLink) []rule.BehaviourRef {
	if len(links) == 0 {
		return nil
	}
	out := make([]rule.BehaviourRef, 0, len(links))
	for _, l := range links {
		o := rules[l.Other]
		out = append(out, rule.BehaviourRef{ID: o.ID, Platform: o.Platform, Title: o.Title, Path: o.Source.Path, Score: l.Score, Shared: l.Shared})
	}
	return out
}
