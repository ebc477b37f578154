package build

import (
	"context"
	"encoding/binary"
	"errors"
	"hash/maphash"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ruledex/ruledex/internal/catalog"
	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/store"
)

// A build holds every rule from its reading until the catalog is written
// (the cross-references need every rule at once), but not whole: once a
// repository's rules are read, linked with each other and prepared for the
// cross-reference (catalog.Prepare), each rule is written whole to a
// temporary file beside the catalog (a spill, in the catalog's own
// encoding) and only what the cross-reference, the links between rules,
// the lint checks across the corpus and the build's summary read of it is
// kept in memory (its skeleton). WriteCatalog asks for each rule whole as it
// writes it (store.Write.Full): the rule is read back from the spill and
// given what the cross-reference made of its skeleton (heldRules.full).
//
// What a skeleton keeps is listed in skeleton; catalog.CrossReferencePrepared
// says what it reads. A rule's statements (stages), prose (description,
// explanation, sections), outputs and the like stay in the spill. Its query
// is kept only when the linking or the corpus checks read it: when the rule
// states its own id (where that id is written: linking's and duplicate-id's
// place) or names other rules (a correlation's warnings are placed in it).

// spill is the temporary file rules are written to whole, and then their
// encoded links (spilledLinks). What put is given is written a chunk at a
// time, and get reads a chunk ahead: rules are put and asked for in nearly
// the same order (on every core, in the order of the files), so one read
// serves a hundred rules instead of a system call each way per rule (13,000
// of them on the 2026-11-30 corpus). Links are put as each core's chunk of
// 256 rules is cross-referenced and read in the rules' order: on 2 cores
// about three times what they hold is read (a reviewer's simulation; 36
// times on 32 cores), from the page cache.
type spill struct {
	f      *os.File
	mu     sync.Mutex
	off    int64  // the end of what put was given
	buf    []byte // what put was given that is not in f yet: [off-len(buf), off)
	win    []byte // what get read last of f: [winOff, winOff+len(win))
	winOff int64
	err    error // a write that failed: every get fails
}

// spillChunk is how much the spill writes and reads at once.
const spillChunk = 1 << 20

// spillBack is how far before a rule asked for get starts its chunk: the
// rules of one file are put by two cores in either order.
const spillBack = 64 << 10

// spillRef is where a rule is in the spill, or (row not 0) the row of the
// last catalog it is stored as (a skeleton decoded from its held record: fileResult.decodeHeld).
type spillRef struct {
	off int64
	n   int32
	row int64
}

// newSpill makes the spill in the folder of the catalog db (the catalog
// reaches that size anyway; the system's temporary folder may be small);
// close removes it. The spills that builds of db stopped by a crash left
// there are removed first (the caller holds db's build lock: no other
// build of db is writing one).
func newSpill(db string) (*spill, error) {
	pattern := filepath.Base(db) + ".rules-*"
	if stale, err := filepath.Glob(filepath.Join(filepath.Dir(db), pattern)); err == nil {
		for _, p := range stale {
			os.Remove(p)
		}
	}
	f, err := os.CreateTemp(filepath.Dir(db), pattern)
	if err != nil {
		return nil, err
	}
	return &spill{f: f}, nil
}

// sibling makes another spill beside s (the same pattern of name: one a
// crash left is removed by the next build's newSpill).
func (s *spill) sibling() (*spill, error) {
	base := filepath.Base(s.f.Name())
	if i := strings.LastIndex(base, ".rules-"); i >= 0 {
		base = base[:i+len(".rules-")]
	}
	f, err := os.CreateTemp(filepath.Dir(s.f.Name()), base+"*")
	if err != nil {
		return nil, err
	}
	return &spill{f: f}, nil
}

// put writes b and returns where it is.
func (s *spill) put(b []byte) (spillRef, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil && int64(len(b)) > 1<<31-1 {
		s.err = errors.New("build: a record of 2 GB or more") // (every get fails from now: a build stops)
	}
	if s.err != nil {
		return spillRef{}, s.err
	}
	ref := spillRef{off: s.off, n: int32(len(b))}
	s.off += int64(len(b))
	if s.buf == nil {
		s.buf = make([]byte, 0, spillChunk+spillChunk/4)
	}
	s.buf = append(s.buf, b...)
	if len(s.buf) >= spillChunk {
		s.flush()
	}
	return ref, s.err
}

// flush writes what put was given to f; the caller holds mu.
func (s *spill) flush() {
	if len(s.buf) > 0 && s.err == nil {
		_, s.err = s.f.WriteAt(s.buf, s.off-int64(len(s.buf)))
	}
	s.buf = s.buf[:0]
}

