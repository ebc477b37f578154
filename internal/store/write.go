package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ruledex/ruledex/internal/catalog"
	"github.com/ruledex/ruledex/internal/lint"
	"github.com/ruledex/ruledex/internal/parallel"
	"github.com/ruledex/ruledex/internal/rule"
)

// File is one file of a build as the catalog records it: read now, or
// unchanged since the last catalog (Reused), with its rules, cross-referenced.
type File struct {
	Repo, Path, Abs string
	SHA             string // of its content, hex
	Format          string // the format it was read as; "" when none
	Skipped         string // why it gave no rule, "" when it was read
	Size, Mtime     int64  // Mtime in unix nanoseconds
	Diags           []rule.Diagnostic
	Rules           []*rule.Rule
	Reused          bool
	SrcIDs          []string         // each rule's id as its source gave it, before ids were made unique
	SrcRels         [][]rule.Related // each rule's related rules as its source gave them, before linking
}

// Write is what a build writes.
type Write struct {
	Path string // the new catalog file (removed first when it exists)
	// InPlaceUpTo, when above zero and Ready nil, writes over the last
	// catalog (From) in place, in one transaction with a rollback journal
	// (openInPlace), when at most that many rules' rows are written or
	// deleted (counted before the writing: a rule of a file that did not
	// change whose cross-references are the stored ones keeps its row; any
	// other is written), else a new file at Path: an in-place write holds
	// its changed pages in memory until its commit. Nothing is removed when
	// an in-place write fails: its transaction is rolled back. With Ready,
	// InPlaceUpTo is not read (the copy is made).
	InPlaceUpTo int
	// From is the last catalog, whose copy the new one starts as when Prev
	// is set: only the rows that changed are written. Ready, when not nil,
	// is that copy made ready by StartCopy.
	From  string
	Prev  *Previous
	Ready *NewCatalog
	// Files are the build's files; WriteCatalog lets go of each rule once
	// it is written (its place in its File's Rules is nil then), so that
	// the rules leave memory as they reach the catalog.
	Files []File
	// Links, when not nil, encode the links of the rules of Files, in
	// order (their own lists may be gone then); each rule's are taken as
	// its links are written.
	Links   *LinkEncoder
	Sources []Source
	Summary *Summary
	Count   func(done, total int) // progress of the rules written; may be nil
	// Findings are what ruledex lint found in the rules (findings.go),
	// with Lint those of the checks across the corpus; they replace the
	// last catalog's, each rule's written with it.
	Findings []lint.Finding
	// Full, when not nil, gives the rule to write for each rule of Files,
	// which then holds only what the build needed of it until now (package
	// build keeps the rules it reads out of memory until they are
	// written), and the build's held record of it (stored in the held
	// table: what an incremental build reads instead of the rule). It is
	// called once a rule, on every core, except for a rule the last catalog
	// holds as it is (Previous.Kept) when its stored findings may be kept
	// (LintKnown, or no Lint): its row is left as it is.
	Full func(r *rule.Rule) (*rule.Rule, []byte, error)
	// Held, when not nil, tells a rule of Files that is not whole but held
	// as the last catalog holds it (its held record) but for what Overlay
	// copies: one Previous.Kept can tell stored as it is without Full.
	Held func(r *rule.Rule) bool
	// LintKnown: the stored findings of the per-rule checks of a rule the
	// last catalog holds as it is are its findings (the build lints with
	// the same checks: the same sources).
	LintKnown bool
	// Lint, when not nil, gives the findings of the per-rule lint checks on
	// each rule as it is written (the rule Full gave), written with it and
	// its findings among Findings: stored, when known is true, are the last catalog's findings
	// of the rule, which it holds as it is (Previous.Kept). It is called
	// once a rule, on every core.
	Lint func(r *rule.Rule, stored []lint.Finding, known bool) []lint.Finding
	// AsBuilt: the build found every rule held as the last catalog held it
	// (the same rules, each with the same held record: what the
	// cross-reference, linking and the checks across the corpus read), so
	// that they would give every rule what the last catalog holds, and did
	// not make them. A rule Held, of a file whose content did not change,
	// keeps its row and findings as they are (Previous.KeptAsBuilt); Full
	// gives the others with what the last catalog's rule was given
	// (Previous.StoredOverlay), compared whole as without AsBuilt (linking
	// their repository again may have changed them), a row kept as it is
	// keeping its findings; Links are the last catalog's
	// (Previous.LinksAsBuilt).
	AsBuilt bool
}

