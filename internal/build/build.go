package build

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ruledex/ruledex/internal/attack"
	"github.com/ruledex/ruledex/internal/catalog"
	"github.com/ruledex/ruledex/internal/ingest"
	"github.com/ruledex/ruledex/internal/lint"
	"github.com/ruledex/ruledex/internal/parallel"
	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/store"
)

// Source is one rule repository to build from (the catalog records it).
type Source = store.Source

// Summary tells what a build read and made (the catalog records it).
type Summary = store.Summary

// Options tune a build.
type Options struct {
	DB       string    // catalog file; default ruledex.db
	Sources  []Source  // what to read, in order (rule ids are given in this order)
	Full     bool      // re-read every file, even those whose SHA-256 did not change
	Workers  int       // parallel readers; 0 means GOMAXPROCS
	Progress io.Writer // where progress goes (nil: nowhere)
	TTY      bool      // Progress is a terminal: draw a bar instead of lines
	// NewFile: write the catalog to a new file and rename it over the last
	// one, even when few rows change (which are otherwise written over it
	// in place): for those who copy the catalog as the build writes it.
	// Build sets it itself after an in-place commit its readers held back.
	NewFile bool
	// LowMemory: bound the heap while building (memlimit.go): at N = 15
	// forks of the corpus a quarter to a third less peak memory, for 7 to
	// 21% more time.
	LowMemory bool
}

// fileResult is one file of a build: read now, or reused from the last catalog.
type fileResult struct {
	ingest.FileResult
	sha     string
	mtime   int64
	reused  bool
	pending *store.PrevFile  // reused, rules not decoded yet
	src     *Source          // the source it belongs to (of the build's Options)
	srcIDs  []string         // each rule's id as its source gave it, before AssignIDs
	srcRels [][]rule.Related // each rule's related rules as its source gave them, before ingest.Link
	toRead  bool             // examined, to be read (readRest)
	// prev, when not nil, are its rules as the last catalog held them
	// (decodeHeld): fr.Rules are their skeletons, prepared.
	prev []prevHeld
}

// prevHeld is what the last catalog held of a rule (its held record) that
// the rule's skeleton does not carry.
type prevHeld struct {
	prep catalog.Prepared
	off  []string
	row  int64
}

// Build reads opt.Sources into the catalog opt.DB. Files whose SHA-256 is the
// one the last catalog recorded are not read again: their rules come from
// the catalog. Cross-references are computed over all rules. The catalog is
// written to opt.DB+".new" and renamed over opt.DB only when complete, or,
// when few rows change (inPlaceUpTo; writeAsBuilt), written over in place
// in one SQLite transaction: a failed or cancelled build leaves the last
// good catalog in place. An in-place write whose commit the catalog's
// readers hold back (store.ErrInPlaceBusy) is rolled back and the build
// runs again, writing a new file.
func Build(ctx context.Context, opt Options) (*Summary, error) {
	sum, err := build(ctx, opt)
	if errors.Is(err, store.ErrInPlaceBusy) && ctx.Err() == nil {
		if opt.Progress != nil {
			fmt.Fprintf(opt.Progress, "ruledex: %v: building again into a new file\n", err)
		}
		opt.NewFile = true
		sum, err = build(ctx, opt)
	}
	return sum, err
}

