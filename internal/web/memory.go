package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ruledex/ruledex/internal/rule"
)

// Memory is a Catalog over rules held in memory: substring search with facet
// counts, indicator and coverage tables computed once. It serves the embedded
// examples and the tests; a built catalog is served from the store.
type Memory struct {
	version     string
	rules       []*rule.Rule // sorted by id
	byID        map[string]*rule.Rule
	docs        []memDoc // parallel to rules
	titleRank   []int    // parallel to rules: position in title order
	stats       *Stats
	cov         *Coverage
	inds        []IndicatorSummary           // most used first
	indsByField map[string][]int             // lower-cased field → indexes in inds
	indFields   []FacetCount                 // the fields of inds, most used first
	indRules    map[indKey][]IndicatorUse    // exact (field, kind, value), field and value lower-cased
	indAny      map[[2]string][]IndicatorUse // (field, value) of any kind
	indCanon    map[[2]string][2]string      // (field, value) lower-cased → as first written
	tableFields map[string][]FieldCount      // by table, lower-cased: see TableFields
	facetIdx    map[string]map[string][]int  // facet key → lower-cased value → indexes of rules, ascending

	mu      sync.Mutex
	results map[string]*memResult // recent query results, see Search
}

type indKey struct{ field, kind, value string }

// memDoc is a rule prepared for search.
type memDoc struct {
	title, id, desc, body string // lower-cased
	other                 string // tables, keywords, tags, authors, techniques: lower-cased, '\n'-separated
	facets                map[string][]string
}