// get reads back what put wrote at ref, as a string: the rule decoded
// from it shares its memory (a copy less of every rule a build writes).
func (s *spill) get(ref spillRef) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flush() // (once: put is done when get is first asked)
	s.buf = nil
	if s.err != nil {
		return "", s.err
	}
	end := ref.off + int64(ref.n)
	if ref.off < s.winOff || end > s.winOff+int64(len(s.win)) {
		if ref.n > spillChunk/2 {
			b := make([]byte, ref.n)
			if _, err := s.f.ReadAt(b, ref.off); err != nil {
				return "", err
			}
			return string(b), nil
		}
		from := max(0, ref.off-spillBack)
		n := min(int64(spillChunk), s.off-from)
		if cap(s.win) < int(n) {
			s.win = make([]byte, n)
		}
		k, err := s.f.ReadAt(s.win[:n], from)
		s.win, s.winOff = s.win[:k], from
		if int64(k) < end-from {
			if err == nil {
				err = io.ErrUnexpectedEOF
			}
			return "", err
		}
	}
	at := ref.off - s.winOff
	return string(s.win[at : at+int64(ref.n)]), nil
}

// spilledLinks keep the encoded links of a build's rules in its spill
// (store.LinkStore), by each rule's place. A put that failed (the spill
// keeps its error) fails every get.
type spilledLinks struct {
	sp   *spill
	refs []spillRef
}

func (l *spilledLinks) Put(i int, enc []byte) { l.refs[i], _ = l.sp.put(enc) }

func (l *spilledLinks) Get(i int) ([]byte, error) {
	if l.refs[i].n == 0 { // none (an encoding is never empty), or its put failed
		return nil, l.sp.failed()
	}
	s, err := l.sp.get(l.refs[i])
	return []byte(s), err
}

// failed returns the error of a put that failed, if one did.
func (s *spill) failed() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *spill) close() {
	if s == nil {
		return
	}
	name := s.f.Name()
	s.f.Close()
	os.Remove(name)
}

// heldRules are a build's rules as it holds them (see spill): each rule's
// skeleton, where its whole is in the spill, and what was worked out of it
// whole for the lint checks across the corpus.
type heldRules struct {
	spill *spill
	prev  *store.Previous      // the last catalog (the rules held as it held them: full)
	mu    sync.Mutex           // of at, in full
	at    map[*rule.Rule]int32 // skeleton → its index
	refs  []spillRef
	off   [][]string // the lint checks each rule disables itself (lint.Disabled)
	// over is where each rule's overlay (store.Overlay's fields of its
	// skeleton) is in the spill osp once spillOverlays wrote it (n 0: its
	// skeleton keeps it).
	over  []spillRef
	osp   *spill
	bufs  sync.Pool
	names names // the skeletons' strings, while rules are held (doneHolding lets them go)
	// changed: a rule is held that the last catalog did not hold as it is
	// (Previous.SameHeld, InRow: a new rule, one read again whose held
	// record is not the stored one, or one taken from a record whose id
	// changed).
	changed atomic.Bool
}

func newHeldRules(sp *spill, prev *store.Previous) *heldRules {
	return &heldRules{spill: sp, prev: prev, at: map[*rule.Rule]int32{}, bufs: sync.Pool{New: func() any { return new([]byte) }}}
}

// doneHolding lets go of the table the skeletons' strings were interned
// in: the strings stay, in the skeletons.
func (h *heldRules) doneHolding() {
	h.names.forget()
}

// hold writes r whole to the spill, with its held record (heldRecord: its
// skeleton, p and off, what the catalog keeps for the next build), and
// returns its skeleton. Rules may be held in parallel; add records them,
// in order, afterwards.
func (h *heldRules) hold(r *rule.Rule, p catalog.Prepared, off []string) (*rule.Rule, spillRef, error) {
	buf := h.bufs.Get().(*[]byte)
	defer h.bufs.Put(buf)
	s := skeleton(r, &h.names)
	*buf = withLength((*buf)[:0], func(b []byte) []byte { return store.EncodeRule(b, r) })
	at := len(*buf)
	*buf = heldRecord(*buf, s, p, off)
	if h.prev != nil && !h.prev.SameHeld(r.ID, (*buf)[at:]) {
		h.changed.Store(true)
	}
	ref, err := h.spill.put(*buf)
	if err != nil {
		return nil, spillRef{}, err
	}
	return s, ref, nil
}

