package lint

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/ruledex/ruledex/internal/catalog"
	"github.com/ruledex/ruledex/internal/rule"
)

// The checks across the corpus: they need every rule at once.

// CommonTop is how many of the corpus's most shared indicator values are
// "the most common"; CommonMin the least number of rules that must share a
// value for it to be one of them.
const (
	CommonTop = 100
	CommonMin = 10
)

func init() {
	Register(&Check{ID: "duplicate-id", Severity: Error, Message: "another rule states the same id",
		Help: "Two rules in different files state the same identifier (a Sigma id, a Sentinel id...): tools that key " +
			"rules by it (a SIEM's import, sigma-cli, Sentinel's repositories) keep one and drop or overwrite the " +
			"other. Give the copy a new id (and relate it to the first where the format can).",
		Corpus: duplicateID,
		Place:  placeDuplicateID,
		// What a build's linking (ingest.Link) says of the same id.
		Claims: func(d rule.Diagnostic) bool {
			return strings.HasPrefix(d.Message, "id ") && strings.Contains(d.Message, " is also the id of ")
		}})
	Register(&Check{ID: "near-duplicate", Severity: Note, Message: "rules in other files have the same logic",
		Help: "Another rule, in another file or repository, reads the same tables or log sources and has the same " +
			"predicates, or almost (at least 90% of them in common): both fire on the same events. Keep one, or say " +
			"in each how they differ.",
		Corpus: nearDuplicate})
	Register(&Check{ID: "common-indicators", Severity: Note, Message: "every indicator of the rule is among the most common of the corpus",
		Help: fmt.Sprintf("Each value the rule matches is one of the %d indicator values that the most rules of the corpus "+
			"test (and at least %d rules do): the rule looks only at what every environment sees all the time, so "+
			"it will be noisy unless something else (a threshold, a join, a rare combination) narrows it. Add what "+
			"makes the behaviour specific.", CommonTop, CommonMin),
		Corpus: commonIndicators})
}

func duplicateID(rules []*rule.Rule, rep func(int) *Reporter) {
	by := map[string][]int{}
	for i, r := range rules {
		if r.UID != "" {
			by[strings.ToLower(r.UID)] = append(by[strings.ToLower(r.UID)], i)
		}
	}
	for _, is := range by {
		if len(is) < 2 {
			continue
		}
		for _, i := range is {
			r := rules[i]
			var others []string
			for _, j := range is {
				o := rules[j]
				if j == i || o.Source.Repo == r.Source.Repo && o.Source.Path == r.Source.Path {
					continue // several rules of one file (a multi-document Sigma file) may share one
				}
				others = append(others, o.Source.Repo+"/"+o.Source.Path)
			}
			if len(others) == 0 {
				continue
			}
			slices.Sort(others)
			others = slices.Compact(others)
			msg := fmt.Sprintf("id %s is also the id of %s", r.UID, others[0])
			if len(others) > 1 {
				msg += fmt.Sprintf(" and %d other files", len(others)-1)
			}
			placeDuplicateID(r, rep(i), msg)
		}
	}
}

// placeDuplicateID reports msg where r first writes its id.
func placeDuplicateID(r *rule.Rule, rep *Reporter, msg string) { rep.Find(0, r.UID, r.UID, msg) }

func nearDuplicate(rules []*rule.Rule, rep func(int) *Reporter) {
	// The catalog fills the links when the rules come from one; rules read
	// from files are linked here.
	filled := false
	for _, r := range rules {
		if len(r.NearDuplicates) > 0 {
			filled = true
			break
		}
	}
	// One rule alone (RunRule, the rule page) has no near-duplicate to find
	// but those its catalog linked: it is read, never written (a catalog's
	// rules are shared by the pages being made at once).
	if !filled && len(rules) > 1 {
		catalog.NearDuplicates(rules)
	}
	for i, r := range rules {
		if msg := nearDuplicateMessage(r.NearDuplicates); msg != "" {
			rep(i).AtRule("", msg)
		}
	}
}

