package web

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/ruledex/ruledex/internal/attack"
	"github.com/ruledex/ruledex/internal/catalog"
	"github.com/ruledex/ruledex/internal/lint"
	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/store"
)

// The page builders below make a page's data from the catalog; the server
// calls them for a request and the export for every page of the site.

// homeData is the data of the home page.
type homeData struct {
	Page
	Stats     *Stats
	Platforms []KV
	Languages []KV
	Kinds     []KV
	Repos     []KV
	Coverage  *Coverage

	TopTables     []FacetValue
	TopTechniques []techniqueLink
}

// techniqueLink is a technique on the home page: its name, its id and its
// number of rules.
type techniqueLink struct {
	FacetValue
	ID string
}

func (s *Server) home(ctx context.Context, pg Page) (string, any, error) {
	st, err := s.cat.Stats(ctx)
	if err != nil {
		return "", nil, err
	}
	cov, err := s.cat.Coverage(ctx)
	if err != nil {
		return "", nil, err
	}
	all, err := s.cat.Search(ctx, Query{PerPage: 1, Browse: true})
	if err != nil {
		return "", nil, err
	}
	pg.Title = "Detection rules"
	d := &homeData{Page: pg, Stats: st, Platforms: sortedCounts(st.ByPlatform), Languages: sortedCounts(st.ByLanguage),
		Kinds: sortedCounts(st.ByKind), Repos: sortedCounts(st.ByRepo), Coverage: cov}
	top := func(key string) []FacetValue {
		var out []FacetValue
		for i, v := range all.Facets[key] {
			if i == 10 {
				break
			}
			out = append(out, FacetValue{Value: v.Value, Label: v.Value, Count: v.Count, Href: d.FacetHref(key, v.Value)})
		}
		return out
	}
	d.TopTables = top("table")
	// Techniques by name, as ATT&CK names them.
	names := map[string]string{}
	for _, ta := range cov.Tactics {
		for _, te := range ta.Techniques {
			names[strings.ToUpper(te.ID)] = te.Name
			for _, sub := range te.Subtechniques {
				names[strings.ToUpper(sub.ID)] = sub.Name
			}
		}
	}
	for _, v := range top("technique") {
		t := techniqueLink{FacetValue: v, ID: strings.ToUpper(v.Value)}
		if n := names[t.ID]; n != "" {
			t.Label = n
		}
		d.TopTechniques = append(d.TopTechniques, t)
	}
	return "home", d, nil
}

func (s *Server) homePage(ctx context.Context, pg Page, _ *http.Request) (string, any, error) {
	return s.home(ctx, pg)
}

// listingData is the data of every page that lists rules.
type listingData struct {
	Page
	Heading    string
	Intro      string
	Search     bool   // show the search box
	Action     string // the search form's target
	Q          string
	ListPath   string
	Result     *Result
	Facets     []FacetGroup
	Active     []Facet
	Pager      Pager
	Groups     []hitGroup // hits grouped by platform (technique pages)
	Subs       []TechniqueCoverage
	Fields     []FacetValue // a table's fields, with the number of rules using each
	SameEvents []FacetValue // an event page: the same event through other platforms' telemetry
	FieldsMore int          // fields not listed
	Repo       *repoView    // a repository's summary
	Sorts      []sortLink   // the orders the listing offers (browse, on the server)
}

// sortLink is one order of a listing: its label and link, or none when it
// is the current one.
type sortLink struct {
	Label, Href string
	Current     bool
}

// sortLinks returns the orders of the listing at path with query q.
func sortLinks(p *Page, path string, q Query) []sortLink {
	var out []sortLink
	for _, k := range store.Sorts {
		v := url.Values{}
		for key, vs := range p.Query {
			if key != "sort" && key != "page" {
				v[key] = vs
			}
		}
		if k != "title" {
			v.Set("sort", k)
		}
		h := path
		if e := v.Encode(); e != "" {
			h += "?" + e
		}
		out = append(out, sortLink{Label: k, Href: h, Current: q.Sort == k || q.Sort == "" && k == "title"})
	}
	return out
}

// maxTableFields is the number of fields a table's page lists.
const maxTableFields = 150

// repoView is a repository's summary with its links made.
type repoView struct {
	*RepoInfo
	SourceURL  string
	Platforms  []KV
	Kinds      []KV
	Severities []KV
	Problems   []problemView // on the first page of its listing only
	More       int           // rules with diagnostics not listed
}

type problemView struct {
	RuleProblems
	Href string
}

type hitGroup struct {
	Label string
	Hits  []Hit
}

// listing runs q and makes a listing page of it.
func (s *Server) listing(ctx context.Context, pg Page, q Query, heading, listPath string) (*listingData, error) {
	res, err := s.searchCat(ctx, q)
	if err != nil {
		return nil, err
	}
	if res.Page > 1 && len(res.Hits) == 0 {
		return nil, notFound("no such page of results")
	}
	pg.Title = heading
	d := &listingData{Page: pg, Heading: heading, Q: q.Text, ListPath: listPath, Result: res, Active: q.Facets}
	d.Facets = makeFacetGroups(&d.Page, res, q.Facets)
	d.Pager = makePager(&d.Page, listPath, res)
	return d, nil
}

