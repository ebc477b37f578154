package web

import (
	"context"
	"html/template"
	"net/http"
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
	value, h3, ok3 := Unseg(r.PathValue("value"))
	if !ok1 || !ok2 || !ok3 || h1 || h2 || h3 {
		return "", nil, notFound("bad canonical indicator")
	}
	res, err := s.canonicalOf(ctx, field, kind, value)
	if err != nil {
		return "", nil, err
	}
	pg.Title = field + " " + kind + " " + res.Value
	d := &canonicalData{Page: pg, Res: res, ByPlatform: sortedCounts(res.ByPlatform)}
	var w htmlw
	for _, h := range res.Rules {
		w.raw(`<tr><td><span class="badge p-` + className(h.Platform) + `">`)
		w.text(h.Platform)
		w.raw("</span></td><td>")
		title := h.Title
		if title == "" {
			title = h.ID
		}
		w.link(d.RuleHref(h.ID), title, false)
		w.raw(`<div class="sub">`)
		w.text(h.Path)
		w.raw("</div></td><td>")
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
	d.Crumbs = []Crumb{{"Indicators", d.Href("/indicators/")}, {"canonical", ""}, {field, ""}}
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
