package web

import (
	"context"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/store"
)

// A rule's lists of links to other rules (the same action, its
// near-duplicates, the same behaviour) grow with the catalog: with N forks
// of a corpus every rule has N-1 near-duplicates more and lists of the
// same action N times longer. A rule page shows the first maxShownLinks of
// each, says how many there are and links the pages of the whole list
// (LinksPath; /api/v1/links/... as JSON); the rule's JSON has them all.

// maxShownLinks is the number of rules a rule page shows of each list.
const maxShownLinks = 30

// LinkTotals are the whole lengths of a rule's lists of links.
type LinkTotals = store.LinkTotals

// Links are a window of each of a rule's lists of links and their whole
// lengths.
type Links = store.Links

// shownRule returns r with each list of links cut to its first
// maxShownLinks: r itself when none is longer, else a copy of its head
// that shares everything else.
func shownRule(r *rule.Rule) *rule.Rule {
	if len(r.SameAction) <= maxShownLinks && len(r.NearDuplicates) <= maxShownLinks && len(r.SameBehaviour) <= maxShownLinks {
		return r
	}
	c := *r
	c.SameAction = c.SameAction[:min(len(c.SameAction), maxShownLinks):min(len(c.SameAction), maxShownLinks)]
	c.NearDuplicates = c.NearDuplicates[:min(len(c.NearDuplicates), maxShownLinks):min(len(c.NearDuplicates), maxShownLinks)]
	c.SameBehaviour = c.SameBehaviour[:min(len(c.SameBehaviour), maxShownLinks):min(len(c.SameBehaviour), maxShownLinks)]
	return &c
}

// The lists of links, as their pages' paths name them.
const (
	listSameAction     = "same-action"
	listNearDuplicates = "near-duplicates"
	listSameBehaviour  = "same-behaviour"
)

// linkLists are the lists with their headings, in the rule page's order.
var linkLists = []struct{ name, title string }{
	{listSameAction, "Rules detecting the same action"},
	{listSameBehaviour, "Rules detecting the same behaviour"},
	{listNearDuplicates, "Near-duplicates"},
}

func linkListTitle(list string) (string, bool) {
	for _, l := range linkLists {
		if l.name == list {
			return l.title, true
		}
	}
	return "", false
}

// LinksPath is the page of one of a rule's lists of links (list:
// same-action, near-duplicates, same-behaviour), paged.
func LinksPath(list, id string) string { return "/links/" + list + "/" + IDPath(id) + "/" }

// linksPerPage is the number of rules a page of a list shows.
const linksPerPage = 200

// writeMoreLinks says, under a list cut to its first shown rules, how many
// there are, and links the whole list: its pages, or in the static export
// (which has no such pages) the rule's JSON.
func writeMoreLinks(w *htmlw, d *ruleData, list string, total, shown int) {
	if total <= shown {
		return
	}
	w.raw(`<p class="note more">The first ` + fmtInt(shown) + " of " + fmtInt(total) + " rules. <a")
	if d.Static {
		w.href(d.Href("/api/v1/rules/" + IDPath(d.R.ID) + ".json"))
		w.raw(">The rule's JSON</a> has all of them.</p>\n")
		return
	}
	w.href(d.Href(LinksPath(list, d.R.ID)))
	w.raw(">All " + fmtInt(total) + "</a>.</p>\n")
}

// linksData is the data of a page of one of a rule's lists of links.
type linksData struct {
	Page
	R      *rule.Rule // its lists of links not read
	List   string
	Title  string
	Refs   []refView
	Actors []rule.BehaviourRef // same-behaviour
	Pager  Pager
}

func (d *linksData) Self() *Page { return &d.Page }

// linksPage is the page n (from 1) of the list of a rule's links.
func (s *Server) linksPage(ctx context.Context, pg Page, list, id string, n int) (string, any, error) {
	title, ok := linkListTitle(list)
	if !ok {
		return "", nil, notFound("no list " + list + " (lists: same-action, near-duplicates, same-behaviour)")
	}
	r, _, err := s.cat.RuleShown(ctx, id)
	if err != nil {
		return "", nil, err
	}
	n = max(n, 1)
	ls, err := s.cat.RuleLinks(ctx, r.ID, (n-1)*linksPerPage, linksPerPage)
	if err != nil {
		return "", nil, err
	}
	d := &linksData{Page: pg, R: r, List: list, Title: title}
	d.Page.Title = title + ": " + orID(r.Title, r.ID)
	var total, shown int
	switch list {
	case listSameAction:
		total, shown = ls.Totals.SameAction, len(ls.SameAction)
		d.Refs = refViewsOf(&d.Page, ls.SameAction)
	case listNearDuplicates:
		total, shown = ls.Totals.NearDuplicates, len(ls.NearDuplicates)
		d.Refs = refViewsOf(&d.Page, ls.NearDuplicates)
	case listSameBehaviour:
		total, shown = ls.Totals.SameBehaviour, len(ls.SameBehaviour)
		d.Actors = ls.SameBehaviour
	}
	if n > 1 && shown == 0 {
		return "", nil, notFound("no page " + strconv.Itoa(n))
	}
	d.Pager = makePager(&d.Page, LinksPath(list, r.ID), &Result{Total: total, Page: n, PerPage: linksPerPage, Hits: make([]Hit, shown)})
	d.Crumbs = []Crumb{{"Detection rules", d.Href("/rules/")}, {r.Platform, d.FacetHref("platform", r.Platform)},
		{orID(r.Title, r.ID), d.RuleHref(r.ID)}, {title, ""}}
	return "links", d, nil
}