// fixedListing makes the facet links of a listing whose facets are its
// page's own (a technique, a table, a repository...) lead to the browse with
// those facets and the one clicked, and shows no filter chips.
func fixedListing(d *listingData, facets []Facet) {
	d.Active = nil
	if d.Static {
		return
	}
	p := d.Page
	p.Path = "/rules/"
	p.Query = url.Values{}
	for _, f := range facets {
		p.Query.Add("facet", facetParam(f.Key, f.Value))
	}
	d.Facets = makeFacetGroups(&p, d.Result, facets)
}

// queryOf reads a listing's query from the request: q, f=key:value, page.
func queryOf(r *http.Request) (Query, error) {
	v := r.URL.Query()
	fs, err := facetsFromQuery(v)
	if err != nil {
		return Query{}, err
	}
	n, err := pageNumber(v, "page")
	if err != nil {
		return Query{}, err
	}
	text := v.Get("q")
	if len(text) > 500 {
		return Query{}, badRequest("query longer than 500 bytes")
	}
	return Query{Text: text, Facets: fs, Page: n, Sort: v.Get("sort")}, nil
}

func (s *Server) browse(ctx context.Context, pg Page, q Query) (string, any, error) {
	q.Browse = true
	heading := "All rules"
	if len(q.Facets) > 0 {
		var parts []string
		for _, f := range q.Facets {
			parts = append(parts, f.Key+": "+f.Value)
		}
		heading = "Rules — " + strings.Join(parts, ", ")
	}
	d, err := s.listing(ctx, pg, q, heading, "/rules/")
	if err != nil {
		return "", nil, err
	}
	d.Search, d.Action = true, "/search"
	if !pg.Static {
		d.Sorts = sortLinks(&d.Page, "/rules/", q)
	}
	d.Crumbs = []Crumb{{"Detection rules", ""}}
	d.Intro = "Detection and hunting rules of every platform; third-party alert feeds are left out here and kept in the search."
	return "listing", d, nil
}

func (s *Server) browsePage(ctx context.Context, pg Page, r *http.Request) (string, any, error) {
	q, err := queryOf(r)
	if err != nil {
		return "", nil, err
	}
	return s.browse(ctx, pg, q)
}

func (s *Server) search(ctx context.Context, pg Page, q Query) (string, any, error) {
	heading := "Search"
	if q.Text != "" {
		heading = "Search: " + q.Text
	}
	d, err := s.listing(ctx, pg, q, heading, "/search")
	if err != nil {
		return "", nil, err
	}
	d.Search, d.Action = true, "/search"
	d.Crumbs = []Crumb{{"Search", ""}}
	return "listing", d, nil
}

func (s *Server) searchPage(ctx context.Context, pg Page, r *http.Request) (string, any, error) {
	q, err := queryOf(r)
	if err != nil {
		return "", nil, err
	}
	pg.Path = "/search"
	return s.search(ctx, pg, q)
}

// ruleData is the data of a rule page.
type ruleData struct {
	Page
	R          *rule.Rule
	BodyLang   string
	BodyTokens store.BodyTokens // the query's tokens made when the catalog was built ("": made by the page)
	Tactics    []tacticRow
	SourceURL  string
	References []link
	Indicators []indicatorRow
	Params     []rule.Param

	// Links made once in Go rather than by method calls in the template,
	// which cost most of a page's time.
	GroupBy, Authors, Tags, Tables, Keywords, Operators, Functions []link
	Events                                                         []eventView
	Stages                                                         []stageView
	StagesMore                                                     int // stages left out (maxShownStages)
	Capped                                                         bool
	SameAction, NearDuplicates                                     []refView
	LinkTotals                                                     LinkTotals // the whole lists' lengths (R's are cut)
	PlatformHref, KindHref, RepoHref                               string
	Findings                                                       []lint.Finding // what ruledex lint found (the build ran it)
	FindingsTotal                                                  int            // of which Findings are the first

	fields map[string]bool      // lower-cased fields of positive indicators
	values map[string][2]string // field, kind, value (lower-cased) → the indicator\'s field and value
}

type eventView struct {
	Provider, Event, Title, Channel string
	Href                            string
}

type refView struct {
	rule.RuleRef
	Href string
}

// stageView is a stage with its links made.
type stageView struct {
	rule.Stage
	Anchor   string // id of its <li>
	FileLine int    // line in the file, 0 when unknown
	Preds    []predView
	Inner    []stageView
	More     int // inner stages left out (maxShownStages)
}

type predView struct {
	rule.Predicate
	FieldHref string
	Label     string
	Vals      []link // URL "" when the value has no page
	More      int    // values left out (maxShownValues)
}

func (d *ruleData) links(ss []string, href func(string) string) []link {
	out := make([]link, len(ss))
	for i, s := range ss {
		out[i] = link{Text: s, URL: href(s)}
	}
	return out
}

func (d *ruleData) refViews(rs []rule.RuleRef) []refView {
	out := make([]refView, len(rs))
	for i, r := range rs {
		out[i] = refView{RuleRef: r, Href: d.RuleHref(r.ID)}
	}
	return out
}

