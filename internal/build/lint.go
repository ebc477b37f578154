package build

import (
	"encoding/json"
	"slices"

	"github.com/ruledex/ruledex/internal/ingest"
	"github.com/ruledex/ruledex/internal/lint"
	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/store"
)

// linter runs every check of ruledex lint over the rules of a build, as
// `ruledex lint` over the same sources does (each source's disabled checks
// left out), so that the catalog's pages, facet and API show the findings
// the command prints. A finding in a query embedded in another format is
// placed at its column in the file, which is read again for that.
//
// The checks across the corpus that need every rule (the same id twice,
// common indicators) run over the rules as the build holds them (corpus:
// their skeletons, see heldRules); the checks of one rule, and those a rule
// answers from its links (near-duplicates: lint.FromLinks), as each rule is
// written whole (rule, store.Write.Lint), and their findings are written
// with it. With the last catalog (prev), built from
// the same sources, a rule it holds as it is (store.Previous.Kept: the same
// file, id and encoding, cross-references included) keeps its stored
// findings of the per-rule checks, which do not run on it again: an
// incremental build lints the rules that changed.
type linter struct {
	opt     lint.Options
	known   bool     // the last catalog's findings may be kept (sameLintConfig: the same checks)
	needAll []string // lint.NeedAll, asked once a build rather than once a rule
	off     []string // the checks left out of every rule (Lint's; a build runs every check)
}

func newLinter(sources []Source, results []fileResult, prev *store.Previous) *linter {
	opt := lint.Options{RepoDisable: map[string][]string{}}
	for _, s := range sources {
		if len(s.LintDisable) > 0 {
			name := ingest.RepoName(sourceTarget(s))
			opt.RepoDisable[name] = append(opt.RepoDisable[name], s.LintDisable...)
		}
	}
	files := make(map[[2]string]string, len(results))
	for _, fr := range results {
		if len(fr.Rules) > 0 || fr.toRead || fr.pending != nil { // (none yet: to read, or to decode; quick)
			files[[2]string{fr.Repo, fr.Path}] = fr.Abs
		}
	}
	opt.Source = func(r *rule.Rule) []byte {
		abs, ok := files[[2]string{r.Source.Repo, r.Source.Path}]
		if !ok {
			return nil
		}
		data, err := ingest.ReadBounded(abs)
		if err != nil {
			return nil
		}
		return data
	}
	lt := &linter{opt: opt, needAll: lint.NeedAll()}
	if prev != nil {
		var last []Source
		if json.Unmarshal([]byte(prev.Sources), &last) == nil {
			lt.known = sameLintConfig(sources, last)
		}
	}
	return lt
}

// sameLintConfig tells whether two builds' sources lint their rules the
// same: the same repositories, each with the same checks disabled. A
// source moved to another folder, or given another address, lints its
// rules as before (a rule's findings name it by repository and path in
// it), so the stored findings of its rules that did not change are kept.
func sameLintConfig(a, b []Source) bool {
	conf := func(ss []Source) map[string][]string {
		m := make(map[string][]string, len(ss))
		for _, s := range ss {
			m[ingest.RepoName(sourceTarget(s))] = s.LintDisable
		}
		return m
	}
	x, y := conf(a), conf(b)
	if len(x) != len(y) {
		return false
	}
	for name, off := range x {
		if other, ok := y[name]; !ok || !slices.Equal(off, other) {
			return false
		}
	}
	return true
}

// corpus runs the checks across the corpus over all, the skeletons held
// (ruleOff[i] the checks all[i] disables itself: lint.Disabled of the
// rule whole), but those of off (and lint.FromLinks: rule runs them).
func (lt *linter) corpus(all []*rule.Rule, ruleOff [][]string, off ...string) []lint.Finding {
	opt := lt.opt
	opt.Known = func(int) ([]lint.Finding, bool) { return nil, true } // the per-rule checks: rule
	opt.Off = func(i int) []string { return ruleOff[i] }
	opt.Disable = slices.Concat(lint.FromLinks, off, lt.off)
	return lint.Run(all, opt)
}

// rule runs the checks of one rule over r, whole; stored are its findings
// in the last catalog when known (store.Write.Lint).
func (lt *linter) rule(r *rule.Rule, stored []lint.Finding, known bool) []lint.Finding {
	opt := lt.opt
	opt.Disable = lt.needAll
	if len(lt.off) > 0 {
		opt.Disable = slices.Concat(lt.needAll, lt.off)
	}
	if known && lt.known {
		opt.Known = func(int) ([]lint.Finding, bool) { return stored, true }
	}
	return lint.Run([]*rule.Rule{r}, opt)
}

// alone runs over r, whole, the checks of one rule, not those a rule
// answers from its links (lint.FromLinks).
func (lt *linter) alone(r *rule.Rule) []lint.Finding {
	opt := lt.opt
	opt.Disable = slices.Concat(lt.needAll, lint.FromLinks, lt.off)
	return lint.Run([]*rule.Rule{r}, opt)
}

// withLinks returns rule as store.Write.Lint, each rule given its
// near-duplicates from le first (what the near-duplicate check reads).
func (lt *linter) withLinks(le *store.LinkEncoder) func(*rule.Rule, []lint.Finding, bool) []lint.Finding {
	return func(r *rule.Rule, stored []lint.Finding, known bool) []lint.Finding {
		r.NearDuplicates = le.NearDuplicates(r.ID)
		return lt.rule(r, stored, known)
	}
}
