package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ruledex/ruledex/internal/catalog"
	"github.com/ruledex/ruledex/internal/ingest"
	"github.com/ruledex/ruledex/internal/rule"
)

// Source is one rule repository to build from.
type Source struct {
	Name string `json:"name"` // repository name recorded on its rules; default: the folder's base name
	Path string `json:"path"` // folder (or file) to read
	URL  string `json:"url"`  // git address, for links to files (https://github.com/owner/repo)
	Ref  string `json:"ref"`  // branch, tag or commit of the links; default HEAD
}

// Options tune a build.
type Options struct {
	DB       string    // catalog file; default ruledex.db
	Sources  []Source  // what to read, in order (rule ids are given in this order)
	Full     bool      // re-read every file, even those whose SHA-256 did not change
	Workers  int       // parallel readers; 0 means GOMAXPROCS
	Progress io.Writer // where progress goes (nil: nowhere)
	TTY      bool      // Progress is a terminal: draw a bar instead of lines
}

// fileKey names a file of the catalog.
type fileKey struct{ repo, path string }

// fileResult is one file of a build: read now, or reused from the last catalog.
type fileResult struct {
	ingest.FileResult
	sha     string
	mtime   int64
	reused  bool
	pending *prevFile        // reused, rules not decoded yet
	src     Source           // the source it belongs to
	srcIDs  []string         // each rule's id as its source gave it, before AssignIDs
	srcRels [][]rule.Related // each rule's related rules as its source gave them, before ingest.Link
}

// Build reads opt.Sources into the catalog opt.DB. Files whose SHA-256 is the
// one the last catalog recorded are not read again: their rules come from
// the catalog. Cross-references are computed over all rules. The catalog is
// written to opt.DB+".new" and renamed over opt.DB only when complete, so a
// failed or cancelled build leaves the last good catalog in place.
func Build(ctx context.Context, opt Options) (*Summary, error) {
	start := time.Now()
	if opt.DB == "" {
		opt.DB = "ruledex.db"
	}
	if len(opt.Sources) == 0 {
		return nil, errors.New("build: no sources")
	}
	names := map[string]string{}
	for _, s := range opt.Sources {
		name := ingest.RepoName(sourceTarget(s))
		if prev, dup := names[name]; dup {
			return nil, fmt.Errorf("build: sources %s and %s are both named %s; name them (NAME=PATH, or name: in ruledex.yaml)", prev, s.Path, name)
		}
		names[name] = s.Path
	}
	unlock, err := lockBuild(opt.DB)
	if err != nil {
		return nil, err
	}
	defer unlock()
	prog := newProgress(opt.Progress, opt.TTY)
	defer prog.done()

	var prev *previous
	if !opt.Full {
		if prev, err = loadPrevious(ctx, opt.DB); err != nil {
			prog.linef("last catalog not reused: %v", err)
			prev = nil
		}
		defer prev.close()
	}

	results, err := readSources(ctx, opt, prev, prog)
	if err != nil {
		return nil, err
	}
	if sum := upToDate(opt, prev, results); sum != nil {
		sum.Duration = time.Since(start)
		prog.linef("%s is up to date", opt.DB)
		return sum, nil
	}
	var nc *newCatalog
	if prev != nil {
		nc = startCatalog(ctx, opt)
		defer func() { nc.abandon() }()
		if err := prev.waitRules(); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			prog.linef("last catalog not reused: %v", err)
			nc.abandon()
			nc, prev = nil, nil
			if results, err = readSources(ctx, opt, nil, prog); err != nil {
				return nil, err
			}
		}
	}
	if err := decodeReused(ctx, results, prev); err != nil {
		return nil, err
	}
	for i := range results {
		fr := &results[i]
		if !fr.reused {
			fr.srcIDs = make([]string, len(fr.Rules))
			fr.srcRels = make([][]rule.Related, len(fr.Rules))
			for j, r := range fr.Rules {
				fr.srcIDs[j] = r.ID
				fr.srcRels[j] = slices.Clone(r.Related)
			}
		}
	}
	plain := make([]ingest.FileResult, len(results))
	for i := range results {
		plain[i] = results[i].FileResult
	}
	ingest.AssignIDs(plain)

	var all []*rule.Rule
	for _, fr := range results {
		all = append(all, fr.Rules...)
	}
	prog.stage("cross-referencing %d rules", len(all))
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	crossReference(all)

	sum := summarize(results, prev)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	prog.stage("writing %s", opt.DB)
	sum.Duration = time.Since(start)
	if err := write(ctx, opt, prev, nc, results, sum, prog); err != nil {
		return nil, err
	}
	sum.Duration = time.Since(start)
	return sum, nil
}

