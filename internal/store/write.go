package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ruledex/ruledex/internal/catalog"
	"github.com/ruledex/ruledex/internal/rule"
)

// write puts the build's rules into opt.DB+".new" and renames it over
// opt.DB. With a previous catalog, the new one starts as its copy and only
// rows that changed are rewritten: a rule of the same file content whose
// encoding is the stored one's is left as it is; one whose cross-references
// changed has its body rewritten.
//
// nc is the new file made ready by startCatalog, or nil (then write makes
// it, from prev when not nil).
func write(ctx context.Context, opt Options, prev *previous, nc *newCatalog, results []fileResult, sum *Summary, prog *progress) (err error) {
	newPath := opt.DB + ".new"
	var db *sql.DB
	var reuse bool
	if nc != nil {
		db, reuse, err = nc.take()
	} else {
		db, reuse, err = openNew(ctx, opt.DB, newPath, prev != nil)
	}
	if err != nil {
		return err
	}
	if !reuse {
		prev = nil
	}
	defer func() {
		if db != nil {
			db.Close()
		}
		if err != nil {
			removeDB(newPath)
		}
	}()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	w, err := newWriter(ctx, tx)
	if err != nil {
		return err
	}
	defer w.close()

	var existing map[string]*prevRule
	if prev != nil {
		existing = prev.rules
	}
	kept := map[int64]bool{}
	deleted := map[int64]bool{}
	total := 0
	for _, fr := range results {
		total += len(fr.Rules)
	}
	// What each rule needs, decided up front; the body (and for new rows
	// the facets and search text) of every rule is made in parallel, then
	// written in order.
	type item struct {
		r        *rule.Rule
		fr       *fileResult
		srcID    string
		srcRels  []rule.Related
		pr       *prevRule
		sameFile bool // pr is this rule, from the same file content
		row      preparedRow
	}
	var items []item
	for i := range results {
		fr := &results[i]
		for j, r := range fr.Rules {
			it := item{r: r, fr: fr}
			if j < len(fr.srcIDs) {
				it.srcID = fr.srcIDs[j]
			}
			if j < len(fr.srcRels) {
				it.srcRels = fr.srcRels[j]
			}
			it.pr = existing[strings.ToLower(r.ID)]
			pr := it.pr
			it.sameFile = pr != nil && pr.id == r.ID && pr.fileSHA == fr.sha && pr.repo == fr.Repo &&
				pr.path == fr.Path && pr.kind == r.Kind && pr.srcID == it.srcID
			items = append(items, it)
		}
	}
	// Rows are prepared a chunk ahead of the writing, on every core; the
	// writing is one transaction on one connection.
	const chunk = 256
	ready := make(chan int, 1)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(ready)
		for start := 0; start < len(items); start += chunk {
			end := min(start+chunk, len(items))
			parallel(end-start, func(k int) {
				if it := &items[start+k]; it.sameFile {
					it.row = prepareKept(it.r, it.pr.body)
				} else {
					it.row = prepareRow(it.r)
				}
			})
			select {
			case ready <- start:
			case <-stop:
				return
			}
		}
	}()
	done := 0
	for start := range ready {
		if err := ctx.Err(); err != nil {
			return err
		}
		for k := start; k < min(start+chunk, len(items)); k++ {
			it := &items[k]
			r, pr := it.r, it.pr
			same := it.sameFile && !deleted[pr.n] && !kept[pr.n]
			switch {
			case same:
				if it.row.err != nil {
					return fmt.Errorf("%s: %w", r.ID, it.row.err)
				}
				kept[pr.n] = true
				if !it.row.unchanged { // only the cross-references changed
					if err := w.updateBody(pr.n, r, it.row, pr.body); err != nil {
						return err
					}
				}
			default:
				if it.row.doc == nil {
					it.row = prepareRow(r)
				}
				if it.row.err != nil {
					return fmt.Errorf("%s: %w", r.ID, it.row.err)
				}
				if pr != nil && !deleted[pr.n] && !kept[pr.n] {
					if err := w.deleteRule(pr.n); err != nil {
						return err
					}
					deleted[pr.n] = true
				}
				n, err := w.insertRule(r, it.row, it.srcID, it.srcRels, it.fr.sha)
				if err != nil {
					return fmt.Errorf("%s: %w", r.ID, err)
				}
				kept[n] = true
			}
			it.row = preparedRow{} // let the garbage collector have it
			done++
			prog.count(done, total)

		}
	}
	for _, pr := range existing {
		if !kept[pr.n] && !deleted[pr.n] {
			if err := w.deleteRule(pr.n); err != nil {
				return err
			}
		}
	}
	if err := w.files(prev, results); err != nil {
		return err
	}
	if err := w.build(opt, sum); err != nil {
		return err
	}
	if prev == nil {
		// A new catalog's search index is merged into one segment: searches
		// of few words take half the time (0.4 s of a 20 s build). An
		// incremental build adds small segments that FTS5 merges as they
		// come.
		if _, err := tx.ExecContext(ctx, `INSERT INTO search(search) VALUES ('optimize')`); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	// A catalog is never written once it has its name (a build writes a
	// new file and renames it), so its readers need no write-ahead log: in
	// rollback mode they leave no -wal and -shm files beside it, read it
	// from read-only media, and find no stale ones that outlived the file
	// they belonged to. (Catalogs of older builds, in WAL mode, are read
	// as well.)
	if _, err := db.ExecContext(ctx, "PRAGMA journal_mode = DELETE"); err != nil {
		return err
	}
	if err := db.Close(); err != nil {
		db = nil
		return err
	}
	db = nil
	if err := ctx.Err(); err != nil {
		return err
	}
	// The new catalog reaches the disk before it takes the old one's name,
	// and the name change after it: a crash of the machine, not only of
	// ruledex, leaves one catalog or the other, whole.
	if err := syncPath(newPath); err != nil {
		return err
	}
	if err := os.Rename(newPath, opt.DB); err != nil {
		return err
	}
	// The write-ahead log and its index left by readers of a catalog in WAL
	// mode (an older build's) belong to the file just replaced: gone with it.
	if st, err := os.Stat(opt.DB + "-wal"); err == nil && st.Size() == 0 {
		os.Remove(opt.DB + "-shm")
		os.Remove(opt.DB + "-wal")
	}
	syncPath(filepath.Dir(opt.DB)) // a folder cannot be synced everywhere; the rename is done
	return nil
}

