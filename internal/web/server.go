package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"unicode/utf8"

	"github.com/ruledex/ruledex/internal/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Security headers sent with every response.
const csp = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// metaCSP is the policy of the static export's pages, in a <meta> tag: the
// server's, but for frame-ancestors, which browsers ignore (with a console
// error) when a page states it itself.
var metaCSP = strings.Replace(csp, " frame-ancestors 'none';", "", 1)

// assetVersion changes when the embedded static files do.
var assetVersion string

type asset struct {
	data        []byte
	contentType string
	etag        string
}

var assets = map[string]asset{}

func init() {
	h := sha256.New()
	_ = fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		h.Write(sum[:])
		ct := mime.TypeByExtension(path.Ext(p))
		if ct == "" {
			ct = "application/octet-stream"
		}
		name := strings.TrimPrefix(p, "static/")
		assets[name] = asset{data: data, contentType: ct, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	assetVersion = hex.EncodeToString(h.Sum(nil))[:10]
}

// Server serves a Catalog as a website and a JSON API.
type Server struct {
	cat     Catalog
	tmpl    map[string]*template.Template
	layouts *layouts
	mux     *http.ServeMux
	bufs    sync.Pool
	Log     *log.Logger // errors of handlers; nil for none
	navMu   sync.Mutex

	pages     *pageCache    // pages slow to make, by URL
	rulePages *keptPages    // rule pages, by URL
	slowPage  time.Duration // pages that take longer are kept

	fieldLists sync.Map // Page.Static and Base → the field list of the indicator index (fieldCountsHTML)
	covJSON    sync.Map // covKey → the coverage's JSON, as the API answers it (encoded once: 24 MB at N = 15 forks of the corpus)

	searchLim searchLimits // see searchCat

	longMu  sync.Mutex
	longIDs map[string]string // IDPath → id, for ids whose path is cut and hashed

	// OnDamaged is called once, on a goroutine of its own, when a read
	// finds the catalog file damaged under the server (store.Damaged):
	// the pages already made and kept are still served, every other
	// request is answered 503 with what happened.
	OnDamaged   func(error)
	damagedOnce sync.Once

	lastReq atomic.Int64 // when the last request came (Unix ns; 0: none yet), for WaitQuiet
}

// WaitQuiet returns once the server has had no request for quiet, after
// limit at most, or when ctx is done. A server's start-up work that is not
// its pages (the search's frequent terms: a minute of a core at 15 times
// the corpus) waits for it, so that it does not take the cores from the
// first visitors' pages while the server makes them.
func (s *Server) WaitQuiet(ctx context.Context, quiet, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for {
		wait := s.quietWait(time.Now(), quiet, deadline)
		if wait <= 0 {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// quietWait is how long WaitQuiet waits at now before it looks again: 0
// once the server has had no request for quiet or the deadline is past.
func (s *Server) quietWait(now time.Time, quiet time.Duration, deadline time.Time) time.Duration {
	if !now.Before(deadline) {
		return 0
	}
	last := s.lastReq.Load()
	if last == 0 {
		return 0
	}
	since := now.Sub(time.Unix(0, last))
	if since >= quiet {
		return 0
	}
	return min(quiet-since, deadline.Sub(now))
}

// noteDamaged calls OnDamaged the first time a read finds the catalog damaged.
func (s *Server) noteDamaged(err error) {
	if !store.Damaged(err) {
		return
	}
	s.damagedOnce.Do(func() {
		if s.OnDamaged != nil {
			go s.OnDamaged(err)
		}
	})
}

// ruleIDOf decodes the path of a rule (IDPath): a path whose segments were
// cut and hashed (a slug longer than maxSeg) is looked up among the ids
// that start with what its segments spell up to the first cut (a range of
// the store's index of ids), or, in a catalog that cannot say them, among
// all its ids (a map made once: 0.44 s inside the first such request at
// 164,000 rules).
func (s *Server) ruleIDOf(ctx context.Context, p string) (string, error) {
	if id, ok := UnIDPath(p); ok {
		return id, nil
	}
	if !strings.Contains(p, "~~") {
		return "", notFound("bad rule id")
	}
	if c, ok := s.cat.(idsWithPrefix); ok {
		prefix, ok := longIDPrefix(p)
		if !ok {
			return "", notFound("bad rule id")
		}
		ids, err := c.IDsWithPrefix(ctx, prefix)
		if err != nil {
			return "", err
		}
		for _, id := range ids {
			if IDPath(id) == p {
				return id, nil
			}
		}
		return "", notFound("no such rule")
	}
	s.longMu.Lock()
	defer s.longMu.Unlock()
	if s.longIDs == nil {
		ids, err := s.cat.RuleIDs(ctx)
		if err != nil {
			return "", err
		}
		m := map[string]string{}
		for _, id := range ids {
			if ip := IDPath(id); strings.Contains(ip, "~~") {
				m[ip] = id
			}
		}
		s.longIDs = m
	}
	if id, ok := s.longIDs[p]; ok {
		return id, nil
	}
	return "", notFound("no such rule")
}

// idsWithPrefix is a catalog that lists the ids starting with a prefix
// (ignoring case) without a pass over all of them (StoreCatalog).
type idsWithPrefix interface {
	IDsWithPrefix(ctx context.Context, prefix string) ([]string, error)
}

// longIDPrefix returns what the rule path p (IDPath) spells of its id up
// to its first cut segment: the segments before it decoded, and the part
// of it kept before the cut ("~~" and the hash). Every id whose path is p
// starts with it.
func longIDPrefix(p string) (string, bool) {
	var b strings.Builder
	for i, seg := range strings.Split(p, "/") {
		v, hashed, ok := Unseg(seg)
		if !ok {
			return "", false
		}
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(v)
		if hashed {
			return b.String(), true
		}
	}
	return "", false // no segment cut: UnIDPath decodes it
}

// New returns a server of cat.
func New(cat Catalog) (*Server, error) {
	t, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	l, err := newLayouts()
	if err != nil {
		return nil, err
	}
	s := &Server{cat: cat, tmpl: t, layouts: l, pages: newPageCache(pageCacheSize),
		rulePages: newKeptPages(RulePageCacheBytes), slowPage: slowPage,
		searchLim: newSearchLimits()}
	s.bufs.New = func() any { return new(bytes.Buffer) }
	s.routes()
	return s, nil
}

var funcs = template.FuncMap{
	"hl":                Highlight,
	"mark":              markSnippet,
	"join":              strings.Join,
	"kindLabel":         kindLabel,
	"safeURL":           safeURL,
	"fmtInt":            fmtInt,
	"plural":            plural,
	"heat":              heatClass,
	"lower":             strings.ToLower,
	"cls":               className,
	"value":             valueHTML,
	"facetListHTML":     facetListHTML,
	"ruleMainHTML":      ruleMainHTML,
	"linksMainHTML":     linksMainHTML,
	"hitsHTML":          hitsHTML,
	"indicatorUsesHTML": indicatorUsesHTML,
	"indicatorListHTML": indicatorListHTML,
	"add":               func(a, b int) int { return a + b },
	"counts":            sortedCounts,
}

// parseTemplates parses every page template with the partials (the layout
// is parsed apart: see layouts).
func parseTemplates() (map[string]*template.Template, error) {
	base, err := template.New("partials").Funcs(funcs).ParseFS(templateFS, "templates/partials.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		b := path.Base(n)
		if b == "layout.html" || b == "partials.html" {
			continue
		}
		c, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := c.ParseFS(templateFS, n); err != nil {
			return nil, err
		}
		out[strings.TrimSuffix(b, ".html")] = c
	}
	return out, nil
}

// render executes page template name with data into buf: the layout's
// pieces (see layouts) around the template's "main".
func (s *Server) render(buf *bytes.Buffer, name string, data any) error {
	t, ok := s.tmpl[name]
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	start := buf.Len()
	pd, ok := data.(interface{ Self() *Page })
	if !ok {
		return fmt.Errorf("template %q: data %T has no Page", name, data)
	}
	p := pd.Self()
	lp, err := s.layouts.pieces(p)
	if err != nil {
		return err
	}
	buf.WriteString(lp.beforeTitle)
	escapeTo(buf, p.Title)
	buf.WriteString(lp.beforeCrumbs)
	writeCrumbs(buf, p.Crumbs)
	buf.WriteString(lp.beforeMain)
	if d, ok := data.(*ruleData); ok && name == "rule" {
		// The rule page, the most read, is written straight into buf
		// (its template is this call, ruleMainHTML).
		writeRuleMain(&htmlw{out: buf}, d)
	} else if err := t.ExecuteTemplate(buf, "main", data); err != nil {
		return err
	}
	buf.WriteString(lp.end)
	if b := buf.Bytes()[start:]; !utf8.Valid(b) {
		// Rule files and URLs may hold bytes that are not UTF-8; the page
		// says it is UTF-8, so it must be.
		fixed := bytes.ToValidUTF8(b, []byte("\uFFFD"))
		buf.Truncate(start)
		buf.Write(fixed)
	}
	return nil
}

// Error kinds a page builder returns.
type httpError struct {
	status     int
	msg        string
	retryAfter int // seconds, for Retry-After; 0 for none
}

func (e *httpError) Error() string { return e.msg }

func badRequest(msg string) error { return &httpError{status: http.StatusBadRequest, msg: msg} }

func notFound(msg string) error { return &httpError{status: http.StatusNotFound, msg: msg} }

func statusOf(err error) (int, string) {
	var he *httpError
	switch {
	case errors.As(err, &he):
		return he.status, he.msg
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound, "not found"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, "request cancelled"
	case store.Damaged(err):
		return http.StatusServiceUnavailable, "the catalog file was damaged while it was served: " +
			"only the pages already made are served until it is rebuilt (ruledex build)"
	}
	return http.StatusInternalServerError, "internal error"
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.lastReq.Store(time.Now().UnixNano())
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	// A query string that does not parse (a bad escape, a semicolon, too
	// many parameters) is an error, not a query with parts left out.
	if r.URL.RawQuery != "" {
		if _, err := url.ParseQuery(r.URL.RawQuery); err != nil {
			msg := "malformed query string: " + err.Error()
			if strings.HasPrefix(r.URL.Path, "/api/") {
				writeJSONError(w, http.StatusBadRequest, msg)
			} else {
				s.htmlError(w, r, badRequest(msg))
			}
			return
		}
	}
	s.mux.ServeHTTP(w, r)
}

// etag is the ETag of a response: the catalog's build, the asset version and the URL.
func (s *Server) etag(r *http.Request) string {
	sum := sha256.Sum256([]byte(s.cat.Version() + "\x00" + assetVersion + "\x00" + r.URL.RequestURI()))
	return `"` + hex.EncodeToString(sum[:12]) + `"`
}

// notModified sets the ETag and tells whether the client's copy is current.
func notModified(w http.ResponseWriter, r *http.Request, etag string) bool {
	w.Header().Set("ETag", etag)
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		for _, t := range strings.Split(inm, ",") {
			t = strings.TrimSpace(t)
			if t == etag || t == "*" || strings.TrimPrefix(t, "W/") == etag {
				w.WriteHeader(http.StatusNotModified)
				return true
			}
		}
	}
	return false
}

// pageFunc builds the data of a page: its template's name and its data.
type pageFunc func(ctx context.Context, pg Page, r *http.Request) (string, any, error)

// page serves an HTML page built by f.
func (s *Server) page(f pageFunc) http.HandlerFunc { return s.pageKept(f, false) }

// pageKept serves an HTML page built by f; with keep, every page made for a
// URL without a query string is kept (rulePages), else those slow to make.
func (s *Server) pageKept(f pageFunc, keep bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if notModified(w, r, s.etag(r)) {
			return
		}
		key := r.URL.RequestURI()
		keep := keep && r.URL.RawQuery == ""
		if keep {
			if body, ok := s.rulePages.get(key); ok {
				s.writeBody(w, r, http.StatusOK, body)
				return
			}
		} else if body, ok := s.pages.get(key); ok {
			s.writeBody(w, r, http.StatusOK, body)
			return
		}
		t0 := time.Now()
		pg := Page{Path: r.URL.Path, Query: pageQuery(r.URL.Query()), Version: s.cat.Version()}
		name, data, err := f(r.Context(), pg, r)
		if err != nil {
			s.htmlError(w, r, err)
			return
		}
		buf := s.bufs.Get().(*bytes.Buffer)
		buf.Reset()
		defer s.bufs.Put(buf)
		// Room for most pages at once: a buffer new from the pool (which
		// the collector empties) grown a page's way, doubling from 64
		// bytes, cost a rule page a tenth of its making.
		buf.Grow(pageBufSize)
		if err := s.render(buf, name, data); err != nil {
			s.renderFailed(w, r, err)
			return
		}
		if keep {
			if s.rulePages.wants(buf.Len()) {
				s.rulePages.put(key, bytes.Clone(buf.Bytes()))
			}
		} else if time.Since(t0) >= s.slowPage && buf.Len() <= maxKeptPage {
			s.pages.put(key, bytes.Clone(buf.Bytes()))
		}
		s.writeBody(w, r, http.StatusOK, buf.Bytes())
	}
}

// pageBufSize is the room a page's buffer starts with: more than nine rule
// pages in ten take (26 kB on average).
const pageBufSize = 64 << 10

// pageParams are the query parameters a page reads: the facets (f, facet)
// with every value, the others with their first. A page's links carry on
// only these: a parameter no page knows is not copied into each of its
// links (a request of 30 KB would make a page of some 800 KB).
var pageParams = map[string]bool{"f": true, "facet": true, "q": false, "page": false, "sort": false, "field": false, "covered": false}

// pageQuery is the part of a request's query that pages know (pageParams).
func pageQuery(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		all, ok := pageParams[k]
		switch {
		case !ok || len(vs) == 0:
		case all:
			out[k] = vs
		default:
			out[k] = vs[:1]
		}
	}
	return out
}

func (s *Server) renderFailed(w http.ResponseWriter, r *http.Request, err error) {
	s.logf("render %s: %v", r.URL.Path, err)
	w.Header().Del("ETag")
	http.Error(w, "internal error", http.StatusInternalServerError)
}

// writeBody writes an HTML page.
func (s *Server) writeBody(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	// With its length stated, the page goes out in one write, not chunked.
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

func (s *Server) writeHTML(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	buf := s.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer s.bufs.Put(buf)
	if err := s.render(buf, name, data); err != nil {
		s.renderFailed(w, r, err)
		return
	}
	s.writeBody(w, r, status, buf.Bytes())
}

func (s *Server) logf(format string, a ...any) {
	if s.Log != nil {
		s.Log.Printf(format, a...)
	}
}

// errorData is the data of the error page.
type errorData struct {
	Page
	Status      int
	Message     string
	Suggestions []Suggestion // for a rule id no rule has: the rules it may mean
}

func (s *Server) htmlError(w http.ResponseWriter, r *http.Request, err error) {
	s.noteDamaged(err)
	status, msg := statusOf(err)
	if status == http.StatusInternalServerError {
		s.logf("%s: %v", r.URL.Path, err)
	}
	w.Header().Del("ETag")
	setRetryAfter(w, err)
	pg := Page{Path: r.URL.Path, Title: http.StatusText(status), Version: s.cat.Version()}
	s.writeHTML(w, r, status, "error", &errorData{Page: pg, Status: status, Message: msg, Suggestions: suggestionsOf(err)})
}

// serveStatic serves an embedded static file, and nothing else.
func (s *Server) serveStatic(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/static/")
	a, ok := assets[name]
	if !ok {
		s.htmlError(w, r, notFound("no such file"))
		return
	}
	if notModified(w, r, a.etag) {
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("Cache-Control", "public, max-age=86400")
	if r.Method != http.MethodHead {
		w.Write(a.data)
	}
}

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /static/", s.serveStatic)
	m.HandleFunc("GET /{$}", s.page(s.homePage))
	m.HandleFunc("GET /rules/{$}", s.page(s.browsePage))
	m.HandleFunc("GET /rules/{id...}", s.pageKept(s.withRuleSuggestions(s.rulePageHandler), true))
	m.HandleFunc("GET /links/{list}/{id...}", s.page(s.withRuleSuggestions(s.linksPageHandler)))
	m.HandleFunc("GET /search/{$}", s.page(s.searchPage))
	m.HandleFunc("GET /search", s.page(s.searchPage))
	m.HandleFunc("GET /attack/{$}", s.page(s.attackPage))
	m.HandleFunc("GET /attack/{tid}/{$}", s.page(s.techniquePageHandler))
	m.HandleFunc("GET /tables/{$}", s.page(s.facetIndexHandler("table")))
	m.HandleFunc("GET /tables/{name}/{$}", s.page(s.longFacetSegs(s.facetListingHandler("table", "name"), map[string]string{"name": "table"})))
	m.HandleFunc("GET /repos/{$}", s.page(s.facetIndexHandler("repo")))
	m.HandleFunc("GET /repos/{name}/{$}", s.page(s.longFacetSegs(s.facetListingHandler("repo", "name"), map[string]string{"name": "repo"})))
	m.HandleFunc("GET /events/{$}", s.page(s.eventsIndexHandler))
	m.HandleFunc("GET /events/{provider}/{event}/{$}", s.page(s.longFacetSegs(s.eventPageHandler, map[string]string{"provider": "provider", "event": "event"})))
	m.HandleFunc("GET /by/{key}/{$}", s.page(s.byIndexHandler))
	m.HandleFunc("GET /by/{key}/{value}/{$}", s.page(s.longFacetSegs(s.byPageHandler, map[string]string{"value": ""})))
	m.HandleFunc("GET /fields/{field}/{$}", s.page(s.fieldPageHandler))
	m.HandleFunc("GET /indicators/{$}", s.page(s.indicatorsIndexHandler))
	m.HandleFunc("GET /indicators/{field}/{kind}/{value}/{$}", s.page(s.indicatorPageHandler))
	m.HandleFunc("GET /canonical/{$}", s.page(s.canonicalIndexHandler))
	m.HandleFunc("GET /canonical/{field}/{$}", s.page(s.canonicalFieldHandler))
	m.HandleFunc("GET /canonical/{field}/{kind}/{value}/{$}", s.page(s.canonicalPageHandler))
	m.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		r.URL.Path = "/static/favicon.svg"
		s.serveStatic(w, r)
	})
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			s.htmlError(w, r, &httpError{status: http.StatusMethodNotAllowed, msg: "method not allowed"})
			return
		}
		s.htmlError(w, r, notFound("no such page"))
	})
	s.apiRoutes(m)
	s.findingRoutes(m)
	s.mux = m
}

// className makes a CSS class name of untrusted text: lower-case letters,
// digits and '-' only.
func className(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s) && len(b) < 32; i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-':
			b = append(b, c)
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
		}
	}
	return string(b)
}