// heldRecord appends to b what the catalog keeps of a rule for the next
// build (store's held table): its skeleton s as it is before the
// cross-reference, what Prepare made of it and the lint checks it turns
// off. An incremental build reads it back (heldOf) for the files that did
// not change, instead of decoding and preparing each rule again.
func heldRecord(b []byte, s *rule.Rule, p catalog.Prepared, off []string) []byte {
	b = withLength(b, func(b []byte) []byte { return store.EncodeRule(b, s) })
	b = p.AppendBinary(b)
	b = binary.AppendUvarint(b, uint64(len(off)))
	for _, o := range off {
		b = binary.AppendUvarint(b, uint64(len(o)))
		b = append(b, o...)
	}
	return b
}

// withLength appends to b what add appends, after its length (4 bytes,
// little endian; read by cutLength): the encodings are made in place, not
// copied.
func withLength(b []byte, add func([]byte) []byte) []byte {
	at := len(b)
	b = add(append(b, 0, 0, 0, 0))
	binary.LittleEndian.PutUint32(b[at:], uint32(len(b)-at-4))
	return b
}

// cutLength returns what withLength wrote at the start of b, and the rest.
func cutLength[T string | []byte](b T) (T, T, bool) {
	var none T
	if len(b) < 4 {
		return none, none, false
	}
	n := uint64(binary.LittleEndian.Uint32([]byte(b[:4])))
	if n > uint64(len(b)-4) {
		return none, none, false
	}
	return b[4 : 4+n], b[4+n:], true
}

var errHeld = errors.New("build: a held record that does not decode")

// heldOf reads what heldRecord wrote. The skeleton's strings share the
// record's memory.
func heldOf(rec []byte) (*rule.Rule, catalog.Prepared, []string, error) {
	skel, rest, ok := cutLength(rec)
	if !ok {
		return nil, catalog.Prepared{}, nil, errHeld
	}
	s, err := store.DecodeRule(skel)
	if err != nil {
		return nil, catalog.Prepared{}, nil, err
	}
	p, rest, err := catalog.DecodePrepared(rest)
	if err != nil {
		return nil, catalog.Prepared{}, nil, err
	}
	c, k := binary.Uvarint(rest)
	if k <= 0 || c > uint64(len(rest)) {
		return nil, catalog.Prepared{}, nil, errHeld
	}
	rest = rest[k:]
	var off []string
	for range c {
		n, k := binary.Uvarint(rest)
		if k <= 0 || n > uint64(len(rest)-k) {
			return nil, catalog.Prepared{}, nil, errHeld
		}
		off = append(off, string(rest[k:k+int(n)]))
		rest = rest[k+int(n):]
	}
	return s, p, off, nil
}

// add records skeleton s, held at ref, with the checks its rule disables.
func (h *heldRules) add(s *rule.Rule, ref spillRef, off []string) {
	h.at[s] = int32(len(h.refs))
	h.refs = append(h.refs, ref)
	h.off = append(h.off, off)
}

// fromPrev tells whether s is the skeleton of a rule held as the last
// catalog held it (decodeHeld): its row there is the rule but for what
// store.Overlay copies (store.Write.Held).
func (h *heldRules) fromPrev(s *rule.Rule) bool {
	h.mu.Lock()
	i, ok := h.at[s]
	h.mu.Unlock()
	return ok && h.refs[i].row != 0
}

// wholeFromPrev, when set (by tests), is called each time a rule held as
// the last catalog held it is read whole from it.
var wholeFromPrev func()

// fromPrevCount returns how many rules are held as the last catalog held
// them.
func (h *heldRules) fromPrevCount() int {
	n := 0
	for _, ref := range h.refs {
		if ref.row != 0 {
			n++
		}
	}
	return n
}