// crossReference links the rules to each other (ingest.Link: correlation
// targets, shared ids) and runs the corpus-wide analysis of package catalog
// (kinds, events, same-action links, indicator counts, near-duplicates).
func crossReference(all []*rule.Rule) {
	for _, r := range all {
		r.SameAction = r.SameAction[:0]
		r.NearDuplicates = r.NearDuplicates[:0]
	}
	ingest.Link(all)
	catalog.CrossReference(all)
}

// sourceTarget returns the ingest target of s.
func sourceTarget(s Source) ingest.Target {
	return ingest.Target{Repo: s.Name, Path: s.Path}
}

// link returns the address of path in s's repository, or "".
func (s Source) link(path string) string {
	u := strings.TrimSuffix(strings.TrimSuffix(s.URL, "/"), ".git")
	if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		return ""
	}
	ref := s.Ref
	if ref == "" {
		ref = "HEAD"
	}
	return u + "/blob/" + ref + "/" + path
}

// readSources lists and reads every file of every source in parallel,
// reusing the last catalog's rules for unchanged files.
func readSources(ctx context.Context, opt Options, prev *previous, prog *progress) ([]fileResult, error) {
	type job struct {
		i          int
		src        Source
		repo, root string
		abs        string
	}
	var jobs []job
	for _, s := range opt.Sources {
		t := sourceTarget(s)
		files, err := ingest.ListFiles(t)
		if err != nil {
			return nil, fmt.Errorf("source %s: %w", s.Path, err)
		}
		root := s.Path
		if st, err := os.Stat(s.Path); err == nil && !st.IsDir() {
			root = filepath.Dir(s.Path)
		}
		repo := ingest.RepoName(t)
		for _, f := range files {
			jobs = append(jobs, job{i: len(jobs), src: s, repo: repo, root: root, abs: f})
		}
	}
	prog.stage("reading %d files", len(jobs))
	results := make([]fileResult, len(jobs))
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ch := make(chan job)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range ch {
				fr := readOne(j.repo, j.root, j.abs, prev)
				fr.src = j.src
				fr.setLinks()
				results[j.i] = fr
				mu.Lock()
				done++
				prog.count(done, len(jobs))
				mu.Unlock()
			}
		}()
	}
	var err error
	for _, j := range jobs {
		if err = ctx.Err(); err != nil {
			break
		}
		ch <- j
	}
	close(ch)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	return results, nil
}

// readOne reads one file, or takes its rules from the last catalog when its
// content did not change.
func readOne(repo, root, abs string, prev *previous) fileResult {
	rel := ingest.RelPath(root, abs)
	fr := fileResult{FileResult: ingest.FileResult{Repo: repo, Path: rel, Abs: abs}}
	st, skip, diags := ingest.Examine(root, abs, rel)
	if st != nil {
		fr.Size, fr.mtime = st.Size(), st.ModTime().UnixNano()
	}
	if skip != "" {
		fr.Skipped, fr.Diags = skip, diags
		return fr
	}
	var pf *prevFile
	if prev != nil {
		pf = prev.files[fileKey{repo, rel}]
	}
	// Size and modification time (in nanoseconds) as the last build saw them:
	// the content is taken as unchanged without reading it, as git does.
	if pf != nil && pf.size == fr.Size && pf.mtime == fr.mtime {
		fr.sha = pf.sha
		fr.reuse(pf)
		return fr
	}
	data, err := ingest.ReadBounded(abs)
	if err != nil {
		fr.Skipped, fr.Diags = ingest.ReadError(rel, err)
		return fr
	}
	sum := sha256.Sum256(data)
	fr.sha = hex.EncodeToString(sum[:])
	if pf != nil && pf.sha == fr.sha {
		fr.reuse(pf)
		return fr
	}
	res := ingest.ReadData(repo, rel, abs, data, "")
	fr.FileResult = res
	fr.Size = int64(len(data))
	return fr
}