func (d *ruleData) stageViews(ss []rule.Stage, prefix string) []stageView {
	ss = ss[:min(len(ss), maxShownStages)]
	out := make([]stageView, len(ss))
	for i, st := range ss {
		if len(st.Text) > maxStageText {
			st.Text = cutText(st.Text, maxStageText)
			d.Capped = true
		}
		v := stageView{Stage: st, Anchor: prefix + "-" + strconv.Itoa(st.N)}
		if st.Line > 0 {
			v.FileLine = max(d.R.QueryLine, 1) + st.Line - 1
		}
		for _, p := range st.Predicates {
			pv := predView{Predicate: p, Label: kindLabel(p.Kind, p.CaseSensitive, p.Negated, p.All)}
			if p.Field != "" {
				pv.FieldHref = d.FieldLink(p.Field)
			}
			vals := p.Values
			if len(vals) > maxShownValues {
				pv.More, vals, d.Capped = len(vals)-maxShownValues, vals[:maxShownValues], true
			}
			pv.Vals = make([]link, len(vals))
			for j, val := range vals {
				pv.Vals[j].Text = val
				if p.Field != "" && !p.Negated {
					pv.Vals[j].URL = d.ValueLink(p.Field, p.Kind, val)
				}
			}
			v.Preds = append(v.Preds, pv)
		}
		if len(st.Stages) > 0 {
			v.Inner = d.stageViews(st.Stages, v.Anchor)
			if v.More = len(st.Stages) - len(v.Inner); v.More > 0 {
				d.Capped = true
			}
		}
		out[i] = v
	}
	return out
}

// FieldLink links a field named by the rule: its page when the rule matches
// values on it (so the catalog has the page), else the search for it.
func (d *ruleData) FieldLink(field string) string {
	d.indexIndicators()
	if d.fields[strings.ToLower(field)] {
		return d.FieldHref(field)
	}
	return d.SearchHref(field)
}

// ValueLink links a predicate's value to its indicator page when the rule
// matches it positively, else returns "".
func (d *ruleData) ValueLink(field, kind, value string) string {
	d.indexIndicators()
	in, ok := d.values[strings.ToLower(field)+"\x00"+kind+"\x00"+strings.ToLower(value)]
	if !ok {
		return ""
	}
	return d.IndicatorHref(in[0], kind, in[1])
}

// indexIndicators makes the lookups of FieldLink and ValueLink.
func (d *ruleData) indexIndicators() {
	if d.fields != nil {
		return
	}
	d.fields = map[string]bool{}
	d.values = map[string][2]string{}
	for _, in := range d.R.Indicators {
		if in.Negated {
			continue
		}
		d.fields[strings.ToLower(in.Field)] = true
		for _, v := range in.Values {
			k := strings.ToLower(in.Field) + "\x00" + in.Kind + "\x00" + strings.ToLower(v)
			if _, seen := d.values[k]; !seen {
				d.values[k] = [2]string{in.Field, v}
			}
		}
	}
}

type tacticRow struct {
	Tactic     string // name
	Techniques []rule.Technique
}

type link struct{ Text, URL string }

type indicatorRow struct {
	rule.Indicator
	FieldHref string
	Label     string
	Values    []indicatorValue
	More      int // values left out (maxShownValues)
}

type indicatorValue struct {
	Value      string
	Href       string
	Others     int // other rules of the catalog matching the same combination
	ByPlatform []KV
	Known      bool // corpus counts are known
}

// ruleShown reads the rule a page shows (Catalog.RuleShown) with the
// tokens of its query when the catalog keeps them (StoreCatalog).
func (s *Server) ruleShown(ctx context.Context, id string) (*rule.Rule, LinkTotals, store.BodyTokens, error) {
	if c, ok := s.cat.(interface {
		RuleShownTokens(context.Context, string) (*rule.Rule, LinkTotals, store.BodyTokens, error)
	}); ok {
		return c.RuleShownTokens(ctx, id)
	}
	r, tot, err := s.cat.RuleShown(ctx, id)
	return r, tot, "", err
}

