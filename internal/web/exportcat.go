package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/ruledex/ruledex/internal/lint"
	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/store"
)

// exportStore is the catalog an export of a store reads: the store's, but
// that the facet counts of a listing are counted once for all its pages.
// A listing's facets are those of every rule it lists, the same on each of
// its pages, and counting them is most of a page's cost at scale (164,000
// rules, 3,280 pages of the browse alone, each counting every facet of
// every rule). Every other method is the StoreCatalog's.
type exportStore struct {
	*StoreCatalog
	// facets: the facet counts of the last listings (listingKey).
	facets memos
	// other: what every page of a listing shows, by kind and name (a
	// table's fields, a field's indicators, a check's findings, the checks).
	other memos
	// repos: every repository's summary (Repo), by store.RepoKey.
	reposOnce sync.Once
	repos     map[string]*store.RepoInfo
	reposErr  error
	// canonical: lists of canonical indicators (CanonicalIndicators).
	canonical memos
	// rules: the last rules read whole (Rule), by id.
	rules memos
	// fields: the indicators' positions by field (indicatorFields).
	fieldsOnce sync.Once
	fields     *indicatorFields
	fieldsErr  error
	// cold: the rules are read from the store, not through the rule
	// cache (newExportStore).
	cold bool
	// findingPages pages of findingsPer findings of a check are listed
	// (exportFindingPages, findingsPerPage; less in a test).
	findingPages, findingsPer int
}

// exportFacetMemo is how many listings' facet counts an export keeps: the
// export makes a listing's pages one after the other, so a few suffice.
const exportFacetMemo = 64

func newExportStore(c *StoreCatalog) *exportStore {
	e := &exportStore{StoreCatalog: c, facets: memos{max: exportFacetMemo}, other: memos{max: exportFacetMemo},
		rules: memos{max: exportRuleMemo}, canonical: memos{max: exportCanonicalMemo}, findingPages: exportFindingPages, findingsPer: findingsPerPage}
	if c.shownFindings == nil {
		// The rule cache holds only some of the rules (OpenStore keeps
		// every one when they fit): the export reads each rule once, in
		// the order of the ids, so the few it holds save little, and
		// putting each rule read in it (dropping another) costs the
		// estimate of its size. It is let go (at 164,000 rules, 175 MB of
		// the export's heap) and the rules are read from the store.
		e.cold = true
		c.cache = newRuleCache(RuleCacheBytes)
	}
	return e
}

// Search implements Catalog: the hits of q's page, with the facet counts
// of its listing counted once.
func (e *exportStore) Search(ctx context.Context, q Query) (*Result, error) {
	v, err := e.facets.get(listingKey(q), func() (any, error) {
		first := q
		first.Page = 1
		res, err := e.StoreCatalog.Search(ctx, first)
		if err != nil {
			return nil, err
		}
		return res.Facets, nil
	})
	if err != nil {
		return nil, err
	}
	res, err := e.StoreCatalog.search(ctx, q, []string{})
	if err != nil {
		return nil, err
	}
	res.Facets, _ = v.(map[string][]FacetCount)
	return res, nil
}

// total returns the number of rules q finds, counting no facet.
func (e *exportStore) total(ctx context.Context, q Query) (int, error) {
	q.PerPage = 1
	res, err := e.StoreCatalog.search(ctx, q, []string{})
	if err != nil {
		return 0, err
	}
	return res.Total, nil
}

// listingKey returns the key of the listing of q (q but its page and its
// page's length).
func listingKey(q Query) string {
	q = q.Norm()
	var k strings.Builder
	k.WriteString(q.Text)
	k.WriteString("\x00" + strconv.FormatBool(q.Browse) + "\x00" + q.Sort)
	for _, f := range q.Facets {
		k.WriteString("\x00" + f.Key + "=" + f.Value)
	}
	return k.String()
}

