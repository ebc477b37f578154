package build

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ruledex/ruledex/internal/catalog"
	"github.com/ruledex/ruledex/internal/ingest"
	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/lint"
	"github.com/ruledex/ruledex/internal/parallel"
	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/store"
)

// A quick rebuild is an incremental build that reads nothing of the last
// catalog but what the files read again touch. Every rebuild otherwise
// loads what the last catalog held of every rule (its held records: 413
// MB at N = 15), decodes them and walks every rule while writing: 15 s at
// N = 15 to add a comment to one file. When the files read again are few
// (quickFiles), none is new or gone, the sources are the last build's
// (but for where their folders are: sameSources), and
// the rules of the repositories they are in, read and linked again, have
// the held records the last catalog holds, byte for byte, with the ids
// they had (the rules the cross-reference and the checks across the
// corpus read, unchanged: writeAsBuilt's case, found from those
// repositories alone), the rows of those rules whose body changed are
// written again in their rows, in place (store.WriteRewrite), with their
// findings: those of the per-rule checks made again, those of the checks
// across the corpus the last catalog's (placed again in the rule's text:
// lint.PlaceAgain). The links, the rows of every other rule and the other
// findings stay. Anything else (a rule whose detection, title or id
// changed; a file new or gone) takes the whole way, as if this had not
// been tried: quick works on copies of the build's files.

// quickFiles is how many files a quick rebuild reads again at most: past
// a few the whole way costs little more than a quick rebuild. (A
// variable: tests set it to 0 to take the whole way.)
var quickFiles = 1024

// quickBuilds counts the quick rebuilds made, quickRules the rules they
// linked and compared again (tests read them).
var quickBuilds, quickRules atomic.Int64

// quick rebuilds the catalog quickly when it can (see above), and says
// whether it did; results are left as they were when it did not. A failure
// that the whole way may not meet (a last catalog whose rules do not load)
// is said and leaves it to the whole way; a cancelled build, or an
// in-place write its readers held back (Build writes a new file then),
// fails.
func quick(ctx context.Context, opt Options, start time.Time, prev *store.Previous, srcs []srcRange, results []fileResult,
	prog *progress) (*Summary, bool, error) {
	sum, ok, err := tryQuick(ctx, opt, start, prev, srcs, results, prog)
	switch {
	case err == nil:
		return sum, ok, nil
	case ctx.Err() != nil:
		return nil, false, ctx.Err()
	case errors.Is(err, store.ErrInPlaceBusy):
		return nil, false, err
	}
	prog.linef("no quick rebuild: %v", err)
	return nil, false, nil
}

func tryQuick(ctx context.Context, opt Options, start time.Time, prev *store.Previous, srcs []srcRange, results []fileResult,
	prog *progress) (*Summary, bool, error) {
	if prev == nil || prev.Summary == nil || opt.NewFile || len(results) != len(prev.Files) || !sameSources(opt, prev) {
		return nil, false, nil
	}
	toRead, read := 0, 0
	var files []store.File // the rows written again: of the files read, and of those skipped as they were looked at
	for i := range results {
		fr := &results[i]
		pf := prev.Files[store.FileKey{Repo: fr.Repo, Path: fr.Path}]
		switch {
		case pf == nil:
			return nil, false, nil // new (none is gone: as many files)
		case fr.toRead:
			toRead++
		case !fr.reused: // skipped as it was looked at (a link, a file too large): as before?
			if !fr.sameRead(pf) {
				return nil, false, nil
			}
			files = append(files, storeFiles(results[i:i+1])...)
			read++
		}
	}
	if toRead == 0 || toRead > quickFiles {
		return nil, false, nil
	}
	lt := newLinter(opt.Sources, results, prev)
	corpusChecks := append(lint.NeedAll(), lint.FromLinks...)
	var again []store.Rewritten
	for _, sr := range srcs {
		if !slices.ContainsFunc(results[sr.from:sr.to], func(fr fileResult) bool { return fr.toRead }) {
			continue
		}
		part := slices.Clone(results[sr.from:sr.to])
		if err := parallel.For(ctx, len(part), opt.Workers, func(i int) {
			if part[i].toRead {
				part[i].readRest(prev)
			}
		}); err != nil {
			return nil, false, err
		}
		changed := false
		for i := range part {
			fr := &part[i]
			if !results[sr.from+i].toRead {
				continue
			}
			files = append(files, storeFiles(part[i:i+1])...)
			if fr.reused {
				continue // (touched: its content is the same)
			}
			read++
			if !fr.sameRead(prev.Files[store.FileKey{Repo: fr.Repo, Path: fr.Path}]) {
				return nil, false, nil
			}
			changed = changed || fr.Skipped == "" // (a file skipped now as before is no change)
		}
		if !changed {
			continue
		}
		rs, ok, err := quickSource(ctx, opt, prev, part)
		if err != nil || !ok {
			return nil, false, err
		}
		ids := make([]string, len(rs))
		for i, x := range rs {
			ids[i] = x.Rule.ID
		}
		stored, err := prev.CorpusFindings(ctx, ids, corpusChecks)
		if err != nil {
			return nil, false, err
		}
		byRule := map[string][]lint.Finding{}
		for _, f := range stored {
			byRule[f.Rule] = append(byRule[f.Rule], f)
		}
		for _, x := range rs {
			x.Findings = append(lt.alone(x.Rule), lint.PlaceAgain(x.Rule, byRule[x.Rule.ID], lt.opt)...)
			lint.Sort(x.Findings)
			again = append(again, x)
		}
	}
	if len(again) > inPlaceLimit(opt, prev.Summary.Rules) {
		return nil, false, nil // (an in-place write holds what it changes in memory)
	}
	sum := keptSummary(prev, read, len(results))
	prog.stage("keeping the cross-references of %d rules, all as the last catalog holds them; writing %s: %d rules of %d files read again",
		sum.Rules, opt.DB, len(again), toRead)
	sum.Duration = time.Since(start)
	err := store.WriteRewrite(ctx, store.Rewrite{Path: opt.DB, Prev: prev, Rules: again, Files: files, Sources: opt.Sources,
		Summary: &sum, Count: prog.count})
	if errors.Is(err, store.ErrNotInPlace) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	quickBuilds.Add(1)
	sum.Duration = time.Since(start)
	return &sum, true, nil
}

