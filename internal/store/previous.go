package store

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/ruledex/ruledex/internal/lint"
	"github.com/ruledex/ruledex/internal/rule"
)

// Source is one rule repository a catalog was built from, as the catalog
// records it (package build reads it).
type Source struct {
	Name string `json:"name"` // repository name recorded on its rules; default: the folder's base name
	Path string `json:"path"` // folder (or file) to read
	URL  string `json:"url"`  // git address, for links to files (https://github.com/owner/repo)
	Ref  string `json:"ref"`  // branch, tag or commit of the links; default HEAD
	// LintDisable are the lint checks the build does not run on its rules
	// (ruledex.yaml's lint: disable:, of every source and of this one).
	LintDisable []string `json:"lint_disable,omitempty"`
}

// FileKey names a file of the catalog.
type FileKey struct{ Repo, Path string }

// Previous is what the last catalog holds, for an incremental build
// (OpenPrevious).
type Previous struct {
	Files   map[FileKey]*PrevFile
	rules   map[string]*prevRule // by id, lower-cased
	Sources string               // JSON of the last build's sources
	Summary *Summary             // the last build's

	db       *DB                // the last catalog, open until Close
	ctx      context.Context    // OpenPrevious's, for StartRules
	cancel   context.CancelFunc // stops loadRules
	done     chan struct{}      // closed when loadRules has returned
	rulesErr error
	repos    map[string]bool  // loaded alone (LoadRepo)
	loaded   map[int64]bool   // the rows loaded alone (LoadRepo, LoadFiles)
	bodies   map[int64]string // the stored bodies of their rules, by row
}

// PrevFile is a file of the last catalog.
type PrevFile struct {
	SHA, Format, Skipped string
	Size, Mtime          int64
	Diags                []rule.Diagnostic
	rules                []*prevRule
}

type prevRule struct {
	n                                    int64
	id, srcID, kind, fileSHA, repo, path string
	srcRelated                           string
	sum, bodySum, findingsSum            []byte // OverlaySum, bodySum and findingsSum of the rule written, nil when it has no held record
	held                                 []byte // its held record (Held, SameHeld), nil once taken
	links                                string // encodeLinks's, "" when none (or hashed: HashLinks)
	linksSum                             []byte // linksSum of links once HashLinks let them go, nil when none
	// findings are those of the per-rule lint checks (lint.Check.Rule) on
	// the rule.
	findings []lint.Finding
}

// Kept tells whether r, whose file's content has this SHA-256 and whose
// source gave it the id srcID, is stored in the last catalog as it is (the
// same id, file and encoding; call it once cross-referenced), and then
// returns the stored findings of the per-rule lint checks on it. When r is
// not whole (a build's skeleton of a rule it holds as the last catalog
// held it: whole false), only what Overlay copies is compared (OverlaySum):
// the rest of such a rule is what the catalog stored. The new catalog
// keeps such a rule's row without encoding it again. Rules may be asked
// about in parallel, each once.
func (p *Previous) Kept(r *rule.Rule, sha, srcID string, whole bool) ([]lint.Finding, bool) {
	if p == nil {
		return nil, false
	}
	pr := p.stored(r, sha, srcID)
	if pr == nil {
		return nil, false
	}
	if whole {
		r.Normalize()
		buf := encodeBufs.Get().(*[]byte)
		defer encodeBufs.Put(buf)
		*buf = encodeRule((*buf)[:0], r)
		if !bytes.Equal(bodySum(*buf), pr.bodySum) {
			return nil, false
		}
	} else if !bytes.Equal(OverlaySum(r), pr.sum) {
		return nil, false
	}
	return pr.findings, true
}

