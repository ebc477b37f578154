// Package catalog holds ruledex's corpus-wide analysis: what can only be
// known with every rule at hand. CrossReference runs all of it over a set of
// rules: kinds (third-party alert feeds, see ClassifyKind), events
// (FillEvents), same-action links (SameAction), indicator corpus counts
// (IndicatorCounts), canonical indicators with their counts
// (CanonicalIndicators, CanonicalCounts), same-behaviour links
// (SameBehaviour) and near-duplicates (NearDuplicates). ATT&CK coverage
// (Coverage, NavigatorLayer) is computed on demand.
package catalog

import (
	"runtime"
	"slices"
	"strings"
	"sync"
	"unique"

	"github.com/ruledex/ruledex/internal/parallel"
	"github.com/ruledex/ruledex/internal/rule"
)

// CrossReference classifies alert feeds and fills the events, same-action
// links, indicator corpus counts and near-duplicate links of every rule. It
// replaces what earlier runs filled, so it can be run again over rules read
// from a store.
//
// What each rule alone gives (its kind, action keys, events and logic) is
// worked out on every core, and each rule's action keys once.
func CrossReference(rules []*rule.Rule) {
	prep := make([]Prepared, len(rules))
	parallel.Do(len(rules), func(i int) { prep[i] = Prepare(rules[i]) })
	CrossReferencePrepared(rules, prep, nil)
}

// Prepared is what the cross-reference needs of one rule that the rule
// alone gives (Prepare): its action keys and its logic. A build works it
// out as it reads each rule, so that the rule's statements (stages,
// explanation, query) need not stay in memory until every rule is read.
type Prepared struct {
	keys  []ActionKey
	logic Logic
}

// Prepare classifies r (ClassifyKind), fills its events as it gives them
// (FillEvents: the catalog's inferred ones are made again) and its
// canonical indicators, and returns its action keys and logic. Rules may
// be prepared in parallel, each once.
//
// What it returns is interned (unique): it outlives the rule's statements,
// whose text its strings would otherwise keep in memory, and the forks of a
// repository repeat nearly every key.
func Prepare(r *rule.Rule) Prepared {
	ClassifyKind(r)
	keys := ActionKeys(r)
	fillEvents(r, keys)
	r.Canonical = CanonicalIndicators(r)
	for i := range keys {
		k := &keys[i]
		k.Space, k.Value, k.Match, k.Field = intern(k.Space), intern(k.Value), intern(k.Match), intern(k.Field)
		k.Text, k.Provider, k.Channel = intern(k.Text), intern(k.Provider), intern(k.Channel)
	}
	logic := LogicOf(r)
	logic.Tables = intern(logic.Tables)
	return Prepared{keys: slices.Clip(keys), logic: logic}
}

// intern returns s interned.
func intern(s string) string {
	if s == "" {
		return ""
	}
	return unique.Make(s).Value()
}

