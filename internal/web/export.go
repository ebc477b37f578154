package web

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ruledex/ruledex/internal/catalog"
	"github.com/ruledex/ruledex/internal/store"
)

// ExportSummary tells what an export wrote.
type ExportSummary struct {
	Pages int   // HTML pages
	Files int   // every file, pages included
	Bytes int64 // bytes written
}

// ExportOptions tune an export.
type ExportOptions struct {
	Workers int // parallel renderers; 0 means GOMAXPROCS
	// Progress is called from one goroutine at a time with the files
	// done and those known: the rules' first, the listings' added once
	// they are listed.
	Progress func(done, total int)
	// Gzip writes beside each file its gzip-compressed copy (FILE.gz), for
	// web servers that send a precompressed file when the client accepts
	// gzip (nginx gzip_static, Caddy precompressed).
	Gzip bool
	// GzipOnly writes each file's gzip-compressed copy (FILE.gz) and not
	// the file: a quarter of the size on disk, for servers that send the
	// compressed file as it is (nginx gzip_static always, with gunzip on
	// for clients that take no gzip; an object store serving it with
	// Content-Encoding: gzip). Such a site cannot be opened from disk.
	GzipOnly bool
}

// exportJob is one file of the export: a page to render, or bytes to write.
type exportJob struct {
	path  string                          // site path: /rules/x/ (a folder: index.html) or /a/b.json
	build func(Page) (string, any, error) // for pages
	data  func() ([]byte, error)          // for other files
	// files makes any number of files, handing each to put as it is made
	// (the static search's shards).
	files func(put func(path string, data []byte) error) error
	// stream writes one file as it is made, never held whole (a check's
	// JSON with a million findings).
	stream func(w io.Writer) error
	// optional pages are left out when they have nothing to show (a
	// technique stated only by alert feeds).
	optional bool
}

// exportFacetKeys are the facets that get /by/{key}/{value}/ pages; tables,
// techniques and repositories have pages of their own.
var exportFacetKeys = []string{"platform", "language", "kind", "severity", "status", "tactic", "author", "provider", "event"}

// Export writes the whole site to dir as static files: the same pages as the
// server, with relative links that work from a web server or from disk, the
// static assets, a client-side search index, and the JSON of every rule,
// the statistics, the coverage and the Navigator layer under api/v1/.
func Export(ctx context.Context, cat Catalog, dir string, opt ExportOptions) (*ExportSummary, error) {
	return export(ctx, cat, dir, opt, exportFindingPages, findingsPerPage)
}