// NewMemory builds a catalog over rules. It fills the corpus counts of the
// rules' indicators when they are empty (the catalog package fills them for a
// built catalog), so it modifies the rules it is given.
func NewMemory(rules []*rule.Rule) *Memory {
	m := &Memory{byID: map[string]*rule.Rule{}, indRules: map[indKey][]IndicatorUse{}, indAny: map[[2]string][]IndicatorUse{}}
	for _, r := range rules {
		if r == nil || r.ID == "" {
			continue
		}
		if _, dup := m.byID[r.ID]; dup {
			continue
		}
		m.byID[r.ID] = r
		m.rules = append(m.rules, r)
	}
	sort.Slice(m.rules, func(i, j int) bool { return m.rules[i].ID < m.rules[j].ID })
	h := sha256.New()
	h.Write([]byte(time.Now().UTC().Format(time.RFC3339Nano)))
	st := &Stats{ByPlatform: map[string]int{}, ByLanguage: map[string]int{}, ByKind: map[string]int{}, ByRepo: map[string]int{},
		Built: time.Now().UTC().Format(time.RFC3339)}
	tables, techs, events := map[string]bool{}, map[string]bool{}, map[string]bool{}
	sums := map[indKey]*IndicatorSummary{}
	for _, r := range m.rules {
		h.Write([]byte(r.ID))
		h.Write([]byte(r.Query))
		m.docs = append(m.docs, makeDoc(r))
		st.Rules++
		st.ByPlatform[r.Platform]++
		st.ByLanguage[r.Language]++
		st.ByKind[r.Kind]++
		st.ByRepo[r.Source.Repo]++
		for _, t := range r.Tables {
			tables[t] = true
		}
		for _, t := range r.Techniques {
			techs[strings.ToUpper(t.ID)] = true
		}
		for _, e := range r.Events {
			events[e.Provider+"\x00"+e.Event] = true
		}
		if r.HasErrors() {
			st.WithErrors++
		}
		st.Diagnostics += len(r.Diagnostics)
		ref := rule.RuleRef{ID: r.ID, Platform: r.Platform, Title: r.Title, Path: r.Source.Path, Actions: []string{}}
		seen := map[indKey]bool{}
		for _, in := range r.Indicators {
			if in.Negated {
				continue
			}
			for _, v := range in.Values {
				k := indKey{strings.ToLower(in.Field), in.Kind, strings.ToLower(v)}
				if seen[k] {
					continue
				}
				seen[k] = true
				use := IndicatorUse{RuleRef: ref, Kind: in.Kind, CaseSensitive: in.CaseSensitive, All: in.All}
				m.indRules[k] = append(m.indRules[k], use)
				ak := [2]string{k.field, k.value}
				m.indAny[ak] = append(m.indAny[ak], use)
				s := sums[k]
				if s == nil {
					s = &IndicatorSummary{Field: in.Field, Kind: in.Kind, Value: v, ByPlatform: map[string]int{}}
					sums[k] = s
				}
				s.Rules++
				s.ByPlatform[r.Platform]++
			}
		}
	}
	st.Tables, st.Techniques, st.Events, st.Indicators = len(tables), len(techs), len(events), len(sums)
	m.stats = st
	m.indCanon = map[[2]string][2]string{}
	for _, s := range sums {
		m.inds = append(m.inds, *s)
	}
	sort.Slice(m.inds, func(i, j int) bool {
		a, b := m.inds[i], m.inds[j]
		if a.Rules != b.Rules {
			return a.Rules > b.Rules
		}
		if a.Field != b.Field {
			return a.Field < b.Field
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Value < b.Value
	})
	m.indsByField = map[string][]int{}
	fieldCounts := map[string]int{}
	for i, s := range m.inds {
		k := [2]string{strings.ToLower(s.Field), strings.ToLower(s.Value)}
		if _, ok := m.indCanon[k]; !ok {
			m.indCanon[k] = [2]string{s.Field, s.Value}
		}
		m.indsByField[k[0]] = append(m.indsByField[k[0]], i)
		fieldCounts[s.Field]++
	}
	m.indFields = sortFieldCounts(fieldCounts)
	// Corpus counts: how many other rules match the same (field, kind, value).
	for _, r := range m.rules {
		for i := range r.Indicators {
			in := &r.Indicators[i]
			if len(in.Corpus) > 0 || in.Negated {
				continue
			}
			for _, v := range in.Values {
				uses := m.indRules[indKey{strings.ToLower(in.Field), in.Kind, strings.ToLower(v)}]
				c := rule.CorpusCount{Value: v, ByPlatform: map[string]int{}}
				for _, u := range uses {
					if u.ID != r.ID {
						c.Total++
						c.ByPlatform[u.Platform]++
					}
				}
				in.Corpus = append(in.Corpus, c)
			}
		}
	}
	order := make([]int, len(m.rules))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		ta, tb := m.docs[order[a]].title, m.docs[order[b]].title
		if ta == "" {
			ta = m.docs[order[a]].id
		}
		if tb == "" {
			tb = m.docs[order[b]].id
		}
		return ta < tb
	})
	m.titleRank = make([]int, len(m.rules))
	for pos, i := range order {
		m.titleRank[i] = pos
	}
	m.cov = ComputeCoverage(m.rules)
	m.computeTableFields()
	m.facetIdx = map[string]map[string][]int{}
	for i := range m.docs {
		for k, vs := range m.docs[i].facets {
			byValue := m.facetIdx[k]
			if byValue == nil {
				byValue = map[string][]int{}
				m.facetIdx[k] = byValue
			}
			for _, v := range vs {
				lv := strings.ToLower(v)
				if l := byValue[lv]; len(l) == 0 || l[len(l)-1] != i {
					byValue[lv] = append(l, i)
				}
			}
		}
	}
	m.version = hex.EncodeToString(h.Sum(nil))[:16]
	return m
}

func makeDoc(r *rule.Rule) memDoc {
	d := memDoc{
		title: strings.ToLower(r.Title),
		id:    strings.ToLower(r.ID),
		desc:  strings.ToLower(r.Description),
		body:  strings.ToLower(r.Query),
	}
	var o []string
	o = append(o, r.Tables...)
	o = append(o, r.Keywords...)
	o = append(o, r.Tags...)
	o = append(o, r.Authors...)
	o = append(o, r.Source.Path)
	for _, t := range r.Techniques {
		o = append(o, t.ID, t.Name)
	}
	for _, e := range r.Events {
		o = append(o, e.Event)
	}
	d.other = strings.ToLower(strings.Join(o, "\n"))
	d.facets = ruleFacets(r)
	return d
}

