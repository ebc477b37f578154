package web

import (
	"context"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/ruledex/ruledex/internal/store"
)

// canonicalCatalog is a Catalog that also answers for canonical indicators
// (the store's does): the rules of every platform with one (field, kind,
// value) of the common vocabulary.
type canonicalCatalog interface {
	Canonical(ctx context.Context, field, kind, value string) (*store.CanonicalResult, error)
}

// Canonical implements canonicalCatalog.
func (c *StoreCatalog) Canonical(ctx context.Context, field, kind, value string) (*store.CanonicalResult, error) {
	return c.db.Canonical(ctx, field, kind, value)
}

// CanonicalPath is the page of a canonical indicator.
func CanonicalPath(field, kind, value string) string {
	return "/canonical/" + Seg(field) + "/" + Seg(kind) + "/" + Seg(strings.ToLower(value)) + "/"
}

// canonicalOf asks the catalog for a canonical indicator; ErrNotFound when
// the catalog cannot answer or no rule has it.
func (s *Server) canonicalOf(ctx context.Context, field, kind, value string) (*store.CanonicalResult, error) {
	cc, ok := s.cat.(canonicalCatalog)
	if !ok {
		return nil, notFound("this catalog has no canonical indicators")
	}
	res, err := cc.Canonical(ctx, field, kind, value)
	if err != nil {
		return nil, err
	}
	if len(res.Rules) == 0 {
		return nil, notFound("no rule has this canonical indicator")
	}
	return res, nil
}

type canonicalData struct {
	Page
	Res        *store.CanonicalResult
	ByPlatform []KV
	Rows       template.HTML
}

// canonicalPageHandler serves /canonical/{field}/{kind}/{value}/: the rules
// of every platform whose indicators say the same thing in the common
// vocabulary, each with how it writes it.
func (s *Server) canonicalPageHandler(ctx context.Context, pg Page, r *http.Request) (string, any, error) {
	field, h1, ok1 := Unseg(r.PathValue("field"))
	kind, h2, ok2 := Unseg(r.PathValue("kind"))
	valueSeg := r.PathValue("value")
	value, h3, ok3 := Unseg(valueSeg)
	if !ok1 || !ok2 || !ok3 || h1 || h2 {
		return "", nil, notFound("bad canonical indicator")
	}
	if h3 {
		// A long value, cut and hashed by Seg: find it among the field's.
		v, err := s.findLongCanonical(ctx, field, kind, valueSeg)
		if err != nil {
			return "", nil, err
		}
		value = v
	}
	return s.canonicalPage(ctx, pg, field, kind, value)
}

// findLongCanonical finds the value of field and kind whose page segment
// is seg.
func (s *Server) findLongCanonical(ctx context.Context, field, kind, seg string) (string, error) {
	if cl, ok := s.cat.(canonicalLister); ok {
		list, err := cl.CanonicalIndicators(ctx, store.CanonicalQuery{Field: field})
		if err != nil {
			return "", err
		}
		for _, c := range list.Indicators {
			if c.Kind == kind && Seg(strings.ToLower(c.Value)) == seg {
				return c.Value, nil
			}
		}
	}
	return "", notFound("no rule has this canonical indicator")
}

// canonicalPage renders the page of one canonical indicator.
func (s *Server) canonicalPage(ctx context.Context, pg Page, field, kind, value string) (string, any, error) {
	res, err := s.canonicalOf(ctx, field, kind, value)
	if err != nil {
		return "", nil, err
	}
	pg.Title = field + " " + kind + " " + res.Value
	d := &canonicalData{Page: pg, Res: res, ByPlatform: sortedCounts(res.ByPlatform)}
	var w htmlw
	for _, h := range res.Rules {
		w.raw("<tr>")
		w.ruleCells(d.RuleHref(h.ID), h.Platform, h.ID, h.Title, h.Path)
		w.raw("<td>")
		for i, f := range h.From {
			if i > 0 {
				w.raw("<br>")
			}
			w.raw("<code>")
			w.text(f)
			w.raw("</code>")
		}
		w.raw("</td></tr>\n")
	}
	d.Rows = w.html()
	d.Crumbs = []Crumb{{"Indicators", d.Href("/indicators/")}, {"Canonical", d.Href("/canonical/")}, {field, d.Href(CanonicalFieldPath(field))}, {kind, ""}}
	return "canonical", d, nil
}

// apiCanonical answers /api/v1/canonical?field=F&kind=K&value=V (kind may
// be left out): the canonical indicator's rules, by platform.
func (s *Server) apiCanonical(ctx context.Context, r *http.Request) (any, error) {
	v := r.URL.Query()
	if v.Get("field") == "" || v.Get("value") == "" {
		return nil, badRequest("canonical needs field and value")
	}
	return s.canonicalOf(ctx, v.Get("field"), v.Get("kind"), v.Get("value"))
}

// canonicalLister is a Catalog that also lists its canonical indicators
// (the store's does).
type canonicalLister interface {
	CanonicalIndicators(ctx context.Context, q store.CanonicalQuery) (*store.CanonicalList, error)
}

// CanonicalIndicators implements canonicalLister.
func (c *StoreCatalog) CanonicalIndicators(ctx context.Context, q store.CanonicalQuery) (*store.CanonicalList, error) {
	return c.db.CanonicalIndicators(ctx, q)
}

// CanonicalFieldPath is the listing of one canonical field's indicators.
func CanonicalFieldPath(field string) string { return "/canonical/" + Seg(field) + "/" }

// canonicalPerPage is the length of a page of the canonical index.
const canonicalPerPage = 200