func (s *Server) rulePage(ctx context.Context, pg Page, id string) (string, any, error) {
	r, tot, toks, err := s.ruleShown(ctx, id)
	if err != nil {
		return "", nil, err
	}
	pg.Title = r.Title
	if pg.Title == "" {
		pg.Title = r.ID
	}
	d := &ruleData{Page: pg, R: r, BodyLang: r.Language, BodyTokens: toks, LinkTotals: tot,
		SourceURL: ruleSourceLink(s.cat, r.Source.Repo, r.Source.Path, r.Source.Line, r.Source.URL)}
	if d.Findings, d.FindingsTotal, err = s.ruleFindingsShown(ctx, r.ID); err != nil && err != ErrNotFound {
		return "", nil, err
	}
	d.Crumbs = []Crumb{{"Detection rules", d.Href("/rules/")}, {r.Platform, d.FacetHref("platform", r.Platform)}}
	// ATT&CK: one row per tactic, in matrix order; the techniques under each.
	byTactic := map[string][]rule.Technique{}
	var order []string
	for _, t := range r.Techniques {
		ta := "other"
		if tt := store.TechniqueTactics(r, t); len(tt) > 0 {
			ta = tt[0]
		}
		if t.Tactic != "" {
			if tc, ok := LookupTactic(t.Tactic); ok {
				ta = tc.Short
			}
		}
		if _, ok := byTactic[ta]; !ok {
			order = append(order, ta)
		}
		byTactic[ta] = append(byTactic[ta], t)
	}
	for _, ta := range r.Tactics {
		if tc, ok := LookupTactic(ta); ok {
			if _, seen := byTactic[tc.Short]; !seen {
				byTactic[tc.Short] = nil
				order = append(order, tc.Short)
			}
		}
	}
	rank := tacticRank()
	sort.SliceStable(order, func(i, j int) bool {
		ri, rj := rank[order[i]], rank[order[j]]
		if ri == 0 {
			ri = 1000
		}
		if rj == 0 {
			rj = 1000
		}
		return ri < rj
	})
	for _, ta := range order {
		name := "Other"
		if tc, ok := LookupTactic(ta); ok {
			name = tc.Name
		}
		d.Tactics = append(d.Tactics, tacticRow{Tactic: name, Techniques: byTactic[ta]})
	}
	for _, ref := range r.References {
		d.References = append(d.References, link{Text: ref, URL: safeURL(ref)})
	}
	d.PlatformHref, d.KindHref, d.RepoHref = d.FacetHref("platform", r.Platform), d.FacetHref("kind", r.Kind), d.Page.RepoHref(r.Source.Repo)
	d.GroupBy = d.links(r.GroupBy, d.FieldLink)
	d.Authors = d.links(r.Authors, func(a string) string { return d.FacetHref("author", a) })
	d.Tags = d.links(r.Tags, d.SearchHref)
	d.Tables = d.links(r.Tables, d.TableHref)
	d.Keywords = d.links(r.Keywords, d.SearchHref)
	d.Operators = d.links(r.Operators, d.SearchHref)
	d.Functions = d.links(r.Functions, d.SearchHref)
	for _, e := range r.Events {
		ev := eventView{Provider: e.Provider, Event: e.Event, Title: e.Title, Channel: e.Channel}
		if e.Provider != "" { // events are listed by provider: one without has no page
			ev.Href = d.EventHref(e.Provider, e.Event)
		}
		d.Events = append(d.Events, ev)
	}
	d.Stages = d.stageViews(r.Stages, "stage")
	if d.StagesMore = len(r.Stages) - len(d.Stages); d.StagesMore > 0 {
		d.Capped = true
	}
	d.SameAction = d.refViews(r.SameAction)
	d.NearDuplicates = d.refViews(r.NearDuplicates)
	for _, in := range r.Indicators {
		row := indicatorRow{Indicator: in, Label: kindLabel(in.Kind, in.CaseSensitive, in.Negated, in.All), FieldHref: d.FieldLink(in.Field)}
		counts := map[string]rule.CorpusCount{}
		for _, c := range in.Corpus {
			counts[c.Value] = c
		}
		vals := in.Values
		if len(vals) > maxShownValues {
			row.More, vals, d.Capped = len(vals)-maxShownValues, vals[:maxShownValues], true
		}
		for _, v := range vals {
			iv := indicatorValue{Value: v}
			if !in.Negated {
				iv.Href = d.IndicatorHref(in.Field, in.Kind, v)
			}
			if c, ok := counts[v]; ok {
				iv.Known, iv.Others, iv.ByPlatform = true, c.Total, sortedCounts(c.ByPlatform)
			}
			row.Values = append(row.Values, iv)
		}
		d.Indicators = append(d.Indicators, row)
	}
	return "rule", d, nil
}

// ruleFindingsShown is the catalog's RuleFindingsShown of the rule with
// this id (its own spelling), from memory when the catalog keeps them
// (StoreCatalog, a catalog whose rules all fit its cache).
func (s *Server) ruleFindingsShown(ctx context.Context, id string) ([]lint.Finding, int, error) {
	if k, ok := s.cat.(interface {
		ruleFindingsKept(string) ([]lint.Finding, int, bool)
	}); ok {
		if fs, n, ok := k.ruleFindingsKept(id); ok {
			return fs, n, nil
		}
	}
	return s.cat.RuleFindingsShown(ctx, id)
}

func (s *Server) rulePageHandler(ctx context.Context, pg Page, r *http.Request) (string, any, error) {
	p := r.PathValue("id")
	if !strings.HasSuffix(p, "/") {
		return "", nil, notFound("rule pages end with /")
	}
	id, err := s.ruleIDOf(ctx, strings.TrimSuffix(p, "/"))
	if err != nil {
		return "", nil, err
	}
	return s.rulePage(ctx, pg, id)
}

// attackData is the data of the ATT&CK matrix.
type attackData struct {
	Page
	Coverage *Coverage
	Max      int
}

func (s *Server) attack(ctx context.Context, pg Page, coveredOnly bool) (string, any, error) {
	cov, err := s.cat.Coverage(ctx)
	if err != nil {
		return "", nil, err
	}
	if coveredOnly {
		c := *cov
		c.Tactics = make([]TacticCoverage, len(cov.Tactics))
		for i, t := range cov.Tactics {
			t.Techniques = nil
			for _, te := range cov.Tactics[i].Techniques {
				if te.Rules > 0 {
					t.Techniques = append(t.Techniques, te)
				}
			}
			c.Tactics[i] = t
		}
		cov = &c
	}
	pg.Title = "ATT&CK coverage"
	d := &attackData{Page: pg, Coverage: cov}
	for _, t := range cov.Tactics {
		for _, c := range t.Techniques {
			d.Max = max(d.Max, c.Rules)
		}
	}
	d.Crumbs = []Crumb{{"ATT&CK", ""}}
	return "attack", d, nil
}

