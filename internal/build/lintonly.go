package build

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/ruledex/ruledex/internal/catalog"
	"github.com/ruledex/ruledex/internal/ingest"
	"github.com/ruledex/ruledex/internal/lint"
	"github.com/ruledex/ruledex/internal/parallel"
	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/store"
)

// LintChecks are the checks Lint runs: as lint.Options' (Enable, when not
// empty, the only ones; Disable and each repository's RepoDisable left
// out), beside those each source's LintDisable leaves out.
type LintChecks struct {
	Enable, Disable []string
	RepoDisable     map[string][]string
}

// LintReport is what Lint found.
type LintReport struct {
	Rules    int
	Findings []lint.Finding       // sorted (lint.Sort)
	Files    map[[2]string]string // a file's path on disk by its repository and path, for each file with a rule
}

// Lint reads opt.Sources as a build does and runs every check of `ruledex
// lint` over their rules (those of checks) without writing a catalog: the
// findings a build of the same sources stores (TestLintAsBuild). The rules
// are held as a build holds them (spill): each written whole to a
// temporary file, in a folder of its own removed at the end, and only its
// skeleton kept for linking across repositories, the cross-reference and
// the checks across the corpus; each rule is then read back whole, once,
// for the checks of one rule. Holding every rule whole took 5.5 GB at N =
// 15 forks of the corpus (164,070 rules); opt.DB, Full and NewFile are not
// read, nor are the sources' names (a build needs each its own).
func Lint(ctx context.Context, opt Options, checks LintChecks) (*LintReport, error) {
	// (Sources may share a name, as files of one folder given one by one
	// do: no catalog keys them.)
	if opt.LowMemory {
		defer limitHeap()()
	}
	prog := newProgress(opt.Progress, opt.TTY)
	defer prog.done()
	srcs, results, err := examine(ctx, opt, listSources(ctx, opt), nil)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "ruledex-lint-")
	if err != nil {
		return nil, fmt.Errorf("lint: a temporary folder for the rules (TMPDIR): %w", err)
	}
	defer os.RemoveAll(dir)
	sp, held, all, prep, err := holdRules(ctx, opt, filepath.Join(dir, "lint"), srcs, results, nil, prog)
	if err != nil {
		return nil, err
	}
	defer sp.close()
	lt := newLinter(opt.Sources, results, nil).with(checks)
	rep := &LintReport{Rules: len(all), Files: map[[2]string]string{}}
	for _, fr := range results {
		if len(fr.Rules) > 0 && fr.Abs != "" {
			rep.Files[[2]string{fr.Repo, fr.Path}] = fr.Abs
		}
	}
	results = nil

	// As build: linked across repositories, and cross-referenced as far
	// as the checks read (catalog.CountsAndNearDuplicates).
	prog.stage("cross-referencing %d rules", len(all))
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ingest.LinkCorpus(all)
	le := store.NewLinkEncoder(all)
	le.Keep(noLinks{}) // (the near-duplicates are all lint reads of them; le keeps those)
	catalog.CountsAndNearDuplicates(all, prep, le.Encode)
	prep = nil
	prog.stage("linting %d rules", len(all))
	found := [][]lint.Finding{lt.corpus(all, held.off)}
	defer func() { held.osp.close() }()
	if err := held.spillOverlays(ctx, all); err != nil {
		return nil, err
	}
	// Each rule whole, once, in chunks on every core (a chunk's findings
	// kept, its rules let go).
	const chunk = 256
	each := lt.withLinks(le)
	for start := 0; start < len(all); start += chunk {
		part := all[start:min(start+chunk, len(all))]
		fs := make([][]lint.Finding, len(part))
		errs := make([]error, len(part))
		if err := parallel.For(ctx, len(part), opt.Workers, func(k int) {
			r, _, err := held.full(part[k])
			if err != nil {
				errs[k] = err
				return
			}
			fs[k] = each(r, nil, false)
			lint.Own(fs[k])
		}); err != nil {
			return nil, err
		}
		for k, err := range errs {
			if err != nil {
				return nil, fmt.Errorf("%s: %w", part[k].ID, err)
			}
		}
		found = append(found, fs...)
		clear(part)
		prog.count(start+len(part), len(all))
	}
	rep.Findings = slices.Concat(found...)
	lint.Sort(rep.Findings)
	return rep, sp.failed()
}