func build(ctx context.Context, opt Options) (*Summary, error) {
	start := time.Now()
	if opt.DB == "" {
		opt.DB = "ruledex.db"
	}
	opt.DB = resolveDB(opt.DB)
	if len(opt.Sources) == 0 {
		return nil, errors.New("build: no sources")
	}
	names, err := sourceNames(opt.Sources)
	if err != nil {
		return nil, err
	}
	unlock, err := lockBuild(opt.DB)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if opt.LowMemory {
		defer limitHeap()()
	}
	prog := newProgress(opt.Progress, opt.TTY)
	defer prog.done()

	// The sources' files are listed while the last catalog's are read.
	listed := make(chan listing, 1)
	go func() { listed <- listSources(ctx, opt) }()
	var prev *store.Previous
	if !opt.Full {
		if prev, err = store.OpenPrevious(ctx, opt.DB, slices.Collect(maps.Keys(names))...); err != nil {
			prog.linef("last catalog not reused: %v", err)
			prev = nil
		}
		defer prev.Close()
	}

	srcs, results, err := examine(ctx, opt, <-listed, prev)
	if err != nil {
		return nil, err
	}
	if sum := upToDate(opt, prev, results); sum != nil {
		sum.Duration = time.Since(start)
		prog.linef("%s is up to date", opt.DB)
		return sum, nil
	}
	if sum, ok, err := quick(ctx, opt, start, prev, srcs, results, prog); err != nil || ok {
		return sum, err
	}
	newPath := opt.DB + ".new"
	var nc *store.NewCatalog
	defer func() { nc.Abandon() }()
	if prev != nil {
		prog.stage("loading the last catalog's rules")
		if err := prev.WaitRules(); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			prog.linef("last catalog not reused: %v", err)
			prev = nil
			if srcs, results, err = examineSources(ctx, opt, nil); err != nil {
				return nil, err
			}
		}
	}
	sp, held, all, prep, err := holdRules(ctx, opt, opt.DB, srcs, results, prev, prog)
	if err != nil {
		return nil, err
	}
	defer sp.close()
	lt := newLinter(opt.Sources, results, prev)
	if prev != nil && !held.changed.Load() && len(all) == prev.RuleCount() && lt.known && sameFiles(opt, prev, results) {
		if le, ok := prev.LinksAsBuilt(all); ok {
			return writeAsBuilt(ctx, opt, start, newPath, prev, results, all, le, held, lt, prog)
		}
	}
	prev.HashLinks() // (the writer compares the links made with them; nothing else reads them whole now)
	upTo := inPlaceLimit(opt, len(all))
	if prev != nil && (upTo == 0 || rulesRead(results) > upTo) {
		// More rules of files read again than a write in place takes: the
		// new catalog starts as a copy of the last one, made while the
		// build cross-references. (Else the writing counts the rows that
		// change, store.Write.InPlaceUpTo.)
		nc = store.StartCopy(ctx, opt.DB, newPath)
	}
	if n := held.fromPrevCount(); n > 0 {
		prog.stage("cross-referencing %d rules (%d as the last catalog held them)", len(all), n)
	} else {
		prog.stage("cross-referencing %d rules", len(all))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ingest.LinkCorpus(all)
	le := store.NewLinkEncoder(all)
	le.Keep(&spilledLinks{sp: sp, refs: make([]spillRef, len(all))})
	catalog.CrossReferencePrepared(all, prep, le.Encode) // each rule's links encoded as made, and spilled
	prep = nil
	// A collection now, the lists gone, when the heap is large: the heap's
	// next goal (twice what lives) is set from what lives now, not from the
	// cross-references' peak. On a small heap it would cost more than it
	// saves (0.1 s of CPU of the 1.2 s rebuild of the 2026-11-30 corpus after
	// one file changed; the full build's peak the same with or without).
	if heapObjects() > 512<<20 {
		runtime.GC()
	}
	prog.stage("linting %d rules", len(all))
	findings := lt.corpus(all, held.off)

	sum := summarize(results, prev, func(r *rule.Rule) bool { return le.HasNearDuplicates(r.ID) })
	// Without a last catalog: with one, the writer counts the rows that
	// change (an in-place write or a copy) by comparing skeletons whole
	// with what it holds (Previous.Kept), before it reads any rule back.
	defer func() { held.osp.close() }() // (made by spillOverlays, removed even when it fails)
	if prev == nil {
		if err := held.spillOverlays(ctx, all); err != nil {
			return nil, err
		}
	}
	all = nil
	prog.stage("writing %s", opt.DB)
	sum.Duration = time.Since(start)
	files := storeFiles(results)
	results = nil
	err = writeCatalog(ctx, opt.DB, store.Write{Path: newPath, From: opt.DB, Prev: prev, Ready: nc, InPlaceUpTo: upTo, Files: files,
		Links: le, Sources: opt.Sources, Summary: sum, Count: prog.count, Findings: findings,
		Full: held.full, Held: held.fromPrev, LintKnown: lt.known, Lint: lt.withLinks(le)})
	if err != nil {
		return nil, err
	}
	sum.Duration = time.Since(start)
	return sum, nil
}

// holdRules reads the rules of results as a build holds them (readHeld):
// each whole in a spill beside the file at, its skeleton in memory. The
// spill is the caller's to close.
func holdRules(ctx context.Context, opt Options, at string, srcs []srcRange, results []fileResult, prev *store.Previous,
	prog *progress) (*spill, *heldRules, []*rule.Rule, []catalog.Prepared, error) {
	sp, err := newSpill(at)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	held := newHeldRules(sp, prev)
	all, prep, err := readHeld(ctx, opt, srcs, results, prev, held, prog)
	if err != nil {
		sp.close()
		return nil, nil, nil, nil, err
	}
	held.doneHolding()
	return sp, held, all, prep, nil
}

// sourceNames returns the repository names of sources (a set: each the
// name of one source), or an error when two have one name.
func sourceNames(sources []Source) (map[string]string, error) {
	names := map[string]string{}
	for _, s := range sources {
		name := ingest.RepoName(sourceTarget(s))
		if prev, dup := names[name]; dup {
			return nil, fmt.Errorf("build: sources %s and %s are both named %s; name them (NAME=PATH, or name: in ruledex.yaml)", prev, s.Path, name)
		}
		names[name] = s.Path
	}
	return names, nil
}