// TableFields implements Catalog, once a table: every page of a table's
// listing shows its fields.
func (e *exportStore) TableFields(ctx context.Context, table string) ([]FieldCount, error) {
	v, err := e.other.get("table\x00"+table, func() (any, error) { return e.StoreCatalog.TableFields(ctx, table) })
	fs, _ := v.([]FieldCount)
	return fs, err
}

// Repo implements Catalog: every repository's summary made in one pass
// over the rules, once an export (the store's Repo reads every rule for
// each repository, whose listing pages all show it).
func (e *exportStore) Repo(ctx context.Context, name string) (*RepoInfo, error) {
	e.reposOnce.Do(func() { e.repos, e.reposErr = e.db.Repos(ctx, maxRepoProblems) })
	if e.reposErr != nil {
		return nil, e.reposErr
	}
	ri := e.repos[store.RepoKey(name)]
	if ri == nil {
		return nil, ErrNotFound
	}
	return e.repoInfo(ri), nil
}

// memos are values made once for each of the last max keys asked
// (the oldest dropped first): an export makes a listing's pages, or a
// rule's page and JSON, one after the other.
type memos struct {
	mu    sync.Mutex
	max   int
	m     map[string]*memoValue
	order []string // keys of m, oldest first
}

// get returns what f returns, called once for key while the key is among
// the last max kept.
func (ms *memos) get(key string, f func() (any, error)) (any, error) {
	ms.mu.Lock()
	m := ms.m[key]
	if m == nil {
		m = &memoValue{}
		if ms.m == nil {
			ms.m = map[string]*memoValue{}
		}
		ms.m[key] = m
		ms.order = append(ms.order, key)
		if len(ms.order) > ms.max {
			delete(ms.m, ms.order[0])
			ms.order = ms.order[1:]
		}
	}
	ms.mu.Unlock()
	m.once.Do(func() { m.v, m.err = f() })
	return m.v, m.err
}

// memoValue is a value made once.
type memoValue struct {
	once sync.Once
	v    any
	err  error
}

// exportFindingPages is how many pages of a check's findings the export
// writes (of findingsPerPage findings): the JSON of the check holds every one.
// A listing of the findings in the order of the catalog is a way into
// them, not a way through tens of thousands: at N = 15 forks of the corpus the
// near-duplicate check has 55,276 findings (1,010,162 when it made one a
// near-duplicate), 277 pages that no one reads in a static site. A detection engineer reaches a
// rule's findings from the rule's page (which lists them), the rules a
// check found from the rule listings, and the whole list, to sort and
// filter, from the JSON (jq); the pages show where the check's findings
// begin. At N = 1 no check has more (the most, attack-missing, has
// 2,075), so the corpus's site is whole.
const exportFindingPages = 25

// shownFindings is the number of a check's findings the export's pages
// list, and the length of their pages.
func (e *exportStore) shownFindings() (n, perPage int) {
	return e.findingPages * e.findingsPer, e.findingsPer
}

// FindingChecks implements Catalog, once an export: the check's counts are
// a pass over every finding, which the pages of each check show.
func (e *exportStore) FindingChecks(ctx context.Context) ([]FindingCheck, error) {
	v, err := e.other.get("findingchecks", func() (any, error) { return e.StoreCatalog.FindingChecks(ctx) })
	cs, _ := v.([]FindingCheck)
	return cs, err
}

// CheckFindings implements Catalog: a page among a check's first
// exportFindings findings, read once for all its pages (one pass, not an
// OFFSET walk a page); the others, and other lengths of page, from the
// store.
func (e *exportStore) CheckFindings(ctx context.Context, check string, page, perPage int) (*CheckFindingList, error) {
	page = max(page, 1)
	shown, per := e.shownFindings()
	if perPage != per || page*perPage > shown {
		return e.StoreCatalog.CheckFindings(ctx, check, page, perPage)
	}
	c, err := e.findingCheck(ctx, check)
	if err != nil {
		return nil, err
	}
	v, err := e.other.get("findings\x00"+c.Check, func() (any, error) {
		var out []CheckFinding
		err := e.db.EachCheckFinding(ctx, c.Check, shown, func(f *store.RuleFinding) error {
			out = append(out, *f)
			return nil
		})
		return out, err
	})
	if err != nil {
		return nil, err
	}
	head, _ := v.([]CheckFinding)
	from := min((page-1)*perPage, len(head))
	items := head[from:min(from+perPage, len(head))]
	if items == nil {
		items = []CheckFinding{}
	}
	return &CheckFindingList{FindingCheck: c, Total: c.Findings, Page: page, PerPage: perPage, Items: items}, nil
}