// full returns the rule whole whose skeleton is s, with what the build
// made of the skeleton since (store.Overlay: its id, links,
// cross-references and diagnostics), and its held record. A rule that is
// not held is its own whole, with no record. It is asked once a rule
// (WriteCatalog), on every core.
func (h *heldRules) full(s *rule.Rule) (*rule.Rule, []byte, error) {
	h.mu.Lock()
	i, ok := h.at[s]
	delete(h.at, s) // asked once: the skeleton may go once its rule is written
	h.mu.Unlock()
	if !ok {
		return s, nil, nil
	}
	ref := h.refs[i]
	var r *rule.Rule
	var rec []byte
	var err error
	if ref.row != 0 {
		if wholeFromPrev != nil {
			wholeFromPrev()
		}
		r, rec, err = h.prev.Whole(ref.row)
		if err == nil && len(rec) == 0 {
			err = errHeld
		}
	} else {
		var b string
		if b, err = h.spill.get(ref); err != nil {
			return nil, nil, err
		}
		whole, rest, ok := cutLength(b)
		if !ok {
			return nil, nil, errHeld
		}
		rec = []byte(rest)
		r, err = store.DecodeRule(whole)
	}
	if err != nil {
		return nil, nil, err
	}
	// What linking and the cross-reference change (catalog.CrossReferencePrepared,
	// ingest.LinkCorpus, setLinks): the skeleton's, or what spillOverlays
	// kept of it.
	if h.over != nil && h.over[i].n > 0 {
		b, err := h.osp.get(h.over[i])
		if err != nil {
			return nil, nil, err
		}
		o, err := store.DecodeRule(b)
		if err != nil {
			return nil, nil, err
		}
		s = o
	}
	store.Overlay(r, s)
	return r, rec, nil
}

// spillOverlays writes the overlay of each skeleton of all (what
// store.Overlay copies of it: what linking and the cross-reference made)
// to a spill of its own, in the order of all, and lets the skeleton go of
// all but its id, kind, source and names: once the cross-reference and
// the checks across the corpus are made, only the writer reads them, each
// once (full). At
// N = 15 the skeletons' indicators, events, canonical indicators with
// their counts and diagnostics were about 250 MB of the 1.0 GB that lived
// as the writing started (a heap profile after two collections). A build
// with a last catalog does not call it: its writer compares skeletons
// whole (Previous.Kept) to count the rows that change.
func (h *heldRules) spillOverlays(ctx context.Context, all []*rule.Rule) error {
	osp, err := h.spill.sibling()
	if err != nil {
		return err
	}
	h.osp, h.over = osp, make([]spillRef, len(h.refs))
	var o rule.Rule
	var buf []byte
	for k, sk := range all {
		if k%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		i, ok := h.at[sk]
		if !ok {
			continue
		}
		o = rule.Rule{}
		store.Overlay(&o, sk)
		buf = store.EncodeRule(buf[:0], &o)
		if h.over[i], err = osp.put(buf); err != nil {
			return err
		}
		sk.Related, sk.Diagnostics, sk.Events, sk.Actions, sk.Indicators, sk.Canonical = nil, nil, nil, nil, nil, nil
		sk.Query, sk.Tables = "", nil
	}
	return nil
}

// skeleton returns what a build keeps in memory of r (see spill): the
// fields the cross-reference, linking across repositories, the lint checks
// across the corpus and the summary read. Its strings are interned (in nm:
// the forks of a repository repeat nearly every value) and its slices its
// own, so that nothing of r's file stays in memory through them.
func skeleton(r *rule.Rule, nm *names) *rule.Rule { return skeletonOf(r, nm, queryKept(r)) }

// interned returns s, a skeleton read back from the last catalog's held
// record (heldOf: its strings share a copy of the record), as skeleton
// makes one: its strings interned, so that the forks of a repository share
// them and the copy goes. At N = 15 forks of the corpus the copies were
// 230 MB of the 1.1 GB that lived as a rebuild cross-referenced every rule
// again (a heap profile after a collection, 2026-12-08).
func (h *heldRules) interned(s *rule.Rule) *rule.Rule { return skeletonOf(s, &h.names, s.Query) }

// skeletonOf is skeleton, with query as what it keeps of r's query.
func skeletonOf(r *rule.Rule, nm *names, query string) *rule.Rule {
	in, ins := nm.in, nm.ins
	s := &rule.Rule{ID: in(r.ID), UID: in(r.UID), Name: in(r.Name), Platform: in(r.Platform), Product: in(r.Product),
		Language: in(r.Language), Format: in(r.Format), Variant: in(r.Variant), Title: in(r.Title), Kind: in(r.Kind),
		Status: in(r.Status), Severity: in(r.Severity), QueryLine: r.QueryLine,
		Source: rule.Source{Repo: in(r.Source.Repo), Path: in(r.Source.Path), Line: r.Source.Line, URL: strings.Clone(r.Source.URL)},
		Tables: ins(nil, r.Tables)} // not its Actions: the cross-reference makes them (a rule decoded whole has the last build's)
	s.Query = strings.Clone(query)
	for _, x := range r.Related {
		s.Related = append(s.Related, rule.Related{ID: in(x.ID), Type: in(x.Type)})
	}
	if len(r.Indicators) > 0 {
		s.Indicators = make([]rule.Indicator, len(r.Indicators))
		for i, x := range r.Indicators {
			x.Field, x.Kind, x.Values, x.Corpus = in(x.Field), in(x.Kind), ins(nil, x.Values), nil
			s.Indicators[i] = x
		}
	}
	if len(r.Events) > 0 {
		s.Events = make([]rule.Event, len(r.Events))
		for i, x := range r.Events {
			s.Events[i] = rule.Event{Provider: in(x.Provider), Event: in(x.Event), Title: in(x.Title), Channel: in(x.Channel), Inferred: x.Inferred}
		}
	}
	if len(r.Canonical) > 0 {
		s.Canonical = make([]rule.CanonicalIndicator, len(r.Canonical))
		for i, x := range r.Canonical {
			x.Field, x.Kind, x.Value, x.ByPlatform = in(x.Field), in(x.Kind), in(x.Value), nil
			x.From = ins(nil, x.From)
			s.Canonical[i] = x
		}
	}
	for _, d := range r.Diagnostics {
		d.Path, d.Severity, d.Message = in(d.Path), in(d.Severity), strings.Clone(d.Message)
		s.Diagnostics = append(s.Diagnostics, d)
	}
	return s
}