// ruleFacets returns the facet values of r by key.
func ruleFacets(r *rule.Rule) map[string][]string {
	f := map[string][]string{}
	add := func(k, v string) {
		if v == "" {
			return
		}
		for _, x := range f[k] {
			if strings.EqualFold(x, v) {
				return
			}
		}
		f[k] = append(f[k], v)
	}
	add("platform", r.Platform)
	add("language", r.Language)
	add("kind", r.Kind)
	add("severity", strings.ToLower(r.Severity))
	add("status", strings.ToLower(r.Status))
	add("repo", r.Source.Repo)
	for _, t := range r.Tables {
		add("table", t)
	}
	for _, t := range r.Techniques {
		if t.ID == "" {
			continue
		}
		id := strings.ToUpper(t.ID)
		add("technique", id)
		add("technique", parentTechnique(id))
		for _, ta := range techniqueTactics(r, t) {
			add("tactic", ta)
		}
	}
	for _, ta := range r.Tactics {
		if tc, ok := LookupTactic(ta); ok {
			add("tactic", tc.Short)
		}
	}
	for _, e := range r.Events {
		add("provider", e.Provider)
		add("event", e.Event)
	}
	for _, a := range r.Authors {
		add("author", a)
	}
	return f
}

// Version implements Catalog.
func (m *Memory) Version() string { return m.version }

// Stats implements Catalog.
func (m *Memory) Stats(context.Context) (*Stats, error) { return m.stats, nil }

// Rule implements Catalog.
func (m *Memory) Rule(_ context.Context, id string) (*rule.Rule, error) {
	if r, ok := m.byID[id]; ok {
		return r, nil
	}
	return nil, ErrNotFound
}

// RuleIDs implements Catalog.
func (m *Memory) RuleIDs(context.Context) ([]string, error) {
	ids := make([]string, len(m.rules))
	for i, r := range m.rules {
		ids[i] = r.ID
	}
	return ids, nil
}

// Rules returns every rule, sorted by id.
func (m *Memory) Rules() []*rule.Rule { return m.rules }

// Coverage implements Catalog.
func (m *Memory) Coverage(context.Context) (*Coverage, error) { return m.cov, nil }

// withFacets returns the indexes of the rules that have every facet, in
// ascending order; all is true when there are no facets (every rule).
func (m *Memory) withFacets(fs []Facet) (idx []int, all bool) {
	if len(fs) == 0 {
		return nil, true
	}
	lists := make([][]int, len(fs))
	for i, f := range fs {
		lists[i] = m.facetIdx[f.Key][strings.ToLower(f.Value)]
	}
	sort.Slice(lists, func(i, j int) bool { return len(lists[i]) < len(lists[j]) })
	idx = lists[0]
	for _, l := range lists[1:] {
		var both []int
		j := 0
		for _, x := range idx {
			for j < len(l) && l[j] < x {
				j++
			}
			if j < len(l) && l[j] == x {
				both = append(both, x)
			}
		}
		idx = both
	}
	return idx, false
}

// memResult is the whole result of a query: the rules found, in order, and
// the facet counts. Memory keeps recent ones, since listings are asked for a
// page at a time and the same facet pages are asked for again and again.
type memResult struct {
	found  []int // indexes into rules
	facets map[string][]FacetCount
}

// resultCacheSize bounds the number of results kept.
const resultCacheSize = 512

func (m *Memory) cachedResult(key string) *memResult {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.results[key]
}

func (m *Memory) keepResult(key string, r *memResult) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.results == nil || len(m.results) >= resultCacheSize {
		m.results = map[string]*memResult{}
	}
	m.results[key] = r
}

// resultKey identifies a query's whole result.
func resultKey(terms []string, q Query) string {
	var b strings.Builder
	if q.Browse {
		b.WriteString("b")
	}
	for _, t := range terms {
		b.WriteString("\x00t")
		b.WriteString(t)
	}
	for _, f := range q.Facets {
		b.WriteString("\x00f")
		b.WriteString(f.Key)
		b.WriteString("\x01")
		b.WriteString(strings.ToLower(f.Value))
	}
	return b.String()
}