// findingCheck returns the check of this id (compared as the store
// compares it) with its counts; ErrNotFound when ruledex has no such check
// and the catalog no finding of it.
func (e *exportStore) findingCheck(ctx context.Context, check string) (FindingCheck, error) {
	cs, err := e.FindingChecks(ctx)
	if err != nil {
		return FindingCheck{}, err
	}
	for _, c := range cs {
		if c.Check == check {
			return c, nil
		}
	}
	return FindingCheck{}, ErrNotFound
}

// writeCheckJSON writes the JSON of every finding of a check to w, as
// CheckFindings(ctx, check, 1, 0) makes it, a finding at a time.
func (e *exportStore) writeCheckJSON(ctx context.Context, check string, w io.Writer) error {
	c, err := e.findingCheck(ctx, check)
	if err != nil {
		return err
	}
	head, err := json.Marshal(&CheckFindingList{FindingCheck: c, Total: c.Findings, Page: 1, Items: []CheckFinding{}})
	if err != nil {
		return err
	}
	// The list's items are its last field: its JSON ends with "items":[]}.
	head, ok := bytes.CutSuffix(head, []byte("]}"))
	if !ok {
		return fmt.Errorf("%s: the JSON of a check's findings does not end with its items", check)
	}
	if _, err := w.Write(head); err != nil {
		return err
	}
	first := true
	err = e.db.EachCheckFinding(ctx, c.Check, 0, func(f *store.RuleFinding) error {
		b, err := json.Marshal(f)
		if err != nil {
			return err
		}
		if !first {
			if _, err := w.Write([]byte{','}); err != nil {
				return err
			}
		}
		first = false
		_, err = w.Write(b)
		return err
	})
	if err != nil {
		return err
	}
	_, err = w.Write([]byte("]}\n"))
	return err
}

// indicatorListing is one listing of indicators (every one, or a field's)
// made once for all its pages: its total and fields as the store counts
// them, and where its indicators are in the store's list.
type indicatorListing struct {
	first *IndicatorList
	all   []store.IndicatorSummary
	at    []int32 // positions in all; nil: all of them
}

// indicatorFields are the positions of the indicators of each field in the
// store's list, grouped in one walk of it.
type indicatorFields struct {
	spelling []string  // a field as one indicator writes it, by group
	at       [][]int32 // its indicators' positions, in order, by group
	byLower  map[string]int
	nonASCII []int // groups whose spelling is not ASCII
}

// indicatorFields returns the store's indicators grouped by field, made
// once an export: a field's listing takes its group instead of walking
// every indicator (the fields times the indicators).
func (e *exportStore) indicatorFields(ctx context.Context) (*indicatorFields, error) {
	e.fieldsOnce.Do(func() {
		all, err := e.db.AllIndicators(ctx)
		if err != nil {
			e.fieldsErr = err
			return
		}
		g := &indicatorFields{byLower: map[string]int{}}
		for i, in := range all {
			k := strings.ToLower(in.Field)
			n, ok := g.byLower[k]
			if !ok {
				n = len(g.at)
				g.byLower[k] = n
				g.spelling = append(g.spelling, in.Field)
				g.at = append(g.at, nil)
				if !isASCII(in.Field) {
					g.nonASCII = append(g.nonASCII, n)
				}
			}
			g.at[n] = append(g.at[n], int32(i))
		}
		e.fields = g
	})
	return e.fields, e.fieldsErr
}