// export is Export listing findingPages pages of findingsPer findings of a
// check (exportStore).
func export(ctx context.Context, cat Catalog, dir string, opt ExportOptions, findingPages, findingsPer int) (*ExportSummary, error) {
	if opt.Gzip && opt.GzipOnly {
		return nil, fmt.Errorf("export: Gzip (each file and its compressed copy) and GzipOnly (the compressed copy alone) both asked")
	}
	if sc, ok := cat.(*StoreCatalog); ok {
		es := newExportStore(sc)
		es.findingPages, es.findingsPer = findingPages, findingsPer
		cat = es
	}
	s, err := New(cat)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	dir = filepath.Clean(dir)
	jobs, listings, lone, err := s.exportJobs(ctx)
	if err != nil {
		return nil, err
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	// Renderers (as many as processors) hand the files to writers, which
	// spend their time in the kernel making folders and files (as long as
	// the rendering, for the corpus): the two overlap.
	writers := max(4, workers)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		pages, files, nbytes atomic.Int64
		errOnce              sync.Once
		firstErr             error
		progMu               sync.Mutex
		done, total          int
	)
	fail := func(path string, err error) {
		errOnce.Do(func() { firstErr = fmt.Errorf("%s: %w", path, err) })
		cancel()
	}
	progress := func() {
		if opt.Progress != nil {
			progMu.Lock()
			done++
			opt.Progress(done, total)
			progMu.Unlock()
		}
	}
	var bufs sync.Pool
	jobc := make(chan exportJob)
	outc := make(chan exportFile, 4*writers)
	// send hands a file made to the writers, and its compressed copy.
	send := func(f exportFile) error {
		if opt.GzipOnly {
			data, err := gzipBytes(f.data)
			if err != nil {
				return err
			}
			f.target += ".gz"
			f.data = data
			if f.buf != nil {
				bufs.Put(f.buf)
				f.buf = nil
			}
			outc <- f
			return nil
		}
		var gz exportFile
		if opt.Gzip {
			gz = f
			gz.target += ".gz"
			gz.page, gz.buf, gz.gz, gz.extra = false, nil, true, false
			var err error
			if gz.data, err = gzipBytes(f.data); err != nil {
				return err
			}
		}
		outc <- f
		if opt.Gzip {
			outc <- gz
		}
		return nil
	}
	dirs := newFolders(dir)
	var rw, ww sync.WaitGroup
	for range workers {
		rw.Add(1)
		go func() {
			defer rw.Done()
			for j := range jobc {
				if ctx.Err() != nil {
					continue
				}
				buf, _ := bufs.Get().(*bytes.Buffer)
				if buf == nil {
					buf = new(bytes.Buffer)
				}
				if j.stream != nil {
					bufs.Put(buf)
					n, nb, err := exportStream(dir, dirs, j, opt)
					files.Add(int64(n))
					nbytes.Add(nb)
					if err != nil {
						fail(j.path, err)
					} else {
						progress()
					}
					continue
				}
				if j.files != nil {
					bufs.Put(buf)
					err := j.files(func(path string, data []byte) error {
						target, err := exportTarget(dir, path)
						if err != nil {
							return fmt.Errorf("%s: %w", path, err)
						}
						return send(exportFile{path: path, target: target, data: data, extra: true})
					})
					if err != nil {
						fail(j.path, err)
					} else {
						progress()
					}
					continue
				}
				f, err := s.exportOne(dir, j, buf, lone)
				if f.buf == nil {
					bufs.Put(buf)
				}
				switch {
				case err != nil:
					fail(j.path, err)
				case f.target == "": // left out
					progress()
				default:
					if err := send(f); err != nil {
						fail(j.path, err)
					}
				}
			}
		}()
	}
	for range writers {
		ww.Add(1)
		go func() {
			defer ww.Done()
			for f := range outc {
				if ctx.Err() == nil {
					err := dirs.make(filepath.Dir(f.target))
					if err == nil {
						err = writeNewFile(f.target, f.data)
					}
					if err != nil {
						fail(f.path, err)
					} else {
						files.Add(1)
						nbytes.Add(int64(len(f.data)))
						if f.page {
							pages.Add(1)
						}
						if !f.gz && !f.extra {
							progress()
						}
					}
				}
				if f.buf != nil {
					bufs.Put(f.buf)
				}
			}
		}()
	}
	// The listings' jobs are listed while the rules' are made; a file is
	// written once, from its first job.
	type listed struct {
		jobs []exportJob
		err  error
	}
	listc := make(chan listed, 1)
	go func() {
		js, err := listings()
		listc <- listed{js, err}
	}()
	seen := make(map[string]bool, 2*len(jobs))
	feed := func(jobs []exportJob) {
		fresh := jobs[:0]
		for _, j := range jobs {
			if !seen[j.path] {
				seen[j.path] = true
				fresh = append(fresh, j)
			}
		}
		progMu.Lock()
		total += len(fresh)
		progMu.Unlock()
		for _, j := range fresh {
			if ctx.Err() != nil {
				break
			}
			jobc <- j
		}
	}
	feed(jobs)
	if l := <-listc; l.err != nil {
		fail("listing the export's files", l.err)
	} else {
		// The files written as streams first: each is one job of one
		// core (a check's JSON of a million findings), which would
		// otherwise end the export alone.
		slices.SortStableFunc(l.jobs, func(a, b exportJob) int {
			switch {
			case (a.stream != nil) == (b.stream != nil):
				return 0
			case a.stream != nil:
				return -1
			}
			return 1
		})
		feed(l.jobs)
	}
	close(jobc)
	rw.Wait()
	close(outc)
	ww.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return &ExportSummary{Pages: int(pages.Load()), Files: int(files.Load()), Bytes: nbytes.Load()}, nil
}