// inPlaceUpTo is how many rules' rows may change for a build of n rules to
// write over the last catalog in place (store.Write.InPlaceUpTo) rather
// than into a copy of it: 1%, at least 1,000. The pages an in-place write
// changes wait in memory until its commit: a rule written is its row, its
// search text, facets, indicators, held record and links, on a dozen pages
// or two of 4 kB, so 1,640 rules at 164,000 (N = 15) would hold some
// 100 MB (reckoned so, not measured), where the copy costs 3.3 GB of
// reading, writing and syncing.
var inPlaceUpTo = func(n int) int { return max(1000, n/100) } // a variable: tests lower it

// inPlaceLimit is inPlaceUpTo for a build of opt, 0 (never in place) when
// it asks for a new file.
func inPlaceLimit(opt Options, n int) int {
	if opt.NewFile {
		return 0
	}
	return inPlaceUpTo(n)
}

// rulesRead returns how many rules the files read (not reused) gave.
func rulesRead(results []fileResult) int {
	n := 0
	for _, fr := range results {
		if !fr.reused {
			n += len(fr.Rules)
		}
	}
	return n
}

// storeFiles returns the files of a build as the store writes them.
func storeFiles(results []fileResult) []store.File {
	files := make([]store.File, len(results))
	for i, fr := range results {
		files[i] = store.File{Repo: fr.Repo, Path: fr.Path, Abs: fr.Abs, SHA: fr.sha, Format: fr.Format, Skipped: fr.Skipped,
			Size: fr.Size, Mtime: fr.mtime, Diags: fr.Diags, Rules: fr.Rules, Reused: fr.reused, SrcIDs: fr.srcIDs, SrcRels: fr.srcRels}
	}
	return files
}

// writeCatalog writes w and renames it over the catalog db.
func writeCatalog(ctx context.Context, db string, w store.Write) error {
	if inPlace, err := store.WriteCatalog(ctx, w); err != nil || inPlace {
		return err
	}
	// A journal that an in-place write stopped mid-commit left beside the
	// catalog, had no one rolled it back, would be rolled back onto the
	// new file: rolled back now (the catalog whole again, should the
	// rename not happen), and what is left of it removed.
	store.RecoverJournal(db)
	if err := os.Remove(db + "-journal"); err != nil && !os.IsNotExist(err) {
		store.RemoveFile(w.Path)
		return err
	}
	if err := rename(w.Path, db); err != nil {
		store.RemoveFile(w.Path)
		return err
	}
	return nil
}

// sameFiles tells whether the files of a build are the last catalog's,
// from the same sources (sameSources): none new, none gone, and each read
// again gives what it gave (sameRead); so the last build's summary is this
// one's but for the files read.
func sameFiles(opt Options, prev *store.Previous, results []fileResult) bool {
	if prev.Summary == nil || len(results) != len(prev.Files) || !sameSources(opt, prev) {
		return false
	}
	for i := range results {
		fr := &results[i]
		pf := prev.Files[store.FileKey{Repo: fr.Repo, Path: fr.Path}]
		if pf == nil || !fr.reused && !fr.sameRead(pf) {
			return false
		}
	}
	return true
}

// sameSources tells whether a build's sources are the last catalog's but
// for where their folders are (a rule names its file by repository and
// path in it).
func sameSources(opt Options, prev *store.Previous) bool {
	var last []Source
	return json.Unmarshal([]byte(prev.Sources), &last) == nil && slices.EqualFunc(opt.Sources, last, func(a, b Source) bool {
		return a.Name == b.Name && a.URL == b.URL && a.Ref == b.Ref && slices.Equal(a.LintDisable, b.LintDisable) &&
			ingest.RepoName(sourceTarget(a)) == ingest.RepoName(sourceTarget(b))
	})
}

// sameRead tells whether fr, read again, gives what the last catalog's
// file pf gave: its format, its diagnostics, skipped or not.
func (fr *fileResult) sameRead(pf *store.PrevFile) bool {
	return fr.Format == pf.Format && fr.Skipped == pf.Skipped && slices.Equal(fr.Diags, pf.Diags)
}