// WriteCatalog writes a build's files and rules to the new catalog file
// w.Path, complete, synced to the disk and closed (in rollback mode: its
// readers need no write-ahead log). The caller renames it into place. On
// error the new file is removed. When it writes over the catalog itself
// in place (w.InPlaceUpTo), in one transaction, it says so, and nothing is
// to be renamed or removed. An in-place write whose commit its readers
// hold back (a long statement of an export) fails with ErrInPlaceBusy,
// the catalog as it was.
//
// With a previous catalog the new one starts as its copy (or is the last
// one itself, in place) and only rows that changed are rewritten: a rule of the same file content whose encoding is
// the stored one's is left as it is; one whose cross-references changed has
// its body rewritten.
func WriteCatalog(ctx context.Context, in Write) (inPlace bool, err error) {
	prev, results, sum := in.Prev, in.Files, in.Summary
	var existing map[string]*prevRule
	if prev != nil {
		existing = prev.rules
	}
	count := in.Count
	if count == nil {
		count = func(int, int) {}
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
		fr       *File
		srcID    string
		srcRels  []rule.Related
		pr       *prevRule
		sameFile bool // pr is this rule, from the same file content
		kept     bool // pr's row is kept (links: pr.links is the row's)
		j        int  // r is fr.Rules[j]
		n        int64
		row      preparedRow
		links    []byte         // encodeRuleLinks's, when in.Links has none (not encoded): the linked rules by their index in items
		findings []lint.Finding // Lint's
		held     []byte         // Full's held record
		part     bool           // r is not whole (Full was not asked: its row is kept)
		err      error          // Full's
		// asked: Previous.Kept was asked of r as the build holds it (Held),
		// and answered known, with the stored findings (fewChanges).
		asked, known bool
		stored       []lint.Finding
	}
	nItems := 0
	for i := range results {
		nItems += len(results[i].Rules)
	}
	items := make([]item, 0, nItems) // an item is 300 bytes: grown, the list was copied over and over
	for i := range results {
		fr := &results[i]
		for j, r := range fr.Rules {
			it := item{r: r, fr: fr, j: j}
			if j < len(fr.SrcIDs) {
				it.srcID = fr.SrcIDs[j]
			}
			if j < len(fr.SrcRels) {
				it.srcRels = fr.SrcRels[j]
			}
			it.pr = existing[strings.ToLower(r.ID)]
			pr := it.pr
			it.sameFile = pr != nil && pr.id == r.ID && pr.fileSHA == fr.SHA && pr.repo == fr.Repo &&
				pr.path == fr.Path && pr.kind == r.Kind && pr.srcID == it.srcID
			items = append(items, it)
		}
	}
	// The catalog written: over the last one in place (asked, or when few
	// rules change), else a new file.
	newPath := in.Path
	inPlace = false
	var db *sql.DB
	var reuse bool
	// askHeld asks whether the rule of it, held as the last catalog holds
	// it (Held), is stored as it is (Previous.Kept, KeptAsBuilt), once:
	// before the writing when counting what changes, else as it is
	// prepared.
	askHeld := func(it *item) {
		if in.AsBuilt {
			it.stored, it.known = prev.KeptAsBuilt(it.r, it.fr.SHA, it.srcID)
		} else {
			it.stored, it.known = prev.Kept(it.r, it.fr.SHA, it.srcID, false)
		}
		it.asked = true
	}
	if in.InPlaceUpTo > 0 && prev != nil && in.Ready == nil {
		matched := 0
		for k := range items {
			if items[k].pr != nil {
				matched++
			}
		}
		// A rule held as the last catalog holds it (Held) and given the
		// same cross-references keeps its row (Previous.Kept, asked here
		// once for the writing too); every other rule is written, and
		// every rule gone deleted.
		inPlace = fewChanges(len(items), len(existing)-matched, in.InPlaceUpTo, func(k int) bool {
			it := &items[k]
			if !it.sameFile || in.Held == nil {
				return true
			}
			if !in.Held(it.r) {
				// Of a file that did not change, but decoded whole (its
				// repository linked again): compared whole as it is
				// written; counted here by what the cross-reference gave
				// it, as a held rule is, or (AsBuilt: the last catalog's,
				// Full gives them) as unchanged. An estimate: linking may
				// change its body too, which is rare.
				if in.AsBuilt {
					return false
				}
				_, known := prev.Kept(it.r, it.fr.SHA, it.srcID, false)
				return !known
			}
			askHeld(it)
			return !it.known
		})
		if inPlace {
			newPath = in.From
		}
	}
	switch {
	case inPlace:
		db, err = openInPlace(ctx, newPath)
		reuse = true
		if errors.Is(err, ErrNotInPlace) {
			inPlace, newPath = false, in.Path
			db, reuse, err = openNew(ctx, in.From, newPath, true)
		}
	case in.Ready != nil:
		db, reuse, err = in.Ready.take()
	default:
		db, reuse, err = openNew(ctx, in.From, newPath, prev != nil)
	}
	if err != nil {
		return inPlace, err
	}
	if !reuse && prev != nil {
		prev, existing = nil, nil
		for k := range items {
			it := &items[k]
			it.pr, it.sameFile, it.asked, it.known, it.stored = nil, false, false, false, nil
		}
	}
	defer func() {
		if db != nil {
			db.Close()
		}
		if err != nil && !inPlace {
			RemoveFile(newPath)
		}
	}()
	var side *sideSearch
	if !reuse { // a new catalog, empty
		if side, err = startSideSearch(ctx, db, newPath); err != nil {
			return inPlace, err
		}
		defer side.close()
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return inPlace, err
	}
	defer tx.Rollback()
	w, err := newWriter(ctx, tx, side)
	if err != nil {
		return inPlace, err
	}
	defer w.close()
	// A rule's links name the rules by their row, which a rule written
	// later does not have yet: they are encoded with the rules' indices
	// among items, and written once every rule has its row (writeLinks).
	at := make(map[string]int64, len(items))
	for k := range items {
		at[items[k].r.ID] = int64(k)
	}
	atOf := func(id string) (int64, bool) {
		k, ok := at[id]
		return k, ok
	}
	// encoded: in.Links has every rule's links (else each rule's own
	// lists are encoded as it is prepared).
	encoded := in.Links != nil && in.Links.Len() == len(items)
	// prepare makes the row of it.r, and when a held record is written
	// with it the sums the record is stored with: of its body (here: once
	// the row is queued, its body's buffer may go back to the pool) and of
	// what the cross-reference gave it (OverlaySum: 0.54 s of the writer's
	// CPU at N = 5 when the writer made it).
	prepare := func(it *item) {
		it.row = prepareRow(it.r)
		if it.held != nil {
			it.row.sum = bodySum(it.row.body)
			it.row.overlay = OverlaySum(it.r)
		}
	}
	// Rows are prepared a chunk ahead of the writing, on every core; the
	// writing is one transaction on one connection. Up to three chunks are
	// held at once (one written, one ready, one being prepared), each rule
	// whole with its row: 64 rules a chunk rather than 256 took the
	// writing's peak RSS from 294-310 to 262-277 MB on the 2026-11-30
	// corpus (the writer waits for rows as rarely).
	const chunk = 64
	ready := make(chan int, 1)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(ready)
		for start := 0; start < len(items); start += chunk {
			end := min(start+chunk, len(items))
			parallel.Do(end-start, func(k int) {
				it := &items[start+k]
				if !it.asked && it.sameFile && prev != nil && in.Held != nil && in.Held(it.r) {
					askHeld(it)
				}
				stored, known, asked := it.stored, it.known, it.asked
				switch {
				case known && (in.Lint == nil || in.LintKnown):
					// Stored as it is, with its findings: the rule as the
					// build holds it is enough (its links, its findings from
					// links: lint.FromLinks).
					it.part = true
				case in.Full != nil:
					full, held, err := in.Full(it.r)
					if err != nil {
						it.err = err
						return
					}
					it.r, it.held = full, held
				}
				if !asked && it.sameFile && prev != nil {
					stored, known = prev.Kept(it.r, it.fr.SHA, it.srcID, true)
				}
				if in.Lint != nil && !(in.AsBuilt && known && in.LintKnown) { // (its findings are kept)
					it.findings = in.Lint(it.r, stored, known)
				}
				switch {
				case it.sameFile && known: // Previous.Kept found it stored as it is
					it.row = preparedRow{unchanged: true}
				default:
					prepare(it)
				}
				if !encoded {
					it.links = encodeRuleLinks(it.r, atOf)
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
	// Each rule's findings are written with the rule (its findings among
	// Findings and, with Lint, its own), in the order lint.Sort gives them:
	// a check's findings are listed in the catalog's order of rules. At N =
	// 15 forks of the corpus a million near-duplicate findings were held
	// until every rule was written. A finding of a rule not written is
	// left out.
	given := map[string][]lint.Finding{}
	for _, f := range in.Findings {
		given[f.Rule] = append(given[f.Rule], f)
	}
	for start := range ready {
		if err := ctx.Err(); err != nil {
			return inPlace, err
		}
		for k := start; k < min(start+chunk, len(items)); k++ {
			it := &items[k]
			r, pr := it.r, it.pr
			if it.err != nil {
				return inPlace, fmt.Errorf("%s: %w", r.ID, it.err)
			}
			fs := append(given[r.ID], it.findings...)
			delete(given, r.ID)
			lint.Sort(fs)
			it.findings = nil
			same := it.sameFile && !deleted[pr.n] && !kept[pr.n]
			switch {
			case same:
				if it.row.err != nil {
					return inPlace, fmt.Errorf("%s: %w", r.ID, it.row.err)
				}
				kept[pr.n] = true
				it.kept, it.n = true, pr.n
				if it.row.unchanged && in.AsBuilt && in.LintKnown {
					break // its findings too: those across the corpus are the last build's
				}
				if it.row.unchanged {
					sum, err := w.writeFindings(pr.n, fs, true, pr.findingsSum)
					if err != nil {
						return inPlace, err
					}
					if !bytes.Equal(sum, pr.findingsSum) && pr.sum != nil { // its held row is there
						if _, err := w.updHeldFindings.ExecContext(w.ctx, sum, pr.n); err != nil {
							return inPlace, err
						}
					}
					break
				}
				// Only the cross-references changed.
				stored, err := w.storedBody(pr.n)
				if err != nil {
					return inPlace, err
				}
				if err := w.updateBody(pr.n, r, it.row, stored); err != nil {
					return inPlace, err
				}
				sum, err := w.writeFindings(pr.n, fs, true, pr.findingsSum)
				if err != nil {
					return inPlace, err
				}
				if err := w.writeHeld(pr.n, it.held, it.row.overlay, it.row.sum, sum); err != nil {
					return inPlace, err
				}
			default:
				if it.part { // kept, but its row is taken by another
					full, held, err := in.Full(r)
					if err != nil {
						return inPlace, fmt.Errorf("%s: %w", r.ID, err)
					}
					r, it.r, it.held, it.part = full, full, held, false
					it.row = preparedRow{}
				}
				if it.row.doc == nil {
					prepare(it)
				}
				if it.row.err != nil {
					return inPlace, fmt.Errorf("%s: %w", r.ID, it.row.err)
				}
				if pr != nil && !deleted[pr.n] && !kept[pr.n] {
					if err := w.deleteRule(pr.n, true); err != nil {
						return inPlace, err
					}
					deleted[pr.n] = true
				}
				n := w.next
				w.next++
				if err := w.insertRule(n, r, it.row, it.srcID, it.srcRels, it.fr.SHA); err != nil {
					return inPlace, fmt.Errorf("%s: %w", r.ID, err)
				}
				sum, err := w.writeFindings(n, fs, false, nil)
				if err != nil {
					return inPlace, err
				}
				if it.held != nil {
					if err := w.writeHeld(n, it.held, it.row.overlay, it.row.sum, sum); err != nil {
						return inPlace, err
					}
				}
				kept[n] = true
				it.n = n
			}
			// The rule is written: the garbage collector may have it
			// (the build holds every rule until here; now the catalog
			// does).
			it.row, it.r, it.held, it.fr.Rules[it.j] = preparedRow{}, nil, nil, nil
			done++
			count(done, total)

		}
	}
	if w.side != nil {
		w.side.given() // every rule's search text given: the side index merges beside what follows
	}
	for _, pr := range existing {
		if !kept[pr.n] && !deleted[pr.n] {
			if err := w.deleteRule(pr.n, true); err != nil {
				return inPlace, err
			}
		}
	}
	rowOf := func(k int64) int64 { return items[k].n }
	for k := range items {
		it := &items[k]
		old, oldSum := "", []byte(nil)
		if it.kept {
			old, oldSum = it.pr.links, it.pr.linksSum
		}
		enc := it.links
		if encoded {
			if enc, err = in.Links.take(k); err != nil {
				return inPlace, err
			}
		}
		if err := w.writeLinks(it.n, enc, old, oldSum, rowOf); err != nil {
			return inPlace, err
		}
		it.links = nil
	}
	if err := w.files(prev, results); err != nil {
		return inPlace, err
	}
	if err := w.build(in.Sources, sum, inPlace); err != nil {
		return inPlace, err
	}
	if err := w.finish(); err != nil {
		return inPlace, err
	}
	if err := tx.Commit(); err != nil {
		if inPlace && isBusy(err) {
			return true, fmt.Errorf("%w: %v", ErrInPlaceBusy, err)
		}
		return inPlace, err
	}
	if inPlace {
		// Written and synced by its commit (synchronous FULL, the journal
		// mode already DELETE): what follows cannot undo it.
		db.Close()
		db = nil
		return true, nil
	}
	if side != nil {
		if err := side.copyInto(ctx, db); err != nil {
			return false, err
		}
	}
	// A catalog is written by one build at a time, in one transaction
	// (a new file renamed into place, or written over in place), so its
	// readers need no write-ahead log: in rollback mode they leave no -wal
	// and -shm files beside it, read it from read-only media, and find no
	// stale ones that outlived the file they belonged to. (Catalogs of
	// older builds, in WAL mode, are read as well.)
	if _, err := db.ExecContext(ctx, "PRAGMA journal_mode = DELETE"); err != nil {
		return inPlace, err
	}
	if err := db.Close(); err != nil {
		db = nil
		return inPlace, err
	}
	db = nil
	if err := ctx.Err(); err != nil {
		return inPlace, err
	}
	// The new catalog reaches the disk before it takes the old one's name
	// (the caller renames it): a crash of the machine, not only of ruledex,
	// leaves one catalog or the other, whole.
	return false, syncPath(newPath)
}

// fewChanges tells whether at most limit rows change: gone rules' and
// those of the n rules for which changed says so (asked on every core; it
// stops asking once past limit).
func fewChanges(n, gone, limit int, changed func(k int) bool) bool {
	if gone > limit {
		return false
	}
	var count atomic.Int64
	count.Store(int64(gone))
	const chunk = 256
	parallel.Do((n+chunk-1)/chunk, func(c int) {
		for k := c * chunk; k < min((c+1)*chunk, n) && count.Load() <= int64(limit); k++ {
			if changed(k) {
				count.Add(1)
			}
		}
	})
	return count.Load() <= int64(limit)
}

// ErrNotInPlace is WriteCatalog's error when a catalog cannot be written
// over in place (Write.InPlaceUpTo): the file may not be written, or it was
// made by an older schema, which a copy is migrated from.
var ErrNotInPlace = errors.New("the catalog cannot be written in place")

// ErrInPlaceBusy is WriteCatalog's error when the commit of an in-place
// write waited inPlaceBusy for the catalog's readers in vain: the
// transaction is rolled back, the catalog as it was; a build writes a new
// file then (package build).
var ErrInPlaceBusy = errors.New("the catalog's readers held back the commit of its in-place write")

// inPlaceBusy is how long the commit of an in-place write waits for the
// catalog's readers (serve, export): it needs the file to itself for a
// moment, and SQLite holds back new readers while it waits, so it waits
// less than a reader does (busy_timeout 5000 ms, store.open): a page of
// `serve --db` is delayed, never failed.
const inPlaceBusy = 2000 // ms

// isBusy tells whether err is SQLite's SQLITE_BUSY (the low byte of its
// code: https://www.sqlite.org/rescode.html#busy).
func isBusy(err error) bool { return sqliteCode(err)&0xff == 5 }

// openInPlace opens the catalog at p to be written over in place: one
// transaction with a rollback journal, synced
// (https://www.sqlite.org/atomiccommit.html), so that a failed build, or a
// machine that stops, leaves the catalog as it was (a journal left behind
// is rolled back by whatever opens the catalog next, RecoverJournal). Its changed pages stay in memory
// until the commit (cache_spill off,
// https://www.sqlite.org/pragma.html#pragma_cache_spill): a page spilled
// to the file before would lock the file against the last catalog's
// reader (Previous), which the writing still reads; so a build writes in
// place only when few rows change (package build). Readers of the catalog
// see it as it was until the commit, then as it is.
func openInPlace(ctx context.Context, p string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn(p, false, fmt.Sprintf("busy_timeout(%d)", inPlaceBusy), "journal_mode(DELETE)", "synchronous(FULL)",
		"cache_spill(0)", "temp_store(MEMORY)"))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	var have int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&have); err != nil {
		db.Close()
		return nil, err
	}
	if have != SchemaVersion() {
		db.Close()
		return nil, ErrNotInPlace
	}
	// A catalog the build may not write (read-only, its folder writable:
	// SQLite opens it read-only) is written anew and renamed. (Asked of
	// SQLite, not by opening the file: closing a file descriptor drops
	// every POSIX lock the process holds on it, SQLite's included,
	// https://www.sqlite.org/howtocorrupt.html#_posix_advisory_locks_canceled_by_a_separate_thread_doing_close_.)
	if _, err := db.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		db.Close()
		return nil, ErrNotInPlace
	}
	if _, err := db.ExecContext(ctx, "ROLLBACK"); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// NewCatalog is the file a build writes, made ready (the last catalog
// copied there, opened and migrated) while the build reads and
// cross-references: copying the catalog and syncing the copy to the disk
// is a quarter of an incremental build, and needs little processor.
type NewCatalog struct {
	path  string
	done  chan struct{}
	db    *sql.DB
	reuse bool // db is a copy of the last catalog
	err   error
	taken bool
}

// StartCopy starts making newPath ready, as a copy of the catalog at from;
// WriteCatalog takes it (Write.Ready), or Abandon removes it.
func StartCopy(ctx context.Context, from, newPath string) *NewCatalog {
	c := &NewCatalog{path: newPath, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		c.db, c.reuse, c.err = openNew(ctx, from, c.path, true)
		if c.err == nil && c.reuse {
			// The copy goes to the disk now, while the build reads and
			// cross-references, not in the sync before the rename
			// (WriteCatalog), which then writes the pages changed alone:
			// the copy's was most of an incremental build's end.
			c.err = syncPath(c.path)
		}
	}()
	return c
}

// take waits until the new catalog is ready; the caller owns it then.
func (c *NewCatalog) take() (*sql.DB, bool, error) {
	<-c.done
	c.taken = true
	return c.db, c.reuse, c.err
}

// Abandon waits until the new catalog is ready and removes it, unless it
// was taken. A nil NewCatalog may be abandoned.
func (c *NewCatalog) Abandon() {
	if c == nil {
		return
	}
	<-c.done
	if !c.taken {
		if c.db != nil {
			c.db.Close()
		}
		RemoveFile(c.path)
	}
}

// openNew removes what an earlier build left at newPath, copies the
// catalog at path there when reuse is set and the catalog was closed
// cleanly, and opens and migrates the new file. reused tells whether it is
// the copy.
func openNew(ctx context.Context, path, newPath string, reuse bool) (db *sql.DB, reused bool, err error) {
	RemoveFile(newPath)
	defer func() {
		if err != nil {
			if db != nil {
				db.Close()
			}
			db = nil
			RemoveFile(newPath)
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

// RemoveFile removes a catalog file and its journals.
func RemoveFile(p string) {
	for _, s := range []string{"", "-wal", "-shm", "-journal", sideSuffix} {
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

// writer holds the prepared statements of one build's transaction and the
// rows it has yet to insert (batch.go).
type writer struct {
	ctx                                       context.Context
	tx                                        *sql.Tx
	updRule                                   *sql.Stmt
	delRule, delSearch, delInds               *sql.Stmt
	delActs, delFields, delCanon              *sql.Stmt
	delLinks, delHeld, delFindings            *sql.Stmt
	updHeldFindings                           *sql.Stmt
	rules, search, inds, acts, fields         *batch
	canon, links, fileRows, findingRows, held *batch
	next                                      int64 // the row of the next rule inserted
	// facetRules: the lists of the facets table this write changes,
	// written at its end (writeFacets).
	facetRules facetRules
	// fresh: the catalog was empty. Its secondary indexes (indexes, their
	// SQL) are dropped while the rows are loaded and made once at the end
	// (finish), from sorted rows: a row inserted into an index at random
	// places cost more than the row; and FTS5 merges its segments once,
	// at the end, rather than as they come.
	fresh   bool
	indexes []string
	// side: a new catalog's search index is written on a connection of
	// its own (sidesearch.go), nil otherwise.
	side *sideSearch
}

func newWriter(ctx context.Context, tx *sql.Tx, side *sideSearch) (*writer, error) {
	w := &writer{ctx: ctx, tx: tx, side: side}
	w.rules = newBatch(`INSERT INTO rules (n, id, src_id, platform, language, product, kind, title, severity, status, repo, path, line, url,
			file_sha256, techniques, tables_, diag_errors, body, diags, src_related, blurb) VALUES `, 22)
	w.search = newBatch(searchInsert+` VALUES `, 8)
	w.inds = newBatch(`INSERT INTO indicators (rule, field, kind, match_kind, value, folded, case_sensitive, total, all_) VALUES `, 9)
	w.fields = newBatch(`INSERT INTO table_fields (rule, tbl, field) VALUES `, 3)
	w.acts = newBatch(`INSERT INTO actions (rule, space, value, match, label) VALUES `, 5)
	w.canon = newBatch(`INSERT INTO canonical_indicators (rule, field, kind, value, from_) VALUES `, 5)
	w.links = newBatch(`INSERT OR REPLACE INTO links (rule, data) VALUES `, 2)
	w.held = newBatch(`INSERT OR REPLACE INTO held (rule, data, sum, body_sum, findings_sum) VALUES `, 5)
	w.fileRows = newBatch(`INSERT OR REPLACE INTO files (repo, path, abs, sha256, format, size, mtime, skipped, diags) VALUES `, 9)
	w.findingRows = newBatch(`INSERT INTO findings (rule, check_, severity, message, line, col, fingerprint) VALUES `, 7)
	for _, s := range []struct {
		p *(*sql.Stmt)
		q string
	}{
		{&w.delFields, `DELETE FROM table_fields WHERE rule = ?`},
		{&w.delActs, `DELETE FROM actions WHERE rule = ?`},
		{&w.updRule, `UPDATE rules SET body = ?, diags = ?, diag_errors = ?, url = ?, tables_ = ? WHERE n = ?`},
		{&w.delRule, `DELETE FROM rules WHERE n = ?`},
		{&w.delSearch, `DELETE FROM search WHERE rowid = ?`},
		{&w.delInds, `DELETE FROM indicators WHERE rule = ?`},
		{&w.delCanon, `DELETE FROM canonical_indicators WHERE rule = ?`},
		{&w.delLinks, `DELETE FROM links WHERE rule = ?`},
		{&w.delHeld, `DELETE FROM held WHERE rule = ?`},
		{&w.delFindings, `DELETE FROM findings WHERE rule = ?`},
		{&w.updHeldFindings, `UPDATE held SET findings_sum = ? WHERE rule = ?`},
	} {
		st, err := tx.PrepareContext(ctx, s.q)
		if err != nil {
			w.close()
			return nil, fmt.Errorf("prepare %q: %w", s.q, err)
		}
		*s.p = st
	}
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(n), 0) + 1, count(*) = 0 FROM rules`).Scan(&w.next, &w.fresh); err != nil {
		w.close()
		return nil, err
	}
	if w.fresh {
		if err := w.dropIndexes(); err != nil {
			w.close()
			return nil, err
		}
	}
	return w, nil
}

// dropIndexes drops the secondary indexes of a fresh catalog, keeping
// their SQL for finish, and stops FTS5's merging as segments come.
func (w *writer) dropIndexes() error {
	rows, err := w.tx.QueryContext(w.ctx, `SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL ORDER BY name`)
	if err != nil {
		return err
	}
	var names []string
	for rows.Next() {
		var name, q string
		if err := rows.Scan(&name, &q); err != nil {
			rows.Close()
			return err
		}
		names = append(names, name)
		w.indexes = append(w.indexes, q)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, name := range names {
		if _, err := w.tx.ExecContext(w.ctx, `DROP INDEX `+quoteIdent(name)); err != nil {
			return err
		}
	}
	if w.side != nil {
		return nil // (the side index merges once, at its end)
	}
	// https://sqlite.org/fts5.html#the_automerge_configuration_option
	_, err = w.tx.ExecContext(w.ctx, `INSERT INTO search(search, rank) VALUES ('automerge', 0)`)
	return err
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// foldNoCase returns s as SQLite's NOCASE collation compares it
// (https://sqlite.org/datatype3.html#collation: only ASCII letters
// folded): comparing two folded strings byte by byte orders them as the
// collation does. s itself when it has no ASCII capital.
func foldNoCase(s string) string {
	i := strings.IndexFunc(s, func(r rune) bool { return 'A' <= r && r <= 'Z' })
	if i < 0 {
		return s
	}
	b := []byte(s)
	for j := i; j < len(b); j++ {
		if 'A' <= b[j] && b[j] <= 'Z' {
			b[j] += 'a' - 'A'
		}
	}
	return string(b)
}

// flush inserts every row the writer holds.
func (w *writer) flush() error {
	for _, b := range w.batches() {
		if err := b.flush(w.ctx, w.tx); err != nil {
			return fmt.Errorf("%s: %w", b.head, err)
		}
	}
	return nil
}

func (w *writer) batches() []*batch {
	return []*batch{w.rules, w.search, w.inds, w.acts, w.fields, w.canon, w.links, w.fileRows, w.findingRows, w.held}
}

// finish inserts the rows the writer holds and, in a fresh catalog, makes
// the indexes dropped and merges the search index into one segment:
// searches of few words take half the time. (An incremental build adds
// small segments that FTS5 merges as they come.)
func (w *writer) finish() error {
	if err := w.flush(); err != nil {
		return err
	}
	if err := w.writeFacets(); err != nil {
		return err
	}
	if !w.fresh {
		return nil
	}
	for _, q := range w.indexes {
		if _, err := w.tx.ExecContext(w.ctx, q); err != nil {
			return err
		}
	}
	w.indexes = nil
	if w.side != nil {
		return w.side.end() // copied once the transaction is committed (copyInto)
	}
	for _, q := range searchMerged {
		if _, err := w.tx.ExecContext(w.ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// searchInsert inserts a rule's search text (searchDocOf) under its row.
const searchInsert = `INSERT INTO search (rowid, title, description, query, fields, vals, meta, parts)`

// searchMerged ends the writing of a new catalog's search index: its
// segments merged into one (searches of few words take half the time),
// and FTS5's default merging back for the incremental builds that copy
// this catalog.
var searchMerged = []string{
	`INSERT INTO search(search) VALUES ('optimize')`,
	`INSERT INTO search(search, rank) VALUES ('automerge', 4)`,
}

func (w *writer) close() {
	for _, s := range []*sql.Stmt{w.updRule, w.delRule, w.delSearch, w.delInds, w.delActs, w.delFields, w.delCanon, w.delLinks} {
		if s != nil {
			s.Close()
		}
	}
	for _, b := range w.batches() {
		if b != nil {
			b.close()
		}
	}
}

// preparedRow is what insertRule writes of a rule, made ahead of the writing.
type preparedRow struct {
	body      []byte  // encodeRule's
	buf       *[]byte // body's buffer, of encodeBufs, given back once the row is inserted
	unchanged bool    // body is the stored one (and left nil)
	sum       []byte  // bodySum of body, when a held record is written with it
	overlay   []byte  // OverlaySum of the rule, when a held record is written with it
	diags     []byte  // JSON
	facets    []facetValue
	doc       *searchDoc
	actions   []catalog.ActionKey
	fields    map[string][]string // fieldsByTable's
	err       error
}

// prepareRow normalizes r and makes its body, diagnostics, facets and
// search text.
func prepareRow(r *rule.Rule) preparedRow {
	r.Normalize()
	var p preparedRow
	p.buf = encodeBufs.Get().(*[]byte)
	*p.buf = withTokens(encodeRule((*p.buf)[:0], r), r) // its query's highlighting made once (bodytokens.go)
	p.body = *p.buf
	p.diags, p.err = json.Marshal(r.Diagnostics)
	p.facets = facetsOf(r)
	d := searchDocOf(r)
	p.doc = &d
	p.actions = catalog.ActionKeys(r)
	p.fields = fieldsByTable(r)
	return p
}

// encodeBufs are the buffers of rule encodings (prepareRow, OverlaySum, Kept).
var encodeBufs = sync.Pool{New: func() any { return new([]byte) }}

// insertRule queues rule r's rows, prepared as row, in row n (given by
// the writer, not by SQLite: the rows of a batch need no round trip; w.next
// for a new rule).
func (w *writer) insertRule(n int64, r *rule.Rule, row preparedRow, srcID string, srcRels []rule.Related, sha string) error {
	if srcRels == nil {
		srcRels = []rule.Related{}
	}
	rels, err := json.Marshal(srcRels)
	if err != nil {
		return err
	}
	var techs []string
	for _, t := range r.Techniques {
		techs = append(techs, t.ID)
	}
	errs := diagErrors(r)
	if row.buf != nil {
		w.rules.hold(row.buf)
	}
	if err := w.rules.add(w.ctx, w.tx, n, r.ID, srcID, r.Platform, r.Language, r.Product, r.Kind, r.Title, r.Severity, r.Status,
		r.Source.Repo, r.Source.Path, r.Source.Line, r.Source.URL, sha, strings.Join(techs, " "), strings.Join(r.Tables, "\n"), errs, row.body, string(row.diags), string(rels),
		blurbOf(r)); err != nil {
		return err
	}
	for _, f := range row.facets {
		if err := w.addFacet(f.facet, f.value, n); err != nil {
			return err
		}
	}
	if err := w.actionsAndFields(n, row); err != nil {
		return err
	}
	if err := w.insertSearch(n, *row.doc); err != nil {
		return err
	}
	return w.indicators(n, r)
}

// actionsAndFields queues the rows of rule n's actions and of the fields
// it uses of each table.
func (w *writer) actionsAndFields(n int64, row preparedRow) error {
	for _, k := range row.actions {
		if err := w.acts.add(w.ctx, w.tx, n, k.Space, k.Value, k.Match, k.Label()); err != nil {
			return err
		}
	}
	for _, t := range slices.Sorted(maps.Keys(row.fields)) { // in order: two builds of the same rules write the same rows
		for _, f := range row.fields[t] {
			if err := w.fields.add(w.ctx, w.tx, n, t, f); err != nil {
				return err
			}
		}
	}
	return nil
}

// diagErrors counts r's diagnostics of severity error (the rules table's
// diag_errors).
func diagErrors(r *rule.Rule) int {
	errs := 0
	for _, d := range r.Diagnostics {
		if d.Severity == rule.SevError {
			errs++
		}
	}
	return errs
}

// insertSearch indexes the search text of rule n.
func (w *writer) insertSearch(n int64, d searchDoc) error {
	if w.side != nil {
		return w.side.add(w.ctx, n, d)
	}
	return w.search.add(w.ctx, w.tx, n, d.title, d.description, d.query, d.fields, d.vals, d.meta, d.parts)
}

// indicators queues the indicator rows of rule n, which has none.
func (w *writer) indicators(n int64, r *rule.Rule) error {
	if err := w.canonical(n, r); err != nil {
		return err
	}
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
			if err := w.inds.add(w.ctx, w.tx, n, in.Field, in.Kind, catalog.MatchKind(in.Kind), v, catalog.Fold(v), cs, total, in.All); err != nil {
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
// Its facets and search text hold its events and actions, which a
// correlation takes from the rules it correlates (and a rule that matches
// part of an action, from the rules with the whole one): when they changed,
// the facets are written and the text is indexed again.
func (w *writer) updateBody(n int64, r *rule.Rule, row preparedRow, stored string) error { // (row: prepareRow's, never unchanged)
	if err := w.flush(); err != nil {
		return err
	}
	if _, err := w.updRule.ExecContext(w.ctx, row.body, string(row.diags), diagErrors(r), r.Source.URL, strings.Join(r.Tables, "\n"), n); err != nil {
		return err
	}
	// What linking lowers again (a search lowered with its repository's
	// macros: a macro gone changes its tables, fields and actions while
	// its file does not change) is written again with the rest.
	for _, st := range []*sql.Stmt{w.delInds, w.delCanon, w.delActs, w.delFields} {
		if _, err := st.ExecContext(w.ctx, n); err != nil {
			return err
		}
	}
	if err := w.indicators(n, r); err != nil {
		return err
	}
	if err := w.actionsAndFields(n, row); err != nil {
		return err
	}
	// Its facets and search text (row's, prepareRow's), when they changed:
	// by the cross-reference (events, actions) or by linking (a macro's
	// tables).
	old, err := decodeRule(stored)
	if err != nil || !slices.Equal(facetsOf(old), row.facets) {
		// Not the finding facets: they go with the findings (writeFindings).
		w.dropFacets(n, dropRuleFacets)
		for _, f := range row.facets {
			if err := w.addFacet(f.facet, f.value, n); err != nil {
				return err
			}
		}
	}
	if err == nil && *row.doc == searchDocOf(old) {
		return nil
	}
	if _, err := w.delSearch.ExecContext(w.ctx, n); err != nil {
		return err
	}
	return w.insertSearch(n, *row.doc)
}

// deleteRule deletes the rows of rule n: with its links, or (links false:
// the rule written again in its row, linked as it was) without.
func (w *writer) deleteRule(n int64, links bool) error {
	if err := w.flush(); err != nil {
		return err
	}
	for _, s := range []*sql.Stmt{w.delRule, w.delSearch, w.delInds, w.delActs, w.delFields, w.delLinks, w.delCanon, w.delHeld, w.delFindings} {
		if s == w.delLinks && !links {
			continue
		}
		if _, err := s.ExecContext(w.ctx, n); err != nil {
			return err
		}
	}
	w.dropFacets(n, dropRuleFacets|dropFindingFacets)
	return nil
}

// writeHeld writes held, the held record of rule n (given by Write.Full),
// with overlay, the sum of what its cross-reference gave it (OverlaySum),
// and bodySum and findingsSum, the sums of its body and its findings. A
// build that gives no record (WriteRules) leaves none: the next build
// prepares the rule again.
func (w *writer) writeHeld(n int64, held, overlay, bodySum, findingsSum []byte) error {
	if held == nil { // the row's record, if any, is not this rule's
		if err := w.flush(); err != nil {
			return err
		}
		_, err := w.delHeld.ExecContext(w.ctx, n)
		return err
	}
	return w.held.add(w.ctx, w.tx, n, held, overlay, bodySum, findingsSum)
}

// writeLinks writes the links of rule n, enc, whose linked rules are
// given by their index in the build (rowOf gives their row): left as they
// are when they are old, the row's stored links (or those of hash oldSum,
// Previous.HashLinks).
func (w *writer) writeLinks(n int64, enc []byte, old string, oldSum []byte, rowOf func(int64) int64) error {
	if enc != nil {
		var err error
		if enc, err = remapLinks(enc, rowOf); err != nil {
			return err
		}
	}
	switch {
	case oldSum != nil && enc != nil && bytes.Equal(linksSum(enc), oldSum):
		return nil
	case oldSum == nil && string(enc) == old:
		return nil
	case enc == nil:
		if err := w.flush(); err != nil {
			return err
		}
		_, err := w.delLinks.ExecContext(w.ctx, n)
		return err
	default:
		return w.links.add(w.ctx, w.tx, n, enc)
	}
}

// files records every file of the build and drops the last catalog's files
// that are gone.
func (w *writer) files(prev *Previous, results []File) error {
	if err := w.flush(); err != nil {
		return err
	}
	present := map[FileKey]bool{}
	for _, fr := range results {
		present[FileKey{fr.Repo, fr.Path}] = true
		if err := w.file(prev, fr); err != nil {
			return err
		}
	}
	if prev == nil {
		return nil
	}
	if err := w.flush(); err != nil {
		return err
	}
	del, err := w.tx.PrepareContext(w.ctx, `DELETE FROM files WHERE repo = ? AND path = ?`)
	if err != nil {
		return err
	}
	defer del.Close()
	for k := range prev.Files {
		if !present[k] {
			if _, err := del.ExecContext(w.ctx, k.Repo, k.Path); err != nil {
				return err
			}
		}
	}
	return nil
}

// file records fr, a file of the build, unless it is the last catalog's
// as it is.
func (w *writer) file(prev *Previous, fr File) error {
	if fr.Reused && prev != nil {
		if pf := prev.Files[FileKey{fr.Repo, fr.Path}]; pf != nil && pf.SHA == fr.SHA && pf.Size == fr.Size && pf.Mtime == fr.Mtime {
			return nil
		}
	}
	diags := fr.Diags
	if diags == nil {
		diags = []rule.Diagnostic{}
	}
	dj, _ := json.Marshal(diags)
	return w.fileRows.add(w.ctx, w.tx, fr.Repo, fr.Path, fr.Abs, fr.SHA, fr.Format, fr.Size, fr.Mtime, fr.Skipped, string(dj))
}

// build records the build's metadata.
func (w *writer) build(sources []Source, sum *Summary, inPlace bool) error {
	if _, err := w.tx.ExecContext(w.ctx, `INSERT OR REPLACE INTO meta (key, value) VALUES ('reader', ?)`, readerVersion()); err != nil {
		return err
	}
	// The build an in-place write writes over (BuildMark), which serve
	// reads (DB.Follows); none in a new file, which may be a copy of one
	// written in place.
	if inPlace {
		over := markOf(w.tx.QueryRowContext(w.ctx, lastBuildQuery))
		if _, err := w.tx.ExecContext(w.ctx, `INSERT OR REPLACE INTO meta (key, value) VALUES ('written_over', ?)`, over); err != nil {
			return err
		}
	} else if _, err := w.tx.ExecContext(w.ctx, `DELETE FROM meta WHERE key = 'written_over'`); err != nil {
		return err
	}
	src, _ := json.Marshal(sources)
	sj, _ := json.Marshal(sum)
	_, err := w.tx.ExecContext(w.ctx, `INSERT INTO builds (time, duration_ms, sources, summary) VALUES (?,?,?,?)`,
		time.Now().UTC().Format(time.RFC3339), sum.Duration.Milliseconds(), string(src), string(sj))
	return err
}