// CrossReferencePrepared is the part of CrossReference that needs every
// rule at once, over rules prepared by Prepare (prep[i] is rules[i]'s): it
// reads of each rule its id, title, platform, source, kind, ids and
// relations, tables, events, indicators and canonical indicators, never
// its stages, query or prose, so it may run over rules that hold only
// those.
//
// Each rule's same-action and same-behaviour links are made last, on every
// core, and given to emit with its near-duplicates, when emit is not nil,
// instead of filling its SameAction, SameBehaviour and NearDuplicates
// (and the rules' near-duplicates, their forks at N forks, are kept by
// number until then): with N forks of a corpus every same-action list is N
// times longer and all of them N² times, and nearly every rule has its
// twenty same-behaviour links (at 164,000 rules they were most of a
// build's memory), so a build encodes each rule's as they are made.
// emit(i, links) is called once for every rule, concurrently, once every
// other thing the cross-reference fills is final; links is emit's only
// during the call, but its NearDuplicates and the Actions and Shared of
// each link are its to keep.
func CrossReferencePrepared(rules []*rule.Rule, prep []Prepared, emit func(i int, links Links)) {
	keys := make([][]ActionKey, len(rules))
	logic := make([]Logic, len(rules))
	for i := range prep {
		keys[i], logic[i] = prep[i].keys, prep[i].logic
		prep[i] = Prepared{}
	}
	// Two halves at once, one core each: the actions (a rule's events and
	// actions) and near-duplicates; the counts (of indicators and canonical
	// indicators) and the same-behaviour index. Neither half writes a field
	// of a rule that the other reads (go test -race ./internal/catalog).
	var al *actionLinks
	var bl *behaviourLinks
	var nd [][]int32
	var rank []int32
	var wg sync.WaitGroup
	wg.Go(func() {
		rank = idRanks(rules)
		al = linkActions(rules, keys)
		nd = nearDuplicates(rules, logic, rank)
	})
	wg.Go(func() {
		IndicatorCounts(rules)
		CanonicalCounts(rules)
		bl = indexBehaviour(rules)
	})
	wg.Wait()
	if emit == nil {
		emit = func(i int, l Links) {
			rules[i].SameAction = al.refs(rules, l.SameAction)
			rules[i].SameBehaviour = bl.refs(rules, l.SameBehaviour)
			rules[i].NearDuplicates = nearRefs(rules, l.NearDuplicates)
		}
	}
	type scratch struct {
		sa *linkScratch
		sb *behaviourScratch
	}
	// A worker's scratch (arrays as long as the rules: 7 MB each at 164,000
	// rules) kept in a list of its own, not a sync.Pool, which each
	// collection may empty.
	free := make(chan *scratch, runtime.GOMAXPROCS(0))
	const chunk = 256
	parallel.Do((len(rules)+chunk-1)/chunk, func(c int) {
		var s *scratch
		select {
		case s = <-free:
		default:
			s = &scratch{al.newScratch(len(rules)), bl.newScratch()}
		}
		defer func() {
			select {
			case free <- s:
			default:
			}
		}()
		for i := c * chunk; i < min((c+1)*chunk, len(rules)); i++ {
			emit(i, Links{SameAction: al.linksOf(rank, i, s.sa), SameBehaviour: bl.linksOf(rank, i, s.sb), NearDuplicates: nd[i]})
			nd[i] = nil
		}
	})
}

// CountsAndNearDuplicates makes of CrossReferencePrepared what the lint
// checks read (package lint: common-indicators the indicators' counts,
// near-duplicate the near-duplicates), as it makes them: every rule's
// indicator counts, and its near-duplicates given to emit (as Links'
// NearDuplicates, the other links left empty). `ruledex lint` makes no
// more: the rest was a third of its time.
func CountsAndNearDuplicates(rules []*rule.Rule, prep []Prepared, emit func(i int, links Links)) {
	logic := make([]Logic, len(rules))
	for i := range prep {
		logic[i] = prep[i].logic
		prep[i] = Prepared{}
	}
	var nd [][]int32
	var wg sync.WaitGroup
	wg.Go(func() { nd = nearDuplicates(rules, logic, idRanks(rules)) })
	IndicatorCounts(rules)
	wg.Wait()
	for i := range rules {
		emit(i, Links{NearDuplicates: nd[i]})
	}
}

// Links are the links of one rule to others that CrossReferencePrepared
// makes last: its same-action and same-behaviour links and its
// near-duplicates (the rules by their place, sorted by id).
type Links struct {
	SameAction     []SameActionLink
	SameBehaviour  []BehaviourLink
	NearDuplicates []int32
}

// idRanks returns the place of each rule's id among the rules' ids
// sorted (equal ids, which a catalog does not have, in the same place):
// the links of a rule are sorted by their rules' ids, and comparing two
// ids through their places took more of a build's links than making
// them (at N = 15 forks of the corpus a rule has hundreds, many of them
// tied on everything else).
func idRanks(rules []*rule.Rule) []int32 {
	order := make([]int32, len(rules))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(rules[a].ID, rules[b].ID) })
	rank := make([]int32, len(rules))
	for n, i := range order {
		if n > 0 && rules[i].ID == rules[order[n-1]].ID {
			rank[i] = rank[order[n-1]]
		} else {
			rank[i] = int32(n)
		}
	}
	return rank
}

// ref returns a reference to r.
func ref(r *rule.Rule) rule.RuleRef {
	return rule.RuleRef{ID: r.ID, Platform: r.Platform, Title: r.Title, Path: r.Source.Path, Actions: []string{}}
}