func (s *Server) attackPage(ctx context.Context, pg Page, r *http.Request) (string, any, error) {
	return s.attack(ctx, pg, r.URL.Query().Get("covered") == "1")
}

// findTechnique returns the technique's coverage and the tactics it is under.
func findTechnique(cov *Coverage, id string) (TechniqueCoverage, []string, bool) {
	var found TechniqueCoverage
	var tacticNames []string
	ok := false
	parent := attack.Parent(id)
	for _, ta := range cov.Tactics {
		for _, t := range ta.Techniques {
			if t.ID == id {
				found, ok = t, true
				tacticNames = append(tacticNames, ta.Name)
			} else if t.ID == parent {
				for _, sub := range t.Subtechniques {
					if sub.ID == id {
						found, ok = sub, true
						if sub.Name != "" && t.Name != "" {
							found.Name = t.Name + ": " + sub.Name
						}
						tacticNames = append(tacticNames, ta.Name)
					}
				}
			}
		}
	}
	return found, tacticNames, ok
}

func (s *Server) technique(ctx context.Context, pg Page, id string, page int) (string, any, error) {
	id = strings.ToUpper(id)
	cov, err := s.cat.Coverage(ctx)
	if err != nil {
		return "", nil, err
	}
	tc, tacticNames, _ := findTechnique(cov, id)
	heading := id
	if tc.Name != "" {
		heading += " " + tc.Name
	}
	q := Query{Facets: []Facet{{"technique", id}}, Page: page, PerPage: MaxPerPage, Browse: true}
	d, err := s.listing(ctx, pg, q, heading, TechniquePath(id))
	if err != nil {
		return "", nil, err
	}
	if d.Result.Total == 0 {
		te, known := attack.Default().Technique(id)
		if !known {
			return "", nil, notFound("no rule states technique " + id)
		}
		d.Heading = te.ID + " " + te.Name
		d.Title = d.Heading
	}
	fixedListing(d, q.Facets)
	d.Crumbs = []Crumb{{"ATT&CK", d.Href("/attack/")}, {id, ""}}
	if len(tacticNames) > 0 {
		d.Intro = "Tactic: " + strings.Join(tacticNames, ", ") + "."
	}
	d.Subs = tc.Subtechniques
	byPlatform := map[string][]Hit{}
	var platforms []string
	for _, h := range d.Result.Hits {
		if _, ok := byPlatform[h.Platform]; !ok {
			platforms = append(platforms, h.Platform)
		}
		byPlatform[h.Platform] = append(byPlatform[h.Platform], h)
	}
	sort.Strings(platforms)
	for _, p := range platforms {
		d.Groups = append(d.Groups, hitGroup{Label: p, Hits: byPlatform[p]})
	}
	return "listing", d, nil
}

func (s *Server) techniquePageHandler(ctx context.Context, pg Page, r *http.Request) (string, any, error) {
	id, hashed, ok := Unseg(r.PathValue("tid"))
	if !ok || hashed {
		return "", nil, notFound("bad technique id")
	}
	n, err := pageNumber(r.URL.Query(), "page")
	if err != nil {
		return "", nil, err
	}
	return s.technique(ctx, pg, id, n)
}

// facetIndexData lists the values of one facet with their counts.
type facetIndexData struct {
	Page
	Heading string
	Intro   string
	Key     string
	Values  []FacetValue
}

var indexHeadings = map[string][2]string{
	"table":    {"Tables and log sources", "Every table (KQL) and log source (Sigma product/service/category) the rules read, with the number of rules."},
	"repo":     {"Repositories", "The repositories the catalog was built from."},
	"provider": {"Event providers", "The log sources whose events (actions) the rules look at."},
}

func (s *Server) facetIndex(ctx context.Context, pg Page, key string) (string, any, error) {
	values, err := s.facetValues(ctx, key)
	if err != nil {
		return "", nil, err
	}
	h, ok := indexHeadings[key]
	if !ok {
		h = [2]string{facetLabels[key], ""}
	}
	pg.Title = h[0]
	d := &facetIndexData{Page: pg, Heading: h[0], Intro: h[1], Key: key}
	for _, v := range values {
		label := v.Value
		if key == "tactic" {
			if t, ok := LookupTactic(v.Value); ok {
				label = t.Name
			}
		}
		d.Values = append(d.Values, FacetValue{Value: v.Value, Label: label, Count: v.Count, Href: d.FacetHref(key, v.Value)})
	}
	d.Crumbs = []Crumb{{h[0], ""}}
	return "facets", d, nil
}

func (s *Server) facetIndexHandler(key string) pageFunc {
	return func(ctx context.Context, pg Page, _ *http.Request) (string, any, error) {
		return s.facetIndex(ctx, pg, key)
	}
}