// writeAsBuilt writes the catalog of a build that holds every rule as the
// last catalog held it (heldRules.changed false, the same files): the
// cross-reference, linking across repositories and the checks across the
// corpus read only what those records hold, so they would give every rule
// what the last catalog holds. They do not run but the check of the same
// id twice (its findings take their columns from the files as they are):
// a rule taken from the last catalog's record keeps its row and findings,
// the others (of a file read again, or of a repository linked again) are
// made whole with what the last catalog's rule was given and compared
// with their rows (store.Write.AsBuilt), the links are the last catalog's.
// A change to a rule's prose, metadata or comments is such a change (see
// the package documentation; TestAsBuiltAsFull). The catalog is written
// over in place, in one transaction, when few rows change
// (store.Write.InPlaceUpTo; TestAsBuiltInPlace).
func writeAsBuilt(ctx context.Context, opt Options, start time.Time, newPath string, prev *store.Previous,
	results []fileResult, all []*rule.Rule, le *store.LinkEncoder, held *heldRules, lt *linter, prog *progress) (*Summary, error) {
	prog.stage("keeping the cross-references of %d rules (%d as the last catalog held them), all as it made them", len(all), held.fromPrevCount())
	upTo := inPlaceLimit(opt, len(all))
	// The checks across the corpus that read only what the skeletons hold
	// run (the same id twice: its findings' columns are the file's); those
	// that read the cross-reference's counts are the last catalog's, for
	// the rules that may be written again (not held as the last catalog
	// held them: of a file read again, or of a repository linked again).
	findings := lt.corpus(all, held.off, lint.FromCounts...)
	var again []string
	read := 0
	for _, fr := range results {
		if !fr.reused {
			read++
		}
		for _, r := range fr.Rules {
			if !held.fromPrev(r) {
				again = append(again, r.ID)
			}
		}
	}
	files := storeFiles(results)
	kept, err := prev.CorpusFindings(ctx, again, lint.FromCounts)
	if err != nil {
		return nil, err
	}
	findings = append(findings, kept...)
	sum := keptSummary(prev, read, len(results))
	prog.stage("writing %s", opt.DB)
	sum.Duration = time.Since(start)
	all, results = nil, nil
	// Written in place when few rows change (those of the files read
	// again, and of the repositories linked again): copying the catalog
	// cost more than all the rest (at 164,000 rules, a comment added: 21.5 s
	// wall, 12.5 s of it system time, with the copy; 15 s, 5.6 s, in place).
	w := store.Write{Path: newPath, InPlaceUpTo: upTo, From: opt.DB, Prev: prev, Files: files,
		Links: le, Sources: opt.Sources, Summary: &sum, Count: prog.count, Findings: findings,
		Full: func(r *rule.Rule) (*rule.Rule, []byte, error) {
			full, rec, err := held.full(r)
			if err == nil {
				err = prev.StoredOverlay(full)
			}
			return full, rec, err
		},
		Held: held.fromPrev, LintKnown: true, AsBuilt: true, Lint: lt.withLinks(le)}
	err = writeCatalog(ctx, opt.DB, w)
	if err != nil {
		return nil, err
	}
	sum.Duration = time.Since(start)
	return &sum, nil
}

// keptSummary is the summary of a build that keeps the last catalog's
// cross-references (writeAsBuilt, quick), of files files of which read
// were read: the last build's but for those counts.
func keptSummary(prev *store.Previous, read, files int) Summary {
	sum := *prev.Summary
	sum.Read, sum.Reused, sum.Removed, sum.Files, sum.UpToDate = read, files-read, 0, files, false
	sum.Attack = attackInUse()
	return sum
}

// resolveDB returns the file that the catalog path p names: a symbolic
// link is followed (filepath.EvalSymlinks when its target exists; hop by
// hop to where it points when it does not yet), so that the new catalog is
// written beside the link's target and renamed over it, not over the link
// (which would leave the target stale), and the build lock is the file's,
// however it is spelled. A path that is no link is p, its folder resolved.
func resolveDB(p string) string {
	for range 40 { // as many links as a path may hold (Linux's limit)
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return r
		}
		fi, err := os.Lstat(p)
		if err != nil || fi.Mode()&os.ModeSymlink == 0 {
			break // not there yet: resolve its folder
		}
		t, err := os.Readlink(p)
		if err != nil {
			return p
		}
		if !filepath.IsAbs(t) {
			t = filepath.Join(filepath.Dir(p), t)
		}
		p = t
	}
	if d, err := filepath.EvalSymlinks(filepath.Dir(p)); err == nil {
		return filepath.Join(d, filepath.Base(p))
	}
	return p
}

// rename puts the new catalog, whole and on the disk, in place of the last
// one (the rename after it: a crash of the machine, not only of ruledex,
// leaves one catalog or the other, whole).
func rename(newPath, path string) error {
	if err := os.Rename(newPath, path); err != nil {
		return err
	}
	// The write-ahead log and its index left by readers of a catalog in WAL
	// mode (an older build's) belong to the file just replaced: gone with it.
	if st, err := os.Stat(path + "-wal"); err == nil && st.Size() == 0 {
		os.Remove(path + "-shm")
		os.Remove(path + "-wal")
	}
	if f, err := os.Open(filepath.Dir(path)); err == nil {
		f.Sync() // a folder cannot be synced everywhere; the rename is done
		f.Close()
	}
	return nil
}