// repoLinking tells how the rules of part, the files of one source, are
// linked by their repository (ingest.LinkRepo): whole when a language
// links them by repository with every rule of it (its files', now or in
// the last catalog); else defs are the kinds of the rules it links them
// with (lang.Language.LinkDefinitions; none when no language links them
// by repository): a rule of another kind is linked with those alone as
// with every rule of its repository.
func repoLinking(prev *store.Previous, part []fileResult) (defs []string, whole bool) {
	for i := range part {
		fr := &part[i]
		for _, name := range []string{fr.Format, prev.Files[store.FileKey{Repo: fr.Repo, Path: fr.Path}].Format} {
			f := lang.FormatByName(name)
			if f == nil {
				continue
			}
			if l := f.Language(); l.Link != nil && l.LinkByRepo {
				if l.LinkDefinitions == nil {
					return nil, true
				}
				defs = append(defs, l.LinkDefinitions...)
			}
		}
	}
	slices.Sort(defs)
	return slices.Compact(defs), false
}

// quickSource reads and links again the rules of part, the files of one
// source (copies of the build's), some of which were read again, and
// returns the rules whose rows change, made whole with what the last
// catalog's rules were given; false when a rule is not held as the last
// catalog held it, or does not keep its id. Unless the repository's rules
// are linked whole (repoLinking), only the rules of the files read again
// are loaded from the last catalog, linked (with the rules of the kinds
// defs, of files not read again) and compared, when none of them is of
// those kinds, then or now: the rules of the other files would be linked
// as they are (a comment in a rule of the largest fork of one repository
// at N = 15: 3,780 rules linked and compared otherwise).
func quickSource(ctx context.Context, opt Options, prev *store.Previous, part []fileResult) ([]store.Rewritten, bool, error) {
	defs, whole := repoLinking(prev, part)
	repo := part[0].Repo
	if !whole {
		var read []*fileResult // (part's files are large: not copied)
		var paths []string
		for i := range part {
			if !part[i].reused {
				read, paths = append(read, &part[i]), append(paths, part[i].Path)
			}
		}
		if err := prev.LoadFiles(ctx, repo, paths, defs); err != nil {
			return nil, false, err
		}
		for _, fr := range read {
			for _, r := range fr.Rules {
				whole = whole || slices.Contains(defs, r.Kind)
			}
			whole = whole || prev.HasKind(prev.Files[store.FileKey{Repo: fr.Repo, Path: fr.Path}], defs)
		}
	}
	if whole {
		if err := prev.LoadRepo(ctx, repo); err != nil {
			return nil, false, err
		}
	}
	var rules []*rule.Rule
	type place struct {
		fr *fileResult
		j  int
	}
	var at []place
	var linked []*rule.Rule // rules, and the rules of the kinds defs of the files not read again, in the order of the files
	for i := range part {
		fr := &part[i]
		pf := prev.Files[store.FileKey{Repo: fr.Repo, Path: fr.Path}]
		if fr.reused && !whole {
			if len(defs) > 0 {
				ds, _, _, err := prev.Decode(pf) // (its rules of those kinds alone are loaded)
				if err != nil {
					return nil, false, err
				}
				for _, d := range ds {
					ingest.StripLinkDiagnostics(d)
				}
				linked = append(linked, ds...)
			}
			continue
		}
		if fr.reused {
			fr.decode(prev)
			if !fr.reused {
				return nil, false, nil // its rules did not decode: read
			}
		} else {
			fr.keepGiven()
			if !sameBaseIDs(prev, pf, fr.Rules) {
				return nil, false, nil
			}
		}
		ids := prev.RuleIDs(pf)
		if len(ids) != len(fr.Rules) {
			return nil, false, nil
		}
		for j, r := range fr.Rules {
			r.ID = ids[j] // the id it had (sameBaseIDs: IDs.Assign would give it)
			ingest.StripLinkDiagnostics(r)
			rules, linked = append(rules, r), append(linked, r)
			at = append(at, place{fr, j})
		}
		fr.setLinks()
	}
	ingest.LinkRepo(linked)
	quickRules.Add(int64(len(rules)))
	var nm names
	var differ atomic.Bool
	out := make([]*store.Rewritten, len(rules))
	errs := make([]error, len(rules))
	err := parallel.For(ctx, len(rules), opt.Workers, func(i int) {
		r, fr, j := rules[i], at[i].fr, at[i].j
		prep := catalog.Prepare(r)
		off := lint.Disabled(r)
		s := skeleton(r, &nm)
		rec := heldRecord(nil, s, prep, off)
		if differ.Load() || !sameHeldButTitle(prev, r.ID, s, rec, prep, off) {
			differ.Store(true)
			return
		}
		if errs[i] = prev.StoredOverlay(r); errs[i] != nil {
			return
		}
		if _, kept := prev.Kept(r, fr.sha, fr.srcIDs[j], true); kept {
			return
		}
		out[i] = &store.Rewritten{Rule: r, Held: rec, SHA: fr.sha, SrcID: fr.srcIDs[j], SrcRels: fr.srcRels[j]}
	})
	if err != nil {
		return nil, false, err
	}
	if differ.Load() {
		return nil, false, nil
	}
	if err := errors.Join(errs...); err != nil {
		return nil, false, err
	}
	var rs []store.Rewritten
	for _, x := range out {
		if x != nil {
			rs = append(rs, *x)
		}
	}
	return rs, true, nil
}

