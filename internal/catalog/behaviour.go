package catalog

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/ruledex/ruledex/internal/parallel"
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
	n := len(rules)
	// Each distinct key is numbered once; each rule's keys are its
	// numbers, each once, in the order of its canonical indicators. (At
	// 164,000 rules the lookups of keys in maps, the sorts that compared
	// keys through a map and the names of the shared keys made again for
	// every link were most of the time.)
	ids := map[CanonicalKey]int32{}
	var keys []CanonicalKey
	var post [][]int32 // the rules of each key, in order
	rk := make([][]int32, n)
	for i, r := range rules {
		var own []int32
		for _, c := range r.Canonical {
			if !behaviourField(c.Field) {
				continue
			}
			k := behaviourKey(c)
			id, ok := ids[k]
			if !ok {
				id = int32(len(keys))
				ids[k] = id
				keys = append(keys, k)
				post = append(post, nil)
			}
			if l := post[id]; len(l) == 0 || l[len(l)-1] != int32(i) {
				post[id] = append(l, int32(i))
				own = append(own, id)
			}
		}
		rk[i] = own
	}
	ids = nil
	names := make([]string, len(keys)) // a key's String, made once
	for k := range keys {
		names[k] = keys[k].String()
	}
	weight := func(df int) float64 { return math.Log(float64(n) / float64(df)) }
	minScore := max(weight(behaviourRareDF), math.Ln2)
	// norm[i]: the length of rule i's weighted indicator set (indicators
	// no other rule has count, those too common to weigh do not).
	norm := make([]float64, n)
	for i := range rules {
		for _, k := range rk[i] {
			if l := post[k]; len(l) <= behaviourMaxDF {
				w := weight(len(l))
				norm[i] += w * w
			}
		}
		norm[i] = math.Sqrt(norm[i])
	}
	// Each rule's links on every core, a chunk of rules at a time, each
	// worker with its own scores.
	type link struct {
		j   int32
		cos float64
	}
	type scratch struct {
		score, dot []float64
		shared     [][]int32
		touched    []int32
		links      []link
	}
	pool := sync.Pool{New: func() any {
		return &scratch{score: make([]float64, n), dot: make([]float64, n), shared: make([][]int32, n)}
	}}
	const chunk = 256
	parallel.Do((n+chunk-1)/chunk, func(c int) {
		s := pool.Get().(*scratch)
		defer pool.Put(s)
		score, dot, shared := s.score, s.dot, s.shared
		for i := c * chunk; i < min((c+1)*chunk, n); i++ {
			r := rules[i]
			r.SameBehaviour = r.SameBehaviour[:0]
			for _, k := range rk[i] {
				l := post[k]
				if len(l) < 2 || len(l) > behaviourMaxDF {
					continue
				}
				w := weight(len(l))
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
				if score[j] >= minScore {
					s.links = append(s.links, link{j, dot[j] / (norm[i] * norm[j])})
				}
			}
			slices.SortFunc(s.links, func(a, b link) int {
				if a.cos != b.cos {
					return cmp.Compare(b.cos, a.cos)
				}
				return strings.Compare(rules[a.j].ID, rules[b.j].ID)
			})
			if len(s.links) > behaviourMaxLinks {
				s.links = s.links[:behaviourMaxLinks]
			}
			for _, l := range s.links {
				o := rules[l.j]
				ks := shared[l.j]
				slices.SortStableFunc(ks, func(a, b int32) int { return cmp.Compare(len(post[a]), len(post[b])) })
				sh := make([]string, len(ks))
				for x, k := range ks {
					sh[x] = names[k]
				}
				r.SameBehaviour = append(r.SameBehaviour, rule.BehaviourRef{ID: o.ID, Platform: o.Platform, Title: o.Title,
					Path: o.Source.Path, Score: int(math.Round(l.cos * 100)), Shared: sh})
			}
			for _, j := range s.touched {
				score[j], dot[j], shared[j] = 0, 0, shared[j][:0]
			}
			s.touched = s.touched[:0]
		}
	})
}
