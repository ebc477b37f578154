package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/ruledex/ruledex/internal/attack"
	"github.com/ruledex/ruledex/internal/lint"
	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/store"
)

// StoreCatalog serves a catalog built into SQLite (package store), the one
// search engine of every face: `serve --db`, `serve SOURCE...` and the
// embedded examples (built into a temporary catalog), the static export.
// Every answer comes from the store: whole rules (kept decoded while a
// budget lasts, see ruleCache), searches and listings with their facet
// counts (the facets the build wrote), statistics, coverage, indicators,
// tables, repositories and actions. A catalog never changes under its
// reader, so what is asked for again (statistics, the matrix) is kept.
// (A build that writes over a catalog in place changes it under its
// readers; `serve --db` opens it anew within a watch interval, and until
// then what it kept is the last build's.)
type StoreCatalog struct {
	db      *store.DB
	version string
	cache   *ruleCache
	sources []store.Source // of the last build, for Repo
	built   string         // when the last build ran (RFC 3339), if known
	// withFindings are the rules lint found something in: RuleFindings
	// asks the database of those only.
	withFindings map[string]bool
	// shownFindings are the findings a rule page shows of every rule that
	// has some, by its id, when every rule is kept decoded (nil otherwise):
	// a page then asks the database nothing.
	shownFindings map[string]keptFindings

	statsMu sync.Mutex
	stats   *Stats // counted when first asked

	mu  sync.Mutex
	cov map[*attack.Table]*Coverage // by the ATT&CK table it was made over
}