// sourceTarget returns the ingest target of s.
func sourceTarget(s Source) ingest.Target {
	return ingest.Target{Repo: s.Name, Path: s.Path}
}

// link returns the address of path in s's repository, or "".
func link(s Source, path string) string {
	u := strings.TrimSuffix(strings.TrimSuffix(s.URL, "/"), ".git")
	if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		return ""
	}
	ref := s.Ref
	if ref == "" {
		ref = "HEAD"
	}
	return u + "/blob/" + escapePath(ref) + "/" + escapePath(path)
}

// escapePath escapes each segment of a slash-separated path for a URL: a
// file name with '#', '?' or '%' would otherwise link to another file (or
// to a fragment or query of one).
func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

// srcRange is the files of one source among a build's results: [from, to).
type srcRange struct{ from, to int }

// listing is the files of a build's sources (listSources).
type listing struct {
	srcs []srcRange
	jobs []fileJob
	err  error
}

// fileJob is a file of a source, to examine.
type fileJob struct {
	src        *Source // of the build's Options
	repo, root string
	abs        string
	info       fs.FileInfo // its lstat, made as it was listed (nil: none)
}

// listSources lists every file of every source, the sources on every
// core (each lists its folders one after the other).
func listSources(ctx context.Context, opt Options) listing {
	files := make([][]ingest.Listed, len(opt.Sources))
	errs := make([]error, len(opt.Sources))
	if err := parallel.For(ctx, len(opt.Sources), opt.Workers, func(i int) {
		s := opt.Sources[i]
		if files[i], errs[i] = ingest.ListStat(sourceTarget(s)); errs[i] != nil {
			errs[i] = fmt.Errorf("source %s: %w", s.Path, errs[i])
		}
	}); err != nil {
		return listing{err: err}
	}
	n := 0
	for i := range opt.Sources {
		if errs[i] != nil {
			return listing{err: errs[i]}
		}
		n += len(files[i])
	}
	l := listing{jobs: make([]fileJob, 0, n)} // (grown by appending: 0.17 s of CPU at N = 15)
	for i := range opt.Sources {
		s := &opt.Sources[i]
		root := s.Path
		if st, err := os.Stat(s.Path); err == nil && !st.IsDir() {
			root = filepath.Dir(s.Path)
		}
		repo := ingest.RepoName(sourceTarget(*s))
		from := len(l.jobs)
		for _, f := range files[i] {
			l.jobs = append(l.jobs, fileJob{src: s, repo: repo, root: root, abs: f.Path, info: f.Info})
		}
		l.srcs = append(l.srcs, srcRange{from, len(l.jobs)})
	}
	return l
}

// examineSources lists every file of every source and examines them.
func examineSources(ctx context.Context, opt Options, prev *store.Previous) ([]srcRange, []fileResult, error) {
	return examine(ctx, opt, listSources(ctx, opt), prev)
}

// examine looks at each file of l, in parallel (examineOne): skipped,
// unchanged since the last catalog by its size and modification time, or
// to be read. It reads none.
func examine(ctx context.Context, opt Options, l listing, prev *store.Previous) ([]srcRange, []fileResult, error) {
	if l.err != nil {
		return nil, nil, l.err
	}
	results := make([]fileResult, len(l.jobs))
	err := parallel.For(ctx, len(l.jobs), opt.Workers, func(i int) {
		j := &l.jobs[i]
		examineOne(&results[i], j.repo, j.root, j.abs, j.info, prev)
		results[i].src = j.src
	})
	if err != nil {
		return nil, nil, err
	}
	return l.srcs, results, nil
}