// facetListing lists the rules with the given facets.
func (s *Server) facetListing(ctx context.Context, pg Page, facets []Facet, page int, heading, listPath string, crumbs []Crumb) (*listingData, error) {
	q := Query{Facets: facets, Page: page, PerPage: 200}
	d, err := s.listing(ctx, pg, q, heading, listPath)
	if err != nil {
		return nil, err
	}
	if d.Result.Total == 0 {
		return nil, notFound("no rules")
	}
	fixedListing(d, facets)
	d.Crumbs = crumbs
	return d, nil
}

func (s *Server) facetListingHandler(key, param string) pageFunc {
	return func(ctx context.Context, pg Page, r *http.Request) (string, any, error) {
		v, hashed, ok := Unseg(r.PathValue(param))
		if !ok || hashed {
			return "", nil, notFound("bad name")
		}
		n, err := pageNumber(r.URL.Query(), "page")
		if err != nil {
			return "", nil, err
		}
		return s.namedListing(ctx, pg, key, v, n)
	}
}

// namedListing is the page of one table, repository or other facet value.
func (s *Server) namedListing(ctx context.Context, pg Page, key, value string, page int) (string, any, error) {
	value = s.spelling(ctx, key, value)
	var heading, listPath string
	var crumbs []Crumb
	switch key {
	case "table":
		heading, listPath = "Table "+value, TablePath(value)
		crumbs = []Crumb{{"Tables", pg.Href("/tables/")}, {value, ""}}
	case "repo":
		heading, listPath = "Repository "+value, RepoPath(value)
		crumbs = []Crumb{{"Repositories", pg.Href("/repos/")}, {value, ""}}
	default:
		label := value
		if key == "tactic" {
			if t, ok := LookupTactic(value); ok {
				label = t.Name
			}
		}
		heading, listPath = facetLabels[key]+": "+label, FacetPath(key, value)
		crumbs = []Crumb{{facetLabels[key], pg.Href("/by/" + Seg(key) + "/")}, {label, ""}}
	}
	d, err := s.facetListing(ctx, pg, []Facet{{key, value}}, page, heading, listPath, crumbs)
	if err != nil {
		return "", nil, err
	}
	switch key {
	case "table":
		d.Intro = "Rules that read " + value + "."
		fs, err := s.cat.TableFields(ctx, value)
		if err != nil && err != ErrNotFound {
			return "", nil, err
		}
		if len(fs) > maxTableFields {
			d.FieldsMore = len(fs) - maxTableFields
			fs = fs[:maxTableFields]
		}
		for _, f := range fs {
			href := d.SearchHref(f.Field)
			if f.Values {
				href = d.FieldHref(f.Field)
			}
			d.Fields = append(d.Fields, FacetValue{Value: f.Field, Label: f.Field, Count: f.Rules, Href: href})
		}
	case "repo":
		info, err := s.cat.Repo(ctx, value)
		if err != nil {
			return "", nil, err
		}
		v := &repoView{RepoInfo: info, SourceURL: safeURL(info.URL), Platforms: sortedCounts(info.ByPlatform),
			Kinds: sortedCounts(info.ByKind), Severities: sortedCounts(info.Diagnostics)}
		if d.Result.Page <= 1 {
			for _, p := range info.Problems {
				v.Problems = append(v.Problems, problemView{RuleProblems: p, Href: d.RuleHref(p.ID)})
			}
		}
		v.More = info.WithDiagnostics - len(info.Problems)
		d.Repo = v
	}
	return "listing", d, nil
}

func (s *Server) byIndexHandler(ctx context.Context, pg Page, r *http.Request) (string, any, error) {
	key, _, ok := Unseg(r.PathValue("key"))
	if !ok || !validFacetKey(key) {
		return "", nil, notFound("no such facet")
	}
	return s.facetIndex(ctx, pg, key)
}

func (s *Server) byPageHandler(ctx context.Context, pg Page, r *http.Request) (string, any, error) {
	key, _, ok := Unseg(r.PathValue("key"))
	if !ok || !validFacetKey(key) {
		return "", nil, notFound("no such facet")
	}
	v, hashed, ok := Unseg(r.PathValue("value"))
	if !ok || hashed {
		return "", nil, notFound("bad value")
	}
	n, err := pageNumber(r.URL.Query(), "page")
	if err != nil {
		return "", nil, err
	}
	return s.namedListing(ctx, pg, key, v, n)
}

// events lists the providers and their events.
type eventsData struct {
	Page
	Providers []providerEvents
}

type providerEvents struct {
	Provider string
	Count    int
	Events   []FacetValue
}

// eventFacets returns the values of the event facet (catalog.EventName,
// "provider: event") of the rules q finds, every one.
func (s *Server) eventFacets(ctx context.Context, q Query) ([]FacetCount, error) {
	q.PerPage = 1 // a listing counts every value of each facet
	res, err := s.cat.Search(ctx, q)
	if err != nil {
		return nil, err
	}
	return res.Facets["event"], nil
}

