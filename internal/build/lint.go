package build

import (
	"encoding/json"

	"github.com/ruledex/ruledex/internal/ingest"
	"github.com/ruledex/ruledex/internal/lint"
	"github.com/ruledex/ruledex/internal/parallel"
	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/store"
)

// lintAll runs every check of ruledex lint over the rules of a build, as
// `ruledex lint` over the same sources does (each source's disabled checks
// left out), so that the catalog's pages, facet and API show the findings
// the command prints. A finding in a query embedded in another format is
// placed at its column in the file, which is read again for that.
//
// With the last catalog (prev), built from the same sources, a rule it
// holds as it is (store.Previous.Kept: the same file, id and encoding,
// cross-references included) keeps its stored findings of the per-rule
// checks, which do not run on it again: an incremental build lints the
// rules that changed, and runs the checks across the corpus (the same id
// twice, near-duplicates, common indicators) over every rule.
func lintAll(sources []Source, results []fileResult, all []*rule.Rule, prev *store.Previous) []lint.Finding {
	opt := lint.Options{RepoDisable: map[string][]string{}}
	for _, s := range sources {
		if len(s.LintDisable) > 0 {
			name := ingest.RepoName(sourceTarget(s))
			opt.RepoDisable[name] = append(opt.RepoDisable[name], s.LintDisable...)
		}
	}
	files := make(map[[2]string]string, len(results))
	for _, fr := range results {
		if len(fr.Rules) > 0 {
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
	if prev != nil {
		known := knownFindings(results, all, prev)
		if src, _ := json.Marshal(sources); string(src) == prev.Sources {
			opt.Known = known // the same sources: the same checks
		}
	}
	return lint.Run(all, opt)
}

// knownFindings asks the last catalog, on every core, which rules of the
// unchanged files it holds as they are, with their findings (lintAll);
// the rules it holds as they are keep their rows (WriteCatalog), whatever
// the sources.
func knownFindings(results []fileResult, all []*rule.Rule, prev *store.Previous) func(i int) ([]lint.Finding, bool) {
	type place struct{ f, j int }
	at := make([]place, 0, len(all))
	for f := range results {
		for j := range results[f].Rules {
			at = append(at, place{f, j})
		}
	}
	if len(at) != len(all) {
		return nil
	}
	found := make([][]lint.Finding, len(all))
	known := make([]bool, len(all))
	parallel.Do(len(all), func(i int) {
		fr := &results[at[i].f]
		if !fr.reused || at[i].j >= len(fr.srcIDs) {
			return
		}
		found[i], known[i] = prev.Kept(all[i], fr.sha, fr.srcIDs[at[i].j])
	})
	return func(i int) ([]lint.Finding, bool) { return found[i], known[i] }
}
