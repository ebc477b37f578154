package web

import (
	"context"
	"errors"
	"strings"

	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/store"
)

// Repositories, actions and the fields of a table, from the store.

// maxRepoProblems is the number of rules with diagnostics a RepoInfo lists.
const maxRepoProblems = 100

// Repo implements Catalog: the counts and diagnostics of the repository's
// rules, its address from the last build's sources.
func (c *StoreCatalog) Repo(ctx context.Context, name string) (*RepoInfo, error) {
	ri, err := c.db.Repo(ctx, name, maxRepoProblems)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return c.repoInfo(ri), nil
}

// repoInfo is the store's summary of a repository with its source's URL.
func (c *StoreCatalog) repoInfo(ri *store.RepoInfo) *RepoInfo {
	info := &RepoInfo{Name: ri.Name, Rules: ri.Rules, ByPlatform: ri.ByPlatform, ByKind: ri.ByKind, Diagnostics: ri.Diagnostics,
		WithErrors: ri.WithErrors, WithDiagnostics: ri.WithDiagnostics, Problems: make([]RuleProblems, len(ri.Problems)), Built: c.built}
	for i, p := range ri.Problems {
		info.Problems[i] = RuleProblems{RuleRef: rule.RuleRef{ID: p.ID, Platform: p.Platform, Title: p.Title, Path: p.Path, Actions: []string{}},
			Diagnostics: p.Diagnostics}
	}
	for _, src := range c.sources { // read once by OpenStore: the catalog does not change under it
		if strings.EqualFold(src.Name, info.Name) {
			info.URL, info.Ref = safeURL(src.URL), src.Ref
		}
	}
	return info
}

// Action implements Catalog, from the database's actions table.
func (c *StoreCatalog) Action(ctx context.Context, value string) ([]rule.RuleRef, error) {
	hits, err := c.db.Action(ctx, value)
	if err != nil {
		return nil, err
	}
	out := make([]rule.RuleRef, len(hits))
	for i, h := range hits {
		out[i] = rule.RuleRef{ID: h.ID, Platform: h.Platform, Title: h.Title, Path: h.Path, Actions: nonNilStrings(h.Actions)}
	}
	return out, nil
}

// TableFields implements Catalog.
func (c *StoreCatalog) TableFields(ctx context.Context, table string) ([]FieldCount, error) {
	fs, err := c.db.TableFields(ctx, table)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	out := make([]FieldCount, len(fs))
	for i, f := range fs {
		out[i] = FieldCount(f)
	}
	return out, nil
}
