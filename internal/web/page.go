package web

import (
	"cmp"
	"fmt"
	"html/template"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/ruledex/ruledex/internal/catalog"
	"github.com/ruledex/ruledex/internal/rule"
)

// Page is what every template gets: where the page is, and how to link from it.
type Page struct {
	Title   string
	Path    string     // the page's own absolute path, e.g. /rules/kusto/X/
	Query   url.Values // the request's query (server only)
	Static  bool       // rendering for the static export
	Base    string     // export: the relative path from this page to the site root ("../../")
	Version string
	Crumbs  []Crumb
	// lone: the export's indicator values of a single rule, which link
	// that rule instead of a page of their own (see loneIndicators).
	lone map[string]string
}

// Self returns p, for templates that hand the page to a function.
func (p *Page) Self() *Page { return p }

// Crumb is one step of a breadcrumb.
type Crumb struct{ Text, Href string }

// newStaticPage returns the Page of path in the export.
func newStaticPage(path, version string) Page {
	depth := strings.Count(staticRel(path), "/")
	return Page{Path: path, Static: true, Base: strings.Repeat("../", depth), Version: version}
}

// staticRel returns the file of a site path in the export, relative to its
// root: a folder's index.html, but for the page of an indicator value
// (/indicators/FIELD/KIND/VALUE/, 55,000 of them for the corpus, and
// /canonical/FIELD/KIND/VALUE/, with no page under them), which is
// VALUE.html: a folder apiece took 4 kB of disk each besides the page.
func staticRel(path string) string {
	rel := strings.TrimPrefix(path, "/")
	switch {
	case rel == "":
		return "index.html"
	case !strings.HasSuffix(rel, "/"):
		return rel
	case (strings.HasPrefix(rel, "indicators/") || strings.HasPrefix(rel, "canonical/")) && strings.Count(rel, "/") == 4:
		return strings.TrimSuffix(rel, "/") + ".html"
	}
	return rel + "index.html"
}

// Href turns a site path into a link from this page: itself on the server,
// a relative link to the folder's index.html in the export.
func (p *Page) Href(path string) string {
	if !p.Static {
		return path
	}
	q := ""
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path, q = path[:i], path[i:]
	}
	return p.Base + staticRel(path) + q
}

// Asset links a static file (CSS, JS) with the catalog's version, so that
// browsers fetch it again when it changes.
func (p *Page) Asset(name string) string {
	if p.Static {
		return p.Base + "static/" + name
	}
	return "/static/" + name + "?v=" + assetVersion
}

// RuleHref links a rule page.
func (p *Page) RuleHref(id string) string { return p.Href(RulePath(id)) }

// TableHref links a table's page.
func (p *Page) TableHref(name string) string { return p.Href(TablePath(name)) }

// RepoHref links a repository's page.
func (p *Page) RepoHref(name string) string { return p.Href(RepoPath(name)) }

// TechniqueHref links a technique's page.
func (p *Page) TechniqueHref(id string) string { return p.Href(TechniquePath(id)) }

// FieldHref links a field's page; "" for the empty field (values a rule
// matches on no field), which has none: its values are in the index.
func (p *Page) FieldHref(field string) string {
	if field == "" {
		return ""
	}
	return p.Href(FieldPath(field))
}

// EventHref links the page of an event.
func (p *Page) EventHref(provider, event string) string { return p.Href(EventPath(provider, event)) }

// IndicatorHref links the page of one indicator value, under its kind as
// the corpus counts compare it (catalog.MatchKind: in is eq, has_any and
// has_all are has), so that the page lists the rules its counts count.
func (p *Page) IndicatorHref(field, kind, value string) string {
	kind = catalog.MatchKind(kind)
	if p.lone != nil {
		if id, ok := p.lone[loneKey(field, kind, value)]; ok {
			return p.Href(RulePath(id)) + "#indicators"
		}
	}
	return p.Href(IndicatorPath(field, kind, value))
}

// SearchHref links the search for q.
func (p *Page) SearchHref(q string) string {
	return p.Href("/search/") + "?q=" + url.QueryEscape(q)
}

// FacetHref links the rules with one facet value: its own page where it has
// one (table, technique, repository), else the facet's listing.
func (p *Page) FacetHref(key, value string) string {
	switch key {
	case "table":
		return p.TableHref(value)
	case "technique":
		return p.TechniqueHref(value)
	case "repo":
		return p.RepoHref(value)
	case "finding":
		return p.Href(FindingPath(value))
	case "event":
		// The export writes an event's page and no listing of its facet
		// value: the page lists the same rules, and the same event on
		// other platforms.
		if prov, ev, ok := catalog.SplitEventName(value); ok && p.Static {
			return p.EventHref(prov, ev)
		}
	}
	return p.Href(FacetPath(key, value))
}

// facetIndexHref links the index of every value of a facet.
func (p *Page) facetIndexHref(key string) string {
	switch key {
	case "table":
		return p.Href("/tables/")
	case "repo":
		return p.Href("/repos/")
	case "technique":
		return p.Href("/attack/")
	case "provider", "event":
		return p.Href("/events/")
	case "finding":
		return p.Href("/findings/")
	}
	return p.Href("/by/" + Seg(key) + "/")
}