// readHeld reads the files of every source, one source after the other
// (the files of one in parallel), and holds their rules (heldRules): each
// source's rules are given their ids, linked with each other
// (ingest.LinkRepo, when the source changed since the last catalog) and
// prepared for the cross-reference (catalog.Prepare) before they are
// written whole to the spill. It returns the skeletons of every rule, in
// order, and what Prepare made of each; each file's Rules are its rules'
// skeletons.
func readHeld(ctx context.Context, opt Options, srcs []srcRange, results []fileResult, prev *store.Previous,
	held *heldRules, prog *progress) ([]*rule.Rule, []catalog.Prepared, error) {
	gone := map[string]bool{} // repositories with a file of the last catalog gone
	if prev != nil {
		present := make(map[store.FileKey]bool, len(results))
		for _, fr := range results {
			present[store.FileKey{Repo: fr.Repo, Path: fr.Path}] = true
		}
		for k := range prev.Files {
			if !present[k] {
				gone[k.Repo] = true
			}
		}
	}
	prog.stage("reading %d files", len(results))
	var mu sync.Mutex
	done := 0
	var ids ingest.IDs
	var all []*rule.Rule
	var prep []catalog.Prepared
	for _, sr := range srcs {
		part := results[sr.from:sr.to]
		err := parallel.For(ctx, len(part), opt.Workers, func(i int) {
			if fr := &part[i]; fr.toRead {
				fr.readRest(prev)
			}
		})
		if err != nil {
			return nil, nil, err
		}
		// A source none of whose files changed since the last catalog
		// (none read, none gone) takes its rules as the last catalog held
		// them (decodeHeld): skeletons, prepared. The rules of one that
		// changed are decoded whole: its repository is linked again
		// (ingest.LinkRepo), which may read all of a rule (lowering a
		// search again with its repository's macros).
		changed := prev == nil || len(part) > 0 && gone[part[0].Repo]
		for i := range part {
			if fr := &part[i]; !fr.reused && (fr.Skipped == "" || prev.HadRules(fr.Repo, fr.Path)) {
				changed = true // (a file that gives no rule, now as before, is no change)
			}
		}
		err = parallel.For(ctx, len(part), opt.Workers, func(i int) {
			fr := &part[i]
			if changed || !fr.decodeHeld(prev, held) {
				fr.decode(prev)
			}
			fr.setLinks()
			mu.Lock()
			done++
			prog.count(done, len(results))
			mu.Unlock()
		})
		if err != nil {
			return nil, nil, err
		}
		plain := make([]ingest.FileResult, len(part))
		var rules []*rule.Rule
		var prevs []*prevHeld // each rule's, nil for a rule whole
		for i := range part {
			fr := &part[i]
			for j := range fr.Rules {
				var ph *prevHeld
				if fr.prev != nil {
					ph = &fr.prev[j]
				}
				prevs = append(prevs, ph)
			}
			if !fr.reused {
				fr.keepGiven()
			}
			plain[i] = fr.FileResult
			rules = append(rules, fr.Rules...)
		}
		ids.Assign(plain)
		for _, r := range rules {
			ingest.StripLinkDiagnostics(r)
		}
		if changed {
			ingest.LinkRepo(rules)
		}
		type heldRule struct {
			skel *rule.Rule
			ref  spillRef
			prep catalog.Prepared
			off  []string
			err  error
		}
		hs := make([]heldRule, len(rules))
		err = parallel.For(ctx, len(rules), opt.Workers, func(i int) {
			r := rules[i]
			h := &hs[i]
			if ph := prevs[i]; ph != nil {
				h.skel, h.ref, h.prep, h.off = r, spillRef{row: ph.row}, ph.prep, ph.off
				if !prev.InRow(r.ID, ph.row) { // (its id given anew)
					held.changed.Store(true)
				}
				return
			}
			h.prep = catalog.Prepare(r)
			h.off = lint.Disabled(r)
			h.skel, h.ref, h.err = held.hold(r, h.prep, h.off)
		})
		if err != nil {
			return nil, nil, err
		}
		k := 0
		for i := range part {
			fr := &part[i]
			for j := range fr.Rules {
				h := &hs[k]
				k++
				if h.err != nil {
					return nil, nil, h.err
				}
				held.add(h.skel, h.ref, h.off)
				fr.Rules[j] = h.skel
				all = append(all, h.skel)
				prep = append(prep, h.prep)
			}
		}
	}
	return all, prep, nil
}

// keepGiven keeps the ids and related rules that the source gave the rules
// of fr, read now, before they are given their ids and linked. Copies: a
// reader may give a rule strings that are part of its file's text (a lexer
// that slices its input does), which these would keep in memory until the
// writing (the text of every file of one language, 17.6 MB at N = 15, by a
// heap profile).
func (fr *fileResult) keepGiven() {
	fr.srcIDs = make([]string, len(fr.Rules))
	fr.srcRels = make([][]rule.Related, len(fr.Rules))
	for j, r := range fr.Rules {
		fr.srcIDs[j] = strings.Clone(r.ID)
		fr.srcRels[j] = slices.Clone(r.Related) // (nil stays nil)
		for k, x := range fr.srcRels[j] {
			fr.srcRels[j][k] = rule.Related{ID: strings.Clone(x.ID), Type: strings.Clone(x.Type)}
		}
	}
}

// examineOne looks at one file: skipped, or unchanged since the last
// catalog by its size and modification time (reused: its rules are
// decoded by decode), or to be read (readRest).
func examineOne(fr *fileResult, repo, root, abs string, info fs.FileInfo, prev *store.Previous) {
	rel := ingest.RelPath(root, abs)
	fr.Repo, fr.Path, fr.Abs = repo, rel, abs
	st, skip, diags := ingest.ExamineInfo(root, abs, rel, info)
	if st != nil {
		fr.Size, fr.mtime = st.Size(), st.ModTime().UnixNano()
	}
	if skip != "" {
		fr.Skipped, fr.Diags = skip, diags
		return
	}
	var pf *store.PrevFile
	if prev != nil {
		pf = prev.Files[store.FileKey{Repo: repo, Path: rel}]
	}
	// Size and modification time (in nanoseconds) as the last build saw them:
	// the content is taken as unchanged without reading it, as git does.
	if pf != nil && pf.Size == fr.Size && pf.Mtime == fr.mtime {
		fr.sha = pf.SHA
		fr.reuse(pf)
		return
	}
	fr.toRead = true
}

