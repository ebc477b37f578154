package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/ruledex/ruledex/internal/lint"
	"github.com/ruledex/ruledex/internal/store"
)

// The findings of ruledex lint, as the build stored them: /findings/ lists
// every check with how many rules it found something in, /findings/{check}/
// the findings of one check (each with its rule, place and message), and
// /api/v1/findings, /api/v1/findings/{check} and
// /api/v1/rules/{id}/findings are the same as JSON. The facet "finding"
// (search and browse: f=finding:CHECK) is the same data.

// CheckFinding is a finding with the title of its rule.
type CheckFinding = store.RuleFinding

// FindingCheck is a check of ruledex lint with its findings in the catalog.
type FindingCheck struct {
	Check     string   `json:"check"`
	Severity  string   `json:"severity"`
	Message   string   `json:"message"`
	Help      string   `json:"help"`
	HelpURI   string   `json:"help_uri"`
	Languages []string `json:"languages"` // none: any
	Rules     int      `json:"rules"`     // rules it found something in
	Findings  int      `json:"findings"`
}

// CheckFindingList is a page of one check's findings.
type CheckFindingList struct {
	FindingCheck
	Total   int            `json:"total"`
	Page    int            `json:"page"`
	PerPage int            `json:"per_page"`
	Items   []CheckFinding `json:"items"`
}

// findingsPerPage is the number of findings of a check page.
const findingsPerPage = 200

// RuleFindings implements Catalog.
func (c *StoreCatalog) RuleFindings(ctx context.Context, id string) ([]lint.Finding, error) {
	if c.withoutFindings(id) {
		return []lint.Finding{}, nil
	}
	fs, err := c.db.RuleFindings(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	return fs, err
}

// withoutFindings tells whether the rule asked as id is kept and lint
// found nothing in it. The cache may keep it under the spelling it was
// asked by (ids compare case-insensitively); withFindings has its own id.
func (c *StoreCatalog) withoutFindings(id string) bool {
	r, _, _ := c.cache.get(id)
	return r != nil && !c.withFindings[r.ID]
}

// maxShownFindings is the number of findings a rule page shows.
const maxShownFindings = 30

// RuleFindingsShown implements Catalog.
func (c *StoreCatalog) RuleFindingsShown(ctx context.Context, id string) ([]lint.Finding, int, error) {
	if c.withoutFindings(id) {
		return []lint.Finding{}, 0, nil
	}
	fs, n, err := c.db.RuleFindingsShown(ctx, id, maxShownFindings)
	if errors.Is(err, store.ErrNotFound) {
		return nil, 0, ErrNotFound
	}
	return fs, n, err
}

// FindingChecks implements Catalog.
func (c *StoreCatalog) FindingChecks(ctx context.Context) ([]FindingCheck, error) {
	counts, err := c.db.FindingChecks(ctx)
	if err != nil {
		return nil, err
	}
	by := map[string]store.CheckCount{}
	for _, n := range counts {
		by[n.Check] = n
	}
	var out []FindingCheck
	seen := map[string]bool{}
	for _, ch := range lint.Checks() {
		seen[ch.ID] = true
		n := by[ch.ID]
		out = append(out, checkOf(ch.ID, n.Severity, n.Rules, n.Findings))
	}
	for _, n := range counts { // a check this ruledex does not have (a catalog of another one)
		if !seen[n.Check] {
			out = append(out, checkOf(n.Check, n.Severity, n.Rules, n.Findings))
		}
	}
	return out, nil
}

// checkOf describes the check id from the registry, with its counts.
func checkOf(id, sev string, rules, findings int) FindingCheck {
	fc := FindingCheck{Check: id, Severity: sev, Rules: rules, Findings: findings, Languages: []string{}}
	if ch := lint.Get(id); ch != nil {
		fc.Severity, fc.Message, fc.Help, fc.HelpURI = ch.Severity, ch.Message, ch.Help, ch.HelpURI()
		if len(ch.Languages) > 0 {
			fc.Languages = ch.Languages
		}
	}
	return fc
}

// CheckFindings implements Catalog.
func (c *StoreCatalog) CheckFindings(ctx context.Context, check string, page, perPage int) (*CheckFindingList, error) {
	page = max(page, 1)
	items, total, err := c.db.CheckFindings(ctx, check, page, perPage)
	if err != nil {
		return nil, err
	}
	if lint.Get(check) == nil && total == 0 {
		return nil, ErrNotFound
	}
	sev := ""
	if len(items) > 0 {
		sev = items[0].Severity
	}
	rules := map[string]bool{}
	for _, f := range items {
		rules[f.Rule] = true
	}
	l := &CheckFindingList{FindingCheck: checkOf(check, sev, 0, total), Total: total, Page: page, PerPage: perPage, Items: items}
	all, err := c.db.FindingChecks(ctx)
	if err != nil {
		return nil, err
	}
	for _, n := range all {
		if n.Check == check {
			l.Rules = n.Rules
		}
	}
	return l, nil
}

// findingsData is the page of every check.
type findingsData struct {
	Page
	Checks          []FindingCheck
	Findings, Count int // findings; checks with one
}

// CheckHref links the page of a check's findings.
func (d *findingsData) CheckHref(check string) string { return d.Href(FindingPath(check)) }

func (s *Server) findingsIndex(ctx context.Context, pg Page) (string, any, error) {
	checks, err := s.cat.FindingChecks(ctx)
	if err != nil {
		return "", nil, err
	}
	pg.Title = "Lint findings"
	d := &findingsData{Page: pg, Checks: checks}
	for _, c := range checks {
		d.Findings += c.Findings
		if c.Findings > 0 {
			d.Count++
		}
	}
	d.Crumbs = []Crumb{{"Findings", ""}}
	return "findings", d, nil
}

// findingData is the page of one check.
type findingData struct {
	Page
	List   *CheckFindingList
	Pager  Pager
	Facets string // the server's listing of the check's rules, with the other facets to narrow it
	// Shown is the number of findings the export's pages list when the
	// check has more (exportFindings), JSON the file with every one.
	Shown int
	JSON  string
}

func (s *Server) findingPage(ctx context.Context, pg Page, check string, page int) (string, any, error) {
	es, _ := s.cat.(*exportStore)
	per, shown := findingsPerPage, 0
	if es != nil && pg.Static {
		shown, per = es.shownFindings()
	}
	l, err := s.cat.CheckFindings(ctx, check, page, per)
	if err != nil {
		return "", nil, err
	}
	pg.Title = "Finding " + l.Check
	d := &findingData{Page: pg, List: l}
	if !pg.Static && l.Rules > 0 {
		d.Facets = pg.Href("/rules/") + "?facet=" + queryEscape(facetParam("finding", l.Check))
	}
	if shown > 0 && l.Total > shown {
		d.Shown, d.JSON = shown, d.Href(FindingJSONPath(l.Check))
	} else {
		shown = l.Total
	}
	d.Pager = makePager(&d.Page, FindingPath(l.Check), &Result{Total: shown, Page: l.Page, PerPage: l.PerPage, Hits: make([]Hit, len(l.Items))})
	d.Crumbs = []Crumb{{"Findings", d.Href("/findings/")}, {l.Check, ""}}
	return "finding", d, nil
}

// FindingJSONPath is the export's JSON of every finding of a check.
func FindingJSONPath(check string) string {
	return "/api/v1/findings/" + Seg(strings.ToLower(check)) + ".json"
}

// FindingPath is the page of a check's findings.
func FindingPath(check string) string { return "/findings/" + Seg(strings.ToLower(check)) + "/" }

func (s *Server) findingsIndexHandler(ctx context.Context, pg Page, _ *http.Request) (string, any, error) {
	return s.findingsIndex(ctx, pg)
}

func (s *Server) findingPageHandler(ctx context.Context, pg Page, r *http.Request) (string, any, error) {
	check, hashed, ok := Unseg(r.PathValue("check"))
	if !ok || hashed {
		return "", nil, notFound("no such check")
	}
	n, err := pageNumber(r.URL.Query(), "page")
	if err != nil {
		return "", nil, err
	}
	return s.findingPage(ctx, pg, check, n)
}

func (s *Server) apiFindings(ctx context.Context, _ *http.Request) (any, error) {
	checks, err := s.cat.FindingChecks(ctx)
	if err != nil {
		return nil, err
	}
	return map[string]any{"checks": checks}, nil
}

func (s *Server) apiCheckFindings(ctx context.Context, r *http.Request) (any, error) {
	check := strings.TrimSuffix(strings.TrimSuffix(r.PathValue("check"), "/"), ".json")
	n, pp, err := paging(r.URL.Query(), findingsPerPage)
	if err != nil {
		return nil, err
	}
	l, err := s.cat.CheckFindings(ctx, check, n, pp)
	if err == ErrNotFound {
		return nil, notFound("no check " + check + " (GET /api/v1/findings lists them)")
	}
	return l, err
}

// findingRoutes adds the pages of the findings.
func (s *Server) findingRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /findings/{$}", s.page(s.findingsIndexHandler))
	m.HandleFunc("GET /findings/{check}/{$}", s.page(s.findingPageHandler))
	// The API's routes are in its route table (apiroutes.go).
}