// stored returns the last catalog's row of r when it is r's (the same id,
// file content, place, kind and id as its source gave it) and has a held
// record; nil otherwise.
func (p *Previous) stored(r *rule.Rule, sha, srcID string) *prevRule {
	pr := p.rules[strings.ToLower(r.ID)]
	if pr == nil || pr.sum == nil || pr.id != r.ID || pr.fileSHA != sha || pr.repo != r.Source.Repo || pr.path != r.Source.Path ||
		pr.kind != r.Kind || pr.srcID != srcID {
		return nil
	}
	return pr
}

// KeptAsBuilt is Kept for a build whose cross-reference would give every
// rule what the last catalog holds (Write.AsBuilt), for a rule it holds
// as the last catalog held it (Write.Held: its source was not linked
// again, which may change its body): r is stored as it is when its row is
// its own, without comparing what Overlay copies (the build did not
// cross-reference it) or its body (its file did not change).
func (p *Previous) KeptAsBuilt(r *rule.Rule, sha, srcID string) ([]lint.Finding, bool) {
	if p == nil {
		return nil, false
	}
	if pr := p.stored(r, sha, srcID); pr != nil {
		return pr.findings, true
	}
	return nil, false
}

// SameHeld tells whether the last catalog holds a rule of this id (the
// same, not only case-folded) with the held record rec: the rule a build
// holds, read or decoded again, is the one the last build held, as the
// cross-reference reads it. Ask it once a rule (rules may be asked about
// in parallel): the stored record is let go (a build that reads every
// source again would hold them all otherwise).
func (p *Previous) SameHeld(id string, rec []byte) bool {
	pr := p.heldRule(id)
	if pr == nil {
		return false
	}
	same := pr.held != nil && bytes.Equal(pr.held, rec)
	pr.held = nil
	return same
}

// HeldOf returns the held record the last catalog holds for the rule of
// this id, nil when none (not let go, as SameHeld does).
func (p *Previous) HeldOf(id string) []byte {
	if pr := p.heldRule(id); pr != nil {
		return pr.held
	}
	return nil
}

// InRow tells whether the last catalog holds the rule of this id (the
// same, not only case-folded) in row n, with a held record: a rule a build
// took from that record still has the id it had.
func (p *Previous) InRow(id string, n int64) bool {
	pr := p.heldRule(id)
	return pr != nil && pr.n == n
}

// heldRule returns the last catalog's rule of this very id when it has a
// held record.
func (p *Previous) heldRule(id string) *prevRule {
	if p == nil {
		return nil
	}
	if pr := p.rules[strings.ToLower(id)]; pr != nil && pr.id == id && pr.sum != nil {
		return pr
	}
	return nil
}

// RuleCount returns how many rules the last catalog holds (after
// WaitRules).
func (p *Previous) RuleCount() int {
	if p == nil {
		return 0
	}
	return len(p.rules)
}

// StoredOverlay copies onto r, whole, what Overlay copies from the last
// catalog's rule of its id (its stored body): what the cross-reference
// gave it there, for a build that did not cross-reference (Write.AsBuilt).
func (p *Previous) StoredOverlay(r *rule.Rule) error {
	pr := p.rules[strings.ToLower(r.ID)]
	if pr == nil {
		return fmt.Errorf("%s: %w", r.ID, ErrNotFound)
	}
	old, err := p.storedRule(pr.n)
	if err != nil {
		return err
	}
	Overlay(r, old)
	return nil
}