// of returns the positions of the indicators whose field is field but for
// case, as the store's Indicators compares them (strings.EqualFold): the
// group of its lower case, and any other group EqualFold joins to it (a
// letter with two lower cases), merged in order.
func (g *indicatorFields) of(field string) (at []int32, oneGroup bool) {
	var groups [][]int32
	if n, ok := g.byLower[strings.ToLower(field)]; ok && strings.EqualFold(g.spelling[n], field) {
		groups = append(groups, g.at[n])
	}
	// A letter with two lower cases (ſ and s): any other group EqualFold
	// joins, among those written with a letter beyond ASCII.
	others := g.nonASCII
	if !isASCII(field) {
		groups, others = groups[:0], nil
		for n := range g.spelling {
			others = append(others, n)
		}
	}
	for _, n := range others {
		if strings.EqualFold(g.spelling[n], field) && (len(groups) == 0 || &groups[0][0] != &g.at[n][0]) {
			groups = append(groups, g.at[n])
		}
	}
	switch len(groups) {
	case 0:
		return []int32{}, true
	case 1:
		return groups[0], true
	}
	var out []int32
	for _, at := range groups {
		out = append(out, at...)
	}
	slices.Sort(out)
	return out, false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// Indicators implements Catalog: the pages of a listing of every
// indicator, or of a field's, from one walk of the store's list a listing
// (Indicators walks it all for each page, a cost that grows with the pages
// times the indicators); other queries from the store.
func (e *exportStore) Indicators(ctx context.Context, q IndicatorQuery) (*IndicatorList, error) {
	if q.Text != "" || q.Kind != "" {
		return e.StoreCatalog.Indicators(ctx, q)
	}
	v, err := e.other.get("indicators\x00"+q.Field, func() (any, error) {
		all, err := e.db.AllIndicators(ctx)
		if err != nil {
			return nil, err
		}
		l := &indicatorListing{all: all}
		if q.Field != "" {
			fields, err := e.indicatorFields(ctx)
			if err != nil {
				return nil, err
			}
			var one bool
			l.at, one = fields.of(q.Field)
			if one {
				// Its one field, counted as the store counts them (the
				// first spelling of the field in the list).
				l.first = &IndicatorList{Total: len(l.at), Fields: []FacetCount{}}
				if len(l.at) > 0 {
					l.first.Fields = append(l.first.Fields, FacetCount{Value: all[l.at[0]].Field, Count: len(l.at)})
				}
				return l, nil
			}
		}
		// Every field's counts (or a field's written in two lower cases):
		// the store's walk, once a listing.
		if l.first, err = e.StoreCatalog.Indicators(ctx, IndicatorQuery{Field: q.Field, PerPage: 1}); err != nil {
			return nil, err
		}
		return l, nil
	})
	if err != nil {
		return nil, err
	}
	l := v.(*indicatorListing)
	qq := Query{Page: q.Page, PerPage: q.PerPage}.Norm()
	qq.PerPage = min(qq.PerPage, store.MaxIndicatorsPerPage)
	out := &IndicatorList{Total: l.first.Total, Page: qq.Page, PerPage: qq.PerPage, Fields: l.first.Fields, Indicators: []IndicatorSummary{}}
	n := len(l.all)
	if l.at != nil {
		n = len(l.at)
	}
	for k := (qq.Page - 1) * qq.PerPage; k < n && len(out.Indicators) < qq.PerPage; k++ {
		i := k
		if l.at != nil {
			i = int(l.at[k])
		}
		out.Indicators = append(out.Indicators, IndicatorSummary(l.all[i]))
	}
	return out, nil
}

// exportRuleMemo is how many rules read whole an export keeps: a rule's
// page and its JSON are jobs one after the other.
const exportRuleMemo = 32

// exportRule is a rule read whole and the tokens of its query its body
// carries.
type exportRule struct {
	r    *rule.Rule
	toks store.BodyTokens
}

// rule returns the rule of this id read whole, once for its JSON and its
// page (Rule, RuleShownTokens): two reads of it otherwise when the catalog
// is larger than the rule cache (every rule at N = 15 forks of the
// corpus).
func (e *exportStore) rule(ctx context.Context, id string) (exportRule, error) {
	v, err := e.rules.get(id, func() (any, error) {
		if !e.cold {
			if r, _, whole, toks := e.cache.getTokens(id); r != nil && whole {
				return exportRule{r, toks}, nil
			}
		}
		r, _, toks, err := e.db.RuleShownTokens(ctx, id, 0)
		if errors.Is(err, store.ErrNotFound) {
			return nil, ErrNotFound
		}
		if err != nil {
			return nil, err
		}
		return exportRule{r, toks}, nil
	})
	er, _ := v.(exportRule)
	return er, err
}

// Rule implements Catalog: the rule read whole (rule).
func (e *exportStore) Rule(ctx context.Context, id string) (*rule.Rule, error) {
	er, err := e.rule(ctx, id)
	return er.r, err
}

// RuleShown implements Catalog: the rule read whole (rule), its lists of
// links cut as a page shows them.
func (e *exportStore) RuleShown(ctx context.Context, id string) (*rule.Rule, LinkTotals, error) {
	r, tot, _, err := e.RuleShownTokens(ctx, id)
	return r, tot, err
}

// RuleShownTokens is RuleShown with the tokens of the rule's query (the
// rule page's way to the rule, StoreCatalog.RuleShownTokens).
func (e *exportStore) RuleShownTokens(ctx context.Context, id string) (*rule.Rule, LinkTotals, store.BodyTokens, error) {
	er, err := e.rule(ctx, id)
	if err != nil {
		return nil, LinkTotals{}, "", err
	}
	r := er.r
	return shownRule(r), LinkTotals{SameAction: len(r.SameAction), NearDuplicates: len(r.NearDuplicates), SameBehaviour: len(r.SameBehaviour)}, er.toks, nil
}

// RuleFindingsShown implements Catalog: none, without asking the store,
// for a rule asked by its own id that ruledex lint found nothing in (two
// rules in three of the corpus); the export asks it of the rule whose page
// it makes, read already (Rule).
func (e *exportStore) RuleFindingsShown(ctx context.Context, id string) ([]lint.Finding, int, error) {
	if r, err := e.Rule(ctx, id); err == nil && r.ID == id && !e.withFindings[id] {
		return []lint.Finding{}, 0, nil
	}
	return e.StoreCatalog.RuleFindingsShown(ctx, id)
}

// exportCanonicalMemo is how many lists of canonical indicators (every
// one's, a field's; with or without those of one rule) an export keeps:
// the export makes the pages of every field's, and canonical pages ask for
// their field's, in no order of field; together they hold each indicator
// of the store's list twice at most.
const exportCanonicalMemo = 1 << 14

// CanonicalIndicators implements canonicalLister: a page of a list made
// once for all its pages and for every canonical page of its field (the
// store's sorts the list for each; at 164,000 rules 30 s of the export).
func (e *exportStore) CanonicalIndicators(ctx context.Context, q store.CanonicalQuery) (*store.CanonicalList, error) {
	v, err := e.canonical.get(q.Field+"\x00"+strconv.Itoa(q.MinRules), func() (any, error) {
		all := q
		all.Page, all.PerPage = 1, 0
		return e.StoreCatalog.CanonicalIndicators(ctx, all)
	})
	if err != nil {
		return nil, err
	}
	l := *v.(*store.CanonicalList)
	l.Page, l.PerPage = max(q.Page, 1), q.PerPage
	if q.PerPage > 0 {
		lo := min((l.Page-1)*q.PerPage, len(l.Indicators))
		l.Indicators = l.Indicators[lo:min(lo+q.PerPage, len(l.Indicators))]
	}
	// Shared with the memo (pages read them), capped so that an append
	// copies.
	l.Indicators = slices.Clip(l.Indicators)
	if l.Indicators == nil {
		l.Indicators = []store.CanonicalSummary{}
	}
	l.Fields = slices.Clip(l.Fields)
	return &l, nil
}