// canonicalMinRules is how many rules a canonical indicator needs to have
// a page in the static export and a link there from a rule page: one that
// a single rule has would list that rule alone (three quarters of the
// corpus's 42,000 canonical indicators). The server has a page for each.
const canonicalMinRules = 2

type canonicalIndexData struct {
	Page
	Heading string
	Field   string
	List    *store.CanonicalList
	Fields  template.HTML
	Rows    template.HTML
	Pager   Pager
	Shared  bool // the listing holds only indicators of several rules (the export)
}

// canonicalIndex renders /canonical/ (field "") or /canonical/FIELD/: the
// canonical indicators, the most shared first, with their counts by
// platform, and the canonical fields to filter by.
func (s *Server) canonicalIndex(ctx context.Context, pg Page, field string, page int) (string, any, error) {
	cl, ok := s.cat.(canonicalLister)
	if !ok {
		return "", nil, notFound("this catalog has no canonical indicators")
	}
	q := store.CanonicalQuery{Field: field, Page: page, PerPage: canonicalPerPage}
	if pg.Static {
		q.MinRules = canonicalMinRules
	}
	list, err := cl.CanonicalIndicators(ctx, q)
	if err != nil {
		return "", nil, err
	}
	heading, listPath := "Canonical indicators", "/canonical/"
	if field != "" {
		if list.Total == 0 {
			return "", nil, notFound("no canonical indicator on field " + field)
		}
		heading, listPath = "Canonical field "+field, CanonicalFieldPath(field)
	}
	pg.Title = heading
	d := &canonicalIndexData{Page: pg, Heading: heading, Field: field, List: list, Shared: q.MinRules > 1}
	var w htmlw
	for _, f := range list.Fields {
		w.raw("<li>")
		if f.Value == field {
			w.raw("<strong><code>")
			w.text(f.Value)
			w.raw("</code></strong>")
		} else {
			w.raw(`<a href="` + template.HTMLEscapeString(d.Href(CanonicalFieldPath(f.Value))) + `"><code>`)
			w.text(f.Value)
			w.raw("</code></a>")
		}
		w.raw(` <span class="n">`)
		w.text(strconv.Itoa(f.Count))
		w.raw("</span></li>")
	}
	d.Fields = w.html()
	var rw htmlw
	for _, c := range list.Indicators {
		rw.raw("<tr>")
		if field == "" {
			rw.raw("<td><code>")
			rw.text(c.Field)
			rw.raw("</code></td>")
		}
		rw.raw("<td>")
		rw.text(c.Kind)
		rw.raw("</td><td><code>")
		rw.link(d.Href(CanonicalPath(c.Field, c.Kind, c.Value)), c.Value, false)
		rw.raw(`</code></td><td class="num">`)
		rw.text(strconv.Itoa(c.Rules))
		rw.raw("</td><td>")
		for i, kv := range sortedCounts(c.ByPlatform) {
			if i > 0 {
				rw.raw(", ")
			}
			rw.raw(`<span class="badge p-` + className(kv.Key) + `">`)
			rw.text(kv.Key)
			rw.raw("</span> ")
			rw.text(strconv.Itoa(kv.Count))
		}
		rw.raw("</td></tr>\n")
	}
	d.Rows = rw.html()
	d.Pager = makePager(&d.Page, listPath, &Result{Total: list.Total, Page: list.Page, PerPage: canonicalPerPage, Hits: make([]Hit, len(list.Indicators))})
	d.Crumbs = []Crumb{{"Indicators", d.Href("/indicators/")}, {"Canonical", d.Href("/canonical/")}}
	if field != "" {
		d.Crumbs = append(d.Crumbs, Crumb{field, ""})
	} else {
		d.Crumbs[1].Href = ""
	}
	return "canonical_index", d, nil
}

func (s *Server) canonicalIndexHandler(ctx context.Context, pg Page, r *http.Request) (string, any, error) {
	n, err := pageNumber(r.URL.Query(), "page")
	if err != nil {
		return "", nil, err
	}
	return s.canonicalIndex(ctx, pg, "", n)
}

func (s *Server) canonicalFieldHandler(ctx context.Context, pg Page, r *http.Request) (string, any, error) {
	f, hashed, ok := Unseg(r.PathValue("field"))
	if !ok || hashed || f == "" {
		return "", nil, notFound("bad canonical field")
	}
	n, err := pageNumber(r.URL.Query(), "page")
	if err != nil {
		return "", nil, err
	}
	return s.canonicalIndex(ctx, pg, f, n)
}

// canonicalJobs lists the export's canonical pages: the index and each
// field's listing (paged), and the page of every canonical indicator that
// several rules have (canonicalMinRules), which rule pages link.
func (s *Server) canonicalJobs(ctx context.Context) ([]exportJob, error) {
	cl, ok := s.cat.(canonicalLister)
	if !ok {
		return nil, nil
	}
	all, err := cl.CanonicalIndicators(ctx, store.CanonicalQuery{MinRules: canonicalMinRules})
	if err != nil {
		return nil, err
	}
	jobs := listingPages(nil, "/canonical/", all.Total, canonicalPerPage, func(pg Page, n int) (string, any, error) {
		return s.canonicalIndex(ctx, pg, "", n)
	})
	for _, f := range all.Fields {
		jobs = listingPages(jobs, CanonicalFieldPath(f.Value), f.Count, canonicalPerPage, func(pg Page, n int) (string, any, error) {
			return s.canonicalIndex(ctx, pg, f.Value, n)
		})
	}
	for _, c := range all.Indicators {
		jobs = append(jobs, exportJob{path: CanonicalPath(c.Field, c.Kind, c.Value), build: func(pg Page) (string, any, error) {
			return s.canonicalPage(ctx, pg, c.Field, c.Kind, c.Value)
		}})
	}
	return jobs, nil
}