// exportFile is a file of the export, made and waiting to be written.
type exportFile struct {
	path   string // site path, for errors
	target string // file path; "" when the job was left out
	data   []byte
	buf    *bytes.Buffer // holding data, to reuse once written; nil when data is not in a pooled buffer
	page   bool
	gz     bool // the compressed copy of another file
	extra  bool // one of the files of a job that makes many (counted once, as its job)
}

// exportStream writes the file of a stream job, and its compressed copy as
// opt asks, returning the number of files and bytes written.
func exportStream(dir string, dirs *folders, j exportJob, opt ExportOptions) (int, int64, error) {
	target, err := exportTarget(dir, j.path)
	if err != nil {
		return 0, 0, err
	}
	if err := dirs.make(filepath.Dir(target)); err != nil {
		return 0, 0, err
	}
	var (
		ws     []io.Writer
		closes []func() error
		counts []*countWriter
	)
	open := func(path string) (*countWriter, error) {
		f, err := os.Create(path)
		if err != nil {
			return nil, err
		}
		cw := &countWriter{w: f}
		counts = append(counts, cw)
		closes = append(closes, f.Close)
		return cw, nil
	}
	defer func() {
		for _, c := range closes {
			c()
		}
	}()
	if !opt.GzipOnly {
		cw, err := open(target)
		if err != nil {
			return 0, 0, err
		}
		ws = append(ws, cw)
	}
	var zw *gzip.Writer
	if opt.Gzip || opt.GzipOnly {
		cw, err := open(target + ".gz")
		if err != nil {
			return 0, 0, err
		}
		if zw, err = gzip.NewWriterLevel(cw, gzip.BestCompression); err != nil {
			return 0, 0, err
		}
		ws = append(ws, zw)
	}
	bw := bufio.NewWriterSize(io.MultiWriter(ws...), 256<<10)
	if err := j.stream(bw); err != nil {
		return 0, 0, err
	}
	if err := bw.Flush(); err != nil {
		return 0, 0, err
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return 0, 0, err
		}
	}
	var n int64
	for _, c := range counts {
		n += c.n
	}
	for _, c := range closes {
		if err := c(); err != nil {
			return 0, 0, err
		}
	}
	closes = nil
	return len(counts), n, nil
}