// Search implements Catalog.
func (m *Memory) Search(_ context.Context, q Query) (*Result, error) {
	q = q.Norm()
	terms := strings.Fields(strings.ToLower(q.Text))
	key := resultKey(terms, q)
	mr := m.cachedResult(key)
	if mr == nil {
		mr = m.search(terms, q)
		m.keepResult(key, mr)
	}
	res := &Result{Total: len(mr.found), Page: q.Page, PerPage: q.PerPage, Hits: []Hit{}, Facets: mr.facets}
	start := (q.Page - 1) * q.PerPage
	for i := start; i < len(mr.found) && i < start+q.PerPage; i++ {
		r := m.rules[mr.found[i]]
		h := makeHit(r)
		h.Snippet, h.Marks = snippet(r, terms)
		res.Hits = append(res.Hits, h)
	}
	return res, nil
}

// search runs a query over every rule.
func (m *Memory) search(terms []string, q Query) *memResult {
	type scored struct {
		i     int
		score int
	}
	var found []scored
	cand, all := m.withFacets(q.Facets)
	if all {
		cand = make([]int, len(m.docs))
		for i := range cand {
			cand[i] = i
		}
	}
	for _, i := range cand {
		d := &m.docs[i]
		r := m.rules[i]
		if q.Browse && r.Kind == rule.KindAlertFeed {
			continue
		}
		ok := true
		score := 0
		for _, t := range terms {
			s := 0
			if strings.Contains(d.title, t) {
				s += 10
			}
			if strings.Contains(d.id, t) {
				s += 5
			}
			if strings.Contains(d.desc, t) {
				s += 2
			}
			if strings.Contains(d.body, t) {
				s++
			}
			if s == 0 && strings.Contains(d.other, t) {
				s++
			}
			if s == 0 {
				ok = false
				break
			}
			score += s
		}
		if ok {
			found = append(found, scored{i, score})
		}
	}
	if len(terms) > 0 {
		sort.SliceStable(found, func(a, b int) bool { return found[a].score > found[b].score })
	} else {
		// Listings without text go by title, as the store's do.
		sort.Slice(found, func(a, b int) bool { return m.titleRank[found[a].i] < m.titleRank[found[b].i] })
	}
	res := &memResult{found: make([]int, len(found)), facets: map[string][]FacetCount{}}
	for i, f := range found {
		res.found[i] = f.i
	}
	counts := map[string]map[string]int{}
	for _, k := range FacetKeys {
		counts[k] = map[string]int{}
	}
	for _, s := range found {
		for k, vs := range m.docs[s.i].facets {
			for _, v := range vs {
				counts[k][v]++
			}
		}
	}
	for k, c := range counts {
		res.facets[k] = sortFieldCounts(c)
	}
	return res
}

func makeHit(r *rule.Rule) Hit {
	h := Hit{ID: r.ID, Platform: r.Platform, Language: r.Language, Kind: r.Kind, Title: r.Title, Severity: r.Severity,
		Repo: r.Source.Repo, Path: r.Source.Path, Techniques: []string{}, Tables: r.Tables, Marks: []Span{}}
	if h.Tables == nil {
		h.Tables = []string{}
	}
	for _, t := range r.Techniques {
		h.Techniques = append(h.Techniques, t.ID)
	}
	return h
}

// snippetLen is the length of a snippet in bytes, about.
const snippetLen = 200