// newCatalog is the file a build writes, made ready (the last catalog
// copied there, opened and migrated) while the build reads and
// cross-references: copying the catalog and syncing it to the disk (which
// leaving WAL mode does) is a quarter of an incremental build, and needs
// no processor.
type newCatalog struct {
	path  string
	done  chan struct{}
	db    *sql.DB
	reuse bool // db is a copy of the last catalog
	err   error
	taken bool
}

// startCatalog starts making opt.DB+".new" ready, as a copy of opt.DB.
func startCatalog(ctx context.Context, opt Options) *newCatalog {
	c := &newCatalog{path: opt.DB + ".new", done: make(chan struct{})}
	go func() {
		defer close(c.done)
		c.db, c.reuse, c.err = openNew(ctx, opt.DB, c.path, true)
	}()
	return c
}

// take waits until the new catalog is ready; the caller owns it then.
func (c *newCatalog) take() (*sql.DB, bool, error) {
	<-c.done
	c.taken = true
	return c.db, c.reuse, c.err
}

// abandon waits until the new catalog is ready and removes it, unless it
// was taken.
func (c *newCatalog) abandon() {
	if c == nil {
		return
	}
	<-c.done
	if !c.taken {
		if c.db != nil {
			c.db.Close()
		}
		removeDB(c.path)
	}
}

// openNew removes what an earlier build left at newPath, copies the
// catalog at path there when reuse is set and the catalog was closed
// cleanly, and opens and migrates the new file. reused tells whether it is
// the copy.
func openNew(ctx context.Context, path, newPath string, reuse bool) (db *sql.DB, reused bool, err error) {
	removeDB(newPath)
	defer func() {
		if err != nil {
			if db != nil {
				db.Close()
			}
			db = nil
			removeDB(newPath)
		}
	}()
	if reuse {
		if st, e := os.Stat(path + "-wal"); e == nil && st.Size() > 0 {
			reuse = false // the last catalog is being written or was not closed cleanly: start afresh
		} else if e := copyFile(path, newPath); e != nil {
			return nil, false, fmt.Errorf("copy last catalog: %w", e)
		}
	}
	if db, err = openWrite(newPath); err != nil {
		return nil, false, err
	}
	if err = migrate(ctx, db); err != nil {
		return nil, false, err
	}
	return db, reuse, nil
}