func refViewsOf(p *Page, rs []rule.RuleRef) []refView {
	out := make([]refView, len(rs))
	for i, r := range rs {
		out[i] = refView{RuleRef: r, Href: p.RuleHref(r.ID)}
	}
	return out
}

func (s *Server) linksPageHandler(ctx context.Context, pg Page, r *http.Request) (string, any, error) {
	p, ok := strings.CutSuffix(r.PathValue("id"), "/")
	if !ok {
		return "", nil, notFound("list pages end with /")
	}
	id, err := s.ruleIDOf(ctx, p)
	if err != nil {
		return "", nil, err
	}
	n, err := pageNumber(r.URL.Query(), "page")
	if err != nil {
		return "", nil, err
	}
	return s.linksPage(ctx, pg, r.PathValue("list"), id, n)
}

// linksMainHTML writes the main part of a list's page.
func linksMainHTML(d *linksData) template.HTML {
	var w htmlw
	w.grow(256 * (len(d.Refs) + len(d.Actors) + 4))
	w.raw("<h1>")
	w.text(d.Title)
	w.raw("</h1>\n<p class=\"intro\">")
	w.text(fmtInt(d.Pager.Total))
	w.raw(" rules, of ")
	w.link(d.RuleHref(d.R.ID), orID(d.R.Title, d.R.ID), false)
	w.raw(" <span class=\"sub\">")
	w.text(d.R.ID)
	w.raw("</span>.</p>\n")
	if d.List == listSameBehaviour {
		w.raw("<div class=\"tw\"><table>\n<thead><tr><th>platform</th><th>rule</th><th>alike</th><th>shared indicators</th></tr></thead>\n<tbody>")
		writeBehaviourRows(&w, &d.Page, d.Actors)
		w.raw("</tbody></table></div>")
	} else {
		writeRefs(&w, d.Refs, d.List == listSameAction)
	}
	w.raw("\n")
	return w.html()
}

// ruleLinksJSON is the answer of /api/v1/links/{list}/{id}: a page of one
// of a rule's lists of links.
type ruleLinksJSON struct {
	Rule    string `json:"rule"`
	List    string `json:"list"` // same-action, near-duplicates or same-behaviour
	Total   int    `json:"total"`
	Page    int    `json:"page"`
	PerPage int    `json:"per_page"`
	// Rules are the page's rules of the same action (with the actions
	// they share) or near-duplicates; Behaviour those of the same
	// behaviour (with what they share). The other is empty.
	Rules     []rule.RuleRef      `json:"rules"`
	Behaviour []rule.BehaviourRef `json:"behaviour"`
}

func (s *Server) apiRuleLinks(ctx context.Context, r *http.Request) (any, error) {
	list := r.PathValue("list")
	if _, ok := linkListTitle(list); !ok {
		return nil, notFound("no list " + list + " (lists: same-action, near-duplicates, same-behaviour)")
	}
	n, pp, err := paging(r.URL.Query(), linksPerPage)
	if err != nil {
		return nil, err
	}
	ru, _, err := s.cat.RuleShown(ctx, apiRuleID(r))
	if err == ErrNotFound {
		if dec, derr := s.ruleIDOf(ctx, apiRuleID(r)); derr == nil {
			ru, _, err = s.cat.RuleShown(ctx, dec)
		}
	}
	if err == ErrNotFound {
		return nil, s.suggestRule(ctx, apiRuleID(r), notFound("no rule "+apiRuleID(r)))
	}
	if err != nil {
		return nil, err
	}
	ls, err := s.cat.RuleLinks(ctx, ru.ID, (n-1)*pp, pp)
	if err != nil {
		return nil, err
	}
	out := ruleLinksJSON{Rule: ru.ID, List: list, Page: n, PerPage: pp, Rules: []rule.RuleRef{}, Behaviour: []rule.BehaviourRef{}}
	switch list {
	case listSameAction:
		out.Total, out.Rules = ls.Totals.SameAction, append(out.Rules, ls.SameAction...)
	case listNearDuplicates:
		out.Total, out.Rules = ls.Totals.NearDuplicates, append(out.Rules, ls.NearDuplicates...)
	case listSameBehaviour:
		out.Total, out.Behaviour = ls.Totals.SameBehaviour, append(out.Behaviour, ls.SameBehaviour...)
	}
	if n > 1 && len(out.Rules)+len(out.Behaviour) == 0 {
		return nil, notFound("no page " + strconv.Itoa(n)) // as the list's HTML page answers
	}
	for i := range out.Rules {
		if out.Rules[i].Actions == nil {
			out.Rules[i].Actions = []string{}
		}
	}
	for i := range out.Behaviour {
		if out.Behaviour[i].Shared == nil {
			out.Behaviour[i].Shared = []string{}
		}
	}
	return out, nil
}