// sameHeldButTitle tells whether rec, the held record of skeleton s (with
// p and off), is the one the last catalog holds for the rule of this id,
// or would be with the title it had: no rule's title is read for another
// (the links name rules by their row, and no check across the corpus reads
// a title), so that a rule whose title alone changed is its own row
// written again, as one whose description changed.
func sameHeldButTitle(prev *store.Previous, id string, s *rule.Rule, rec []byte, p catalog.Prepared, off []string) bool {
	stored := prev.HeldOf(id)
	if stored == nil {
		return false
	}
	if bytes.Equal(stored, rec) {
		return true
	}
	old, _, _, err := heldOf(stored)
	if err != nil || old.Title == s.Title || !titleLineAlone(old.Query, s.Query, old.Title, s.Title, s.UID) {
		return false
	}
	t := *s
	t.Title, t.Query = old.Title, old.Query
	return bytes.Equal(stored, heldRecord(nil, &t, p, off))
}

// titleLineAlone tells whether a rule's query as a skeleton keeps it
// (queryKept) is was but on one line, where the title was and is written
// and the id is not: what linking and the checks across the corpus read
// of it is where the rule's id and the rules it names are written, on the
// same lines and columns then (a YAML rule's title line may be before
// its id's).
func titleLineAlone(was, is, oldTitle, title, uid string) bool {
	if was == is {
		return true
	}
	if oldTitle == "" || title == "" {
		return false
	}
	a, b := strings.Split(was, "\n"), strings.Split(is, "\n")
	if len(a) != len(b) {
		return false
	}
	differ := -1
	for i := range a {
		if a[i] != b[i] {
			if differ >= 0 {
				return false
			}
			differ = i
		}
	}
	return strings.Contains(a[differ], oldTitle) && strings.Contains(b[differ], title) &&
		(uid == "" || !strings.Contains(a[differ], uid) && !strings.Contains(b[differ], uid))
}

// sameBaseIDs tells whether rules, read again from the file pf of the
// last catalog, are as many as its rules were, each with the base id
// (ingest.BaseID) it had: given ids again with every other rule of the
// corpus (ingest.IDs), each would get the id it had.
func sameBaseIDs(prev *store.Previous, pf *store.PrevFile, rules []*rule.Rule) bool {
	old, srcIDs, _, err := prev.Decode(pf)
	if err != nil || len(old) != len(rules) {
		return false
	}
	for j, o := range old {
		o.ID = srcIDs[j]
		if ingest.BaseID(o, j, len(old)) != ingest.BaseID(rules[j], j, len(rules)) {
			return false
		}
	}
	return true
}