// snippet returns a window of r's description or query around the first
// term found, and the ranges of every term in it.
func snippet(r *rule.Rule, terms []string) (string, []Span) {
	texts := []string{r.Description, r.Query}
	for _, text := range texts {
		if text == "" {
			continue
		}
		low := strings.ToLower(text)
		at := -1
		for _, t := range terms {
			if i := strings.Index(low, t); i >= 0 && (at < 0 || i < at) {
				at = i
			}
		}
		if at < 0 && len(terms) > 0 {
			continue
		}
		if at < 0 {
			at = 0
		}
		// ToLower keeps the offsets of ASCII text; for other text the
		// lower-cased form may differ in length, so stay inside text.
		at = min(at, len(text))
		start := max(at-snippetLen/3, 0)
		end := min(start+snippetLen, len(text))
		// Keep whole UTF-8 characters.
		for start > 0 && !isRuneStart(text[start]) {
			start--
		}
		for end < len(text) && !isRuneStart(text[end]) {
			end++
		}
		s := text[start:end]
		ls := strings.ToLower(s)
		var marks []Span
		if len(ls) == len(s) {
			for _, t := range terms {
				for off := 0; ; {
					i := strings.Index(ls[off:], t)
					if i < 0 {
						break
					}
					marks = append(marks, Span{off + i, off + i + len(t)})
					off += i + len(t)
				}
			}
		}
		marks = mergeSpans(marks)
		prefix, suffix := "", ""
		if start > 0 {
			prefix = "…"
		}
		if end < len(text) {
			suffix = "…"
		}
		for i := range marks {
			marks[i].Start += len(prefix)
			marks[i].End += len(prefix)
		}
		return prefix + s + suffix, marks
	}
	return "", []Span{}
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

func mergeSpans(ss []Span) []Span {
	if len(ss) == 0 {
		return []Span{}
	}
	sort.Slice(ss, func(i, j int) bool { return ss[i].Start < ss[j].Start })
	out := []Span{ss[0]}
	for _, s := range ss[1:] {
		last := &out[len(out)-1]
		if s.Start <= last.End {
			last.End = max(last.End, s.End)
		} else {
			out = append(out, s)
		}
	}
	return out
}

// Indicators implements Catalog.
func (m *Memory) Indicators(_ context.Context, q IndicatorQuery) (*IndicatorList, error) {
	qq := Query{Page: q.Page, PerPage: q.PerPage}.Norm()
	text := strings.ToLower(q.Text)
	out := &IndicatorList{Page: qq.Page, PerPage: qq.PerPage, Indicators: []IndicatorSummary{}, Fields: []FacetCount{}}
	start := (qq.Page - 1) * qq.PerPage
	if q.Field == "" && q.Kind == "" && text == "" {
		// Every indicator: a page of the list made once.
		out.Total, out.Fields = len(m.inds), m.indFields
		if start < len(m.inds) {
			end := min(start+qq.PerPage, len(m.inds))
			out.Indicators = m.inds[start:end:end]
		}
		return out, nil
	}
	each := func(f func(s *IndicatorSummary)) {
		if q.Field == "" {
			for i := range m.inds {
				f(&m.inds[i])
			}
			return
		}
		for _, i := range m.indsByField[strings.ToLower(q.Field)] {
			f(&m.inds[i])
		}
	}
	fields := map[string]int{}
	each(func(s *IndicatorSummary) {
		if q.Kind != "" && s.Kind != q.Kind {
			return
		}
		if text != "" && !strings.Contains(strings.ToLower(s.Value), text) {
			return
		}
		fields[s.Field]++
		if out.Total >= start && out.Total < start+qq.PerPage {
			out.Indicators = append(out.Indicators, *s)
		}
		out.Total++
	})
	out.Fields = sortFieldCounts(fields)
	return out, nil
}

// sortFieldCounts lists values (fields, facet values) by count, most first,
// then by value.
func sortFieldCounts(m map[string]int) []FacetCount {
	out := make([]FacetCount, 0, len(m))
	for f, n := range m {
		out = append(out, FacetCount{f, n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Value < out[j].Value
	})
	return out
}

// Indicator implements Catalog.
func (m *Memory) Indicator(_ context.Context, field, kind, value string) (*IndicatorResult, error) {
	var uses []IndicatorUse
	if kind == "" {
		uses = m.indAny[[2]string{strings.ToLower(field), strings.ToLower(value)}]
	} else {
		uses = m.indRules[indKey{strings.ToLower(field), kind, strings.ToLower(value)}]
	}
	if len(uses) == 0 {
		return nil, ErrNotFound
	}
	if c, ok := m.indCanon[[2]string{strings.ToLower(field), strings.ToLower(value)}]; ok {
		field, value = c[0], c[1]
	}
	res := &IndicatorResult{Field: field, Kind: kind, Value: value, Rules: uses}
	return res, nil
}