// syncPath flushes the file or folder at p to the disk.
func syncPath(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// removeDB removes a database file and its journals.
func removeDB(p string) {
	for _, s := range []string{"", "-wal", "-shm", "-journal"} {
		os.Remove(p + s)
	}
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// writer holds the prepared statements of one build's transaction.
type writer struct {
	ctx                                                   context.Context
	tx                                                    *sql.Tx
	insRule, insFacet, insSearch, insInd, insAct, updRule *sql.Stmt
	delRule, delFacets, delSearch, delInds, delActs       *sql.Stmt
}

func newWriter(ctx context.Context, tx *sql.Tx) (*writer, error) {
	w := &writer{ctx: ctx, tx: tx}
	for _, s := range []struct {
		p *(*sql.Stmt)
		q string
	}{
		{&w.insRule, `INSERT INTO rules (id, src_id, platform, language, product, kind, title, severity, status, repo, path, line, url,
			file_sha256, techniques, tables_, diag_errors, body, diags, src_related) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`},
		{&w.insFacet, `INSERT OR IGNORE INTO facets (facet, value, rule) VALUES (?,?,?)`},
		{&w.insSearch, `INSERT INTO search (rowid, title, description, query, fields, vals, meta, parts) VALUES (?,?,?,?,?,?,?,?)`},
		{&w.insInd, `INSERT INTO indicators (rule, field, kind, match_kind, value, folded, case_sensitive, total) VALUES (?,?,?,?,?,?,?,?)`},
		{&w.insAct, `INSERT INTO actions (rule, space, value, match, label) VALUES (?,?,?,?,?)`},
		{&w.delActs, `DELETE FROM actions WHERE rule = ?`},
		{&w.updRule, `UPDATE rules SET body = ?, diags = ?, url = ? WHERE n = ?`},
		{&w.delRule, `DELETE FROM rules WHERE n = ?`},
		{&w.delFacets, `DELETE FROM facets WHERE rule = ?`},
		{&w.delSearch, `DELETE FROM search WHERE rowid = ?`},
		{&w.delInds, `DELETE FROM indicators WHERE rule = ?`},
	} {
		st, err := tx.PrepareContext(ctx, s.q)
		if err != nil {
			w.close()
			return nil, fmt.Errorf("prepare %q: %w", s.q, err)
		}
		*s.p = st
	}
	return w, nil
}

func (w *writer) close() {
	for _, s := range []*sql.Stmt{w.insRule, w.insFacet, w.insSearch, w.insInd, w.insAct, w.updRule, w.delRule, w.delFacets, w.delSearch, w.delInds, w.delActs} {
		if s != nil {
			s.Close()
		}
	}
}

// preparedRow is what insertRule writes of a rule, made ahead of the writing.
type preparedRow struct {
	body      []byte // encodeRule's
	unchanged bool   // prepareKept: body is the stored one (and left nil)
	diags     []byte // JSON
	facets    []facetValue
	doc       *searchDoc
	actions   []catalog.ActionKey
	err       error
}

// prepareRow normalizes r and makes its body, diagnostics, facets and
// search text.
func prepareRow(r *rule.Rule) preparedRow {
	r.Normalize()
	var p preparedRow
	p.body = encodeRule(make([]byte, 0, 8<<10), r)
	p.diags, p.err = json.Marshal(r.Diagnostics)
	p.facets = facetsOf(r)
	d := searchDocOf(r)
	p.doc = &d
	p.actions = catalog.ActionKeys(r)
	return p
}

// prepareKept normalizes r, a rule the catalog holds as stored, and makes
// its body only when it is not stored (its cross-references changed): most
// are, and encoding them all afresh made tens of megabytes of garbage.
func prepareKept(r *rule.Rule, stored string) preparedRow {
	r.Normalize()
	buf := encodeBufs.Get().(*[]byte)
	defer encodeBufs.Put(buf)
	*buf = encodeRule((*buf)[:0], r)
	if string(*buf) == stored {
		return preparedRow{unchanged: true}
	}
	return preparedRow{body: slices.Clone(*buf)}
}

// encodeBufs are prepareKept's buffers.
var encodeBufs = sync.Pool{New: func() any { return new([]byte) }}

// parallel calls f(0..n-1) on GOMAXPROCS goroutines.
func parallel(n int, f func(int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	var wg sync.WaitGroup
	var next atomic.Int64
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := int(next.Add(1)) - 1
				if k >= n {
					return
				}
				f(k)
			}
		}()
	}
	wg.Wait()
}

func (w *writer) insertRule(r *rule.Rule, row preparedRow, srcID string, srcRels []rule.Related, sha string) (int64, error) {
	if srcRels == nil {
		srcRels = []rule.Related{}
	}
	rels, err := json.Marshal(srcRels)
	if err != nil {
		return 0, err
	}
	var techs []string
	for _, t := range r.Techniques {
		techs = append(techs, t.ID)
	}
	errs := 0
	for _, d := range r.Diagnostics {
		if d.Severity == rule.SevError {
			errs++
		}
	}
	res, err := w.insRule.ExecContext(w.ctx, r.ID, srcID, r.Platform, r.Language, r.Product, r.Kind, r.Title, r.Severity, r.Status,
		r.Source.Repo, r.Source.Path, r.Source.Line, r.Source.URL, sha, strings.Join(techs, " "), strings.Join(r.Tables, "\n"), errs, row.body, string(row.diags), string(rels))
	if err != nil {
		return 0, err
	}
	n, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	for _, f := range row.facets {
		if _, err := w.insFacet.ExecContext(w.ctx, f.facet, f.value, n); err != nil {
			return 0, err
		}
	}
	for _, k := range row.actions {
		if _, err := w.insAct.ExecContext(w.ctx, n, k.Space, k.Value, k.Match, k.Label()); err != nil {
			return 0, err
		}
	}
	if err := w.insertSearch(n, *row.doc); err != nil {
		return 0, err
	}
	return n, w.indicators(n, r)
}