// countWriter counts the bytes written through it.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// gzipBytes compresses b at gzip's best compression (each file is made once
// and served many times).
func gzipBytes(b []byte) ([]byte, error) {
	var out bytes.Buffer
	out.Grow(len(b) / 4)
	w, err := gzip.NewWriterLevel(&out, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(b); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// exportTarget returns the file of a site path in the export folder dir.
func exportTarget(dir, path string) (string, error) {
	target := filepath.Join(dir, filepath.FromSlash(staticRel(path)))
	// Every segment was made by Seg, so no path leaves dir; check anyway.
	if r, err := filepath.Rel(dir, target); err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("path outside the export folder")
	}
	return target, nil
}

// exportOne renders or makes the file of one job, into buf for a page.
func (s *Server) exportOne(dir string, j exportJob, buf *bytes.Buffer, lone map[string]string) (exportFile, error) {
	f := exportFile{path: j.path, page: j.build != nil}
	var err error
	if f.target, err = exportTarget(dir, j.path); err != nil {
		return f, err
	}
	if !f.page {
		f.data, err = j.data()
		return f, err
	}
	pg := newStaticPage(j.path, s.cat.Version())
	pg.lone = lone
	name, v, err := j.build(pg)
	if err != nil {
		if st, _ := statusOf(err); j.optional && st == 404 {
			return exportFile{}, nil // left out
		}
		return f, err
	}
	buf.Reset()
	if err := s.render(buf, name, v); err != nil {
		return f, err
	}
	f.data, f.buf = buf.Bytes(), buf
	return f, nil
}

func jsonFile(v any) func() ([]byte, error) {
	return func() ([]byte, error) {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		return append(b, '\n'), nil
	}
}

// listingPages adds the pages of a paged listing: listPath, listPath/page/N/.
func listingPages(jobs []exportJob, listPath string, total, perPage int, build func(pg Page, page int) (string, any, error)) []exportJob {
	pages := max((total+perPage-1)/perPage, 1)
	for n := 1; n <= pages; n++ {
		p := listPath
		if n > 1 {
			p += "page/" + strconv.Itoa(n) + "/"
		}
		jobs = append(jobs, exportJob{path: p, build: func(pg Page) (string, any, error) { return build(pg, n) }})
	}
	return jobs
}

// loneKey is the key of an indicator value in the export's lone map: its
// field and value folded as the store folds them, its kind as counted.
func loneKey(field, matchKind, value string) string {
	return catalog.Fold(field) + "\x00" + matchKind + "\x00" + catalog.Fold(value)
}

// loneIndicators returns the indicator values of one rule alone (no other
// rule has the value on the field, and the rule with one kind), by loneKey,
// with the rule's id: the export writes no page for them (its page would
// list that rule and nothing else; three quarters of the corpus's 55,000
// values) and links the rule's indicators instead. nil when the catalog is
// not in a store.
func loneIndicators(ctx context.Context, cat Catalog) (map[string]string, error) {
	sc, ok := cat.(interface{ DB() *store.DB })
	if !ok {
		return nil, nil
	}
	ls, err := sc.DB().LoneIndicators(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(ls))
	for _, l := range ls {
		m[l.Field+"\x00"+l.Kind+"\x00"+l.Folded] = l.RuleID
	}
	return m, nil
}

// exportJobs lists every file of the export, and the lone indicator values
// (loneIndicators) the pages link differently: the jobs of the rules
// (their pages and JSON, the browse, the static search), and a function
// that lists the others (the listings, indicators, findings, ATT&CK and
// the catalog's JSON), which asks the store for what the listings count
// (at N = 15 forks of the corpus, 38 s of CPU) and is
// called while the rules' pages are made. A file is written once, from its
// first job (Export).
func (s *Server) exportJobs(ctx context.Context) ([]exportJob, func() ([]exportJob, error), map[string]string, error) {
	cat := s.cat
	// The lone indicators (the store's indicator index) are read while
	// the browse is counted (its facet index): at 164,000 rules each takes
	// a core for seconds before the first page.
	var (
		lone    map[string]string
		loneErr error
		loneWG  sync.WaitGroup
	)
	loneWG.Go(func() { lone, loneErr = loneIndicators(ctx, cat) })
	browse, err := cat.Search(ctx, Query{PerPage: 1, Browse: true})
	loneWG.Wait()
	if err == nil {
		err = loneErr
	}
	if err != nil {
		return nil, nil, nil, err
	}
	// The static search's index first: one job, reading the store's index
	// in one goroutine while the others render pages.
	searched := make(chan struct{})
	jobs := []exportJob{{path: "/search/index.js", files: func(put func(string, []byte) error) error {
		defer close(searched)
		return staticSearchFiles(ctx, cat, put)
	}}}
	page := func(p string, f func(Page) (string, any, error)) {
		jobs = append(jobs, exportJob{path: p, build: f})
	}
	page("/", func(pg Page) (string, any, error) { return s.home(ctx, pg) })
	jobs = listingPages(jobs, "/rules/", browse.Total, DefaultPerPage, func(pg Page, n int) (string, any, error) {
		return s.browse(ctx, pg, Query{Page: n})
	})
	ids, err := cat.RuleIDs(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, id := range ids {
		page(RulePath(id), func(pg Page) (string, any, error) { return s.rulePage(ctx, pg, id) })
		jobs = append(jobs, exportJob{path: "/api/v1/rules/" + IDPath(id) + ".json", data: func() ([]byte, error) {
			r, err := cat.Rule(ctx, id)
			if err != nil {
				return nil, err
			}
			b, err := marshalRule(r)
			return append(b, '\n'), err
		}})
	}
	page("/search/", func(pg Page) (string, any, error) { return s.staticSearch(pg) })
	listings := func() ([]exportJob, error) {
		// The listings are listed once the static search is made: each
		// holds much while it runs (the coverage every rule's head, the
		// search's largest terms their places; at 164,000 rules, 220
		// and 160 MB), and the rules' pages take longer than both.
		select {
		case <-searched:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return s.exportListingJobs(ctx, lone)
	}
	return jobs, listings, lone, nil
}

// exportListingJobs lists the files of the export but the rules' (those
// of exportJobs).
func (s *Server) exportListingJobs(ctx context.Context, lone map[string]string) ([]exportJob, error) {
	cat := s.cat
	var jobs []exportJob
	page := func(p string, f func(Page) (string, any, error)) {
		jobs = append(jobs, exportJob{path: p, build: f})
	}
	all, err := cat.Search(ctx, Query{PerPage: 1})
	if err != nil {
		return nil, err
	}
	// ATT&CK.
	page("/attack/", func(pg Page) (string, any, error) { return s.attack(ctx, pg, false) })
	cov, err := cat.Coverage(ctx)
	if err != nil {
		return nil, err
	}
	// A page for every technique a rule states, in the matrix or not
	// (unknown and revoked ids too, as rule pages link them).
	for _, v := range all.Facets["technique"] {
		id := strings.ToUpper(v.Value)
		jobs = listingPages(jobs, TechniquePath(id), v.Count, MaxPerPage, func(pg Page, n int) (string, any, error) {
			return s.technique(ctx, pg, id, n)
		})
		jobs[len(jobs)-1].optional = true
	}
	// Tables, repositories, events and the other facets. A listing's pages
	// are counted from its own query, not from the facet's count: values
	// compare case-insensitively, so the listing of "SignInLogs" holds the
	// rules of "SigninLogs" too.
	total := func(fs ...Facet) (int, error) {
		if es, ok := cat.(*exportStore); ok {
			return es.total(ctx, Query{Facets: fs})
		}
		r, err := cat.Search(ctx, Query{Facets: fs, PerPage: 1})
		if err != nil {
			return 0, err
		}
		return r.Total, nil
	}
	for _, key := range []string{"table", "repo"} {
		idx := "/tables/"
		if key == "repo" {
			idx = "/repos/"
		}
		page(idx, func(pg Page) (string, any, error) { return s.facetIndex(ctx, pg, key) })
		for _, v := range all.Facets[key] {
			lp := TablePath(v.Value)
			if key == "repo" {
				lp = RepoPath(v.Value)
			}
			n, err := total(Facet{key, v.Value})
			if err != nil {
				return nil, err
			}
			jobs = listingPages(jobs, lp, n, 200, func(pg Page, n int) (string, any, error) {
				return s.namedListing(ctx, pg, key, v.Value, n)
			})
		}
	}
	for _, key := range exportFacetKeys {
		page("/by/"+Seg(key)+"/", func(pg Page) (string, any, error) { return s.facetIndex(ctx, pg, key) })
		for _, v := range all.Facets[key] {
			if _, _, ok := catalog.SplitEventName(v.Value); ok && key == "event" {
				continue // its event's page, below, lists the same rules (FacetHref)
			}
			n, err := total(Facet{key, v.Value})
			if err != nil {
				return nil, err
			}
			jobs = listingPages(jobs, FacetPath(key, v.Value), n, 200, func(pg Page, n int) (string, any, error) {
				return s.namedListing(ctx, pg, key, v.Value, n)
			})
		}
	}
	page("/events/", func(pg Page) (string, any, error) { return s.events(ctx, pg) })
	// An event page per event: the event facet holds its provider and its
	// name together (catalog.EventName).
	for _, e := range all.Facets["event"] {
		p, ev, ok := catalog.SplitEventName(e.Value)
		if !ok {
			continue
		}
		jobs = listingPages(jobs, EventPath(p, ev), e.Count, 200, func(pg Page, n int) (string, any, error) {
			return s.eventPage(ctx, pg, p, ev, n)
		})
	}
	// Indicators: the index, a page per field and per value.
	first, err := cat.Indicators(ctx, IndicatorQuery{PerPage: 1})
	if err != nil {
		return nil, err
	}
	jobs = listingPages(jobs, "/indicators/", first.Total, 200, func(pg Page, n int) (string, any, error) {
		return s.indicators(ctx, pg, "", "", n)
	})
	seenField := map[string]bool{}
	for _, f := range first.Fields {
		if f.Value == "" {
			continue // values matched on no field: the index holds them (FieldHref)
		}
		if p := FieldPath(f.Value); seenField[p] {
			continue // another case of a field listed already: the page shows every case
		} else {
			seenField[p] = true
		}
		fl, err := cat.Indicators(ctx, IndicatorQuery{Field: f.Value, PerPage: 1}) // every case of the field
		if err != nil {
			return nil, err
		}
		jobs = listingPages(jobs, FieldPath(f.Value), fl.Total, 200, func(pg Page, n int) (string, any, error) {
			return s.indicators(ctx, pg, f.Value, "", n)
		})
	}
	seenInd := map[string]bool{}
	for n := 1; ; n++ {
		list, err := cat.Indicators(ctx, IndicatorQuery{Page: n, PerPage: MaxPerPage})
		if err != nil {
			return nil, err
		}
		for _, in := range list.Indicators {
			if _, ok := lone[loneKey(in.Field, in.Kind, in.Value)]; ok {
				continue // the rule's page says it all
			}
			p := IndicatorPath(in.Field, in.Kind, in.Value)
			key := strings.ToLower(p)
			if seenInd[key] {
				continue
			}
			seenInd[key] = true
			page(p, func(pg Page) (string, any, error) { return s.indicator(ctx, pg, in.Field, in.Kind, in.Value) })
		}
		if n*MaxPerPage >= list.Total {
			break
		}
	}
	// Canonical indicators: the index, each field's, and their pages.
	cjobs, err := s.canonicalJobs(ctx)
	if err != nil {
		return nil, err
	}
	jobs = append(jobs, cjobs...)
	// Lint findings.
	fjobs, err := s.findingJobs(ctx)
	if err != nil {
		return nil, err
	}
	jobs = append(jobs, fjobs...)
	// The JSON of the catalog, and the assets.
	st, err := cat.Stats(ctx)
	if err != nil {
		return nil, err
	}
	jobs = append(jobs,
		exportJob{path: "/api/v1/stats.json", data: jsonFile(st)},
		exportJob{path: "/api/v1/coverage.json", data: jsonFile(cov)},
		exportJob{path: "/api/v1/navigator.json", data: func() ([]byte, error) { return navigatorJSON(cov) }},
	)
	for name, a := range assets {
		jobs = append(jobs, exportJob{path: "/static/" + name, data: func() ([]byte, error) { return a.data, nil }})
	}
	return jobs, nil
}

// staticSearchData is the data of the export's search page.
type staticSearchData struct {
	Page
}

func (s *Server) staticSearch(pg Page) (string, any, error) {
	pg.Title = "Search"
	pg.Crumbs = []Crumb{{"Search", ""}}
	return "search_static", &staticSearchData{Page: pg}, nil
}