func (s *Server) events(ctx context.Context, pg Page) (string, any, error) {
	res, err := s.cat.Search(ctx, Query{PerPage: 1})
	if err != nil {
		return "", nil, err
	}
	pg.Title = "Events"
	d := &eventsData{Page: pg}
	at := map[string]int{}
	for _, p := range res.Facets["provider"] {
		at[strings.ToLower(p.Value)] = len(d.Providers)
		d.Providers = append(d.Providers, providerEvents{Provider: p.Value, Count: p.Count})
	}
	// Each event under its own provider: the event facet holds provider
	// and event together, so no provider is shown with another's events.
	for _, e := range res.Facets["event"] {
		p, ev, ok := catalog.SplitEventName(e.Value)
		if !ok {
			continue
		}
		i, ok := at[strings.ToLower(p)]
		if !ok {
			continue
		}
		label := ev
		if t := eventTitle(e.Value); t != "" {
			label += " — " + t
		}
		d.Providers[i].Events = append(d.Providers[i].Events, FacetValue{Value: ev, Label: label, Count: e.Count, Href: d.EventHref(p, ev)})
	}
	d.Crumbs = []Crumb{{"Events", ""}}
	return "events", d, nil
}

// eventTitle returns the title of an event (catalog.EventName), "" when
// none is known; a class of the same events has none.
func eventTitle(name string) string {
	if p, _, _ := catalog.SplitEventName(name); p == catalog.EventsAcross {
		return ""
	}
	return catalog.EventNameTitle(name)
}

func (s *Server) eventsIndexHandler(ctx context.Context, pg Page, _ *http.Request) (string, any, error) {
	return s.events(ctx, pg)
}

// eventPage lists the rules that look at one event: those "same action"
// links under its name. For an event that is the same as others through
// other platforms' telemetry (catalog.SameEvents) it links them and the
// page of them all; the page of them all lists the rules of each.
func (s *Server) eventPage(ctx context.Context, pg Page, provider, event string, page int) (string, any, error) {
	name := s.spelling(ctx, "event", catalog.EventName(provider, event))
	if p, e, ok := catalog.SplitEventName(name); ok {
		provider, event = p, e
	}
	crumbs := []Crumb{{"Events", pg.Href("/events/")}, {provider, ""}, {event, ""}}
	d, err := s.facetListing(ctx, pg, []Facet{{"event", name}}, page, event, EventPath(provider, event), crumbs)
	if err != nil {
		return "", nil, err
	}
	d.Heading = name
	if t := eventTitle(name); t != "" {
		d.Heading += " — " + t
	}
	d.Intro = "Rules that look at the " + provider + " event " + event + "."
	if catalog.BroadEvent(name) {
		d.Intro += " Every rule of its kind looks at it: it links no rules as detecting the same action."
	} else {
		d.Intro += " Each lists the others under the same action."
	}
	if class, members, ok := catalog.SameEvents(name); ok {
		counts := map[string]int{}
		if fs, err := s.eventFacets(ctx, Query{}); err == nil {
			for _, f := range fs {
				counts[strings.ToLower(f.Value)] = f.Count
			}
		}
		className := catalog.EventName(class.Provider, class.Event)
		if !strings.EqualFold(className, name) {
			d.SameEvents = append(d.SameEvents, FacetValue{Value: className, Label: className + " (every one below)", Count: counts[strings.ToLower(className)], Href: d.EventHref(class.Provider, class.Event)})
			d.Intro += " The same event through other platforms' telemetry:"
		} else {
			d.Intro = "Rules that look at " + strings.ToLower(event[:1]) + event[1:] + " through any of these platforms' telemetry."
		}
		for _, m := range members {
			if strings.EqualFold(m, name) {
				continue
			}
			p, e, _ := catalog.SplitEventName(m)
			v := FacetValue{Value: m, Label: m, Count: counts[strings.ToLower(m)]}
			if t := eventTitle(m); t != "" {
				v.Label += " — " + t
			}
			if v.Count > 0 {
				v.Href = d.EventHref(p, e)
			}
			d.SameEvents = append(d.SameEvents, v)
		}
	}
	return "listing", d, nil
}

func (s *Server) eventPageHandler(ctx context.Context, pg Page, r *http.Request) (string, any, error) {
	p, h1, ok1 := Unseg(r.PathValue("provider"))
	e, h2, ok2 := Unseg(r.PathValue("event"))
	if !ok1 || !ok2 || h1 || h2 {
		return "", nil, notFound("bad event")
	}
	n, err := pageNumber(r.URL.Query(), "page")
	if err != nil {
		return "", nil, err
	}
	return s.eventPage(ctx, pg, p, e, n)
}

// indicatorsData lists indicator values.
type indicatorsData struct {
	Page
	Heading   string
	Field     string
	Q         string
	List      *IndicatorList
	Pager     Pager
	FieldList template.HTML // the items of List.Fields, on the index
	Canonical bool          // the catalog lists canonical indicators (/canonical/)
}