// ToggleFacetHref links the current listing with the facet KEY=VALUE
// added, or removed when it is already set (server), or the facet's page
// (export).
func (p *Page) ToggleFacetHref(key, value string) string {
	if p.Static {
		return p.FacetHref(key, value)
	}
	return newFacetToggler(p).href(key, value)
}

// maxFacets is the most facets a query may hold.
const maxFacets = 20

// facetsFromQuery reads the facets of a listing's query: facet=KEY=VALUE,
// repeated (f= and KEY:VALUE read too).
func facetsFromQuery(q url.Values) ([]Facet, error) {
	if n := len(q["f"]) + len(q["facet"]); n > maxFacets {
		return nil, badRequest(fmt.Sprintf("%d facets: at most %d", n, maxFacets))
	}
	var fs []Facet
	for _, name := range []string{"f", "facet"} {
		for _, f := range q[name] {
			ff, ok := parseFacetParam(f)
			if !ok {
				return nil, badRequest(fmt.Sprintf("bad facet %q: want KEY=VALUE with KEY one of %s", f, facetKeysText()))
			}
			fs = append(fs, ff)
		}
	}
	return fs, nil
}

// validFacetKey tells whether k is a facet a filter takes: any of the
// store's (facets.go).
func validFacetKey(k string) bool { return isFacetKey(k) }

// pageNumber reads ?page=N.
func pageNumber(q url.Values, name string) (int, error) {
	s := q.Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 1_000_000 {
		return 0, badRequest(fmt.Sprintf("bad %s %q", name, s))
	}
	return n, nil
}

// perPage reads the query's per_page (0 when it has none), at most
// MaxPerPage.
func perPage(q url.Values) (int, error) {
	pp, err := pageNumber(q, "per_page")
	if err != nil {
		return 0, err
	}
	if pp > MaxPerPage {
		return 0, badRequest(fmt.Sprintf("per_page above %d", MaxPerPage))
	}
	return pp, nil
}

// paging reads an API request's page (1 when it has none) and per_page
// (def when it has none, at most MaxPerPage): the listings of the API
// (search, indicators, a check's findings, a rule's links) page alike.
func paging(q url.Values, def int) (page, per int, err error) {
	if page, err = pageNumber(q, "page"); err != nil {
		return 0, 0, err
	}
	if per, err = perPage(q); err != nil {
		return 0, 0, err
	}
	return max(page, 1), cmp.Or(per, def), nil
}

// Pager links the pages of a listing.
type Pager struct {
	Page, Pages, Total int
	Prev, Next         string
	First, Last        int // the range of hits shown, 1-based
}

func makePager(p *Page, listPath string, res *Result) Pager {
	pg := Pager{Page: res.Page, Total: res.Total}
	pg.Pages = max((res.Total+res.PerPage-1)/res.PerPage, 1)
	if res.Total > 0 {
		pg.First = (res.Page-1)*res.PerPage + 1
		pg.Last = pg.First + len(res.Hits) - 1
	}
	link := func(n int) string {
		if p.Static {
			if n == 1 {
				return p.Href(listPath)
			}
			return p.Href(listPath + "page/" + strconv.Itoa(n) + "/")
		}
		q := url.Values{}
		for k, vs := range p.Query {
			q[k] = vs
		}
		q.Set("page", strconv.Itoa(n))
		if n == 1 {
			q.Del("page")
		}
		if e := q.Encode(); e != "" {
			return p.Path + "?" + e
		}
		return p.Path
	}
	if res.Page > 1 {
		pg.Prev = link(res.Page - 1)
	}
	if res.Page < pg.Pages {
		pg.Next = link(res.Page + 1)
	}
	return pg
}

// FacetGroup is the counts of one facet key in a listing's sidebar.
type FacetGroup struct {
	Key, Label string
	Values     []FacetValue
	More       int    // values left out
	MoreHref   string // the facet's index of every value
}

// FacetValue is one facet value with its count and link.
type FacetValue struct {
	Value, Label string
	Count        int
	Href         string
	Active       bool
}

var facetLabels = map[string]string{
	"platform": "Platform", "language": "Language", "kind": "Kind", "severity": "Severity", "status": "Status",
	"repo": "Repository", "table": "Table / log source", "tactic": "Tactic", "technique": "Technique",
	"provider": "Event provider", "event": "Event", "author": "Author", "finding": "Lint finding",
}

// maxFacetValues is the number of values shown per facet.
const maxFacetValues = 12

// facetToggler makes the links of a listing's facet values: the current
// query with one facet added or removed, as facet=KEY=VALUE (facets.go).
// It encodes the rest of the query once, not once per value.
type facetToggler struct {
	path, rest string   // rest: the query's other parameters, encoded, page left out
	fs         []string // the current facets, KEY=VALUE (f= and KEY:VALUE read too)
}

