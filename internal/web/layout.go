package web

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	"sync"
)

// The layout (templates/layout.html: head, header, footer) is the same on
// every page but for the title, the breadcrumbs and the main part, and for
// the links to the site root, which in the export depend on the page's
// depth. It is rendered once per depth with markers in place of those parts,
// cut at the markers and kept: a page is then its pieces, its title and
// crumbs escaped in Go, and its "main" template. That spares every page
// the template's twenty-odd escaped actions of the layout.

// Markers of the parts of a layout that vary by page; made of characters
// that no escaper changes.
const (
	titleMark  = "RULEDEXLAYOUTTITLE7d1f"
	crumbsMark = "RULEDEXLAYOUTCRUMBS7d1f"
	mainMark   = "RULEDEXLAYOUTMAIN7d1f"
)

// layoutPieces is a layout cut at its markers.
type layoutPieces struct {
	beforeTitle, beforeCrumbs, beforeMain, end string
}

// layouts keeps the cut layouts by the page's Static, Base and Version.
type layouts struct {
	tmpl *template.Template // the layout with markers for its parts
	m    sync.Map           // key → *layoutPieces
}

type layoutKey struct {
	static        bool
	base, version string
}

// newLayouts parses the layout with a "main" that is a marker.
func newLayouts() (*layouts, error) {
	f := template.FuncMap{}
	for k, v := range funcs {
		f[k] = v
	}
	f["crumbs"] = func([]Crumb) template.HTML { return crumbsMark }
	f["metaCSP"] = func() string { return metaCSP }
	t, err := template.New("layout").Funcs(f).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	if _, err := t.New("main").Parse(mainMark); err != nil {
		return nil, err
	}
	return &layouts{tmpl: t}, nil
}

func (l *layouts) pieces(p *Page) (*layoutPieces, error) {
	k := layoutKey{p.Static, p.Base, p.Version}
	if v, ok := l.m.Load(k); ok {
		return v.(*layoutPieces), nil
	}
	mp := Page{Title: titleMark, Static: p.Static, Base: p.Base, Version: p.Version}
	var b bytes.Buffer
	if err := l.tmpl.ExecuteTemplate(&b, "layout", &mp); err != nil {
		return nil, err
	}
	parts := cutAll(b.String(), titleMark, crumbsMark, mainMark)
	if parts == nil {
		return nil, fmt.Errorf("layout: markers missing or out of order")
	}
	lp := &layoutPieces{parts[0], parts[1], parts[2], parts[3]}
	v, _ := l.m.LoadOrStore(k, lp)
	return v.(*layoutPieces), nil
}

// cutAll cuts s at each mark in order, each found once; nil otherwise.
func cutAll(s string, marks ...string) []string {
	var out []string
	for _, m := range marks {
		before, after, ok := strings.Cut(s, m)
		if !ok || strings.Contains(after, m) {
			return nil
		}
		out = append(out, before)
		s = after
	}
	return append(out, s)
}

// writeCrumbs writes the breadcrumb navigation, escaped.
func writeCrumbs(b *bytes.Buffer, cs []Crumb) {
	if len(cs) == 0 {
		return
	}
	b.WriteString(`<nav class="crumbs" aria-label="Breadcrumb">`)
	for i, c := range cs {
		if i > 0 {
			b.WriteString(`<span class="sep" aria-hidden="true">›</span>`)
		}
		if c.Href != "" && linkable(c.Href) {
			b.WriteString(`<a href="`)
			escapeTo(b, c.Href)
			b.WriteString(`">`)
			escapeTo(b, c.Text)
			b.WriteString(`</a>`)
		} else {
			b.WriteString(`<span>`)
			escapeTo(b, c.Text)
			b.WriteString(`</span>`)
		}
	}
	b.WriteString(`</nav>`)
}

// linkable tells whether u may be an href: a path or relative link of the
// site, or an http(s) address; not another scheme (javascript:).
func linkable(u string) bool {
	i := strings.IndexAny(u, ":/?#")
	if i < 0 || u[i] != ':' {
		return true
	}
	s := strings.ToLower(u[:i])
	return s == "http" || s == "https"
}
