package web

import (
	"container/list"
	"sync"

	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/store"
)

// RuleCacheBytes bounds the memory of the decoded rules a StoreCatalog
// keeps (as estimated by ruleBytes), so that rule pages and the rules' JSON
// skip reading and decoding them: reading a rule from SQLite costs more than
// making its page. OpenStore fills it (the corpus of 6,600 rules takes about
// 70 MB, so it is kept whole and no request reads the database for a rule);
// a larger catalog keeps the most recently used.
const RuleCacheBytes = 128 << 20

// ruleCache keeps decoded rules by id, in a least-recently-used list
// bounded by bytes.
type ruleCache struct {
	mu    sync.Mutex
	max   int // bytes for the list
	size  int
	items map[string]*list.Element
	order *list.List // front: most recent
}

type cached struct {
	id   string
	r    *rule.Rule
	tot  LinkTotals       // the whole lengths of r's lists of links
	toks store.BodyTokens // the tokens of r's query its body carries (sharing its memory), if known
	size int
}

// whole tells whether the lists of links of r are whole (not cut to the
// first of each, as a page shows them).
func (c *cached) whole() bool {
	return len(c.r.SameAction) == c.tot.SameAction && len(c.r.NearDuplicates) == c.tot.NearDuplicates &&
		len(c.r.SameBehaviour) == c.tot.SameBehaviour
}

func newRuleCache(maxBytes int) *ruleCache {
	return &ruleCache{max: maxBytes, items: map[string]*list.Element{}, order: list.New()}
}

// fill keeps r (its lists of links of whole lengths tot) when the budget
// has room for it, and tells whether it did.
func (c *ruleCache) fill(r *rule.Rule, tot LinkTotals, toks store.BodyTokens) bool {
	n := ruleBytes(r)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.size+n > c.max {
		return false
	}
	if _, ok := c.items[r.ID]; !ok {
		c.items[r.ID] = c.order.PushBack(&cached{r.ID, r, tot, toks, n})
		c.size += n
	}
	return true
}

// get returns the rule kept as id, the whole lengths of its lists of links
// and whether they are whole; nil when it is not kept.
func (c *ruleCache) get(id string) (*rule.Rule, LinkTotals, bool) {
	r, tot, whole, _ := c.getTokens(id)
	return r, tot, whole
}

// getTokens is get with the tokens of the rule's query, if known.
func (c *ruleCache) getTokens(id string) (*rule.Rule, LinkTotals, bool, store.BodyTokens) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[id]; ok {
		c.order.MoveToFront(e)
		p := e.Value.(*cached)
		return p.r, p.tot, p.whole(), p.toks
	}
	return nil, LinkTotals{}, false, ""
}

// put keeps r as the rule id, its lists of links of whole lengths tot, the
// tokens of its query toks ("": those kept before, if any).
func (c *ruleCache) put(id string, r *rule.Rule, tot LinkTotals, toks store.BodyTokens) {
	n := ruleBytes(r)
	if n > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[id]; ok {
		old := e.Value.(*cached)
		c.size += n - old.size
		old.r, old.tot, old.size = r, tot, n
		if toks != "" {
			old.toks = toks
		}
		c.order.MoveToFront(e)
	} else {
		c.items[id] = c.order.PushFront(&cached{id, r, tot, toks, n})
		c.size += n
	}
	for c.size > c.max {
		last := c.order.Back()
		p := last.Value.(*cached)
		c.order.Remove(last)
		delete(c.items, p.id)
		c.size -= p.size
	}
}

// ruleBytes estimates the heap a decoded rule takes: its text and the
// headers of its strings, slices and structs. It counts strings shared
// between rules (platform names, kinds) each time but not the rounding of
// allocations to size classes; on the corpus it comes within 10% of the heap
// the rules take, and an eighth is added for that.
func ruleBytes(r *rule.Rule) int {
	const str, slice, ptr = 16, 24, 8
	s := func(x string) int { return str + len(x) }
	ss := func(xs []string) int {
		n := slice
		for _, x := range xs {
			n += s(x)
		}
		return n
	}
	n := 1024 // the struct itself: ~60 string and slice headers
	n += len(r.ID) + len(r.UID) + len(r.Name) + len(r.Title) + len(r.Description) + len(r.Query) + len(r.Explanation)
	n += len(r.Source.Repo) + len(r.Source.Path) + len(r.Source.URL)
	n += len(r.Date) + len(r.Modified) + len(r.Version) + len(r.TimeWindow) + len(r.Frequency) + len(r.Trigger)
	for _, xs := range [][]string{r.Authors, r.References, r.Tags, r.FalsePositives, r.Tactics, r.GroupBy,
		r.Tables, r.Operators, r.Functions, r.Keywords, r.DataConnectors, r.Actions} {
		n += ss(xs)
	}
	for _, x := range r.Related {
		n += s(x.ID) + s(x.Type)
	}
	for _, t := range r.Techniques {
		n += 6*str + len(t.ID) + len(t.Name) + len(t.Tactic) + len(t.RevokedBy) + len(t.StatedAs) + ss(t.Tactics) + 8
	}
	for k, v := range r.Settings {
		n += s(k) + s(v) + ptr
	}
	for _, p := range r.Params {
		n += s(p.Name) + s(p.Kind) + s(p.Value)
	}
	n += stagesBytes(r.Stages)
	for _, in := range r.Indicators {
		n += 2*str + len(in.Field) + len(in.Kind) + 8 + ss(in.Values) + slice
		for _, c := range in.Corpus {
			n += s(c.Value) + 8 + ptr + 48 + len(c.ByPlatform)*(str+8+16)
		}
	}
	for _, o := range r.Outputs {
		n += s(o.Name) + s(o.Source) + 8 + s(o.Expr) + s(o.Entity)
	}
	for _, e := range r.EntityMappings {
		n += s(e.EntityType) + s(e.Identifier) + s(e.Column)
	}
	for _, e := range r.Events {
		n += s(e.Provider) + s(e.Event) + s(e.Title) + s(e.Channel)
	}
	for _, rs := range [][]rule.RuleRef{r.SameAction, r.NearDuplicates} {
		for _, x := range rs {
			n += s(x.ID) + s(x.Platform) + s(x.Title) + s(x.Path) + ss(x.Actions)
		}
	}
	for _, x := range r.SameBehaviour {
		n += s(x.ID) + s(x.Platform) + s(x.Title) + s(x.Path) + 8 + ss(x.Shared)
	}
	for _, c := range r.Canonical {
		n += s(c.Field) + s(c.Kind) + s(c.Value) + 8 + ss(c.From) + ptr + 48 + len(c.ByPlatform)*(str+8+16)
	}
	for _, d := range r.Diagnostics {
		n += 128 + len(d.Message) + len(d.Path)
	}
	return n + n/8
}

func stagesBytes(ss []rule.Stage) int {
	n := 0
	for _, st := range ss {
		n += 3*8 + 4*16 + 2*24 + len(st.Kind) + len(st.Text) + len(st.Source) + len(st.TimeWindow)
		for _, p := range st.Predicates {
			n += 3*16 + 24 + 8 + len(p.Field) + len(p.Kind) + len(p.Text)
			for _, v := range p.Values {
				n += 16 + len(v)
			}
		}
		n += stagesBytes(st.Stages)
	}
	return n
}