// CorpusFindings returns the last catalog's findings of these checks on
// the rules of these ids, as a build that did not run them gives them
// (Write.AsBuilt).
func (p *Previous) CorpusFindings(ctx context.Context, ids, checks []string) ([]lint.Finding, error) {
	if p == nil || len(ids) == 0 || len(checks) == 0 {
		return nil, nil
	}
	in := "?" + strings.Repeat(",?", len(checks)-1)
	st, err := p.db.db.PrepareContext(ctx, `SELECT check_, severity, message, line, col, fingerprint FROM findings WHERE rule = ? AND check_ IN (`+in+`)`)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	var out []lint.Finding
	for _, id := range ids {
		pr := p.rules[strings.ToLower(id)]
		if pr == nil {
			continue
		}
		args := []any{pr.n}
		for _, c := range checks {
			args = append(args, c)
		}
		rows, err := st.QueryContext(ctx, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			f := lint.Finding{Rule: pr.id, Repo: pr.repo, Path: pr.path}
			if err := rows.Scan(&f.Check, &f.Severity, &f.Message, &f.Line, &f.Col, &f.Fingerprint); err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, f)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// HadRules tells whether the last catalog holds rules of the file path of
// repository repo.
func (p *Previous) HadRules(repo, path string) bool {
	if p == nil {
		return false
	}
	pf := p.Files[FileKey{repo, path}]
	return pf != nil && len(pf.rules) > 0
}

// RuleIDs returns the ids of the rules of a file of the last catalog, in
// their order in it (after WaitRules or its repository's LoadRepo).
func (p *Previous) RuleIDs(pf *PrevFile) []string {
	ids := make([]string, len(pf.rules))
	for i, pr := range pf.rules {
		ids[i] = pr.id
	}
	return ids
}

// PrevRule is a rule of a file of the last catalog as a build reads it
// back (Previous.Held): its held record, its row, and the id and the
// related rules its source gave it.
type PrevRule struct {
	Held  []byte
	N     int64
	SrcID string
	Rels  []rule.Related
}

// Held returns the rules of a file of the last catalog with their held
// records, or false when one of them has none (Decode reads them then).
// Call it after WaitRules, once a file: the records are let go.
func (p *Previous) Held(pf *PrevFile) ([]PrevRule, bool, error) {
	out := make([]PrevRule, len(pf.rules))
	for i, pr := range pf.rules {
		if pr.held == nil {
			return nil, false, nil
		}
		out[i] = PrevRule{Held: pr.held, N: pr.n, SrcID: pr.srcID}
		if pr.srcRelated != "[]" {
			if err := json.Unmarshal([]byte(pr.srcRelated), &out[i].Rels); err != nil {
				return nil, false, err
			}
		}
	}
	for _, pr := range pf.rules {
		pr.held = nil
	}
	return out, true, nil
}

// Whole returns the stored body and held record of row n of the last
// catalog.
func (p *Previous) Whole(n int64) (*rule.Rule, []byte, error) {
	var body, held []byte
	if err := p.db.db.QueryRow(`SELECT r.body, coalesce(h.data, x'') FROM rules r LEFT JOIN held h ON h.rule = r.n WHERE r.n = ?`, n).Scan(&body, &held); err != nil {
		return nil, nil, err
	}
	r, err := decodeRule(string(body))
	return r, held, err
}

// storedRule returns the rule of row n of the last catalog, decoded from
// its stored body: LoadRepo's, or read now.
func (p *Previous) storedRule(n int64) (*rule.Rule, error) {
	if b, ok := p.bodies[n]; ok {
		return decodeRule(b)
	}
	var body string
	if err := p.db.db.QueryRow(`SELECT body FROM rules WHERE n = ?`, n).Scan(&body); err != nil {
		return nil, err
	}
	return decodeRule(body)
}

// Decode returns the rules of a file of the last catalog, with the ids and
// the related rules their source gave. Call it after WaitRules.
func (p *Previous) Decode(pf *PrevFile) ([]*rule.Rule, []string, [][]rule.Related, error) {
	rules := make([]*rule.Rule, len(pf.rules))
	ids := make([]string, len(pf.rules))
	rels := make([][]rule.Related, len(pf.rules))
	for i, pr := range pf.rules {
		r, err := p.storedRule(pr.n)
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

// OpenPrevious reads the files of the catalog at path (its rules are
// loaded by StartRules and WaitRules); nil when there is none. It fails for
// a catalog built by another ruledex (readerVersion), whose rules may not
// be the ones this one would read. repos, optional, are the repositories
// the build reads (their names split the reading of the files on every
// core). Close it when done.
func OpenPrevious(ctx context.Context, path string, repos ...string) (*Previous, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, nil
	}
	// Not memory-mapped: the rules' bodies are no longer read whole
	// (loadRules reads the index rules_prev and the held records), and the
	// pages mapped counted in the build's memory (a gigabyte at 164,000
	// rules).
	d, err := open(path)
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
	p := &Previous{rules: map[string]*prevRule{}}
	var sum string
	if err := d.db.QueryRowContext(ctx, `SELECT sources, summary FROM builds ORDER BY n DESC LIMIT 1`).Scan(&p.Sources, &sum); err == nil {
		p.Summary = new(Summary)
		if json.Unmarshal([]byte(sum), p.Summary) != nil {
			p.Summary = nil
		}
	}
	if p.Files, err = loadFiles(ctx, d, p.Summary, repos); err != nil {
		return nil, err
	}
	keep = true
	p.db = d // read by StartRules and Whole until Close
	p.ctx = ctx
	return p, nil
}

// loadFiles reads the files table, in ranges of repositories (split at
// the names of repos) on every core, each on a connection of its own:
// every rebuild reads it before anything else (0.6 s of CPU at 153,600
// files on one core). last, when known, sizes the map.
func loadFiles(ctx context.Context, d *DB, last *Summary, repos []string) (map[FileKey]*PrevFile, error) {
	repos = slices.Compact(slices.Sorted(slices.Values(repos)))
	parts := max(1, min(runtime.GOMAXPROCS(0), poolSize-1, len(repos)))
	type part struct {
		keys  []FileKey
		files []*PrevFile
		err   error
	}
	got := make([]part, parts)
	var wg sync.WaitGroup
	for k := range parts {
		wg.Go(func() {
			var where []string
			var args []any
			if k > 0 {
				where, args = append(where, `repo >= ?`), append(args, repos[k*len(repos)/parts])
			}
			if k < parts-1 {
				where, args = append(where, `repo < ?`), append(args, repos[(k+1)*len(repos)/parts])
			}
			q := "SELECT repo, path, sha256, format, skipped, diags, size, mtime FROM files"
			if len(where) > 0 {
				q += " WHERE " + strings.Join(where, " AND ")
			}
			pt := &got[k]
			pt.keys, pt.files, pt.err = scanFiles(ctx, d, q, args...)
		})
	}
	wg.Wait()
	n := 0
	if last != nil {
		n = last.Files
	}
	files := make(map[FileKey]*PrevFile, n)
	for _, pt := range got {
		if pt.err != nil {
			return nil, pt.err
		}
		for i, k := range pt.keys {
			files[k] = pt.files[i]
		}
	}
	return files, nil
}

// scanFiles reads the files of the last catalog that query q gives.
func scanFiles(ctx context.Context, d *DB, q string, args ...any) ([]FileKey, []*PrevFile, error) {
	rows, err := d.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	// Scanned as bytes, a file's repository, format and reason to skip one
	// string a value (150,000 files give a few hundred).
	var repo, file, sha, format, skipped, diags sql.RawBytes
	names := map[string]string{}
	name := func(b []byte) string {
		if v, ok := names[string(b)]; ok {
			return v
		}
		v := string(b)
		names[v] = v
		return v
	}
	var keys []FileKey
	var files []*PrevFile
	for rows.Next() {
		pf := &PrevFile{}
		if err := rows.Scan(&repo, &file, &sha, &format, &skipped, &diags, &pf.Size, &pf.Mtime); err != nil {
			return nil, nil, err
		}
		pf.SHA, pf.Format, pf.Skipped = string(sha), name(format), name(skipped)
		if string(diags) != "[]" {
			if err := json.Unmarshal(diags, &pf.Diags); err != nil {
				return nil, nil, err
			}
		}
		keys = append(keys, FileKey{name(repo), string(file)})
		files = append(files, pf)
	}
	return keys, files, rows.Err()
}

// StartRules starts loading the last catalog's rules (WaitRules waits for
// them): once a build knows that a file changed, while the last catalog is
// copied (a build that finds nothing changed loads none).
func (p *Previous) StartRules() {
	if p.done != nil {
		return
	}
	rctx, cancel := context.WithCancel(p.ctx)
	p.cancel, p.done = cancel, make(chan struct{})
	go func() {
		defer close(p.done)
		p.rulesErr = p.loadRules(rctx, p.db)
	}()
}

func (p *Previous) loadRules(ctx context.Context, d *DB) error {
	// Not the bodies (7.8 kB a rule: 1.3 GB with 15 forks of the corpus):
	// the held records, a fifth of that, and the bodies of the few rules
	// that need them one at a time (Whole). Read in ranges of rows on every
	// core, each on a connection of its own, and the findings beside: one
	// SQLite scan was the 4 s before any file is read of an incremental
	// build at N = 15 (`--cpuprofile`).
	var lo, hi int64
	if err := d.db.QueryRowContext(ctx, `SELECT coalesce(min(n), 0), coalesce(max(n), -1) FROM rules`).Scan(&lo, &hi); err != nil {
		return err
	}
	parts := max(1, min(runtime.GOMAXPROCS(0), poolSize-1))
	ranges := make([][]*prevRule, parts)
	errs := make([]error, parts+1)
	var found []foundFinding
	var wg sync.WaitGroup
	step := (hi - lo + int64(parts)) / int64(parts)
	for k := range parts {
		wg.Go(func() {
			from := lo + int64(k)*step
			ranges[k], errs[k] = loadRuleRows(ctx, d, `r.n BETWEEN ? AND ?`, from, min(from+step-1, hi))
		})
	}
	wg.Go(func() { found, errs[parts] = loadFindings(ctx, d, "") })
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if p.loaded != nil { // (LoadRepo's and LoadFiles' rules are loaded again, whole)
		for _, pf := range p.Files {
			pf.rules = nil
		}
		p.repos, p.loaded, p.bodies = nil, nil, nil
	}
	p.add(slices.Concat(ranges...), found)
	return nil
}

// add records rules of the last catalog, in order of their rows, and
// their findings of the per-rule checks.
func (p *Previous) add(rules []*prevRule, found []foundFinding) {
	byN := make(map[int64]*prevRule, len(rules))
	for _, pr := range rules {
		p.rules[strings.ToLower(pr.id)] = pr
		byN[pr.n] = pr
		if pf := p.Files[FileKey{pr.repo, pr.path}]; pf != nil {
			pf.rules = append(pf.rules, pr)
		}
	}
	for _, f := range found {
		if pr := byN[f.n]; pr != nil {
			f.f.Rule, f.f.Repo, f.f.Path = pr.id, pr.repo, pr.path
			pr.findings = append(pr.findings, f.f)
		}
	}
}

// LoadRepo loads the last catalog's rules of repository repo alone, as
// WaitRules loads every rule (Held, Decode, Kept, SameHeld and
// StoredOverlay answer for them then): a build that reads again only files
// of a few repositories, and may find every other rule as the last catalog
// holds it, reads no other (package build's quick rebuild). WaitRules
// loads them again with the rest.
func (p *Previous) LoadRepo(ctx context.Context, repo string) error {
	if p.repos[repo] {
		return nil
	}
	if err := p.load(ctx, `repo = ?`, repo); err != nil {
		return err
	}
	if p.repos == nil {
		p.repos = map[string]bool{}
	}
	p.repos[repo] = true
	return nil
}

// LoadFiles is LoadRepo for the rules of repository repo of the files
// at paths (files of the last catalog), and of the kinds kinds in any file
// of it, alone: a quick rebuild of a repository whose rules are linked
// each on its own, or with the definitions its language links them with
// (lang.Language.LinkDefinitions), loads only the files it reads again
// and those definitions.
func (p *Previous) LoadFiles(ctx context.Context, repo string, paths, kinds []string) error {
	if p.repos[repo] {
		return nil
	}
	args := []any{repo}
	var or []string
	for _, c := range []struct {
		col  string
		vals []string
	}{{"path", paths}, {"kind", kinds}} {
		if len(c.vals) > 0 {
			or = append(or, c.col+" IN (?"+strings.Repeat(", ?", len(c.vals)-1)+")")
			for _, v := range c.vals {
				args = append(args, v)
			}
		}
	}
	if len(or) == 0 {
		return nil
	}
	return p.load(ctx, `repo = ? AND (`+strings.Join(or, " OR ")+`)`, args...)
}

// HasKind tells whether a rule of file pf, of those loaded, is of one of
// kinds.
func (p *Previous) HasKind(pf *PrevFile, kinds []string) bool {
	return pf != nil && slices.ContainsFunc(pf.rules, func(pr *prevRule) bool { return slices.Contains(kinds, pr.kind) })
}

// load loads the rules of the rows where (a condition on the rules
// table's columns) holds, as LoadRepo says: the rules, their findings and
// their bodies, each in one statement, on connections of their own (a
// statement a rule was most of the time a quick rebuild took to decode a
// repository, Decode, and compare its rules, StoredOverlay).
func (p *Previous) load(ctx context.Context, where string, args ...any) error {
	var rules []*prevRule
	var found []foundFinding
	bodies := map[int64]string{}
	var wg sync.WaitGroup
	errs := make([]error, 3)
	wg.Go(func() { rules, errs[0] = loadRuleRows(ctx, p.db, where, args...) }) // (no table it joins has a column repo or path)
	wg.Go(func() {
		found, errs[1] = loadFindings(ctx, p.db, `rule IN (SELECT n FROM rules WHERE `+where+`)`, args...)
	})
	wg.Go(func() { errs[2] = loadBodies(ctx, p.db, where, args, bodies) })
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if p.bodies == nil {
		p.bodies = bodies
	} else {
		maps.Copy(p.bodies, bodies)
	}
	if p.loaded == nil {
		p.loaded = map[int64]bool{}
	}
	rules = slices.DeleteFunc(rules, func(pr *prevRule) bool { return p.loaded[pr.n] }) // (loaded before: LoadFiles, then LoadRepo)
	for _, pr := range rules {
		p.loaded[pr.n] = true
	}
	p.add(rules, found)
	// A file's rules in the order of their rows, as WaitRules loads them
	// (some may have been loaded before the others: by kind, LoadFiles).
	touched := map[*PrevFile]bool{}
	for _, pr := range rules {
		if pf := p.Files[FileKey{pr.repo, pr.path}]; pf != nil && !touched[pf] {
			touched[pf] = true
			slices.SortFunc(pf.rules, func(a, b *prevRule) int { return cmp.Compare(a.n, b.n) })
		}
	}
	return nil
}

// loadBodies reads the stored bodies of the rules where (a condition on
// the rules table's columns) holds into bodies, by row.
func loadBodies(ctx context.Context, d *DB, where string, args []any, bodies map[int64]string) error {
	rows, err := d.db.QueryContext(ctx, `SELECT n, body FROM rules WHERE `+where, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var n int64
		var body string
		if err := rows.Scan(&n, &body); err != nil {
			return err
		}
		bodies[n] = body
	}
	return rows.Err()
}

// loadRuleRows reads the last catalog's rules of the rows where (a
// condition on rules r) holds, in order of their rows.
func loadRuleRows(ctx context.Context, d *DB, where string, args ...any) ([]*prevRule, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT r.n, r.id, r.src_id, r.kind, r.file_sha256, r.repo, r.path, r.src_related,
		coalesce(l.data, ''), h.data, h.sum, h.body_sum, h.findings_sum FROM rules r LEFT JOIN links l ON l.rule = r.n LEFT JOIN held h ON h.rule = r.n
		WHERE `+where+` ORDER BY r.n`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var links sql.RawBytes // copied once, not twice as a string destination would
	var out []*prevRule
	for rows.Next() {
		pr := &prevRule{}
		if err := rows.Scan(&pr.n, &pr.id, &pr.srcID, &pr.kind, &pr.fileSHA, &pr.repo, &pr.path, &pr.srcRelated, &links, &pr.held, &pr.sum, &pr.bodySum, &pr.findingsSum); err != nil {
			return nil, err
		}
		pr.links = string(links)
		out = append(out, pr)
	}
	return out, rows.Err()
}

// HashLinks lets go of the stored links of every rule loaded, keeping a
// hash of each: the writer compares a rule's new links with them, and
// only LinksAsBuilt, which a build that cross-references again does not
// call, reads them whole. At N = 15 forks of the corpus they are 117 MB,
// held through the cross-reference and the writing of such a rebuild.
func (p *Previous) HashLinks() {
	if p == nil {
		return
	}
	for _, pr := range p.rules {
		if pr.links != "" {
			pr.linksSum, pr.links = linksSum([]byte(pr.links)), ""
		}
	}
}

// linksSum is the hash a rule's encoded links are compared by once
// HashLinks let them go (SHA-256, cut to 16 bytes: rule text is
// untrusted, and a collision would keep stale links).
func linksSum(enc []byte) []byte {
	s := sha256.Sum256(enc)
	return s[:16]
}

// storedBody reads the body of row n as the catalog written (a copy of the
// last one, or the last one itself, in place) holds it: the stored body of
// a kept rule once Decode let it go.
func (w *writer) storedBody(n int64) (string, error) {
	var body string
	err := w.tx.QueryRowContext(w.ctx, `SELECT body FROM rules WHERE n = ?`, n).Scan(&body)
	return body, err
}

// foundFinding is a finding of the last catalog and the row of its rule.
type foundFinding struct {
	n int64
	f lint.Finding
}

// loadFindings reads the findings of the per-rule lint checks of the last
// catalog's rules (those across the corpus are made again), by row.
// loadFindings reads the findings of the per-rule checks, of every rule or
// of those where (a condition on the findings' columns) holds.
func loadFindings(ctx context.Context, d *DB, where string, args ...any) ([]foundFinding, error) {
	// Only the per-rule checks' (by the index findings_check): not those
	// across the corpus (55,276 near-duplicate findings of 164,000 rules).
	var ids []any
	for _, c := range lint.Checks() {
		if c.Rule != nil {
			ids = append(ids, c.ID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	q := `SELECT rule, check_, severity, message, line, col, fingerprint FROM findings WHERE check_ IN (?` +
		strings.Repeat(",?", len(ids)-1) + `)`
	if where != "" {
		q += ` AND ` + where
	}
	rows, err := d.db.QueryContext(ctx, q, append(ids, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []foundFinding
	for rows.Next() {
		var x foundFinding
		if err := rows.Scan(&x.n, &x.f.Check, &x.f.Severity, &x.f.Message, &x.f.Line, &x.f.Col, &x.f.Fingerprint); err != nil {
			return nil, err
		}
		if c := lint.Get(x.f.Check); c == nil || c.Rule == nil {
			continue
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// WaitRules waits until the last catalog's rules are loaded (StartRules,
// which it calls when no one did).
func (p *Previous) WaitRules() error {
	p.StartRules()
	<-p.done
	return p.rulesErr
}

// Close stops loading the last catalog's rules, if it still does, and
// closes the catalog. A nil Previous may be closed.
func (p *Previous) Close() {
	if p != nil {
		if p.done != nil {
			p.cancel()
			<-p.done
		}
		p.db.Close()
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