// readRest reads a file examineOne left to read, or takes its rules from
// the last catalog when its content did not change.
func (fr *fileResult) readRest(prev *store.Previous) {
	fr.toRead = false
	var pf *store.PrevFile
	if prev != nil {
		pf = prev.Files[store.FileKey{Repo: fr.Repo, Path: fr.Path}]
	}
	data, err := ingest.ReadBounded(fr.Abs)
	if err != nil {
		fr.Skipped, fr.Diags = ingest.ReadError(fr.Path, err)
		return
	}
	sum := sha256.Sum256(data)
	fr.sha = hex.EncodeToString(sum[:])
	if pf != nil && pf.SHA == fr.sha {
		fr.reuse(pf)
		return
	}
	res := ingest.ReadData(fr.Repo, fr.Path, fr.Abs, data, "")
	fr.FileResult = res
	fr.Size = int64(len(data))
}

// reuse marks fr as the unchanged file pf of the last catalog; its rules
// are decoded by decodeReused, when the build needs them.
func (fr *fileResult) reuse(pf *store.PrevFile) {
	fr.Format, fr.Skipped, fr.Diags = pf.Format, pf.Skipped, pf.Diags
	fr.reused, fr.pending = true, pf
}

// setLinks sets the address of the file on the rules of fr, from its
// source's git address and ref: on rules read now when they have none, and
// on reused rules always (the source's address or ref may have changed).
func (fr *fileResult) setLinks() {
	link := link(*fr.src, fr.Path)
	for _, r := range fr.Rules {
		if r.Source.URL == "" || fr.reused {
			r.Source.URL = link
		}
	}
}

// upToDate returns the last build's summary when nothing changed since it:
// the same sources, every file unchanged, none gone. Nil otherwise.
func upToDate(opt Options, prev *store.Previous, results []fileResult) *Summary {
	if prev == nil || prev.Summary == nil || len(results) != len(prev.Files) {
		return nil
	}
	if src, _ := json.Marshal(opt.Sources); string(src) != prev.Sources {
		return nil
	}
	for i := range results {
		if !results[i].reused {
			return nil
		}
	}
	sum := *prev.Summary
	sum.Read, sum.Reused, sum.Removed, sum.Files, sum.UpToDate = 0, len(results), 0, len(results), true
	return &sum
}

// decode decodes the stored rules of a file that did not change since the
// last catalog. A file whose rules cannot be decoded is read again.
func (fr *fileResult) decode(prev *store.Previous) {
	pf := fr.pending
	if pf == nil {
		return
	}
	fr.pending = nil
	rules, ids, rels, err := prev.Decode(pf)
	if err != nil {
		data, rerr := ingest.ReadBounded(fr.Abs)
		if rerr != nil {
			fr.FileResult = ingest.FileResult{Repo: fr.Repo, Path: fr.Path, Abs: fr.Abs, Size: fr.Size}
			fr.Skipped, fr.Diags = ingest.ReadError(fr.Path, rerr)
		} else {
			fr.FileResult = ingest.ReadData(fr.Repo, fr.Path, fr.Abs, data, "")
		}
		fr.reused = false
		return
	}
	fr.stored(rules, ids, rels)
}

// stored makes rules, decoded from the last catalog whole or as
// skeletons, fr's rules as their source gave them: the ids and related
// rules it gave (ids, rels), to be given ids and linked afresh.
func (fr *fileResult) stored(rules []*rule.Rule, ids []string, rels [][]rule.Related) {
	fr.Rules, fr.srcIDs, fr.srcRels = rules, ids, rels
	for j, r := range rules {
		r.ID = ids[j]
		r.Source.Repo, r.Source.Path = fr.Repo, fr.Path
		r.Related = slices.Clone(rels[j])
	}
}