// with makes lt run the checks of checks (as `ruledex lint` asks) beside
// its sources' disables, and returns it.
func (lt *linter) with(checks LintChecks) *linter {
	lt.opt.Enable, lt.off = checks.Enable, checks.Disable
	for repo, ids := range checks.RepoDisable {
		lt.opt.RepoDisable[repo] = append(lt.opt.RepoDisable[repo], ids...)
	}
	return lt
}

// noLinks is a store.LinkStore that keeps no link: Lint writes no catalog.
type noLinks struct{}

func (noLinks) Put(int, []byte)         {}
func (noLinks) Get(int) ([]byte, error) { return nil, nil }

// LintCatalog runs every check of `ruledex lint` (those of checks) over
// the rules of the catalog d, as they are stored: their near-duplicates as
// the catalog's build made them (the indicators' counts, which skeletons
// do not keep, are counted again over the skeletons by common-indicators:
// the same counts; keeping the stored ones took as long and as much
// memory at N = 15), and no
// file to place a finding of a query embedded in another format (the
// catalog holds no file). It finds what lint.Run over every rule of the
// catalog at once finds (TestLintAsBuild's lintCatalogAsAll), but reads each rule once and
// holds none whole beyond a chunk: the checks of one rule run as each is
// read, and only its skeleton (as a build holds it) is kept for the checks
// across the corpus, which run last. Holding every rule whole took 7.2 GB
// at N = 15 forks of the corpus (164,070 rules). Of opt, Progress, TTY,
// Workers and LowMemory are read.
func LintCatalog(ctx context.Context, d *store.DB, opt Options, checks LintChecks) (*LintReport, error) {
	if opt.LowMemory {
		defer limitHeap()()
	}
	prog := newProgress(opt.Progress, opt.TTY)
	defer prog.done()
	lt := newLinter(nil, nil, nil).with(checks)
	lt.opt.Source = nil // (no file to place a finding in: the catalog holds none)
	total := 0          // (for the progress bar)
	if opt.Progress != nil {
		if st, err := d.Stats(ctx); err == nil {
			total = st.Rules
		}
	}
	prog.stage("linting the catalog's rules")
	var (
		nm    names
		all   []*rule.Rule
		off   [][]string
		found [][]lint.Finding
		part  []*rule.Rule
	)
	// A chunk of rules, read one by one (the store decodes them in order),
	// is linted on every core: its rules' checks, skeletons and the checks
	// they disable themselves.
	flush := func() error {
		fs := make([][]lint.Finding, len(part))
		sk := make([]*rule.Rule, len(part))
		of := make([][]string, len(part))
		if err := parallel.For(ctx, len(part), opt.Workers, func(k int) {
			r := part[k]
			of[k] = nm.ins(nil, lint.Disabled(r)) // (its own strings: they are cut from the rule's body)
			fs[k] = lt.rule(r, nil, false)
			lint.Own(fs[k])
			sk[k] = skeleton(r, &nm)
		}); err != nil {
			return err
		}
		all, off, found = append(all, sk...), append(off, of...), append(found, fs...)
		clear(part)
		part = part[:0]
		prog.count(len(all), max(total, len(all)))
		return nil
	}
	const chunk = 512
	if err := d.EachRule(ctx, func(r *rule.Rule) error {
		if part = append(part, r); len(part) == chunk {
			return flush()
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if err := flush(); err != nil {
		return nil, err
	}
	nm.forget()
	prog.stage("checks across the corpus over %d rules", len(all))
	found = append(found, lt.corpus(all, off))
	rep := &LintReport{Rules: len(all), Files: map[[2]string]string{}, Findings: slices.Concat(found...)}
	lint.Sort(rep.Findings)
	return rep, nil
}