// nearDuplicateNamed is how many of a rule's near-duplicates its finding
// names; the rule's page and JSON list them all.
const nearDuplicateNamed = 3

// nearDuplicateMessage is the message of a rule's one near-duplicate
// finding, "" when it has none. One finding a rule, not one a duplicate:
// with the forks of a repository, every rule of N copies has N-1
// near-duplicates, and findings a pair grew with the square of the copies
// (1,010,162 of them at 15 forks of the corpus, 90% of every finding).
func nearDuplicateMessage(nd []rule.RuleRef) string {
	name := func(d rule.RuleRef) string { return fmt.Sprintf("%s (%s)", d.ID, d.Path) }
	switch n := len(nd); {
	case n == 0:
		return ""
	case n == 1:
		return "same logic as " + name(nd[0])
	default:
		names := make([]string, 0, nearDuplicateNamed)
		for _, d := range nd[:min(n, nearDuplicateNamed)] {
			names = append(names, name(d))
		}
		msg := fmt.Sprintf("same logic as %d rules in other files: %s", n, strings.Join(names, ", "))
		if n > nearDuplicateNamed {
			msg += fmt.Sprintf(" and %d more", n-nearDuplicateNamed)
		}
		return msg
	}
}

func commonIndicators(rules []*rule.Rule, rep func(int) *Reporter) {
	filled := false
	for _, r := range rules {
		for _, in := range r.Indicators {
			if len(in.Corpus) > 0 {
				filled = true
				break
			}
		}
	}
	if !filled && len(rules) > 1 { // one rule alone is read, never written (see nearDuplicate)
		catalog.IndicatorCounts(rules)
	}
	// How many rules test each value (the value's own rule counted), of
	// the values CommonMin rules test at least (the others can not be
	// among the most common: not made a key and counted, nearly every value
	// of the corpus).
	total := map[catalog.IndicatorKey]int{}
	for _, r := range rules {
		for _, in := range r.Indicators {
			if in.Negated {
				continue
			}
			for j, v := range in.Values {
				if j < len(in.Corpus) && in.Corpus[j].Total+1 >= CommonMin {
					k := catalog.KeyOf(in.Field, in.Kind, v, in.CaseSensitive)
					total[k] = max(total[k], in.Corpus[j].Total+1)
				}
			}
		}
	}
	type kc struct {
		k catalog.IndicatorKey
		n int
	}
	var all []kc
	for k, n := range total {
		if n >= CommonMin {
			all = append(all, kc{k, n})
		}
	}
	slices.SortFunc(all, func(a, b kc) int {
		return cmp.Or(cmp.Compare(b.n, a.n), cmp.Compare(a.k.Field, b.k.Field), cmp.Compare(a.k.Value, b.k.Value))
	})
	if len(all) > CommonTop {
		all = all[:CommonTop]
	}
	common := map[catalog.IndicatorKey]int{}
	for _, e := range all {
		common[e.k] = e.n
	}
	for i, r := range rules {
		n, vals := 0, []string{}
		ok := true
		for _, in := range r.Indicators {
			if in.Negated {
				continue
			}
			for _, v := range in.Values {
				k := catalog.KeyOf(in.Field, in.Kind, v, in.CaseSensitive)
				c, isCommon := common[k]
				if !isCommon {
					ok = false
					break
				}
				n++
				vals = append(vals, fmt.Sprintf("%s %s %q (%d rules)", in.Field, in.Kind, v, c))
			}
			if !ok {
				break
			}
		}
		if !ok || n == 0 || !detectionLike(r) {
			continue
		}
		shown := vals
		if len(shown) > 3 {
			shown = append(shown[:3:3], fmt.Sprintf("%d more", len(vals)-3))
		}
		rep(i).AtRule(strings.Join(vals, "\x00"), "every indicator is among the most common of the corpus: "+strings.Join(shown, ", "))
	}
}