func (s *Server) indicators(ctx context.Context, pg Page, field, text string, page int) (string, any, error) {
	list, err := s.cat.Indicators(ctx, IndicatorQuery{Field: field, Text: text, Page: page, PerPage: 200})
	if err != nil {
		return "", nil, err
	}
	heading := "Indicators"
	listPath := "/indicators/"
	if field != "" && len(list.Indicators) > 0 {
		field = list.Indicators[0].Field // as the rules write it
	}
	if field != "" {
		heading = "Field " + field
		listPath = FieldPath(field)
		if list.Total == 0 {
			return "", nil, notFound("no rule matches field " + field)
		}
	}
	pg.Title = heading
	d := &indicatorsData{Page: pg, Heading: heading, Field: field, Q: text, List: list}
	_, d.Canonical = s.cat.(canonicalLister)
	// The fields (1,600 for the corpus, 200 KB) are listed on the index's
	// first page only, not copied onto each of its pages.
	if field == "" && list.Page <= 1 {
		d.FieldList = s.fieldList(&d.Page, text, list.Fields)
	}
	d.Pager = makePager(&d.Page, listPath, &Result{Total: list.Total, Page: list.Page, PerPage: list.PerPage, Hits: make([]Hit, len(list.Indicators))})
	d.Crumbs = []Crumb{{"Indicators", d.Href("/indicators/")}}
	if field != "" {
		d.Crumbs = append(d.Crumbs, Crumb{field, ""})
	}
	return "indicators", d, nil
}

// fieldList renders the fields of the indicator index, the same on every
// page of it (hundreds of fields): once per depth of page when the index
// is not filtered by text.
func (s *Server) fieldList(p *Page, text string, fs []FacetCount) template.HTML {
	if text != "" {
		return fieldCountsHTML(p, fs)
	}
	k := [2]string{strconv.FormatBool(p.Static), p.Base}
	if v, ok := s.fieldLists.Load(k); ok {
		return v.(template.HTML)
	}
	h := fieldCountsHTML(p, fs)
	s.fieldLists.Store(k, h)
	return h
}

func (s *Server) indicatorsIndexHandler(ctx context.Context, pg Page, r *http.Request) (string, any, error) {
	n, err := pageNumber(r.URL.Query(), "page")
	if err != nil {
		return "", nil, err
	}
	return s.indicators(ctx, pg, r.URL.Query().Get("field"), r.URL.Query().Get("q"), n)
}

func (s *Server) fieldPageHandler(ctx context.Context, pg Page, r *http.Request) (string, any, error) {
	f, hashed, ok := Unseg(r.PathValue("field"))
	if !ok || hashed || f == "" {
		return "", nil, notFound("bad field")
	}
	n, err := pageNumber(r.URL.Query(), "page")
	if err != nil {
		return "", nil, err
	}
	return s.indicators(ctx, pg, f, "", n)
}

// indicatorData is the page of one indicator value.
type indicatorData struct {
	Page
	Res        *IndicatorResult
	Label      string
	ByPlatform []KV
	Other      []KV // the same field and value under other kinds
}

func (s *Server) indicator(ctx context.Context, pg Page, field, kind, value string) (string, any, error) {
	res, err := s.cat.Indicator(ctx, field, kind, value)
	if err != nil {
		return "", nil, err
	}
	pg.Title = field + " " + kind + " " + value
	d := &indicatorData{Page: pg, Res: res, Label: kind}
	counts := map[string]int{}
	for _, u := range res.Rules {
		counts[u.Platform]++
	}
	d.ByPlatform = sortedCounts(counts)
	if all, err := s.cat.Indicator(ctx, field, "", value); err == nil {
		kinds := map[string]int{}
		for _, u := range all.Rules {
			if u.Kind != kind {
				kinds[u.Kind]++
			}
		}
		d.Other = sortedCounts(kinds)
	}
	d.Crumbs = []Crumb{{"Indicators", d.Href("/indicators/")}, {field, d.FieldHref(field)}, {kind, ""}}
	return "indicator", d, nil
}

func (s *Server) indicatorPageHandler(ctx context.Context, pg Page, r *http.Request) (string, any, error) {
	field, h1, ok1 := Unseg(r.PathValue("field"))
	kind, h2, ok2 := Unseg(r.PathValue("kind"))
	valueSeg := r.PathValue("value")
	value, hashed, ok3 := Unseg(valueSeg)
	if !ok1 || !ok2 || !ok3 || h1 || h2 {
		return "", nil, notFound("bad indicator")
	}
	if hashed {
		// A long value: find it among the field's values by its segment.
		v, err := s.findLongValue(ctx, field, kind, valueSeg)
		if err != nil {
			return "", nil, err
		}
		value = v
	}
	return s.indicator(ctx, pg, field, kind, value)
}

func (s *Server) findLongValue(ctx context.Context, field, kind, seg string) (string, error) {
	for page := 1; page <= 1000; page++ {
		list, err := s.cat.Indicators(ctx, IndicatorQuery{Field: field, Kind: kind, Page: page, PerPage: MaxPerPage})
		if err != nil {
			return "", err
		}
		for _, in := range list.Indicators {
			if strings.EqualFold(Seg(in.Value), seg) {
				return in.Value, nil
			}
		}
		if page*MaxPerPage >= list.Total {
			break
		}
	}
	return "", ErrNotFound
}

// spelling returns the catalog's spelling of a facet value named in any
// case (paths are lower-cased, see TablePath): the value of the facet's
// counts that equals it ignoring case, else value as given.
func (s *Server) spelling(ctx context.Context, key, value string) string {
	res, err := s.cat.Search(ctx, Query{Facets: []Facet{{key, value}}, PerPage: 1})
	if err != nil {
		return value
	}
	for _, fc := range res.Facets[key] {
		if strings.EqualFold(fc.Value, value) {
			return fc.Value
		}
	}
	return value
}
