package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/store"
)

// StoreCatalog serves a catalog built into SQLite (package store). Whole
// rules and text searches come from the database (FTS5: phrases, prefixes,
// exclusions, ranking); facet listings, indicator tables, events and the
// ATT&CK coverage come from a light in-memory index of every rule made when
// it is opened (no query text, stages or outputs are kept).
type StoreCatalog struct {
	db      *store.DB
	light   *Memory
	version string
	cache   *ruleCache
	sources []store.Source // of the last build, for Repo
}

// OpenStore opens the catalog database at path for the web faces.
func OpenStore(path string) (*StoreCatalog, error) {
	db, err := store.Open(path)
	if err != nil {
		return nil, err
	}
	c := &StoreCatalog{db: db, cache: newRuleCache(RuleCacheBytes)}
	var light []*rule.Rule
	err = db.EachRule(func(r *rule.Rule) error {
		light = append(light, lightRule(r))
		c.cache.preload(r) // decoded already: kept while the budget lasts
		return nil
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	c.light = NewMemory(light)
	h := sha256.New()
	fmt.Fprint(h, path, "\x00", c.light.Version(), "\x00", db.Version())
	if st, err := os.Stat(path); err == nil {
		fmt.Fprint(h, st.ModTime().UnixNano(), st.Size())
	}
	if s, err := db.Stats(); err == nil {
		fmt.Fprint(h, s.LastBuild.Time.UnixNano())
		c.light.stats.Built = s.LastBuild.Time.UTC().Format("2006-01-02T15:04:05Z")
		c.sources = s.LastBuild.Sources
	}
	c.cache.sealPreload()
	c.version = hex.EncodeToString(h.Sum(nil))[:16]
	return c, nil
}

// lightRule keeps what listings, facets, indicators and coverage need.
func lightRule(r *rule.Rule) *rule.Rule {
	l := &rule.Rule{
		ID: r.ID, Platform: r.Platform, Language: r.Language, Kind: r.Kind, Title: r.Title, Severity: r.Severity,
		Status: r.Status, Source: r.Source, Authors: r.Authors, Techniques: r.Techniques, Tactics: r.Tactics,
		Tables: r.Tables, Events: r.Events, Indicators: r.Indicators, Tags: r.Tags, Keywords: r.Keywords,
	}
	l.Diagnostics = r.Diagnostics // for the statistics and the repository pages
	l.Stages = stageSkeleton(r.Stages)
	if len(r.Description) > 300 {
		l.Description = r.Description[:300]
	} else {
		l.Description = r.Description
	}
	return l
}

// stageSkeleton keeps of ss what TableFields needs: kinds, sources and
// predicate fields, inner pipelines included.
func stageSkeleton(ss []rule.Stage) []rule.Stage {
	if len(ss) == 0 {
		return nil
	}
	out := make([]rule.Stage, len(ss))
	for i, st := range ss {
		out[i] = rule.Stage{N: st.N, Kind: st.Kind, Source: st.Source, Stages: stageSkeleton(st.Stages)}
		if len(st.Predicates) > 0 {
			out[i].Predicates = make([]rule.Predicate, len(st.Predicates))
			for j, p := range st.Predicates {
				out[i].Predicates[j] = rule.Predicate{Field: p.Field, Kind: p.Kind, Negated: p.Negated}
			}
		}
	}
	return out
}

// Close closes the database.
func (c *StoreCatalog) Close() error { return c.db.Close() }

// Version implements Catalog.
func (c *StoreCatalog) Version() string { return c.version }

// Stats implements Catalog.
func (c *StoreCatalog) Stats(ctx context.Context) (*Stats, error) { return c.light.Stats(ctx) }

// Rule implements Catalog.
func (c *StoreCatalog) Rule(_ context.Context, id string) (*rule.Rule, error) {
	if r := c.cache.get(id); r != nil {
		return r, nil
	}
	r, err := c.db.Rule(id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	c.cache.put(id, r)
	return r, nil
}

// RuleIDs implements Catalog.
func (c *StoreCatalog) RuleIDs(ctx context.Context) ([]string, error) { return c.light.RuleIDs(ctx) }

// Coverage implements Catalog.
func (c *StoreCatalog) Coverage(ctx context.Context) (*Coverage, error) { return c.light.Coverage(ctx) }

// Indicators implements Catalog.
func (c *StoreCatalog) Indicators(ctx context.Context, q IndicatorQuery) (*IndicatorList, error) {
	return c.light.Indicators(ctx, q)
}

// Indicator implements Catalog.
func (c *StoreCatalog) Indicator(ctx context.Context, field, kind, value string) (*IndicatorResult, error) {
	return c.light.Indicator(ctx, field, kind, value)
}

// storeFacet tells whether the store can filter a text search by facet k.
// The store has no event facets. (Its technique facet matches the id stated,
// without sub-techniques, as its own facet counts show; facet listings
// without text, which take sub-techniques in, use the in-memory index.)
func storeFacet(k string) bool {
	switch k {
	case "provider", "event":
		return false
	}
	return true
}

// Search implements Catalog: text searches go to the database's full-text
// index, facet listings to the in-memory index.
func (c *StoreCatalog) Search(ctx context.Context, q Query) (*Result, error) {
	q = q.Norm()
	useStore := strings.TrimSpace(q.Text) != ""
	for _, f := range q.Facets {
		if !storeFacet(f.Key) {
			useStore = false
		}
	}
	if !useStore {
		return c.light.Search(ctx, q)
	}
	sq := store.Query{Text: q.Text, Facets: map[string][]string{}, Page: q.Page, PerPage: q.PerPage, FacetLimit: 50}
	for _, f := range q.Facets {
		sq.Facets[f.Key] = append(sq.Facets[f.Key], f.Value)
	}
	if q.PerPage > 500 {
		sq.PerPage = 500
	}
	sr, err := c.db.Search(sq)
	if err != nil {
		if strings.Contains(err.Error(), "syntax") || strings.Contains(err.Error(), "fts5") {
			return nil, badRequest("cannot search for this text: " + err.Error())
		}
		return nil, err
	}
	res := &Result{Total: sr.Total, Page: sr.Page, PerPage: sr.PerPage, Hits: make([]Hit, 0, len(sr.Hits)), Facets: map[string][]FacetCount{}}
	for _, h := range sr.Hits {
		hit := Hit{ID: h.ID, Platform: h.Platform, Language: h.Language, Kind: h.Kind, Title: h.Title, Severity: h.Severity,
			Repo: h.Repo, Path: h.Path, Techniques: nonNilStrings(h.Techniques), Tables: nonNilStrings(h.Tables), Snippet: h.Text, Marks: []Span{}}
		for _, m := range h.Marks {
			if m.Start >= 0 && m.Start < m.End && m.End <= len(hit.Snippet) {
				hit.Marks = append(hit.Marks, Span{m.Start, m.End})
			}
		}
		res.Hits = append(res.Hits, hit)
	}
	for _, k := range FacetKeys {
		for _, cnt := range sr.Facets[k] {
			res.Facets[k] = append(res.Facets[k], FacetCount{Value: cnt.Value, Count: cnt.Count})
		}
	}
	return res, nil
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