func newFacetToggler(p *Page) *facetToggler {
	t := &facetToggler{path: p.Path}
	q := url.Values{}
	for k, vs := range p.Query {
		switch k {
		case "f", "facet":
		case "page":
		default:
			q[k] = vs
		}
	}
	t.fs = queryFacets(p.Query)
	t.rest = q.Encode()
	return t
}

func (t *facetToggler) href(key, value string) string {
	want := facetParam(key, value)
	var b strings.Builder
	b.WriteString(t.path)
	sep := byte('?')
	if t.rest != "" {
		b.WriteByte(sep)
		b.WriteString(t.rest)
		sep = '&'
	}
	found := false
	for _, f := range t.fs {
		if strings.EqualFold(f, want) {
			found = true
			continue
		}
		b.WriteByte(sep)
		b.WriteString("facet=")
		b.WriteString(url.QueryEscape(f))
		sep = '&'
	}
	if !found {
		b.WriteByte(sep)
		b.WriteString("facet=")
		b.WriteString(url.QueryEscape(want))
	}
	return b.String()
}

func makeFacetGroups(p *Page, res *Result, active []Facet) []FacetGroup {
	var gs []FacetGroup
	var tog *facetToggler
	if !p.Static {
		tog = newFacetToggler(p)
	}
	for _, k := range FacetKeys {
		vals := res.Facets[k]
		if len(vals) == 0 {
			continue
		}
		g := FacetGroup{Key: k, Label: facetLabels[k], MoreHref: p.facetIndexHref(k)}
		for i, v := range vals {
			isActive := false
			for _, a := range active {
				if a.Key == k && strings.EqualFold(a.Value, v.Value) {
					isActive = true
				}
			}
			if i >= maxFacetValues && !isActive {
				g.More++
				continue
			}
			label := v.Value
			if k == "tactic" {
				if t, ok := LookupTactic(v.Value); ok {
					label = t.Name
				}
			}
			href := ""
			if tog != nil {
				href = tog.href(k, v.Value)
			} else {
				href = p.FacetHref(k, v.Value)
			}
			g.Values = append(g.Values, FacetValue{Value: v.Value, Label: label, Count: v.Count, Href: href, Active: isActive})
		}
		gs = append(gs, g)
	}
	return gs
}

// KV is a name and a count, for sorted tables of a map.
type KV struct {
	Key   string
	Count int
}

func sortedCounts(m map[string]int) []KV {
	kvs := make([]KV, 0, len(m))
	for k, v := range m {
		kvs = append(kvs, KV{k, v})
	}
	sort.Slice(kvs, func(i, j int) bool {
		if kvs[i].Count != kvs[j].Count {
			return kvs[i].Count > kvs[j].Count
		}
		return kvs[i].Key < kvs[j].Key
	})
	return kvs
}

// safeURL returns u when it is an http(s) link, else "": rule text is
// untrusted, and a javascript: or data: link must never become an href.
func safeURL(u string) string {
	u = strings.TrimSpace(u)
	pu, err := url.Parse(u)
	if err != nil || pu.Host == "" {
		return ""
	}
	switch strings.ToLower(pu.Scheme) {
	case "http", "https":
		return pu.String()
	}
	return ""
}

// markSnippet escapes s, then wraps the marked ranges in <mark>.
func markSnippet(s string, marks []Span) template.HTML {
	var b strings.Builder
	pos := 0
	for _, m := range marks {
		if m.Start < pos || m.End > len(s) || m.Start >= m.End {
			continue
		}
		b.WriteString(template.HTMLEscapeString(s[pos:m.Start]))
		b.WriteString("<mark>")
		b.WriteString(template.HTMLEscapeString(s[m.Start:m.End]))
		b.WriteString("</mark>")
		pos = m.End
	}
	b.WriteString(template.HTMLEscapeString(s[pos:]))
	return template.HTML(b.String())
}

// kindLabel names a predicate's kind as a reader says it: "eq (case-insensitive)", "not has".
func kindLabel(kind string, cs, neg, all bool) string {
	s := kind
	if neg {
		s = "not " + s
	}
	if all && kind != rule.OpHasAll {
		s += " (all)"
	}
	switch kind {
	case rule.OpEq, rule.OpNe, rule.OpContains, rule.OpStartsWith, rule.OpEndsWith, rule.OpHas, rule.OpHasAny, rule.OpHasAll, rule.OpIn, rule.OpHasPrefix, rule.OpHasSuffix:
		if cs {
			s += " (case-sensitive)"
		} else {
			s += " (case-insensitive)"
		}
	}
	return s
}

// heatClass shades a matrix cell by its count relative to the largest, on a
// logarithmic scale of five steps (heat1 … heat5; heat0 for none).
func heatClass(n, maxN int) string {
	if n <= 0 || maxN <= 0 {
		return "heat0"
	}
	level := 5
	if maxN > 1 {
		level = 1 + int(4*math.Log(float64(n))/math.Log(float64(maxN)))
	}
	return "heat" + strconv.Itoa(min(max(level, 1), 5))
}

// fmtInt writes n with thousands separators.
func fmtInt(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + fmtInt(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmtInt(n) + " " + one
	}
	return fmtInt(n) + " " + many
}