// findingJobs are the export's files of the findings: the pages, and their
// JSON at /api/v1/findings.json and /api/v1/findings/{check}.json (every
// finding of the check).
func (s *Server) findingJobs(ctx context.Context) ([]exportJob, error) {
	checks, err := s.cat.FindingChecks(ctx)
	if err != nil {
		return nil, err
	}
	jobs := []exportJob{
		{path: "/findings/", build: func(pg Page) (string, any, error) { return s.findingsIndex(ctx, pg) }},
		{path: "/api/v1/findings.json", data: jsonFile(map[string]any{"checks": checks})},
	}
	es, _ := s.cat.(*exportStore)
	for _, c := range checks {
		if c.Findings == 0 && lint.Get(c.Check) == nil {
			continue
		}
		n, per := c.Findings, findingsPerPage
		if es != nil {
			shown, p := es.shownFindings()
			n, per = min(n, shown), p // findingPage says where the others are
		}
		jobs = listingPages(jobs, FindingPath(c.Check), n, per, func(pg Page, n int) (string, any, error) {
			return s.findingPage(ctx, pg, c.Check, n)
		})
		j := exportJob{path: FindingJSONPath(c.Check)}
		if es != nil {
			j.stream = func(w io.Writer) error { return es.writeCheckJSON(ctx, c.Check, w) }
		} else {
			j.data = func() ([]byte, error) {
				l, err := s.cat.CheckFindings(ctx, c.Check, 1, 0)
				if err != nil {
					return nil, err
				}
				return jsonFile(l)()
			}
		}
		jobs = append(jobs, j)
	}
	return jobs, nil
}
