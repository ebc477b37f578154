package build

import (
	"github.com/ruledex/ruledex/internal/ingest"
	"github.com/ruledex/ruledex/internal/lint"
	"github.com/ruledex/ruledex/internal/rule"
)

// lintAll runs every check of ruledex lint over the rules of a build, as
// `ruledex lint` over the same sources does (each source's disabled checks
// left out), so that the catalog's pages, facet and API show the findings
// the command prints. A finding in a query embedded in another format is
// placed at its column in the file, which is read again for that.
func lintAll(sources []Source, results []fileResult, all []*rule.Rule) []lint.Finding {
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
	return lint.Run(all, opt)
}