// queryKept returns what a skeleton keeps of r's query: what linking
// across repositories and the lint checks across the corpus read of it. A
// rule that names others in a way linking resolves (rule.Related,
// lang.Language.LinkReadsQuery) keeps it whole: linking places a warning
// where the query names a rule it cannot find. A rule that states
// its own id keeps it up to the end of the line where the id is first
// written (where duplicate-id places its finding: lint.Reporter.Find) and
// of the line its language says the id is stated on (lang.Language.UIDPos,
// where linking places a shared id's diagnostic; it reads no further).
// Others keep none. At 50,000 rules whole queries were a third of what a
// build held.
func queryKept(r *rule.Rule) string {
	q := r.Query
	l := lang.Of(r)
	switch {
	case len(r.Related) > 0 && (l == nil || l.LinkReadsQuery == nil || l.LinkReadsQuery(r)):
		return q
	case r.UID == "":
		return ""
	}
	end := 0
	if i := strings.Index(q, r.UID); i >= 0 {
		end = lineEnd(q, i)
	}
	if l != nil && l.UIDPos != nil && r.QueryLine > 0 {
		if line, _ := l.UIDPos(r); line >= r.QueryLine {
			off := 0
			for k := r.QueryLine; k < line && off < len(q); k++ {
				off = lineEnd(q, off)
			}
			end = max(end, lineEnd(q, off))
		}
	}
	return q[:end]
}

// lineEnd returns the offset just past the end of the line of q that
// holds offset i (past its newline), len(q) for the last line.
func lineEnd(q string, i int) int {
	if j := strings.IndexByte(q[i:], '\n'); j >= 0 {
		return i + j + 1
	}
	return len(q)
}

// names interns the strings of a build's skeletons: one copy of each
// string, made when it is first seen, none of the rule's memory. A map of
// the build's own, not package unique: unique.Make makes each new string a
// weak entry with a cleanup, which on the 2026-11-30 corpus (about 300,000
// strings) took 0.4 s of CPU, a twentieth of a full build. In shards, each
// with its lock, so that skeletons are made on every core at once (one
// lock held for a whole skeleton made the interning of a rebuild's 164,070
// held skeletons at N = 15 one core's work).
type names struct {
	shards [64]nameShard
}

type nameShard struct {
	mu sync.Mutex
	m  map[string]string
}

// namesSeed hashes a string to its shard.
var namesSeed = maphash.MakeSeed()

// in interns s.
func (nm *names) in(s string) string {
	if s == "" {
		return ""
	}
	sh := &nm.shards[maphash.String(namesSeed, s)%uint64(len(nm.shards))]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if v, ok := sh.m[s]; ok {
		return v
	}
	if sh.m == nil {
		sh.m = map[string]string{}
	}
	v := strings.Clone(s)
	sh.m[v] = v
	return v
}

// ins appends ss interned to dst.
func (nm *names) ins(dst, ss []string) []string {
	if len(ss) == 0 {
		return dst
	}
	if dst == nil {
		dst = make([]string, 0, len(ss))
	}
	for _, x := range ss {
		dst = append(dst, nm.in(x))
	}
	return dst
}

// forget lets go of the tables (the strings stay where they are used).
func (nm *names) forget() {
	for i := range nm.shards {
		sh := &nm.shards[i]
		sh.mu.Lock()
		sh.m = nil
		sh.mu.Unlock()
	}
}