// reuse marks fr as the unchanged file pf of the last catalog; its rules
// are decoded by decodeReused, when the build needs them.
func (fr *fileResult) reuse(pf *prevFile) {
	fr.Format, fr.Skipped, fr.Diags = pf.format, pf.skipped, pf.diags
	fr.reused, fr.pending = true, pf
}

// setLinks sets the address of the file on the rules of fr, from its
// source's git address and ref: on rules read now when they have none, and
// on reused rules always (the source's address or ref may have changed).
func (fr *fileResult) setLinks() {
	link := fr.src.link(fr.Path)
	for _, r := range fr.Rules {
		if r.Source.URL == "" || fr.reused {
			r.Source.URL = link
		}
	}
}

// upToDate returns the last build's summary when nothing changed since it:
// the same sources, every file unchanged, none gone. Nil otherwise.
func upToDate(opt Options, prev *previous, results []fileResult) *Summary {
	if prev == nil || prev.summary == nil || len(results) != len(prev.files) {
		return nil
	}
	if src, _ := json.Marshal(opt.Sources); string(src) != prev.sources {
		return nil
	}
	for i := range results {
		if !results[i].reused {
			return nil
		}
	}
	sum := *prev.summary
	sum.Read, sum.Reused, sum.Removed, sum.Files, sum.UpToDate = 0, len(results), 0, len(results), true
	return &sum
}

// decodeReused decodes, in parallel, the stored rules of the files that did
// not change. A file whose rules cannot be decoded is read again.
func decodeReused(ctx context.Context, results []fileResult, prev *previous) error {
	parallel(len(results), func(i int) {
		fr := &results[i]
		pf := fr.pending
		if pf == nil || ctx.Err() != nil {
			return
		}
		fr.pending = nil
		rules, ids, rels, err := prev.decode(pf)
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
		fr.Rules, fr.srcIDs, fr.srcRels = rules, ids, rels
		for j, r := range rules {
			r.ID = ids[j]
			r.Source.Repo, r.Source.Path = fr.Repo, fr.Path
			r.Related = slices.Clone(rels[j]) // as written, to be linked afresh
		}
		fr.setLinks()
	})
	return ctx.Err()
}

// previous is what the last catalog holds, for an incremental build.
type previous struct {
	files   map[fileKey]*prevFile
	rules   map[string]*prevRule // by id, lower-cased
	sources string               // JSON of the last build's sources
	summary *Summary             // the last build's

	cancel   context.CancelFunc // stops loadRules
	done     chan struct{}      // closed when loadRules has returned
	rulesErr error
}

type prevFile struct {
	sha, format, skipped string
	size, mtime          int64
	diags                []rule.Diagnostic
	rules                []*prevRule
}

type prevRule struct {
	n                                    int64
	id, srcID, kind, fileSHA, repo, path string
	body, srcRelated                     string // body: encodeRule's
}

// decode returns the rules of a file of the last catalog, with the ids and
// the related rules their source gave.
func (p *previous) decode(pf *prevFile) ([]*rule.Rule, []string, [][]rule.Related, error) {
	rules := make([]*rule.Rule, len(pf.rules))
	ids := make([]string, len(pf.rules))
	rels := make([][]rule.Related, len(pf.rules))
	for i, pr := range pf.rules {
		r, err := decodeRule(pr.body)
		if err != nil {
			return nil, nil, nil, err
		}
		if pr.srcRelated != "[]" {
			if err := json.Unmarshal([]byte(pr.srcRelated), &rels[i]); err != nil {
				return nil, nil, nil, err
			}
		}
		rules[i], ids[i] = r, pr.srcID
	}
	return rules, ids, rels, nil
}

