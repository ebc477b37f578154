package web

import (
	"context"
	"sort"
	"strings"

	"github.com/ruledex/ruledex/internal/catalog"
	"github.com/ruledex/ruledex/internal/rule"
)

// Repositories, actions and the fields of a table: the parts of the Catalog
// that Memory computes from its rules and StoreCatalog partly from the
// database.

// maxRepoProblems is the number of rules with diagnostics a RepoInfo lists.
const maxRepoProblems = 100

// Repo implements Catalog.
func (m *Memory) Repo(_ context.Context, name string) (*RepoInfo, error) {
	info := &RepoInfo{Name: name, ByPlatform: map[string]int{}, ByKind: map[string]int{}, Diagnostics: map[string]int{},
		Problems: []RuleProblems{}, Built: m.stats.Built}
	for _, r := range m.rules {
		if !strings.EqualFold(r.Source.Repo, name) {
			continue
		}
		info.Name = r.Source.Repo
		info.Rules++
		info.ByPlatform[r.Platform]++
		info.ByKind[r.Kind]++
		if r.HasErrors() {
			info.WithErrors++
		}
		if len(r.Diagnostics) == 0 {
			continue
		}
		info.WithDiagnostics++
		for _, d := range r.Diagnostics {
			info.Diagnostics[d.Severity]++
		}
		info.Problems = append(info.Problems, RuleProblems{
			RuleRef:     rule.RuleRef{ID: r.ID, Platform: r.Platform, Title: r.Title, Path: r.Source.Path, Actions: []string{}},
			Diagnostics: r.Diagnostics,
		})
	}
	if info.Rules == 0 {
		return nil, ErrNotFound
	}
	sortProblems(info.Problems)
	if len(info.Problems) > maxRepoProblems {
		info.Problems = info.Problems[:maxRepoProblems]
	}
	return info, nil
}

// sortProblems puts the rules with an error first, then by id.
func sortProblems(ps []RuleProblems) {
	hasErr := func(p RuleProblems) bool {
		for _, d := range p.Diagnostics {
			if d.Severity == rule.SevError {
				return true
			}
		}
		return false
	}
	sort.SliceStable(ps, func(i, j int) bool {
		ei, ej := hasErr(ps[i]), hasErr(ps[j])
		if ei != ej {
			return ei
		}
		return ps[i].ID < ps[j].ID
	})
}

// Action implements Catalog.
func (m *Memory) Action(_ context.Context, value string) ([]rule.RuleRef, error) {
	return catalog.MatchAction(m.rules, value), nil
}

// TableFields implements Catalog.
func (m *Memory) TableFields(_ context.Context, table string) ([]FieldCount, error) {
	fs, ok := m.tableFields[strings.ToLower(table)]
	if !ok {
		return nil, ErrNotFound
	}
	return fs, nil
}

// computeTableFields counts, for every table the rules read, the rules that
// use each of its fields (see fieldsByTable).
func (m *Memory) computeTableFields() {
	valued := map[string]bool{}
	for k := range m.indRules {
		valued[k.field] = true
	}
	out := map[string][]FieldCount{}
	pos := map[[2]string]int{}
	for _, r := range m.rules {
		for _, t := range r.Tables {
			if _, ok := out[strings.ToLower(t)]; !ok {
				out[strings.ToLower(t)] = []FieldCount{}
			}
		}
		for t, fields := range fieldsByTable(r) {
			for _, f := range fields {
				k := [2]string{t, strings.ToLower(f)}
				i, ok := pos[k]
				if !ok {
					i = len(out[t])
					pos[k] = i
					out[t] = append(out[t], FieldCount{Field: f, Values: valued[k[1]]})
				}
				out[t][i].Rules++
			}
		}
	}
	for _, fs := range out {
		sort.SliceStable(fs, func(i, j int) bool {
			if fs[i].Rules != fs[j].Rules {
				return fs[i].Rules > fs[j].Rules
			}
			return strings.ToLower(fs[i].Field) < strings.ToLower(fs[j].Field)
		})
	}
	m.tableFields = out
}

// fieldsByTable returns the fields r uses of each table it reads (keys
// lower-cased), each field once. A rule that reads one table uses it for
// every field it names (keywords, predicates, indicators, group-by); a rule
// that reads several gives each the fields of the predicates of the
// pipelines that read it (a join's inner pipeline reads its own source).
func fieldsByTable(r *rule.Rule) map[string][]string {
	if len(r.Tables) == 0 {
		return nil
	}
	out := map[string][]string{}
	seen := map[[2]string]bool{}
	add := func(table, field string) {
		t := strings.ToLower(table)
		if field == "" || table == "" {
			return
		}
		k := [2]string{t, strings.ToLower(field)}
		if seen[k] {
			return
		}
		seen[k] = true
		out[t] = append(out[t], field)
	}
	if len(r.Tables) == 1 {
		t := r.Tables[0]
		for _, f := range r.Keywords {
			add(t, f)
		}
		eachPredicate(r.Stages, func(p *rule.Predicate) { add(t, p.Field) })
		for _, in := range r.Indicators {
			add(t, in.Field)
		}
		for _, f := range r.GroupBy {
			add(t, f)
		}
		return out
	}
	read := map[string]string{}
	for _, t := range r.Tables {
		read[strings.ToLower(t)] = t
	}
	var walk func(ss []rule.Stage, src string)
	walk = func(ss []rule.Stage, src string) {
		for _, st := range ss {
			if st.Kind == "source" && st.Source != "" {
				src = st.Source
			}
			if t, ok := read[strings.ToLower(src)]; ok {
				for _, p := range st.Predicates {
					add(t, p.Field)
				}
			}
			if len(st.Stages) > 0 {
				walk(st.Stages, src)
			}
		}
	}
	walk(r.Stages, "")
	return out
}

// eachPredicate calls f for every predicate of ss, inner pipelines included.
func eachPredicate(ss []rule.Stage, f func(*rule.Predicate)) {
	for i := range ss {
		for j := range ss[i].Predicates {
			f(&ss[i].Predicates[j])
		}
		eachPredicate(ss[i].Stages, f)
	}
}

// Repo implements Catalog: the counts and diagnostics from the in-memory
// index, the repository's address and the build time from the database.
func (c *StoreCatalog) Repo(ctx context.Context, name string) (*RepoInfo, error) {
	info, err := c.light.Repo(ctx, name)
	if err != nil {
		return nil, err
	}
	for _, src := range c.sources { // read once by OpenStore: the catalog does not change under it
		if strings.EqualFold(src.Name, info.Name) {
			info.URL, info.Ref = safeURL(src.URL), src.Ref
		}
	}
	return info, nil
}

// Action implements Catalog, from the database's actions table.
func (c *StoreCatalog) Action(_ context.Context, value string) ([]rule.RuleRef, error) {
	hits, err := c.db.Action(value)
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
	return c.light.TableFields(ctx, table)
}