// insertSearch indexes the search text of rule n.
func (w *writer) insertSearch(n int64, d searchDoc) error {
	_, err := w.insSearch.ExecContext(w.ctx, n, d.title, d.description, d.query, d.fields, d.vals, d.meta, d.parts)
	return err
}

func (w *writer) indicators(n int64, r *rule.Rule) error {
	for _, in := range r.Indicators {
		if in.Negated {
			continue
		}
		for k, v := range in.Values {
			total := 0
			if k < len(in.Corpus) && in.Corpus[k].Value == v {
				total = in.Corpus[k].Total
			}
			cs := 0
			if in.CaseSensitive {
				cs = 1
			}
			if _, err := w.insInd.ExecContext(w.ctx, n, in.Field, in.Kind, catalog.MatchKind(in.Kind), v, catalog.Fold(v), cs, total); err != nil {
				return err
			}
		}
	}
	return nil
}

// updateBody rewrites a rule whose content is unchanged but whose
// cross-references (corpus counts, links, diagnostics of links) or address
// changed.
//
// Its search text holds its actions, which a correlation takes from the
// rules it correlates: when they changed, the text is indexed again.
func (w *writer) updateBody(n int64, r *rule.Rule, row preparedRow, stored string) error {
	diags, err := json.Marshal(r.Diagnostics)
	if err != nil {
		return err
	}
	if _, err := w.updRule.ExecContext(w.ctx, row.body, string(diags), r.Source.URL, n); err != nil {
		return err
	}
	if _, err := w.delInds.ExecContext(w.ctx, n); err != nil {
		return err
	}
	if err := w.indicators(n, r); err != nil {
		return err
	}
	if old, err := decodeRule(stored); err == nil && slices.Equal(old.Actions, r.Actions) {
		return nil
	}
	if _, err := w.delSearch.ExecContext(w.ctx, n); err != nil {
		return err
	}
	return w.insertSearch(n, searchDocOf(r))
}

func (w *writer) deleteRule(n int64) error {
	for _, s := range []*sql.Stmt{w.delRule, w.delFacets, w.delSearch, w.delInds, w.delActs} {
		if _, err := s.ExecContext(w.ctx, n); err != nil {
			return err
		}
	}
	return nil
}

// files records every file of the build and drops the last catalog's files
// that are gone.
func (w *writer) files(prev *previous, results []fileResult) error {
	present := map[fileKey]bool{}
	ins, err := w.tx.PrepareContext(w.ctx, `INSERT OR REPLACE INTO files (repo, path, abs, sha256, format, size, mtime, skipped, diags) VALUES (?,?,?,?,?,?,?,?,?)`)
	if err != nil {
		return err
	}
	defer ins.Close()
	for _, fr := range results {
		k := fileKey{fr.Repo, fr.Path}
		present[k] = true
		if fr.reused {
			if pf := prev.files[k]; pf != nil && pf.sha == fr.sha && pf.size == fr.Size && pf.mtime == fr.mtime {
				continue
			}
		}
		diags := fr.Diags
		if diags == nil {
			diags = []rule.Diagnostic{}
		}
		dj, _ := json.Marshal(diags)
		if _, err := ins.ExecContext(w.ctx, fr.Repo, fr.Path, fr.Abs, fr.sha, fr.Format, fr.Size, fr.mtime, fr.Skipped, string(dj)); err != nil {
			return err
		}
	}
	if prev == nil {
		return nil
	}
	del, err := w.tx.PrepareContext(w.ctx, `DELETE FROM files WHERE repo = ? AND path = ?`)
	if err != nil {
		return err
	}
	defer del.Close()
	for k := range prev.files {
		if !present[k] {
			if _, err := del.ExecContext(w.ctx, k.repo, k.path); err != nil {
				return err
			}
		}
	}
	return nil
}

// build records the build's metadata.
func (w *writer) build(opt Options, sum *Summary) error {
	if _, err := w.tx.ExecContext(w.ctx, `INSERT OR REPLACE INTO meta (key, value) VALUES ('reader', ?)`, readerVersion()); err != nil {
		return err
	}
	src, _ := json.Marshal(opt.Sources)
	sj, _ := json.Marshal(sum)
	_, err := w.tx.ExecContext(w.ctx, `INSERT INTO builds (time, duration_ms, sources, summary) VALUES (?,?,?,?)`,
		time.Now().UTC().Format(time.RFC3339), sum.Duration.Milliseconds(), string(src), string(sj))
	return err
}