// decodeHeld gives a file that did not change since the last catalog the
// skeletons of its rules as the last catalog held them (heldRecord), with
// the ids and related rules their source gave, as decode gives whole
// rules. False when the catalog holds no record of one of them, or one
// does not decode: decode reads them then.
func (fr *fileResult) decodeHeld(prev *store.Previous, held *heldRules) bool {
	pf := fr.pending
	if pf == nil {
		return false
	}
	prs, ok, err := prev.Held(pf)
	if !ok || err != nil {
		return false
	}
	rules := make([]*rule.Rule, len(prs))
	ids := make([]string, len(prs))
	rels := make([][]rule.Related, len(prs))
	phs := make([]prevHeld, len(prs))
	for j, pr := range prs {
		s, p, off, err := heldOf(pr.Held)
		if err != nil {
			return false
		}
		rules[j], ids[j], rels[j], phs[j] = held.interned(s), pr.SrcID, pr.Rels, prevHeld{prep: p, off: off, row: pr.N}
	}
	fr.pending = nil
	fr.stored(rules, ids, rels)
	fr.prev = phs
	return true
}

// summarize counts what a build read and made; nearDup tells a rule that
// has near-duplicates.
func summarize(results []fileResult, prev *store.Previous, nearDup func(*rule.Rule) bool) *Summary {
	s := &store.Summary{Skipped: map[string]int{}, ByPlatform: map[string]int{}, ByKind: map[string]int{},
		ByPlatformKind: map[string]map[string]int{}, Diagnostics: map[string]int{}, UnknownATTACK: map[string]int{},
		Attack: attackInUse()}
	present := map[store.FileKey]bool{}
	for _, fr := range results {
		s.Files++
		present[store.FileKey{Repo: fr.Repo, Path: fr.Path}] = true
		if fr.reused {
			s.Reused++
		} else {
			s.Read++
		}
		switch {
		case fr.Skipped != "":
			s.Skipped[fr.Skipped]++
		case len(fr.Rules) == 0:
			s.Skipped[fmt.Sprintf(store.SkipNoRule, fr.Format)]++
		default:
			s.WithRules++
		}
		for _, d := range fr.Diags {
			s.Diagnostics[d.Severity]++
		}
		for _, r := range fr.Rules {
			s.Rules++
			s.ByPlatform[r.Platform]++
			s.ByKind[r.Kind]++
			if s.ByPlatformKind[r.Platform] == nil {
				s.ByPlatformKind[r.Platform] = map[string]int{}
			}
			s.ByPlatformKind[r.Platform][r.Kind]++
			for _, d := range r.Diagnostics {
				s.Diagnostics[d.Severity]++
				if id := attack.UnknownID(d.Message); id != "" {
					s.UnknownATTACK[id]++
				}
			}
			if r.HasErrors() {
				s.RulesWithError++
			}
			if nearDup(r) {
				s.NearDuplicates++
			}
		}
	}
	if prev != nil {
		for k := range prev.Files {
			if !present[k] {
				s.Removed++
			}
		}
	}
	return s
}

// WriteRules writes rules made elsewhere, as they are (no reading, linking
// or cross-referencing: their ids must be unique), as the catalog at path,
// replacing it: for tests that make rules by hand. Each rule is recorded as
// its own file (its repository and path).
func WriteRules(ctx context.Context, path string, rules []*rule.Rule) (*Summary, error) {
	files := make([]fileResult, 0, len(rules))
	for _, r := range rules {
		if r == nil {
			continue
		}
		files = append(files, fileResult{FileResult: ingest.FileResult{Repo: r.Source.Repo, Path: r.Source.Path + "#" + r.ID,
			Format: r.Format, Rules: []*rule.Rule{r}}})
	}
	sum := summarize(files, nil, func(r *rule.Rule) bool { return len(r.NearDuplicates) > 0 })
	out := make([]store.File, len(files))
	for i, fr := range files {
		out[i] = store.File{Repo: fr.Repo, Path: fr.Path, Format: fr.Format, Rules: fr.Rules}
	}
	newPath := path + ".new"
	// Lint's findings too, but for the checks that would cross-reference
	// the rules (near-duplicate, common-indicators): they are written as
	// they are.
	var kept []*rule.Rule
	for _, fr := range files {
		kept = append(kept, fr.Rules...)
	}
	findings := lint.Run(kept, lint.Options{Disable: []string{"near-duplicate", "common-indicators"}})
	if err := writeCatalog(ctx, path, store.Write{Path: newPath, Files: out, Summary: sum, Findings: findings}); err != nil {
		return nil, err
	}
	return sum, nil
}

// attackInUse says which ATT&CK table resolves the rules (attack.Default):
// its release and whether it is the embedded one or, with its Source,
// the file it was read from (ruledex attack import's, or --attack).
func attackInUse() string {
	t := attack.Default()
	v := t.Version
	if v == "" {
		v = "(release not stated)"
	}
	if t.Source == attack.Embedded().Source {
		return "ATT&CK " + v + ", the embedded table"
	}
	return "ATT&CK " + v + ", " + t.Source
}

// heapObjects returns the bytes of the heap's objects, live or not yet
// collected.
func heapObjects() uint64 {
	m := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(m)
	if m[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return m[0].Value.Uint64()
}