// OpenStore opens the catalog database at path for the web faces.
func OpenStore(path string) (*StoreCatalog, error) {
	db, err := store.Open(path)
	if err != nil {
		return nil, err
	}
	c := &StoreCatalog{db: db, cache: newRuleCache(RuleCacheBytes), cov: map[*attack.Table]*Coverage{}}
	h := sha256.New()
	fmt.Fprint(h, path, "\x00", db.Version())
	if st, err := os.Stat(path); err == nil {
		fmt.Fprint(h, st.ModTime().UnixNano(), st.Size())
	}
	ctx := context.Background()
	// The last build alone (its time names the catalog's version): the
	// counts of Stats wait until a page asks for them.
	lb, err := db.LastBuild(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	fmt.Fprint(h, lb.Time.UnixNano())
	if !lb.Time.IsZero() {
		c.built = lb.Time.UTC().Format("2006-01-02T15:04:05Z")
	}
	c.sources = lb.Sources
	c.version = hex.EncodeToString(h.Sum(nil))[:16]
	if c.withFindings, err = db.RulesWithFindings(ctx); err != nil {
		db.Close()
		return nil, err
	}
	// Rules are kept decoded while the cache's budget lasts (read in one
	// statement, a rule costs a tenth of what one query for it does), so
	// that a rule page, even its first time, does not wait for SQLite.
	// Nothing but Rule reads them.
	err = db.EachRuleShownTokens(ctx, maxShownLinks, func(r *rule.Rule, tot LinkTotals, toks store.BodyTokens) error {
		if !c.cache.fill(r, tot, toks) {
			return errCacheFull
		}
		return nil
	})
	if err != nil && !errors.Is(err, errCacheFull) {
		db.Close()
		return nil, err
	}
	if err == nil {
		kept := map[string]keptFindings{}
		err = db.EachRuleFindingsShown(ctx, maxShownFindings, func(id string, fs []lint.Finding, total int) error {
			kept[id] = keptFindings{fs, total}
			return nil
		})
		if err != nil {
			db.Close()
			return nil, err
		}
		c.shownFindings = kept
	}
	return c, nil
}

// keptFindings are the findings a rule page shows of a rule, and the
// number of them all.
type keptFindings struct {
	fs    []lint.Finding
	total int
}

// ruleFindingsKept returns what RuleFindingsShown returns for the rule
// with this id (its own spelling) when the catalog keeps it, without
// asking the database; ok is false when it does not.
func (c *StoreCatalog) ruleFindingsKept(id string) (fs []lint.Finding, total int, ok bool) {
	if c.shownFindings == nil {
		return nil, 0, false
	}
	if k, ok := c.shownFindings[id]; ok {
		return k.fs, k.total, true
	}
	if c.withFindings[id] {
		return nil, 0, false // found by lint but not kept: ask the database
	}
	return []lint.Finding{}, 0, true
}

var errCacheFull = errors.New("rule cache full")

// Close closes the database.
func (c *StoreCatalog) Close() error { return c.db.Close() }

// DB returns the store the catalog reads.
func (c *StoreCatalog) DB() *store.DB { return c.db }

// Version implements Catalog.
func (c *StoreCatalog) Version() string { return c.version }

// Stats implements Catalog: counted by the store when first asked (a
// pass over the rules' columns, 0.4 s at 164,000 rules) and kept.
func (c *StoreCatalog) Stats(ctx context.Context) (*Stats, error) {
	c.statsMu.Lock()
	defer c.statsMu.Unlock()
	if c.stats != nil {
		return c.stats, nil
	}
	s, err := c.db.Stats(ctx)
	if err != nil {
		return nil, err
	}
	c.stats = &Stats{Rules: s.Rules, ByPlatform: s.ByPlatform, ByLanguage: s.ByLanguage, ByKind: s.ByKind, ByRepo: s.ByRepo,
		Tables: s.Tables, Techniques: s.Techniques, Indicators: s.Indicators, Events: s.Events, WithErrors: s.WithErrors,
		Diagnostics: s.Diagnostics, Built: c.built}
	return c.stats, nil
}

// Rule implements Catalog.
func (c *StoreCatalog) Rule(ctx context.Context, id string) (*rule.Rule, error) {
	if r, _, whole := c.cache.get(id); r != nil && whole {
		return r, nil
	}
	r, err := c.db.Rule(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	c.cache.put(id, r, LinkTotals{SameAction: len(r.SameAction), NearDuplicates: len(r.NearDuplicates), SameBehaviour: len(r.SameBehaviour)}, "")
	return r, nil
}

// RuleShown implements Catalog: a rule kept whole is cut (a copy of its
// head, its lists shared); one not kept is read with its lists cut and
// kept so.
func (c *StoreCatalog) RuleShown(ctx context.Context, id string) (*rule.Rule, LinkTotals, error) {
	r, tot, _, err := c.RuleShownTokens(ctx, id)
	return r, tot, err
}

// RuleShownTokens is RuleShown with the tokens of the rule's query that
// the catalog made when it was built ("" when it has none): what a rule
// page highlights the query with.
func (c *StoreCatalog) RuleShownTokens(ctx context.Context, id string) (*rule.Rule, LinkTotals, store.BodyTokens, error) {
	if r, tot, _, toks := c.cache.getTokens(id); r != nil {
		return shownRule(r), tot, toks, nil
	}
	r, tot, toks, err := c.db.RuleShownTokens(ctx, id, maxShownLinks)
	if errors.Is(err, store.ErrNotFound) {
		return nil, tot, "", ErrNotFound
	}
	if err != nil {
		return nil, tot, "", err
	}
	c.cache.put(id, r, tot, toks)
	return r, tot, toks, nil
}

// RuleLinks implements Catalog.
func (c *StoreCatalog) RuleLinks(ctx context.Context, id string, offset, limit int) (*Links, error) {
	ls, err := c.db.RuleLinks(ctx, id, offset, limit)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return &ls, nil
}

// RuleIDs implements Catalog.
func (c *StoreCatalog) RuleIDs(ctx context.Context) ([]string, error) { return c.db.IDs(ctx) }

// Coverage implements Catalog: over the ATT&CK table in use
// (attack.Default), made once per table.
func (c *StoreCatalog) Coverage(ctx context.Context) (*Coverage, error) {
	t := attack.Default()
	c.mu.Lock()
	cov := c.cov[t]
	c.mu.Unlock()
	if cov != nil {
		return cov, nil
	}
	m, err := c.db.Coverage(ctx, t, nil)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if cov := c.cov[t]; cov != nil { // (made meanwhile by another request: one coverage a table, Server.covJSON keys by it)
		return cov, nil
	}
	c.cov[t] = &m
	return &m, nil
}

// Indicators implements Catalog.
func (c *StoreCatalog) Indicators(ctx context.Context, q IndicatorQuery) (*IndicatorList, error) {
	qq := Query{Page: q.Page, PerPage: q.PerPage}.Norm()
	l, err := c.db.Indicators(ctx, store.IndicatorQuery{Field: q.Field, Kind: q.Kind, Text: q.Text, Page: qq.Page, PerPage: qq.PerPage})
	if err != nil {
		return nil, err
	}
	out := &IndicatorList{Total: l.Total, Page: l.Page, PerPage: l.PerPage, Indicators: make([]IndicatorSummary, len(l.Indicators)),
		Fields: make([]FacetCount, len(l.Fields))}
	for i, in := range l.Indicators {
		out.Indicators[i] = IndicatorSummary(in)
	}
	for i, f := range l.Fields {
		out.Fields[i] = FacetCount(f)
	}
	return out, nil
}

// Indicator implements Catalog.
func (c *StoreCatalog) Indicator(ctx context.Context, field, kind, value string) (*IndicatorResult, error) {
	hits, err := c.db.Indicator(ctx, field, kind, value)
	if err != nil {
		return nil, err
	}
	if field == "" {
		// The store takes "" for any field; here it is the field of
		// keyword indicators, which name none.
		keep := hits[:0]
		for _, h := range hits {
			if h.Field == "" {
				keep = append(keep, h)
			}
		}
		hits = keep
	}
	if len(hits) == 0 {
		return nil, ErrNotFound
	}
	res := &IndicatorResult{Field: field, Kind: kind, Value: value, Rules: make([]IndicatorUse, len(hits))}
	// The field and value as a rule writes them (the first, by id, that
	// writes them as asked but for case).
	res.Field, res.Value = hits[0].Field, hits[0].Value
	for i, h := range hits {
		res.Rules[i] = IndicatorUse{RuleRef: rule.RuleRef{ID: h.ID, Platform: h.Platform, Title: h.Title, Path: h.Path, Actions: []string{}},
			Kind: h.Kind, CaseSensitive: h.CaseSensitive, All: h.All}
	}
	return res, nil
}

// Search implements Catalog: text searches, listings and their facet
// counts, all from the store (the facets the build wrote). A text search
// counts the 50 most frequent values of each facet, a listing every value
// (the pages of facet values list them all).
func (c *StoreCatalog) Search(ctx context.Context, q Query) (*Result, error) {
	return c.search(ctx, q, FacetKeys)
}

// search is Search counting only the facets keys (none: the hits alone).
func (c *StoreCatalog) search(ctx context.Context, q Query, keys []string) (*Result, error) {
	q = q.Norm()
	text := strings.TrimSpace(q.Text) != ""
	sq := store.Query{Text: q.Text, Facets: map[string][]string{}, Page: q.Page, PerPage: q.PerPage, FacetKeys: keys,
		FacetLimit: -1, Browse: q.Browse, Sort: q.Sort}
	if !store.IsSort(q.Sort) {
		return nil, badRequest(fmt.Sprintf("no sort %q; sorts: %s", q.Sort, strings.Join(store.Sorts, ", ")))
	}
	if text {
		sq.FacetLimit = 50
	}
	for _, f := range q.Facets {
		if !validFacetKey(f.Key) {
			return nil, badRequest(fmt.Sprintf("no facet %q; facets: %s", f.Key, strings.Join(FacetKeys, ", ")))
		}
		sq.Facets[f.Key] = append(sq.Facets[f.Key], f.Value)
	}
	sr, err := c.db.Search(ctx, sq)
	if err != nil {
		if store.IsQueryError(err) {
			return nil, badRequest(err.Error())
		}
		if ctx.Err() == nil && (strings.Contains(err.Error(), "syntax") || strings.Contains(err.Error(), "fts5")) {
			return nil, badRequest("cannot search for this text: " + err.Error())
		}
		return nil, err
	}
	res := &Result{Total: sr.Total, Page: sr.Page, PerPage: sr.PerPage, Hits: make([]Hit, 0, len(sr.Hits)), Facets: map[string][]FacetCount{}}
	for _, h := range sr.Hits {
		hit := Hit{ID: h.ID, Platform: h.Platform, Language: h.Language, Kind: h.Kind, Title: h.Title, Severity: h.Severity,
			Repo: h.Repo, Path: h.Path, Techniques: nonNilStrings(h.Techniques), Tables: nonNilStrings(h.Tables), Snippet: h.Text, Marks: []Span{},
			Matched: nonNilStrings(h.Matched)}
		for _, m := range h.Marks {
			if m.Start >= 0 && m.Start < m.End && m.End <= len(hit.Snippet) {
				hit.Marks = append(hit.Marks, Span{m.Start, m.End})
			}
		}
		res.Hits = append(res.Hits, hit)
	}
	for _, k := range FacetKeys {
		cs := make([]FacetCount, len(sr.Facets[k]))
		for i, cnt := range sr.Facets[k] {
			cs[i] = FacetCount(cnt)
		}
		res.Facets[k] = cs
	}
	return res, nil
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// IDsWithPrefix returns the ids that start with prefix, ignoring case
// (see Server.ruleIDOf).
func (c *StoreCatalog) IDsWithPrefix(ctx context.Context, prefix string) ([]string, error) {
	return c.db.IDsWithPrefix(ctx, prefix)
}