// loadPrevious reads the files and rules of the catalog at path; nil when
// there is none.
func loadPrevious(ctx context.Context, path string) (*previous, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, nil
	}
	// Memory-mapped: the rules are read whole, and reading them a page at a
	// time was ten thousand system calls. (Open does not map: a catalog
	// truncated under a long-lived reader would crash it.)
	d, err := open(path, "mmap_size(1073741824)")
	if err != nil {
		return nil, err
	}
	keep := false
	defer func() {
		if !keep {
			d.Close()
		}
	}()
	var reader string
	d.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'reader'`).Scan(&reader)
	if reader != readerVersion() {
		return nil, errors.New("it was built by another ruledex: every file is read again")
	}
	p := &previous{files: map[fileKey]*prevFile{}, rules: map[string]*prevRule{}}
	var sum string
	if err := d.db.QueryRowContext(ctx, `SELECT sources, summary FROM builds ORDER BY n DESC LIMIT 1`).Scan(&p.sources, &sum); err == nil {
		p.summary = new(Summary)
		if json.Unmarshal([]byte(sum), p.summary) != nil {
			p.summary = nil
		}
	}
	rows, err := d.db.QueryContext(ctx, "SELECT repo, path, sha256, format, skipped, diags, size, mtime FROM files")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		pf := &prevFile{}
		var k fileKey
		var diags string
		if err := rows.Scan(&k.repo, &k.path, &pf.sha, &pf.format, &pf.skipped, &diags, &pf.size, &pf.mtime); err != nil {
			rows.Close()
			return nil, err
		}
		if diags != "[]" {
			if err := json.Unmarshal([]byte(diags), &pf.diags); err != nil {
				rows.Close()
				return nil, err
			}
		}
		p.files[k] = pf
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// The rules (their JSON: the bulk of the catalog) load while the files
	// are looked at; waitRules waits for them.
	keep = true
	rctx, cancel := context.WithCancel(ctx)
	p.cancel, p.done = cancel, make(chan struct{})
	go func() {
		defer close(p.done)
		defer d.Close()
		p.rulesErr = p.loadRules(rctx, d)
	}()
	return p, nil
}

func (p *previous) loadRules(ctx context.Context, d *DB) error {
	rows, err := d.db.QueryContext(ctx, "SELECT n, id, src_id, kind, file_sha256, repo, path, body, src_related FROM rules ORDER BY n")
	if err != nil {
		return err
	}
	defer rows.Close()
	var body sql.RawBytes // copied once, not twice as a string destination would
	for rows.Next() {
		pr := &prevRule{}
		if err := rows.Scan(&pr.n, &pr.id, &pr.srcID, &pr.kind, &pr.fileSHA, &pr.repo, &pr.path, &body, &pr.srcRelated); err != nil {
			return err
		}
		pr.body = string(body)
		p.rules[strings.ToLower(pr.id)] = pr
		if pf := p.files[fileKey{pr.repo, pr.path}]; pf != nil {
			pf.rules = append(pf.rules, pr)
		}
	}
	return rows.Err()
}

// waitRules waits until the last catalog's rules are loaded.
func (p *previous) waitRules() error {
	<-p.done
	return p.rulesErr
}

// close stops loading the last catalog's rules, if it still does, and
// closes the catalog.
func (p *previous) close() {
	if p != nil {
		p.cancel()
		<-p.done
	}
}

// openWrite opens the catalog file p for writing: no journal and no sync
// (a new file, renamed into place only when complete). SQLite's default page
// cache is kept: a 64 MiB one made full builds twice as slow, the allocator
// handing freed cache pages back to the kernel one madvise at a time.
func openWrite(p string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn(p, false, "busy_timeout(5000)", "journal_mode(OFF)", "synchronous(OFF)", "temp_store(MEMORY)"))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}
