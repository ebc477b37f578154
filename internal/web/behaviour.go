package web

import (
	"sort"
	"strconv"
	"strings"

	"github.com/ruledex/ruledex/internal/rule"
)

// writeSameBehaviour renders the rule page's "Rules detecting the same
// behaviour" section: the rules of any platform that share the rule's rare
// canonical indicators (catalog.SameBehaviour), each with what they share,
// and the rule's canonical indicators with their corpus counts by platform.
func writeSameBehaviour(w *htmlw, d *ruleData, r *rule.Rule) {
	w.raw("<section id=\"same-behaviour\"><h2>Rules detecting the same behaviour</h2>\n")
	if len(r.SameBehaviour) > 0 {
		w.raw("<p class=\"intro\">Rules of any platform that share what makes this rule specific: its indicators in the common " +
			"vocabulary (ECS names), the rarest in the corpus weighing most.</p>\n")
		w.raw("<div class=\"tw\"><table>\n<thead><tr><th>platform</th><th>rule</th><th>alike</th><th>shared indicators</th></tr></thead>\n<tbody>")
		writeBehaviourRows(w, &d.Page, r.SameBehaviour)
		w.raw("</tbody></table></div>")
		writeMoreLinks(w, d, listSameBehaviour, d.LinkTotals.SameBehaviour, len(r.SameBehaviour))
	} else if len(r.Canonical) > 0 {
		w.raw("<p class=\"none\">No other rule shares an indicator of this rule that is rare enough to say it detects the same behaviour.</p>")
	} else {
		w.raw("<p class=\"none\">None of this rule's indicators is on a field the common vocabulary knows.</p>")
	}
	if len(r.Canonical) > 0 {
		w.raw("\n<h3>Canonical indicators</h3>\n<div class=\"tw\"><table>\n<thead><tr><th>field</th><th>kind</th><th>value</th><th>other rules</th><th>as the rule writes it</th></tr></thead>\n<tbody>")
		for _, c := range r.Canonical {
			w.raw("<tr><td><code>")
			w.text(c.Field)
			w.raw("</code></td><td>")
			w.text(c.Kind)
			w.raw("</td><td><code>")
			w.text(c.Value)
			w.raw("</code></td><td>")
			if d.Static && c.Total+1 < canonicalMinRules {
				// The static export has pages for the canonical
				// indicators of several rules only.
				w.text(strconv.Itoa(c.Total))
			} else {
				w.link(d.Href(CanonicalPath(c.Field, c.Kind, c.Value)), strconv.Itoa(c.Total), false)
			}
			if len(c.ByPlatform) > 0 {
				ps := make([]string, 0, len(c.ByPlatform))
				for p, n := range c.ByPlatform {
					ps = append(ps, p+" "+strconv.Itoa(n))
				}
				sort.Strings(ps)
				w.raw(`<div class="sub">`)
				w.text(strings.Join(ps, ", "))
				w.raw("</div>")
			}
			w.raw("</td><td>")
			for i, f := range c.From {
				if i > 0 {
					w.raw("<br>")
				}
				w.raw("<code>")
				w.text(f)
				w.raw("</code>")
			}
			w.raw("</td></tr>\n")
		}
		w.raw("</tbody></table></div>")
	}
	w.raw("\n</section>\n\n")
}

// writeBehaviourRows writes the rows of a table of rules detecting the same
// behaviour: platform, rule, how alike, what they share.
func writeBehaviourRows(w *htmlw, p *Page, bs []rule.BehaviourRef) {
	for _, b := range bs {
		w.raw("<tr>")
		w.ruleCells(p.RuleHref(b.ID), b.Platform, b.ID, b.Title, b.Path)
		w.raw("<td>")
		w.text(strconv.Itoa(b.Score) + "%")
		w.raw("</td><td>")
		for i, s := range b.Shared {
			if i > 0 {
				w.raw("<br>")
			}
			w.raw("<code>")
			w.text(s)
			w.raw("</code>")
		}
		w.raw("</td></tr>\n")
	}
}
